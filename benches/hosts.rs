//! Scenario `hosts`: see [`fetchlab_harness::Scenario::hosts`]. The
//! scenarios are described in `docs/harness.md`.
//!
//! The seed-sized files spread round-robin over eight loopback hosts of
//! different latency (one `fetchlab serve --hosts 8` child), at 32 workers
//! without and with a per-host limit of 4. Writes
//! `results/hosts.{md,csv,json,svg}` under `cargo bench`.

mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use fetchlab_harness::Scenario;

fn hosts(c: &mut Criterion) {
    common::bench_scenario(c, "hosts", Scenario::hosts());
}

criterion_group!(benches, hosts);
criterion_main!(benches);
