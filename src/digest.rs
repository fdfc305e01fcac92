//! The morning digest: when it is due (DST-correct, in the business time zone), exactly once
//! per day (claimed in SQLite before it is sent), and what it says.
//!
//! Time is always passed in (`now`), never read here, so every rule is testable without
//! waiting: the bot's loop asks `Schedule::decide` what to do and sleeps until told.

use std::collections::HashSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use crate::rules::Status;
use crate::store::DigestRecord;
use crate::views::calendar::{self, CalendarView, Period};
use crate::views::list::{self, ListKind, ListView, LocatorCount};
use crate::views::{assess_all, join_capped, Context, Filter, Snapshot, SortKey};

/// When digests go out.
#[derive(Clone, Debug)]
pub struct Schedule {
    pub tz: Tz,
    pub time: NaiveTime,
    pub days: Vec<Weekday>,
    /// A digest missed at its time (the bot was down) is still sent on start until this local
    /// time the same day; after it, that day is skipped.
    pub cutoff: NaiveTime,
}

/// What the scheduler should do at `now`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Send the digest for this local date now.
    Send(NaiveDate),
    /// Nothing to do until this instant.
    Wait(DateTime<Utc>),
}

impl Schedule {
    /// The instant of `date`'s digest, if `date` is a digest day. In a DST gap (08:00 does not
    /// exist) it is the first instant after the gap; in an overlap, the first of the two.
    pub fn slot(&self, date: NaiveDate) -> Option<DateTime<Utc>> {
        if !self.days.contains(&date.weekday()) {
            return None;
        }
        Some(local(self.tz, date, self.time))
    }

    fn cutoff_of(&self, date: NaiveDate) -> DateTime<Utc> {
        local(self.tz, date, self.cutoff)
    }

    /// The next digest instant strictly after `now`.
    pub fn next_after(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let today = now.with_timezone(&self.tz).date_naive();
        (0..15).filter_map(|i| self.slot(today + Duration::days(i))).find(|t| *t > now)
    }

    /// Due now? `sent(date)` says whether that date's digest already went out (or is being sent).
    pub fn decide(&self, now: DateTime<Utc>, sent: impl Fn(NaiveDate) -> bool) -> Decision {
        let today = now.with_timezone(&self.tz).date_naive();
        if let Some(slot) = self.slot(today) {
            if now >= slot && now < self.cutoff_of(today) && !sent(today) {
                return Decision::Send(today);
            }
        }
        // Nothing due: wake at the next slot (a week at most, if no day is configured).
        Decision::Wait(self.next_after(now).unwrap_or(now + Duration::days(7)))
    }
}

/// `time` on `date` in `tz`, as an instant; a time skipped by DST moves to the first valid one.
fn local(tz: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let naive = date.and_time(time);
    if let Some(t) = tz.from_local_datetime(&naive).earliest() {
        return t.with_timezone(&Utc);
    }
    // In a gap: step forward a minute at a time until the clock exists again (≤ 2 h).
    (1..=180)
        .find_map(|m| tz.from_local_datetime(&(naive + Duration::minutes(m))).earliest())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&naive))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ny() -> Schedule {
        Schedule {
            tz: chrono_tz::America::New_York,
            time: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
            days: vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri],
            cutoff: NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn eight_local_on_both_sides_of_the_spring_change() {
        let s = ny();
        // Fri 6 Mar 2026 is EST (UTC−5), Mon 9 Mar is EDT (UTC−4): 08:00 local both days.
        assert_eq!(s.slot(d("2026-03-06")), Some(at("2026-03-06T13:00:00Z")));
        assert_eq!(s.slot(d("2026-03-09")), Some(at("2026-03-09T12:00:00Z")));
        assert_eq!(s.next_after(at("2026-03-06T13:00:00Z")), Some(at("2026-03-09T12:00:00Z")));
    }

    #[test]
    fn eight_local_on_both_sides_of_the_autumn_change() {
        let s = ny();
        // Fri 30 Oct 2026 is EDT, Mon 2 Nov is EST.
        assert_eq!(s.slot(d("2026-10-30")), Some(at("2026-10-30T12:00:00Z")));
        assert_eq!(s.slot(d("2026-11-02")), Some(at("2026-11-02T13:00:00Z")));
        // Woken at 07:59:59 EST it waits one second, not an hour.
        assert_eq!(s.decide(at("2026-11-02T12:59:59Z"), |_| false), Decision::Wait(at("2026-11-02T13:00:00Z")));
        assert_eq!(s.decide(at("2026-11-02T13:00:00Z"), |_| false), Decision::Send(d("2026-11-02")));
    }

    #[test]
    fn a_digest_time_inside_a_dst_gap_moves_past_it() {
        // 02:30 does not exist on 8 Mar 2026 in New York (02:00 → 03:00): send at 03:00 EDT.
        let s = Schedule { time: NaiveTime::from_hms_opt(2, 30, 0).unwrap(), days: vec![Weekday::Sun], ..ny() };
        assert_eq!(s.slot(d("2026-03-08")), Some(at("2026-03-08T07:00:00Z")));
        // In the autumn overlap 01:30 happens twice: the first one.
        let s = Schedule { time: NaiveTime::from_hms_opt(1, 30, 0).unwrap(), days: vec![Weekday::Sun], ..ny() };
        assert_eq!(s.slot(d("2026-11-01")), Some(at("2026-11-01T05:30:00Z")));
    }

    #[test]
    fn weekends_are_skipped() {
        let s = ny();
        assert_eq!(s.slot(d("2026-11-21")), None);
        assert_eq!(s.slot(d("2026-11-22")), None);
        // Saturday morning: the next digest is Monday's.
        assert_eq!(s.decide(at("2026-11-21T14:00:00Z"), |_| false), Decision::Wait(at("2026-11-23T13:00:00Z")));
    }

    #[test]
    fn restart_catch_up_and_cutoff() {
        let s = ny();
        let mon = d("2026-11-23");
        // A restart at 08:00:30: due once; once sent, not again.
        assert_eq!(s.decide(at("2026-11-23T13:00:30Z"), |_| false), Decision::Send(mon));
        assert_eq!(s.decide(at("2026-11-23T13:00:30Z"), |x| x == mon), Decision::Wait(at("2026-11-24T13:00:00Z")));
        // Down at 08:00, up at 10:00: caught up.
        assert_eq!(s.decide(at("2026-11-23T15:00:00Z"), |_| false), Decision::Send(mon));
        // Up only at 13:00, after the 12:00 cut-off: that day is skipped.
        assert_eq!(s.decide(at("2026-11-23T18:00:00Z"), |_| false), Decision::Wait(at("2026-11-24T13:00:00Z")));
        // Before 08:00: wait for it.
        assert_eq!(s.decide(at("2026-11-23T12:00:00Z"), |_| false), Decision::Wait(at("2026-11-23T13:00:00Z")));
    }
}

/// One headline number and how it moved since the previous digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Headline {
    pub label: &'static str,
    pub count: u64,
    /// `None` when there is no previous digest to compare with.
    pub delta: Option<i64>,
}

impl Headline {
    /// "12 ▲3", "4 ▼1", "7 =" or "7".
    pub fn show(&self) -> String {
        match self.delta {
            Some(d) if d > 0 => format!("{} ▲{}", self.count, d),
            Some(d) if d < 0 => format!("{} ▼{}", self.count, -d),
            Some(_) => format!("{} =", self.count),
            None => self.count.to_string(),
        }
    }
}

/// Everything the digest says.
pub struct Digest {
    pub date: NaiveDate,
    pub headlines: Vec<Headline>,
    /// Grouped by locator (most overdue first within each); new ones are marked in `new`.
    pub stale: ListView,
    pub at_risk: ListView,
    pub today: CalendarView,
    pub per_locator: Vec<LocatorCount>,
    /// Stale or at-risk leads that were neither in the previous digest.
    pub new: HashSet<String>,
    pub warning: Option<String>,
    /// Nothing stale, at risk, or booked today: the digest is one line.
    pub quiet: bool,
    /// What to remember for the next digest.
    pub record: DigestRecord,
}

/// Composes the digest for `ctx.as_of`'s date from the snapshot and the previous digest.
pub fn compose(s: &Snapshot, ctx: &Context, previous: Option<&DigestRecord>) -> Digest {
    let date = ctx.today();
    let none = Filter::default();
    let mut stale = list::build(s, ctx, ListKind::Stale, &none, Some(SortKey::Locator));
    let mut at_risk = list::build(s, ctx, ListKind::AtRisk, &none, Some(SortKey::Locator));
    let today = calendar::build(s, ctx, Period::day(date), &none);
    let stuck =
        assess_all(s, ctx.as_of, ctx.rules).iter().filter(|r| r.stuck_in_green && r.status != Status::Closed).count()
            as u64;
    let known: HashSet<&String> =
        previous.map(|p| p.stale_ids.iter().chain(&p.at_risk_ids).collect()).unwrap_or_default();
    let new: HashSet<String> = if previous.is_some() {
        stale.rows.iter().chain(&at_risk.rows).filter(|r| !known.contains(&r.id)).map(|r| r.id.clone()).collect()
    } else {
        HashSet::new()
    };
    // Mark new rows where people read them: in front of the name.
    for r in stale.rows.iter_mut().chain(at_risk.rows.iter_mut()) {
        if new.contains(&r.id) {
            r.name = format!("NEW · {}", r.name);
        }
    }
    let counts = [stale.total as u64, at_risk.total as u64, today.total as u64, stuck];
    let prev = previous.map(|p| [p.stale, p.at_risk, p.today, p.stuck]);
    let labels = ["Stale", "At risk", "Appointments today", "Stuck in green"];
    let headlines = (0..4)
        .map(|i| Headline { label: labels[i], count: counts[i], delta: prev.map(|p| counts[i] as i64 - p[i] as i64) })
        .collect();
    let mut per_locator: Vec<LocatorCount> = Vec::new();
    for c in stale.per_locator.iter().chain(&at_risk.per_locator) {
        match per_locator.iter_mut().find(|x| x.locator == c.locator) {
            Some(x) => x.count += c.count,
            None => per_locator.push(c.clone()),
        }
    }
    per_locator.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.locator.cmp(&b.locator)));
    let record = DigestRecord {
        date: date.to_string(),
        stale: counts[0],
        at_risk: counts[1],
        today: counts[2],
        stuck,
        stale_ids: stale.rows.iter().map(|r| r.id.clone()).collect(),
        at_risk_ids: at_risk.rows.iter().map(|r| r.id.clone()).collect(),
    };
    let quiet = stale.total == 0 && at_risk.total == 0 && today.total == 0;
    Digest {
        date,
        headlines,
        warning: stale.header.warning.clone(),
        stale,
        at_risk,
        today,
        per_locator,
        new,
        quiet,
        record,
    }
}

impl Digest {
    /// The one-line summary: the headline counts with their movement.
    pub fn summary(&self) -> String {
        if self.quiet {
            return format!(
                "Nothing needs you today ({}): no stale or at-risk leads, no appointments.",
                self.date.format("%a %d %b")
            );
        }
        self.headlines.iter().map(|h| format!("{} {}", h.label, h.show())).collect::<Vec<_>>().join(" · ")
    }

    /// "Today: 09:00 Ann Lee (stale); all day Bo Chen (awaiting); …; +14 more" — at most `max`
    /// of today's appointments, in time order, and how many were left out. `None` when none is
    /// booked today.
    pub fn today_line(&self, max: usize) -> Option<String> {
        let items: Vec<String> = self
            .today
            .days
            .iter()
            .flat_map(|d| &d.appointments)
            .map(|i| format!("{} {} ({})", i.time, i.name, i.status.word()))
            .collect();
        (!items.is_empty()).then(|| format!("Today: {}", join_capped(items, max, "; ")))
    }

    /// "Stale + at risk by locator: Dana Whitfield 4 · Kenji Watanabe 3 · +5 more" — at most
    /// `max` locators, most first. `None` when nothing is stale or at risk.
    pub fn locator_line(&self, max: usize) -> Option<String> {
        let by = self.per_locator.iter().map(|c| format!("{} {}", c.locator, c.count));
        (!self.per_locator.is_empty()).then(|| format!("Stale + at risk by locator: {}", join_capped(by, max, " · ")))
    }

    /// The digest as terminal text (`panopticon digest --dry-run`).
    pub fn text(&self, ctx: &Context) -> String {
        let mut out = format!("MORNING DIGEST — {}\n", self.date.format("%A %d %B %Y"));
        out.push_str(&self.stale.header.notes());
        out.push_str(&self.summary());
        out.push('\n');
        if self.quiet {
            return out;
        }
        if let Some(by) = self.locator_line(usize::MAX) {
            out.push_str(&by);
            out.push('\n');
        }
        if !self.new.is_empty() {
            out.push_str(&format!("{} new since the last digest (marked NEW)\n", self.new.len()));
        }
        out.push('\n');
        out.push_str(&self.stale.table(ctx, false));
        out.push('\n');
        out.push_str(&self.at_risk.table(ctx, false));
        out.push('\n');
        out.push_str(&self.today.table(ctx, false));
        out
    }
}
