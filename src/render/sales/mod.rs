//! The sales dashboard's charts (issue 16): line (trends), donut (shares), bullets (against
//! target), stacked bars, funnel, and grouped bars (the forecast's two methods side by side).
//!
//! They take plain numbers and the words to write on them, not view models: the caller decides
//! what a value means and how it reads ("$12.4k", "38%"), the chart decides where it goes. Every
//! mark carries its value in text; colours come from the Okabe–Ito palette, which stays
//! distinguishable with the common colour-vision deficiencies, and each colour is also named in
//! a legend, so nothing depends on telling two colours apart.

mod bars;
mod line;
mod round;

pub use bars::{bullets, funnel, grouped, stacked, Bullet, Step};
pub use line::line;
pub use round::{donut, fold_slices, Slice, MAX_SLICES};

use super::display_list::{Anchor, DisplayList};
use super::table::{bottom, top, Frame};
use super::theme::{self, PAD, SMALL};
use super::{rasterize, Image, RenderError};

/// Okabe–Ito, without its yellow (too pale on white) and black (the text colour).
pub const PALETTE: [&str; 6] = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"];
/// "Other", targets and anything that is not one of the series.
pub const GREY: &str = "#9AA0A6";
/// The target mark: dark, so it reads against every series colour.
pub const TARGET: &str = "#1F2328";

/// Series `i`'s colour (the palette repeats past six, which callers avoid).
pub fn colour(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// Text drawn on series `i`'s colour: dark on the light colours, white on the dark ones (each
/// pair has a contrast of at least 4.5:1).
pub fn ink(i: usize) -> &'static str {
    match PALETTE[i % PALETTE.len()] {
        "#E69F00" | "#56B4E9" | "#CC79A7" => theme::TEXT,
        _ => theme::CARD,
    }
}

/// One named series of values, with the text written at each value.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    /// One per category or point; `None` where there is no value.
    pub values: Vec<Option<f64>>,
    /// What is written at each value (same length as `values`).
    pub texts: Vec<String>,
}

/// The content box's inner width.
pub(crate) fn inner() -> f32 {
    theme::WIDTH - 2.0 * PAD
}

/// A one-line legend of coloured chips and names, at `y`; returns the y after it.
pub(crate) fn legend(svg: &mut DisplayList, entries: &[(&str, &str)], y: f32) -> f32 {
    let mut x = PAD;
    let each = (inner() / entries.len().max(1) as f32).min(170.0);
    for (name, colour) in entries {
        svg.rect(x, y + 1.0, 9.0, 9.0, colour, 2.0);
        svg.text(name, x + 13.0, each - 18.0, y + 9.0, SMALL, false, theme::TEXT, Anchor::Start);
        x += each;
    }
    y + 16.0
}

/// Ends a chart: the footer, the card under it all, and the PNG.
pub(crate) fn finish(name: &str, mut svg: DisplayList, f: &Frame, y: f32) -> Result<Image, RenderError> {
    bottom(&mut svg, f, y);
    svg.under_card(theme::CARD, theme::BORDER);
    rasterize(name, svg)
}

/// Starts a chart: the card's title block; returns the y where content starts.
pub(crate) fn start(svg: &mut DisplayList, f: &Frame) -> f32 {
    top(svg, f)
}

/// Says there is nothing to draw, in words, where the chart would be.
pub(crate) fn nothing(svg: &mut DisplayList, y: f32, what: &str) -> f32 {
    svg.text(what, PAD, inner(), y + 16.0, theme::BODY, false, theme::MUTED, Anchor::Middle);
    y + 26.0
}

/// The largest finite value, at least `floor`.
pub(crate) fn max_of(values: impl IntoIterator<Item = f64>, floor: f64) -> f64 {
    values.into_iter().filter(|v| v.is_finite()).fold(floor, f64::max)
}

#[cfg(test)]
mod tests;
