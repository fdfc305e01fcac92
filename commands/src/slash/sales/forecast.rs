//! /forecast — Revenue by closing month: weighted pipeline and historical conversion, side by side, against target.

use panopticon::views::state::SalesView;

use panopticon::render::sales::{grouped, Series};
use panopticon::views::sales::forecast::build;
use panopticon::views::sales::Chart;

use super::kpi::{frame, message};
use panopticon::render::Image;

use super::scene::SalesScene;
use super::Typed;
use crate::kit::compose::Composed;
use crate::kit::compose::BLUE;
use crate::kit::{Ctx, Error};

/// Revenue by closing month: weighted pipeline and historical conversion, side by side, against target.
#[poise::command(slash_command, guild_only)]
pub async fn forecast(
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
    super::answer(ctx, private, SalesView::Forecast, typed).await
}

/// The numbers as text and the image for a forecast state: by closing month, the weighted pipeline and the
/// historical conversion side by side against target, the method said on the image and here.
pub fn draw(sc: &SalesScene) -> Result<(Vec<String>, Vec<Image>), Error> {
    let v = build(sc.sales, &sc.sctx, &sc.access.scope, &sc.query);
    let cur = &v.currency;
    let m = |x: f64| super::money(cur, (x * 100.0).round() as i64);
    let mut lines = vec![
        format!("Open deals by closing month · {}", sc.whose()),
        "**Weighted**: each deal's amount × its stage's probability. **Historical**: each deal's amount × \
         the org's measured win rate from its current stage (from stage history)."
            .to_string(),
    ];
    for r in &v.months {
        let target = r.target.map(|t| format!(" · target {}", m(t))).unwrap_or_default();
        let overdue = if r.overdue > 0 { format!(" ({} overdue)", r.overdue) } else { String::new() };
        lines.push(format!(
            "**{}**: {} deals{overdue}, {} · weighted **{}** · historical **{}**{target}",
            r.label,
            r.deals,
            m(r.amount),
            m(r.weighted),
            m(r.historical)
        ));
    }
    let cats: Vec<String> = v.months.iter().map(|r| r.label.clone()).collect();
    let series = |name: &str, get: &dyn Fn(&panopticon::views::sales::forecast::MonthRow) -> f64| Series {
        name: name.to_string(),
        values: v.months.iter().map(|r| Some(get(r))).collect(),
        texts: v.months.iter().map(|r| short(cur, get(r))).collect(),
    };
    let all = [series("Weighted pipeline", &|r| r.weighted), series("Historical conversion", &|r| r.historical)];
    let targets: Vec<Option<(f64, String)>> =
        v.months.iter().map(|r| r.target.map(|t| (t, format!("target {}", short(cur, t))))).collect();
    let mut f = frame(sc, "Forecast by closing month");
    f.note = Some("Weighted = amount × stage probability · Historical = amount × measured win rate from stage".into());
    let img = grouped("forecast.png", &f, &cats, &all, &targets)?;
    Ok((lines, vec![img]))
}

/// Money short enough for a column: $12.4k, $1.2M.
pub fn short(cur: &str, units: f64) -> String {
    let a = units.abs();
    let sign = if units < 0.0 { "-" } else { "" };
    if a >= 1_000_000.0 {
        format!("{sign}{cur}{:.1}M", a / 1_000_000.0)
    } else if a >= 1_000.0 {
        format!("{sign}{cur}{:.1}k", a / 1_000.0)
    } else {
        format!("{sign}{cur}{a:.0}")
    }
}

/// The message for this view: `draw`'s text and image, and the controls.
pub fn face(sc: &SalesScene) -> Result<Composed, Error> {
    let (lines, images) = draw(sc)?;
    message(sc, "Forecast", BLUE, &lines, images, Chart::Forecast, "Open the deals closing in a month (just for you)…")
}
