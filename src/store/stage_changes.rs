//! Stage history: when each lead moved between stages, and who moved it.

use std::collections::HashSet;

use rusqlite::{params, Connection};

use super::Result;
use crate::crm::CrmStageChange;
use crate::time::Stamp;

/// Where a stored change came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeSource {
    Timeline,
    Observed,
}

impl ChangeSource {
    fn as_str(self) -> &'static str {
        match self {
            ChangeSource::Timeline => "timeline",
            ChangeSource::Observed => "observed",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredChange {
    pub change: CrmStageChange,
    pub source: ChangeSource,
}

pub fn insert_change(conn: &Connection, c: &CrmStageChange, source: ChangeSource) -> Result<bool> {
    let n = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO stage_changes(id, lead_id, changed_at, changed_offset, from_stage, to_stage, changed_by, source)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            c.id,
            c.lead_id.as_str(),
            c.at.utc_text(),
            c.at.offset_secs(),
            c.from,
            c.to,
            c.by,
            source.as_str()
        ])?;
    Ok(n > 0)
}

/// Removes one stored change (an observation its lead's timeline turned out to explain).
pub fn delete_change(conn: &Connection, id: &str) -> Result<bool> {
    Ok(conn.prepare_cached("DELETE FROM stage_changes WHERE id = ?1")?.execute([id])? > 0)
}

/// Merges a lead's timeline into its stored history and returns how many of the changes are
/// new to us. Nothing Zoho cannot give back is dropped: timeline entries it no longer returns
/// stay, and an observed change stays unless the timeline explains it — that is, the timeline's
/// last change at or before the observation moved the lead into the observed stage.
pub fn merge_history(conn: &Connection, lead: &str, changes: &[CrmStageChange]) -> Result<usize> {
    let existing: HashSet<String> = {
        let mut st = conn.prepare_cached("SELECT id FROM stage_changes WHERE lead_id = ?1 AND source = 'timeline'")?;
        let ids = st.query_map([lead], |r| r.get(0))?;
        ids.collect::<std::result::Result<_, _>>()?
    };
    let mut new = 0;
    for c in changes {
        conn.prepare_cached(
            "INSERT INTO stage_changes(id, lead_id, changed_at, changed_offset, from_stage, to_stage, changed_by, source)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'timeline')
             ON CONFLICT(id) DO UPDATE SET lead_id = excluded.lead_id, changed_at = excluded.changed_at,
                changed_offset = excluded.changed_offset, from_stage = excluded.from_stage,
                to_stage = excluded.to_stage, changed_by = excluded.changed_by, source = 'timeline'",
        )?
        .execute(params![c.id, c.lead_id.as_str(), c.at.utc_text(), c.at.offset_secs(), c.from, c.to, c.by])?;
        if !existing.contains(&c.id) {
            new += 1;
        }
    }
    let stored = changes_of(conn, lead)?;
    let timeline: Vec<&CrmStageChange> =
        stored.iter().filter(|s| s.source == ChangeSource::Timeline).map(|s| &s.change).collect();
    for o in stored.iter().filter(|s| s.source == ChangeSource::Observed) {
        // `changes_of` is oldest first, so the last one not after the observation is the latest.
        let explained = timeline.iter().rev().find(|t| t.at <= o.change.at).is_some_and(|t| t.to == o.change.to);
        if explained {
            conn.prepare_cached("DELETE FROM stage_changes WHERE id = ?1")?.execute([&o.change.id])?;
        }
    }
    Ok(new)
}

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<StoredChange> {
    let bad = |i: usize, e: String| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into());
    let source: String = r.get(7)?;
    Ok(StoredChange {
        change: CrmStageChange {
            id: r.get(0)?,
            lead_id: crate::domain::LeadId::stored(&r.get::<_, String>(1)?).map_err(|e| bad(1, e))?,
            at: Stamp::from_parts(&r.get::<_, String>(2)?, r.get(3)?).map_err(|e| bad(2, e))?,
            from: r.get(4)?,
            to: r.get(5)?,
            by: r.get(6)?,
        },
        source: if source == "observed" { ChangeSource::Observed } else { ChangeSource::Timeline },
    })
}

const COLUMNS: &str = "id, lead_id, changed_at, changed_offset, from_stage, to_stage, changed_by, source";

pub fn changes_of(conn: &Connection, lead: &str) -> Result<Vec<StoredChange>> {
    let mut st =
        conn.prepare(&format!("SELECT {COLUMNS} FROM stage_changes WHERE lead_id = ?1 ORDER BY changed_at, id"))?;
    let rows = st.query_map([lead], from_row)?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}
