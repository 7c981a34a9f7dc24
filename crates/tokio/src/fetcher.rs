//! The native async API: [`AsyncFetcher`], for callers already on tokio.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fetchlab_core::backend::{AsyncRun, in_job_order};
use fetchlab_core::{
    Error, Failure, FailureKind, HttpVersion, JobList, Outcome, Report, RunEnv, Settings, Status,
};
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
type Run = AsyncRun<ReqwestTransport, TokioRuntime>;

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
        let run = Arc::new(Run::new(
            self.transport.clone(),
            TokioRuntime,
            Arc::clone(&self.settings),
            env.clone(),
        ));
        let indexed = run_all(&run, jobs).await;
        let outcomes = in_job_order(jobs.len(), indexed);
        Ok(Report::new(crate::NAME, outcomes, started.elapsed()))
    }
}

/// Runs every job as its own task, at most `settings.concurrency()` at a
/// time: a task is spawned only once a permit is free, so no more than
/// `concurrency` tasks exist. A new job's task queues behind the tasks
/// that return finished connections to the pool, so it finds one idle
/// instead of racing a new connect (see the crate docs).
///
/// While the first `concurrency` jobs start over HTTP/1.1, at least
/// [`YIELD_FROM`] of them, the loop yields after each spawn (only then: later, a yield lets a new job ask the pool
/// before a finished job's connection is back, and the pool connects
/// anew; and not over HTTP/2, whose jobs share one connection: there the
/// yields changed which stream started first and cost the large-files
/// bench 1.25 → 1.38–1.42 s).
/// Without that, on the current-thread runtime every new task made its
/// connect before any connected task was polled again (a woken task
/// queues behind the tasks not yet started), so at 1,000 workers no
/// request was sent until all 1,000 connects were made, ~80 ms in, and the
/// whole first wave answered that late. With it (`examples/waves.rs`,
/// 10,000 jobs at 1,000, 100 ms, three alternating runs on the shared
/// 2-core machine): wall 1.39–1.44 s → 1.20–1.27 s.
///
/// What it costs: when starting the workers takes longer than a response
/// (~100 µs a start here, so from about 500 workers at 50 ms), jobs end
/// while others are still starting, and a starting job that asks the pool
/// just as a finished job's connection is on its way back opens one more:
/// the scale bench (1,000 workers, 50 ms) opened 1,053 connections, not
/// 1,000. Stopping the yields at the first finished job was worse (1,097)
/// and undid the gain at 10,000 workers (wall 0.83 → 1.93 s, 65 → 383 MiB,
/// 924 → 9,983 connections). The test
/// `connections_stay_near_the_limit_when_jobs_end_during_the_start`
/// bounds the surplus at a quarter of the workers (it saw 2–4 %).
/// Fewest workers for which [`run_all`] yields while they start. Below it
/// the start takes a few ms at most (~100 µs a job here), so connects
/// piling up cost nothing measurable, while the yields' extra connections
/// (a job can end before the last ones start, in a debug build at 50
/// workers and 10 ms) would break the rule that a pool of N workers opens
/// at most N connections (`connections_are_reused_at_high_concurrency`).
const YIELD_FROM: usize = 256;

async fn run_all(run: &Arc<Run>, jobs: &JobList) -> Vec<(usize, Outcome)> {
    let concurrency = run.settings().concurrency();
    // HTTP/2 carries every job on one connection: no connects pile up.
    let yield_while_starting =
        concurrency >= YIELD_FROM && run.settings().http_version() == HttpVersion::Http1;
    let permits = Arc::new(Semaphore::new(concurrency));
    let mut tasks = Tasks::default();
    for (index, job) in jobs.iter().enumerate() {
        let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
            unreachable!("the semaphore is never closed");
        };
        tasks.reap(jobs);
        let (run, job) = (Arc::clone(run), job.clone());
        tasks.spawn(index, async move {
            let outcome = run.job(&job, index).await;
            drop(permit);
            outcome
        });
        if yield_while_starting && index + 1 < concurrency {
            // Still starting the first jobs: let this one connect and send
            // its request before the next is spawned (see above).
            tokio::task::yield_now().await;
        }
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
                    let failure = Failure::new(FailureKind::Io, "job panicked: its task died");
                    Outcome {
                        job,
                        status: Status::Failed(failure),
                        attempts: 0,
                        elapsed: Duration::ZERO,
                    }
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
