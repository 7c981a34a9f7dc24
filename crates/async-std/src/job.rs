//! The life of one job on the executor: core's [`run_async`] driven by
//! async-std's timer and this crate's attempts.

use std::future::Future;
use std::time::Duration;

use fetchlab_core::run::{AsyncJobDriver, Fetched, run_async};
use fetchlab_core::{Failure, Job, Outcome};

use crate::attempt;
use crate::shared::Shared;
use crate::wait::{Waited, bounded};

/// Attempts and waits of one run's jobs, on async-std.
struct AsyncStdDriver<'a>(&'a Shared);

impl AsyncJobDriver for AsyncStdDriver<'_> {
    fn is_cancelled(&self) -> bool {
        self.0.cancel.is_cancelled()
    }

    fn attempt(&self, job: &Job) -> impl Future<Output = Option<Result<Fetched, Failure>>> {
        attempt::fetch(self.0, job)
    }

    async fn wait(&self, delay: Duration) -> bool {
        let pause = bounded(&self.0.cancel, delay, std::future::pending::<()>());
        !matches!(pause.await, Waited::Cancelled)
    }
}

/// Runs the job at `index` to its outcome and reports it to the run's
/// progress observer.
pub async fn run(shared: &Shared, index: usize, job: &Job) -> Outcome {
    let (settings, store) = (&shared.settings, shared.store.as_ref());
    let driver = AsyncStdDriver(shared);
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
