//! Calibration: the network model held against real TCP.
//!
//! [`GIVEN`] quotes wall times measured outside this project on real TCP
//! (nginx behind a 50 ms round-trip delay on every packet, whole process
//! timed, median of 5). They are input, not results. [`run`] times the same
//! clients — `fetchlab download` (threads, tokio, sequential) and curl and
//! wget2 when on `PATH`, all as command rows, whole process timed — against
//! `fetchlab serve` with the model at 50 ms and no server delay, and
//! [`Calibration::markdown`] sets each beside its given figure with the
//! ratio, the modelled floor, and, for a row off by more than 5 %, what
//! the model leaves out in the direction it is off. No constant is tuned to
//! these figures.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use crate::command::CommandSpec;
use crate::command::peers::Peer;
use crate::error::HarnessError;
use crate::run::{CompareOptions, EventSink, compare};
use crate::scenario::Scenario;
use crate::server::ServerSource;
use crate::table::ResultTable;
use crate::workload::Workload;

/// The round-trip time of the given measurements.
pub const RTT: Duration = Duration::from_millis(50);

/// A row within this share of its given figure is calibrated.
pub const TOLERANCE: f64 = 0.05;

/// One quoted measurement.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Given {
    /// Files downloaded.
    pub jobs: usize,
    /// Most requests in flight.
    pub concurrency: usize,
    /// The row: a `fetchlab download` strategy (`threads`, …) or a peer
    /// tool (`curl`, `wget2`).
    pub client: &'static str,
    /// Wall time, seconds, on real TCP.
    pub seconds: f64,
}

const fn given(jobs: usize, concurrency: usize, client: &'static str, seconds: f64) -> Given {
    Given {
        jobs,
        concurrency,
        client,
        seconds,
    }
}

/// Real TCP, measured outside this project (quoted input, not a result):
/// 80 files of the seed's names and 8–40 KiB sizes, and 1,000 files of the
/// same 80 sizes cycled, at a 50 ms round trip.
pub const GIVEN: [Given; 7] = [
    given(80, 20, "threads", 0.313),
    given(80, 20, "tokio", 0.317),
    given(80, 20, "wget2", 0.315),
    given(80, 20, "curl", 0.315),
    given(80, 1, "sequential", 4.246),
    given(1000, 20, "tokio", 2.661),
    given(1000, 20, "wget2", 2.653),
];

/// The quoted rows.
pub fn given_rows() -> impl Iterator<Item = &'static Given> {
    GIVEN.iter()
}

/// The calibration workloads: `(jobs, concurrency)` as quoted, over the
/// model at [`RTT`], no server delay.
pub fn cases() -> Vec<(usize, usize)> {
    let mut cases: Vec<(usize, usize)> = Vec::new();
    for g in given_rows() {
        if !cases.contains(&(g.jobs, g.concurrency)) {
            cases.push((g.jobs, g.concurrency));
        }
    }
    cases
}

/// The workload of a case: the seed's files, and beyond 80 files the
/// seed's 80 sizes cycled, as the quoted runs had them.
pub fn workload(jobs: usize, concurrency: usize) -> Workload {
    let seed = fetchlab_core::SEED_NAMES_COUNT;
    Workload::seed()
        .with_jobs(jobs)
        .with_concurrency(concurrency)
        .with_server(|s| s.with_latency(Duration::ZERO).with_rtt(RTT))
        .with_size_cycle((jobs > seed).then_some(seed))
}

/// `fetchlab download -s STRATEGY` as a command row named `fetchlab-STRATEGY`.
pub fn download_row(exe: &Path, strategy: &str) -> CommandSpec {
    let exe = exe.to_string_lossy();
    let words = [
        exe.as_ref(),
        "download",
        "-q",
        "-s",
        strategy,
        "-m",
        "{c}",
        "-o",
        "{out}",
        "{urls}",
    ];
    CommandSpec {
        name: format!("fetchlab-{strategy}"),
        client: "fetchlab".into(),
        words: words.into_iter().map(str::to_owned).collect(),
    }
}

/// One case's measured table.
#[derive(Debug, Clone)]
pub struct Calibration {
    /// One table per case, in [`cases`] order.
    pub tables: Vec<ResultTable>,
    /// The same clients on the same cases with the model off (loopback, no
    /// delay): each client's own time for the work, which the floor counts
    /// as zero.
    pub no_model: Vec<ResultTable>,
    /// Tools that were not on `PATH`.
    pub missing: Vec<String>,
}

/// Times every quoted row that can run here against `exe serve`, `runs`
/// times each (the median is compared), and again with the model off.
pub fn run(exe: &Path, runs: usize, on_event: EventSink<'_>) -> Result<Calibration, HarnessError> {
    let mut missing = Vec::new();
    let (mut tables, mut no_model) = (Vec::new(), Vec::new());
    for (jobs, concurrency) in cases() {
        let mut commands = Vec::new();
        for g in given_rows().filter(|g| (g.jobs, g.concurrency) == (jobs, concurrency)) {
            match Peer::by_name(g.client) {
                Some(peer) => match peer.resolve() {
                    Ok(spec) => commands.push(spec),
                    Err(note) => {
                        if !missing.contains(&note) {
                            missing.push(note);
                        }
                    }
                },
                None => commands.push(download_row(exe, g.client)),
            }
        }
        let options = CompareOptions {
            strategies: Vec::new(),
            runs,
            commands,
            server: ServerSource::Child(exe.to_owned()),
            command: "fetchlab compare --calibrate".into(),
            ..CompareOptions::default()
        };
        let modelled = workload(jobs, concurrency);
        let scenario = Scenario::custom(
            "calibration",
            &format!("Calibration: {jobs} files, {concurrency} workers, 50 ms RTT"),
            modelled.clone(),
        );
        tables.push(compare(&scenario, &options, on_event)?);
        let alone = Scenario::custom(
            "calibration-no-model",
            &format!("Calibration: {jobs} files, {concurrency} workers, no network model"),
            modelled.with_server(|s| s.with_rtt(Duration::ZERO)),
        );
        no_model.push(compare(&alone, &options, on_event)?);
    }
    Ok(Calibration {
        tables,
        no_model,
        missing,
    })
}

/// What a row off by more than [`TOLERANCE`] points at.
fn explanation(ratio: f64) -> &'static str {
    if ratio < 1.0 {
        "faster than real TCP: the model leaves out delayed ACKs and ACK spreading across a \
         flight, per-packet serialisation and pacing, the SYN/ACK and request bytes' own \
         transit, and the real server's (nginx's) and kernel's work per connection"
    } else {
        "slower than real TCP: the floor counts the client's own work as zero, and here that \
         work (the no-model column) runs on the same 2 cores as the server, where the \
         quoted runs had their own machine and a kernel link releasing packets to the \
         microsecond; the model adds its timer's lateness, up to about a millisecond per flight"
    }
}

/// How the model's time was accounted for (written under the table).
const WHERE_THE_TIME_GOES: &str = "\
## Where the time goes

A per-connection timeline of `fetchlab serve --rtt 50ms` under 80 files at 20 workers \
(accept, request read, response handed over, each flight sent and released to the \
socket) matches the model's arithmetic and the floor step by step: one round trip of \
handshake before a connection's first flight, the initial window of 10 × 1448 B, the \
window doubling per round trip and kept across a connection's requests (the requests \
of a run come well inside the idle restart, one RTO = RTT + 200 ms), and no \
handshake paid twice. What the floor does not hold is real time: each flight reaches \
the socket when the writer task wakes, on the timer's next millisecond tick or later \
on a loaded machine, and each next request follows the client's own turnaround. \
The model used to schedule every flight at the time its task woke, so that lateness \
added up over the handshake and every flight of a connection; it now schedules at \
model time (a write's hand-over, a wait's end), and only the release itself is late, \
once per flight (a paused-clock test in the server's `wire` module holds this). \
Two things the floor cannot hold remain. Which worker takes which file: responses \
that end in the same instant are followed by next requests in whatever order the \
client's threads or tasks win, and on kept connections a large file then meets a \
grown window or one that needs another flight — for the seed, some orders take one \
round trip more than the floor under the model itself (the server's `floor` tests \
hold this), so runs fall on the floor or one RTT above it and the median of a few \
runs on either. And the client's own work — the no-model column, timed on the same machine \
against the same server with the model off — which the floor counts as zero and \
which, on the same 2 cores as the server, \
overlaps the waiting only in part.
";

impl Calibration {
    /// The side-by-side table as Markdown, with the command that reproduces
    /// it and the machine it ran on.
    pub fn markdown(&self) -> String {
        let mut out = String::from("# Calibration: the network model against real TCP\n\n");
        out.push_str(
            "Modelled: the client timed as a whole process against `fetchlab serve` with \
             `rtt` 50 ms and no server delay (median of the runs). Given: **real TCP, measured \
             outside this project** (nginx behind a 50 ms delay on every packet, median of 5), \
             quoted as input — not a result of this project. Floor: the model's lower bound for \
             perfect workers (`fetchlab_server::floor`). No model: the same client against the \
             same server with the model off (loopback, no delay, median of the runs) — its own \
             time for the work (process start, connections, requests, hashing, writing files), \
             which the floor counts as zero and which overlaps the waiting only in part.\n\n",
        );
        if let Some(p) = self.tables.first().map(|t| &t.provenance) {
            let _ = writeln!(
                out,
                "Reproduce: `cargo run --release -- compare --calibrate`. Machine: {} cores, {} ({}) \
                 (the server and the clients share its cores); date {}; commit {}.\n",
                p.machine.cores,
                p.machine.cpu_model,
                p.machine.os,
                p.date,
                p.commit.as_deref().unwrap_or("unknown"),
            );
        }
        out.push_str(
            "| files | workers | client | modelled (s) | given, real TCP (s) | ratio | floor (s) | no model (s) | within 5 %? |\n\
             |---:|---:|---|---:|---:|---:|---:|---:|---|\n",
        );
        let mut off = Vec::new();
        for table in &self.tables {
            for row in &table.rows {
                let client = row.strategy.trim_start_matches("fetchlab-");
                let Some(g) = given_rows().find(|g| {
                    g.client == client && (g.jobs, g.concurrency) == (row.jobs, row.concurrency)
                }) else {
                    continue;
                };
                let name = if row.strategy.starts_with("fetchlab-") {
                    format!("`fetchlab download -s {client}`")
                } else {
                    format!("{client} ({})", row.client_library)
                };
                let alone = self
                    .no_model
                    .iter()
                    .flat_map(|t| &t.rows)
                    .find(|r| {
                        r.strategy == row.strategy
                            && (r.jobs, r.concurrency) == (row.jobs, row.concurrency)
                    })
                    .filter(|r| r.failed.is_none())
                    .map_or_else(|| "–".to_owned(), |r| format!("{:.3}", r.time.median));
                if let Some(failure) = &row.failed {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {name} | failed: {failure} | {:.3} | – | {:.3} | {alone} | – |",
                        row.jobs, row.concurrency, g.seconds, row.ideal
                    );
                    continue;
                }
                let ratio = row.time.median / g.seconds;
                let within = (ratio - 1.0).abs() <= TOLERANCE;
                let _ = writeln!(
                    out,
                    "| {} | {} | {name} | {:.3} | {:.3} | {ratio:.3} | {:.3} | {alone} | {} |",
                    row.jobs,
                    row.concurrency,
                    row.time.median,
                    g.seconds,
                    row.ideal,
                    if within { "yes" } else { "no" }
                );
                if !within {
                    off.push(format!(
                        "- {name}, {} files at {}: {:+.1} %, {}.",
                        row.jobs,
                        row.concurrency,
                        (ratio - 1.0) * 100.0,
                        explanation(ratio)
                    ));
                }
            }
        }
        out.push_str(
            "\nThe 1,000-file rows use the seed's 80 sizes cycled, as the given runs did.\n\n",
        );
        out.push_str(WHERE_THE_TIME_GOES);
        if !off.is_empty() {
            out.push_str("\n## Rows off by more than 5 %\n\n");
            for line in off {
                out.push_str(&line);
                out.push('\n');
            }
        }
        for note in &self.missing {
            let _ = writeln!(out, "\nNot run: {note}.");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_are_the_quoted_workloads_at_50ms() {
        assert_eq!(cases(), [(80, 20), (80, 1), (1000, 20)]);
        for (jobs, concurrency) in cases() {
            let w = workload(jobs, concurrency);
            w.validate().unwrap();
            assert_eq!(w.server.network.rtt, RTT);
            assert!(w.server.latency.is_zero());
        }
        // 1,000 files: the seed's 80 sizes, cycled.
        assert_eq!(workload(1000, 20).size_cycle, Some(80));
        assert_eq!(workload(80, 20).size_cycle, None);
        assert_eq!(given_rows().count(), 7);
    }

    #[test]
    fn a_download_row_runs_this_binary_with_the_placeholders() {
        let spec = download_row(Path::new("/bin/fetchlab"), "tokio");
        assert_eq!(spec.name, "fetchlab-tokio");
        assert!(spec.uses("{urls}") && spec.uses("{out}") && spec.uses("{c}"));
        assert_eq!(spec.words[..2], ["/bin/fetchlab", "download"]);
    }

    #[test]
    fn the_direction_of_an_error_picks_the_explanation() {
        assert!(explanation(0.9).starts_with("faster"));
        assert!(explanation(1.1).starts_with("slower"));
    }
}
