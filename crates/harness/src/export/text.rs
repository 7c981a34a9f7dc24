//! The aligned plain-text summary `fetchlab compare` prints: the columns a
//! reader needs to pick a strategy, nothing more.

use super::{ExportError, Exporter};
use crate::table::{ResultTable, Row};
use crate::units;

/// An aligned plain-text table.
#[derive(Debug, Default, Clone, Copy)]
pub struct TextExporter;

const COLUMNS: [&str; 12] = [
    "strategy",
    "client",
    "workers",
    "time (median, min–max)",
    "ideal",
    "efficiency",
    "CPU",
    "peak RSS",
    "connections",
    "peak in-flight",
    "saved / 404 / errors",
    "outcome",
];

/// Where the per-host columns go: right after `peak in-flight` (at the end, were it
/// renamed).
fn after_peak_column() -> usize {
    COLUMNS
        .iter()
        .position(|c| *c == "peak in-flight")
        .map_or(COLUMNS.len(), |i| i + 1)
}

/// Under a table spanning several hosts: what its columns mean.
const HOSTS_NOTE: &str = "Several hosts: job i goes to host i mod N; per host: each host's \
    connections and peak in flight, in host order; peak in-flight counts all hosts at once.";

/// Under a table with command rows: what their columns mean.
const COMMAND_NOTE: &str = "Commands: time from spawn to exit; CPU and peak RSS of the child \
    process tree (strategies: CPU of this process, RSS it added); connections and peak \
    in-flight as the server counted them; every file in the output directory checked against \
    the corpus.";

impl Exporter for TextExporter {
    fn serialize(&self, table: &ResultTable) -> Result<Vec<u8>, ExportError> {
        Ok(render(table).into_bytes())
    }
}

impl ResultTable {
    /// The aligned plain-text summary (see [`TextExporter`]).
    pub fn render_summary(&self) -> String {
        render(self)
    }
}

fn render(table: &ResultTable) -> String {
    let with_point = table.needs_point_column();
    let mut rows: Vec<Vec<String>> = Vec::new();
    let with_hosts = table.has_hosts();
    let after_peak = after_peak_column();
    let mut header: Vec<String> = COLUMNS.iter().map(|c| c.to_string()).collect();
    if with_hosts {
        header.insert(after_peak, "per host: connections, peak".to_owned());
    }
    if with_point {
        header.insert(0, table.scenario.parameter.clone());
    }
    rows.push(header);
    for row in &table.rows {
        let mut cells = cells(row);
        if with_hosts && row.refused.is_none() {
            let [connections, peaks] = row.per_host_cells("·");
            cells.insert(after_peak, format!("{connections}, {peaks}"));
        }
        if with_point {
            cells.insert(0, row.point.clone());
        }
        rows.push(cells);
    }
    let mut out = align(&rows);
    for note in &table.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    if with_hosts {
        out.push('\n');
        out.push_str(HOSTS_NOTE);
        out.push('\n');
    }
    if table.rows.iter().any(|r| r.command) {
        out.push('\n');
        out.push_str(COMMAND_NOTE);
        out.push('\n');
    }
    out
}

fn cells(row: &Row) -> Vec<String> {
    let mut cells = vec![
        row.strategy.clone(),
        row.client_library.clone(),
        units::count(row.concurrency as u64),
    ];
    match &row.refused {
        Some(reason) => cells.push(format!("refused: {reason}")),
        None => cells.extend([
            format!(
                "{} ({} – {})",
                units::secs(row.time.median),
                units::secs(row.time.min),
                units::secs(row.time.max)
            ),
            units::secs(row.ideal),
            row.efficiency.map_or("–".into(), units::percent),
            units::secs(row.cpu_time),
            row.peak_rss_delta.map_or("–".into(), units::bytes),
            units::count(row.connections),
            units::count(row.server_peak_in_flight),
            format!(
                "{} / {} / {}",
                row.counts.downloaded, row.counts.not_found, row.counts.errors
            ),
            row.outcome(),
        ]),
    }
    cells
}

/// Pads every column to its widest cell; a rule under the header.
fn align(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let width = |c: usize| {
        rows.iter()
            .filter(|r| r.len() == columns)
            .filter_map(|r| r.get(c))
            .map(|s| s.chars().count())
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..columns).map(width).collect();
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| format!("{cell:<w$}", w = widths[c]))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
        if i == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
            out.push_str(&rule.join("  "));
            out.push('\n');
        }
    }
    out
}
