//! Exporters in the hyperfine style: each format is one small file behind
//! the [`Exporter`] trait, which only serialises a [`ResultTable`]; where the
//! bytes go is decided here, by [`write_to`] and [`write_results`].
//!
//! Every format carries the table's provenance (machine, date, commit,
//! command).

use std::path::{Path, PathBuf};

use crate::table::ResultTable;

mod csv;
mod json;
mod markdown;
mod svg;
mod text;

pub use csv::CsvExporter;
pub use json::JsonExporter;
pub use markdown::MarkdownExporter;
pub use svg::SvgExporter;
pub use text::TextExporter;

/// Turns a table into the bytes of one format.
pub trait Exporter {
    /// The serialised table.
    fn serialize(&self, table: &ResultTable) -> Result<Vec<u8>, ExportError>;
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A Markdown table with the scenario's question and provenance.
    Markdown,
    /// One line per row, provenance in `#` comments at the top.
    Csv,
    /// The whole [`ResultTable`], every run's time included.
    Json,
    /// The scenario's chart.
    Svg,
    /// The aligned plain-text summary printed by `fetchlab compare`.
    Text,
}

impl Format {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Markdown => "md",
            Self::Csv => "csv",
            Self::Json => "json",
            Self::Svg => "svg",
            Self::Text => "txt",
        }
    }
}

/// The exporter of `format`.
pub fn exporter(format: Format) -> Box<dyn Exporter> {
    match format {
        Format::Markdown => Box::new(MarkdownExporter),
        Format::Csv => Box::new(CsvExporter),
        Format::Json => Box::new(JsonExporter),
        Format::Svg => Box::new(SvgExporter),
        Format::Text => Box::new(TextExporter),
    }
}

/// Why results could not be exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// JSON (de)serialisation failed.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A chart could not be drawn.
    #[error("plot: {0}")]
    Plot(String),
    /// A saved table could not be read back.
    #[error("{path} is not a result table: {source}")]
    Table {
        /// The file.
        path: PathBuf,
        /// What the JSON parser said.
        #[source]
        source: serde_json::Error,
    },
    /// A file could not be written or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// Writes `table` as `format` to `path`, replacing it atomically (a
/// temporary file renamed into place), so a failure never leaves half a file.
pub fn write_to(path: &Path, format: Format, table: &ResultTable) -> Result<(), ExportError> {
    write_atomically(path, &exporter(format).serialize(table)?)
}

/// Writes `dir/<id>.md`, `.csv`, `.json` and `.svg` for `table`, then
/// redraws `dir/efficiency.svg` from every `*.json` table in `dir`. Returns
/// the files written.
pub fn write_results(dir: &Path, table: &ResultTable) -> Result<Vec<PathBuf>, ExportError> {
    std::fs::create_dir_all(dir).map_err(|source| io_error(dir, source))?;
    let mut written = Vec::new();
    for format in [Format::Markdown, Format::Csv, Format::Json, Format::Svg] {
        let path = dir.join(format!("{}.{}", table.scenario.id, format.extension()));
        write_to(&path, format, table)?;
        written.push(path);
    }
    let tables = read_tables(dir)?;
    let path = dir.join("efficiency.svg");
    write_atomically(&path, svg::efficiency_chart(&tables)?.as_bytes())?;
    written.push(path);
    Ok(written)
}

/// Every result table saved as JSON in `dir`, in file-name order. A JSON
/// file that is not a table is an error naming it: `results/` holds only
/// what the harness wrote, so anything else there is a mistake to fix, not
/// to hide from the charts.
pub fn read_tables(dir: &Path) -> Result<Vec<ResultTable>, ExportError> {
    let entries = std::fs::read_dir(dir).map_err(|source| io_error(dir, source))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let mut tables = Vec::new();
    for path in paths {
        let bytes = std::fs::read(&path).map_err(|source| io_error(&path, source))?;
        let table = serde_json::from_slice::<ResultTable>(&bytes)
            .map_err(|source| ExportError::Table { path, source })?;
        tables.push(table);
    }
    Ok(tables)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ExportError> {
    let mut temp = path.as_os_str().to_owned();
    temp.push(".tmp");
    let temp = PathBuf::from(temp);
    std::fs::write(&temp, bytes).map_err(|source| io_error(&temp, source))?;
    std::fs::rename(&temp, path).map_err(|source| io_error(path, source))
}

fn io_error(path: &Path, source: std::io::Error) -> ExportError {
    ExportError::Io {
        path: path.to_owned(),
        source,
    }
}

#[cfg(test)]
pub(crate) mod tests;
