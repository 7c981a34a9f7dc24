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
