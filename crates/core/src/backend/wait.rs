//! Waiting in async code: a future raced against the run's cancel token and
//! a time limit, on any runtime; and the deadline of one attempt.

use std::future::Future;
use std::pin::pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use crate::outcome::{Failure, FailureKind};
use crate::progress::CancelToken;

use super::transport::AsyncRuntime;

/// How a bounded wait ended.
#[derive(Debug)]
pub enum Waited<T> {
    /// The future completed.
    Ready(T),
    /// The time limit passed first.
    TimedOut,
    /// The run was cancelled first.
    Cancelled,
}

/// Awaits `future` for at most `limit` (`None`: no limit), unless `cancel`
/// is cancelled first. A cancel wins over a future that is ready in the
/// same poll.
pub async fn bounded<F: Future>(
    runtime: &impl AsyncRuntime,
    cancel: &CancelToken,
    limit: Option<Duration>,
    future: F,
) -> Waited<F::Output> {
    let mut future = pin!(future);
    let mut cancelled = pin!(cancel.cancelled());
    let mut timer = pin!(async {
        match limit {
            Some(limit) => runtime.sleep(limit).await,
            None => std::future::pending().await,
        }
    });
    std::future::poll_fn(|cx| {
        if cancelled.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Waited::Cancelled);
        }
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Waited::Ready(output));
        }
        if timer.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Waited::TimedOut);
        }
        Poll::Pending
    })
    .await
}

/// The end of one attempt: the total timeout counted from its start.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    /// `None` when the total timeout reaches past what an `Instant` holds.
    at: Option<Instant>,
    total: Duration,
}

impl Deadline {
    /// `total` from now.
    pub fn after(total: Duration) -> Self {
        Self {
            at: Instant::now().checked_add(total),
            total,
        }
    }

    /// Time left (zero once passed); `None` when there is no bound.
    pub fn remaining(&self) -> Option<Duration> {
        self.at
            .map(|at| at.saturating_duration_since(Instant::now()))
    }

    /// Whether the deadline has passed.
    pub fn is_past(&self) -> bool {
        self.remaining().is_some_and(|left| left.is_zero())
    }

    /// The limit for one read: the read timeout, or less when the attempt
    /// ends sooner; and the failure to report if that limit passes.
    pub fn read_limit(&self, read_timeout: Duration) -> (Duration, Failure) {
        match self.remaining() {
            Some(remaining) if remaining < read_timeout => (remaining, self.exceeded()),
            _ => {
                let detail = format!("no data for the read timeout of {read_timeout:?}");
                (read_timeout, Failure::new(FailureKind::Timeout, detail))
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unbounded_deadline_never_passes() {
        let deadline = Deadline::after(Duration::MAX);
        assert_eq!(deadline.remaining(), None);
        assert!(!deadline.is_past());
        let (limit, _) = deadline.read_limit(Duration::from_secs(3));
        assert_eq!(limit, Duration::from_secs(3));
    }

    #[test]
    fn a_short_deadline_bounds_the_read() {
        let deadline = Deadline::after(Duration::ZERO);
        assert!(deadline.is_past());
        let (limit, failure) = deadline.read_limit(Duration::from_secs(3));
        assert_eq!(limit, Duration::ZERO);
        assert!(failure.detail.contains("total timeout"), "{failure}");
    }
}
