//! [`AsyncStdRuntime`]: async-std's timer and blocking pool for core's
//! async code.

use std::future::Future;
use std::time::Duration;

use fetchlab_core::backend::AsyncRuntime;

/// async-std's global executor.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AsyncStdRuntime;

impl AsyncRuntime for AsyncStdRuntime {
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
        async_std::task::sleep(duration)
    }

    async fn spawn_blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, String> {
        Ok(async_std::task::spawn_blocking(work).await)
    }
}
