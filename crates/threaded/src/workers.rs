//! What both thread strategies share: their limits, core's job cursor, the
//! outcome slots, and a worker's loop.

use std::sync::OnceLock;

use fetchlab_core::backend::{Cursor, HostGate, run_blocking};
use std::time::Instant;

use fetchlab_core::{Error, JobList, Outcome, Report, RunEnv, Settings};
use fetchlab_ureq::UreqTransport;

/// The most workers (OS threads) a run may ask for. Each blocked worker
/// costs a thread, its stack and a socket; past a few thousand, memory and
/// scheduler cost dominate, and an async strategy (`fetchlab-tokio`) is the
/// right tool. Enforced through [`Settings::check_ceiling`].
pub const MAX_WORKERS: usize = 4096;

/// Why [`MAX_WORKERS`] exists, as reported to the user.
pub(crate) const CEILING_REASON: &str = "every worker is an OS thread blocked on a socket; \
     for more in-flight downloads use the tokio strategy";

/// Stack size of every worker thread (see [`crate::design`] for the
/// measurement behind it).
pub const WORKER_STACK_BYTES: usize = 256 * 1024;

/// Workers for a run: one per job up to the concurrency limit, at least one.
pub(crate) fn worker_count(settings: &Settings, jobs: &JobList) -> usize {
    settings.concurrency().min(jobs.len()).max(1)
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
            .map(|(slot, job)| {
                slot.into_inner()
                    .unwrap_or_else(|| Outcome::lost(job.clone(), "no worker ran this job"))
            })
            .collect()
    }
}

/// A whole run of `jobs` under `name`: one transport for the run, the
/// workers started by `start` (each calling [`Run::work`]), the report in
/// job order. `start` fails only when not a single worker could run.
pub(crate) fn download(
    name: &'static str,
    settings: &Settings,
    jobs: &JobList,
    env: &RunEnv,
    start: impl FnOnce(&Run<'_>) -> Result<(), Error>,
) -> Result<Report, Error> {
    let started = Instant::now();
    env.store.run_starting();
    let transport = UreqTransport::new(settings, &env.cancel);
    let run = Run::new(&transport, settings, env, jobs);
    start(&run)?;
    Ok(Report::new(name, run.into_outcomes(), started.elapsed()))
}

/// Everything a worker needs to run jobs: the run's one transport, its
/// settings and environment, its per-host gate, the shared cursor and
/// slots.
///
/// A worker whose job's host is full waits on the gate with its job (the
/// head-of-line effect described in `fetchlab_core::backend::run`): the
/// wait ends when one of that host's attempts, run by another worker,
/// ends, so it cannot deadlock.
pub(crate) struct Run<'a> {
    pub(crate) transport: &'a UreqTransport,
    pub(crate) hosts: HostGate,
    pub(crate) settings: &'a Settings,
    pub(crate) env: &'a RunEnv,
    pub(crate) jobs: &'a JobList,
    pub(crate) cursor: Cursor,
    pub(crate) slots: Slots,
}

impl<'a> Run<'a> {
    /// A run of `jobs`, nothing taken yet.
    pub(crate) fn new(
        transport: &'a UreqTransport,
        settings: &'a Settings,
        env: &'a RunEnv,
        jobs: &'a JobList,
    ) -> Self {
        Self {
            transport,
            hosts: HostGate::new(settings.per_host()),
            settings,
            env,
            jobs,
            cursor: Cursor::default(),
            slots: Slots::new(jobs.len()),
        }
    }

    /// A worker's loop: the next job, until there is none. A panic inside
    /// a job becomes that job's outcome (core's panic policy), so the
    /// worker goes on with the next.
    pub(crate) fn work(&self) {
        while let Some(index) = self.cursor.take(self.jobs.len()) {
            let job = &self.jobs.jobs()[index];
            let outcome = run_blocking(
                self.transport,
                &self.hosts,
                job,
                index,
                self.settings,
                self.env,
            );
            self.slots.put(index, outcome);
        }
    }

    /// The outcomes in job order.
    pub(crate) fn into_outcomes(self) -> Vec<Outcome> {
        self.slots.into_outcomes(self.jobs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fetchlab_core::FailureKind;

    #[test]
    fn empty_slots_become_failures() {
        let jobs = JobList::from_urls(["http://127.0.0.1:1/a", "http://127.0.0.1:1/b"]).unwrap();
        let slots = Slots::new(2);
        slots.put(1, Outcome::lost(jobs.jobs()[1].clone(), "test"));
        let outcomes = slots.into_outcomes(&jobs);
        assert_eq!(outcomes.len(), 2);
        assert_eq!(outcomes[0].job.name(), "a");
        assert_eq!(outcomes[0].failure().map(|f| f.kind), Some(FailureKind::Io));
    }
}
