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

/// The workload of a case.
pub fn workload(jobs: usize, concurrency: usize) -> Workload {
    Workload::seed()
        .with_jobs(jobs)
        .with_concurrency(concurrency)
        .with_latency(Duration::ZERO)
        .with_rtt(RTT)
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
    /// Tools that were not on `PATH`.
    pub missing: Vec<String>,
}

/// Times every quoted row that can run here against `exe serve`, `runs`
/// times each (the median is compared).
pub fn run(exe: &Path, runs: usize, on_event: EventSink<'_>) -> Result<Calibration, HarnessError> {
    let mut missing = Vec::new();
    let mut tables = Vec::new();
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
        let scenario = Scenario::custom(
            "calibration",
            &format!("Calibration: {jobs} files, {concurrency} workers, 50 ms RTT"),
            workload(jobs, concurrency),
        );
        let options = CompareOptions {
            strategies: Vec::new(),
            runs,
            commands,
            server: ServerSource::Child(exe.to_owned()),
            command: "fetchlab compare --calibrate".into(),
            ..CompareOptions::default()
        };
        tables.push(compare(&scenario, &options, on_event)?);
    }
    Ok(Calibration { tables, missing })
}

/// What a row off by more than [`TOLERANCE`] points at.
fn explanation(ratio: f64) -> &'static str {
    if ratio < 1.0 {
        "faster than real TCP: the model leaves out delayed ACKs and ACK spreading across a \
         flight, per-packet serialisation and pacing, the SYN/ACK and request bytes' own \
         transit, and the real server's (nginx's) and kernel's work per connection"
    } else {
        "slower than real TCP: the model delivers a flight only when its whole RTT has passed \
         (a real link overlaps the next flight with the acks of the last), and here the server, \
         the client and the tools share one loaded 2-core machine"
    }
}

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
             perfect workers (`fetchlab_server::floor`).\n\n",
        );
        if let Some(p) = self.tables.first().map(|t| &t.provenance) {
            let _ = writeln!(
                out,
                "Reproduce: `cargo run --release -- compare --calibrate`. Machine: {} cores, {} ({}) \
                 (shared with other builds while this ran); date {}; commit {}.\n",
                p.machine.cores,
                p.machine.cpu_model,
                p.machine.os,
                p.date,
                p.commit.as_deref().unwrap_or("unknown"),
            );
        }
        out.push_str(
            "| files | workers | client | modelled (s) | given, real TCP (s) | ratio | floor (s) | within 5 %? |\n\
             |---:|---:|---|---:|---:|---:|---:|---|\n",
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
                if let Some(failure) = &row.failed {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {name} | failed: {failure} | {:.3} | – | {:.3} | – |",
                        row.jobs, row.concurrency, g.seconds, row.ideal
                    );
                    continue;
                }
                let ratio = row.time.median / g.seconds;
                let within = (ratio - 1.0).abs() <= TOLERANCE;
                let _ = writeln!(
                    out,
                    "| {} | {} | {name} | {:.3} | {:.3} | {ratio:.3} | {:.3} | {} |",
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
            "\nThe 1,000-file rows use 1,000 generated files of 8–40 KiB (the same range, \
             not the 80 seed sizes cycled), so their bytes differ a little from the given run's.\n",
        );
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
            assert_eq!(w.network.rtt, RTT);
            assert!(w.latency.is_zero());
        }
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
