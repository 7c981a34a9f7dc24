//! Stopping requests in flight when a run is cancelled.
//!
//! A blocking worker cannot be woken from a socket read by a flag. ureq 3.5
//! can do it for us: [`Agent::shutdown`] shuts down every connection of the
//! agent, idle or in use, which makes a read or write blocked on it in any
//! thread return at once, and refuses new connections. A small watcher
//! thread waits on the run's [`CancelToken`] and shuts the run's agent down
//! the moment it is cancelled; [`attempt`] then reports the interrupted
//! attempt as cancelled. (A TCP connect still in progress is not
//! interruptible this way; the connect timeout bounds it.)

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use fetchlab_core::run::Fetched;
use fetchlab_core::{CancelToken, Failure, FailureKind, Job, RunEnv, Settings};
use ureq::Agent;

/// How often the watcher looks whether the run is over. A cancel wakes it
/// at once; this only bounds how long it outlives its run.
const POLL: Duration = Duration::from_millis(50);

/// The watcher only sleeps on a condition variable and shuts the agent down.
const WATCHER_STACK_BYTES: usize = 128 * 1024;

/// Keeps a watcher shutting `agent` down on cancel; the watcher ends (within
/// 50 ms) once this is dropped, at the end of the run.
#[must_use = "the watcher stops when this is dropped"]
#[derive(Debug)]
pub struct AbortOnCancel {
    run_over: Arc<AtomicBool>,
}

/// Starts the watcher for a run that uses `agent` and is cancelled through
/// `cancel`. If the system refuses the thread, cancelling still stops the
/// run between jobs and during backoff, just not mid-request.
pub fn abort_on_cancel(agent: &Agent, cancel: &CancelToken) -> AbortOnCancel {
    let run_over = Arc::new(AtomicBool::new(false));
    let watch = {
        let (agent, cancel, run_over) = (agent.clone(), cancel.clone(), run_over.clone());
        move || {
            while cancel.sleep(POLL) {
                if run_over.load(Ordering::Acquire) {
                    return;
                }
            }
            agent.shutdown();
        }
    };
    let _ = thread::Builder::new()
        .name("fetchlab-cancel".to_owned())
        .stack_size(WATCHER_STACK_BYTES)
        .spawn(watch);
    AbortOnCancel { run_over }
}

impl Drop for AbortOnCancel {
    fn drop(&mut self) {
        self.run_over.store(true, Ordering::Release);
    }
}

/// One attempt at `job` for a run: [`super::fetch_once`] into the run's
/// store. A failure once the run is cancelled (most likely the agent's
/// shutdown cutting the request off) is reported as
/// [`FailureKind::Cancelled`], which is never retried. A body that was
/// complete before the cancel stays saved.
pub fn attempt(
    agent: &Agent,
    job: &Job,
    settings: &Settings,
    env: &RunEnv,
) -> Result<Fetched, Failure> {
    super::fetch_once(agent, job, settings, env.store.as_ref()).map_err(|failure| {
        if env.cancel.is_cancelled() {
            Failure::new(
                FailureKind::Cancelled,
                format!("run cancelled in flight ({failure})"),
            )
        } else {
            failure
        }
    })
}
