//! The custom_ids of the sales dashboard's controls (issue 16) — the date-preset select, the
//! filter selects, a chart's segment select, the deal list's pages and drill-down, a record's
//! story and the custom-range form — signed with the same `ViewKey` as view states, so a forged
//! or altered id is refused before anything in it is read. An id says what was asked (view,
//! period, filters), never who may see it: scope is decided from the clicker at the click.
//!
//! `ps1.<view>.<period>.<owner>.<source>.<pipeline>.<stage>.<amount>.<sort>.<page>.<record>.<tag>.<mac>`
//! - view: one letter (`SalesView::letter`);
//! - period: a preset's letter, `c<first>~<last>` (days since 1970 in base 36, both included),
//!   or `-` (the view's default);
//! - owner / source / pipeline / stage: a `short_hash` of the CRM user id or the name, or `-`;
//! - amount: the least deal amount in whole currency units, base 36, or `-`;
//! - sort: one letter (`DealSort`); page: base 10, up to 999;
//! - record: a module letter (`D`eal, `A`ccount, `C`ontact, `L`ead) and the record's id, or
//!   `~` and a chart segment's code (`views::sales::Segment::encode`, up to 12 characters), or `-`;
//! - tag: which control this is; mac: 72 bits of HMAC-SHA256, as in `ViewState`.
//!
//! The worst case is 94 characters (tested below).

use chrono::NaiveDate;

use super::{b36, day_b36, day_from_b36, from_b36, tag_from_text, tag_text, Expired, ViewKey, MAX_LEAD_ID, MAX_LEN};
use crate::sales::period::{Preset, MAX_CUSTOM_DAYS};

pub const SALES_PREFIX: &str = "ps1";
/// Pages of a list, at most.
pub const MAX_SALES_PAGE: u16 = 999;
/// The largest least-amount a state carries, in whole units.
pub const MAX_AMOUNT: u64 = 2_000_000_000;

/// Which sales message a state draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SalesView {
    Dashboard,
    Deals,
    Forecast,
    Sources,
    Activity,
    /// The records behind one segment of a chart (`segment` says which).
    Segment,
    /// A record's story (`record` says which).
    Story,
}

impl SalesView {
    const ALL: [SalesView; 7] = [
        SalesView::Dashboard,
        SalesView::Deals,
        SalesView::Forecast,
        SalesView::Sources,
        SalesView::Activity,
        SalesView::Segment,
        SalesView::Story,
    ];

    const fn letter(self) -> char {
        match self {
            SalesView::Dashboard => 'd',
            SalesView::Deals => 'l',
            SalesView::Forecast => 'f',
            SalesView::Sources => 's',
            SalesView::Activity => 'a',
            SalesView::Segment => 'g',
            SalesView::Story => 'r',
        }
    }

    /// The command that shows it, for "run /… again".
    pub fn command(self) -> &'static str {
        match self {
            SalesView::Dashboard => "dashboard",
            SalesView::Deals | SalesView::Story => "deals",
            SalesView::Forecast => "forecast",
            SalesView::Sources => "sources",
            SalesView::Activity => "activity",
            SalesView::Segment => "dashboard",
        }
    }
}

/// The order of the deal list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DealSort {
    /// Soonest closing first.
    #[default]
    Closing,
    /// Largest amount first.
    Amount,
    /// Furthest stage first.
    Stage,
    /// Most recently changed first.
    Recent,
}

impl DealSort {
    pub const ALL: [DealSort; 4] = [DealSort::Closing, DealSort::Amount, DealSort::Stage, DealSort::Recent];

    const fn letter(self) -> char {
        match self {
            DealSort::Closing => 'c',
            DealSort::Amount => 'a',
            DealSort::Stage => 's',
            DealSort::Recent => 'r',
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            DealSort::Closing => "closing",
            DealSort::Amount => "amount",
            DealSort::Stage => "stage",
            DealSort::Recent => "recent",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DealSort::Closing => "Closing soonest",
            DealSort::Amount => "Largest amount",
            DealSort::Stage => "Furthest stage",
            DealSort::Recent => "Recently changed",
        }
    }

    pub fn parse(text: &str) -> Option<DealSort> {
        DealSort::ALL.into_iter().find(|s| s.key() == text)
    }
}

/// Which record a story is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordKind {
    Deal,
    Account,
    Contact,
    Lead,
}

impl RecordKind {
    pub const ALL: [RecordKind; 4] = [RecordKind::Deal, RecordKind::Account, RecordKind::Contact, RecordKind::Lead];

    pub const fn letter(self) -> char {
        match self {
            RecordKind::Deal => 'D',
            RecordKind::Account => 'A',
            RecordKind::Contact => 'C',
            RecordKind::Lead => 'L',
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            RecordKind::Deal => "Deal",
            RecordKind::Account => "Account",
            RecordKind::Contact => "Contact",
            RecordKind::Lead => "Lead",
        }
    }
}

/// A record as a select's value or a state carries it: `D3652397000000123`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordKey {
    pub kind: RecordKind,
    pub id: String,
}

impl RecordKey {
    pub fn new(kind: RecordKind, id: &str) -> Option<RecordKey> {
        let ok = id.len() <= MAX_LEAD_ID && crate::domain::is_record_id(id);
        ok.then(|| RecordKey { kind, id: id.to_string() })
    }

    pub fn text(&self) -> String {
        format!("{}{}", self.kind.letter(), self.id)
    }

    /// Parses what `text` wrote; anything else is `None`.
    pub fn parse(s: &str) -> Option<RecordKey> {
        let mut cs = s.chars();
        let letter = cs.next()?;
        let kind = RecordKind::ALL.into_iter().find(|k| k.letter() == letter)?;
        RecordKey::new(kind, cs.as_str())
    }
}

/// One sales control, as its custom_id carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SalesState {
    pub view: SalesView,
    /// The period (a deal list's closing range); `None`: the view's default (a list: any).
    pub preset: Option<Preset>,
    /// `short_hash` of a CRM user id.
    pub owner: Option<String>,
    /// `short_hash` of a lead source's name.
    pub source: Option<String>,
    /// `short_hash` of a pipeline's name.
    pub pipeline: Option<String>,
    /// `short_hash` of a stage's name.
    pub stage: Option<String>,
    /// Deals of at least this many whole currency units.
    pub min_amount: Option<u64>,
    pub sort: DealSort,
    pub page: u16,
    pub record: Option<RecordKey>,
    /// A chart segment's code (`views::sales::Segment::encode`), when `record` is `None`.
    pub segment: Option<String>,
    /// Distinguishes controls that lead to the same state; upper case opens privately.
    pub tag: char,
}

/// A segment's code: what `Segment::encode` writes (a letter, then digits, hex or `-`).
fn segment_ok(s: &str) -> bool {
    (1..=12).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn hash_ok(s: &str) -> bool {
    s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn preset_letter(p: Preset) -> Option<char> {
    Some(match p {
        Preset::Today => 't',
        Preset::ThisWeek => 'w',
        Preset::LastWeek => 'W',
        Preset::ThisMonth => 'm',
        Preset::LastMonth => 'M',
        Preset::QuarterToDate => 'q',
        Preset::LastQuarter => 'Q',
        Preset::YearToDate => 'y',
        Preset::Custom { .. } => return None,
    })
}

fn preset_text(p: Option<Preset>) -> String {
    let Some(p) = p else { return "-".into() };
    match (p, preset_letter(p)) {
        (_, Some(c)) => c.to_string(),
        (Preset::Custom { first, last }, None) => format!("c{}~{}", day_b36(first), day_b36(last)),
        _ => unreachable!("only a custom preset has no letter"),
    }
}

fn preset_from(s: &str) -> Option<Option<Preset>> {
    if s == "-" {
        return Some(None);
    }
    if let Some(range) = s.strip_prefix('c') {
        let (a, b) = range.split_once('~')?;
        let (first, last): (NaiveDate, NaiveDate) = (day_from_b36(a)?, day_from_b36(b)?);
        let ok = first <= last && (last - first).num_days() < MAX_CUSTOM_DAYS;
        // One text per state: a custom range is never written as a named preset's letter.
        return (ok && day_b36(first) == a && day_b36(last) == b).then_some(Some(Preset::Custom { first, last }));
    }
    Preset::NAMED.into_iter().find(|p| preset_letter(*p).map(String::from).as_deref() == Some(s)).map(Some)
}

impl SalesState {
    /// A view of `preset` with no filter.
    pub fn new(view: SalesView, preset: Option<Preset>) -> SalesState {
        SalesState {
            view,
            preset,
            owner: None,
            source: None,
            pipeline: None,
            stage: None,
            min_amount: None,
            sort: DealSort::default(),
            page: 0,
            record: None,
            segment: None,
            tag: 'x',
        }
    }

    pub fn with_tag(&self, tag: char) -> SalesState {
        SalesState { tag, ..self.clone() }
    }

    pub fn is_sales_id(id: &str) -> bool {
        id.starts_with(SALES_PREFIX) && id.as_bytes().get(SALES_PREFIX.len()) == Some(&b'.')
    }

    fn payload(&self) -> String {
        let h = |o: &Option<String>| o.clone().filter(|s| hash_ok(s)).unwrap_or_else(|| "-".into());
        format!(
            "{SALES_PREFIX}.{}.{}.{}.{}.{}.{}.{}.{}.{}.{}.{}",
            self.view.letter(),
            preset_text(self.preset),
            h(&self.owner),
            h(&self.source),
            h(&self.pipeline),
            h(&self.stage),
            self.min_amount.map(|a| b36(a.min(MAX_AMOUNT))).unwrap_or_else(|| "-".into()),
            self.sort.letter(),
            self.page.min(MAX_SALES_PAGE),
            match (&self.record, &self.segment) {
                (Some(r), _) => r.text(),
                (None, Some(s)) if segment_ok(s) => format!("~{s}"),
                _ => "-".into(),
            },
            if self.tag.is_ascii_alphanumeric() { self.tag } else { 'x' },
        )
    }

    pub fn encode(&self, key: &ViewKey) -> String {
        let payload = self.payload();
        let id = format!("{payload}.{}", tag_text(&key.tag(&payload)));
        debug_assert!(id.len() <= MAX_LEN, "custom_id too long: {id}");
        id
    }

    /// The state `id` carries, or `Expired` for anything we did not sign (checked first).
    pub fn parse(id: &str, key: &ViewKey) -> Result<SalesState, Expired> {
        if id.len() > MAX_LEN || !id.is_ascii() {
            return Err(Expired);
        }
        let (payload, tag) = id.rsplit_once('.').ok_or(Expired)?;
        let tag = tag_from_text(tag).ok_or(Expired)?;
        if !key.verifies(payload, &tag) {
            return Err(Expired);
        }
        let parts: Vec<&str> = payload.split('.').collect();
        let [prefix, view, period, owner, source, pipeline, stage, amount, sort, page, record, tag] = parts.as_slice()
        else {
            return Err(Expired);
        };
        if *prefix != SALES_PREFIX {
            return Err(Expired);
        }
        let one = |s: &str| {
            let mut cs = s.chars();
            match (cs.next(), cs.next()) {
                (Some(c), None) => Ok(c),
                _ => Err(Expired),
            }
        };
        let v = one(view)?;
        let view = SalesView::ALL.into_iter().find(|k| k.letter() == v).ok_or(Expired)?;
        let preset = preset_from(period).ok_or(Expired)?;
        let hash = |s: &str| match s {
            "-" => Ok(None),
            h if hash_ok(h) => Ok(Some(h.to_string())),
            _ => Err(Expired),
        };
        let min_amount = match *amount {
            "-" => None,
            a => Some(from_b36(a).filter(|n| *n <= MAX_AMOUNT && b36(*n) == *a).ok_or(Expired)?),
        };
        let s = one(sort)?;
        let sort = DealSort::ALL.into_iter().find(|k| k.letter() == s).ok_or(Expired)?;
        let digits = !page.is_empty() && page.len() <= 3 && page.bytes().all(|b| b.is_ascii_digit());
        let page: u16 = if digits { page.parse().map_err(|_| Expired)? } else { return Err(Expired) };
        let (record, segment) = match *record {
            "-" => (None, None),
            r => match r.strip_prefix('~') {
                Some(s) if segment_ok(s) => (None, Some(s.to_string())),
                Some(_) => return Err(Expired),
                None => (Some(RecordKey::parse(r).ok_or(Expired)?), None),
            },
        };
        let tag = one(tag)?;
        if !tag.is_ascii_alphanumeric() {
            return Err(Expired);
        }
        Ok(SalesState {
            view,
            preset,
            owner: hash(owner)?,
            source: hash(source)?,
            pipeline: hash(pipeline)?,
            stage: hash(stage)?,
            min_amount,
            sort,
            page,
            record,
            segment,
            tag,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> ViewKey {
        ViewKey::from_bytes(*b"0123456789abcdef0123456789abcdef")
    }

    fn widest() -> SalesState {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        SalesState {
            view: SalesView::Story,
            preset: Some(Preset::Custom { first: d("2500-01-01"), last: d("2509-12-20") }),
            owner: Some("abcdef".into()),
            source: Some("012345".into()),
            pipeline: Some("ffffff".into()),
            stage: Some("a0b1c2".into()),
            min_amount: Some(MAX_AMOUNT),
            sort: DealSort::Recent,
            page: MAX_SALES_PAGE,
            record: RecordKey::new(RecordKind::Deal, "99999999999999999999"),
            segment: None,
            tag: 'K',
        }
    }

    #[test]
    fn the_widest_state_round_trips_within_100_chars() {
        let id = widest().encode(&key());
        assert_eq!(id.len(), 94, "{id}");
        assert!(SalesState::is_sales_id(&id));
        assert_eq!(SalesState::parse(&id, &key()), Ok(widest()));
        let seg = SalesState { segment: Some("s0123abcd".into()), ..SalesState::new(SalesView::Segment, None) };
        assert_eq!(SalesState::parse(&seg.encode(&key()), &key()), Ok(seg));
        for p in Preset::NAMED {
            let s = SalesState::new(SalesView::Dashboard, Some(p));
            assert_eq!(SalesState::parse(&s.encode(&key()), &key()), Ok(s));
        }
    }

    #[test]
    fn an_altered_or_foreign_id_is_refused() {
        let none = SalesState::new(SalesView::Deals, None);
        assert_eq!(SalesState::parse(&none.encode(&key()), &key()), Ok(none));
        let id = SalesState::new(SalesView::Deals, Some(Preset::ThisMonth)).encode(&key());
        // The owner filter forged in: one character changed, the tag no longer fits.
        let forged = id.replacen(".-.", ".abcdef.", 1);
        assert_eq!(SalesState::parse(&forged, &key()), Err(Expired));
        let other = ViewKey::from_bytes([7; 32]);
        assert_eq!(SalesState::parse(&id, &other), Err(Expired));
        assert_eq!(SalesState::parse("ps1.d", &key()), Err(Expired));
        assert_eq!(SalesState::parse("", &key()), Err(Expired));
    }

    #[test]
    fn record_keys_parse_only_what_they_write() {
        let k = RecordKey::new(RecordKind::Contact, "42").unwrap();
        assert_eq!(RecordKey::parse(&k.text()), Some(k));
        assert_eq!(RecordKey::parse("X42"), None);
        assert_eq!(RecordKey::parse("D4a"), None);
        assert_eq!(RecordKey::parse("D"), None);
    }
}
