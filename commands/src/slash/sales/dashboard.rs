//! /dashboard — Your scorecards — won revenue, pipeline, win rate, deal size, cycle, velocity, leads — against the previous period and target.

use panopticon::views::state::SalesView;

use panopticon::render::sales::{bullets, line, Bullet, Series};
use panopticon::views::sales::dashboard::build;
use panopticon::views::sales::{Chart, Unit};

use super::kpi::{change, frame, message, period_line};
use panopticon::render::Image;

use super::scene::SalesScene;
use super::Typed;
use crate::kit::compose::Composed;
use crate::kit::compose::BLUE;
use crate::kit::{Ctx, Error};

/// Your scorecards against the previous period and target: revenue, pipeline, win rate, leads.
#[poise::command(slash_command, guild_only)]
pub async fn dashboard(
    ctx: Ctx<'_>,
    #[description = "The period (a preset, or 2026-01-01..2026-03-31); default: this month"]
    #[autocomplete = "super::periods"]
    period: Option<String>,
    #[description = "Only this person's numbers"]
    #[autocomplete = "super::owners"]
    owner: Option<String>,
    #[description = "Only this lead source"]
    #[autocomplete = "super::sources_ac"]
    source: Option<String>,
    #[description = "Only this pipeline"]
    #[autocomplete = "super::pipelines"]
    pipeline: Option<String>,
    #[description = "Only you see the answer (members' and managers' answers always are)"] private: Option<bool>,
) -> Result<(), Error> {
    let typed = Typed { period, owner, source, pipeline, stage: None };
    super::answer(ctx, private, SalesView::Dashboard, typed).await
}

/// The numbers as text and the image for a dashboard state: every scorecard as text (value, arrow against the previous
/// period, target) and as bullets on the image; the open pipeline by stage; its segments.
pub fn draw(sc: &SalesScene) -> Result<(Vec<String>, Vec<Image>), Error> {
    let v = build(sc.sales, &sc.sctx, &sc.access.scope, &sc.query);
    let cur = &v.currency;
    let mut lines = vec![period_line(sc)];
    let mut cards = Vec::new();
    for c in &v.scorecards {
        let now = c.show(c.value, cur);
        let before = c.show(c.previous, cur);
        let target = c.target.map(|t| {
            let pct = c.value.filter(|_| t > 0.0).map(|v| format!(" · {:.0}%", v / t * 100.0)).unwrap_or_default();
            format!("target {}{pct}", c.show(Some(t), cur))
        });
        let moved = change(c.value, c.previous, &before);
        let mut line = format!("**{}**: {now}", c.label);
        for extra in [Some(moved.clone()).filter(|m| !m.is_empty()), target.clone()].into_iter().flatten() {
            line.push_str(&format!(" · {extra}"));
        }
        lines.push(line);
        // A shorter cycle is the better one.
        let good_up = c.unit != Unit::Days;
        if let Some(value) = c.value {
            let arrow = match (c.value, c.previous) {
                // The image draws its own arrow: the words only.
                (Some(n), Some(b)) if (n - b).abs() > f64::EPSILON => {
                    Some((n > b, (n > b) == good_up, moved.trim_start_matches(['▲', '▼', '=', ' ']).to_string()))
                }
                _ => None,
            };
            cards.push(Bullet {
                label: c.label.to_string(),
                value,
                text: now,
                target: c.target,
                target_text: target,
                change: arrow,
            });
        }
    }
    if !v.pipeline.is_empty() {
        let by = v
            .pipeline
            .iter()
            .map(|s| format!("{} {} ({})", s.stage, super::money(cur, (s.amount * 100.0).round() as i64), s.deals));
        lines.push(format!("Open pipeline by stage: {}", panopticon::views::join_capped(by, 8, " · ")));
    }
    let mut images = vec![bullets("dashboard.png", &frame(sc, "Sales dashboard"), &cards)?];
    // New leads per week: the trend, as a line when the period spans two weeks or more.
    if v.lead_weeks.len() >= 2 {
        let counts = v.lead_weeks.iter().map(|w| format!("{} {}", w.week.format("%-d %b"), w.leads));
        lines.push(format!("New leads by week (from Monday): {}", panopticon::views::join_capped(counts, 14, " · ")));
        let labels: Vec<String> = v.lead_weeks.iter().map(|w| w.week.format("%-d %b").to_string()).collect();
        let trend = Series {
            name: "New leads".into(),
            values: v.lead_weeks.iter().map(|w| Some(w.leads as f64)).collect(),
            texts: v.lead_weeks.iter().map(|w| w.leads.to_string()).collect(),
        };
        images.push(line("lead-volume.png", &frame(sc, "New leads per week"), &labels, &[trend])?);
    }
    Ok((lines, images))
}

/// The message for this view: `draw`'s text and image, and the controls.
pub fn face(sc: &SalesScene) -> Result<Composed, Error> {
    let (lines, images) = draw(sc)?;
    message(sc, "Sales dashboard", BLUE, &lines, images, Chart::Pipeline, "Open the deals of a stage (just for you)…")
}
