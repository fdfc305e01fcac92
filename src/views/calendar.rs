//! The **calendar**: appointments day by day for a day, a week, a month or a range, each
//! with its lead's status, and the periods before and after for navigation.

use chrono::{Datelike, Duration, NaiveDate, Timelike, Weekday};
use serde::Serialize;

use super::text::{col, colored, render, status_label, Align, Cell, Color};
use super::{assess_lead, csv_line, Context, Filter, Header, Snapshot, NO_LOCATOR};
use crate::rules::Status;
use crate::time::Stamp;

/// What a calendar spans. Day, week and month are named periods around a date (what
/// `--period`, /calendar's choices and its buttons offer); a range is any span of dates. One
/// type for the view, the view state and the commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Day,
    Week,
    Month,
    Range,
}

impl PeriodKind {
    /// The periods one asks for by name, in the order they are offered.
    pub const NAMED: [PeriodKind; 3] = [PeriodKind::Day, PeriodKind::Week, PeriodKind::Month];

    /// (what one types for `--period`, other spellings, how a choice says it); a range is
    /// asked for with dates, not by name.
    fn names(self) -> Option<(&'static str, &'static [&'static str], &'static str)> {
        match self {
            PeriodKind::Day => Some(("today", &["day"], "today")),
            PeriodKind::Week => Some(("week", &[], "this week")),
            PeriodKind::Month => Some(("month", &[], "this month")),
            PeriodKind::Range => None,
        }
    }

    /// Its name for `--period`: "today", "week", "month" (`None` for a range).
    pub fn name(self) -> Option<&'static str> {
        self.names().map(|n| n.0)
    }

    /// How a choice offers it: "today", "this week", "this month" (`None` for a range).
    pub fn label(self) -> Option<&'static str> {
        self.names().map(|n| n.2)
    }

    /// A named period as typed: its name or another spelling, in any case.
    pub fn parse(s: &str) -> Option<PeriodKind> {
        let typed = s.trim().to_ascii_lowercase();
        PeriodKind::NAMED
            .into_iter()
            .find(|k| k.names().is_some_and(|(name, other, _)| name == typed || other.contains(&typed.as_str())))
    }
}

/// A span of business-zone dates, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Period {
    pub kind: PeriodKind,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    pub fn day(d: NaiveDate) -> Period {
        Period { kind: PeriodKind::Day, from: d, to: d }
    }

    /// Monday to Sunday around `d`.
    pub fn week(d: NaiveDate) -> Period {
        let from = d - Duration::days(d.weekday().num_days_from_monday() as i64);
        Period { kind: PeriodKind::Week, from, to: from + Duration::days(6) }
    }

    pub fn month(d: NaiveDate) -> Period {
        let from = d.with_day(1).expect("day 1 exists");
        let next = if from.month() == 12 {
            NaiveDate::from_ymd_opt(from.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(from.year(), from.month() + 1, 1)
        }
        .expect("valid month");
        Period { kind: PeriodKind::Month, from, to: next - Duration::days(1) }
    }

    pub fn range(from: NaiveDate, to: NaiveDate) -> Period {
        Period { kind: PeriodKind::Range, from, to }
    }

    /// The period of `kind` around `d`: its day, week or month (a range of that one day).
    pub fn around(kind: PeriodKind, d: NaiveDate) -> Period {
        match kind {
            PeriodKind::Day => Period::day(d),
            PeriodKind::Week => Period::week(d),
            PeriodKind::Month => Period::month(d),
            PeriodKind::Range => Period::range(d, d),
        }
    }

    /// The period just before this one, of the same kind and length.
    pub fn prev(&self) -> Period {
        match self.kind {
            PeriodKind::Day => Period::day(self.from - Duration::days(1)),
            PeriodKind::Week => Period::week(self.from - Duration::days(7)),
            PeriodKind::Month => Period::month(self.from - Duration::days(1)),
            PeriodKind::Range => {
                let len = (self.to - self.from).num_days() + 1;
                Period::range(self.from - Duration::days(len), self.from - Duration::days(1))
            }
        }
    }

    pub fn next(&self) -> Period {
        match self.kind {
            PeriodKind::Day => Period::day(self.to + Duration::days(1)),
            PeriodKind::Week => Period::week(self.to + Duration::days(1)),
            PeriodKind::Month => Period::month(self.to + Duration::days(1)),
            PeriodKind::Range => {
                let len = (self.to - self.from).num_days() + 1;
                Period::range(self.to + Duration::days(1), self.to + Duration::days(len))
            }
        }
    }

    pub fn days(&self) -> impl Iterator<Item = NaiveDate> {
        let (from, n) = (self.from, (self.to - self.from).num_days().max(0));
        (0..=n).map(move |i| from + Duration::days(i))
    }

    pub fn describe(&self) -> String {
        match self.kind {
            PeriodKind::Day => self.from.format("%A %d %B %Y").to_string(),
            PeriodKind::Week => format!("week of {}", self.from.format("%d %b %Y")),
            PeriodKind::Month => self.from.format("%B %Y").to_string(),
            PeriodKind::Range => format!("{} – {}", self.from, self.to),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CalendarItem {
    /// The appointment's instant; for an all-day one, the start of its date in the business
    /// zone.
    #[serde(serialize_with = "super::ser_stamp")]
    pub at: Option<Stamp>,
    /// Local time of day in the business zone ("14:30"), or "all day".
    pub time: String,
    pub lead_id: String,
    pub name: String,
    pub company: Option<String>,
    pub locator: Option<String>,
    pub stage: Option<String>,
    pub status: Status,
    pub title: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CalendarDay {
    pub date: NaiveDate,
    pub weekday: String,
    pub appointments: Vec<CalendarItem>,
    /// The most urgent status that day (for colouring a month grid).
    pub worst: Option<Status>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CalendarView {
    #[serde(flatten)]
    pub header: Header,
    pub period: Period,
    pub prev: Period,
    pub next: Period,
    pub total: usize,
    pub days: Vec<CalendarDay>,
}

pub fn build(s: &Snapshot, ctx: &Context, period: Period, filter: &Filter) -> CalendarView {
    let tz = ctx.tz();
    let mut by_day: std::collections::BTreeMap<NaiveDate, Vec<CalendarItem>> = Default::default();
    let in_period = |d: NaiveDate| d >= period.from && d <= period.to;
    for l in &s.leads {
        // Only leads with an appointment in the period need a verdict.
        // An all-day appointment is on its own date, not on the date of a foreign midnight.
        let dates: Vec<NaiveDate> = l.appointments.iter().map(|a| a.rules().date(tz)).collect();
        if !dates.iter().any(|d| in_period(*d)) {
            continue;
        }
        let Some(r) = assess_lead(l, ctx.as_of, ctx.rules).filter(|r| filter.matches_but_dates(r)) else {
            continue;
        };
        let lead_id = &l.id;
        for (a, &d) in l.appointments.iter().zip(&dates) {
            if !in_period(d) {
                continue;
            }
            let time = if a.all_day {
                "all day".to_string()
            } else {
                let t = a.start.utc().with_timezone(&tz);
                format!("{:02}:{:02}", t.hour(), t.minute())
            };
            by_day.entry(d).or_default().push(CalendarItem {
                at: Some(a.rules().at(tz)),
                time,
                lead_id: lead_id.clone(),
                name: r.name.clone(),
                company: r.company.clone(),
                locator: r.locator.clone(),
                stage: r.stage.clone(),
                status: r.status,
                title: a.title.clone(),
            });
        }
    }
    let days: Vec<CalendarDay> = period
        .days()
        .map(|d| {
            let mut appointments = by_day.remove(&d).unwrap_or_default();
            appointments.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.name.cmp(&b.name)));
            let worst = appointments.iter().map(|i| i.status).min_by_key(|s| s.urgency());
            CalendarDay { date: d, weekday: weekday_name(d.weekday()).into(), appointments, worst }
        })
        .collect();
    let mut filters = filter.describe();
    filters.retain(|f| !f.starts_with("appointment"));
    CalendarView {
        header: Header::new("calendar", s, ctx, filters),
        period,
        prev: period.prev(),
        next: period.next(),
        total: days.iter().map(|d| d.appointments.len()).sum(),
        days,
    }
}

fn weekday_name(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "Mon",
        Weekday::Tue => "Tue",
        Weekday::Wed => "Wed",
        Weekday::Thu => "Thu",
        Weekday::Fri => "Fri",
        Weekday::Sat => "Sat",
        Weekday::Sun => "Sun",
    }
}

impl CalendarView {
    pub fn table(&self, ctx: &Context, color: bool) -> String {
        let mut out = format!(
            "CALENDAR — {} — {} appointment{} {}\n",
            self.period.describe(),
            self.total,
            if self.total == 1 { "" } else { "s" },
            self.header.describe(ctx)
        );
        out.push_str(&self.header.notes());
        out.push_str(&format!("← {}   → {}\n", self.prev.describe(), self.next.describe()));
        // A month or a long range lists only days with appointments; a day or week shows all.
        let show_empty = matches!(self.period.kind, PeriodKind::Day | PeriodKind::Week);
        let columns = [
            col("Time", Align::Left, 7),
            col("Status", Align::Left, 10),
            col("Lead", Align::Left, 26),
            col("Company", Align::Left, 28),
            col("Locator", Align::Left, 20),
            col("Stage", Align::Left, 22),
        ];
        for d in &self.days {
            if d.appointments.is_empty() && !show_empty {
                continue;
            }
            out.push_str(&format!("\n{} {}\n", d.weekday, d.date));
            if d.appointments.is_empty() {
                out.push_str("  (no appointments)\n");
                continue;
            }
            let rows: Vec<Vec<Cell>> = d
                .appointments
                .iter()
                .map(|i| {
                    vec![
                        i.time.as_str().into(),
                        colored(status_label(i.status), Color::of(i.status)),
                        i.name.as_str().into(),
                        i.company.as_deref().unwrap_or("—").into(),
                        i.locator.as_deref().unwrap_or(NO_LOCATOR).into(),
                        i.stage.as_deref().unwrap_or("—").into(),
                    ]
                })
                .collect();
            for line in render(&columns, &rows, color).lines() {
                out.push_str("  ");
                out.push_str(line);
                out.push('\n');
            }
        }
        if self.total == 0 && !show_empty {
            out.push_str("\nNo appointments in this period.\n");
        }
        out
    }

    pub fn csv(&self) -> String {
        let mut out = csv_line(
            &["date", "time", "lead_id", "name", "company", "locator", "stage", "status", "appointment_at"]
                .map(String::from),
        );
        for d in &self.days {
            for i in &d.appointments {
                out.push_str(&csv_line(&[
                    d.date.to_string(),
                    i.time.clone(),
                    i.lead_id.clone(),
                    i.name.clone(),
                    i.company.clone().unwrap_or_default(),
                    i.locator.clone().unwrap_or_default(),
                    i.stage.clone().unwrap_or_default(),
                    i.status.as_str().to_string(),
                    i.at.map(|a| a.to_string()).unwrap_or_default(),
                ]));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn periods_navigate() {
        let w = Period::week(d("2026-11-21"));
        assert_eq!((w.from, w.to), (d("2026-11-16"), d("2026-11-22")));
        assert_eq!(w.next().from, d("2026-11-23"));
        assert_eq!(w.prev().to, d("2026-11-15"));
        let m = Period::month(d("2026-12-15"));
        assert_eq!((m.from, m.to), (d("2026-12-01"), d("2026-12-31")));
        assert_eq!((m.next().from, m.next().to), (d("2027-01-01"), d("2027-01-31")));
        assert_eq!((m.prev().from, m.prev().to), (d("2026-11-01"), d("2026-11-30")));
        let feb = Period::month(d("2028-02-10"));
        assert_eq!(feb.to, d("2028-02-29"));
        let r = Period::range(d("2026-11-01"), d("2026-11-10"));
        assert_eq!((r.next().from, r.next().to), (d("2026-11-11"), d("2026-11-20")));
        assert_eq!(Period::day(d("2026-11-21")).days().count(), 1);
    }

    #[test]
    fn named_periods_are_typed_by_name_and_offered_by_label() {
        assert_eq!(PeriodKind::parse(" Today "), Some(PeriodKind::Day));
        assert_eq!(PeriodKind::parse("day"), Some(PeriodKind::Day));
        assert_eq!(PeriodKind::parse("MONTH"), Some(PeriodKind::Month));
        assert_eq!(PeriodKind::parse("fortnight"), None);
        assert_eq!(PeriodKind::parse("range"), None, "a range is asked for with dates");
        let names: Vec<_> = PeriodKind::NAMED.iter().map(|k| (k.name().unwrap(), k.label().unwrap())).collect();
        assert_eq!(names, [("today", "today"), ("week", "this week"), ("month", "this month")]);
        let around = Period::around(PeriodKind::Week, d("2026-11-21"));
        assert_eq!((around.from, around.to), (d("2026-11-16"), d("2026-11-22")));
        assert_eq!(Period::around(PeriodKind::Day, d("2026-11-21")), Period::day(d("2026-11-21")));
    }
}
