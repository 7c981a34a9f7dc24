//! The life of one job on the runtime: core's [`run_async`] driven by
//! tokio's timer and this crate's attempts.

use std::future::Future;
use std::time::Duration;

use fetchlab_core::run::{AsyncJobDriver, Fetched, run_async};
use fetchlab_core::{Failure, Job, Outcome};

use crate::attempt::{self, or_cancel};
use crate::shared::Shared;

/// Attempts and waits of one run's jobs, on tokio.
struct TokioDriver<'a>(&'a Shared);

impl AsyncJobDriver for TokioDriver<'_> {
    fn is_cancelled(&self) -> bool {
        self.0.cancel.is_cancelled()
    }

    fn attempt(&self, job: &Job) -> impl Future<Output = Option<Result<Fetched, Failure>>> {
        attempt::fetch(self.0, job)
    }

    async fn wait(&self, delay: Duration) -> bool {
        or_cancel(&self.0.cancel, tokio::time::sleep(delay))
            .await
            .is_some()
    }
}

/// Runs the job at `index` to its outcome and reports it to the run's
/// progress observer.
pub async fn run(shared: &Shared, index: usize, job: &Job) -> Outcome {
    let (settings, store) = (&shared.settings, shared.store.as_ref());
    let driver = TokioDriver(shared);
    run_async(
        job,
        index,
        settings,
        store,
        shared.progress.as_ref(),
        &driver,
    )
    .await
}
