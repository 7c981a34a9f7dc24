//! The report of a run: every outcome, flags2-style counts, bytes, timing;
//! and the reports of a run split into shards, which add up.
//!
//! - [`Report`]: what a [`crate::Downloader`] returns, one outcome per job.
//! - [`Counts`]: the flags2 counts and summary lines.
//! - [`ShardReport`]: the part of a [`Report`] worth keeping once the run is
//!   over (counts, bytes, time, every failure with its reason), with the
//!   [`Shard`] it ran and the [fingerprint](crate::JobList::fingerprint) of
//!   the whole list it was cut from. Serialisable, so each process of a
//!   sharded run can write its own.
//! - [`merge_reports`]: the shard reports of one run added up into a
//!   [`MergedReport`], with every reason they do not make a complete run
//!   ([`MergeProblem`]: a shard missing or doubled, reports of different
//!   lists, failed jobs).

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use crate::job::{JobList, Shard, redact_credentials};
use crate::outcome::{FailureKind, Outcome, Status};

/// Outcome counts in the form of the book's flags2 summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counts {
    /// Saved in this run.
    pub downloaded: usize,
    /// Already complete in the store.
    pub skipped: usize,
    /// Answered 404.
    pub not_found: usize,
    /// Failed for any other reason than a cancelled run.
    pub errors: usize,
    /// Not finished because the run was cancelled.
    #[serde(default)]
    pub cancelled: usize,
}

impl Counts {
    /// Jobs counted.
    pub fn total(&self) -> usize {
        self.downloaded + self.skipped + self.not_found + self.errors + self.cancelled
    }

    /// Jobs that did not end saved or skipped.
    pub fn unsuccessful(&self) -> usize {
        self.not_found + self.errors + self.cancelled
    }

    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &Counts) {
        self.downloaded += other.downloaded;
        self.skipped += other.skipped;
        self.not_found += other.not_found;
        self.errors += other.errors;
        self.cancelled += other.cancelled;
    }

    /// The closing summary as flags2 prints it, one line each:
    /// `80 downloaded.`, then skipped / not found / errors / cancelled lines
    /// when non-zero, then `Elapsed time: 0.42s`.
    pub fn summary_lines(&self, wall_time: Duration) -> Vec<String> {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let mut lines = vec![format!("{} downloaded.", self.downloaded)];
        if self.skipped > 0 {
            lines.push(format!("{} already complete (skipped).", self.skipped));
        }
        if self.not_found > 0 {
            lines.push(format!("{} not found.", self.not_found));
        }
        if self.errors > 0 {
            lines.push(format!("{} error{}.", self.errors, plural(self.errors)));
        }
        if self.cancelled > 0 {
            lines.push(format!("{} cancelled.", self.cancelled));
        }
        lines.push(format!("Elapsed time: {:.2}s", wall_time.as_secs_f64()));
        lines
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
///
/// Serialised with every password hidden, in URLs and in failure details
/// alike (see [`redact_credentials`]).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    /// Which backend ran (e.g. `sequential`).
    pub strategy: String,
    /// The outcomes, in the order of the job list.
    #[serde(serialize_with = "redacted_outcomes")]
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
                Status::Failed(ref failure) if failure.kind == FailureKind::Cancelled => {
                    counts.cancelled += 1;
                }
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
                Status::Saved { bytes, .. } => bytes,
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

    /// The closing summary as flags2 prints it (see [`Counts::summary_lines`]).
    pub fn summary_lines(&self) -> Vec<String> {
        self.counts().summary_lines(self.wall_time)
    }
}

/// Serialises outcomes with passwords hidden in failure details (the job's
/// own serialisation hides its URL's).
fn redacted_outcomes<S: serde::Serializer>(outcomes: &[Outcome], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(outcomes.iter().map(|outcome| match &outcome.status {
        Status::Failed(failure) => {
            let detail = redact_credentials(&failure.detail);
            if let std::borrow::Cow::Owned(detail) = detail {
                let mut outcome = outcome.clone();
                if let Status::Failed(failure) = &mut outcome.status {
                    failure.detail = detail;
                }
                std::borrow::Cow::Owned(outcome)
            } else {
                std::borrow::Cow::Borrowed(outcome)
            }
        }
        _ => std::borrow::Cow::Borrowed(outcome),
    }))
}

/// The version of the [`ShardReport`] layout; [`merge_reports`] refuses others.
pub const SHARD_REPORT_FORMAT: u32 = 1;

/// The job list a shard was cut from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ListInfo {
    /// [`JobList::fingerprint`] of the whole list, before sharding.
    pub fingerprint: String,
    /// Jobs in the whole list.
    pub jobs: usize,
}

/// A job that did not end saved or skipped, with its reason.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FailedJob {
    /// The file name.
    pub name: String,
    /// The URL, password hidden.
    pub url: String,
    /// Why: `not found (404)`, `cancelled: run cancelled`, `http 503: …`
    /// (passwords hidden).
    pub reason: String,
    /// Requests made for it.
    pub attempts: u32,
}

impl FailedJob {
    /// The failed job of `outcome`, or `None` when it succeeded.
    pub fn of(outcome: &Outcome) -> Option<Self> {
        let reason = match &outcome.status {
            Status::Saved { .. } | Status::Skipped { .. } => return None,
            Status::NotFound => "not found (404)".to_owned(),
            Status::Failed(failure) => redact_credentials(&failure.to_string()).into_owned(),
        };
        Some(Self {
            name: outcome.job.name().to_owned(),
            url: outcome.job.redacted_url().into_owned(),
            reason,
            attempts: outcome.attempts,
        })
    }
}

/// What one process of a sharded run did, as it writes it down: which
/// shard of which list, the counts, bytes, requests and time, and every job
/// that did not end saved or skipped.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ShardReport {
    /// [`SHARD_REPORT_FORMAT`] when written.
    pub format: u32,
    /// The shard this run did ([`Shard::WHOLE`] when not sharded).
    pub shard: Shard,
    /// The whole list the shard was cut from.
    pub list: ListInfo,
    /// Jobs in this shard.
    pub jobs: usize,
    /// Which backend ran.
    pub strategy: String,
    /// The flags2 counts of this shard.
    pub counts: Counts,
    /// Bytes saved (skipped files not counted).
    pub bytes_downloaded: u64,
    /// Requests made, retries included.
    pub requests: u64,
    /// Wall time of the run, seconds.
    pub wall_time: f64,
    /// Whether the run was cancelled before its end.
    pub interrupted: bool,
    /// Every job that did not end saved or skipped, in list order.
    pub failures: Vec<FailedJob>,
}

impl ShardReport {
    /// The report of `shard` of `list`, from the run's `report`.
    pub fn new(report: &Report, shard: Shard, list: &JobList, interrupted: bool) -> Self {
        Self {
            format: SHARD_REPORT_FORMAT,
            shard,
            list: ListInfo {
                fingerprint: list.fingerprint(),
                jobs: list.len(),
            },
            jobs: report.outcomes.len(),
            strategy: report.strategy.clone(),
            counts: report.counts(),
            bytes_downloaded: report.bytes_downloaded(),
            requests: report.requests(),
            wall_time: report.wall_time.as_secs_f64(),
            interrupted,
            failures: report.outcomes.iter().filter_map(FailedJob::of).collect(),
        }
    }
}

/// A reason the shard reports given to [`merge_reports`] are not one complete run.
/// Each names the report (by the origin it was given with) and the shard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MergeProblem {
    /// No report was given.
    NoReports,
    /// A report of another layout version.
    Format {
        /// Where the report came from.
        origin: String,
        /// Its version.
        format: u32,
    },
    /// A report cut from another list than the first report.
    DifferentList {
        /// Where the report came from.
        origin: String,
        /// Its shard.
        shard: Shard,
        /// Its list.
        list: ListInfo,
        /// The first report, whose list is taken as the run's.
        first: String,
        /// The first report's list.
        first_list: ListInfo,
    },
    /// A report of another shard count than the first report.
    DifferentCount {
        /// Where the report came from.
        origin: String,
        /// Its shard.
        shard: Shard,
        /// The first report.
        first: String,
        /// The first report's shard count.
        first_count: usize,
    },
    /// No report for this shard.
    Missing {
        /// The shard.
        shard: Shard,
    },
    /// Several reports for the same shard.
    Doubled {
        /// The shard.
        shard: Shard,
        /// Where they came from.
        origins: Vec<String>,
    },
    /// A shard with jobs that did not end saved or skipped.
    Failed {
        /// Where the report came from.
        origin: String,
        /// Its shard.
        shard: Shard,
        /// Its counts.
        counts: Counts,
    },
    /// Every shard is there once, yet their jobs do not add up to the list.
    JobsDoNotAddUp {
        /// Jobs in the list.
        list: usize,
        /// Jobs in all shards together.
        shards: usize,
    },
}

impl fmt::Display for MergeProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoReports => write!(f, "no shard reports given"),
            Self::Format { origin, format } => write!(
                f,
                "{origin}: report format {format}, expected {SHARD_REPORT_FORMAT}"
            ),
            Self::DifferentList {
                origin,
                shard,
                list,
                first,
                first_list,
            } => write!(
                f,
                "{origin}: shard {shard} is of another job list ({} jobs, {}) than {first} \
                 ({} jobs, {})",
                list.jobs, list.fingerprint, first_list.jobs, first_list.fingerprint
            ),
            Self::DifferentCount {
                origin,
                shard,
                first,
                first_count,
            } => write!(
                f,
                "{origin}: shard {shard} is of {} shards, {first} of {first_count}",
                shard.count()
            ),
            Self::Missing { shard } => write!(f, "shard {shard} is missing"),
            Self::Doubled { shard, origins } => write!(
                f,
                "shard {shard} appears {} times: {}",
                origins.len(),
                origins.join(", ")
            ),
            Self::Failed {
                origin,
                shard,
                counts,
            } => {
                let mut parts = Vec::new();
                for (n, what) in [
                    (counts.not_found, "not found"),
                    (
                        counts.errors,
                        if counts.errors == 1 {
                            "error"
                        } else {
                            "errors"
                        },
                    ),
                    (counts.cancelled, "cancelled"),
                ] {
                    if n > 0 {
                        parts.push(format!("{n} {what}"));
                    }
                }
                write!(f, "{origin}: shard {shard} failed: {}", parts.join(", "))
            }
            Self::JobsDoNotAddUp { list, shards } => {
                write!(f, "the shards hold {shards} jobs together, the list {list}")
            }
        }
    }
}

/// The shard reports of one run, added up.
#[derive(Debug, Clone, PartialEq)]
pub struct MergedReport {
    /// The shard count of the first report.
    pub shards: usize,
    /// Reports given.
    pub reports: usize,
    /// The list of the first report.
    pub list: Option<ListInfo>,
    /// Counts of the run's reports, added: those of the first report's list
    /// and shard count, each shard once.
    pub counts: Counts,
    /// Bytes of the run's reports, added.
    pub bytes_downloaded: u64,
    /// Requests of the run's reports, added.
    pub requests: u64,
    /// The slowest shard's wall time.
    pub slowest: Duration,
    /// Every failed job of the run's reports, with the report it came from.
    pub failures: Vec<(String, Shard, FailedJob)>,
    /// Why the reports are not one complete run; empty when they are.
    pub problems: Vec<MergeProblem>,
}

impl MergedReport {
    /// Whether the reports make one complete, successful run: every shard
    /// once, one list, no failed job.
    pub fn is_complete(&self) -> bool {
        self.problems.is_empty()
    }

    /// The flags2 summary of all shards together; the time is the slowest
    /// shard's.
    pub fn summary_lines(&self) -> Vec<String> {
        self.counts.summary_lines(self.slowest)
    }
}

/// Adds up `reports`, each given with its origin (a file name) for the
/// problems to name. The first report's list and shard count are the run's;
/// a report of another list or count is named and not added, and a shard
/// given twice is added once.
///
/// ```
/// use std::time::Duration;
/// use fetchlab_core::{JobList, Report, Shard, ShardReport, merge_reports};
///
/// let list = JobList::seed("http://127.0.0.1:8001/")?;
/// // What shard 0 of 2 wrote (here: a run that did nothing) and no shard 1.
/// let run = Report::new("tokio", Vec::new(), Duration::ZERO);
/// let shard = ShardReport::new(&run, Shard::new(0, 2)?, &list, false);
/// let merged = merge_reports(&[("r0.json".to_owned(), shard)]);
/// assert!(!merged.is_complete());
/// assert_eq!(merged.problems[0].to_string(), "shard 1/2 is missing");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn merge_reports(reports: &[(String, ShardReport)]) -> MergedReport {
    let mut merged = MergedReport {
        shards: 0,
        reports: reports.len(),
        list: None,
        counts: Counts::default(),
        bytes_downloaded: 0,
        requests: 0,
        slowest: Duration::ZERO,
        failures: Vec::new(),
        problems: Vec::new(),
    };
    let Some((first, first_report)) = reports.first() else {
        merged.problems.push(MergeProblem::NoReports);
        return merged;
    };
    merged.shards = first_report.shard.count();
    merged.list = Some(first_report.list.clone());
    let mut seen: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (origin, report) in reports {
        if report.format != SHARD_REPORT_FORMAT {
            merged.problems.push(MergeProblem::Format {
                origin: origin.clone(),
                format: report.format,
            });
            continue;
        }
        if report.list != first_report.list {
            merged.problems.push(MergeProblem::DifferentList {
                origin: origin.clone(),
                shard: report.shard,
                list: report.list.clone(),
                first: first.clone(),
                first_list: first_report.list.clone(),
            });
            continue;
        }
        if report.shard.count() != merged.shards {
            merged.problems.push(MergeProblem::DifferentCount {
                origin: origin.clone(),
                shard: report.shard,
                first: first.clone(),
                first_count: merged.shards,
            });
            continue;
        }
        let origins = seen.entry(report.shard.index()).or_default();
        origins.push(origin.clone());
        if origins.len() > 1 {
            // A shard given again is named below, not counted twice.
            continue;
        }
        merged.counts.add(&report.counts);
        merged.bytes_downloaded += report.bytes_downloaded;
        merged.requests += report.requests;
        let wall = Duration::try_from_secs_f64(report.wall_time).unwrap_or_default();
        merged.slowest = merged.slowest.max(wall);
        merged.failures.extend(
            report
                .failures
                .iter()
                .map(|job| (origin.clone(), report.shard, job.clone())),
        );
        if report.counts.unsuccessful() > 0 {
            merged.problems.push(MergeProblem::Failed {
                origin: origin.clone(),
                shard: report.shard,
                counts: report.counts,
            });
        }
    }
    let mut complete = true;
    for index in 0..merged.shards {
        // The index is below the count, so the shard exists.
        let Ok(shard) = Shard::new(index, merged.shards) else {
            continue;
        };
        match seen.get(&index).map(Vec::as_slice) {
            None => {
                complete = false;
                merged.problems.push(MergeProblem::Missing { shard });
            }
            Some([_]) => {}
            Some(origins) => {
                complete = false;
                merged.problems.push(MergeProblem::Doubled {
                    shard,
                    origins: origins.to_vec(),
                });
            }
        }
    }
    if complete && merged.problems.is_empty() {
        let shards: usize = reports.iter().map(|(_, r)| r.jobs).sum();
        if shards != first_report.list.jobs {
            merged.problems.push(MergeProblem::JobsDoNotAddUp {
                list: first_report.list.jobs,
                shards,
            });
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::Job;
    use crate::outcome::{Failure, FailureKind, Resume};

    fn outcome(status: Status, attempts: u32, ms: u64) -> Outcome {
        Outcome {
            job: Job::with_name("http://127.0.0.1/x", "x"),
            status,
            attempts,
            elapsed: Duration::from_millis(ms),
        }
    }

    #[test]
    fn serialised_reports_hide_passwords() {
        let job = Job::from_url("http://ann:s3cret@127.0.0.1/a.jpg").unwrap();
        let detail = format!("error sending request for url ({})", job.url());
        let report = Report::new(
            "test",
            vec![Outcome {
                job,
                status: Status::Failed(Failure::new(FailureKind::Connect, detail)),
                attempts: 1,
                elapsed: Duration::ZERO,
            }],
            Duration::ZERO,
        );
        let json = serde_json::to_string(&report).unwrap();
        assert!(!json.contains("s3cret"), "{json}");
        assert_eq!(json.matches("ann:***@").count(), 2, "{json}");
    }

    #[test]
    fn counts_bytes_and_summary() {
        let report = Report::new(
            "test",
            vec![
                outcome(
                    Status::Saved {
                        bytes: 10,
                        resume: Resume::None,
                    },
                    1,
                    100,
                ),
                outcome(
                    Status::Saved {
                        bytes: 5,
                        resume: Resume::None,
                    },
                    2,
                    300,
                ),
                outcome(Status::NotFound, 1, 200),
                outcome(
                    Status::Failed(Failure::new(FailureKind::Timeout, "slow")),
                    4,
                    400,
                ),
                outcome(Status::Skipped { bytes: 7 }, 0, 0),
                Outcome::cancelled(Job::with_name("http://127.0.0.1/y", "y"), 1, Duration::ZERO),
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
                errors: 1,
                cancelled: 1,
            }
        );
        assert_eq!(report.bytes_downloaded(), 15);
        assert_eq!(report.requests(), 9);
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
                "1 cancelled.",
                "Elapsed time: 1.23s"
            ]
        );
    }
}

#[cfg(test)]
mod merge_tests {
    use super::*;
    use crate::outcome::{Failure, FailureKind, Resume};

    fn list() -> JobList {
        let names = (0..30).map(|i| format!("f{i}.bin"));
        JobList::named_under("http://u:pw@127.0.0.1:1/", names).unwrap()
    }

    /// The report of `shard` of `list` where every job was saved, except
    /// those named in `failing`.
    fn shard_report(list: &JobList, shard: Shard, failing: &[&str]) -> ShardReport {
        let jobs = list.in_shard(shard);
        let outcomes = jobs
            .iter()
            .map(|job| Outcome {
                job: job.clone(),
                status: if failing.contains(&job.name()) {
                    Status::Failed(Failure::new(
                        FailureKind::HttpStatus(503),
                        format!("busy at {}", job.url()),
                    ))
                } else {
                    Status::Saved {
                        bytes: 10,
                        resume: Resume::None,
                    }
                },
                attempts: 1,
                elapsed: Duration::from_millis(5),
            })
            .collect();
        let report = Report::new(
            "test",
            outcomes,
            Duration::from_millis(100 + shard.index() as u64),
        );
        ShardReport::new(&report, shard, list, false)
    }

    fn all_of(list: &JobList, count: usize) -> Vec<(String, ShardReport)> {
        (0..count)
            .map(|k| {
                let shard = Shard::new(k, count).unwrap();
                (format!("r{k}.json"), shard_report(list, shard, &[]))
            })
            .collect()
    }

    #[test]
    fn complete_shards_add_up() {
        let list = list();
        let merged = merge_reports(&all_of(&list, 3));
        assert!(merged.is_complete(), "{:?}", merged.problems);
        assert_eq!(merged.counts.downloaded, 30);
        assert_eq!(merged.bytes_downloaded, 300);
        assert_eq!(merged.requests, 30);
        assert_eq!(merged.slowest, Duration::from_millis(102));
        assert_eq!(
            merged.summary_lines(),
            ["30 downloaded.", "Elapsed time: 0.10s"]
        );
    }

    #[test]
    fn a_missing_shard_is_named() {
        let list = list();
        let mut reports = all_of(&list, 3);
        reports.remove(1);
        let merged = merge_reports(&reports);
        assert_eq!(
            merged.problems,
            [MergeProblem::Missing {
                shard: Shard::new(1, 3).unwrap()
            }]
        );
        assert_eq!(merged.problems[0].to_string(), "shard 1/3 is missing");
    }

    #[test]
    fn a_doubled_shard_names_both_reports() {
        let list = list();
        let mut reports = all_of(&list, 3);
        reports.push(("again.json".into(), reports[2].1.clone()));
        let merged = merge_reports(&reports);
        assert_eq!(merged.problems.len(), 1, "{:?}", merged.problems);
        assert_eq!(
            merged.problems[0].to_string(),
            "shard 2/3 appears 2 times: r2.json, again.json"
        );
        assert_eq!(
            merged.counts.downloaded, 30,
            "a doubled shard is counted once"
        );
    }

    #[test]
    fn a_failed_shard_is_named_with_its_failures() {
        let list = list();
        let shard = Shard::new(0, 2).unwrap();
        let failing = list.in_shard(shard).jobs()[0].name().to_owned();
        let mut reports = all_of(&list, 2);
        reports[0].1 = shard_report(&list, shard, &[&failing]);
        let merged = merge_reports(&reports);
        assert_eq!(merged.problems.len(), 1);
        assert_eq!(
            merged.problems[0].to_string(),
            "r0.json: shard 0/2 failed: 1 error"
        );
        let (origin, in_shard, job) = &merged.failures[0];
        assert_eq!((origin.as_str(), *in_shard), ("r0.json", shard));
        assert_eq!(job.name, failing);
        assert!(
            job.reason.starts_with("http 503: busy at http://u:***@"),
            "{}",
            job.reason
        );
        assert!(!job.url.contains("pw"), "{}", job.url);
    }

    #[test]
    fn reports_of_different_lists_or_counts_are_named() {
        let list = list();
        let other = JobList::from_jobs(list.jobs()[1..].to_vec());
        let mut reports = all_of(&list, 2);
        reports[1] = (
            "other.json".into(),
            shard_report(&other, Shard::new(1, 2).unwrap(), &[]),
        );
        let merged = merge_reports(&reports);
        let text: Vec<String> = merged.problems.iter().map(ToString::to_string).collect();
        assert!(
            text[0].starts_with("other.json: shard 1/2 is of another job list (29 jobs"),
            "{text:?}"
        );
        assert!(text[0].contains("than r0.json (30 jobs"), "{text:?}");
        assert!(
            text.contains(&"shard 1/2 is missing".to_owned()),
            "{text:?}"
        );

        let mut reports = all_of(&list, 2);
        reports.push((
            "four.json".into(),
            shard_report(&list, Shard::new(3, 4).unwrap(), &[]),
        ));
        let merged = merge_reports(&reports);
        assert_eq!(
            merged.problems[0].to_string(),
            "four.json: shard 3/4 is of 4 shards, r0.json of 2"
        );
    }

    #[test]
    fn no_reports_is_a_problem() {
        assert_eq!(merge_reports(&[]).problems, [MergeProblem::NoReports]);
    }

    #[test]
    fn shard_reports_round_trip_through_json() {
        let list = list();
        let report = shard_report(&list, Shard::new(1, 3).unwrap(), &[]);
        let text = serde_json::to_string(&report).unwrap();
        assert!(text.contains(r#""shard":{"index":1,"count":3}"#), "{text}");
        let back: ShardReport = serde_json::from_str(&text).unwrap();
        assert_eq!(back, report);
    }
}
