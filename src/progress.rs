//! What a download run shows while it goes: an indicatif bar on standard
//! error (only when it is a terminal and not `--quiet`), and with `-v` one
//! line per finished job in the form of the book's flags2 script.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use fetchlab_core::{FailureKind, Job, Outcome, Progress, Resume, Status, redact_credentials};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The bar's layout: elapsed time, bar, jobs done, time left, failure counts.
const TEMPLATE: &str = "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} jobs, eta {eta} {msg}";

/// A [`Progress`] for the terminal.
pub struct Display {
    bar: ProgressBar,
    verbose: bool,
    failed: AtomicU64,
    not_found: AtomicU64,
}

impl Display {
    /// A display for `total` jobs. The bar is drawn only when `show_bar` and
    /// standard error is a terminal; `verbose` prints one line per job.
    pub fn new(total: usize, show_bar: bool, verbose: bool) -> Self {
        let visible = show_bar && std::io::stderr().is_terminal();
        let target = if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(total as u64), target);
        if let Ok(style) = ProgressStyle::with_template(TEMPLATE) {
            bar.set_style(style.progress_chars("=> "));
        }
        if visible {
            bar.enable_steady_tick(Duration::from_millis(100));
        }
        Self {
            bar,
            verbose,
            failed: AtomicU64::new(0),
            not_found: AtomicU64::new(0),
        }
    }

    /// Removes the bar, so the summary is printed on a clean line.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    /// Prints a line above the bar (or plainly when there is none).
    pub fn println(&self, line: &str) {
        self.bar.suspend(|| eprintln!("{line}"));
    }

    fn count(&self, outcome: &Outcome) {
        let counter = match &outcome.status {
            Status::NotFound => &self.not_found,
            Status::Failed(failure) if failure.kind != FailureKind::Cancelled => &self.failed,
            _ => return,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        self.bar.set_message(format!(
            "{} not found, {} errors",
            self.not_found.load(Ordering::Relaxed),
            self.failed.load(Ordering::Relaxed)
        ));
    }
}

impl Progress for Display {
    fn started(&self, _job: &Job) {}

    fn finished(&self, outcome: &Outcome) {
        self.count(outcome);
        // Cancelled jobs are summed up once after the run, not listed.
        let cancelled = outcome
            .failure()
            .is_some_and(|f| f.kind == FailureKind::Cancelled);
        if self.verbose && !cancelled {
            self.println(&status_line(outcome));
        }
        self.bar.inc(1);
    }
}

/// One job's line, as flags2 prints it with `-v`: `NAME OK`,
/// `NAME not found: URL`, `NAME error: REASON`, or `NAME skipped (already complete)`;
/// a saved body that continued or dropped a kept partial one says so:
/// `NAME OK (resumed from N bytes)`, `NAME OK (restarted: REASON)`.
/// Passwords in URLs are hidden.
pub fn status_line(outcome: &Outcome) -> String {
    let name = outcome.job.name();
    match &outcome.status {
        Status::Saved { resume, .. } => match resume {
            Resume::Resumed { from } => format!("{name} OK (resumed from {from} bytes)"),
            Resume::Restarted { reason } => {
                format!("{name} OK (restarted: {})", reason.label())
            }
            _ => format!("{name} OK"),
        },
        Status::Skipped { .. } => format!("{name} skipped (already complete)"),
        Status::NotFound => format!("{name} not found: {}", outcome.job.redacted_url()),
        Status::Failed(failure) => {
            format!("{name} error: {}", redact_credentials(&failure.to_string()))
        }
        _ => format!("{name} done"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fetchlab_core::{Failure, RestartReason};

    fn outcome(status: Status) -> Outcome {
        Outcome {
            job: Job::from_url("http://127.0.0.1:1/a.jpg").unwrap(),
            status,
            attempts: 1,
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn lines_follow_flags2() {
        assert_eq!(
            status_line(&outcome(Status::Saved {
                bytes: 3,
                resume: Resume::None
            })),
            "a.jpg OK"
        );
        let resumed = Resume::Resumed { from: 7 };
        assert_eq!(
            status_line(&outcome(Status::Saved {
                bytes: 9,
                resume: resumed
            })),
            "a.jpg OK (resumed from 7 bytes)"
        );
        let restarted = Resume::Restarted {
            reason: RestartReason::NoValidator,
        };
        assert_eq!(
            status_line(&outcome(Status::Saved {
                bytes: 9,
                resume: restarted
            })),
            "a.jpg OK (restarted: partial body had no validator)"
        );
        assert_eq!(
            status_line(&outcome(Status::NotFound)),
            "a.jpg not found: http://127.0.0.1:1/a.jpg"
        );
        let failed = Status::Failed(Failure::new(FailureKind::HttpStatus(503), "busy"));
        assert_eq!(status_line(&outcome(failed)), "a.jpg error: http 503: busy");
    }

    #[test]
    fn lines_hide_passwords() {
        let job = Job::from_url("http://ann:s3cret@127.0.0.1:1/a.jpg").unwrap();
        let with = |status| Outcome {
            job: job.clone(),
            ..outcome(status)
        };
        assert_eq!(
            status_line(&with(Status::NotFound)),
            "a.jpg not found: http://ann:***@127.0.0.1:1/a.jpg"
        );
        let detail = format!("cannot reach {}", job.url());
        let failed = Status::Failed(Failure::new(FailureKind::Connect, detail));
        assert_eq!(
            status_line(&with(failed)),
            "a.jpg error: connect: cannot reach http://ann:***@127.0.0.1:1/a.jpg"
        );
    }
}
