//! Scenario `scale`: see [`fetchlab_harness::Scenario::scale`].
//! The scenarios are described in `docs/harness.md`.
//! Writes `results/scale.{md,csv,json,svg}` under `cargo bench`.

mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use fetchlab_harness::Scenario;

fn scale(c: &mut Criterion) {
    common::bench_scenario(c, "scale", Scenario::scale());
}

criterion_group!(benches, scale);
criterion_main!(benches);
