//! `SalesQuery`: what a sales view is asked for — the period, whose deals (everyone in the
//! viewer's scope, one owner, a manager's team), one lead source, one pipeline. The CLI parses
//! it from flags, Discord from a select or a modal (`SalesQuery::parse`), and Discord keeps it
//! in a custom_id (`encode` / `decode`): at most `ENCODED_MAX` characters whatever the names,
//! because free text (an owner, a source, a pipeline) is carried as a short hash and looked up
//! again in the data when the button is pressed.

use serde::Serialize;

use super::SalesSnapshot;
use crate::sales::period::Preset;
use crate::views::text::{ellipsize, for_terminal};

/// Whose deals, leads and activities.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Who {
    /// Everyone the viewer may see.
    All,
    /// One CRM user (by id).
    Owner(String),
    /// A manager's team (the manager's CRM user id): `Directory::team`.
    Team(String),
}

/// A sales view's question.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SalesQuery {
    pub preset: Preset,
    pub who: Who,
    /// As the data spells it.
    pub lead_source: Option<String>,
    pub pipeline: Option<String>,
}

impl Default for SalesQuery {
    /// This month, everyone, every source and pipeline.
    fn default() -> Self {
        SalesQuery { preset: Preset::ThisMonth, who: Who::All, lead_source: None, pipeline: None }
    }
}

/// The query as typed (CLI flags, modal fields): each `None` when not given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueryFlags {
    pub period: Option<String>,
    pub owner: Option<String>,
    pub team: Option<String>,
    pub source: Option<String>,
    pub pipeline: Option<String>,
}

/// The longest `encode` gives: 18 (a custom range) + 9 + 8 + 8 + 3 separators.
pub const ENCODED_MAX: usize = 46;

fn shown(t: &str) -> String {
    ellipsize(&for_terminal(t.trim()), 40)
}

/// A person typed as a CRM user id, email or name, found among the users and the records.
fn person(snap: &SalesSnapshot, typed: &str, flag: &str) -> Result<String, String> {
    let t = typed.trim();
    let mut ids: Vec<String> = snap.directory.find_user(t).into_iter().map(|u| u.id.clone()).collect();
    if ids.is_empty() {
        ids = snap
            .known_owners()
            .into_iter()
            .filter(|(id, name)| id == t || name.eq_ignore_ascii_case(t))
            .map(|(id, _)| id)
            .collect();
    }
    ids.dedup();
    match ids.len() {
        1 => Ok(ids.remove(0)),
        0 => Err(format!("{flag}: no CRM user has the id, email or name '{}'", shown(t))),
        n => Err(format!("{flag}: '{}' names {n} CRM users; give the id or email of one", shown(t))),
    }
}

/// A name typed, matched (any case) against `known`; the data's spelling is kept.
fn one_of(typed: &str, known: &[String], what: &str) -> Result<String, String> {
    let t = typed.trim();
    known.iter().find(|k| k.eq_ignore_ascii_case(t)).cloned().ok_or_else(|| {
        let list = if known.is_empty() {
            "the data has none".to_string()
        } else {
            crate::views::join_capped(known.iter().map(|k| shown(k)), 12, ", ")
        };
        format!("'{}' is not a {what}: use one of {list}", shown(t))
    })
}

impl SalesQuery {
    /// Parses what was typed, checking names against the data: `--period` a preset key or a
    /// range, `--owner` a CRM user (id, email or name), `--team` a manager the same way, not
    /// both; `--source` and `--pipeline` one the data has (any case).
    pub fn parse(flags: &QueryFlags, snap: &SalesSnapshot) -> Result<SalesQuery, String> {
        let preset = match &flags.period {
            Some(p) => Preset::parse(p).map_err(|e| format!("--period: {e}"))?,
            None => Preset::ThisMonth,
        };
        let who = match (&flags.owner, &flags.team) {
            (Some(_), Some(_)) => return Err("give --owner or --team, not both".into()),
            (Some(o), None) => Who::Owner(person(snap, o, "--owner")?),
            (None, Some(m)) => Who::Team(person(snap, m, "--team")?),
            (None, None) => Who::All,
        };
        let lead_source = match &flags.source {
            Some(s) => Some(one_of(s, &snap.known_sources(), "lead source").map_err(|e| format!("--source: {e}"))?),
            None => None,
        };
        let pipeline = match &flags.pipeline {
            Some(p) => Some(one_of(p, &snap.known_pipelines(), "pipeline").map_err(|e| format!("--pipeline: {e}"))?),
            None => None,
        };
        Ok(SalesQuery { preset, who, lead_source, pipeline })
    }

    /// The compact form for a custom_id: `preset.who.source.pipeline`, each part short —
    /// the preset's key (a range as `YYYYMMDD-YYYYMMDD`), `o`/`t` and a hash of the person,
    /// hashes of the source and pipeline. At most `ENCODED_MAX` characters.
    pub fn encode(&self) -> String {
        let preset = match self.preset {
            Preset::Custom { first, last } => format!("{}-{}", first.format("%Y%m%d"), last.format("%Y%m%d")),
            p => p.key().to_string(),
        };
        let who = match &self.who {
            Who::All => String::new(),
            Who::Owner(id) => format!("o{}", hash(id)),
            Who::Team(id) => format!("t{}", hash(id)),
        };
        let h = |s: &Option<String>| s.as_deref().map(hash).unwrap_or_default();
        format!("{preset}.{who}.{}.{}", h(&self.lead_source), h(&self.pipeline))
    }

    /// Reads `encode`'s form back, finding the hashed names in the data. An error says what no
    /// longer fits (a person or source gone since the message was sent); never a panic.
    pub fn decode(text: &str, snap: &SalesSnapshot) -> Result<SalesQuery, String> {
        if text.len() > ENCODED_MAX || !text.is_ascii() {
            return Err("this view's settings are not readable: ask again".into());
        }
        let parts: Vec<&str> = text.split('.').collect();
        let [preset, who, source, pipeline] = parts[..] else {
            return Err("this view's settings are not readable: ask again".into());
        };
        let preset = match preset.split_once('-').filter(|(a, _)| a.len() == 8) {
            Some((a, b)) => {
                let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y%m%d").map(|d| d.to_string());
                match (day(a), day(b)) {
                    (Ok(a), Ok(b)) => Preset::custom(&a, &b)?,
                    _ => return Err("this view's period is not readable: ask again".into()),
                }
            }
            None => Preset::parse(preset).map_err(|_| "this view's period is not readable: ask again".to_string())?,
        };
        let find = |h: &str, names: Vec<String>, what: &str| -> Result<String, String> {
            names
                .into_iter()
                .find(|n| hash(n) == h)
                .ok_or_else(|| format!("the {what} this view was for is no longer in the data"))
        };
        let owners = || snap.known_owners().into_iter().map(|(id, _)| id).collect::<Vec<_>>();
        let who = match who.split_at_checked(1) {
            None => Who::All,
            Some(("o", h)) => Who::Owner(find(h, owners(), "person")?),
            Some(("t", h)) => Who::Team(find(h, owners(), "team's manager")?),
            Some(_) => return Err("this view's settings are not readable: ask again".into()),
        };
        let opt = |h: &str, names: Vec<String>, what: &str| {
            if h.is_empty() {
                Ok(None)
            } else {
                find(h, names, what).map(Some)
            }
        };
        Ok(SalesQuery {
            preset,
            who,
            lead_source: opt(source, snap.known_sources(), "lead source")?,
            pipeline: opt(pipeline, snap.known_pipelines(), "pipeline")?,
        })
    }
}

/// FNV-1a, 32 bits, as 8 hex digits: stable across builds and machines (unlike `std`'s
/// hasher), which a custom_id outliving a restart needs.
pub(super) fn hash(s: &str) -> String {
    let mut h: u32 = 0x811c_9dc5;
    for b in s.bytes() {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    format!("{h:08x}")
}

impl Serialize for SalesQuery {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Out<'a> {
            period: String,
            who: &'a Who,
            lead_source: &'a Option<String>,
            pipeline: &'a Option<String>,
        }
        Out {
            period: self.preset.to_string(),
            who: &self.who,
            lead_source: &self.lead_source,
            pipeline: &self.pipeline,
        }
        .serialize(s)
    }
}
