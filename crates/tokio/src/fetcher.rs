//! The native async API: [`AsyncFetcher`], for callers already on tokio.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fetchlab_core::downloader::in_job_order;
use fetchlab_core::{Error, JobList, Outcome, Report, RunEnv, Settings};
use tokio::sync::Semaphore;
use tokio::task::{Id, JoinError, JoinSet};
use tokio_util::sync::CancellationToken;

use crate::shared::Shared;
use crate::{cancel, client, job};

/// Downloads a job list on the caller's tokio runtime: creates no runtime
/// and never blocks a thread. Build one and reuse it, so that its
/// connection pool is reused.
///
/// An `AsyncFetcher` must be used from inside a tokio runtime with the
/// time driver enabled (reqwest needs it).
#[derive(Debug, Clone)]
pub struct AsyncFetcher {
    client: reqwest::Client,
    settings: Arc<Settings>,
}

impl AsyncFetcher {
    /// Validates `settings` and builds the shared HTTP client.
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
        let shared = Arc::new(Shared {
            client: self.client.clone(),
            settings: Arc::clone(&self.settings),
            store: Arc::clone(&env.store),
            progress: Arc::clone(&env.progress),
            cancel: CancellationToken::new(),
        });
        if env.cancel.is_cancelled() {
            // Seen before any job starts, not at the watcher's first look.
            shared.cancel.cancel();
        }
        let watcher = cancel::watch(env.cancel.clone(), shared.cancel.clone());
        let indexed = tokio::select! {
            indexed = run_all(&shared, jobs) => indexed,
            never = watcher => match never {},
        };
        let outcomes = in_job_order(jobs.len(), indexed);
        Ok(Report::new(crate::NAME, outcomes, started.elapsed()))
    }
}

/// Runs every job as its own task, at most `settings.concurrency` at a
/// time: a task is spawned only once a permit is free, so no more than
/// `concurrency` tasks exist. A new job's task queues behind the tasks
/// that return finished connections to the pool, so it finds one idle
/// instead of racing a new connect (see the crate docs).
async fn run_all(shared: &Arc<Shared>, jobs: &JobList) -> Vec<(usize, Outcome)> {
    let permits = Arc::new(Semaphore::new(shared.settings.concurrency));
    let mut tasks = Tasks::default();
    for (index, job) in jobs.iter().enumerate() {
        let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
            unreachable!("the semaphore is never closed");
        };
        tasks.reap(jobs);
        let (shared, job) = (Arc::clone(shared), job.clone());
        tasks.spawn(index, async move {
            let outcome = job::run(&shared, index, &job).await;
            drop(permit);
            outcome
        });
    }
    tasks.join_all(jobs).await
}

/// The job tasks of a run and the outcomes of those already joined.
#[derive(Default)]
struct Tasks {
    set: JoinSet<Outcome>,
    index_of: HashMap<Id, usize>,
    done: Vec<(usize, Outcome)>,
}

impl Tasks {
    fn spawn(&mut self, index: usize, task: impl Future<Output = Outcome> + Send + 'static) {
        let id = self.set.spawn(task).id();
        self.index_of.insert(id, index);
    }

    /// Collects the tasks that have finished, without waiting.
    fn reap(&mut self, jobs: &JobList) {
        while let Some(result) = self.set.try_join_next_with_id() {
            self.record(result, jobs);
        }
    }

    async fn join_all(mut self, jobs: &JobList) -> Vec<(usize, Outcome)> {
        while let Some(result) = self.set.join_next_with_id().await {
            self.record(result, jobs);
        }
        self.done
    }

    /// A panic (in a progress observer or a store) is re-raised, as it
    /// would be had the job run on the caller's task; a task cancelled by
    /// a runtime shutting down ends as a cancelled job.
    fn record(&mut self, result: Result<(Id, Outcome), JoinError>, jobs: &JobList) {
        let (id, outcome) = match result {
            Ok(finished) => finished,
            Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
            Err(err) => {
                let job = self
                    .index_of
                    .get(&err.id())
                    .map(|&i| jobs.jobs()[i].clone());
                // Every spawned task's id was recorded.
                let Some(job) = job else { return };
                (err.id(), Outcome::cancelled(job, 0, Duration::ZERO))
            }
        };
        if let Some(index) = self.index_of.remove(&id) {
            self.done.push((index, outcome));
        }
    }
}
