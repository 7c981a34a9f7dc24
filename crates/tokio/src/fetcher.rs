//! The native async API: [`AsyncFetcher`], for callers already on tokio.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fetchlab_core::backend::{AsyncRun, Cursor, in_job_order};
use fetchlab_core::{Error, JobList, Outcome, Report, RunEnv, Settings};
use tokio::sync::Semaphore;
use tokio::task::{Id, JoinError, JoinSet};

use crate::client;
use crate::runtime::TokioRuntime;
use crate::transport::ReqwestTransport;

/// Downloads a job list on the caller's tokio runtime: creates no runtime
/// and never blocks a thread. Build one and reuse it, so that its
/// connection pool is reused.
///
/// An `AsyncFetcher` must be used from inside a tokio runtime with the
/// time driver enabled (reqwest needs it).
#[derive(Debug, Clone)]
pub struct AsyncFetcher {
    transport: ReqwestTransport,
    settings: Arc<Settings>,
}

/// What every job of one run shares.
pub(crate) type Run = AsyncRun<ReqwestTransport, TokioRuntime>;

impl AsyncFetcher {
    /// Builds the shared HTTP client.
    pub fn new(settings: Settings) -> Result<Self, Error> {
        let transport = ReqwestTransport::new(client::build(&settings)?);
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
    pub async fn download(&self, jobs: &JobList, env: &RunEnv) -> Result<Report, Error> {
        let started = Instant::now();
        let run = Arc::new(self.run(env));
        let indexed = run_all(&run, jobs, &Cursor::default()).await;
        let outcomes = in_job_order(jobs.len(), indexed);
        Ok(Report::new(crate::NAME, outcomes, started.elapsed()))
    }

    /// A new run into `env` over this fetcher's client (the store hears of
    /// it).
    pub(crate) fn run(&self, env: &RunEnv) -> Run {
        Run::new(
            self.transport.clone(),
            TokioRuntime,
            Arc::clone(&self.settings),
            env.clone(),
        )
    }

    /// A part of `first`'s run over this fetcher's client and with its
    /// settings (its shard's share of the limits): for a shard driven by
    /// another runtime (see [`crate::Flavor::Sharded`]).
    pub(crate) fn sibling_run(&self, first: &Run) -> Run {
        first.sibling(self.transport.clone(), Arc::clone(&self.settings))
    }
}

/// Runs every job as its own task, at most `settings.concurrency()` at a
/// time: a task is spawned only once a permit is free, so no more than
/// `concurrency` tasks exist. A new job's task queues behind the tasks
/// that return finished connections to the pool, so it finds one idle
/// instead of racing a new connect (see the crate docs).
///
/// Nothing yields while the first jobs start, although on the
/// current-thread runtime that sends no request before all `concurrency`
/// connects are made (a woken task queues behind the tasks not yet
/// started; at 1,000 workers the first wave is answered ~80 ms late). A
/// yield after each start fixed that (10,000 jobs at 1,000, 100 ms:
/// 1.39–1.44 s → 1.20–1.27 s) but let jobs that end during the start race
/// their connections' return: the pool opened more connections than
/// workers (1,053 for 1,000; 11,480 for 10,000), and against a server that
/// accepts as many connections as there are workers the extra ones waited
/// for the read timeout (100,000 jobs at 10,000: 12 s → 32 s). The test
/// `connections_stay_within_the_limit_when_jobs_end_during_the_start`
/// holds the pool to the workers.
///
/// The jobs are taken in order from `next` once a permit is free: several
/// runtimes running one list (each a part of the run with its share of the
/// concurrency) share it, so a runtime that is ahead takes more jobs.
pub(crate) async fn run_all(
    run: &Arc<Run>,
    jobs: &JobList,
    next: &Cursor,
) -> Vec<(usize, Outcome)> {
    let permits = Arc::new(Semaphore::new(run.settings().concurrency()));
    let mut tasks = Tasks::default();
    loop {
        let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
            unreachable!("the semaphore is never closed");
        };
        let Some(index) = next.take(jobs.len()) else {
            break;
        };
        tasks.reap(jobs);
        // `take` returns only indexes below `jobs.len()`.
        let (run, job) = (Arc::clone(run), jobs.jobs()[index].clone());
        tasks.spawn(index, async move {
            let outcome = run.job(&job, index).await;
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

    /// A job's panic is its outcome already (core catches it); a task that
    /// still died ends as a failed job, and a task cancelled by a runtime
    /// shutting down as a cancelled one.
    fn record(&mut self, result: Result<(Id, Outcome), JoinError>, jobs: &JobList) {
        let (id, outcome) = match result {
            Ok(finished) => finished,
            Err(err) => {
                let job = self
                    .index_of
                    .get(&err.id())
                    .map(|&i| jobs.jobs()[i].clone());
                // Every spawned task's id was recorded.
                let Some(job) = job else { return };
                let outcome = if err.is_panic() {
                    Outcome::lost(job, "job panicked: its task died")
                } else {
                    Outcome::cancelled(job, 0, Duration::ZERO)
                };
                (err.id(), outcome)
            }
        };
        if let Some(index) = self.index_of.remove(&id) {
            self.done.push((index, outcome));
        }
    }
}
