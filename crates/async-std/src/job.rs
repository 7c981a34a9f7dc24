//! The life of one job on the executor: attempts, waits between them,
//! cancellation, progress.

use fetchlab_core::run::{JobRun, Step};
use fetchlab_core::{Job, Outcome};

use crate::attempt;
use crate::shared::Shared;
use crate::wait::{Waited, bounded};

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
                let pause = bounded(&shared.cancel, delay, std::future::pending::<()>());
                if let Waited::Cancelled = pause.await {
                    return run.cancelled();
                }
            }
        }
    }
}
