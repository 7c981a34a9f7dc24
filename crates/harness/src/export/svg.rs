//! SVG: the scenario's chart — bars for a one-point scenario (the seed),
//! time against the parameter for a sweep. Drawing lives in [`crate::plot`].

use super::{ExportError, Exporter};
use crate::plot;
use crate::table::ResultTable;

/// The scenario's chart as SVG.
#[derive(Debug, Default, Clone, Copy)]
pub struct SvgExporter;

impl Exporter for SvgExporter {
    fn serialize(&self, table: &ResultTable) -> Result<Vec<u8>, ExportError> {
        let svg = if table.points().len() > 1 {
            plot::sweep::chart(table)?
        } else {
            plot::bars::chart(table)?
        };
        Ok(svg.into_bytes())
    }
}

/// The efficiency of every strategy at every point of `tables`.
pub fn efficiency_chart(tables: &[ResultTable]) -> Result<String, ExportError> {
    plot::efficiency::chart(tables)
}
