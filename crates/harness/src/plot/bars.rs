//! The one-point chart (the seed scenario): a bar per strategy at its median
//! time, a whisker from its fastest to its slowest run, the efficiency above
//! it, and the ideal time as a red line across.
//!
//! The time axis is logarithmic: the sequential bar is 20 times the
//! concurrent ones, and on a linear axis those are slivers whose
//! differences (a few per cent, which are what matter) cannot be read; on a
//! log axis equal ratios are equal heights, so 5 % is the same step at
//! 0.3 s and at 8 s.

use plotters::coord::combinators::LogCoord;
use plotters::coord::ranged1d::SegmentValue;
use plotters::coord::types::RangedCoordi32;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{color_of, render, text, time_label};
use crate::export::ExportError;
use crate::table::{ResultTable, Row};

/// The bar chart of `table`'s measured rows.
pub fn chart(table: &ResultTable) -> Result<String, ExportError> {
    let rows: Vec<&Row> = table.rows.iter().filter(|r| r.refused.is_none()).collect();
    let ideal = table.rows.first().map_or(0.0, |r| r.ideal);
    let top = rows.iter().map(|r| r.time.max).fold(ideal, f64::max) * 1.6 + 1e-9;
    // A log axis needs a positive bottom: half the smallest time shown.
    let low = rows
        .iter()
        .map(|r| r.time.min)
        .chain((ideal > 0.0).then_some(ideal))
        .filter(|&t| t > 0.0)
        .fold(f64::INFINITY, f64::min);
    let bottom = if low.is_finite() { low / 2.0 } else { 1e-3 }.min(top / 2.0);
    let names: Vec<String> = rows.iter().map(|r| r.strategy.clone()).collect();
    let last = names.len().max(1) as i32 - 1;
    render((900, 520), &table.provenance, |area| {
        let mut chart = ChartBuilder::on(area)
            .caption(&table.scenario.title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(70)
            .build_cartesian_2d((0..last).into_segmented(), (bottom..top).log_scale())
            .map_err(text)?;
        let label = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(i) => names.get(*i as usize).cloned().unwrap_or_default(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .y_max_light_lines(1)
            .x_label_formatter(&label)
            .y_desc("wall time, log scale (median of runs; whisker: min – max)")
            .y_label_formatter(&|v| time_label(*v))
            .draw()
            .map_err(text)?;
        for (i, row) in rows.iter().enumerate() {
            draw_bar(&mut chart, i as i32, last, bottom, row).map_err(text)?;
        }
        if ideal <= 0.0 {
            return Ok(());
        }
        let line = [(SegmentValue::Exact(0), ideal), (SegmentValue::Last, ideal)];
        chart
            .draw_series(LineSeries::new(line, RED.stroke_width(2)))
            .map_err(text)?;
        let style = ("sans-serif", 13)
            .into_font()
            .color(&RED)
            .pos(Pos::new(HPos::Left, VPos::Bottom));
        let note = format!("ideal {}", time_label(ideal));
        chart
            .draw_series([Text::new(note, (SegmentValue::Exact(0), ideal), style)])
            .map_err(text)?;
        Ok(())
    })
}

type Chart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<plotters::coord::ranged1d::SegmentedCoord<RangedCoordi32>, LogCoord<f64>>,
>;

fn draw_bar(
    chart: &mut Chart<'_, '_>,
    i: i32,
    last: i32,
    bottom: f64,
    row: &Row,
) -> Result<(), String> {
    let color = color_of(&row.strategy);
    let mut bar = Rectangle::new(
        [
            (SegmentValue::Exact(i), bottom),
            (super::segment_end(i, last), row.time.median),
        ],
        color.mix(0.85).filled(),
    );
    bar.set_margin(0, 0, 18, 18);
    let center = || SegmentValue::CenterOf(i);
    let whisker = PathElement::new(
        [(center(), row.time.min), (center(), row.time.max)],
        BLACK.stroke_width(1),
    );
    let note = match row.efficiency {
        Some(e) => format!("{} · {:.0} %", time_label(row.time.median), e * 100.0),
        None => time_label(row.time.median),
    };
    let style = ("sans-serif", 13)
        .into_font()
        .into_text_style(chart.plotting_area())
        .pos(Pos::new(HPos::Center, VPos::Bottom));
    let label = Text::new(note, (center(), row.time.max), style);
    chart.draw_series([bar]).map_err(text)?;
    chart.draw_series([whisker]).map_err(text)?;
    chart.draw_series([label]).map_err(text)?;
    Ok(())
}
