//! The life of one job, independent of how its requests are made.
//!
//! Sync and async backends alike drive a [`JobRun`]: [`JobRun::begin`]
//! settles jobs that need no request (already complete, unsafe name); then,
//! for each attempt, the result goes to [`JobRun::record`], which says
//! whether to wait and retry or gives the final [`Outcome`].
//!
//! Thread-based backends drive a job with [`run_blocking`] over their
//! [`BlockingTransport`], async ones with [`run_async`] over their
//! [`AsyncTransport`] and [`AsyncRuntime`]; both make each attempt with
//! [`super::attempt`], wait between attempts (waking early on cancel), and
//! report the start and the outcome to the run's progress observer.
//!
//! # Limits: overall and per host
//!
//! The overall limit (`concurrency`) is the backend's: its worker count,
//! its semaphore or its set of running tasks. The per-host limit
//! ([`Settings::per_host`]) is enforced here, once for every backend: the
//! run's [`HostGate`] is entered before each attempt and left when the
//! attempt ends, so a job in its retry backoff holds no slot of its host.
//! An async job waits for its host's slot as a future raced against the
//! run's cancel token; a blocking one parks its thread until a slot is
//! free (the holders' requests are cut off by a cancel, so the wait is
//! short then too).
//!
//! A job waiting for a busy host holds its worker (thread backends) or its
//! overall permit (async backends) while it waits: a head-of-line effect.
//! It cannot deadlock — the slot's holders are running attempts, which end
//! — but while many jobs of one host queue, fewer than `concurrency`
//! requests may be in flight even though other hosts have room. Jobs are
//! taken in list order; a list interleaving its hosts avoids the effect.
//!
//! How each client library's connection pool follows the limit:
//!
//! - ureq (sequential, threads, rayon): the agent's
//!   `max_idle_connections_per_host` is the per-host limit, so the pool
//!   keeps no more idle connections to a host than can be used at once.
//! - reqwest (tokio): `pool_max_idle_per_host` likewise. Neither client
//!   caps the connections it opens; the gate does, because no more than N
//!   requests to a host are ever handed to the client at once.
//! - surf over fetchlab-async-std's own pool: its idle connections per
//!   host are capped at the limit; the gate bounds the open ones.
//!
//! # Panics
//!
//! A panic while running a job (in a client, the store, or a progress
//! observer) is caught here, for every backend alike: the job ends failed
//! with [`FailureKind::Io`] and the detail `job panicked: …` (not retried:
//! a panic is a bug, not a flaky server), the observer still hears of the
//! outcome, and the run goes on with its other jobs.

use std::any::Any;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::Poll;
use std::time::{Duration, Instant};

use crate::downloader::RunEnv;
use crate::job::Job;
use crate::outcome::{Failure, FailureKind, Outcome, Resume, Status};
use crate::progress::{CancelToken, Progress};
use crate::settings::Settings;
use crate::store::{Presence, Store};

use super::attempt::{attempt_async, attempt_blocking};
use super::host_gate::HostGate;
use super::retry::RetrySchedule;
use super::transport::{AsyncRuntime, AsyncTransport, BlockingTransport};
use super::wait::{Waited, bounded};

/// What one successful attempt produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fetched {
    /// The body was saved.
    Saved {
        /// Its size.
        bytes: u64,
        /// Whether it continued or dropped a kept partial body.
        resume: Resume,
    },
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
    /// What [`JobRun::begin`] found in the store, until the first attempt
    /// takes it.
    known: Option<Presence>,
}

impl JobRun {
    /// Starts `job` (at `index` in its list). Returns the outcome straight
    /// away when no request is needed: the file is complete and
    /// `settings.overwrite()` is off, or the store refuses the name.
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
            Ok(Presence::Complete { bytes }) if !settings.overwrite() => {
                Err(settle(Status::Skipped { bytes }))
            }
            Ok(presence) => Ok(Self {
                job: job.clone(),
                schedule: RetrySchedule::new(settings, index),
                attempts: 0,
                started,
                known: Some(presence),
            }),
        }
    }

    /// What [`JobRun::begin`] found in the store for the job, the first
    /// time it is asked (for the first attempt, which then need not check
    /// the store again); `None` after, since an attempt may have changed
    /// what the store holds (kept a partial body).
    pub fn take_known(&mut self) -> Option<Presence> {
        self.known.take()
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
            Ok(Fetched::Saved { bytes, resume }) => Status::Saved { bytes, resume },
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

/// Runs the job at `index` to its outcome with blocking calls: attempts
/// with `transport`, waits between them on this thread (waking early when
/// the run is cancelled), and reports the start and the outcome to
/// `env.progress`. Each attempt holds a slot of `hosts` (the run's one
/// gate, built from [`Settings::per_host`]). A panic becomes the job's
/// failure (see the module docs).
pub fn run_blocking(
    transport: &impl BlockingTransport,
    hosts: &HostGate,
    job: &Job,
    index: usize,
    settings: &Settings,
    env: &RunEnv,
) -> Outcome {
    drive_blocking(job, index, settings, env, |job, known| {
        let _slot = hosts.enter_blocking(job);
        if env.cancel.is_cancelled() {
            return Err(Failure::new(FailureKind::Cancelled, "run cancelled"));
        }
        attempt_blocking(transport, job, settings, env, known)
    })
}

/// [`run_blocking`] with any attempt function.
fn drive_blocking(
    job: &Job,
    index: usize,
    settings: &Settings,
    env: &RunEnv,
    mut fetch: impl FnMut(&Job, Option<Presence>) -> Result<Fetched, Failure>,
) -> Outcome {
    let attempts = AtomicU32::new(0);
    let progress = env.progress.as_ref();
    let run = || {
        let outcome = match start(job, index, settings, env) {
            Err(outcome) => outcome,
            Ok(run) => retry_blocking(run, job, &env.cancel, |job, known| {
                attempts.fetch_add(1, Ordering::Relaxed);
                fetch(job, known)
            }),
        };
        progress.finished(&outcome);
        outcome
    };
    panic::catch_unwind(AssertUnwindSafe(run))
        .unwrap_or_else(|payload| panicked(job, &attempts, payload.as_ref(), progress))
}

/// Begins a job for [`run_blocking`] and [`run_async`]: settles it at once
/// when no request is needed or the run is already cancelled, otherwise
/// reports its start.
fn start(job: &Job, index: usize, settings: &Settings, env: &RunEnv) -> Result<JobRun, Outcome> {
    let run = JobRun::begin(job, index, settings, env.store.as_ref())?;
    if env.cancel.is_cancelled() {
        return Err(run.cancelled());
    }
    env.progress.started(job);
    Ok(run)
}

fn retry_blocking(
    mut run: JobRun,
    job: &Job,
    cancel: &CancelToken,
    mut fetch: impl FnMut(&Job, Option<Presence>) -> Result<Fetched, Failure>,
) -> Outcome {
    loop {
        let known = run.take_known();
        match run.record(fetch(job, known)) {
            Step::Done(outcome) => return outcome,
            Step::RetryAfter(delay) => {
                if !cancel.sleep(delay) {
                    return run.cancelled();
                }
            }
        }
    }
}

/// The async twin of [`run_blocking`]: attempts with `transport`, each
/// holding a slot of `hosts`, waits with `runtime`'s timer (ending early on
/// cancel), reports to `env.progress`. A panic becomes the job's failure.
// Spelled out, not `async fn`, so that the future being `Send` (which
// spawning backends need) is checked here.
#[allow(clippy::manual_async_fn)]
pub fn run_async<'a>(
    transport: &'a impl AsyncTransport,
    runtime: &'a impl AsyncRuntime,
    hosts: &'a HostGate,
    job: &'a Job,
    index: usize,
    settings: &'a Settings,
    env: &'a RunEnv,
) -> impl Future<Output = Outcome> + Send + 'a {
    async move {
        let attempts = AtomicU32::new(0);
        let run = async {
            let outcome = match start(job, index, settings, env) {
                Err(outcome) => outcome,
                Ok(run) => {
                    let attempts = &attempts;
                    retry_async(run, runtime, &env.cancel, |known| async move {
                        let entered = bounded(runtime, &env.cancel, None, hosts.enter(job));
                        let Waited::Ready(_slot) = entered.await else {
                            return None;
                        };
                        attempts.fetch_add(1, Ordering::Relaxed);
                        attempt_async(transport, runtime, job, settings, env, known).await
                    })
                    .await
                }
            };
            env.progress.finished(&outcome);
            outcome
        };
        match catch_unwind_async(run).await {
            Ok(outcome) => outcome,
            Err(payload) => panicked(job, &attempts, payload.as_ref(), env.progress.as_ref()),
        }
    }
}

/// What every job of one async run shares: the backend's transport and
/// runtime, the settings, the run's environment and its per-host gate. An
/// async backend keeps one in an `Arc` and spawns [`AsyncRun::job`] for
/// each job.
///
/// A backend that drives one run from several executors (one per thread,
/// each with its own client) makes the first part with [`AsyncRun::new`]
/// and the others with [`AsyncRun::sibling`], each part with its own
/// share of the limits: the store hears of the run once.
pub struct AsyncRun<T, R> {
    transport: T,
    runtime: R,
    hosts: HostGate,
    settings: Arc<Settings>,
    env: RunEnv,
}

impl<T: AsyncTransport, R: AsyncRuntime> AsyncRun<T, R> {
    /// A run of `settings` into `env` over `transport` on `runtime`; tells
    /// the store that a run starts ([`crate::Store::run_starting`]).
    pub fn new(transport: T, runtime: R, settings: Arc<Settings>, env: RunEnv) -> Self {
        env.store.run_starting();
        Self {
            transport,
            runtime,
            hosts: HostGate::new(settings.per_host()),
            settings,
            env,
        }
    }

    /// Another part of the same run, in the same environment: over
    /// `transport` (another executor's client), with `settings` of its own
    /// (its share of the concurrency and of the per-host limit) and a
    /// per-host gate of its own. The store is not told of a run again.
    ///
    /// The gate is not shared on purpose: each part's client opens its
    /// own connections, so only a share of the per-host limit per part
    /// bounds the connections to a host, as well as the requests, by the
    /// limit.
    pub fn sibling(&self, transport: T, settings: Arc<Settings>) -> Self
    where
        R: Clone,
    {
        Self {
            transport,
            runtime: self.runtime.clone(),
            hosts: HostGate::new(settings.per_host()),
            settings,
            env: self.env.clone(),
        }
    }

    /// The run's settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Runs the job at `index` to its outcome: [`run_async`], boxed.
    ///
    /// A job's future holds every state an attempt passes through (the
    /// client's request future among them, several KiB in all), and a
    /// backend spawns it: unboxed, that whole state would be copied each
    /// time the future moves on its way into a task. Boxed, it is written
    /// to the heap once and the task holds a pointer; the tokio backend
    /// measured 3–7 % less CPU per request for it.
    pub fn job<'a>(
        &'a self,
        job: &'a Job,
        index: usize,
    ) -> Pin<Box<impl Future<Output = Outcome> + Send + 'a>> {
        let Self {
            transport,
            runtime,
            hosts,
            settings,
            env,
        } = self;
        Box::pin(run_async(
            transport, runtime, hosts, job, index, settings, env,
        ))
    }
}

async fn retry_async<F>(
    mut run: JobRun,
    runtime: &impl AsyncRuntime,
    cancel: &CancelToken,
    mut attempt: impl FnMut(Option<Presence>) -> F,
) -> Outcome
where
    F: Future<Output = Option<Result<Fetched, Failure>>>,
{
    loop {
        let Some(result) = attempt(run.take_known()).await else {
            return run.cancelled();
        };
        match run.record(result) {
            Step::Done(outcome) => return outcome,
            Step::RetryAfter(delay) => {
                let pause = bounded(runtime, cancel, Some(delay), std::future::pending::<()>());
                if matches!(pause.await, Waited::Cancelled) {
                    return run.cancelled();
                }
            }
        }
    }
}

/// Polls `future`, catching a panic in any of its polls.
async fn catch_unwind_async<F: Future>(future: F) -> Result<F::Output, Box<dyn Any + Send>> {
    let mut future = pin!(future);
    std::future::poll_fn(|cx| {
        match panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Err(payload) => Poll::Ready(Err(payload)),
        }
    })
    .await
}

/// The outcome of a job that panicked after `attempts` requests, told to
/// `progress` (whose own panic, if it is what panicked, is not ours to
/// propagate: the outcome stands).
fn panicked(
    job: &Job,
    attempts: &AtomicU32,
    payload: &(dyn Any + Send),
    progress: &dyn Progress,
) -> Outcome {
    let failure = Failure::new(
        FailureKind::Io,
        format!("job panicked: {}", panic_message(payload)),
    );
    let outcome = Outcome {
        job: job.clone(),
        status: Status::Failed(failure),
        attempts: attempts.load(Ordering::Relaxed),
        elapsed: Duration::ZERO,
    };
    let _ = panic::catch_unwind(AssertUnwindSafe(|| progress.finished(&outcome)));
    outcome
}

/// The message of a panic's `payload` (a `&str` or a `String`; anything
/// else is said to be neither).
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".to_owned())
}

/// Puts outcomes that arrived in any order back into job order. `indexed`
/// must hold each index below `len` exactly once.
pub fn in_job_order(
    len: usize,
    indexed: impl IntoIterator<Item = (usize, Outcome)>,
) -> Vec<Outcome> {
    let mut slots: Vec<Option<Outcome>> = vec![None; len];
    for (index, outcome) in indexed {
        if let Some(slot) = slots.get_mut(index) {
            *slot = Some(outcome);
        }
    }
    slots.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    use crate::HashStore;
    use crate::backend::testing::{Fake, InlineRuntime, Reply, block_on};

    fn settings(retries: u32) -> Settings {
        Settings {
            retries,
            backoff_base: Duration::from_millis(1),
            backoff_max: Duration::from_millis(5),
            ..Settings::default()
        }
    }

    fn env() -> RunEnv {
        RunEnv::new(Arc::new(HashStore::new()))
    }

    /// Cancels `env`'s run from another thread after 50 ms.
    fn cancel_soon(env: &RunEnv) -> std::thread::JoinHandle<()> {
        let cancel = env.cancel.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            cancel.cancel();
        })
    }

    fn job() -> Job {
        Job::with_name("http://127.0.0.1:1/a", "a")
    }

    /// Runs `replies` through both drivers; returns the blocking outcome
    /// and how many requests it made.
    fn both(replies: &[Reply], settings: &Settings) -> (Outcome, usize) {
        let fake = Fake::new(replies.to_vec());
        let outcome = run_blocking(&fake, &HostGate::default(), &job(), 0, settings, &env());
        let twin = Fake::new(replies.to_vec());
        let runtime = InlineRuntime::default();
        let async_outcome = block_on(run_async(
            &twin,
            &runtime,
            &HostGate::default(),
            &job(),
            0,
            settings,
            &env(),
        ));
        assert_eq!(outcome.status, async_outcome.status);
        assert_eq!(outcome.attempts, async_outcome.attempts);
        assert_eq!(fake.urls().len(), twin.urls().len());
        (outcome, fake.urls().len())
    }

    #[test]
    fn transient_failures_are_retried_to_success() {
        let replies = [
            Reply::status(503, b""),
            Reply::status(500, b""),
            Reply::ok(b"done"),
        ];
        let (outcome, requests) = both(&replies, &settings(3));
        assert_eq!(
            outcome.status,
            Status::Saved {
                bytes: 4,
                resume: Resume::None
            }
        );
        assert_eq!((outcome.attempts, requests), (3, 3));
    }

    /// A store that counts how often it is asked what it holds.
    #[derive(Default)]
    struct CountsChecks(HashStore, AtomicUsize);

    impl Store for CountsChecks {
        fn check(&self, job: &Job) -> Result<Presence, Failure> {
            self.1.fetch_add(1, Ordering::SeqCst);
            self.0.check(job)
        }
        fn begin(&self, job: &Job) -> Result<Box<dyn crate::store::Sink>, Failure> {
            self.0.begin(job)
        }
    }

    #[test]
    fn the_store_is_checked_once_before_the_first_attempt_and_again_per_retry() {
        // One check per job when the first attempt saves the body; each
        // retry checks again (the failed attempt may have kept a partial).
        for (replies, checks) in [
            (vec![Reply::ok(b"x")], 1),
            (vec![Reply::status(503, b""), Reply::ok(b"x")], 2),
        ] {
            let store = Arc::new(CountsChecks::default());
            let env = RunEnv::new(store.clone());
            let fake = Fake::new(replies.clone());
            let outcome = run_blocking(&fake, &HostGate::default(), &job(), 0, &settings(1), &env);
            assert!(outcome.is_success(), "{:?}", outcome.status);
            assert_eq!(store.1.load(Ordering::SeqCst), checks, "blocking");

            let store = Arc::new(CountsChecks::default());
            let env = RunEnv::new(store.clone());
            let twin = Fake::new(replies);
            let runtime = InlineRuntime::default();
            let hosts = HostGate::default();
            let outcome = block_on(run_async(
                &twin,
                &runtime,
                &hosts,
                &job(),
                0,
                &settings(1),
                &env,
            ));
            assert!(outcome.is_success(), "{:?}", outcome.status);
            assert_eq!(store.1.load(Ordering::SeqCst), checks, "async");
        }
    }

    #[test]
    fn retries_are_bounded() {
        let (outcome, requests) = both(&[Reply::status(503, b"")], &settings(2));
        assert_eq!(
            outcome.failure().map(|f| f.kind),
            Some(FailureKind::HttpStatus(503))
        );
        assert_eq!((outcome.attempts, requests), (3, 3));
    }

    #[test]
    fn not_found_and_client_errors_are_not_retried() {
        let (outcome, requests) = both(&[Reply::status(404, b"")], &settings(5));
        assert_eq!((outcome.status, requests), (Status::NotFound, 1));
        let (outcome, requests) = both(&[Reply::status(403, b"")], &settings(5));
        assert_eq!(
            outcome.failure().map(|f| f.kind),
            Some(FailureKind::HttpStatus(403))
        );
        assert_eq!((outcome.attempts, requests), (1, 1));
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_backoff_cap() {
        let settings = Settings {
            backoff_max: Duration::from_millis(700),
            ..settings(3)
        };
        let mut run = JobRun::begin(&job(), 0, &settings, &HashStore::new()).unwrap();
        let mut busy = Failure::new(FailureKind::HttpStatus(503), "busy");
        busy.retry_after = Some(Duration::from_millis(600));
        assert!(matches!(
            run.record(Err(busy.clone())),
            Step::RetryAfter(d) if d >= Duration::from_millis(600) && d <= Duration::from_millis(700)
        ));
        busy.retry_after = Some(Duration::from_secs(3600));
        assert!(matches!(
            run.record(Err(busy)),
            Step::RetryAfter(d) if d == Duration::from_millis(700)
        ));
        let replies = [Reply::status(429, b"").retry_after("0"), Reply::ok(b"x")];
        let (outcome, _) = both(&replies, &settings);
        assert_eq!(
            outcome.status,
            Status::Saved {
                bytes: 1,
                resume: Resume::None
            }
        );
    }

    #[test]
    fn a_job_waiting_for_a_full_host_ends_cancelled_without_a_request() {
        let hosts = HostGate::new(Some(1));
        let held = hosts.enter_blocking(&job());
        let cancelled =
            |outcome: &Outcome| outcome.failure().map(|f| f.kind) == Some(FailureKind::Cancelled);

        // A task's wait for the slot is raced against the cancel token.
        let fake = Fake::new(vec![Reply::ok(b"x")]);
        let env = env();
        let canceller = cancel_soon(&env);
        let runtime = InlineRuntime::default();
        let outcome = block_on(run_async(
            &fake,
            &runtime,
            &hosts,
            &job(),
            0,
            &settings(0),
            &env,
        ));
        canceller.join().unwrap();
        assert!(cancelled(&outcome), "{:?}", outcome.status);
        assert!(fake.urls().is_empty());

        // A parked thread gets the slot once its holder's attempt ends
        // (a cancel cuts it off), then sees the cancel and sends nothing.
        let env = self::env();
        let outcome = std::thread::scope(|scope| {
            let waiter = scope.spawn(|| run_blocking(&fake, &hosts, &job(), 0, &settings(0), &env));
            std::thread::sleep(Duration::from_millis(50));
            env.cancel.cancel();
            drop(held);
            waiter.join().unwrap()
        });
        assert!(cancelled(&outcome), "{:?}", outcome.status);
        assert!(fake.urls().is_empty());
    }

    #[test]
    fn a_cancel_during_backoff_ends_the_job_at_once() {
        let settings = Settings {
            backoff_base: Duration::from_secs(3600),
            backoff_max: Duration::from_secs(3600),
            ..settings(3)
        };
        let fake = Fake::new(vec![Reply::status(503, b"")]);
        let env = env();
        let canceller = cancel_soon(&env);
        let outcome = run_blocking(&fake, &HostGate::default(), &job(), 0, &settings, &env);
        canceller.join().unwrap();
        assert_eq!(
            outcome.failure().map(|f| f.kind),
            Some(FailureKind::Cancelled)
        );
        assert_eq!((outcome.attempts, fake.urls().len()), (1, 1));

        let twin = Fake::new(vec![Reply::status(503, b"")]);
        let env = self::env();
        let canceller = cancel_soon(&env);
        let runtime = InlineRuntime::default();
        let outcome = block_on(run_async(
            &twin,
            &runtime,
            &HostGate::default(),
            &job(),
            0,
            &settings,
            &env,
        ));
        canceller.join().unwrap();
        assert_eq!(
            outcome.failure().map(|f| f.kind),
            Some(FailureKind::Cancelled)
        );
        assert_eq!(twin.urls().len(), 1);
    }

    #[derive(Default)]
    struct PanicsOnStart(AtomicUsize);

    impl Progress for PanicsOnStart {
        fn started(&self, _job: &Job) {
            panic!("observer broke");
        }
        fn finished(&self, _outcome: &Outcome) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_panic_is_the_job_failure_in_both_drivers() {
        let progress = Arc::new(PanicsOnStart::default());
        let env = env().with_progress(progress.clone());
        let fake = Fake::new(vec![Reply::ok(b"x")]);
        let outcome = run_blocking(
            &fake,
            &HostGate::default(),
            &job(),
            0,
            &Settings::default(),
            &env,
        );
        let runtime = InlineRuntime::default();
        let async_outcome = block_on(run_async(
            &fake,
            &runtime,
            &HostGate::default(),
            &job(),
            0,
            &Settings::default(),
            &env,
        ));
        for outcome in [outcome, async_outcome] {
            let failure = outcome.failure().expect("failed");
            assert_eq!(failure.kind, FailureKind::Io);
            assert_eq!(failure.detail, "job panicked: observer broke");
        }
        assert_eq!(progress.0.load(Ordering::SeqCst), 2, "outcomes observed");
        assert!(fake.urls().is_empty());
    }

    #[test]
    fn outcomes_are_put_back_in_job_order() {
        let outcome =
            |name: &str| Outcome::cancelled(Job::with_name("http://h/x", name), 0, Duration::ZERO);
        let ordered = in_job_order(2, [(1, outcome("b")), (0, outcome("a"))]);
        let names: Vec<&str> = ordered.iter().map(|o| o.job.name()).collect();
        assert_eq!(names, ["a", "b"]);
    }
}
