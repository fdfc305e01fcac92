//! **interventions**: the follow-up KPIs (`alerts::kpi`) as a view — per locator and overall,
//! time to intervention and locator response time (count, answered, open, median, mean), and
//! the last eight ISO weeks' trend. Also what `/locators` and the digest show of them.
//!
//! Read from a snapshot of every appointed lead (`Need::All`: the waits need whole histories)
//! with its interventions. A lead's appointment is measured when the lead was not closed then:
//! its stage at that instant (the `from` of the first later change, else its stage now) is not
//! a closed stage. When a lead converted is not recorded, so conversion alone does not close it.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::text::{col, colored, render, Align, Cell, Color};
use super::{csv_line, Context, Filter, Header, Snapshot, NO_LOCATOR};
use crate::alerts::kpi::{self, KpiAppointment, KpiLead, Summary, Wait};
use crate::rules::in_order;

/// How many ISO weeks the trend shows, this one included.
pub const WEEKS: usize = 8;

/// Both KPIs' waits, measured at `ctx.as_of`.
pub struct Waits {
    pub to_intervention: Vec<Wait>,
    pub response: Vec<Wait>,
}

/// Measures both KPIs over the snapshot's leads and interventions, keeping the waits `filter`
/// allows: its locators (the wait's locator) and its dates (the appointment's or nudge's date
/// in the business zone). Stages and statuses are the lead views' and do not apply.
pub fn measure(s: &Snapshot, ctx: &Context, filter: &Filter) -> Waits {
    let tz = ctx.tz();
    let leads: Vec<KpiLead> = s
        .leads
        .iter()
        .map(|l| {
            let ordered = in_order(&l.changes);
            let stage_at = |t: chrono::DateTime<chrono::Utc>| match ordered.iter().find(|c| c.at.utc() > t) {
                Some(c) => c.from.as_deref().map(str::to_string),
                None => l.stage.clone(),
            };
            KpiLead {
                id: l.id.clone(),
                locator: l.locator.clone(),
                appointments: l
                    .starts
                    .iter()
                    .map(|a| {
                        let at = a.at(tz).utc();
                        KpiAppointment { at, open: !ctx.rules.is_closed_stage(stage_at(at).as_deref()) }
                    })
                    .collect(),
                changes: l.changes.iter().map(|c| c.at.utc()).collect(),
            }
        })
        .collect();
    let keep = |w: &Wait| {
        let loc = w.locator.as_deref().unwrap_or(NO_LOCATOR);
        let day = w.start.with_timezone(&tz).date_naive();
        (filter.locators.is_empty() || filter.locators.iter().any(|l| l == loc))
            && filter.from.is_none_or(|f| day >= f)
            && filter.to.is_none_or(|t| day <= t)
    };
    let mut to_intervention = kpi::times_to_intervention(&leads, &s.interventions, ctx.as_of);
    to_intervention.retain(keep);
    let mut response = kpi::response_times(&leads, &s.interventions, ctx.as_of);
    response.retain(keep);
    Waits { to_intervention, response }
}

/// One KPI summed up, as people and programs read it: hours (one decimal) and words.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Stats {
    pub count: u64,
    pub answered: u64,
    pub open: u64,
    pub median_hours: Option<f64>,
    pub mean_hours: Option<f64>,
    pub oldest_open_hours: Option<f64>,
    /// "1 d 4 h", or "—" when nothing ended.
    pub median: String,
    pub mean: String,
}

impl Stats {
    pub fn of<'a>(waits: impl IntoIterator<Item = &'a Wait>, ctx: &Context) -> Stats {
        Stats::from(kpi::summarize(waits, ctx.as_of))
    }
}

impl From<Summary> for Stats {
    fn from(s: Summary) -> Stats {
        let hours = |x: Option<i64>| x.map(|x| (x as f64 / 360.0).round() / 10.0);
        let words = |x: Option<i64>| x.map(kpi::length_text).unwrap_or_else(|| "—".into());
        Stats {
            count: s.count,
            answered: s.answered,
            open: s.open,
            median_hours: hours(s.median_secs),
            mean_hours: hours(s.mean_secs),
            oldest_open_hours: hours(s.oldest_open_secs),
            median: words(s.median_secs),
            mean: words(s.mean_secs),
        }
    }
}

/// One locator's (or everyone's) follow-up.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InterventionsRow {
    pub locator: String,
    pub to_intervention: Stats,
    pub response: Stats,
}

/// One ISO week of the trend (appointments and nudges of that week).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WeekRow {
    /// "2026-W47".
    pub week: String,
    /// Its Monday.
    pub from: NaiveDate,
    pub to_intervention: Stats,
    pub response: Stats,
}

#[derive(Clone, Debug, Serialize)]
pub struct InterventionsView {
    #[serde(flatten)]
    pub header: Header,
    pub total: InterventionsRow,
    /// Slowest median time to intervention first.
    pub rows: Vec<InterventionsRow>,
    /// Oldest first, this week last.
    pub weeks: Vec<WeekRow>,
}

pub fn build(s: &Snapshot, ctx: &Context, filter: &Filter) -> InterventionsView {
    let w = measure(s, ctx, filter);
    let name = |x: &Wait| x.locator.clone().unwrap_or_else(|| NO_LOCATOR.to_string());
    let mut by: BTreeMap<String, (Vec<&Wait>, Vec<&Wait>)> = BTreeMap::new();
    for x in &w.to_intervention {
        by.entry(name(x)).or_default().0.push(x);
    }
    for x in &w.response {
        by.entry(name(x)).or_default().1.push(x);
    }
    let mut rows: Vec<InterventionsRow> = by
        .into_iter()
        .map(|(locator, (a, b))| InterventionsRow {
            locator,
            to_intervention: Stats::of(a, ctx),
            response: Stats::of(b, ctx),
        })
        .collect();
    rows.sort_by(|a, b| {
        let key = |r: &InterventionsRow| std::cmp::Reverse(r.to_intervention.median_hours.map(|h| (h * 10.0) as i64));
        key(a).cmp(&key(b)).then_with(|| a.locator.cmp(&b.locator))
    });
    let total = InterventionsRow {
        locator: "All locators".into(),
        to_intervention: Stats::of(&w.to_intervention, ctx),
        response: Stats::of(&w.response, ctx),
    };
    let tz = ctx.tz();
    let weeks = kpi::last_weeks(ctx.as_of, tz, WEEKS)
        .into_iter()
        .map(|monday| {
            let of = |v: &[Wait]| Stats::of(v.iter().filter(|x| kpi::week_of(x.start, tz) == monday), ctx);
            WeekRow {
                week: monday.format("%G-W%V").to_string(),
                from: monday,
                to_intervention: of(&w.to_intervention),
                response: of(&w.response),
            }
        })
        .collect();
    InterventionsView { header: Header::new("interventions", s, ctx, filter.describe()), total, rows, weeks }
}

impl InterventionsView {
    pub fn table(&self, ctx: &Context, color: bool) -> String {
        let mut out = format!("FOLLOW-UP — {} locators {}\n", self.rows.len(), self.header.describe(ctx));
        out.push_str(&self.header.notes());
        out.push('\n');
        let cols = [
            col("Locator", Align::Left, 24),
            col("Appts", Align::Right, 5),
            col("Acted", Align::Right, 5),
            col("Open", Align::Right, 4),
            col("Median to act", Align::Right, 13),
            col("Mean", Align::Right, 8),
            col("Nudges", Align::Right, 6),
            col("Answered", Align::Right, 8),
            col("Open", Align::Right, 4),
            col("Median reply", Align::Right, 12),
        ];
        let line = |x: &InterventionsRow, bold: bool| -> Vec<Cell> {
            let open =
                |v: u64| if v > 0 && !bold { colored(v.to_string(), Color::Yellow) } else { v.to_string().into() };
            let (a, r) = (&x.to_intervention, &x.response);
            vec![
                if bold { colored(x.locator.clone(), Color::Bold) } else { x.locator.as_str().into() },
                a.count.to_string().into(),
                a.answered.to_string().into(),
                open(a.open),
                a.median.as_str().into(),
                a.mean.as_str().into(),
                r.count.to_string().into(),
                r.answered.to_string().into(),
                open(r.open),
                r.median.as_str().into(),
            ]
        };
        let mut rows: Vec<Vec<Cell>> = self.rows.iter().map(|x| line(x, false)).collect();
        rows.push(line(&self.total, true));
        out.push_str(&render(&cols, &rows, color));
        out.push_str("\nBy week (appointments and nudges of the week)\n");
        let wcols = [
            col("Week", Align::Left, 8),
            col("From", Align::Left, 10),
            col("Appts", Align::Right, 5),
            col("Open", Align::Right, 4),
            col("Median to act", Align::Right, 13),
            col("Nudges", Align::Right, 6),
            col("Open", Align::Right, 4),
            col("Median reply", Align::Right, 12),
        ];
        let wrows: Vec<Vec<Cell>> = self
            .weeks
            .iter()
            .map(|w| {
                let (a, r) = (&w.to_intervention, &w.response);
                vec![
                    w.week.as_str().into(),
                    w.from.to_string().into(),
                    a.count.to_string().into(),
                    a.open.to_string().into(),
                    a.median.as_str().into(),
                    r.count.to_string().into(),
                    r.open.to_string().into(),
                    r.median.as_str().into(),
                ]
            })
            .collect();
        out.push_str(&render(&wcols, &wrows, color));
        out
    }

    /// The locators and the total (`locator` "All locators"), then the weeks (`locator`
    /// "week 2026-W47"), in one table of the same columns.
    pub fn csv(&self) -> String {
        let head = [
            "locator",
            "appointments",
            "acted_on",
            "open",
            "median_hours_to_intervention",
            "mean_hours_to_intervention",
            "oldest_open_hours",
            "nudges",
            "answered",
            "nudges_open",
            "median_hours_to_answer",
            "mean_hours_to_answer",
        ];
        let mut out = csv_line(&head.map(String::from));
        let h = |x: Option<f64>| x.map(|x| format!("{x:.1}")).unwrap_or_default();
        let mut line = |label: String, a: &Stats, r: &Stats| {
            out.push_str(&csv_line(&[
                label,
                a.count.to_string(),
                a.answered.to_string(),
                a.open.to_string(),
                h(a.median_hours),
                h(a.mean_hours),
                h(a.oldest_open_hours),
                r.count.to_string(),
                r.answered.to_string(),
                r.open.to_string(),
                h(r.median_hours),
                h(r.mean_hours),
            ]));
        };
        for x in self.rows.iter().chain([&self.total]) {
            line(x.locator.clone(), &x.to_intervention, &x.response);
        }
        for w in &self.weeks {
            line(format!("week {}", w.week), &w.to_intervention, &w.response);
        }
        out
    }
}
