//! **activity**: per person, the calls made, meetings held and tasks completed in the period,
//! and the tasks overdue now (definitions: `sales::kpi::activity`), with the totals and the
//! previous period's totals.

use serde::Serialize;

use super::rows::{target_applies, PeriodOut};
use super::{filter_for, SalesContext, SalesQuery, SalesSnapshot};
use crate::config::TargetMetric;
use crate::people::Scope;
use crate::sales::kpi::activity::{self, PersonActivity};
use crate::sales::kpi::targets::target_for;
use crate::views::csv_line;
use crate::views::text::{col, render, Align, Cell};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PersonRow {
    pub owner_id: Option<String>,
    pub name: String,
    pub calls: u64,
    pub meetings: u64,
    pub tasks_completed: u64,
    pub tasks_overdue: u64,
}

impl PersonRow {
    fn of(p: PersonActivity) -> PersonRow {
        PersonRow {
            owner_id: p.owner_id,
            name: p.name,
            calls: p.calls,
            meetings: p.meetings,
            tasks_completed: p.tasks_completed,
            tasks_overdue: p.tasks_overdue,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ActivityView {
    pub view: &'static str,
    pub query: SalesQuery,
    pub period: PeriodOut,
    pub previous_period: PeriodOut,
    pub people: Vec<PersonRow>,
    pub total: PersonRow,
    pub previous_total: PersonRow,
    pub calls_target: Option<f64>,
    pub meetings_target: Option<f64>,
}

pub fn build(snap: &SalesSnapshot, ctx: &SalesContext, scope: &Scope, q: &SalesQuery) -> ActivityView {
    let f = filter_for(snap, ctx, scope, q);
    let period = ctx.period(q);
    let prev = period.previous();
    let people = snap.book.activity.per_person(&f, &period, ctx.tz(), ctx.now);
    let total = activity::total(&people);
    let previous_total = activity::total(&snap.book.activity.per_person(&f, &prev, ctx.tz(), ctx.now));
    let applies = target_applies(snap, ctx, &f);
    ActivityView {
        view: "activity",
        query: q.clone(),
        period: PeriodOut::of(&period),
        previous_period: PeriodOut::of(&prev),
        people: people.into_iter().map(PersonRow::of).collect(),
        total: PersonRow::of(total),
        previous_total: PersonRow::of(previous_total),
        calls_target: target_for(&ctx.sales.targets, TargetMetric::Calls, &period, &applies),
        meetings_target: target_for(&ctx.sales.targets, TargetMetric::Meetings, &period, &applies),
    }
}

impl ActivityView {
    pub fn table(&self, color: bool) -> String {
        let mut out = format!("ACTIVITY — {} (vs {})\n\n", self.period.label, self.previous_period.label);
        let cols = [
            col("Person", Align::Left, 28),
            col("Calls", Align::Right, 7),
            col("Meetings", Align::Right, 8),
            col("Tasks done", Align::Right, 10),
            col("Overdue now", Align::Right, 11),
        ];
        let row = |label: &str, r: &PersonRow| -> Vec<Cell> {
            vec![
                label.into(),
                r.calls.to_string().into(),
                r.meetings.to_string().into(),
                r.tasks_completed.to_string().into(),
                r.tasks_overdue.to_string().into(),
            ]
        };
        let mut rows: Vec<Vec<Cell>> = self.people.iter().map(|r| row(&r.name, r)).collect();
        rows.push(row("Total", &self.total));
        let mut prev = self.previous_total.clone();
        // Overdue is "now": the same for both periods, so not shown twice.
        prev.tasks_overdue = 0;
        let mut prev_row = row("Previous period", &prev);
        prev_row[4] = "".into();
        rows.push(prev_row);
        out.push_str(&render(&cols, &rows, color));
        for (what, t) in [("calls", self.calls_target), ("meetings", self.meetings_target)] {
            if let Some(t) = t {
                out.push_str(&format!("Target for {what}: {t:.0}\n"));
            }
        }
        out
    }

    pub fn csv(&self) -> String {
        let mut out = csv_line(
            &["owner_id", "person", "calls", "meetings", "tasks_completed", "tasks_overdue"].map(String::from),
        );
        for r in &self.people {
            out.push_str(&csv_line(&[
                r.owner_id.clone().unwrap_or_default(),
                r.name.clone(),
                r.calls.to_string(),
                r.meetings.to_string(),
                r.tasks_completed.to_string(),
                r.tasks_overdue.to_string(),
            ]));
        }
        out
    }
}
