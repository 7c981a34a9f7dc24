//! The report of a run: every outcome, flags2-style counts, bytes, timing.

use std::time::Duration;

use crate::outcome::{Outcome, Status};

/// Outcome counts in the form of the book's flags2 summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Saved in this run.
    pub downloaded: usize,
    /// Already complete in the store.
    pub skipped: usize,
    /// Answered 404.
    pub not_found: usize,
    /// Failed for any other reason (cancelled jobs included).
    pub errors: usize,
}

impl Counts {
    /// Jobs counted.
    pub fn total(&self) -> usize {
        self.downloaded + self.skipped + self.not_found + self.errors
    }
}

/// Latency percentiles over the jobs that made at least one request.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct LatencySummary {
    /// Median, seconds.
    pub p50: f64,
    /// 90th percentile, seconds.
    pub p90: f64,
    /// 99th percentile, seconds.
    pub p99: f64,
    /// Slowest, seconds.
    pub max: f64,
}

/// Everything a run produced: one outcome per job, in job order.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    /// Which backend ran (e.g. `sequential`).
    pub strategy: String,
    /// The outcomes, in the order of the job list.
    pub outcomes: Vec<Outcome>,
    /// Wall time of the whole run.
    #[serde(with = "crate::outcome::duration_secs")]
    pub wall_time: Duration,
}

impl Report {
    /// A report from outcomes in job order.
    pub fn new(strategy: impl Into<String>, outcomes: Vec<Outcome>, wall_time: Duration) -> Self {
        Self {
            strategy: strategy.into(),
            outcomes,
            wall_time,
        }
    }

    /// The flags2-style counts.
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for outcome in &self.outcomes {
            match outcome.status {
                Status::Saved { .. } => counts.downloaded += 1,
                Status::Skipped { .. } => counts.skipped += 1,
                Status::NotFound => counts.not_found += 1,
                Status::Failed(_) => counts.errors += 1,
            }
        }
        counts
    }

    /// Bytes saved in this run (skipped files not counted).
    pub fn bytes_downloaded(&self) -> u64 {
        self.outcomes
            .iter()
            .map(|o| match o.status {
                Status::Saved { bytes } => bytes,
                _ => 0,
            })
            .sum()
    }

    /// Requests made, retries included.
    pub fn requests(&self) -> u64 {
        self.outcomes.iter().map(|o| u64::from(o.attempts)).sum()
    }

    /// Whether every job was saved or skipped.
    pub fn all_succeeded(&self) -> bool {
        self.outcomes.iter().all(Outcome::is_success)
    }

    /// Latency percentiles over jobs that made a request (nearest rank).
    pub fn latency(&self) -> LatencySummary {
        let mut secs: Vec<f64> = self
            .outcomes
            .iter()
            .filter(|o| o.attempts > 0)
            .map(|o| o.elapsed.as_secs_f64())
            .collect();
        if secs.is_empty() {
            return LatencySummary::default();
        }
        secs.sort_by(f64::total_cmp);
        let rank = |p: f64| {
            let index = ((p * secs.len() as f64).ceil() as usize).clamp(1, secs.len()) - 1;
            secs[index]
        };
        LatencySummary {
            p50: rank(0.50),
            p90: rank(0.90),
            p99: rank(0.99),
            max: secs[secs.len() - 1],
        }
    }

    /// The closing summary as flags2 prints it, one line each:
    /// `80 downloaded.`, then not found / errors / skipped lines when
    /// non-zero, then `Elapsed time: 0.42s`.
    pub fn summary_lines(&self) -> Vec<String> {
        let counts = self.counts();
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let mut lines = vec![format!("{} downloaded.", counts.downloaded)];
        if counts.skipped > 0 {
            lines.push(format!("{} already complete (skipped).", counts.skipped));
        }
        if counts.not_found > 0 {
            lines.push(format!("{} not found.", counts.not_found));
        }
        if counts.errors > 0 {
            lines.push(format!("{} error{}.", counts.errors, plural(counts.errors)));
        }
        lines.push(format!(
            "Elapsed time: {:.2}s",
            self.wall_time.as_secs_f64()
        ));
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::Job;
    use crate::outcome::{Failure, FailureKind};

    fn outcome(status: Status, attempts: u32, ms: u64) -> Outcome {
        Outcome {
            job: Job::with_name("http://127.0.0.1/x", "x"),
            status,
            attempts,
            elapsed: Duration::from_millis(ms),
        }
    }

    #[test]
    fn counts_bytes_and_summary() {
        let report = Report::new(
            "test",
            vec![
                outcome(Status::Saved { bytes: 10 }, 1, 100),
                outcome(Status::Saved { bytes: 5 }, 2, 300),
                outcome(Status::NotFound, 1, 200),
                outcome(
                    Status::Failed(Failure::new(FailureKind::Timeout, "slow")),
                    4,
                    400,
                ),
                outcome(Status::Skipped { bytes: 7 }, 0, 0),
            ],
            Duration::from_millis(1234),
        );
        let counts = report.counts();
        assert_eq!(
            counts,
            Counts {
                downloaded: 2,
                skipped: 1,
                not_found: 1,
                errors: 1
            }
        );
        assert_eq!(report.bytes_downloaded(), 15);
        assert_eq!(report.requests(), 8);
        assert!(!report.all_succeeded());
        let latency = report.latency();
        assert_eq!(latency.p50, 0.2);
        assert_eq!(latency.max, 0.4);
        assert_eq!(
            report.summary_lines(),
            [
                "2 downloaded.",
                "1 already complete (skipped).",
                "1 not found.",
                "1 error.",
                "Elapsed time: 1.23s"
            ]
        );
    }
}
