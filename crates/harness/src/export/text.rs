//! The aligned plain-text summary `fetchlab compare` prints: the columns a
//! reader needs to pick a strategy, nothing more.

use super::{ExportError, Exporter};
use crate::table::{ResultTable, Row};
use crate::units;

/// An aligned plain-text table.
#[derive(Debug, Default, Clone, Copy)]
pub struct TextExporter;

const COLUMNS: [&str; 8] = [
    "strategy",
    "client",
    "workers",
    "time (median, min–max)",
    "ideal",
    "efficiency",
    "connections",
    "saved / 404 / errors",
];

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
    let mut header: Vec<String> = COLUMNS.iter().map(|c| c.to_string()).collect();
    if with_point {
        header.insert(0, table.scenario.parameter.clone());
    }
    rows.push(header);
    for row in &table.rows {
        let mut cells = cells(row);
        if with_point {
            cells.insert(0, row.point.clone());
        }
        rows.push(cells);
    }
    align(&rows)
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
            units::count(row.connections),
            format!(
                "{} / {} / {}",
                row.counts.downloaded, row.counts.not_found, row.counts.errors
            ),
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
