//! Efficiency (ideal / median time) of every strategy at every point of
//! every scenario: a group of bars per (scenario, point), one bar per
//! strategy, 100 % at the top.

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

use super::{color_of, render, text};
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
    let width = (160 + 90 * groups.len() as u32).max(600);
    render((width, 520), &provenance, |area| {
        let mut chart = ChartBuilder::on(area)
            .caption(
                "Efficiency: ideal time / measured median time",
                ("sans-serif", 20),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d((0..last).into_segmented(), 0f64..1.05)
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
            .x_label_formatter(&label)
            .y_desc("efficiency")
            .y_label_formatter(&|v| format!("{:.0} %", v * 100.0))
            .draw()
            .map_err(text)?;
        let slots = strategies.len() as i32;
        for (s, name) in strategies.iter().enumerate() {
            let color = color_of(name);
            let bars: Vec<Rectangle<(SegmentValue<i32>, f64)>> = groups
                .iter()
                .enumerate()
                .filter_map(|(g, (_, values))| {
                    let value = values.iter().find(|(n, _)| n == name)?.1;
                    Some(bar(g as i32, s as i32, slots, value.min(1.05), color))
                })
                .collect();
            if bars.is_empty() {
                continue;
            }
            chart
                .draw_series(bars)
                .map_err(text)?
                .label(*name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled())
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()
            .map_err(text)
    })
}

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
            let values = table
                .rows
                .iter()
                .filter(|r| r.point == point && r.refused.is_none())
                .map(|r| (r.strategy.clone(), r.efficiency))
                .collect();
            groups.push((label, values));
        }
    }
    groups
}

/// The bar of strategy slot `s` (of `slots`) in group `g`, drawn inside the
/// group's segment by pixel margins.
fn bar(
    g: i32,
    s: i32,
    slots: i32,
    value: f64,
    color: RGBColor,
) -> Rectangle<(SegmentValue<i32>, f64)> {
    let mut rect = Rectangle::new(
        [
            (SegmentValue::Exact(g), 0.0),
            (SegmentValue::Exact(g + 1), value),
        ],
        color.filled(),
    );
    // Each group is about 90 px wide: 5 px outer gap, then 16 px per slot.
    let left = 5 + 16 * s as u32;
    let right = 5 + 16 * (slots - 1 - s) as u32;
    rect.set_margin(0, 0, left, right);
    rect
}
