//! [`ThreadPoolDownloader`]: a fixed set of OS threads pulling jobs from a
//! shared cursor, the Rust spelling of the book's `ThreadPoolExecutor`.

use std::io;
use std::thread::{self, Scope};
use std::time::Instant;

use fetchlab_core::{Downloader, Error, JobList, Report, RunEnv, Settings};
use fetchlab_sequential::ureq_fetch::{self, CLIENT_LIBRARY};

use crate::shared::{
    CEILING_REASON, Cursor, MAX_WORKERS, Slots, WORKER_STACK_BYTES, Worker, worker_count,
};

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
}

impl Downloader for ThreadPoolDownloader {
    fn name(&self) -> &'static str {
        NAME
    }

    fn client_library(&self) -> &'static str {
        CLIENT_LIBRARY
    }

    fn download(&self, jobs: &JobList, env: &RunEnv) -> Result<Report, Error> {
        let started = Instant::now();
        let agent = ureq_fetch::agent(&self.settings);
        let _abort = ureq_fetch::abort_on_cancel(&agent, &env.cancel);
        let worker = Worker {
            agent: &agent,
            settings: &self.settings,
            env,
        };
        let cursor = Cursor::default();
        let slots = Slots::new(jobs.len());
        let wanted = worker_count(&self.settings, jobs);
        let spawned = thread::scope(|scope| {
            let spawn = |i| spawn_worker(scope, i, || work(&worker, &cursor, &slots, jobs));
            (0..wanted).map(spawn).take_while(Result::is_ok).count()
        });
        if spawned == 0 && !jobs.is_empty() {
            return Err(Error::Backend {
                backend: NAME,
                reason: "could not start a single worker thread".to_owned(),
            });
        }
        Ok(Report::new(
            NAME,
            slots.into_outcomes(jobs),
            started.elapsed(),
        ))
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

/// A worker's loop: the next job, until there is none.
fn work(worker: &Worker<'_>, cursor: &Cursor, slots: &Slots, jobs: &JobList) {
    while let Some(index) = cursor.take(jobs.len()) {
        slots.put(index, worker.run(index, &jobs.jobs()[index]));
    }
}
