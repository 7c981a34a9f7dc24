//! [`ThreadPoolDownloader`]: a fixed set of OS threads pulling jobs from a
//! shared cursor, the Rust spelling of the book's `ThreadPoolExecutor`.

use std::io;
use std::thread::{self, Scope};

use fetchlab_core::{Downloader, Error, JobList, Report, RunEnv, Settings};
use fetchlab_ureq::CLIENT_LIBRARY;

use crate::workers::{self, CEILING_REASON, MAX_WORKERS, WORKER_STACK_BYTES, worker_count};

const NAME: &str = "threads";

/// Runs `min(concurrency, jobs)` named OS threads for the length of a run
/// (scoped, so they borrow the job list and end with the run). Each thread
/// takes the next job index from a shared atomic cursor until none is left,
/// so jobs start in list order and no thread idles while work remains. All
/// threads share one ureq agent, hence one connection pool.
#[derive(Debug, Clone)]
pub struct ThreadPoolDownloader {
    settings: Settings,
}

impl ThreadPoolDownloader {
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
}

impl Downloader for ThreadPoolDownloader {
    fn name(&self) -> &'static str {
        NAME
    }

    fn client_library(&self) -> &'static str {
        CLIENT_LIBRARY
    }

    fn download(&self, jobs: &JobList, env: &RunEnv) -> Result<Report, Error> {
        let wanted = worker_count(&self.settings, jobs);
        workers::download(NAME, &self.settings, jobs, env, |run| {
            let spawned = thread::scope(|scope| {
                let spawn = |i| spawn_worker(scope, i, || run.work());
                (0..wanted).map(spawn).take_while(Result::is_ok).count()
            });
            if spawned == 0 && !jobs.is_empty() {
                return Err(Error::backend(
                    NAME,
                    "could not start a single worker thread",
                ));
            }
            Ok(())
        })
    }
}

/// Starts worker `index`. When the system refuses a thread (a process or
/// memory limit), the run goes on with the workers already started: they
/// share the cursor, so every job is still run, just with less concurrency.
fn spawn_worker<'scope>(
    scope: &'scope Scope<'scope, '_>,
    index: usize,
    body: impl FnOnce() + Send + 'scope,
) -> io::Result<()> {
    thread::Builder::new()
        .name(format!("fetchlab-thread-{index}"))
        .stack_size(WORKER_STACK_BYTES)
        .spawn_scoped(scope, body)
        .map(drop)
}
