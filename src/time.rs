//! Instants as the CRM sent them: a UTC instant plus the offset it was written with.
//!
//! Zoho renders every datetime in the API user's time zone (`2026-03-08T09:30:00-04:00`). The
//! rules need the instant; people want to see the time as it was entered. Keeping both means
//! neither is reconstructed by guessing.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat, TimeZone, Utc};
use chrono_tz::Tz;

/// A moment in time with the UTC offset it was originally expressed in.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stamp {
    utc: DateTime<Utc>,
    offset_secs: i32,
}

impl Stamp {
    /// Parses an ISO-8601 / RFC 3339 datetime with an offset, as Zoho sends it.
    /// A missing offset is an error: guessing the zone would shift a 23:30 appointment a day.
    pub fn parse(text: &str) -> Result<Stamp, String> {
        let t = text.trim();
        DateTime::parse_from_rfc3339(t)
            .map(Stamp::from_fixed)
            .map_err(|_| format!("'{t}' is not a datetime with an offset (expected 2026-03-08T09:30:00-05:00)"))
    }

    pub fn from_fixed(dt: DateTime<FixedOffset>) -> Stamp {
        Stamp { utc: dt.with_timezone(&Utc), offset_secs: dt.offset().local_minus_utc() }
    }

    pub fn from_utc(utc: DateTime<Utc>) -> Stamp {
        Stamp { utc, offset_secs: 0 }
    }

    /// Rebuilds a stamp from its two stored columns.
    pub fn from_parts(utc_text: &str, offset_secs: i32) -> Result<Stamp, String> {
        let utc = match stored_utc(utc_text) {
            Some(utc) => utc,
            None => DateTime::parse_from_rfc3339(utc_text)
                .map_err(|_| format!("stored time '{utc_text}' is not RFC 3339"))?
                .with_timezone(&Utc),
        };
        FixedOffset::east_opt(offset_secs).ok_or_else(|| format!("stored offset {offset_secs} s is out of range"))?;
        Ok(Stamp { utc, offset_secs })
    }

    /// Midnight at the start of `date` in `tz` — how a date-only CRM field becomes an instant.
    pub fn start_of_day(date: NaiveDate, tz: Tz) -> Stamp {
        let naive = date.and_hms_opt(0, 0, 0).expect("midnight exists");
        // A zone can skip midnight (DST at 00:00, e.g. America/Santiago); take the first
        // instant of the day that exists.
        let local = tz
            .from_local_datetime(&naive)
            .earliest()
            .or_else(|| tz.from_local_datetime(&(naive + chrono::Duration::hours(1))).earliest())
            .expect("a day has at least one valid hour");
        Stamp::from_fixed(local.fixed_offset())
    }

    pub fn utc(&self) -> DateTime<Utc> {
        self.utc
    }

    pub fn offset_secs(&self) -> i32 {
        self.offset_secs
    }

    /// The instant as the CRM wrote it, with its own offset.
    pub fn original(&self) -> DateTime<FixedOffset> {
        let off = FixedOffset::east_opt(self.offset_secs).expect("offset validated on construction");
        self.utc.with_timezone(&off)
    }

    /// The stored (sortable) form: UTC, whole seconds, `Z`.
    pub fn utc_text(&self) -> String {
        utc_text(self.utc)
    }

    /// The calendar date of this instant in `tz`.
    pub fn date_in(&self, tz: Tz) -> NaiveDate {
        self.utc.with_timezone(&tz).date_naive()
    }
}

/// The stored, sortable text of a UTC instant.
/// The store's own form (`utc_text`: `2026-03-08T14:30:00Z`) read without the general RFC 3339
/// parser — a view at 500k leads reads some 150,000 of these. `None` for anything else (a leap
/// second, another form), which the general parser then reads.
fn stored_utc(t: &str) -> Option<DateTime<Utc>> {
    let b = t.as_bytes();
    let shape = b.len() == 20 && b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':' && b[16] == b':';
    if !shape || b[19] != b'Z' {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    let date = NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 7)?, num(8, 10)?)?;
    Some(date.and_hms_opt(num(11, 13)?, num(14, 16)?, num(17, 19)?)?.and_utc())
}

/// A wall-clock time in `tz` as an instant: the earlier of two in a DST overlap, and a time
/// skipped by a DST gap moves to the first one that exists (stepping a minute at a time, ≤ 3 h).
/// How the digest's hour, a subscription's slot and a snooze's end become instants.
pub fn local_instant(tz: Tz, naive: chrono::NaiveDateTime) -> DateTime<Utc> {
    (0..=180)
        .find_map(|m| tz.from_local_datetime(&(naive + chrono::Duration::minutes(m))).earliest())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&naive))
}

pub fn utc_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Zoho's datetime format (`yyyy-MM-ddTHH:mm:ss±HH:mm`), no fractional seconds.
pub fn zoho_text(t: DateTime<FixedOffset>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

impl fmt::Debug for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", zoho_text(self.original()))
    }
}

impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", zoho_text(self.original()))
    }
}

impl PartialOrd for Stamp {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Stamps order by instant; the offset only breaks ties so the order is total.
impl Ord for Stamp {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.utc.cmp(&other.utc).then(self.offset_secs.cmp(&other.offset_secs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The store's form is read as the general parser reads it, and anything near it
        /// (bad digits, out-of-range fields, other shapes) falls to that parser.
        #[test]
        fn stored_form_reads_as_rfc3339(y in 0u32..10000, mo in 0u32..14, d in 0u32..33, h in 0u32..25,
                                        mi in 0u32..61, se in 0u32..62, tail in "[Zz+]") {
            let t = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{se:02}{tail}");
            let general = DateTime::parse_from_rfc3339(&t).ok().map(|d| d.with_timezone(&Utc));
            match stored_utc(&t) {
                Some(fast) => proptest::prop_assert_eq!(Some(fast), general),
                None => proptest::prop_assert!(tail != "Z" || general.is_none() || se == 60, "{} not read", t),
            }
            proptest::prop_assert_eq!(Stamp::from_parts(&t, 0).ok().map(|s| s.utc()), general);
        }
    }

    #[test]
    fn stored_form_refuses_near_misses() {
        for t in [
            "2026-03-08T14:30:00+00:00",
            "2026-03-08 14:30:00Z",
            "2026-3-08T14:30:00Z",
            "2026-03-08T14:30:0xZ",
            "２026-03-08T14:30:00Z",
        ] {
            assert_eq!(stored_utc(t), None, "{t}");
        }
        assert_eq!(stored_utc("2026-03-08T14:30:00Z"), Some(Utc.with_ymd_and_hms(2026, 3, 8, 14, 30, 0).unwrap()));
    }

    #[test]
    fn keeps_instant_and_offset() {
        let s = Stamp::parse("2026-03-08T23:30:00-05:00").unwrap();
        assert_eq!(s.utc_text(), "2026-03-09T04:30:00Z");
        assert_eq!(s.offset_secs(), -5 * 3600);
        assert_eq!(s.to_string(), "2026-03-08T23:30:00-05:00");
        let back = Stamp::from_parts(&s.utc_text(), s.offset_secs()).unwrap();
        assert_eq!(back, s);
        assert_eq!(back.to_string(), "2026-03-08T23:30:00-05:00");
    }

    #[test]
    fn date_follows_the_business_zone_not_the_offset() {
        // 23:30 in New York is already the next day in London.
        let s = Stamp::parse("2026-03-05T23:30:00-05:00").unwrap();
        assert_eq!(s.date_in(chrono_tz::America::New_York).to_string(), "2026-03-05");
        assert_eq!(s.date_in(chrono_tz::Europe::London).to_string(), "2026-03-06");
        // On 2026-03-08 New York springs forward: 23:30 written at -05:00 is 00:30 EDT on the 9th.
        let s = Stamp::parse("2026-03-08T23:30:00-05:00").unwrap();
        assert_eq!(s.date_in(chrono_tz::America::New_York).to_string(), "2026-03-09");
    }

    #[test]
    fn rejects_times_without_offset() {
        assert!(Stamp::parse("2026-03-08T23:30:00").is_err());
        assert!(Stamp::parse("not a date").unwrap_err().contains("not a date"));
    }

    #[test]
    fn start_of_day_survives_midnight_dst() {
        // Santiago springs forward at 00:00 → 01:00.
        let d = NaiveDate::from_ymd_opt(2026, 9, 6).unwrap();
        let s = Stamp::start_of_day(d, chrono_tz::America::Santiago);
        assert_eq!(s.date_in(chrono_tz::America::Santiago), d);
    }
}
