//! Scenario `latency`: see [`fetchlab_harness::Scenario::latency`].
//! The scenarios are described in `docs/harness.md`.
//! Writes `results/latency.{md,csv,json,svg}` under `cargo bench`.

mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use fetchlab_harness::Scenario;

fn latency(c: &mut Criterion) {
    common::bench_scenario(c, "latency", Scenario::latency());
}

criterion_group!(benches, latency);
criterion_main!(benches);
