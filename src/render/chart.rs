//! Chart images: leads per stage, the Green → Delivered funnel, stale and at-risk counts per
//! locator, and a calendar month. Every bar carries its number in text, and colours are
//! backed by words or letters, so nothing depends on telling colours apart.

use chrono::Datelike;

use super::display_list::{Anchor, DisplayList};
use super::table::{bottom, top, Frame};
use super::theme::{self, BODY, PAD, SMALL};
use super::{rasterize, Image, RenderError};
use crate::rules::Status;
use crate::views::calendar::CalendarView;
use crate::views::locators::LocatorsView;
use crate::views::pipeline::{PipelineView, StageGroup};
use crate::views::Context;

fn finish(name: &str, mut svg: DisplayList, f: &Frame, y: f32) -> Result<Image, RenderError> {
    bottom(&mut svg, f, y);
    svg.under_card(theme::CARD, theme::BORDER);
    rasterize(name, svg)
}

/// A bar of `value` out of `max` within `width`; at least a sliver when the value is not zero.
fn bar_len(value: u64, max: u64, width: f32) -> f32 {
    if value == 0 || max == 0 {
        0.0
    } else {
        (value as f32 / max as f32 * width).max(2.0)
    }
}

/// Leads per stage as horizontal bars, grouped open / green / closed.
pub fn stages(p: &PipelineView, ctx: &Context) -> Result<Image, RenderError> {
    let frame = Frame::of("Leads per stage".into(), &p.header, ctx, Some(format!("{} converted", p.converted)));
    let mut svg = DisplayList::new(theme::WIDTH);
    let mut y = top(&mut svg, &frame);
    let (label_w, count_w) = (150.0, 110.0);
    let bar_w = theme::WIDTH - 2.0 * PAD - label_w - count_w;
    let max = p.stages.iter().map(|s| s.leads).max().unwrap_or(0);
    let mut last_group = None;
    for s in &p.stages {
        if last_group != Some(s.group) {
            let heading = match s.group {
                StageGroup::Open => "OPEN",
                StageGroup::Green => "GREEN — approved, not yet delivered",
                StageGroup::Closed => "CLOSED",
            };
            y += 6.0;
            svg.text(heading, PAD, 300.0, y + 8.0, SMALL, true, theme::MUTED, Anchor::Start);
            y += 11.0;
            last_group = Some(s.group);
        }
        let color = match s.group {
            StageGroup::Open => theme::OPEN,
            StageGroup::Green => theme::GREEN,
            StageGroup::Closed => theme::CLOSED,
        };
        svg.text(&s.stage, PAD, label_w - 8.0, y + 10.5, BODY, false, theme::TEXT, Anchor::Start);
        svg.rect(PAD + label_w, y + 2.0, bar_len(s.leads, max, bar_w), 11.0, color, 2.0);
        let count = format!("{} · {} appointed", s.leads, s.appointed);
        svg.text(
            &count,
            PAD + label_w + bar_w + 6.0,
            count_w - 6.0,
            y + 10.5,
            SMALL,
            false,
            theme::TEXT,
            Anchor::Start,
        );
        y += 16.0;
    }
    if p.stages.is_empty() {
        svg.text("No leads yet.", PAD, theme::WIDTH - 2.0 * PAD, y + 16.0, BODY, false, theme::MUTED, Anchor::Middle);
        y += 24.0;
    }
    finish("pipeline-stages.png", svg, &frame, y)
}

/// Appointed → reached green → delivered, for leads first appointed in the period.
pub fn funnel(p: &PipelineView, ctx: &Context) -> Result<Image, RenderError> {
    let c = &p.conversion;
    let frame = Frame::of(format!("Green → Delivered — first appointed {} to {}", c.from, c.to), &p.header, ctx, None);
    let mut svg = DisplayList::new(theme::WIDTH);
    let mut y = top(&mut svg, &frame) + 6.0;
    let inner = theme::WIDTH - 2.0 * PAD;
    let pct = crate::views::percent;
    let steps = [
        ("Appointed", c.appointed, theme::OPEN, String::new()),
        ("Reached green", c.reached_green, theme::GREEN, pct(c.green_rate)),
        ("Delivered", c.reached_delivered, "#00664A", pct(c.delivered_rate)),
    ];
    let (label_w, bar_w) = (110.0, inner - 110.0 - 90.0);
    for (label, n, color, rate) in &steps {
        svg.text(label, PAD, label_w - 8.0, y + 15.0, BODY, true, theme::TEXT, Anchor::Start);
        let len = bar_len(*n, c.appointed.max(1), bar_w);
        // Centred bars narrow like a funnel.
        svg.rect(PAD + label_w + (bar_w - len) / 2.0, y + 2.0, len, 20.0, color, 3.0);
        let text = if rate.is_empty() { n.to_string() } else { format!("{n} · {rate}") };
        svg.text(&text, PAD + label_w + bar_w + 8.0, 82.0, y + 15.0, BODY, true, theme::TEXT, Anchor::Start);
        y += 28.0;
    }
    let days = |d: Option<f64>| d.map(|d| format!("{d:.1} days")).unwrap_or_else(|| "—".into());
    let line = format!(
        "Median time: appointment → green {}; green → delivered {}. In green now: {} ({} stuck ≥ {} days).",
        days(c.median_days_appointment_to_green),
        days(c.median_days_green_to_delivered),
        p.green.len(),
        p.green.iter().filter(|g| g.stuck).count(),
        ctx.rules.green_stuck_days
    );
    svg.text(&line, PAD, inner, y + 8.0, SMALL, false, theme::MUTED, Anchor::Start);
    finish("pipeline-funnel.png", svg, &frame, y + 10.0)
}

/// Stale and at-risk leads per locator, as stacked bars with both numbers written out.
pub fn locators(v: &LocatorsView, ctx: &Context) -> Result<Image, RenderError> {
    let frame = Frame::of(
        format!("Stale and at risk by locator — {} stale, {} at risk", v.total.stale, v.total.at_risk),
        &v.header,
        ctx,
        None,
    );
    let mut svg = DisplayList::new(theme::WIDTH);
    let mut y = top(&mut svg, &frame);
    let inner = theme::WIDTH - 2.0 * PAD;
    // Legend in words and colour.
    let (stale_fill, _, _) = theme::chip(Status::Stale);
    let (risk_fill, _, _) = theme::chip(Status::AtRisk);
    svg.rect(PAD, y + 3.0, 9.0, 9.0, stale_fill, 2.0);
    svg.text(Status::Stale.word(), PAD + 12.0, 40.0, y + 11.0, SMALL, false, theme::TEXT, Anchor::Start);
    svg.rect(PAD + 56.0, y + 3.0, 9.0, 9.0, risk_fill, 2.0);
    svg.text(Status::AtRisk.word(), PAD + 68.0, 50.0, y + 11.0, SMALL, false, theme::TEXT, Anchor::Start);
    y += 18.0;
    let (label_w, count_w) = (140.0, 110.0);
    let bar_w = inner - label_w - count_w;
    let rows: Vec<_> = v.rows.iter().filter(|r| r.stale + r.at_risk > 0).collect();
    let max = rows.iter().map(|r| r.stale + r.at_risk).max().unwrap_or(0);
    for r in &rows {
        svg.text(&r.locator, PAD, label_w - 8.0, y + 10.5, BODY, false, theme::TEXT, Anchor::Start);
        let s = bar_len(r.stale, max, bar_w);
        let a = bar_len(r.at_risk, max, bar_w);
        svg.rect(PAD + label_w, y + 2.0, s, 11.0, stale_fill, 1.5);
        svg.rect(PAD + label_w + s, y + 2.0, a, 11.0, risk_fill, 1.5);
        let text = format!("{} stale · {} at risk", r.stale, r.at_risk);
        svg.text(&text, PAD + label_w + bar_w + 6.0, count_w - 6.0, y + 10.5, SMALL, false, theme::TEXT, Anchor::Start);
        y += 16.0;
    }
    if rows.is_empty() {
        svg.text(
            "No locator has a stale or at-risk lead.",
            PAD,
            inner,
            y + 16.0,
            BODY,
            false,
            theme::MUTED,
            Anchor::Middle,
        );
        y += 24.0;
    }
    finish("locators-chart.png", svg, &frame, y)
}

/// A month grid: appointments per day, each day tinted by its most urgent status and marked
/// with that status's letter.
pub fn month(v: &CalendarView, ctx: &Context) -> Result<Image, RenderError> {
    let frame = Frame::of(
        format!("{} — {} appointments", v.period.describe(), v.total),
        &v.header,
        ctx,
        Some(format!("← {}   → {}", v.prev.describe(), v.next.describe())),
    );
    let mut svg = DisplayList::new(theme::WIDTH);
    let mut y = top(&mut svg, &frame);
    let inner = theme::WIDTH - 2.0 * PAD;
    let cw = inner / 7.0;
    let ch = 46.0;
    for (i, d) in ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].iter().enumerate() {
        svg.text(d, PAD + i as f32 * cw, cw, y + 9.0, SMALL, true, theme::MUTED, Anchor::Middle);
    }
    y += 13.0;
    let first = v.days.first().map(|d| d.date.weekday().num_days_from_monday() as usize).unwrap_or(0);
    let today = ctx.today();
    let rows = (first + v.days.len()).div_ceil(7);
    for (k, d) in v.days.iter().enumerate() {
        let slot = first + k;
        let (cx, cy) = (PAD + (slot % 7) as f32 * cw, y + (slot / 7) as f32 * ch);
        let n = d.appointments.len();
        let fill = d.worst.map(theme::tint).unwrap_or(theme::CARD);
        svg.rect(cx + 1.0, cy + 1.0, cw - 2.0, ch - 2.0, fill, 3.0);
        if d.date == today {
            svg.stroke_rect(cx + 1.5, cy + 1.5, cw - 3.0, ch - 3.0, theme::TEXT, 3.0);
        }
        svg.text(
            &d.date.day().to_string(),
            cx + 4.0,
            20.0,
            cy + 10.0,
            SMALL,
            d.date == today,
            theme::MUTED,
            Anchor::Start,
        );
        if n > 0 {
            svg.text(&n.to_string(), cx, cw, cy + 29.0, 13.0, true, theme::TEXT, Anchor::Middle);
            if let Some(w) = d.worst {
                let (chip_fill, ink, _) = theme::chip(w);
                svg.rect(cx + cw - 15.0, cy + 4.0, 11.0, 10.0, chip_fill, 2.0);
                svg.text(theme::letter(w), cx + cw - 15.0, 11.0, cy + 11.8, 7.2, true, ink, Anchor::Middle);
            }
        }
    }
    y += rows as f32 * ch + 8.0;
    // Legend: letter, colour and word for each status.
    let mut x = PAD;
    for s in Status::ALL {
        let (chip_fill, ink, label) = theme::chip(s);
        svg.rect(x, y, 11.0, 10.0, chip_fill, 2.0);
        svg.text(theme::letter(s), x, 11.0, y + 7.8, 7.2, true, ink, Anchor::Middle);
        let lw = 70.0;
        svg.text(&label.to_lowercase(), x + 14.0, lw, y + 8.0, SMALL, false, theme::TEXT, Anchor::Start);
        x += 14.0 + super::font::width(&label.to_lowercase(), SMALL, false) + 12.0;
    }
    svg.text(
        "Each day shows its number of appointments, coloured by its most urgent lead.",
        PAD,
        inner,
        y + 22.0,
        SMALL,
        false,
        theme::MUTED,
        Anchor::Start,
    );
    finish(&format!("calendar-{}.png", v.period.from.format("%Y-%m")), svg, &frame, y + 24.0)
}

/// The digest's headline card: four numbers and how each moved since the last digest (in
/// words and arrows, not colour alone), then who holds the stale and at-risk leads.
pub fn digest_card(d: &crate::digest::Digest, ctx: &Context) -> Result<Image, RenderError> {
    let frame = Frame::of(format!("Morning digest — {}", d.date.format("%A %d %B")), &d.stale.header, ctx, None);
    let mut svg = DisplayList::new(theme::WIDTH);
    let mut y = top(&mut svg, &frame) + 2.0;
    let inner = theme::WIDTH - 2.0 * PAD;
    let gap = 8.0;
    let tile_w = (inner - 3.0 * gap) / 4.0;
    for (i, h) in d.headlines.iter().enumerate() {
        let x = PAD + i as f32 * (tile_w + gap);
        svg.rect(x, y, tile_w, 64.0, theme::HEADER_BAND, 6.0);
        svg.text(h.label, x + 8.0, tile_w - 16.0, y + 14.0, SMALL, true, theme::MUTED, Anchor::Start);
        svg.text(&h.count.to_string(), x + 8.0, tile_w - 16.0, y + 40.0, 22.0, true, theme::TEXT, Anchor::Start);
        // More stale, at risk or stuck is bad news; more appointments is neither.
        let neutral = h.label.starts_with("Appointments");
        let (text, colour) = match h.delta {
            None => ("first digest".to_string(), theme::MUTED),
            Some(0) => ("= same as last".to_string(), theme::MUTED),
            Some(n) if n > 0 => (format!("▲ {n} more"), if neutral { theme::OPEN } else { "#B34700" }),
            Some(n) => (format!("▼ {} fewer", -n), if neutral { theme::OPEN } else { "#007A5A" }),
        };
        svg.text(&text, x + 8.0, tile_w - 16.0, y + 56.0, SMALL, true, colour, Anchor::Start);
    }
    y += 76.0;
    if d.quiet {
        svg.text(&d.summary(), PAD, inner, y + 10.0, BODY, false, theme::TEXT, Anchor::Start);
        return finish(&format!("digest-{}.png", d.date), svg, &frame, y + 14.0);
    }
    svg.text("Stale + at risk by locator", PAD, inner, y + 8.0, SMALL, true, theme::MUTED, Anchor::Start);
    y += 12.0;
    let (label_w, count_w) = (150.0, 40.0);
    let bar_w = inner - label_w - count_w;
    let max = d.per_locator.iter().map(|c| c.count as u64).max().unwrap_or(0);
    let (stale_fill, _, _) = theme::chip(Status::Stale);
    for c in d.per_locator.iter().take(8) {
        svg.text(&c.locator, PAD, label_w - 8.0, y + 10.5, BODY, false, theme::TEXT, Anchor::Start);
        svg.rect(PAD + label_w, y + 2.0, bar_len(c.count as u64, max, bar_w), 11.0, stale_fill, 1.5);
        svg.text(
            &c.count.to_string(),
            PAD + label_w + bar_w + 6.0,
            count_w - 6.0,
            y + 10.5,
            BODY,
            true,
            theme::TEXT,
            Anchor::Start,
        );
        y += 16.0;
    }
    // A cut list says what it left out.
    if let Some(rest) = d.per_locator.get(8..).filter(|r| !r.is_empty()) {
        let leads: usize = rest.iter().map(|c| c.count).sum();
        let line = format!("+{} more locators ({leads} lead{})", rest.len(), if leads == 1 { "" } else { "s" });
        svg.text(&line, PAD, inner, y + 8.0, SMALL, true, theme::MUTED, Anchor::Start);
        y += 12.0;
    }
    if !d.new.is_empty() {
        y += 4.0;
        let line = format!("{} new since the last digest — marked NEW in the lists", d.new.len());
        svg.text(&line, PAD, inner, y + 8.0, SMALL, true, theme::TEXT, Anchor::Start);
        y += 10.0;
    }
    finish(&format!("digest-{}.png", d.date), svg, &frame, y)
}
