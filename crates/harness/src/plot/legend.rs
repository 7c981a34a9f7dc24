//! A colour key drawn in its own strip to the right of a chart, so that it
//! never hides data.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::text;

/// Width of the legend strip, pixels.
pub const WIDTH: u32 = 130;

/// How an entry is drawn.
#[derive(Debug, Clone, Copy)]
pub enum Mark {
    /// A filled square (bars).
    Swatch,
    /// A solid line (series).
    Line,
    /// A dashed line (the ideal).
    Dashed,
}

/// One entry: label, colour, mark.
pub type Entry = (String, RGBColor, Mark);

/// Draws `entries` top-down in `area`.
pub fn draw(area: &DrawingArea<SVGBackend<'_>, Shift>, entries: &[Entry]) -> Result<(), String> {
    let style = ("sans-serif", 13).into_font().into_text_style(area);
    for (i, (label, color, mark)) in entries.iter().enumerate() {
        let y = 60 + 22 * i as i32;
        let mid = y + 7;
        match mark {
            Mark::Swatch => area
                .draw(&Rectangle::new([(8, y), (22, y + 14)], color.filled()))
                .map_err(text)?,
            Mark::Line => area
                .draw(&PathElement::new(
                    [(4, mid), (26, mid)],
                    color.stroke_width(2),
                ))
                .map_err(text)?,
            Mark::Dashed => {
                for x in [4, 13, 22] {
                    let dash = PathElement::new([(x, mid), (x + 5, mid)], color.stroke_width(2));
                    area.draw(&dash).map_err(text)?;
                }
            }
        }
        area.draw_text(label, &style, (32, y)).map_err(text)?;
    }
    Ok(())
}
