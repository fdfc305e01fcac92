//! The state of an interactive view, signed, small enough for a Discord `custom_id` (≤ 100 chars).
//!
//! Buttons and selects carry the whole state of the view they lead to, so they keep working
//! after a restart and no session is kept anywhere. Anyone can send any custom_id with a click,
//! so the state is signed: a short HMAC-SHA256 tag with a key kept in the database (see
//! `store::view_key`) — an id we did not write, or one changed by a single character, is
//! "expired". Dates are bounded too, so even a signed state never reaches year 4018. The text
//! is versioned and parsed strictly: anything malformed, foreign, unsigned or from an older
//! version is an error, never a panic or a guess.
//!
//! `pn2.<view>.<page>.<as_of>.<stages>.<locators>.<statuses>.<period>.<range>.<sort>.<lead>.<tag>.<mac>`
//! - view: one letter; page: base 10; as_of: unix seconds in base 36;
//! - stages / locators: up to three 24-bit FNV-1a hashes of the names (`short_hash`), each as
//!   4 base64url characters, run together, or `-` (names can be long; they are matched against
//!   the current data when the state is used);
//! - statuses: a bit set; period: `d|w|m` + the start date as days since 1970 in base 36, or `-`;
//! - range: appointment dates `<from>~<to>` (days since 1970, base 36, either may be empty) or `-`;
//! - sort: one letter of `SortKey`, or `-`;
//! - lead: a lead id (either CRM's, `domain::is_record_id`) or `-`; tag: which control this is (buttons need distinct ids);
//! - mac: the first 72 bits of HMAC-SHA256(key, everything before it), 12 base64url characters.
//!
//! The worst case is 98 characters (proved by a property test below).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::rules::Status;
use crate::views::SortKey;

mod action;
mod kind;
mod sales;
mod write;

pub use super::calendar::PeriodKind;
pub use action::{Action, ActionKind};
pub use kind::{ListKind, ViewKind};
pub use sales::{DealSort, RecordKey, RecordKind, SalesState, SalesView, MAX_AMOUNT, MAX_SALES_PAGE};
pub use write::{Write, WriteKind, MAX_PAGE as MAX_WRITE_PAGE};

pub const PREFIX: &str = "pn2";
pub const MAX_LEN: usize = 100;
/// Filters kept in a state, per kind.
pub const MAX_FILTER_VALUES: usize = 3;
/// Every date in a state lies within this many years of now, either way.
pub const MAX_YEARS_FROM_NOW: i64 = 5;
/// Longest lead id a state carries (Zoho's ids have 19 digits).
pub const MAX_LEAD_ID: usize = 20;
/// Bytes of the HMAC kept: 72 bits, 12 base64url characters.
const TAG_BYTES: usize = 9;

/// The secret that signs view states: 32 random bytes, created once per database.
/// Its `Debug` says nothing, so it cannot reach a log by accident.
#[derive(Clone)]
pub struct ViewKey([u8; 32]);

impl ViewKey {
    pub fn from_bytes(bytes: [u8; 32]) -> ViewKey {
        ViewKey(bytes)
    }

    /// A key kept nowhere, for a process that only reads (a `--dry-run` preview): nothing it
    /// composes is ever posted, so no click will need to verify against it.
    pub fn unsaved() -> ViewKey {
        let mut bytes = [0u8; 32];
        // Should the system's random source fail, the key is weak but still never stored or
        // posted; a preview must not fail for it.
        let _ = getrandom::getrandom(&mut bytes);
        ViewKey(bytes)
    }

    /// The database's key, created on first use (see `store::view_key`).
    pub fn load(conn: &rusqlite::Connection) -> crate::store::Result<ViewKey> {
        crate::store::view_key::view_key_bytes(conn).map(ViewKey)
    }

    /// The truncated tag of `payload`.
    fn tag(&self, payload: &str) -> [u8; TAG_BYTES] {
        let mut out = [0u8; TAG_BYTES];
        out.copy_from_slice(&self.mac(payload).finalize().into_bytes()[..TAG_BYTES]);
        out
    }

    fn mac(&self, payload: &str) -> Hmac<Sha256> {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        m.update(payload.as_bytes());
        m
    }

    /// Whether `tag` is `payload`'s, compared in constant time.
    fn verifies(&self, payload: &str, tag: &[u8]) -> bool {
        tag.len() == TAG_BYTES && self.mac(payload).verify_truncated_left(tag).is_ok()
    }
}

impl std::fmt::Debug for ViewKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ViewKey(…)")
    }
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
    /// A calendar's named period (day, week, month) around this date. A custom range is
    /// `from`/`to`; a `Range` here has no encoding and makes an id that never parses.
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
    let mut out = String::new();
    while n > 0 {
        out.insert(0, D[(n % 36) as usize] as char);
        n /= 36;
    }
    out
}

fn from_b36(s: &str) -> Option<u64> {
    // Lower case only, no sign: one text per number, so a state has one encoding.
    if s.is_empty() || s.len() > 12 || !s.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()) {
        return None;
    }
    u64::from_str_radix(s, 36).ok()
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// 24 bits as 4 base64url characters.
fn b64_24(v: u32, out: &mut String) {
    for shift in [18, 12, 6, 0] {
        out.push(B64[((v >> shift) & 63) as usize] as char);
    }
}

fn from_b64_24(s: &[u8]) -> Option<u32> {
    s.iter().try_fold(0u32, |acc, c| Some((acc << 6) | B64.iter().position(|b| b == c)? as u32))
}

fn tag_text(tag: &[u8; TAG_BYTES]) -> String {
    let mut s = String::new();
    for c in tag.chunks(3) {
        b64_24((u32::from(c[0]) << 16) | (u32::from(c[1]) << 8) | u32::from(c[2]), &mut s);
    }
    s
}

fn tag_from_text(s: &str) -> Option<Vec<u8>> {
    if s.len() != TAG_BYTES / 3 * 4 {
        return None;
    }
    let mut out = Vec::with_capacity(TAG_BYTES);
    for c in s.as_bytes().chunks(4) {
        let v = from_b64_24(c)?;
        out.extend_from_slice(&[(v >> 16) as u8, (v >> 8) as u8, v as u8]);
    }
    Some(out)
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")
}

fn day_b36(d: NaiveDate) -> String {
    b36((d - epoch()).num_days().max(0) as u64)
}

fn day_from_b36(s: &str) -> Option<NaiveDate> {
    let days = from_b36(s).filter(|d| *d < 200_000)?;
    Some(epoch() + Duration::days(days as i64))
}

/// Hashes run together, 4 characters each; `!` (never valid) for one that is not a hash.
fn hashes_text(v: &[String]) -> String {
    if v.is_empty() {
        return "-".into();
    }
    let mut s = String::new();
    for h in v {
        match u32::from_str_radix(h, 16).ok().filter(|_| h.len() == 6 && h == &h.to_ascii_lowercase()) {
            Some(n) => b64_24(n, &mut s),
            None => s.push('!'),
        }
    }
    s
}

fn hashes_from_text(s: &str) -> Result<Vec<String>, Expired> {
    if s == "-" {
        return Ok(vec![]);
    }
    if s.is_empty() || !s.len().is_multiple_of(4) || s.len() / 4 > MAX_FILTER_VALUES {
        return Err(Expired);
    }
    s.as_bytes().chunks(4).map(|c| from_b64_24(c).map(|n| format!("{n:06x}")).ok_or(Expired)).collect()
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

/// Whether `d` lies within `MAX_YEARS_FROM_NOW` years of `now`'s date.
fn near(d: NaiveDate, now: DateTime<Utc>) -> bool {
    (d - now.date_naive()).num_days().abs() <= MAX_YEARS_FROM_NOW * 366
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

    /// Whether every date in the state is within `MAX_YEARS_FROM_NOW` years of `now`: a state
    /// outside is refused when parsed, so commands check it before they offer buttons.
    pub fn dates_near(&self, now: DateTime<Utc>) -> bool {
        let dates = [Some(self.as_of.date_naive()), self.period.map(|p| p.1), self.from, self.to];
        dates.into_iter().flatten().all(|d| near(d, now))
    }

    /// The signed custom_id. Total: a state holding something no id can carry (a filter that is
    /// not a hash, a lead id that is not digits) encodes to an id that never parses.
    pub fn encode(&self, key: &ViewKey) -> String {
        let payload = self.payload();
        let id = format!("{payload}.{}", tag_text(&key.tag(&payload)));
        debug_assert!(id.len() <= MAX_LEN, "custom_id too long: {id}");
        id
    }

    /// Everything but the tag.
    fn payload(&self) -> String {
        let statuses: u8 = self.statuses.iter().map(|s| status_bit(*s)).fold(0, |a, b| a | b);
        let period = match self.period {
            None => "-".to_string(),
            // A range travels as `from`/`to`, never here: `!` never parses.
            Some((k, d)) => {
                let c = match k {
                    PeriodKind::Day => 'd',
                    PeriodKind::Week => 'w',
                    PeriodKind::Month => 'm',
                    PeriodKind::Range => '!',
                };
                format!("{c}{}", day_b36(d))
            }
        };
        let range = match (self.from, self.to) {
            (None, None) => "-".to_string(),
            (f, t) => format!("{}~{}", f.map(day_b36).unwrap_or_default(), t.map(day_b36).unwrap_or_default()),
        };
        let sort = self.sort.and_then(|k| SORTS.iter().find(|(s, _)| *s == k)).map(|(_, c)| *c).unwrap_or('-');
        format!(
            "{PREFIX}.{}.{}.{}.{}.{}.{}.{}.{}.{}.{}.{}",
            self.view.letter(),
            self.page,
            b36(self.as_of.timestamp().max(0) as u64),
            hashes_text(&self.stages),
            hashes_text(&self.locators),
            b36(statuses as u64),
            period,
            range,
            sort,
            self.lead.as_deref().unwrap_or("-"),
            self.tag
        )
    }

    /// The state of a custom_id we signed with `key`, if its dates are near `now`.
    pub fn parse(id: &str, key: &ViewKey, now: DateTime<Utc>) -> Result<ViewState, Expired> {
        if id.len() > MAX_LEN || !id.is_ascii() {
            return Err(Expired);
        }
        let (payload, tag) = id.rsplit_once('.').ok_or(Expired)?;
        // The tag first: nothing of an id we did not write is read.
        let tag = tag_from_text(tag).ok_or(Expired)?;
        if !key.verifies(payload, &tag) {
            return Err(Expired);
        }
        let state = ViewState::parse_payload(payload)?;
        if !state.dates_near(now) {
            return Err(Expired);
        }
        Ok(state)
    }

    fn parse_payload(id: &str) -> Result<ViewState, Expired> {
        let parts: Vec<&str> = id.split('.').collect();
        let [prefix, view, page, as_of, stages, locators, statuses, period, range, sort, lead, tag] = parts.as_slice()
        else {
            return Err(Expired);
        };
        if *prefix != PREFIX {
            return Err(Expired);
        }
        let view = ViewKind::from_letter(view).ok_or(Expired)?;
        let canonical = |s: &str| s == "0" || !s.starts_with('0');
        if page.is_empty() || page.len() > 5 || !page.bytes().all(|b| b.is_ascii_digit()) || !canonical(page) {
            return Err(Expired);
        }
        let page: u16 = page.parse().map_err(|_| Expired)?;
        let secs = from_b36(as_of).ok_or(Expired)?;
        let as_of = DateTime::from_timestamp(i64::try_from(secs).map_err(|_| Expired)?, 0).ok_or(Expired)?;
        let stages = hashes_from_text(stages)?;
        let locators = hashes_from_text(locators)?;
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
                Some((kind, day_from_b36(&p[1..]).ok_or(Expired)?))
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
            l if l.len() <= MAX_LEAD_ID && crate::domain::is_record_id(l) => Some(l.to_string()),
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
mod tests;
