//! Scenario `large-files`: see [`fetchlab_harness::Scenario::large_files`].
//! The scenarios are described in `docs/harness.md`.
//! Writes `results/large-files.{md,csv,json,svg}` under `cargo bench`.

mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use fetchlab_harness::Scenario;

fn large_files(c: &mut Criterion) {
    common::bench_scenario(c, "large_files", Scenario::large_files());
}

criterion_group!(benches, large_files);
criterion_main!(benches);
