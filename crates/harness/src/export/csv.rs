//! CSV: one line per row, machine-friendly units (seconds, bytes), the
//! provenance in `#` comment lines at the top. Lists (every run's time, each
//! host's connections and peak in flight) are space-separated in one field.

use super::{ExportError, Exporter};
use crate::table::{ResultTable, Row};

/// Comma-separated values, RFC 4180 quoting.
#[derive(Debug, Default, Clone, Copy)]
pub struct CsvExporter;

const HEADER: [&str; 34] = [
    "scenario",
    "point",
    "strategy",
    "client_library",
    "jobs",
    "concurrency",
    "runs",
    "refused",
    "time_median_s",
    "time_min_s",
    "time_max_s",
    "ideal_s",
    "efficiency",
    "requests_per_sec",
    "bytes_per_sec",
    "cpu_time_s",
    "cpu_per_request_s",
    "requests",
    "bytes",
    "connections",
    "server_peak_in_flight",
    "peak_rss_delta_bytes",
    "rss_per_in_flight_bytes",
    "threads",
    "downloaded",
    "not_found",
    "errors",
    "server",
    "workload",
    "times_s",
    "command",
    "failed",
    "host_connections",
    "host_peak_in_flight",
];

impl Exporter for CsvExporter {
    fn serialize(&self, table: &ResultTable) -> Result<Vec<u8>, ExportError> {
        let mut out = String::new();
        out.push_str(&format!("# {}\n", table.scenario.title));
        for line in table.provenance.lines() {
            out.push_str(&format!("# {line}\n"));
        }
        for note in &table.notes {
            out.push_str(&format!("# Note: {note}\n"));
        }
        out.push_str(&HEADER.join(","));
        out.push('\n');
        for row in &table.rows {
            let fields = fields(&table.scenario.id, row);
            let quoted: Vec<String> = fields.iter().map(|f| quote(f)).collect();
            out.push_str(&quoted.join(","));
            out.push('\n');
        }
        Ok(out.into_bytes())
    }
}

fn fields(scenario: &str, row: &Row) -> Vec<String> {
    let opt = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
    let times: Vec<String> = row.times.iter().map(|t| format!("{t:.6}")).collect();
    vec![
        scenario.to_owned(),
        row.point.clone(),
        row.strategy.clone(),
        row.client_library.clone(),
        row.jobs.to_string(),
        row.concurrency.to_string(),
        row.runs.to_string(),
        row.refused.clone().unwrap_or_default(),
        format!("{:.6}", row.time.median),
        format!("{:.6}", row.time.min),
        format!("{:.6}", row.time.max),
        format!("{:.6}", row.ideal),
        row.efficiency
            .map(|e| format!("{e:.4}"))
            .unwrap_or_default(),
        format!("{:.1}", row.requests_per_sec),
        format!("{:.0}", row.bytes_per_sec),
        format!("{:.6}", row.cpu_time),
        format!("{:.9}", row.cpu_per_request),
        row.requests.to_string(),
        row.bytes.to_string(),
        row.connections.to_string(),
        row.server_peak_in_flight.to_string(),
        opt(row.peak_rss_delta),
        opt(row.rss_per_in_flight),
        opt(row.threads),
        row.counts.downloaded.to_string(),
        row.counts.not_found.to_string(),
        row.counts.errors.to_string(),
        row.server.name().to_owned(),
        row.workload.clone(),
        times.join(" "),
        row.command.to_string(),
        row.failed.clone().unwrap_or_default(),
    ]
    .into_iter()
    .chain(row.per_host_cells(" "))
    .collect()
}

/// Quotes a field when it holds a comma, a quote or a line break.
fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote("plain"), "plain");
        assert_eq!(quote("a,b"), "\"a,b\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
