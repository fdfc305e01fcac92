//! A snooze: "I know, stop telling me" — with a reason and an expiry. A snoozed lead keeps its
//! status and is counted everywhere; it wears a SNOOZED mark and is left out of alerts. The
//! snooze ends at its expiry, or as soon as the lead moves on: a stage change or a new
//! appointment (whichever comes first), so a snooze never hides a lead's next round.

use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;

/// A lead's snooze as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snooze {
    /// When it ends; `None`: at the lead's next appointment (or stage change).
    pub until: Option<DateTime<Utc>>,
    pub reason: String,
    pub by_name: String,
    pub at: DateTime<Utc>,
    /// The lead's stage when snoozed: another stage ends it.
    pub stage: Option<String>,
    /// The lead's latest appointment (UTC text) when snoozed: a newer one ends it.
    pub appointment: Option<String>,
}

impl Snooze {
    /// Whether it still holds at `now` for a lead now in `stage` whose latest appointment is
    /// `latest` (UTC text, as `Stamp::utc_text`).
    pub fn holds(&self, now: DateTime<Utc>, stage: Option<&str>, latest: Option<&str>) -> bool {
        self.at <= now
            && self.until.is_none_or(|u| now < u)
            && self.stage.as_deref() == stage
            && self.appointment.as_deref() == latest
    }
}

/// How long a snooze lasts, as chosen: a number of days, until the next appointment, or through
/// a date (its end in the business zone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiry {
    Days(u32),
    NextAppointment,
    Through(NaiveDate),
}

/// The longest snooze: a snooze is a pause, not a way to hide a lead for good.
pub const MAX_SNOOZE_DAYS: u32 = 90;

impl Expiry {
    /// The choices offered in Discord, as (value, label).
    pub const CHOICES: [(&'static str, &'static str); 4] =
        [("1d", "1 day"), ("3d", "3 days"), ("7d", "7 days"), ("next", "Until the next appointment")];

    /// `1d`, `3d`, `7d` (any 1–90, also `3 days`), `next` (until the next appointment), or a
    /// date `2026-12-01` (through that day).
    pub fn parse(s: &str) -> Result<Expiry, String> {
        let t = s.trim().to_ascii_lowercase();
        if matches!(t.as_str(), "next" | "next appointment" | "next-appointment" | "until the next appointment") {
            return Ok(Expiry::NextAppointment);
        }
        if let Ok(d) = NaiveDate::parse_from_str(&t, "%Y-%m-%d") {
            return Ok(Expiry::Through(d));
        }
        let digits: String = t.chars().take_while(|c| c.is_ascii_digit()).collect();
        let rest = t[digits.len()..].trim();
        if !digits.is_empty() && matches!(rest, "d" | "day" | "days") {
            if let Ok(n) = digits.parse::<u32>() {
                if (1..=MAX_SNOOZE_DAYS).contains(&n) {
                    return Ok(Expiry::Days(n));
                }
            }
        }
        Err(format!(
            "'{}' is not a snooze length: use 1d, 3d, 7d (up to {MAX_SNOOZE_DAYS}d), next (until the next \
             appointment) or a date like 2026-12-01",
            s.chars().take(40).collect::<String>()
        ))
    }

    /// When a snooze chosen at `now` ends; `None` for the next appointment. Days are calendar
    /// days on the business zone's wall clock (a 3-day snooze at 09:00 ends at 09:00, across a
    /// DST change too); a date snoozes through its end. A date already past, or further than
    /// the longest snooze, is refused.
    pub fn until(&self, now: DateTime<Utc>, tz: Tz) -> Result<Option<DateTime<Utc>>, String> {
        let local = now.with_timezone(&tz).naive_local();
        let end = match *self {
            Expiry::NextAppointment => return Ok(None),
            Expiry::Days(n) => local.checked_add_days(Days::new(n.into())),
            Expiry::Through(d) => d.succ_opt().map(|next| next.and_time(NaiveTime::MIN)),
        }
        .ok_or("that date is out of range")?;
        let end = crate::time::local_instant(tz, end);
        if end <= now {
            return Err("that date has passed: choose today or later".into());
        }
        if end - now > chrono::Duration::days(MAX_SNOOZE_DAYS as i64 + 1) {
            return Err(format!("a snooze lasts at most {MAX_SNOOZE_DAYS} days"));
        }
        Ok(Some(end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    const NY: Tz = chrono_tz::America::New_York;

    fn snooze(until: Option<&str>) -> Snooze {
        Snooze {
            until: until.map(at),
            reason: "Waiting on the owner".into(),
            by_name: "Ann".into(),
            at: at("2026-11-20T14:00:00Z"),
            stage: Some("Appt Set".into()),
            appointment: Some("2026-11-10T15:00:00Z".into()),
        }
    }

    #[test]
    fn a_snooze_ends_at_expiry_on_a_stage_change_or_a_new_appointment() {
        let s = snooze(Some("2026-11-23T14:00:00Z"));
        let (stage, appt) = (Some("Appt Set"), Some("2026-11-10T15:00:00Z"));
        assert!(s.holds(at("2026-11-23T13:59:59Z"), stage, appt));
        assert!(!s.holds(at("2026-11-23T14:00:00Z"), stage, appt), "ends at its expiry");
        assert!(!s.holds(at("2026-11-21T00:00:00Z"), Some("Green - Approved"), appt), "stage changed");
        assert!(!s.holds(at("2026-11-21T00:00:00Z"), stage, Some("2026-11-25T15:00:00Z")), "new appointment");
        let open = snooze(None);
        assert!(open.holds(at("2027-01-01T00:00:00Z"), stage, appt), "until the next appointment");
        assert!(!open.holds(at("2027-01-01T00:00:00Z"), stage, Some("2026-12-01T15:00:00Z")));
    }

    #[test]
    fn expiries_parse_and_refuse_in_words() {
        assert_eq!(Expiry::parse("3d"), Ok(Expiry::Days(3)));
        assert_eq!(Expiry::parse(" 7 days "), Ok(Expiry::Days(7)));
        assert_eq!(Expiry::parse("next"), Ok(Expiry::NextAppointment));
        assert_eq!(Expiry::parse("2026-12-01"), Ok(Expiry::Through(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap())));
        for bad in ["0d", "91d", "soon", "", "-1d", "2026-13-01", "3dd"] {
            assert!(Expiry::parse(bad).unwrap_err().contains("not a snooze length"), "{bad}");
        }
        for (value, _) in Expiry::CHOICES {
            assert!(Expiry::parse(value).is_ok(), "{value}");
        }
    }

    #[test]
    fn days_keep_the_wall_clock_across_the_autumn_change() {
        // Fri 30 Oct 2026 09:00 EDT + 3 days = Mon 2 Nov 09:00 EST (73 hours later, not 72).
        let now = at("2026-10-30T13:00:00Z");
        assert_eq!(Expiry::Days(3).until(now, NY), Ok(Some(at("2026-11-02T14:00:00Z"))));
        // Through a date: until the start of the next local day.
        let d = NaiveDate::from_ymd_opt(2026, 11, 3).unwrap();
        assert_eq!(Expiry::Through(d).until(now, NY), Ok(Some(at("2026-11-04T05:00:00Z"))));
        assert_eq!(Expiry::NextAppointment.until(now, NY), Ok(None));
        let past = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        assert!(Expiry::Through(past).until(now, NY).unwrap_err().contains("has passed"));
        let far = NaiveDate::from_ymd_opt(2027, 6, 1).unwrap();
        assert!(Expiry::Through(far).until(now, NY).unwrap_err().contains("at most 90 days"));
    }
}
