//! JSON: the whole table, provenance and every run's time included.

use super::{ExportError, Exporter};
use crate::table::ResultTable;

/// Pretty-printed JSON of the [`ResultTable`].
#[derive(Debug, Default, Clone, Copy)]
pub struct JsonExporter;

impl Exporter for JsonExporter {
    fn serialize(&self, table: &ResultTable) -> Result<Vec<u8>, ExportError> {
        let mut bytes = serde_json::to_vec_pretty(table)?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}
