//! When the digest is due: the next fire time in the business time zone, correct across DST
//! changes, and the catch-up after a restart (sent late until the cut-off, then skipped).
//!
//! Hand-written rather than a cron crate: "08:00 local, or the first instant after a DST gap,
//! caught up until noon" is a calendar rule over chrono-tz that no cron expression states.
//! Time is always passed in (`now`), never read here, so every rule is testable without waiting.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;

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
    crate::time::local_instant(tz, date.and_time(time))
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
