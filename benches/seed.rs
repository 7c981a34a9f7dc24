//! Scenario `seed`: see [`fetchlab_harness::Scenario::seed`].
//! The scenarios are described in `docs/harness.md`.
//! Writes `results/seed.{md,csv,json,svg}` under `cargo bench`.

mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use fetchlab_harness::Scenario;

fn seed(c: &mut Criterion) {
    common::bench_scenario(c, "seed", Scenario::seed());
}

criterion_group!(benches, seed);
criterion_main!(benches);
