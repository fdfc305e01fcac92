//! What needs one person now (`/mine`): their stale and at-risk leads, today's and tomorrow's
//! appointments, and their leads stuck in green — the engine's own lists, calendar and
//! pipeline over a snapshot already narrowed to them (`Snapshot::within`), no rule of its own.

use chrono::{Duration, NaiveDate};

use crate::views::calendar::{self, CalendarView, Period};
use crate::views::list::{self, ListKind, ListView};
use crate::views::pipeline::{self, GreenLead};
use crate::views::{Context, Filter, Snapshot};

/// Everything /mine says.
pub struct Mine {
    pub date: NaiveDate,
    /// Most overdue first.
    pub stale: ListView,
    pub at_risk: ListView,
    /// Today and tomorrow.
    pub soon: CalendarView,
    /// In green past the green threshold, longest first.
    pub stuck: Vec<GreenLead>,
}

/// What needs the owner(s) of `s`'s leads at `ctx.as_of`.
pub fn mine(s: &Snapshot, ctx: &Context) -> Mine {
    let none = Filter::default();
    let date = ctx.today();
    let mut stuck: Vec<GreenLead> = pipeline::build(s, ctx, &none).green.into_iter().filter(|g| g.stuck).collect();
    stuck.sort_by(|a, b| b.days_in_stage.cmp(&a.days_in_stage).then_with(|| a.name.cmp(&b.name)));
    Mine {
        date,
        stale: list::build(s, ctx, ListKind::Stale, &none, None),
        at_risk: list::build(s, ctx, ListKind::AtRisk, &none, None),
        soon: calendar::build(s, ctx, Period::range(date, date + Duration::days(1)), &none),
        stuck,
    }
}

impl Mine {
    /// Nothing stale, at risk, booked or stuck.
    pub fn is_empty(&self) -> bool {
        self.stale.total == 0 && self.at_risk.total == 0 && self.soon.total == 0 && self.stuck.is_empty()
    }
}
