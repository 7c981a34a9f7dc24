//! Scenario `peers`: see [`fetchlab_harness::Scenario::peers`]. The
//! scenarios are described in `docs/harness.md`.
//!
//! curl, wget2 and aria2c (the presets of
//! [`fetchlab_harness::command::peers`]) beside the strategies, each tool
//! that is on `PATH` with its version in the client column; a tool that is
//! not installed is a note in the table, not a failure, so `cargo bench`
//! works with none of them. Writes `results/peers.{md,csv,json,svg}` under
//! `cargo bench`.

mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use fetchlab_harness::Scenario;
use fetchlab_harness::command::peers::PEERS;

fn peers(c: &mut Criterion) {
    let mut commands = Vec::new();
    let mut notes = Vec::new();
    for peer in PEERS {
        match peer.resolve() {
            Ok(spec) => commands.push(spec),
            Err(missing) => notes.push(missing),
        }
    }
    common::bench_scenario_with_commands(c, "peers", Scenario::peers(), &commands, notes);
}

criterion_group!(benches, peers);
criterion_main!(benches);
