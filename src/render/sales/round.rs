//! The donut: shares of a whole, never more than six slices plus "Other", each named in the
//! legend with its value and share, the total in the middle.

use std::f32::consts::PI;

use super::{colour, finish, inner, nothing, start, GREY};
use crate::render::display_list::{Anchor, DisplayList};
use crate::render::table::Frame;
use crate::render::theme::{self, BODY, PAD, SMALL, TITLE};
use crate::render::{Image, RenderError};

/// Slices drawn at most; the rest are summed into "Other".
pub const MAX_SLICES: usize = 6;

/// One share of the whole, with the text written for its value.
#[derive(Clone, Debug, PartialEq)]
pub struct Slice {
    pub label: String,
    pub value: f64,
    pub text: String,
}

/// The slices to draw: positive values, largest first, the ones past `MAX_SLICES` summed into
/// one "Other" slice whose text `fmt` writes. Ties keep their given order.
pub fn fold_slices(slices: &[Slice], fmt: impl Fn(f64) -> String) -> Vec<Slice> {
    let mut s: Vec<Slice> = slices.iter().filter(|s| s.value.is_finite() && s.value > 0.0).cloned().collect();
    s.sort_by(|a, b| b.value.total_cmp(&a.value));
    if s.len() <= MAX_SLICES + 1 {
        return s;
    }
    let rest: f64 = s[MAX_SLICES..].iter().map(|s| s.value).sum();
    let n = s.len() - MAX_SLICES;
    s.truncate(MAX_SLICES);
    s.push(Slice { label: format!("Other ({n})"), value: rest, text: fmt(rest) });
    s
}

/// A donut of `slices` (already folded, see `fold_slices`) with `centre` written in its hole
/// (the total, say) and `centre_label` under it.
pub fn donut(name: &str, f: &Frame, slices: &[Slice], centre: &str, centre_label: &str) -> Result<Image, RenderError> {
    let mut svg = DisplayList::new(theme::WIDTH);
    let mut y = start(&mut svg, f);
    let total: f64 = slices.iter().filter(|s| s.value > 0.0).map(|s| s.value).sum();
    if total <= 0.0 {
        y = nothing(&mut svg, y, "Nothing to share out in this period.");
        return finish(name, svg, f, y);
    }
    let (r_out, r_in) = (78.0, 46.0);
    let (cx, cy) = (PAD + r_out + 6.0, y + r_out + 8.0);
    let mut a0 = -PI / 2.0;
    for (i, s) in slices.iter().enumerate() {
        let sweep = (s.value / total) as f32 * 2.0 * PI;
        let fill = if s.label.starts_with("Other") { GREY } else { colour(i) };
        wedge(&mut svg, (cx, cy), r_in, r_out, a0, a0 + sweep, fill);
        a0 += sweep;
    }
    svg.text(centre, cx - r_in, 2.0 * r_in, cy + 4.0, TITLE, true, theme::TEXT, Anchor::Middle);
    svg.text(centre_label, cx - r_in, 2.0 * r_in, cy + 16.0, SMALL, false, theme::MUTED, Anchor::Middle);
    // The legend: chip, name, value, share — the numbers in words, whatever the colours.
    let lx = cx + r_out + 22.0;
    let lw = PAD + inner() - lx;
    let row = 19.0;
    let mut ly = cy - (slices.len() as f32 * row) / 2.0;
    for (i, s) in slices.iter().enumerate() {
        let fill = if s.label.starts_with("Other") { GREY } else { colour(i) };
        svg.rect(lx, ly + 2.0, 10.0, 10.0, fill, 2.0);
        svg.text(&s.label, lx + 15.0, lw * 0.5 - 15.0, ly + 11.0, BODY, false, theme::TEXT, Anchor::Start);
        let share = format!("{} · {:.0}%", s.text, s.value / total * 100.0);
        svg.text(&share, lx + lw * 0.5, lw * 0.5, ly + 11.0, BODY, true, theme::TEXT, Anchor::End);
        ly += row;
    }
    finish(name, svg, f, (cy + r_out + 6.0).max(ly))
}

/// A ring segment from angle `a0` to `a1` (radians, clockwise from three o'clock), as a polygon.
fn wedge(svg: &mut DisplayList, (cx, cy): (f32, f32), r_in: f32, r_out: f32, a0: f32, a1: f32, fill: &str) {
    let steps = (((a1 - a0) / (PI / 90.0)).ceil() as usize).max(1);
    let at = |r: f32, a: f32| (cx + r * a.cos(), cy + r * a.sin());
    let mut pts = Vec::with_capacity(2 * steps + 2);
    for k in 0..=steps {
        pts.push(at(r_out, a0 + (a1 - a0) * k as f32 / steps as f32));
    }
    for k in (0..=steps).rev() {
        pts.push(at(r_in, a0 + (a1 - a0) * k as f32 / steps as f32));
    }
    svg.poly(pts, fill);
    // A white seam between slices, so neighbours read apart without relying on hue.
    let (x0, y0) = at(r_in, a0);
    let (x1, y1) = at(r_out, a0);
    svg.thick_line((x0, y0), (x1, y1), 1.5, theme::CARD);
}
