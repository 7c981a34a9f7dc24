//! Waiting on the network with a time limit, interrupted by cancellation.

use std::future::Future;
use std::time::{Duration, Instant};

use fetchlab_core::{Failure, FailureKind};
use futures::future::{Either, select};

use crate::cancel::Cancel;

/// How a bounded wait ended.
pub enum Waited<T> {
    /// The future completed.
    Ready(T),
    /// The time limit passed first.
    TimedOut,
    /// The run was cancelled first.
    Cancelled,
}

/// Awaits `future` for at most `limit`, unless the run is cancelled.
pub async fn bounded<F: Future>(cancel: &Cancel, limit: Duration, future: F) -> Waited<F::Output> {
    let timed = std::pin::pin!(async_std::future::timeout(limit, future));
    let cancelled = std::pin::pin!(cancel.cancelled());
    match select(cancelled, timed).await {
        Either::Left(((), _)) => Waited::Cancelled,
        Either::Right((Ok(output), _)) => Waited::Ready(output),
        Either::Right((Err(_), _)) => Waited::TimedOut,
    }
}

/// The end of one attempt: the total timeout counted from its start.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    at: Instant,
    total: Duration,
}

impl Deadline {
    /// `total` from now.
    pub fn after(total: Duration) -> Self {
        Self {
            at: Instant::now() + total,
            total,
        }
    }

    /// Time left (zero once passed).
    pub fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    /// The limit for one read: the read timeout, or less when the attempt
    /// ends sooner; and the failure to report if that limit passes.
    pub fn read_limit(&self, read_timeout: Duration) -> (Duration, Failure) {
        let remaining = self.remaining();
        if remaining < read_timeout {
            (remaining, self.exceeded())
        } else {
            let detail = format!("no data for the read timeout of {read_timeout:?}");
            (read_timeout, Failure::new(FailureKind::Timeout, detail))
        }
    }

    /// The failure of an attempt that ran out of time.
    pub fn exceeded(&self) -> Failure {
        let detail = format!(
            "attempt took longer than the total timeout of {:?}",
            self.total
        );
        Failure::new(FailureKind::Timeout, detail)
    }
}
