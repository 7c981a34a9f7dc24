//! Bridges the run's blocking [`CancelToken`] to an async token.
//!
//! [`CancelToken`] is a flag behind a mutex with a condition variable: good
//! for threads, but a future cannot wait on it. One watcher per run polls it
//! every [`POLL`] and cancels a [`CancellationToken`] that every job awaits,
//! so a cancelled run stops within about 50 ms at the cost of one timer per
//! run (not one per job).

use std::time::Duration;

use fetchlab_core::CancelToken;
use tokio_util::sync::CancellationToken;

/// How often the watcher looks at the run's token.
pub const POLL: Duration = Duration::from_millis(50);

/// Cancels `token` once `cancel` is cancelled; never completes, so run it
/// in a `select!` next to the work it guards.
pub async fn watch(cancel: CancelToken, token: CancellationToken) -> std::convert::Infallible {
    loop {
        if cancel.is_cancelled() {
            token.cancel();
            return std::future::pending().await;
        }
        tokio::time::sleep(POLL).await;
    }
}
