//! What the KPI messages (/dashboard, /forecast, /sources, /activity) share: the image's frame,
//! the embed with every number as text, and the three rows of controls — the date preset, the
//! filters, and the chart's segments.

use panopticon::render::table::Frame;
use panopticon::render::Image;
use panopticon::views::sales::Chart;
use poise::serenity_prelude::CreateActionRow;

use super::controls::{filter_row, preset_row, segment_row};
use super::scene::SalesScene;
use crate::kit::compose::{embed, file, Composed};
use crate::kit::Error;

/// The image's header: its title, the period and whose numbers, the filters, the sync's age.
pub fn frame(sc: &SalesScene, title: &str) -> Frame {
    let ctx = panopticon::views::Context::new(sc.cfg, chrono::Utc::now(), chrono::Utc::now());
    let mut header = sc.header.clone();
    header.filters = sc.filter_words();
    let mut f = Frame::of(title.to_string(), &header, &ctx, None);
    f.note = Some(format!("{} · {}", sc.period.describe(), sc.whose()));
    f
}

/// The first line of every KPI embed: the period, what it is compared with, and whose.
pub fn period_line(sc: &SalesScene) -> String {
    let prev = sc.period.previous();
    format!("**{}** (vs {}) · {}", sc.period.describe(), prev.describe(), sc.whose())
}

/// The message: the embed (numbers as text) with the first of `images` (the others attached
/// beside it: a trend or a funnel), and the controls.
pub fn message(
    sc: &SalesScene,
    title: &str,
    color: u32,
    lines: &[String],
    images: Vec<Image>,
    chart: Chart,
    segments_placeholder: &str,
) -> Result<Composed, Error> {
    let ctx = panopticon::views::Context::new(sc.cfg, chrono::Utc::now(), chrono::Utc::now());
    let mut header = sc.header.clone();
    header.filters = sc.filter_words();
    let mut rows: Vec<CreateActionRow> = Vec::new();
    rows.extend(preset_row(sc, "Period…"));
    rows.extend(filter_row(sc));
    rows.extend(segment_row(sc, chart, segments_placeholder));
    Ok(Composed {
        embeds: vec![embed(title, color, lines, &ctx, &header, images.first())],
        files: images.iter().map(file).collect(),
        components: rows,
    })
}

/// A change against the previous value, as an arrow and words: "▲ +12% (was $4,000)".
pub fn change(now: Option<f64>, before: Option<f64>, shown_before: &str) -> String {
    match (now, before) {
        (Some(n), Some(b)) if b.abs() > f64::EPSILON => {
            let pct = (n - b) / b.abs() * 100.0;
            let arrow = if n > b {
                "▲"
            } else if n < b {
                "▼"
            } else {
                "="
            };
            format!("{arrow} {pct:+.0}% (was {shown_before})")
        }
        (Some(n), Some(_)) if n.abs() > f64::EPSILON => format!("▲ (was {shown_before})"),
        (Some(_), Some(_)) => format!("= (was {shown_before})"),
        _ => String::new(),
    }
}
