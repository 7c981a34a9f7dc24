//! What both thread strategies share: their limits, the job cursor, the
//! outcome slots, and one job run on a worker with its panics caught.

use std::panic::{self, AssertUnwindSafe};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use fetchlab_core::run::run_blocking;
use fetchlab_core::{Failure, FailureKind, Job, JobList, Outcome, RunEnv, Settings, Status};
use fetchlab_sequential::ureq_fetch;

/// The most workers (OS threads) a run may ask for. Each blocked worker
/// costs a thread, its stack and a socket; past a few thousand, memory and
/// scheduler cost dominate, and an async strategy (`fetchlab-tokio`) is the
/// right tool. Enforced through [`Settings::validate_for`].
pub const MAX_WORKERS: usize = 4096;

/// Why [`MAX_WORKERS`] exists, as reported to the user.
pub(crate) const CEILING_REASON: &str = "every worker is an OS thread blocked on a socket; \
     for more in-flight downloads use the tokio strategy";

/// Stack size of every worker thread. Measured in a debug build (the worst
/// case: no inlining, large frames): a plain-HTTP job overflows 96 KiB and
/// fits in 128 KiB; an HTTPS request (rustls handshake and certificate
/// check) overflows 128 KiB and fits in 160 KiB; a job whose store panics,
/// with `RUST_BACKTRACE=1`, fits in 128 KiB. 256 KiB leaves 1.6× over the
/// worst of these for a store or progress observer, while 1,000 workers
/// reserve 256 MiB of address space instead of 2 GiB at Rust's 2 MiB
/// default. Only the pages a thread touches cost memory either way.
pub const WORKER_STACK_BYTES: usize = 256 * 1024;

/// Workers for a run: one per job up to the concurrency limit, at least one.
pub(crate) fn worker_count(settings: &Settings, jobs: &JobList) -> usize {
    settings.concurrency.min(jobs.len()).max(1)
}

/// Hands out job indexes in order, each exactly once, to any number of
/// workers: the shared queue of a run.
#[derive(Debug, Default)]
pub(crate) struct Cursor {
    next: AtomicUsize,
}

impl Cursor {
    /// The next job index, or `None` when every job was taken.
    pub(crate) fn take(&self, len: usize) -> Option<usize> {
        // Relaxed is enough: the counter is the only shared state, and the
        // job list is borrowed immutably by every worker.
        let index = self.next.fetch_add(1, Ordering::Relaxed);
        (index < len).then_some(index)
    }
}

/// One outcome slot per job, filled by whichever worker ran it.
pub(crate) struct Slots {
    slots: Vec<OnceLock<Outcome>>,
}

impl Slots {
    /// Empty slots for `len` jobs.
    pub(crate) fn new(len: usize) -> Self {
        Self {
            slots: (0..len).map(|_| OnceLock::new()).collect(),
        }
    }

    /// Stores the outcome of the job at `index`.
    pub(crate) fn put(&self, index: usize, outcome: Outcome) {
        // The cursor hands each index out once, so the slot is empty.
        let _ = self.slots[index].set(outcome);
    }

    /// The outcomes in job order. A slot left empty (a worker that could
    /// not run at all) becomes a failed outcome rather than a missing one.
    pub(crate) fn into_outcomes(self, jobs: &JobList) -> Vec<Outcome> {
        self.slots
            .into_iter()
            .zip(jobs.iter())
            .map(|(slot, job)| slot.into_inner().unwrap_or_else(|| lost(job)))
            .collect()
    }
}

fn lost(job: &Job) -> Outcome {
    let failure = Failure::new(FailureKind::Io, "no worker ran this job");
    failed(job, 0, failure)
}

fn failed(job: &Job, attempts: u32, failure: Failure) -> Outcome {
    Outcome {
        job: job.clone(),
        status: Status::Failed(failure),
        attempts,
        elapsed: std::time::Duration::ZERO,
    }
}

/// Everything a worker needs to run jobs: the run's one agent, its
/// settings and environment.
pub(crate) struct Worker<'a> {
    pub(crate) agent: &'a ureq::Agent,
    pub(crate) settings: &'a Settings,
    pub(crate) env: &'a RunEnv,
}

impl Worker<'_> {
    /// Runs the job at `index` to its outcome. A panic inside the job (in
    /// ureq, the store or the progress observer) becomes that job's failed
    /// outcome, [`FailureKind::Io`] "worker panicked: …", and the worker goes
    /// on with the next job.
    pub(crate) fn run(&self, index: usize, job: &Job) -> Outcome {
        let attempts = AtomicU32::new(0);
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            run_blocking(job, index, self.settings, self.env, |job| {
                attempts.fetch_add(1, Ordering::Relaxed);
                ureq_fetch::attempt(self.agent, job, self.settings, self.env)
            })
        }));
        result.unwrap_or_else(|payload| {
            let message = panic_message(payload.as_ref());
            let failure = Failure::new(FailureKind::Io, format!("worker panicked: {message}"));
            let outcome = failed(job, attempts.into_inner(), failure);
            // The observer may be what panicked; a second panic is not ours
            // to propagate, the outcome stands either way.
            let _ = panic::catch_unwind(AssertUnwindSafe(|| self.env.progress.finished(&outcome)));
            outcome
        })
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_hands_out_each_index_once() {
        let cursor = Cursor::default();
        let taken: Vec<usize> = std::iter::from_fn(|| cursor.take(3)).collect();
        assert_eq!(taken, [0, 1, 2]);
        assert_eq!(cursor.take(3), None);
    }

    #[test]
    fn empty_slots_become_failures() {
        let jobs = JobList::from_urls(["http://127.0.0.1:1/a", "http://127.0.0.1:1/b"]).unwrap();
        let slots = Slots::new(2);
        slots.put(1, lost(&jobs.jobs()[1]));
        let outcomes = slots.into_outcomes(&jobs);
        assert_eq!(outcomes.len(), 2);
        assert_eq!(outcomes[0].job.name(), "a");
        assert_eq!(outcomes[0].failure().map(|f| f.kind), Some(FailureKind::Io));
    }

    #[test]
    fn panic_messages_are_kept() {
        let payload = panic::catch_unwind(|| panic!("boom {}", 1)).unwrap_err();
        assert_eq!(panic_message(payload.as_ref()), "boom 1");
    }
}
