//! Observing a run as it goes, and stopping it.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::job::Job;
use crate::outcome::Outcome;

/// Told about each job as it starts and finishes. Called from the backend's
/// workers, possibly from many threads at once, so keep it cheap.
pub trait Progress: Send + Sync {
    /// A job's first request is about to be made.
    fn started(&self, _job: &Job) {}

    /// A job has its outcome.
    fn finished(&self, _outcome: &Outcome) {}
}

/// A [`Progress`] that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// Asks a run to stop: no new request starts once cancelled; jobs not
/// finished end as [`crate::FailureKind::Cancelled`], and no partial file is
/// left behind. Clones share the same flag.
#[derive(Debug, Default, Clone)]
pub struct CancelToken {
    inner: Arc<(Mutex<bool>, Condvar)>,
}

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels the run and wakes every [`CancelToken::sleep`].
    pub fn cancel(&self) {
        let (flag, wake) = &*self.inner;
        *flag.lock().unwrap_or_else(PoisonError::into_inner) = true;
        wake.notify_all();
    }

    /// Whether the run was cancelled.
    pub fn is_cancelled(&self) -> bool {
        *self.inner.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sleeps for `duration` on this thread, or less if the run is
    /// cancelled meanwhile. Returns `true` when it slept the whole time
    /// without being cancelled.
    pub fn sleep(&self, duration: Duration) -> bool {
        let deadline = Instant::now() + duration;
        let (flag, wake) = &*self.inner;
        // A poisoned flag is still a valid bool.
        let mut cancelled = flag.lock().unwrap_or_else(PoisonError::into_inner);
        while !*cancelled {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return true;
            }
            cancelled = wake
                .wait_timeout(cancelled, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleep_returns_early_when_cancelled() {
        let token = CancelToken::new();
        assert!(token.sleep(Duration::from_millis(1)));
        let other = token.clone();
        let waker = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            other.cancel();
        });
        assert!(!token.sleep(Duration::from_secs(600)));
        assert!(token.is_cancelled());
        waker.join().unwrap();
    }
}
