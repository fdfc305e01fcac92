//! /activity — Calls, meetings, tasks completed and overdue, per person.

use panopticon::views::state::SalesView;

use panopticon::render::sales::{stacked, Series};
use panopticon::views::sales::activity::build;
use panopticon::views::sales::Chart;

use super::kpi::{change, frame, message, period_line};
use panopticon::render::Image;

use super::scene::SalesScene;
use super::Typed;
use crate::kit::compose::Composed;
use crate::kit::compose::BLUE;
use crate::kit::{Ctx, Error};

/// Calls, meetings, tasks completed and overdue, per person.
#[poise::command(slash_command, guild_only)]
pub async fn activity(
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
    super::answer(ctx, private, SalesView::Activity, typed).await
}

/// The numbers as text and the image for an activity state: calls, meetings, tasks completed and overdue per person,
/// stacked on the image and written out, with the totals against the previous period.
pub fn draw(sc: &SalesScene) -> Result<(Vec<String>, Vec<Image>), Error> {
    let v = build(sc.sales, &sc.sctx, &sc.access.scope, &sc.query);
    let (t, p) = (&v.total, &v.previous_total);
    let n = |x: u64| Some(x as f64);
    let target = |t: Option<f64>| t.map(|t| format!(" · target {t:.0}")).unwrap_or_default();
    let mut lines = vec![
        period_line(sc),
        format!(
            "**Calls made**: {} {}{}",
            t.calls,
            change(n(t.calls), n(p.calls), &p.calls.to_string()),
            target(v.calls_target)
        ),
        format!(
            "**Meetings held**: {} {}{}",
            t.meetings,
            change(n(t.meetings), n(p.meetings), &p.meetings.to_string()),
            target(v.meetings_target)
        ),
        format!(
            "**Tasks completed**: {} {}",
            t.tasks_completed,
            change(n(t.tasks_completed), n(p.tasks_completed), &p.tasks_completed.to_string())
        ),
        format!("**Tasks overdue**: {}", t.tasks_overdue),
    ];
    for r in &v.people {
        lines.push(format!(
            "{}: {} calls · {} meetings · {} tasks done · {} overdue",
            r.name, r.calls, r.meetings, r.tasks_completed, r.tasks_overdue
        ));
    }
    let cats: Vec<String> = v.people.iter().map(|r| r.name.clone()).collect();
    let series = |name: &str, get: &dyn Fn(&panopticon::views::sales::activity::PersonRow) -> u64| Series {
        name: name.to_string(),
        values: v.people.iter().map(|r| Some(get(r) as f64)).collect(),
        texts: v.people.iter().map(|r| get(r).to_string()).collect(),
    };
    let all = [
        series("Calls", &|r| r.calls),
        series("Meetings", &|r| r.meetings),
        series("Tasks done", &|r| r.tasks_completed),
        series("Overdue", &|r| r.tasks_overdue),
    ];
    let totals: Vec<String> =
        v.people.iter().map(|r| (r.calls + r.meetings + r.tasks_completed + r.tasks_overdue).to_string()).collect();
    let img = stacked("activity.png", &frame(sc, "Activity per person"), &cats, &all, &totals)?;
    Ok((lines, vec![img]))
}

/// The message for this view: `draw`'s text and image, and the controls.
pub fn face(sc: &SalesScene) -> Result<Composed, Error> {
    let (lines, images) = draw(sc)?;
    message(sc, "Activity", BLUE, &lines, images, Chart::Activity, "Open a person's activity (just for you)…")
}
