//! When alerts may go out: on the configured days, outside quiet hours, in the business time
//! zone. A pass outside the window records nothing, so what became news meanwhile is announced
//! by the first pass once it opens (held, not lost), if it is still true then.

use chrono::{DateTime, Datelike, Duration, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    pub tz: Tz,
    /// Days alerts go out on (local dates).
    pub days: Vec<Weekday>,
    /// Local wall-clock times with no alerts: `(start, end)`, which may cross midnight
    /// (20:00–07:00). Start included, end excluded.
    pub quiet: Option<(NaiveTime, NaiveTime)>,
}

impl Window {
    /// Open all day, every day.
    pub fn always(tz: Tz) -> Window {
        Window {
            tz,
            days: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
                Weekday::Sat,
                Weekday::Sun,
            ],
            quiet: None,
        }
    }

    /// Whether alerts may go out at `now`. Wall-clock time in the zone, so DST moves nothing.
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        let local = now.with_timezone(&self.tz);
        if !self.days.contains(&local.weekday()) {
            return false;
        }
        let t = local.time();
        match self.quiet {
            None => true,
            Some((start, end)) if start <= end => !(start <= t && t < end),
            Some((start, end)) => !(t >= start || t < end),
        }
    }

    /// The first minute at or after `now` when the window is open (within two weeks), for the
    /// dry run's "held until".
    pub fn next_open(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.is_open(now) {
            return Some(now);
        }
        let mut t = now + Duration::seconds(60 - now.timestamp().rem_euclid(60));
        for _ in 0..(14 * 24 * 60) {
            if self.is_open(t) {
                return Some(t);
            }
            t += Duration::minutes(1);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn weekdays_quiet_nights() -> Window {
        let t = |s: &str| NaiveTime::parse_from_str(s, "%H:%M").unwrap();
        Window {
            tz: chrono_tz::America::New_York,
            days: vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri],
            quiet: Some((t("20:00"), t("07:00"))),
        }
    }

    #[test]
    fn quiet_hours_cross_midnight_in_the_business_zone() {
        let w = weekdays_quiet_nights();
        // Mon 23 Nov 2026 is EST (UTC−5).
        assert!(!w.is_open(at("2026-11-23T11:59:00Z")), "06:59 local is quiet");
        assert!(w.is_open(at("2026-11-23T12:00:00Z")), "07:00 local opens");
        assert!(w.is_open(at("2026-11-24T00:59:00Z")), "19:59 local is open");
        assert!(!w.is_open(at("2026-11-24T01:00:00Z")), "20:00 local is quiet");
    }

    #[test]
    fn weekends_are_held_until_monday_morning() {
        let w = weekdays_quiet_nights();
        // Sat 21 Nov 2026, noon local: held until Mon 23 Nov 07:00 EST.
        assert!(!w.is_open(at("2026-11-21T17:00:00Z")));
        assert_eq!(w.next_open(at("2026-11-21T17:00:00Z")), Some(at("2026-11-23T12:00:00Z")));
    }

    #[test]
    fn the_window_follows_the_wall_clock_across_both_dst_changes() {
        let w = weekdays_quiet_nights();
        // Mon 9 Mar 2026 (EDT, UTC−4) and Mon 2 Nov 2026 (EST, UTC−5): 07:00 local both days.
        assert_eq!(w.next_open(at("2026-03-09T10:00:00Z")), Some(at("2026-03-09T11:00:00Z")));
        assert_eq!(w.next_open(at("2026-11-02T11:00:00Z")), Some(at("2026-11-02T12:00:00Z")));
        assert!(Window::always(chrono_tz::UTC).is_open(at("2026-11-22T03:00:00Z")));
    }
}
