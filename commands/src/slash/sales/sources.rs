//! /sources — Leads by source through appointment, green and delivered, and MQL → SQL.

use panopticon::views::state::SalesView;

use panopticon::render::sales::{donut, fold_slices, funnel, Slice, Step};
use panopticon::views::sales::sources::build;
use panopticon::views::sales::Chart;

use super::kpi::{frame, message, period_line};
use panopticon::render::Image;

use super::scene::SalesScene;
use super::Typed;
use crate::kit::compose::Composed;
use crate::kit::compose::BLUE;
use crate::kit::{Ctx, Error};

/// Leads by source through appointment, green and delivered, and MQL → SQL.
#[poise::command(slash_command, guild_only)]
pub async fn sources(
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
    super::answer(ctx, private, SalesView::Sources, typed).await
}

/// The numbers as text and the image for a sources state: new leads by source as a donut, and each source's funnel
/// (appointment, green, delivered) and MQL → SQL as text.
pub fn draw(sc: &SalesScene) -> Result<(Vec<String>, Vec<Image>), Error> {
    let v = build(sc.sales, &sc.sctx, &sc.access.scope, &sc.query);
    let pct = panopticon::views::percent;
    let o = &v.overall;
    let mut lines = vec![
        period_line(sc),
        format!(
            "**All sources**: {} leads → {} appointment ({}) → {} green ({}) → {} delivered ({}) · overall {} (before: {} leads, {})",
            o.leads, o.appointment, pct(o.to_appointment), o.green, pct(o.to_green), o.delivered, pct(o.to_delivered),
            pct(o.overall), v.previous_overall.leads, pct(v.previous_overall.overall)
        ),
        format!(
            "**MQL → SQL**: {} MQL → {} SQL ({}) · before {}",
            v.mql_sql.mql, v.mql_sql.sql, pct(v.mql_sql.rate), pct(v.previous_mql_sql.rate)
        ),
    ];
    for r in &v.sources {
        lines.push(format!(
            "**{}**: {} leads → {} appt → {} green → {} delivered · overall {}",
            r.label(),
            r.leads,
            r.appointment,
            r.green,
            r.delivered,
            pct(r.overall)
        ));
    }
    let slices: Vec<Slice> = v
        .sources
        .iter()
        .map(|r| Slice { label: r.label().to_string(), value: r.leads as f64, text: r.leads.to_string() })
        .collect();
    let folded = fold_slices(&slices, |x| format!("{x:.0}"));
    let img = donut("sources.png", &frame(sc, "New leads by source"), &folded, &o.leads.to_string(), "new leads")?;
    let steps: Vec<Step> =
        [("New leads", o.leads), ("Appointment", o.appointment), ("Green", o.green), ("Delivered", o.delivered)]
            .into_iter()
            .map(|(label, n)| Step { label: label.into(), value: n as f64, text: n.to_string() })
            .collect();
    let funnel = funnel("lead-funnel.png", &frame(sc, "Lead → appointment → green → delivered"), &steps)?;
    Ok((lines, vec![img, funnel]))
}

/// The message for this view: `draw`'s text and image, and the controls.
pub fn face(sc: &SalesScene) -> Result<Composed, Error> {
    let (lines, images) = draw(sc)?;
    message(sc, "Lead sources", BLUE, &lines, images, Chart::Sources, "Open a source's new leads (just for you)…")
}
