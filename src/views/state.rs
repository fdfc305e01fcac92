//! The state of an interactive view, small enough for a Discord `custom_id` (≤ 100 chars).
//!
//! Buttons and selects carry the whole state of the view they lead to, so they keep working
//! after a restart and no session is kept anywhere. The text is versioned and parsed strictly:
//! anything malformed, foreign or from an older version is an error, never a panic or a guess.
//!
//! `pn1.<view>.<page>.<as_of>.<stages>.<locators>.<statuses>.<period>.<range>.<sort>.<lead>.<tag>`
//! - view: one letter; page: base 10; as_of: unix seconds in base 36;
//! - stages / locators: up to three 6-hex-digit FNV-1a hashes of the names, comma-separated
//!   (names can be long; they are matched against the current data when the state is used);
//! - statuses: a bit set; period: `d|w|m` + the start date as days since 1970 in base 36, or `-`;
//! - range: appointment dates `<from>~<to>` (days since 1970, base 36, either may be empty) or `-`;
//! - sort: one letter of `SortKey`, or `-`;
//! - lead: a lead id or `-`; tag: which control this is (buttons need distinct ids).

use chrono::{DateTime, NaiveDate, Utc};

use crate::rules::Status;
use crate::views::SortKey;

pub const PREFIX: &str = "pn1";
pub const MAX_LEN: usize = 100;
/// Filters kept in a state, per kind.
pub const MAX_FILTER_VALUES: usize = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ViewKind {
    Stale,
    AtRisk,
    Leads,
    Calendar,
    Pipeline,
    Locators,
    Lead,
}

impl ViewKind {
    fn letter(self) -> char {
        match self {
            ViewKind::Stale => 's',
            ViewKind::AtRisk => 'r',
            ViewKind::Leads => 'l',
            ViewKind::Calendar => 'c',
            ViewKind::Pipeline => 'p',
            ViewKind::Locators => 'o',
            ViewKind::Lead => 'd',
        }
    }
    fn from_letter(c: &str) -> Option<ViewKind> {
        Some(match c {
            "s" => ViewKind::Stale,
            "r" => ViewKind::AtRisk,
            "l" => ViewKind::Leads,
            "c" => ViewKind::Calendar,
            "p" => ViewKind::Pipeline,
            "o" => ViewKind::Locators,
            "d" => ViewKind::Lead,
            _ => return None,
        })
    }
    /// The slash command that opens this view, for "run /stale again" messages.
    pub fn command(self) -> &'static str {
        match self {
            ViewKind::Stale => "stale",
            ViewKind::AtRisk => "atrisk",
            ViewKind::Leads => "leads",
            ViewKind::Calendar => "calendar",
            ViewKind::Pipeline => "pipeline",
            ViewKind::Locators => "locators",
            ViewKind::Lead => "lead",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PeriodKind {
    Day,
    Week,
    Month,
}

/// A 24-bit FNV-1a hash, as 6 hex digits: short, stable across versions and platforms.
pub fn short_hash(name: &str) -> String {
    let mut h: u32 = 0x811c_9dc5;
    for b in name.as_bytes() {
        h ^= *b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    format!("{:06x}", (h ^ (h >> 24)) & 0xff_ffff)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViewState {
    pub view: ViewKind,
    pub page: u16,
    pub as_of: DateTime<Utc>,
    /// Hashes of stage names (see `short_hash`).
    pub stages: Vec<String>,
    pub locators: Vec<String>,
    pub statuses: Vec<Status>,
    pub period: Option<(PeriodKind, NaiveDate)>,
    /// Appointment date range (inclusive), for list views.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub sort: Option<SortKey>,
    pub lead: Option<String>,
    /// Distinguishes controls that lead to the same state (Discord wants unique ids).
    pub tag: char,
}

/// A custom_id that is not (or no longer) one of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("this view has expired or is not Panopticon's")]
pub struct Expired;

fn b36(mut n: u64) -> String {
    const D: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    if n == 0 {
        return "0".into();
    }
    let mut out = Vec::new();
    while n > 0 {
        out.push(D[(n % 36) as usize]);
        n /= 36;
    }
    out.reverse();
    String::from_utf8(out).expect("ascii")
}

fn from_b36(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 12 {
        return None;
    }
    u64::from_str_radix(s, 36).ok()
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")
}

fn day_b36(d: NaiveDate) -> String {
    b36((d - epoch()).num_days().max(0) as u64)
}

fn day_from_b36(s: &str) -> Option<NaiveDate> {
    let days = from_b36(s).filter(|d| *d < 200_000)?;
    Some(epoch() + chrono::Duration::days(days as i64))
}

const SORTS: [(SortKey, char); 7] = [
    (SortKey::Staleness, 's'),
    (SortKey::DaysSince, 'd'),
    (SortKey::Appointment, 'a'),
    (SortKey::Stage, 'g'),
    (SortKey::Locator, 'l'),
    (SortKey::Name, 'n'),
    (SortKey::DaysInStage, 'i'),
];

fn status_bit(s: Status) -> u8 {
    match s {
        Status::Stale => 1,
        Status::AtRisk => 2,
        Status::Awaiting => 4,
        Status::Progressed => 8,
        Status::Upcoming => 16,
        Status::Closed => 32,
    }
}

impl ViewState {
    pub fn new(view: ViewKind, as_of: DateTime<Utc>) -> ViewState {
        ViewState {
            view,
            page: 0,
            as_of,
            stages: vec![],
            locators: vec![],
            statuses: vec![],
            period: None,
            from: None,
            to: None,
            sort: None,
            lead: None,
            tag: 'v',
        }
    }

    pub fn with_tag(&self, tag: char) -> ViewState {
        ViewState { tag, ..self.clone() }
    }

    pub fn encode(&self) -> String {
        let list = |v: &[String]| if v.is_empty() { "-".to_string() } else { v.join(",") };
        let statuses: u8 = self.statuses.iter().map(|s| status_bit(*s)).fold(0, |a, b| a | b);
        let period = match self.period {
            None => "-".to_string(),
            Some((k, d)) => {
                let days = (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days().max(0) as u64;
                let c = match k {
                    PeriodKind::Day => 'd',
                    PeriodKind::Week => 'w',
                    PeriodKind::Month => 'm',
                };
                format!("{c}{}", b36(days))
            }
        };
        let range = match (self.from, self.to) {
            (None, None) => "-".to_string(),
            (f, t) => format!("{}~{}", f.map(day_b36).unwrap_or_default(), t.map(day_b36).unwrap_or_default()),
        };
        let sort = self.sort.and_then(|k| SORTS.iter().find(|(s, _)| *s == k)).map(|(_, c)| *c).unwrap_or('-');
        let s = format!(
            "{PREFIX}.{}.{}.{}.{}.{}.{}.{}.{}.{}.{}.{}",
            self.view.letter(),
            self.page,
            b36(self.as_of.timestamp().max(0) as u64),
            list(&self.stages),
            list(&self.locators),
            b36(statuses as u64),
            period,
            range,
            sort,
            self.lead.as_deref().unwrap_or("-"),
            self.tag
        );
        debug_assert!(s.len() <= MAX_LEN, "custom_id too long: {s}");
        s
    }

    pub fn parse(id: &str) -> Result<ViewState, Expired> {
        if id.len() > MAX_LEN || !id.is_ascii() {
            return Err(Expired);
        }
        let parts: Vec<&str> = id.split('.').collect();
        let [prefix, view, page, as_of, stages, locators, statuses, period, range, sort, lead, tag] = parts.as_slice()
        else {
            return Err(Expired);
        };
        if *prefix != PREFIX {
            return Err(Expired);
        }
        let view = ViewKind::from_letter(view).ok_or(Expired)?;
        if page.is_empty() || page.len() > 5 || !page.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Expired);
        }
        let page: u16 = page.parse().map_err(|_| Expired)?;
        let secs = from_b36(as_of).ok_or(Expired)?;
        let as_of = DateTime::from_timestamp(i64::try_from(secs).map_err(|_| Expired)?, 0).ok_or(Expired)?;
        let hashes = |s: &str| -> Result<Vec<String>, Expired> {
            if s == "-" {
                return Ok(vec![]);
            }
            let v: Vec<String> = s.split(',').map(str::to_string).collect();
            let ok = v.len() <= MAX_FILTER_VALUES
                && v.iter()
                    .all(|h| h.len() == 6 && h.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
            if ok {
                Ok(v)
            } else {
                Err(Expired)
            }
        };
        let stages = hashes(stages)?;
        let locators = hashes(locators)?;
        let bits = from_b36(statuses).filter(|b| *b < 64).ok_or(Expired)? as u8;
        let statuses: Vec<Status> = Status::ALL.into_iter().filter(|s| bits & status_bit(*s) != 0).collect();
        let period = match *period {
            "-" => None,
            p => {
                let kind = match p.as_bytes().first() {
                    Some(b'd') => PeriodKind::Day,
                    Some(b'w') => PeriodKind::Week,
                    Some(b'm') => PeriodKind::Month,
                    _ => return Err(Expired),
                };
                let days = from_b36(&p[1..]).filter(|d| *d < 200_000).ok_or(Expired)?;
                let date = NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch") + chrono::Duration::days(days as i64);
                Some((kind, date))
            }
        };
        let (from, to) = match *range {
            "-" => (None, None),
            r => {
                let (f, t) = r.split_once('~').ok_or(Expired)?;
                let day = |s: &str| if s.is_empty() { Ok(None) } else { day_from_b36(s).map(Some).ok_or(Expired) };
                let (f, t) = (day(f)?, day(t)?);
                if f.is_none() && t.is_none() || matches!((f, t), (Some(a), Some(b)) if a > b) {
                    return Err(Expired);
                }
                (f, t)
            }
        };
        let sort = match *sort {
            "-" => None,
            s => {
                let mut cs = s.chars();
                let (Some(c), None) = (cs.next(), cs.next()) else { return Err(Expired) };
                Some(SORTS.iter().find(|(_, l)| *l == c).ok_or(Expired)?.0)
            }
        };
        let lead = match *lead {
            "-" => None,
            l if !l.is_empty() && l.len() <= 32 && l.bytes().all(|b| b.is_ascii_digit()) => Some(l.to_string()),
            _ => return Err(Expired),
        };
        let mut tag_chars = tag.chars();
        let (Some(tag), None) = (tag_chars.next(), tag_chars.next()) else { return Err(Expired) };
        if !tag.is_ascii_alphanumeric() {
            return Err(Expired);
        }
        Ok(ViewState { view, page, as_of, stages, locators, statuses, period, from, to, sort, lead, tag })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use proptest::prelude::*;

    use super::*;

    fn sample() -> ViewState {
        ViewState {
            view: ViewKind::Leads,
            page: 12,
            as_of: Utc.with_ymd_and_hms(2026, 11, 20, 13, 0, 0).unwrap(),
            stages: vec![short_hash("Appt Set"), short_hash("Green - Install Scheduled"), short_hash("Follow Up")],
            locators: vec![short_hash("Lucía Fernández"), short_hash("Kenji Watanabe"), short_hash("(no locator)")],
            statuses: vec![Status::Stale, Status::AtRisk],
            period: Some((PeriodKind::Month, NaiveDate::from_ymd_opt(2026, 11, 1).unwrap())),
            from: Some(NaiveDate::from_ymd_opt(2026, 10, 1).unwrap()),
            to: Some(NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()),
            sort: Some(SortKey::DaysInStage),
            lead: Some("3652397000000001605".into()),
            tag: 'n',
        }
    }

    #[test]
    fn round_trips_within_100_chars() {
        let s = sample();
        let id = s.encode();
        assert!(id.len() <= MAX_LEN, "{} chars: {id}", id.len());
        assert_eq!(ViewState::parse(&id).unwrap(), s);
        let plain = ViewState::new(ViewKind::Stale, s.as_of);
        assert_eq!(ViewState::parse(&plain.encode()).unwrap(), plain);
    }

    #[test]
    fn foreign_and_outdated_ids_are_expired() {
        assert!(ViewState::parse("pn1.s.0.0.-.-.0.-.-.-.-.v").is_ok(), "the plainest valid id");
        for id in [
            "",
            "next_page",
            "pn0.s.0.0.-.-.0.-.-.-.-.v",
            "pn1.s.0.0.-.-.0.-.-.-.-",
            "pn1.x.0.0.-.-.0.-.-.-.-.v",
            "pn1.s.-1.0.-.-.0.-.-.-.-.v",
            "pn1.s.99999999.0.-.-.0.-.-.-.-.v",
            "pn1.s.0.0.ZZZZZZ.-.0.-.-.-.-.v",
            "pn1.s.0.0.abc.-.0.-.-.-.-.v",
            "pn1.s.0.0.-.-.zz.-.-.-.-.v",
            "pn1.s.0.0.-.-.0.q1.-.-.-.v",
            "pn1.s.0.0.-.-.0.-.~.-.-.v",
            "pn1.s.0.0.-.-.0.-.zz~a.-.-.v",
            "pn1.s.0.0.-.-.0.-.-.x.-.v",
            "pn1.s.0.0.-.-.0.-.-.-.12a.v",
            "pn1.s.0.0.-.-.0.-.-.-.-.vv",
            "pn1.s.0.0.-.-.0.-.-.-.-.v.extra",
            "pn1.s.0.0.-.-.0.-.-.v",
        ] {
            assert_eq!(ViewState::parse(id), Err(Expired), "{id:?}");
        }
    }

    proptest! {
        /// Arbitrary text never panics the decoder.
        #[test]
        fn arbitrary_strings_never_panic(s in ".{0,120}") {
            let _ = ViewState::parse(&s);
        }

        /// Mutating a valid id by one character never panics, and what parses re-encodes the same.
        #[test]
        fn mutations_parse_or_expire(pos in 0usize..100, c in proptest::char::any()) {
            let id = sample().encode();
            let mut chars: Vec<char> = id.chars().collect();
            let p = pos % chars.len();
            chars[p] = c;
            let m: String = chars.into_iter().collect();
            if let Ok(v) = ViewState::parse(&m) {
                prop_assert!(v.encode().len() <= MAX_LEN);
            }
        }
    }
}
