//! Markdown: the scenario's question, a table of every row, the provenance.

use super::{ExportError, Exporter};
use crate::table::{ResultTable, Row};
use crate::units;

/// A Markdown document for one scenario.
#[derive(Debug, Default, Clone, Copy)]
pub struct MarkdownExporter;

const COLUMNS: [&str; 18] = [
    "strategy",
    "client",
    "workers",
    "time (median)",
    "min – max",
    "runs",
    "ideal",
    "efficiency",
    "req/s",
    "bytes/s",
    "CPU / request",
    "connections",
    "server peak in-flight",
    "peak RSS Δ",
    "RSS / in-flight",
    "threads +",
    "saved / 404 / errors",
    "outcome",
];

impl Exporter for MarkdownExporter {
    fn serialize(&self, table: &ResultTable) -> Result<Vec<u8>, ExportError> {
        let with_point = table.needs_point_column();
        let mut out = format!(
            "## {}\n\n{}\n\n",
            table.scenario.title, table.scenario.question
        );
        let with_hosts = table.has_hosts();
        let after_peak = after_peak_column();
        let mut header: Vec<&str> = COLUMNS.to_vec();
        if with_hosts {
            header.splice(after_peak..after_peak, HOST_COLUMNS);
        }
        if with_point {
            header.insert(0, &table.scenario.parameter);
        }
        out.push_str(&line(header.iter().map(|h| h.to_string())));
        out.push_str(&line(header.iter().map(|_| "---".to_owned())));
        for row in &table.rows {
            let mut cells = cells(row);
            if with_hosts {
                let hosts = match row.refused {
                    Some(_) => ["–".to_owned(), "–".to_owned()],
                    None => row.per_host_cells("·"),
                };
                cells.splice(after_peak..after_peak, hosts);
            }
            if with_point {
                cells.insert(0, row.point.clone());
            }
            out.push_str(&line(cells.into_iter()));
        }
        out.push_str(
            "\nTime: wall time of the download, median of the runs (runs: how many were timed). Ideal: the makespan of perfect \
             workers (no overhead) at the workload's concurrency against this server; sequential \
             uses one worker, so its efficiency shows how far one-at-a-time is from that limit. \
             Efficiency: ideal / median time. \
             Peak RSS Δ: what the run added to the client's resident memory; threads +: the \
             client's threads beyond the harness's own (runtimes that keep threads between runs \
             count in every run); both the largest over runs. \
             Outcome counts: the worst run.\n\n",
        );
        if with_hosts {
            out.push_str(
                "Several hosts: job i of the list goes to host i mod N (127.0.0.1, 127.0.0.2, …, \
                 in the order the workload lists them), each host with its own latency. The ideal \
                 is the makespan of perfect workers given each job's own host's service time, \
                 keeping to the per-host limit (a worker passes over a job whose host is full). \
                 Connections and peak in-flight per host: each host's own counts, in host order \
                 (connections of the median run, peak the largest over runs); the server peak \
                 in-flight column counts the requests in flight on all hosts at once.

",
            );
        }
        if table.rows.iter().any(|r| r.command) {
            out.push_str(
                "Command rows (a downloader run as a child process in its own process group): \
                 time from spawn to exit; CPU time and peak RSS are the child process tree's \
                 (wait4's rusage); requests, connections and peak in-flight are the server's \
                 counts; every file the command saved is checked against the corpus (all \
                 present, byte-exact, nothing extra). Client: the tool's version.\n\n",
            );
        }
        for note in &table.notes {
            out.push_str(&format!("Note: {note}\n\n"));
        }
        for provenance in table.provenance.lines() {
            out.push_str(&format!("- {provenance}\n"));
        }
        Ok(out.into_bytes())
    }
}

/// Where the per-host columns go: right after `server peak in-flight` (at the end, were it
/// renamed).
fn after_peak_column() -> usize {
    COLUMNS
        .iter()
        .position(|c| *c == "server peak in-flight")
        .map_or(COLUMNS.len(), |i| i + 1)
}

/// The columns a table spanning several hosts adds.
const HOST_COLUMNS: [&str; 2] = ["connections per host", "peak in-flight per host"];

fn line(cells: impl Iterator<Item = String>) -> String {
    let cells: Vec<String> = cells.map(|c| c.replace('|', "\\|")).collect();
    format!("| {} |\n", cells.join(" | "))
}

fn cells(row: &Row) -> Vec<String> {
    let head = vec![
        format!("**{}**", row.strategy),
        row.client_library.clone(),
        units::count(row.concurrency as u64),
    ];
    if let Some(reason) = &row.refused {
        let mut cells = head;
        cells.push(format!("refused: {reason}"));
        cells.resize(COLUMNS.len(), "–".to_owned());
        return cells;
    }
    let opt_bytes = |v: Option<u64>| v.map_or("–".to_owned(), units::bytes);
    let mut cells = head;
    cells.extend([
        units::secs(row.time.median),
        format!(
            "{} – {}",
            units::secs(row.time.min),
            units::secs(row.time.max)
        ),
        row.runs.to_string(),
        units::secs(row.ideal),
        row.efficiency.map_or("–".into(), units::percent),
        units::rate(row.requests_per_sec),
        format!("{}/s", units::bytes(row.bytes_per_sec as u64)),
        units::secs(row.cpu_per_request),
        units::count(row.connections),
        units::count(row.server_peak_in_flight),
        opt_bytes(row.peak_rss_delta),
        opt_bytes(row.rss_per_in_flight),
        row.threads.map_or("–".to_owned(), |t| t.to_string()),
        format!(
            "{} / {} / {}",
            row.counts.downloaded, row.counts.not_found, row.counts.errors
        ),
        row.outcome(),
    ]);
    cells
}
