//! [`RayonDownloader`]: the same jobs on a dedicated, sized rayon pool.

use fetchlab_core::{Downloader, Error, JobList, Report, RunEnv, Settings};
use fetchlab_ureq::CLIENT_LIBRARY;
use rayon::{ThreadPool, ThreadPoolBuilder};

use crate::workers::{self, CEILING_REASON, MAX_WORKERS, WORKER_STACK_BYTES, worker_count};

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
/// that is blocked on a socket. See [`crate::design`] for why the obvious
/// `par_iter` is a poor fit, and what rayon still costs.
#[derive(Debug, Clone)]
pub struct RayonDownloader {
    settings: Settings,
}

impl RayonDownloader {
    /// A downloader with `settings`; a concurrency above
    /// [`MAX_WORKERS`] is refused.
    pub fn new(settings: Settings) -> Result<Self, Error> {
        settings.check_ceiling(NAME, MAX_WORKERS, CEILING_REASON)?;
        fetchlab_ureq::check_settings(&settings, NAME)?;
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
            .map_err(|e| Error::backend_caused(NAME, "cannot build the rayon pool", e))
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
        let pool = self.pool(jobs)?;
        workers::download(NAME, &self.settings, jobs, env, |run| {
            pool.broadcast(|_| run.work());
            Ok(())
        })
    }
}
