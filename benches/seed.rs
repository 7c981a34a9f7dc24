//! Scenario `seed` (DESIGN.md §5): see [`fetchlab_harness::Scenario::seed`].
//! Writes `results/seed.{md,csv,json,svg}` under `cargo bench`.

mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use fetchlab_harness::Scenario;

fn seed(c: &mut Criterion) {
    common::bench_scenario(c, "seed", Scenario::seed());
}

criterion_group!(benches, seed);
criterion_main!(benches);
