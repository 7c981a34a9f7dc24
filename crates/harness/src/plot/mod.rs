//! SVG charts (plotters), one kind a file:
//!
//! - [`bars`]: a one-point scenario (the seed): median time per strategy
//!   with its min–max, and the ideal time as a line. Readable in five seconds.
//! - [`sweep`]: time against the scenario's parameter, one line per
//!   strategy, the ideal as a dashed line; logarithmic axes where the values
//!   span a decade or more.
//! - [`efficiency`]: efficiency (ideal / time) of every strategy at every
//!   point of every scenario.
//!
//! Every chart ends with a footer line naming the machine, date, commit and
//! command, and carries the same in its SVG `<desc>`.

use plotters::prelude::*;

use crate::export::ExportError;
use crate::provenance::Provenance;

pub mod bars;
pub mod efficiency;
pub mod legend;
pub mod sweep;

/// The colour of a strategy, the same in every chart.
pub fn color_of(strategy: &str) -> RGBColor {
    match strategy {
        "sequential" => RGBColor(120, 120, 120),
        "threads" => RGBColor(31, 119, 180),
        "rayon" => RGBColor(255, 127, 14),
        "tokio" => RGBColor(44, 160, 44),
        "async-std" => RGBColor(148, 103, 189),
        _ => RGBColor(214, 39, 40),
    }
}

/// Height of the provenance footer, pixels.
const FOOTER: u32 = 36;

/// Draws a `width` × `height` SVG: `draw` gets the chart area; the footer
/// and `<desc>` are added here.
pub fn render(
    size: (u32, u32),
    provenance: &Provenance,
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, plotters::coord::Shift>) -> Result<(), String>,
) -> Result<String, ExportError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        let (chart, footer) = root.split_vertically(size.1 - FOOTER);
        draw(&chart).map_err(ExportError::Plot)?;
        let style = ("sans-serif", 11).into_font().color(&RGBColor(90, 90, 90));
        for (i, line) in footer_lines(provenance).iter().enumerate() {
            footer
                .draw_text(line, &style, (8, 4 + 15 * i as i32))
                .map_err(plot_error)?;
        }
        root.present().map_err(plot_error)?;
    }
    Ok(with_desc(svg, &provenance.lines().join("\n")))
}

fn footer_lines(p: &Provenance) -> [String; 2] {
    [
        format!(
            "{} cores, {} · {} · commit {}",
            p.machine.cores,
            p.machine.cpu_model,
            p.date,
            p.commit.as_deref().unwrap_or("unknown")
        ),
        p.command.clone(),
    ]
}

/// Inserts `<desc>` right after the opening `<svg …>` tag.
fn with_desc(svg: String, desc: &str) -> String {
    let escaped = desc
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    match svg
        .find("<svg")
        .and_then(|start| svg[start..].find('>').map(|end| start + end + 1))
    {
        Some(at) => format!("{}\n<desc>{escaped}</desc>{}", &svg[..at], &svg[at..]),
        None => svg,
    }
}

/// Plotters' errors as text.
pub fn plot_error(e: impl std::fmt::Display) -> ExportError {
    ExportError::Plot(e.to_string())
}

/// Plotters' errors as text, inside a drawing closure.
pub fn text(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// A value on a possibly logarithmic axis: the coordinate plotted, and back.
#[derive(Debug, Clone, Copy)]
pub struct Axis {
    /// Whether the axis is logarithmic (base 10).
    pub log: bool,
}

impl Axis {
    /// Logarithmic when every value is positive and they span ≥ 10×.
    pub fn for_values(values: impl IntoIterator<Item = f64>) -> Axis {
        let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in values {
            min = min.min(v);
            max = max.max(v);
        }
        Axis {
            log: min > 0.0 && max / min >= 10.0,
        }
    }

    /// The plotted coordinate of `v`.
    pub fn to(&self, v: f64) -> f64 {
        if self.log { v.max(1e-12).log10() } else { v }
    }

    /// The value at plotted coordinate `c`.
    pub fn from(&self, c: f64) -> f64 {
        if self.log { 10f64.powf(c) } else { c }
    }

    /// A range around `values` with some air (a decade's fraction on log axes).
    pub fn range(&self, values: &[f64], from_zero: bool) -> std::ops::Range<f64> {
        let coords: Vec<f64> = values.iter().map(|&v| self.to(v)).collect();
        let lo = coords.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = coords.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !lo.is_finite() || !hi.is_finite() {
            return 0.0..1.0;
        }
        let pad = ((hi - lo) * 0.08).max(if self.log {
            0.1
        } else {
            hi.abs() * 0.05 + 1e-9
        });
        let lo = if from_zero && !self.log {
            0.0
        } else {
            lo - pad
        };
        lo..hi + pad
    }

    /// Tick positions (plotted coordinates) for the range `coords`: 1, 2, 5
    /// × 10ⁿ on a log axis (only powers of ten when that gives more than 12),
    /// a 1-2-5 step giving about 6 ticks on a linear one.
    pub fn ticks(&self, coords: &std::ops::Range<f64>) -> Vec<f64> {
        let (lo, hi) = (coords.start, coords.end);
        if !(lo.is_finite() && hi.is_finite() && hi > lo) {
            return Vec::new();
        }
        if self.log {
            let decades = lo.floor() as i32..=hi.ceil() as i32;
            let ticks = |digits: &[f64]| -> Vec<f64> {
                decades
                    .clone()
                    .flat_map(|k| digits.iter().map(move |d| (d * 10f64.powi(k)).log10()))
                    .filter(|c| (lo..=hi).contains(c))
                    .collect()
            };
            let fine = ticks(&[1.0, 2.0, 5.0]);
            return if fine.len() > 12 { ticks(&[1.0]) } else { fine };
        }
        let rough = (hi - lo) / 6.0;
        let magnitude = 10f64.powf(rough.log10().floor());
        let step = [1.0, 2.0, 5.0, 10.0]
            .into_iter()
            .map(|d| d * magnitude)
            .find(|&s| s >= rough)
            .unwrap_or(10.0 * magnitude);
        let first = (lo / step).ceil() as i64;
        let last = (hi / step).floor() as i64;
        (first..=last).map(|i| i as f64 * step).collect()
    }
}

/// A linear f64 axis whose labels sit exactly at given ticks (plotters'
/// own key points are evenly spaced, which on a log-transformed axis lands
/// them on values like 15.85).
#[derive(Debug, Clone)]
pub struct Ticked {
    range: std::ops::Range<f64>,
    ticks: Vec<f64>,
}

impl Ticked {
    /// An axis over `range` (plotted coordinates) labelled at `ticks`.
    pub fn new(range: std::ops::Range<f64>, ticks: Vec<f64>) -> Ticked {
        Ticked { range, ticks }
    }
}

impl plotters::coord::ranged1d::Ranged for Ticked {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let share = (value - self.range.start) / (self.range.end - self.range.start);
        limit.0 + (share * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<Hint: plotters::coord::ranged1d::KeyPointHint>(&self, _hint: Hint) -> Vec<f64> {
        self.ticks.clone()
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.range.clone()
    }
}

/// The right end of segment `i` of a segmented axis whose last segment is
/// `last` (the value after the last one is not on the axis: use `Last`).
pub fn segment_end(i: i32, last: i32) -> plotters::coord::ranged1d::SegmentValue<i32> {
    use plotters::coord::ranged1d::SegmentValue;
    if i >= last {
        SegmentValue::Last
    } else {
        SegmentValue::Exact(i + 1)
    }
}

/// `0.4 s`, `12 ms`: short labels for time axes.
pub fn time_label(s: f64) -> String {
    crate::units::secs(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes() {
        assert!(Axis::for_values([1.0, 10.0, 1000.0]).log);
        assert!(!Axis::for_values([0.0, 10.0, 100.0]).log);
        assert!(!Axis::for_values([2.0, 3.0]).log);
        let log = Axis { log: true };
        assert!((log.from(log.to(250.0)) - 250.0).abs() < 1e-9);
        let values: Vec<f64> = log
            .ticks(&(0.9..3.1))
            .into_iter()
            .map(|c| log.from(c).round())
            .collect();
        assert_eq!(values, [10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0]);
        let linear = Axis { log: false };
        assert_eq!(linear.ticks(&(-0.5..10.2)), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
    }

    #[test]
    fn desc_goes_inside_svg() {
        let svg = with_desc("<?xml?>\n<svg width=\"1\">\n</svg>".into(), "a < b");
        assert!(
            svg.contains("<svg width=\"1\">\n<desc>a &lt; b</desc>"),
            "{svg}"
        );
    }
}
