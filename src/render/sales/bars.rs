//! Bars: bullets (a value against its target, with the change since the previous period),
//! a funnel of steps, grouped columns (the forecast's methods side by side, with the target),
//! and stacked rows (activity per person by kind).

use super::{colour, finish, ink, inner, legend, max_of, nothing, start, Series, GREY, TARGET};
use crate::render::display_list::{Anchor, DisplayList};
use crate::render::font;
use crate::render::table::Frame;
use crate::render::theme::{self, BODY, PAD, SMALL};
use crate::render::{Image, RenderError};

const GOOD: &str = "#009E73";
const BAD: &str = "#D55E00";

/// One scorecard as a bullet: the value's bar, the target's mark, the change's arrow.
#[derive(Clone, Debug, PartialEq)]
pub struct Bullet {
    pub label: String,
    pub value: f64,
    /// The value as written ("$48.2k").
    pub text: String,
    pub target: Option<f64>,
    /// "target $60k · 80%".
    pub target_text: Option<String>,
    /// Against the previous period: up or down, whether that is good, and the words ("+12% vs Oct").
    pub change: Option<(bool, bool, String)>,
}

/// Scorecards as bullet bars, two to a row.
pub fn bullets(name: &str, f: &Frame, rows: &[Bullet]) -> Result<Image, RenderError> {
    let mut svg = DisplayList::new(theme::WIDTH);
    let mut y = start(&mut svg, f);
    if rows.is_empty() {
        y = nothing(&mut svg, y, "No scorecards.");
        return finish(name, svg, f, y);
    }
    let gap = 14.0;
    let col_w = (inner() - gap) / 2.0;
    for pair in rows.chunks(2) {
        for (k, b) in pair.iter().enumerate() {
            let x = PAD + k as f32 * (col_w + gap);
            bullet(&mut svg, b, x, y, col_w);
        }
        y += 62.0;
    }
    finish(name, svg, f, y - 6.0)
}

fn bullet(svg: &mut DisplayList, b: &Bullet, x: f32, y: f32, w: f32) {
    svg.rect(x, y, w, 56.0, theme::ZEBRA, 4.0);
    let (x, w) = (x + 8.0, w - 16.0);
    svg.text(&b.label, x, w, y + 12.0, SMALL, true, theme::MUTED, Anchor::Start);
    svg.text(&b.text, x, w * 0.55, y + 28.0, 14.0, true, theme::TEXT, Anchor::Start);
    if let Some((up, good, words)) = &b.change {
        let c = if *good { GOOD } else { BAD };
        let (ax, ay) = (x + w * 0.55, y + 20.0);
        // The arrow is a shape (no font needed) and points the way the number moved.
        let tri = if *up {
            vec![(ax, ay + 7.0), (ax + 8.0, ay + 7.0), (ax + 4.0, ay)]
        } else {
            vec![(ax, ay), (ax + 8.0, ay), (ax + 4.0, ay + 7.0)]
        };
        svg.poly(tri, c);
        svg.text(words, ax + 11.0, w * 0.45 - 11.0, y + 27.0, SMALL, true, c, Anchor::Start);
    }
    let bar_y = y + 36.0;
    match b.target.filter(|t| t.is_finite() && *t > 0.0) {
        Some(t) => {
            let scale = max_of([b.value, t * 1.15], 1.0);
            svg.rect(x, bar_y, w, 8.0, "#DDE1E6", 2.0);
            let len = ((b.value.max(0.0) / scale) as f32 * w).min(w);
            let fill = if b.value >= t { GOOD } else { colour(0) };
            svg.rect(x, bar_y, len, 8.0, fill, 2.0);
            let tx = x + (t / scale) as f32 * w;
            svg.rect(tx - 1.0, bar_y - 3.0, 2.0, 14.0, TARGET, 0.0);
            if let Some(tt) = &b.target_text {
                svg.text(tt, x, w, bar_y + 17.0, SMALL, false, theme::TEXT, Anchor::Start);
            }
        }
        None => {
            svg.text("no target set", x, w, bar_y + 8.0, SMALL, false, theme::MUTED, Anchor::Start);
        }
    }
}

/// One step of a funnel.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub label: String,
    pub value: f64,
    pub text: String,
}

/// Steps narrowing like a funnel; each says its share of the step before and of the first.
pub fn funnel(name: &str, f: &Frame, steps: &[Step]) -> Result<Image, RenderError> {
    let mut svg = DisplayList::new(theme::WIDTH);
    let mut y = start(&mut svg, f) + 4.0;
    let first = steps.first().map(|s| s.value).unwrap_or(0.0);
    if first <= 0.0 {
        y = nothing(&mut svg, y, "Nothing entered the funnel in this period.");
        return finish(name, svg, f, y);
    }
    let (label_w, note_w) = (120.0, 150.0);
    let bar_w = inner() - label_w - note_w;
    let mut prev = first;
    for (i, s) in steps.iter().enumerate() {
        svg.text(&s.label, PAD, label_w - 8.0, y + 15.0, BODY, true, theme::TEXT, Anchor::Start);
        let len = ((s.value.max(0.0) / first) as f32 * bar_w).max(if s.value > 0.0 { 2.0 } else { 0.0 });
        let bx = PAD + label_w + (bar_w - len) / 2.0;
        svg.rect(bx, y + 2.0, len, 20.0, colour(i), 3.0);
        // Inside the bar when it fits (in the ink that reads on that colour), else beside it.
        if font::width(&s.text, BODY, true) + 10.0 <= len {
            svg.text(&s.text, bx, len, y + 15.5, BODY, true, ink(i), Anchor::Middle);
        } else {
            let right = PAD + label_w + bar_w - (bx + len);
            svg.text(&s.text, bx + len + 4.0, right.max(30.0), y + 15.5, BODY, true, theme::TEXT, Anchor::Start);
        }
        let note = if i == 0 {
            "start".to_string()
        } else {
            format!("{} of previous · {} of start", pct(s.value, prev), pct(s.value, first))
        };
        svg.text(&note, PAD + label_w + bar_w + 8.0, note_w - 8.0, y + 15.0, SMALL, false, theme::MUTED, Anchor::Start);
        prev = s.value;
        y += 28.0;
    }
    finish(name, svg, f, y)
}

fn pct(part: f64, whole: f64) -> String {
    if whole > 0.0 {
        format!("{:.0}%", part / whole * 100.0)
    } else {
        "—".into()
    }
}

/// Columns per category, one per series side by side, the category's target as a dark tick
/// across its group (with its text under the label).
pub fn grouped(
    name: &str,
    f: &Frame,
    categories: &[String],
    series: &[Series],
    targets: &[Option<(f64, String)>],
) -> Result<Image, RenderError> {
    let mut svg = DisplayList::new(theme::WIDTH);
    let mut y = start(&mut svg, f);
    let n = categories.len();
    if n == 0 {
        y = nothing(&mut svg, y, "Nothing to forecast.");
        return finish(name, svg, f, y);
    }
    let mut entries: Vec<(&str, &str)> = series.iter().enumerate().map(|(i, s)| (s.name.as_str(), colour(i))).collect();
    if targets.iter().any(Option::is_some) {
        entries.push(("Target", TARGET));
    }
    y = legend(&mut svg, &entries, y + 2.0);
    let (top, h) = (y + 14.0, 150.0);
    let base = top + h;
    let values = series.iter().flat_map(|s| s.values.iter().flatten().copied());
    let max = max_of(values.chain(targets.iter().flatten().map(|t| t.0)), 1.0);
    let group = inner() / n as f32;
    let bar = ((group - 10.0) / series.len().max(1) as f32).min(44.0);
    svg.line(PAD, base, PAD + inner(), base, theme::BORDER);
    let mut labels: Vec<(String, f32, f32, f32)> = Vec::new();
    for (ci, cat) in categories.iter().enumerate() {
        let gx = PAD + group * ci as f32;
        let used = bar * series.len() as f32;
        let x0 = gx + (group - used) / 2.0;
        for (si, s) in series.iter().enumerate() {
            let Some(v) = s.values.get(ci).copied().flatten() else { continue };
            let len = (v.max(0.0) / max) as f32 * h;
            let x = x0 + bar * si as f32;
            svg.rect(x + 1.0, base - len, bar - 2.0, len, colour(si), 2.0);
            let text = s.texts.get(ci).map(String::as_str).unwrap_or("");
            labels.push((text.to_string(), x - 4.0, bar + 8.0, base - len - 3.0));
        }
        if let Some((t, _)) = targets.get(ci).cloned().flatten() {
            let ty = base - (t / max) as f32 * h;
            svg.rect(x0 - 3.0, ty - 1.0, used + 6.0, 2.0, TARGET, 0.0);
        }
        // Values go on top of the target's line, on a white plate, so neither hides the other.
        for (text, bx, bw, baseline) in labels.drain(..) {
            let tw = font::width(&text, SMALL, false).min(bw);
            svg.rect(bx + (bw - tw) / 2.0 - 1.5, baseline - SMALL, tw + 3.0, SMALL + 2.5, theme::CARD, 1.0);
            svg.text(&text, bx, bw, baseline, SMALL, false, theme::TEXT, Anchor::Middle);
        }
        svg.text(cat, gx, group, base + 11.0, SMALL, true, theme::TEXT, Anchor::Middle);
        if let Some((_, tt)) = targets.get(ci).cloned().flatten() {
            svg.text(&tt, gx, group, base + 21.0, SMALL, false, theme::MUTED, Anchor::Middle);
        }
    }
    finish(name, svg, f, base + 24.0)
}

/// Rows of stacked segments, one row per category (a person), a colour per series (a kind);
/// each segment wide enough has its value inside, every row its total at the end.
pub fn stacked(
    name: &str,
    f: &Frame,
    categories: &[String],
    series: &[Series],
    totals: &[String],
) -> Result<Image, RenderError> {
    let mut svg = DisplayList::new(theme::WIDTH);
    let mut y = start(&mut svg, f);
    if categories.is_empty() {
        y = nothing(&mut svg, y, "Nothing in this period.");
        return finish(name, svg, f, y);
    }
    let entries: Vec<(&str, &str)> = series.iter().enumerate().map(|(i, s)| (s.name.as_str(), colour(i))).collect();
    y = legend(&mut svg, &entries, y + 2.0) + 2.0;
    let (label_w, total_w) = (130.0, 60.0);
    let bar_w = inner() - label_w - total_w;
    let sum =
        |ci: usize| series.iter().map(|s| s.values.get(ci).copied().flatten().unwrap_or(0.0).max(0.0)).sum::<f64>();
    let max = max_of((0..categories.len()).map(sum), 1.0);
    for (ci, cat) in categories.iter().enumerate() {
        svg.text(cat, PAD, label_w - 8.0, y + 11.0, BODY, false, theme::TEXT, Anchor::Start);
        let mut x = PAD + label_w;
        for (si, s) in series.iter().enumerate() {
            let v = s.values.get(ci).copied().flatten().unwrap_or(0.0).max(0.0);
            let len = (v / max) as f32 * bar_w;
            if len <= 0.0 {
                continue;
            }
            svg.rect(x, y + 1.0, len, 14.0, colour(si), 0.0);
            let text = s.texts.get(ci).map(String::as_str).unwrap_or("");
            if len >= 22.0 {
                svg.text(text, x, len, y + 11.0, SMALL, true, ink(si), Anchor::Middle);
            }
            x += len;
        }
        if sum(ci) == 0.0 {
            svg.rect(x, y + 1.0, 2.0, 14.0, GREY, 0.0);
        }
        let total = totals.get(ci).map(String::as_str).unwrap_or("");
        svg.text(total, PAD + label_w + bar_w + 6.0, total_w - 6.0, y + 11.0, BODY, true, theme::TEXT, Anchor::Start);
        y += 19.0;
    }
    finish(name, svg, f, y)
}
