//! Scenario `network`: see [`fetchlab_harness::Scenario::network`].
//! The scenarios are described in `docs/harness.md`.
//! Writes `results/network.{md,csv,json,svg}` under `cargo bench`.

mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use fetchlab_harness::Scenario;

fn network(c: &mut Criterion) {
    common::bench_scenario(c, "network", Scenario::network());
}

criterion_group!(benches, network);
criterion_main!(benches);
