//! The native async API: [`AsyncFetcher`], for callers already on
//! async-std (or any executor: it needs no reactor of its own kind).

use std::sync::Arc;
use std::time::Instant;

use fetchlab_core::downloader::in_job_order;
use std::panic::AssertUnwindSafe;

use fetchlab_core::{Error, JobList, Outcome, Report, RunEnv, Settings};
use futures::future::{Either, select};
use futures::stream::FuturesUnordered;
use futures::{FutureExt, StreamExt};

use crate::shared::Shared;
use crate::{cancel, client, job};

/// Downloads a job list on the caller's executor: never blocks a thread.
/// Build one and reuse it, so that its connection pool is reused.
#[derive(Debug, Clone)]
pub struct AsyncFetcher {
    client: surf::Client,
    settings: Arc<Settings>,
}

impl AsyncFetcher {
    /// Validates `settings` and builds the shared surf client.
    pub fn new(settings: Settings) -> Result<Self, Error> {
        settings.validate()?;
        let client = client::build(&settings)?;
        Ok(Self {
            client,
            settings: Arc::new(settings),
        })
    }

    /// The settings this fetcher honours.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Downloads every job into `env.store`, at most
    /// `settings.concurrency` at once. Returns one outcome per job, in job
    /// order; a failed job is an outcome, not an `Err`.
    pub async fn download(&self, jobs: &JobList, env: &RunEnv) -> Result<Report, Error> {
        let started = Instant::now();
        let (cancel, watcher) = cancel::bridge(env.cancel.clone());
        let shared = Arc::new(Shared {
            client: self.client.clone(),
            settings: Arc::clone(&self.settings),
            store: Arc::clone(&env.store),
            progress: Arc::clone(&env.progress),
            cancel,
        });
        let all = std::pin::pin!(run_all(&shared, jobs));
        let indexed = match select(all, std::pin::pin!(watcher)).await {
            Either::Left((indexed, _)) => indexed,
            Either::Right((never, _)) => match never {},
        };
        let outcomes = in_job_order(jobs.len(), indexed);
        Ok(Report::new(crate::NAME, outcomes, started.elapsed()))
    }
}

/// Runs every job as its own task on async-std's executor, at most
/// `settings.concurrency` at a time: a job is spawned only when fewer are
/// running. A panic in a job (a progress observer, a store) is caught in
/// its task and re-raised here, rather than killing an executor thread
/// and leaving the run waiting forever.
async fn run_all(shared: &Arc<Shared>, jobs: &JobList) -> Vec<(usize, Outcome)> {
    let mut running = FuturesUnordered::new();
    let mut done = Vec::with_capacity(jobs.len());
    for (index, job) in jobs.iter().enumerate() {
        if running.len() >= shared.settings.concurrency
            && let Some(finished) = running.next().await
        {
            done.push(unwind(finished));
        }
        let (shared, job) = (Arc::clone(shared), job.clone());
        let task = async move { (index, job::run(&shared, index, &job).await) };
        running.push(async_std::task::spawn(
            AssertUnwindSafe(task).catch_unwind(),
        ));
    }
    while let Some(finished) = running.next().await {
        done.push(unwind(finished));
    }
    done
}

fn unwind<T>(result: std::thread::Result<T>) -> T {
    result.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}
