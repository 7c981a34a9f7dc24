//! How many runs a `cargo bench` row gets: the rule the bench files follow
//! (`benches/common/mod.rs`) and the harness's budget test checks, kept in
//! one place so the two cannot disagree.
//!
//! Every benchmark starts with one probe run. A row whose probe takes at
//! most [`SLOW_RUN`] is criterion's warm-up run plus [`SAMPLES`] samples
//! ([`FAST_ROW_RUNS`] runs with the probe); a row whose probe takes longer
//! is [`SLOW_ROW_RUNS`] runs measured directly, the probe included. A run
//! of a second or more gains nothing from warming up, and a dozen of them
//! would cost the budget that keeps a full `cargo bench` under 15 minutes
//! on 2 cores.

use std::time::Duration;

/// A probe run longer than this makes the row a slow one.
pub const SLOW_RUN: Duration = Duration::from_secs(1);

/// Runs of a slow row, the probe included.
pub const SLOW_ROW_RUNS: usize = 3;

/// Criterion's samples of a row that is not slow, one run each.
pub const SAMPLES: usize = 10;

/// Runs of any other row: the probe, criterion's warm-up and the
/// [`SAMPLES`].
pub const FAST_ROW_RUNS: usize = SAMPLES + 2;

/// How many runs a row gets whose probe run took `probe`.
pub fn runs_of_a_row(probe: Duration) -> usize {
    if probe > SLOW_RUN {
        SLOW_ROW_RUNS
    } else {
        FAST_ROW_RUNS
    }
}
