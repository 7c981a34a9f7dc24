//! [`RayonDownloader`]: the same jobs on a dedicated, sized rayon pool.

use std::time::Instant;

use fetchlab_core::{Downloader, Error, JobList, Report, RunEnv, Settings};
use fetchlab_sequential::ureq_fetch::{self, CLIENT_LIBRARY};
use rayon::{ThreadPool, ThreadPoolBuilder};

use crate::shared::{
    CEILING_REASON, Cursor, MAX_WORKERS, Slots, WORKER_STACK_BYTES, Worker, worker_count,
};

const NAME: &str = "rayon";

/// Runs the jobs on a rayon pool built for the run with
/// `min(concurrency, jobs)` threads, never the global pool (one thread per
/// core: 2 concurrent downloads on a 2-core machine).
///
/// Scheduling: [`ThreadPool::broadcast`] runs one loop on every thread of
/// the pool, and each loop takes the next job index from a shared atomic
/// cursor until none is left. So every pool thread runs exactly one
/// blocking download at a time and takes the next as soon as it is free,
/// jobs start in list order, and no work ever sits in the deque of a thread
/// that is blocked on a socket. See the crate documentation for why the
/// obvious `par_iter` is a poor fit, and what rayon still costs.
#[derive(Debug, Clone)]
pub struct RayonDownloader {
    settings: Settings,
}

impl RayonDownloader {
    /// A downloader with `settings`, validated now; a concurrency above
    /// [`MAX_WORKERS`] is refused.
    pub fn new(settings: Settings) -> Result<Self, Error> {
        settings.validate_for(NAME, MAX_WORKERS, CEILING_REASON)?;
        Ok(Self { settings })
    }

    /// The settings it runs with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    fn pool(&self, jobs: &JobList) -> Result<ThreadPool, Error> {
        ThreadPoolBuilder::new()
            .num_threads(worker_count(&self.settings, jobs))
            .stack_size(WORKER_STACK_BYTES)
            .thread_name(|i| format!("fetchlab-rayon-{i}"))
            .build()
            .map_err(|e| Error::Backend {
                backend: NAME,
                reason: format!("cannot build the rayon pool: {e}"),
            })
    }
}

impl Downloader for RayonDownloader {
    fn name(&self) -> &'static str {
        NAME
    }

    fn client_library(&self) -> &'static str {
        CLIENT_LIBRARY
    }

    fn download(&self, jobs: &JobList, env: &RunEnv) -> Result<Report, Error> {
        let started = Instant::now();
        let pool = self.pool(jobs)?;
        let agent = ureq_fetch::agent(&self.settings);
        let _abort = ureq_fetch::abort_on_cancel(&agent, &env.cancel);
        let worker = Worker {
            agent: &agent,
            settings: &self.settings,
            env,
        };
        let cursor = Cursor::default();
        let slots = Slots::new(jobs.len());
        pool.broadcast(|_| {
            while let Some(index) = cursor.take(jobs.len()) {
                slots.put(index, worker.run(index, &jobs.jobs()[index]));
            }
        });
        Ok(Report::new(
            NAME,
            slots.into_outcomes(jobs),
            started.elapsed(),
        ))
    }
}
