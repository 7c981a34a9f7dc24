//! The results of a scenario: one [`Row`] per (point, strategy), computed in
//! one place from the runs' [`Measurement`]s.

use crate::command::CommandSpec;
use crate::command::session::CommandMeasurement;
use crate::measure::Measurement;
use crate::provenance::Provenance;
use crate::scenario::{Point, Scenario};
use crate::server::{HostCounters, ServerCounters, ServerMode};
use crate::strategy::Strategy;

/// Median, fastest and slowest of a set of values.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Spread {
    /// Median (lower middle for an even count).
    pub median: f64,
    /// Smallest.
    pub min: f64,
    /// Largest.
    pub max: f64,
}

impl Spread {
    /// The spread of `values` (all zero when empty).
    pub fn of(values: &[f64]) -> Spread {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        match (sorted.first(), sorted.last()) {
            (Some(&min), Some(&max)) => Spread {
                median: sorted[(sorted.len() - 1) / 2],
                min,
                max,
            },
            _ => Spread::default(),
        }
    }
}

/// Outcome counts, as flags2 prints them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OutcomeCounts {
    /// Saved.
    pub downloaded: usize,
    /// Answered 404.
    pub not_found: usize,
    /// Failed for any other reason.
    pub errors: usize,
}

/// The scenario a table belongs to.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScenarioInfo {
    /// Id (file names under `results/`).
    pub id: String,
    /// Title.
    pub title: String,
    /// The question it answers.
    pub question: String,
    /// What varies across points.
    pub parameter: String,
}

impl From<&Scenario> for ScenarioInfo {
    fn from(s: &Scenario) -> Self {
        Self {
            id: s.id.clone(),
            title: s.title.clone(),
            question: s.question.clone(),
            parameter: s.parameter.clone(),
        }
    }
}

/// One strategy at one point: its runs summarised.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Row {
    /// Strategy name.
    pub strategy: String,
    /// Its HTTP client library.
    pub client_library: String,
    /// The point's label.
    pub point: String,
    /// The point's value, for plots.
    pub x: f64,
    /// The point's workload, in one line.
    pub workload: String,
    /// Jobs per run.
    pub jobs: usize,
    /// Workers the strategy really used (1 for sequential).
    pub concurrency: usize,
    /// Measured runs.
    pub runs: usize,
    /// Why the strategy did not run here, when it refused.
    pub refused: Option<String>,
    /// What went wrong in a command row's first failed run (non-zero exit,
    /// time limit, missing, wrong or extra files); its runs stop there.
    /// Strategy rows never fail: a wrong body voids the whole table.
    #[serde(default)]
    pub failed: Option<String>,
    /// Whether the row is a command run as a child process rather than one
    /// of the strategies.
    #[serde(default)]
    pub command: bool,
    /// Wall time, seconds.
    pub time: Spread,
    /// Every run's wall time, seconds, in run order.
    pub times: Vec<f64>,
    /// The ideal time, seconds.
    pub ideal: f64,
    /// Ideal / median time; `None` when the ideal is zero (no latency and
    /// no bandwidth cap: the limit is not measurable on loopback).
    pub efficiency: Option<f64>,
    /// Client requests per second (median run).
    pub requests_per_sec: f64,
    /// Body bytes per second (median run).
    pub bytes_per_sec: f64,
    /// Client CPU seconds (median run).
    pub cpu_time: f64,
    /// Client CPU seconds per request (median run).
    pub cpu_per_request: f64,
    /// Requests the client made, retries included (median run).
    pub requests: u64,
    /// Body bytes saved (median run).
    pub bytes: u64,
    /// TCP connections the server accepted (median run).
    pub connections: u64,
    /// Most requests the server saw in flight at once (largest over runs);
    /// with several hosts, on all of them at once.
    pub server_peak_in_flight: u64,
    /// With several hosts, each host's counts in host order: requests,
    /// connections and bytes of the median run, peak in flight the largest
    /// over runs. Empty with one host.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<HostCounters>,
    /// Peak resident memory the run added, bytes (largest over runs); for a
    /// command, the peak of its child tree's largest process.
    pub peak_rss_delta: Option<u64>,
    /// That peak divided by min(workers, jobs).
    pub rss_per_in_flight: Option<u64>,
    /// Peak threads the run added (largest over runs).
    pub threads: Option<u64>,
    /// Outcome counts of the worst run (most jobs not saved).
    pub counts: OutcomeCounts,
    /// Failures of the worst run, by kind.
    pub failure_kinds: std::collections::BTreeMap<String, u64>,
    /// Where the server ran.
    pub server: ServerMode,
}

impl Row {
    /// The row of `strategy` at `point` from its runs (at least one).
    pub fn measured(point: &Point, ideal: f64, runs: &[Measurement]) -> Option<Row> {
        let times: Vec<f64> = runs.iter().map(|m| m.wall.as_secs_f64()).collect();
        let time = Spread::of(&times);
        let median = runs.iter().find(|m| m.wall.as_secs_f64() == time.median)?;
        let worst = runs
            .iter()
            .max_by_key(|m| m.counts.not_found + m.counts.errors)?;
        let wall = time.median.max(f64::MIN_POSITIVE);
        let in_flight = median
            .strategy
            .workers(point.workload.concurrency, point.workload.jobs)
            as u64;
        let peak_rss_delta = runs.iter().filter_map(|m| m.peak_rss_delta).max();
        Some(Row {
            client_library: median.client_library.clone(),
            runs: runs.len(),
            time,
            times,
            ideal,
            efficiency: shows_efficiency(point, ideal).then(|| ideal / wall),
            requests_per_sec: median.requests as f64 / wall,
            bytes_per_sec: median.bytes as f64 / wall,
            cpu_time: median.cpu.as_secs_f64(),
            cpu_per_request: median.cpu.as_secs_f64() / median.requests.max(1) as f64,
            requests: median.requests,
            bytes: median.bytes,
            connections: median.server.connections,
            server_peak_in_flight: runs.iter().map(|m| m.server.peak_in_flight).max()?,
            hosts: per_host(&median.server.hosts, runs.iter().map(|m| &m.server)),
            peak_rss_delta,
            rss_per_in_flight: peak_rss_delta.map(|d| d / in_flight),
            threads: runs.iter().filter_map(|m| m.extra_threads).max(),
            counts: OutcomeCounts {
                downloaded: worst.counts.downloaded,
                not_found: worst.counts.not_found,
                errors: worst.counts.errors,
            },
            failure_kinds: worst.failure_kinds.clone(),
            server: median.server_mode,
            refused: None,
            ..Row::refused(point, median.strategy, ideal, String::new())
        })
    }

    /// The row of command `spec` at `point` from its runs (at least one;
    /// a failed run, if any, is the last). Time, CPU and the server's counts
    /// are the median run's; memory and peak in-flight the largest.
    pub fn command(
        point: &Point,
        ideal: f64,
        spec: &CommandSpec,
        runs: &[CommandMeasurement],
    ) -> Option<Row> {
        let times: Vec<f64> = runs.iter().map(|m| m.wall.as_secs_f64()).collect();
        let time = Spread::of(&times);
        let median = runs.iter().find(|m| m.wall.as_secs_f64() == time.median)?;
        let worst = runs.iter().max_by_key(|m| {
            (
                m.failure.is_some(),
                m.check.missing.len() + m.check.wrong.len(),
            )
        })?;
        let wall = time.median.max(f64::MIN_POSITIVE);
        let requests = median.server.requests;
        let peak_rss = runs.iter().filter_map(|m| m.peak_rss).max();
        let in_flight = point.workload.concurrency.min(point.workload.jobs).max(1) as u64;
        let failed = runs.iter().find_map(|m| m.failure.clone());
        Some(Row {
            strategy: spec.name.clone(),
            client_library: spec.client.clone(),
            point: point.label.clone(),
            x: point.x,
            workload: point.workload.label(),
            jobs: point.workload.jobs,
            concurrency: point.workload.concurrency,
            runs: runs.len(),
            refused: None,
            failed: failed.clone(),
            command: true,
            time,
            times,
            ideal,
            // A failed run's time says nothing about the limit.
            efficiency: (shows_efficiency(point, ideal) && failed.is_none()).then(|| ideal / wall),
            requests_per_sec: requests as f64 / wall,
            bytes_per_sec: median.check.bytes as f64 / wall,
            cpu_time: median.cpu.as_secs_f64(),
            cpu_per_request: median.cpu.as_secs_f64() / requests.max(1) as f64,
            requests,
            bytes: median.check.bytes,
            connections: median.server.connections,
            server_peak_in_flight: runs.iter().map(|m| m.server.peak_in_flight).max()?,
            hosts: per_host(&median.server.hosts, runs.iter().map(|m| &m.server)),
            peak_rss_delta: peak_rss,
            rss_per_in_flight: peak_rss.map(|r| r / in_flight),
            threads: None,
            counts: OutcomeCounts {
                downloaded: worst.check.verified,
                not_found: 0,
                errors: worst.check.missing.len() + worst.check.wrong.len(),
            },
            failure_kinds: Default::default(),
            server: median.server_mode,
        })
    }

    /// Each host's connections and peak in flight, in host order, joined by
    /// `separator` (`4·4·4`); empty strings with one host.
    pub fn per_host_cells(&self, separator: &str) -> [String; 2] {
        let join = |f: fn(&HostCounters) -> u64| {
            let values: Vec<String> = self.hosts.iter().map(|h| f(h).to_string()).collect();
            values.join(separator)
        };
        [join(|h| h.connections), join(|h| h.peak_in_flight)]
    }

    /// `verified`, or what went wrong (refusal, command failure).
    pub fn outcome(&self) -> String {
        if let Some(reason) = &self.refused {
            format!("refused: {reason}")
        } else if let Some(failure) = &self.failed {
            format!("FAILED: {failure}")
        } else {
            "verified".to_owned()
        }
    }

    /// The row of a strategy that refused the point.
    pub fn refused(point: &Point, strategy: Strategy, ideal: f64, reason: String) -> Row {
        Row {
            strategy: strategy.name().to_owned(),
            client_library: strategy.client_library().to_owned(),
            point: point.label.clone(),
            x: point.x,
            workload: point.workload.label(),
            jobs: point.workload.jobs,
            concurrency: strategy.workers(point.workload.concurrency, point.workload.jobs),
            runs: 0,
            refused: Some(reason),
            failed: None,
            command: false,
            time: Spread::default(),
            times: Vec::new(),
            ideal,
            efficiency: None,
            requests_per_sec: 0.0,
            bytes_per_sec: 0.0,
            cpu_time: 0.0,
            cpu_per_request: 0.0,
            requests: 0,
            bytes: 0,
            connections: 0,
            server_peak_in_flight: 0,
            hosts: Vec::new(),
            peak_rss_delta: None,
            rss_per_in_flight: None,
            threads: None,
            counts: OutcomeCounts::default(),
            failure_kinds: Default::default(),
            server: ServerMode::Child,
        }
    }
}

/// A row's per-host counts: the `median` run's, with each host's peak the
/// largest over `runs`; none with one host.
pub fn per_host<'a>(
    median: &[HostCounters],
    runs: impl IntoIterator<Item = &'a ServerCounters>,
) -> Vec<HostCounters> {
    if median.len() < 2 {
        return Vec::new();
    }
    let mut hosts = median.to_vec();
    for run in runs {
        for (host, counted) in hosts.iter_mut().zip(&run.hosts) {
            host.peak_in_flight = host.peak_in_flight.max(counted.peak_in_flight);
        }
    }
    hosts
}

/// Whether a row at `point` gets an efficiency: the ideal is positive and
/// the workload has no [caveat](crate::Workload::efficiency_caveat).
fn shows_efficiency(point: &Point, ideal: f64) -> bool {
    ideal > 0.0 && point.workload.efficiency_caveat().is_none()
}

/// The note a row above 1.0 efficiency adds to its table: the ideal is a
/// lower bound, so a faster run means the ideal is wrong, not the row.
pub fn ideal_wrong_note(row: &Row) -> Option<String> {
    let efficiency = row.efficiency.filter(|&e| e > 1.0)?;
    Some(format!(
        "ideal wrong: {} at {} ran at {efficiency:.2} × the ideal ({:.3} s ideal, {:.3} s median); \
         the ideal is meant to be a lower bound",
        row.strategy, row.point, row.ideal, row.time.median
    ))
}

/// A scenario's results, with where and how they were produced.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ResultTable {
    /// The scenario.
    pub scenario: ScenarioInfo,
    /// Machine, date, commit, command.
    pub provenance: Provenance,
    /// One row per (point, strategy), in point then strategy order.
    pub rows: Vec<Row>,
    /// What the reader should know about rows that are not there (e.g. a
    /// peer tool that is not installed).
    #[serde(default)]
    pub notes: Vec<String>,
}

impl ResultTable {
    /// An empty table for `scenario`, with a note for every point whose
    /// rows show no efficiency, and why.
    pub fn new(scenario: &Scenario, provenance: Provenance) -> ResultTable {
        let mut notes: Vec<String> = Vec::new();
        for point in &scenario.points {
            if let Some(caveat) = point.workload.efficiency_caveat() {
                let note = format!("{} {}: {caveat}", scenario.parameter, point.label);
                notes.push(note);
            }
        }
        ResultTable {
            scenario: scenario.into(),
            provenance,
            rows: Vec::new(),
            notes,
        }
    }

    /// Adds a row, replacing an earlier one of the same point and strategy.
    /// A row above 1.0 efficiency is kept as measured and flagged in the
    /// notes ([`ideal_wrong_note`]), never hidden or capped.
    pub fn push(&mut self, row: Row) {
        if let Some(note) = ideal_wrong_note(&row) {
            self.notes.push(note);
        }
        self.rows
            .retain(|r| !(r.point == row.point && r.strategy == row.strategy));
        self.rows.push(row);
    }

    /// The point labels, in order of first appearance.
    pub fn points(&self) -> Vec<String> {
        let mut points: Vec<String> = Vec::new();
        for row in &self.rows {
            if !points.contains(&row.point) {
                points.push(row.point.clone());
            }
        }
        points
    }

    /// Whether any row has per-host counts (the URL list spans hosts).
    pub fn has_hosts(&self) -> bool {
        self.rows.iter().any(|r| !r.hosts.is_empty())
    }

    /// Whether rows need a column for the point: there is more than one,
    /// and the parameter is not already the workers column.
    pub fn needs_point_column(&self) -> bool {
        self.points().len() > 1 && self.scenario.parameter != "workers"
    }

    /// The strategies, in order of first appearance.
    pub fn strategies(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for row in &self.rows {
            if !names.contains(&row.strategy) {
                names.push(row.strategy.clone());
            }
        }
        names
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::workload::Workload;

    fn table() -> ResultTable {
        ResultTable::new(&Scenario::seed(), Provenance::capture("test"))
    }

    #[test]
    fn a_row_above_the_ideal_is_flagged_not_hidden() {
        let point = &Scenario::seed().points[0];
        let mut row = Row::refused(point, Strategy::Tokio, 0.4, String::new());
        row.refused = None;
        row.time.median = 0.2;
        row.efficiency = Some(2.0);
        let mut table = table();
        assert!(table.notes.is_empty());
        table.push(row);
        assert_eq!(table.rows[0].efficiency, Some(2.0));
        assert_eq!(table.notes.len(), 1);
        assert!(
            table.notes[0].starts_with("ideal wrong: tokio"),
            "{:?}",
            table.notes
        );
        let mut fine = table.rows[0].clone();
        fine.efficiency = Some(0.9);
        assert_eq!(ideal_wrong_note(&fine), None);
    }

    #[test]
    fn per_host_counts_are_the_medians_with_the_largest_peaks() {
        let host = |connections, peak| HostCounters {
            requests: 10,
            connections,
            bytes_sent: 100,
            peak_in_flight: peak,
        };
        let median = ServerCounters::of_hosts(vec![host(4, 3), host(2, 2)], 4);
        let other = ServerCounters::of_hosts(vec![host(9, 4), host(9, 1)], 5);
        let hosts = per_host(&median.hosts, [&median, &other]);
        let seen: Vec<(u64, u64)> = hosts
            .iter()
            .map(|h| (h.connections, h.peak_in_flight))
            .collect();
        assert_eq!(seen, [(4, 4), (2, 2)]);
        let one = ServerCounters::of_hosts(vec![host(1, 1)], 1);
        assert!(
            per_host(&one.hosts, [&one]).is_empty(),
            "one host: no breakdown"
        );
    }

    #[test]
    fn a_flaky_point_has_no_efficiency_and_says_why() {
        let flaky = Scenario::flaky();
        let table = ResultTable::new(&flaky, Provenance::capture("test"));
        assert_eq!(table.notes.len(), flaky.points.len());
        assert!(table.notes.iter().all(|n| n.contains("no efficiency")));
        let point = &flaky.points[0];
        assert!(!shows_efficiency(point, 1.0));
        let clean = Point::new(
            "1",
            1.0,
            Workload::seed().with_server(|s| s.with_rtt(Duration::from_millis(5))),
        );
        assert!(shows_efficiency(&clean, 1.0));
    }
}
