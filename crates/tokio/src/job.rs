//! The life of one job on the runtime: attempts, waits between them,
//! cancellation, progress.

use fetchlab_core::run::{JobRun, Step};
use fetchlab_core::{Job, Outcome};

use crate::attempt::{self, or_cancel};
use crate::shared::Shared;

/// Runs the job at `index` to its outcome and reports it to the run's
/// progress observer, like [`fetchlab_core::run::run_blocking`] does for
/// thread-based backends.
pub async fn run(shared: &Shared, index: usize, job: &Job) -> Outcome {
    let outcome = drive(shared, index, job).await;
    shared.progress.finished(&outcome);
    outcome
}

async fn drive(shared: &Shared, index: usize, job: &Job) -> Outcome {
    let mut run = match JobRun::begin(job, index, &shared.settings, shared.store.as_ref()) {
        Ok(run) => run,
        Err(outcome) => return outcome,
    };
    if shared.cancel.is_cancelled() {
        return run.cancelled();
    }
    shared.progress.started(job);
    loop {
        let Some(result) = attempt::fetch(shared, job).await else {
            return run.cancelled();
        };
        match run.record(result) {
            Step::Done(outcome) => return outcome,
            Step::RetryAfter(delay) => {
                if or_cancel(&shared.cancel, tokio::time::sleep(delay))
                    .await
                    .is_none()
                {
                    return run.cancelled();
                }
            }
        }
    }
}
