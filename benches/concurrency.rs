//! Scenario `concurrency`: see [`fetchlab_harness::Scenario::concurrency`].
//! The scenarios are described in `docs/harness.md`.
//! Writes `results/concurrency.{md,csv,json,svg}` under `cargo bench`.

mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use fetchlab_harness::Scenario;

fn concurrency(c: &mut Criterion) {
    common::bench_scenario(c, "concurrency", Scenario::concurrency());
}

criterion_group!(benches, concurrency);
criterion_main!(benches);
