//! Date presets (today, this week … year to date, custom) resolved to a span of calendar days
//! in the business time zone, with the period each is compared with (the arrows on a scorecard).
//!
//! A period is half-open, `[from, to)`, in local dates; its instants are the starts of those
//! days in `[rules] timezone` (`Period::instants`), so a deal won at 23:30 local on the last
//! day of the month counts in that month whatever the offset it was written with. Weeks start
//! on Monday. A "to date" period is compared with the same stretch of the unit before it
//! (this month to the 14th against last month to the 14th, cut at that month's end).

use std::fmt;

use chrono::{Datelike, Duration, Months, NaiveDate, Weekday};
use chrono_tz::Tz;

use crate::time::Stamp;

/// What a person picks from the select or types after `--period`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Preset {
    Today,
    ThisWeek,
    LastWeek,
    ThisMonth,
    LastMonth,
    QuarterToDate,
    LastQuarter,
    YearToDate,
    /// Both days included, as typed: `2026-01-01..2026-03-31`.
    Custom {
        first: NaiveDate,
        last: NaiveDate,
    },
}

/// The longest custom range: ten years.
pub const MAX_CUSTOM_DAYS: i64 = 3660;

impl Preset {
    /// Every preset but custom, in the order the select shows them.
    pub const NAMED: [Preset; 8] = [
        Preset::Today,
        Preset::ThisWeek,
        Preset::LastWeek,
        Preset::ThisMonth,
        Preset::LastMonth,
        Preset::QuarterToDate,
        Preset::LastQuarter,
        Preset::YearToDate,
    ];

    /// The short name used in custom_ids, `--period` and JSON (`custom` for a range).
    pub fn key(self) -> &'static str {
        match self {
            Preset::Today => "today",
            Preset::ThisWeek => "this-week",
            Preset::LastWeek => "last-week",
            Preset::ThisMonth => "this-month",
            Preset::LastMonth => "last-month",
            Preset::QuarterToDate => "qtd",
            Preset::LastQuarter => "last-quarter",
            Preset::YearToDate => "ytd",
            Preset::Custom { .. } => "custom",
        }
    }

    /// What a person reads on the select.
    pub fn label(self) -> &'static str {
        match self {
            Preset::Today => "Today",
            Preset::ThisWeek => "This week",
            Preset::LastWeek => "Last week",
            Preset::ThisMonth => "This month",
            Preset::LastMonth => "Last month",
            Preset::QuarterToDate => "Quarter to date",
            Preset::LastQuarter => "Last quarter",
            Preset::YearToDate => "Year to date",
            Preset::Custom { .. } => "Custom range",
        }
    }

    /// Parses a preset key or a custom range `YYYY-MM-DD..YYYY-MM-DD` (both days included).
    pub fn parse(text: &str) -> Result<Preset, String> {
        let t = text.trim();
        if let Some(p) = Preset::NAMED.into_iter().find(|p| p.key().eq_ignore_ascii_case(t)) {
            return Ok(p);
        }
        match t.split_once("..") {
            Some((a, b)) => Preset::custom(a, b),
            None => Err(format!(
                "'{}' is not a period: use one of {}, or a range like 2026-01-01..2026-03-31",
                shown(t),
                Preset::NAMED.map(|p| p.key()).join(", ")
            )),
        }
    }

    /// A custom range from its two typed ends (both included).
    pub fn custom(first: &str, last: &str) -> Result<Preset, String> {
        let day = |s: &str| {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map_err(|_| format!("'{}' is not a date (YYYY-MM-DD, e.g. 2026-01-31)", shown(s.trim())))
        };
        let (first, last) = (day(first)?, day(last)?);
        if last < first {
            return Err(format!("the range ends ({last}) before it starts ({first})"));
        }
        if (last - first).num_days() >= MAX_CUSTOM_DAYS {
            return Err(format!("the range is longer than {MAX_CUSTOM_DAYS} days"));
        }
        Ok(Preset::Custom { first, last })
    }

    /// The period this preset means on `today` (a local date in the business zone).
    pub fn resolve(self, today: NaiveDate) -> Period {
        let next = |d: NaiveDate| d + Duration::days(1);
        let (from, to) = match self {
            Preset::Today => (today, next(today)),
            Preset::ThisWeek => (week_start(today), next(today)),
            Preset::LastWeek => (week_start(today) - Duration::days(7), week_start(today)),
            Preset::ThisMonth => (month_start(today), next(today)),
            Preset::LastMonth => (month_start(today) - Months::new(1), month_start(today)),
            Preset::QuarterToDate => (quarter_start(today), next(today)),
            Preset::LastQuarter => (quarter_start(today) - Months::new(3), quarter_start(today)),
            Preset::YearToDate => (year_start(today), next(today)),
            Preset::Custom { first, last } => (first, next(last)),
        };
        Period { preset: self, from, to }
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Preset::Custom { first, last } => write!(f, "{first}..{last}"),
            p => f.write_str(p.key()),
        }
    }
}

/// Typed text as an error may quote it: no control characters, not too long.
fn shown(t: &str) -> String {
    crate::views::text::ellipsize(&crate::views::text::for_terminal(t), 40)
}

fn week_start(d: NaiveDate) -> NaiveDate {
    d - Duration::days(d.weekday().days_since(Weekday::Mon) as i64)
}

fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).expect("day 1 exists")
}

fn quarter_start(d: NaiveDate) -> NaiveDate {
    let m = (d.month0() / 3) * 3 + 1;
    NaiveDate::from_ymd_opt(d.year(), m, 1).expect("a quarter's first day exists")
}

fn year_start(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year(), 1, 1).expect("1 January exists")
}

/// A span of local days, `[from, to)`, and the preset it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Period {
    pub preset: Preset,
    pub from: NaiveDate,
    /// The first day after the period.
    pub to: NaiveDate,
}

impl Period {
    /// Days in the period (at least 1).
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days()
    }

    /// The last day in the period.
    pub fn last(&self) -> NaiveDate {
        self.to - Duration::days(1)
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && day < self.to
    }

    /// Whether an instant falls in the period, reading its date in the business zone.
    pub fn holds(&self, at: &Stamp, tz: Tz) -> bool {
        self.contains(at.date_in(tz))
    }

    /// The period's first and after-last instants in `tz` (midnight, or the first hour a DST
    /// change leaves).
    pub fn instants(&self, tz: Tz) -> (Stamp, Stamp) {
        (Stamp::start_of_day(self.from, tz), Stamp::start_of_day(self.to, tz))
    }

    /// What this period is compared with: the unit before, cut to the same length for a
    /// "to date" period; for a custom range, the same number of days just before it.
    pub fn previous(&self) -> Period {
        let shift = |months: u32| {
            let from = self.from - Months::new(months);
            let unit_end = self.from;
            // The same stretch of the earlier unit, never past its end (31 March → 28 February).
            let to = (self.to - Months::new(months)).max(from + Duration::days(1)).min(unit_end);
            let to = if self.to == unit_end + Months::new(months) { unit_end } else { to };
            Period { preset: self.preset, from, to }
        };
        match self.preset {
            Preset::Today | Preset::ThisWeek | Preset::LastWeek | Preset::Custom { .. } => {
                let n = if matches!(self.preset, Preset::ThisWeek | Preset::LastWeek) { 7 } else { self.days() };
                let from = self.from - Duration::days(n);
                Period { preset: self.preset, from, to: from + Duration::days(self.days()) }
            }
            Preset::ThisMonth | Preset::LastMonth => shift(1),
            Preset::QuarterToDate | Preset::LastQuarter => shift(3),
            Preset::YearToDate => shift(12),
        }
    }

    /// "1–14 Nov 2026", "Nov 2026", "Q3 2026", "2026", "22 Nov 2026".
    pub fn describe(&self) -> String {
        let last = self.last();
        if self.days() == 1 {
            return self.from.format("%-d %b %Y").to_string();
        }
        let whole_month = self.from.day() == 1 && self.to == self.from + Months::new(1);
        if whole_month {
            return self.from.format("%b %Y").to_string();
        }
        let whole_quarter = self.from == quarter_start(self.from) && self.to == self.from + Months::new(3);
        if whole_quarter {
            return format!("Q{} {}", self.from.month0() / 3 + 1, self.from.year());
        }
        if self.from == year_start(self.from) && self.to == self.from + Months::new(12) {
            return self.from.year().to_string();
        }
        if self.from.year() != last.year() {
            format!("{} – {}", self.from.format("%-d %b %Y"), last.format("%-d %b %Y"))
        } else if self.from.month() != last.month() {
            format!("{} – {}", self.from.format("%-d %b"), last.format("%-d %b %Y"))
        } else {
            format!("{}–{}", self.from.format("%-d"), last.format("%-d %b %Y"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn span(p: Period) -> (String, String) {
        (p.from.to_string(), p.last().to_string())
    }

    fn s(a: &str, b: &str) -> (String, String) {
        (a.to_string(), b.to_string())
    }

    #[test]
    fn presets_on_a_sunday_in_november() {
        let today = d("2026-11-22"); // a Sunday
        assert_eq!(span(Preset::Today.resolve(today)), s("2026-11-22", "2026-11-22"));
        assert_eq!(span(Preset::ThisWeek.resolve(today)), s("2026-11-16", "2026-11-22"));
        assert_eq!(span(Preset::LastWeek.resolve(today)), s("2026-11-09", "2026-11-15"));
        assert_eq!(span(Preset::ThisMonth.resolve(today)), s("2026-11-01", "2026-11-22"));
        assert_eq!(span(Preset::LastMonth.resolve(today)), s("2026-10-01", "2026-10-31"));
        assert_eq!(span(Preset::QuarterToDate.resolve(today)), s("2026-10-01", "2026-11-22"));
        assert_eq!(span(Preset::LastQuarter.resolve(today)), s("2026-07-01", "2026-09-30"));
        assert_eq!(span(Preset::YearToDate.resolve(today)), s("2026-01-01", "2026-11-22"));
    }

    #[test]
    fn boundaries_of_month_quarter_and_year() {
        // 1 January: everything "to date" is one day; last quarter and last month are last year's.
        let ny = d("2027-01-01");
        assert_eq!(span(Preset::YearToDate.resolve(ny)), s("2027-01-01", "2027-01-01"));
        assert_eq!(span(Preset::LastQuarter.resolve(ny)), s("2026-10-01", "2026-12-31"));
        assert_eq!(span(Preset::LastMonth.resolve(ny)), s("2026-12-01", "2026-12-31"));
        assert_eq!(span(Preset::QuarterToDate.resolve(ny)), s("2027-01-01", "2027-01-01"));
        // 31 March, the last day of Q1.
        let q = d("2026-03-31");
        assert_eq!(span(Preset::QuarterToDate.resolve(q)), s("2026-01-01", "2026-03-31"));
        assert_eq!(span(Preset::LastQuarter.resolve(q)), s("2025-10-01", "2025-12-31"));
        // 1 April opens Q2.
        assert_eq!(span(Preset::QuarterToDate.resolve(d("2026-04-01"))), s("2026-04-01", "2026-04-01"));
        // A week that crosses the year.
        assert_eq!(span(Preset::ThisWeek.resolve(d("2027-01-01"))), s("2026-12-28", "2027-01-01"));
    }

    #[test]
    fn previous_periods_compare_like_with_like() {
        // This month to the 31st against last month, cut at its end (February has 28 days).
        let p = Preset::ThisMonth.resolve(d("2026-03-31"));
        assert_eq!(span(p.previous()), s("2026-02-01", "2026-02-28"));
        let p = Preset::ThisMonth.resolve(d("2026-11-14"));
        assert_eq!(span(p.previous()), s("2026-10-01", "2026-10-14"));
        // Whole units compare with whole units.
        assert_eq!(span(Preset::LastMonth.resolve(d("2026-03-15")).previous()), s("2026-01-01", "2026-01-31"));
        assert_eq!(span(Preset::LastQuarter.resolve(d("2026-02-10")).previous()), s("2025-07-01", "2025-09-30"));
        assert_eq!(span(Preset::QuarterToDate.resolve(d("2026-05-31")).previous()), s("2026-01-01", "2026-02-28"));
        // Year to date on 29 February against last year to 28 February.
        assert_eq!(span(Preset::YearToDate.resolve(d("2028-02-29")).previous()), s("2027-01-01", "2027-02-28"));
        assert_eq!(span(Preset::Today.resolve(d("2026-03-01")).previous()), s("2026-02-28", "2026-02-28"));
        assert_eq!(span(Preset::ThisWeek.resolve(d("2026-11-18")).previous()), s("2026-11-09", "2026-11-11"));
        let c = Preset::parse("2026-01-10..2026-01-19").unwrap().resolve(d("2026-11-22"));
        assert_eq!(span(c.previous()), s("2025-12-31", "2026-01-09"));
    }

    #[test]
    fn parsing_names_ranges_and_nonsense() {
        assert_eq!(Preset::parse("QTD").unwrap(), Preset::QuarterToDate);
        assert_eq!(Preset::parse(" last-month ").unwrap(), Preset::LastMonth);
        assert_eq!(Preset::parse("2026-01-01..2026-01-01").unwrap().resolve(d("2026-05-05")).days(), 1);
        assert!(Preset::parse("2026-02-01..2026-01-01").unwrap_err().contains("before it starts"));
        assert!(Preset::parse("2026-02-30..2026-03-01").unwrap_err().contains("not a date"));
        assert!(Preset::parse("2000-01-01..2026-01-01").unwrap_err().contains("longer than"));
        let e = Preset::parse("next\u{1b}[31myear").unwrap_err();
        assert!(e.contains("not a period") && !e.contains('\u{1b}'), "{e}");
        for p in Preset::NAMED {
            assert_eq!(Preset::parse(p.key()).unwrap(), p);
            assert_eq!(Preset::parse(&p.to_string()).unwrap(), p);
        }
    }

    #[test]
    fn instants_are_local_midnights_across_dst() {
        let tz: Tz = "America/New_York".parse().unwrap();
        // March 2026: DST starts on the 8th; the month is 31 days minus one hour long.
        let p = Preset::LastMonth.resolve(d("2026-04-10"));
        let (a, b) = p.instants(tz);
        assert_eq!(a.utc_text(), "2026-03-01T05:00:00Z");
        assert_eq!(b.utc_text(), "2026-04-01T04:00:00Z");
        // 23:30 local on 31 March is in March; 00:30 local on 1 April is not.
        assert!(p.holds(&Stamp::parse("2026-03-31T23:30:00-04:00").unwrap(), tz));
        assert!(!p.holds(&Stamp::parse("2026-04-01T00:30:00-04:00").unwrap(), tz));
        // Written in UTC, read in the business zone.
        assert!(p.holds(&Stamp::parse("2026-04-01T03:30:00Z").unwrap(), tz));
    }

    #[test]
    fn descriptions() {
        assert_eq!(Preset::LastMonth.resolve(d("2026-11-22")).describe(), "Oct 2026");
        assert_eq!(Preset::LastQuarter.resolve(d("2026-11-22")).describe(), "Q3 2026");
        assert_eq!(Preset::ThisMonth.resolve(d("2026-11-22")).describe(), "1–22 Nov 2026");
        assert_eq!(Preset::QuarterToDate.resolve(d("2026-11-22")).describe(), "1 Oct – 22 Nov 2026");
        assert_eq!(Preset::Today.resolve(d("2026-11-22")).describe(), "22 Nov 2026");
        assert_eq!(Preset::ThisWeek.resolve(d("2027-01-01")).describe(), "28 Dec 2026 – 1 Jan 2027");
    }
}
