//! The native async API: [`AsyncFetcher`], for callers already on
//! async-std (or any executor: it needs no reactor of its own kind).

use std::sync::Arc;
use std::time::Instant;

use fetchlab_core::backend::{AsyncRun, in_job_order};
use fetchlab_core::{Error, JobList, Outcome, Report, RunEnv, Settings};
use futures::StreamExt;
use futures::stream::FuturesUnordered;

use crate::client;
use crate::runtime::AsyncStdRuntime;
use crate::transport::SurfTransport;

/// Downloads a job list on the caller's executor: never blocks a thread.
/// Build one and reuse it, so that its connection pool is reused.
#[derive(Debug, Clone)]
pub struct AsyncFetcher {
    transport: SurfTransport,
    settings: Arc<Settings>,
}

/// What every job of one run shares.
type Run = AsyncRun<SurfTransport, AsyncStdRuntime>;

impl AsyncFetcher {
    /// Builds the shared surf client.
    pub fn new(settings: Settings) -> Result<Self, Error> {
        let transport = SurfTransport::new(client::build(&settings)?);
        Ok(Self {
            transport,
            settings: Arc::new(settings),
        })
    }

    /// The settings this fetcher honours.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Downloads every job into `env.store`, at most
    /// `settings.concurrency()` at once. Returns one outcome per job, in job
    /// order; a failed job is an outcome, not an `Err`.
    ///
    /// Dropping the returned future stops the run: its jobs run as tasks
    /// on async-std's executor, which a dropped handle does not stop, so
    /// they watch a token scoped to this future and end cancelled.
    pub async fn download(&self, jobs: &JobList, env: &RunEnv) -> Result<Report, Error> {
        let started = Instant::now();
        let scope = env.cancel.scoped();
        let env = env.clone().with_cancel(scope.token().clone());
        let run = Arc::new(Run::new(
            self.transport.clone(),
            AsyncStdRuntime,
            Arc::clone(&self.settings),
            env,
        ));
        let indexed = run_all(&run, jobs).await;
        let outcomes = in_job_order(jobs.len(), indexed);
        Ok(Report::new(crate::NAME, outcomes, started.elapsed()))
    }
}

/// Runs every job as its own task on async-std's executor, at most
/// `settings.concurrency()` at a time: a job is spawned only when fewer are
/// running. (A job's panic is already its outcome: core catches it.)
async fn run_all(run: &Arc<Run>, jobs: &JobList) -> Vec<(usize, Outcome)> {
    let mut running = FuturesUnordered::new();
    let mut done = Vec::with_capacity(jobs.len());
    for (index, job) in jobs.iter().enumerate() {
        if running.len() >= run.settings().concurrency()
            && let Some(finished) = running.next().await
        {
            done.push(finished);
        }
        let (run, job) = (Arc::clone(run), job.clone());
        running.push(async_std::task::spawn(async move {
            (index, run.job(&job, index).await)
        }));
    }
    while let Some(finished) = running.next().await {
        done.push(finished);
    }
    done
}
