//! The line chart: a trend over weeks or months, up to a few series, each point's value
//! written on the chart (every point of the first series, the last point of the others).

use super::{colour, finish, inner, legend, max_of, nothing, start, Series};
use crate::render::display_list::{Anchor, DisplayList};
use crate::render::table::Frame;
use crate::render::theme::{self, PAD, SMALL};
use crate::render::{Image, RenderError};

/// Points past this many get their value written every other one (the last always).
const LABEL_EVERY_UP_TO: usize = 14;

/// Lines of `series` over `x_labels` (one value per label), from zero up.
pub fn line(name: &str, f: &Frame, x_labels: &[String], series: &[Series]) -> Result<Image, RenderError> {
    let mut svg = DisplayList::new(theme::WIDTH);
    let mut y = start(&mut svg, f);
    let n = x_labels.len();
    let any = series.iter().any(|s| s.values.iter().flatten().any(|v| *v > 0.0));
    if n == 0 || !any {
        y = nothing(&mut svg, y, "Nothing in this period.");
        return finish(name, svg, f, y);
    }
    if series.len() > 1 {
        let entries: Vec<(&str, &str)> = series.iter().enumerate().map(|(i, s)| (s.name.as_str(), colour(i))).collect();
        y = legend(&mut svg, &entries, y + 2.0);
    }
    let (plot_top, plot_h) = (y + 14.0, 150.0);
    let base = plot_top + plot_h;
    // Points are inset from the card's edges so the first and last values have room.
    let (left, width) = (PAD + 22.0, inner() - 44.0);
    let max = max_of(series.iter().flat_map(|s| s.values.iter().flatten().copied()), 1.0);
    let step = if n > 1 { width / (n - 1) as f32 } else { 0.0 };
    let x_at = |i: usize| if n > 1 { left + step * i as f32 } else { left + width / 2.0 };
    let y_at = |v: f64| base - (v / max) as f32 * plot_h;
    // The zero line and a faint half-way line: enough to read "twice as many" by eye.
    svg.line(PAD, base, PAD + inner(), base, theme::BORDER);
    svg.line(PAD, y_at(max / 2.0), PAD + inner(), y_at(max / 2.0), theme::ZEBRA);
    for (si, s) in series.iter().enumerate() {
        let c = colour(si);
        let pts: Vec<Option<(f32, f32)>> =
            (0..n).map(|i| s.values.get(i).copied().flatten().map(|v| (x_at(i), y_at(v)))).collect();
        for w in pts.windows(2) {
            if let [Some(a), Some(b)] = w {
                svg.thick_line(*a, *b, 2.0, c);
            }
        }
        let last = pts.iter().rposition(Option::is_some);
        for (i, p) in pts.iter().enumerate() {
            let Some((x, py)) = *p else { continue };
            svg.rect(x - 2.5, py - 2.5, 5.0, 5.0, c, 2.5);
            let wanted =
                if si == 0 { n <= LABEL_EVERY_UP_TO || i % 2 == 0 || Some(i) == last } else { Some(i) == last };
            if wanted {
                let text = s.texts.get(i).map(String::as_str).unwrap_or("");
                let bw = step.clamp(36.0, 70.0);
                let bx = (x - bw / 2.0).clamp(PAD, PAD + inner() - bw);
                svg.text(text, bx, bw, py - 5.0, SMALL, si == 0, theme::TEXT, Anchor::Middle);
            }
        }
    }
    // X labels: as many as fit, evenly, always the first and the last.
    let fit = ((width / 46.0).floor() as usize).max(2);
    let every = n.div_ceil(fit).max(1);
    for (i, l) in x_labels.iter().enumerate() {
        // The last label always shows; another too close to it gives way.
        let clear_of_last = x_at(n - 1) - x_at(i) >= 46.0;
        if (i % every == 0 && clear_of_last) || i == n - 1 {
            let bw = 44.0;
            let bx = (x_at(i) - bw / 2.0).clamp(PAD, PAD + inner() - bw);
            svg.text(l, bx, bw, base + 12.0, SMALL, false, theme::MUTED, Anchor::Middle);
        }
    }
    finish(name, svg, f, base + 16.0)
}
