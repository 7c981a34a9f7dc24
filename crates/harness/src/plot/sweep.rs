//! Time against the scenario's parameter: one line per strategy, the ideal
//! time as a dashed black line. Axes are logarithmic where the values span a
//! decade or more (workers 1 … 1,000; times from milliseconds to seconds).

use plotters::prelude::*;

use super::{Axis, Ticked, color_of, legend, render, text, time_label};
use crate::export::ExportError;
use crate::table::{ResultTable, Row};

/// The sweep chart of `table`.
pub fn chart(table: &ResultTable) -> Result<String, ExportError> {
    let measured: Vec<&Row> = table.rows.iter().filter(|r| r.refused.is_none()).collect();
    let ideal = ideal_line(table);
    let xs: Vec<f64> = table.rows.iter().map(|r| r.x).collect();
    let mut ys: Vec<f64> = measured.iter().map(|r| r.time.median).collect();
    ys.extend(ideal.iter().map(|&(_, y)| y).filter(|&y| y > 0.0));
    let (x_axis, y_axis) = (Axis::for_values(xs.clone()), Axis::for_values(ys.clone()));
    let (x_range, y_range) = (x_axis.range(&xs, false), y_axis.range(&ys, true));
    let (x_ticks, y_ticks) = (x_axis.ticks(&x_range), y_axis.ticks(&y_range));
    let x_desc = format!(
        "{}{}",
        table.scenario.parameter,
        if x_axis.log { " (log)" } else { "" }
    );
    let y_desc = format!(
        "wall time, median{}",
        if y_axis.log { " (log)" } else { "" }
    );
    render((900 + legend::WIDTH, 560), &table.provenance, |area| {
        let (area, legend_area) = area.split_horizontally(900);
        let mut chart = ChartBuilder::on(&area)
            .caption(&table.scenario.title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(Ticked::new(x_range, x_ticks), Ticked::new(y_range, y_ticks))
            .map_err(text)?;
        let x_label = |c: &f64| format_x(x_axis.from(*c));
        let y_label = |c: &f64| time_label(y_axis.from(*c));
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .draw()
            .map_err(text)?;
        let mut entries: Vec<legend::Entry> = Vec::new();
        for strategy in table.strategies() {
            let points: Vec<(f64, f64)> = measured
                .iter()
                .filter(|r| r.strategy == strategy)
                .map(|r| (x_axis.to(r.x), y_axis.to(r.time.median)))
                .collect();
            if points.is_empty() {
                continue;
            }
            let color = color_of(&strategy);
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
                .map_err(text)?;
            entries.push((strategy, color, legend::Mark::Line));
            chart
                .draw_series(points.iter().map(|&p| Circle::new(p, 4, color.filled())))
                .map_err(text)?;
        }
        let ideal: Vec<(f64, f64)> = ideal
            .iter()
            .filter(|&&(_, y)| y > 0.0 || !y_axis.log)
            .map(|&(x, y)| (x_axis.to(x), y_axis.to(y)))
            .collect();
        chart
            .draw_series(DashedLineSeries::new(ideal, 8, 5, BLACK.stroke_width(2)))
            .map_err(text)?;
        entries.push(("ideal".into(), BLACK, legend::Mark::Dashed));
        legend::draw(&legend_area, &entries)
    })
}

/// The ideal time at every point, in point order.
fn ideal_line(table: &ResultTable) -> Vec<(f64, f64)> {
    let mut line: Vec<(f64, f64)> = Vec::new();
    for row in &table.rows {
        if !line.iter().any(|&(x, _)| x == row.x) {
            line.push((row.x, row.ideal));
        }
    }
    line.sort_by(|a, b| a.0.total_cmp(&b.0));
    line
}

/// Axis labels: whole numbers with separators, fractions with two digits.
fn format_x(v: f64) -> String {
    if (v - v.round()).abs() < 1e-6 {
        crate::units::count(v.round().max(0.0) as u64)
    } else {
        format!("{v:.2}")
    }
}
