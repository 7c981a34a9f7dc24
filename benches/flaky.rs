//! Scenario `flaky`: see [`fetchlab_harness::Scenario::flaky`].
//! The scenarios are described in `docs/harness.md`.
//! Writes `results/flaky.{md,csv,json,svg}` under `cargo bench`.

mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use fetchlab_harness::Scenario;

fn flaky(c: &mut Criterion) {
    common::bench_scenario(c, "flaky", Scenario::flaky());
}

criterion_group!(benches, flaky);
criterion_main!(benches);
