//! The life of one job, independent of how its requests are made.
//!
//! Sync and async backends alike drive a [`JobRun`]: [`JobRun::begin`]
//! settles jobs that need no request (already complete, unsafe name); then,
//! for each attempt, the backend fetches and hands the result to
//! [`JobRun::record`], which says whether to wait and retry or gives the
//! final [`Outcome`]. The backend only does the waiting and the fetching:
//! thread-based backends through [`run_blocking`], async ones through
//! [`run_async`] with an [`AsyncJobDriver`] for their runtime.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::job::Job;
use crate::outcome::{Failure, Outcome, Status};
use crate::progress::Progress;
use crate::retry::RetrySchedule;
use crate::settings::Settings;
use crate::store::{Presence, Store};

/// What one successful attempt produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fetched {
    /// The body was saved; its size.
    Saved(u64),
    /// The server answered 404.
    NotFound,
}

/// What to do after an attempt.
#[derive(Debug)]
pub enum Step {
    /// Wait this long, then make another attempt.
    RetryAfter(Duration),
    /// The job is over.
    Done(Outcome),
}

/// One job's attempts, retries and outcome.
#[derive(Debug)]
pub struct JobRun {
    job: Job,
    schedule: RetrySchedule,
    attempts: u32,
    started: Instant,
}

impl JobRun {
    /// Starts `job` (at `index` in its list). Returns the outcome straight
    /// away when no request is needed: the file is complete and
    /// `settings.overwrite` is off, or the store refuses the name.
    #[allow(clippy::result_large_err)] // the Err side is the common, final case
    pub fn begin(
        job: &Job,
        index: usize,
        settings: &Settings,
        store: &dyn Store,
    ) -> Result<Self, Outcome> {
        let started = Instant::now();
        let settle = |status| Outcome {
            job: job.clone(),
            status,
            attempts: 0,
            elapsed: started.elapsed(),
        };
        match store.check(job) {
            Err(failure) => Err(settle(Status::Failed(failure))),
            Ok(Presence::Complete { bytes }) if !settings.overwrite => {
                Err(settle(Status::Skipped { bytes }))
            }
            Ok(_) => Ok(Self {
                job: job.clone(),
                schedule: RetrySchedule::new(settings, index),
                attempts: 0,
                started,
            }),
        }
    }

    /// The job.
    pub fn job(&self) -> &Job {
        &self.job
    }

    /// Attempts made so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Records the result of an attempt.
    pub fn record(&mut self, result: Result<Fetched, Failure>) -> Step {
        self.attempts += 1;
        let status = match result {
            Ok(Fetched::Saved(bytes)) => Status::Saved { bytes },
            Ok(Fetched::NotFound) => Status::NotFound,
            Err(failure) => match self.schedule.next_delay(&failure) {
                Some(delay) => return Step::RetryAfter(delay),
                None => Status::Failed(failure),
            },
        };
        Step::Done(self.outcome(status))
    }

    /// The outcome of a job the run cancelled before it finished.
    pub fn cancelled(self) -> Outcome {
        Outcome::cancelled(self.job, self.attempts, self.started.elapsed())
    }

    fn outcome(&self, status: Status) -> Outcome {
        Outcome {
            job: self.job.clone(),
            status,
            attempts: self.attempts,
            elapsed: self.started.elapsed(),
        }
    }
}

/// Drives one job with blocking calls: `fetch` makes one attempt; waits
/// between attempts sleep on this thread, waking early when the run is
/// cancelled. Reports the start and the outcome to the run's progress
/// observer. Used by every thread-based backend.
pub fn run_blocking(
    job: &Job,
    index: usize,
    settings: &Settings,
    env: &crate::RunEnv,
    fetch: impl FnMut(&Job) -> Result<Fetched, Failure>,
) -> Outcome {
    let (store, progress) = (env.store.as_ref(), env.progress.as_ref());
    let outcome = match start(job, index, settings, store, progress, || {
        env.cancel.is_cancelled()
    }) {
        Err(outcome) => outcome,
        Ok(run) => retry_blocking(run, job, &env.cancel, fetch),
    };
    progress.finished(&outcome);
    outcome
}

/// Begins a job for [`run_blocking`] and [`run_async`]: settles it at once
/// when no request is needed or the run is already cancelled, otherwise
/// reports its start.
fn start(
    job: &Job,
    index: usize,
    settings: &Settings,
    store: &dyn Store,
    progress: &dyn Progress,
    is_cancelled: impl FnOnce() -> bool,
) -> Result<JobRun, Outcome> {
    let run = JobRun::begin(job, index, settings, store)?;
    if is_cancelled() {
        return Err(run.cancelled());
    }
    progress.started(job);
    Ok(run)
}

fn retry_blocking(
    mut run: JobRun,
    job: &Job,
    cancel: &crate::CancelToken,
    mut fetch: impl FnMut(&Job) -> Result<Fetched, Failure>,
) -> Outcome {
    loop {
        match run.record(fetch(job)) {
            Step::Done(outcome) => return outcome,
            Step::RetryAfter(delay) => {
                if !cancel.sleep(delay) {
                    return run.cancelled();
                }
            }
        }
    }
}

/// What an async backend supplies to [`run_async`]: one attempt, a wait
/// that ends early on cancel, and whether the run is cancelled. The
/// futures are the backend's own, so they run on whatever runtime it uses.
pub trait AsyncJobDriver {
    /// Whether the run was cancelled.
    fn is_cancelled(&self) -> bool;

    /// One attempt at `job`; `None` when the run was cancelled meanwhile.
    fn attempt(&self, job: &Job) -> impl Future<Output = Option<Result<Fetched, Failure>>>;

    /// Waits `delay` before a retry; `false` when the run was cancelled
    /// meanwhile.
    fn wait(&self, delay: Duration) -> impl Future<Output = bool>;
}

/// The async twin of [`run_blocking`]: drives the job at `index` through
/// its attempts and waits with `driver`, reporting its start and outcome to
/// `progress`.
pub async fn run_async(
    job: &Job,
    index: usize,
    settings: &Settings,
    store: &dyn Store,
    progress: &dyn Progress,
    driver: &impl AsyncJobDriver,
) -> Outcome {
    let outcome = match start(job, index, settings, store, progress, || {
        driver.is_cancelled()
    }) {
        Err(outcome) => outcome,
        Ok(run) => retry_async(run, job, driver).await,
    };
    progress.finished(&outcome);
    outcome
}

async fn retry_async(mut run: JobRun, job: &Job, driver: &impl AsyncJobDriver) -> Outcome {
    loop {
        let Some(result) = driver.attempt(job).await else {
            return run.cancelled();
        };
        match run.record(result) {
            Step::Done(outcome) => return outcome,
            Step::RetryAfter(delay) => {
                if !driver.wait(delay).await {
                    return run.cancelled();
                }
            }
        }
    }
}
