//! Efficiency (ideal / median time) of every strategy at every point of
//! every scenario: a group of bars per (scenario, point), one bar per
//! strategy, 100 % at the top.

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

use super::{color_of, legend, render, text};
use crate::export::ExportError;
use crate::provenance::Provenance;
use crate::strategy::Strategy;
use crate::table::ResultTable;

/// The efficiency chart over `tables` (the provenance shown is the newest).
pub fn chart(tables: &[ResultTable]) -> Result<String, ExportError> {
    let groups = groups(tables);
    let provenance = tables
        .iter()
        .map(|t| &t.provenance)
        .max_by(|a, b| a.date.cmp(&b.date))
        .cloned()
        .unwrap_or_else(|| Provenance::capture("(no results)"));
    let strategies: Vec<&str> = Strategy::ALL.iter().map(|s| s.name()).collect();
    let last = groups.len().max(1) as i32 - 1;
    let width = (160 + 90 * groups.len() as u32).max(500);
    render((width + legend::WIDTH, 520), &provenance, |area| {
        let (area, legend_area) = area.split_horizontally(width);
        let mut chart = ChartBuilder::on(&area)
            .caption(
                "Efficiency: ideal time / measured median time",
                ("sans-serif", 20),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d((0..last).into_segmented(), 0f64..TOP)
            .map_err(text)?;
        let label = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(i) => groups
                .get(*i as usize)
                .map(|g| g.0.clone())
                .unwrap_or_default(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .y_max_light_lines(1)
            .x_label_formatter(&label)
            .y_desc("efficiency")
            .y_label_formatter(&|v| format!("{:.0} %", v * 100.0))
            .draw()
            .map_err(text)?;
        let group_px = chart.plotting_area().dim_in_pixel().0 / groups.len().max(1) as u32;
        let slots = Slots::new(group_px, strategies.len() as u32);
        for (s, name) in strategies.iter().enumerate() {
            let color = color_of(name);
            let bars = groups.iter().enumerate().filter_map(|(g, (_, values))| {
                let value = values.iter().find(|(n, _)| n == name)?.1;
                Some(bar(
                    g as i32,
                    last,
                    slots.margins(s as u32),
                    value.min(TOP),
                    color,
                ))
            });
            chart.draw_series(bars).map_err(text)?;
        }
        let limit = [(SegmentValue::Exact(0), 1.0), (SegmentValue::Last, 1.0)];
        chart
            .draw_series(DashedLineSeries::new(limit, 6, 4, BLACK.stroke_width(1)))
            .map_err(text)?;
        let entries: Vec<legend::Entry> = strategies
            .iter()
            .map(|name| (name.to_string(), color_of(name), legend::Mark::Swatch))
            .collect();
        legend::draw(&legend_area, &entries)
    })
}

/// Top of the efficiency axis (a little over 100 %: the ideal uses the mean
/// jitter, so a lucky run can beat it slightly).
const TOP: f64 = 1.15;

/// One (label, [(strategy, efficiency)]) per scenario point, in table order.
fn groups(tables: &[ResultTable]) -> Vec<(String, Vec<(String, f64)>)> {
    let mut groups = Vec::new();
    for table in tables {
        for point in table.points() {
            let label = if table.points().len() > 1 {
                format!("{} {}", table.scenario.id, point)
            } else {
                table.scenario.id.clone()
            };
            let values: Vec<(String, f64)> = table
                .rows
                .iter()
                .filter(|r| r.point == point && r.refused.is_none())
                .filter_map(|r| Some((r.strategy.clone(), r.efficiency?)))
                .collect();
            if !values.is_empty() {
                groups.push((label, values));
            }
        }
    }
    groups
}

/// Where each strategy's bar sits inside a group: equal slots with a gap
/// on each side, so every strategy keeps its place in every group.
#[derive(Debug, Clone, Copy)]
struct Slots {
    group_px: u32,
    slot_px: u32,
}

impl Slots {
    const GAP: u32 = 6;

    fn new(group_px: u32, slots: u32) -> Slots {
        let slot_px = group_px.saturating_sub(2 * Self::GAP) / slots.max(1);
        Slots { group_px, slot_px }
    }

    /// Left and right pixel margins of slot `s` within its group.
    fn margins(&self, s: u32) -> (u32, u32) {
        let left = Self::GAP + self.slot_px * s;
        (left, self.group_px.saturating_sub(left + self.slot_px))
    }
}

/// The bar of group `g` drawn inside its segment by pixel margins.
fn bar(
    g: i32,
    last: i32,
    (left, right): (u32, u32),
    value: f64,
    color: RGBColor,
) -> Rectangle<(SegmentValue<i32>, f64)> {
    let mut rect = Rectangle::new(
        [
            (SegmentValue::Exact(g), 0.0),
            (super::segment_end(g, last), value),
        ],
        color.filled(),
    );
    rect.set_margin(0, 0, left, right);
    rect
}
