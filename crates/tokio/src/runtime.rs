//! [`TokioRuntime`]: tokio's timer and blocking pool for core's async code.

use std::future::Future;
use std::time::Duration;

use fetchlab_core::backend::AsyncRuntime;

/// The runtime the fetcher is awaited on (the caller's, or the
/// downloader's own).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TokioRuntime;

impl AsyncRuntime for TokioRuntime {
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(duration)
    }

    async fn spawn_blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, String> {
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| e.to_string())
    }
}
