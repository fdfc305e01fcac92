//! One sync run's scratch tables (SQLite TEMP tables on the run's own connection): what the
//! listings said, kept on disk instead of in memory while pages stream in, so the decisions that
//! need a whole listing (a full run's gone leads and mass-delete guard, orphan appointments,
//! deletions applied after the upserts) are made in SQL once the listing is complete.
//!
//! They live and die with the run's transaction: created inside it, gone at its rollback, and
//! gone with the connection after its commit. No other connection ever sees them.

use rusqlite::{params, Connection, OptionalExtension};

use super::{Result, StoreError};
use crate::crm::{AppointmentChange, CrmAppointment, CrmStageChange};
use crate::time::Stamp;

/// Creates the run's scratch tables, empty.
pub fn create(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "CREATE TEMP TABLE run_listed_leads (id TEXT PRIMARY KEY) WITHOUT ROWID;
         CREATE TEMP TABLE run_unreadable_leads (id TEXT PRIMARY KEY) WITHOUT ROWID;
         -- In arrival order (seq): applied after the listings, as a run applied them before.
         CREATE TEMP TABLE run_appointments (
             seq INTEGER PRIMARY KEY, id TEXT NOT NULL, lead_id TEXT, title TEXT, start_at TEXT,
             start_offset INTEGER, end_at TEXT, end_offset INTEGER, all_day INTEGER, status TEXT
         );
         CREATE INDEX temp.run_appointments_id ON run_appointments(id);
         CREATE INDEX temp.run_appointments_lead ON run_appointments(lead_id);
         CREATE TEMP TABLE run_deleted_leads (seq INTEGER PRIMARY KEY, id TEXT NOT NULL);
         CREATE INDEX temp.run_deleted_leads_id ON run_deleted_leads(id);
         CREATE TEMP TABLE run_deleted_appointments (seq INTEGER PRIMARY KEY, id TEXT NOT NULL);
         -- Observed stage changes this run inserted, to take back if the lead's timeline explains them.
         CREATE TEMP TABLE run_observed (
             lead_id TEXT PRIMARY KEY, change_id TEXT NOT NULL, at TEXT NOT NULL, at_offset INTEGER NOT NULL,
             to_stage TEXT
         ) WITHOUT ROWID;
         -- The leads whose timeline this run wanted, and those it read.
         CREATE TEMP TABLE run_wanted (lead_id TEXT PRIMARY KEY) WITHOUT ROWID;
         CREATE TEMP TABLE run_read (lead_id TEXT PRIMARY KEY) WITHOUT ROWID;",
    )?;
    Ok(())
}

pub fn note_listed_lead(conn: &Connection, id: &str) -> Result<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO run_listed_leads(id) VALUES (?1)")?.execute([id])?;
    Ok(())
}

/// A lead record Zoho sent that could not be read: it still exists, so it is not gone.
pub fn note_unreadable_lead(conn: &Connection, id: &str) -> Result<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO run_unreadable_leads(id) VALUES (?1)")?.execute([id])?;
    Ok(())
}

pub fn listed_lead_count(conn: &Connection) -> Result<usize> {
    Ok(conn.query_row("SELECT count(*) FROM run_listed_leads", [], |r| r.get::<_, i64>(0))? as usize)
}

/// Stored leads a (full) listing did not name, readable or not.
pub fn unlisted_leads(conn: &Connection) -> Result<Vec<String>> {
    let mut st = conn.prepare(
        "SELECT id FROM leads WHERE id NOT IN (SELECT id FROM run_listed_leads)
           AND id NOT IN (SELECT id FROM run_unreadable_leads) ORDER BY id",
    )?;
    let rows = st.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Every stored lead's id: what a reconcile checks against the CRM's survivors.
pub fn held_lead_ids(conn: &Connection) -> Result<Vec<String>> {
    let mut st = conn.prepare("SELECT id FROM leads ORDER BY id")?;
    let rows = st.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Every module appointment held (not `field:` ones), stored or listed live this run: what a
/// reconcile checks against the CRM's survivors.
pub fn held_module_appointment_ids(conn: &Connection) -> Result<Vec<String>> {
    let mut st = conn.prepare(
        "SELECT id FROM appointments WHERE id NOT LIKE 'field:%'
         UNION SELECT id FROM run_appointments WHERE lead_id IS NOT NULL ORDER BY id",
    )?;
    let rows = st.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

pub fn stage_appointment(conn: &Connection, c: &AppointmentChange) -> Result<()> {
    let mut st = conn.prepare_cached(
        "INSERT INTO run_appointments(id, lead_id, title, start_at, start_offset, end_at, end_offset, all_day, status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    match c {
        AppointmentChange::Upsert(a) => st.execute(super::appointments::row_values(a))?,
        AppointmentChange::Remove(id) => st.execute(params![
            id,
            None::<String>,
            None::<String>,
            None::<String>,
            None::<i32>,
            None::<String>,
            None::<i32>,
            None::<bool>,
            None::<String>
        ])?,
    };
    Ok(())
}

/// Distinct appointment ids the listing named (live or not).
pub fn listed_appointment_count(conn: &Connection) -> Result<usize> {
    Ok(conn.query_row("SELECT count(DISTINCT id) FROM run_appointments", [], |r| r.get::<_, i64>(0))? as usize)
}

/// Stored module appointments (not `field:` ones) and how many of them the listing did not name.
pub fn module_appointments_unlisted(conn: &Connection) -> Result<(usize, usize)> {
    Ok(conn.query_row(
        "SELECT count(*), count(*) FILTER (WHERE id NOT IN (SELECT id FROM run_appointments))
         FROM appointments WHERE id NOT LIKE 'field:%'",
        [],
        |r| Ok((r.get::<_, i64>(0)? as usize, r.get::<_, i64>(1)? as usize)),
    )?)
}

/// Stored appointments (of any source) the listing did not name as live.
pub fn appointments_not_live(conn: &Connection) -> Result<Vec<String>> {
    let mut st = conn.prepare(
        "SELECT id FROM appointments WHERE id NOT IN (SELECT id FROM run_appointments WHERE lead_id IS NOT NULL) ORDER BY id",
    )?;
    let rows = st.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// A staged appointment change, and whether its lead is one this run deletes or (in a full run,
/// `orphans`) one the listing did not name — such an appointment is not kept.
pub fn for_each_staged_appointment<E: From<StoreError>>(
    conn: &Connection,
    orphans: bool,
    mut each: impl FnMut(AppointmentChange, bool) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    let mut st = conn
        .prepare(
            "SELECT s.id, s.lead_id, s.title, s.start_at, s.start_offset, s.end_at, s.end_offset, s.all_day, s.status,
                s.lead_id IS NOT NULL AND (s.lead_id IN (SELECT id FROM run_deleted_leads)
                  OR (?1 AND s.lead_id NOT IN (SELECT id FROM run_listed_leads)
                      AND s.lead_id NOT IN (SELECT id FROM run_unreadable_leads)))
         FROM run_appointments s ORDER BY s.seq",
        )
        .map_err(StoreError::from)?;
    let mut rows = st.query([orphans]).map_err(StoreError::from)?;
    while let Some(r) = rows.next().map_err(StoreError::from)? {
        let (change, dropped) = staged_from_row(r).map_err(StoreError::from)?;
        each(change, dropped)?;
    }
    Ok(())
}

fn staged_from_row(r: &rusqlite::Row) -> rusqlite::Result<(AppointmentChange, bool)> {
    let bad = |i: usize, e: String| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into());
    let id: String = r.get(0)?;
    let Some(lead) = r.get::<_, Option<String>>(1)? else {
        return Ok((AppointmentChange::Remove(id), false));
    };
    let end = match (r.get::<_, Option<String>>(5)?, r.get::<_, Option<i32>>(6)?) {
        (Some(t), Some(o)) => Some(Stamp::from_parts(&t, o).map_err(|e| bad(5, e))?),
        _ => None,
    };
    let a = CrmAppointment {
        id,
        lead_id: crate::domain::LeadId::stored(&lead).map_err(|e| bad(1, e))?,
        title: r.get(2)?,
        start: Stamp::from_parts(&r.get::<_, String>(3)?, r.get(4)?).map_err(|e| bad(3, e))?,
        end,
        all_day: r.get(7)?,
        status: r.get(8)?,
    };
    Ok((AppointmentChange::Upsert(a), r.get(9)?))
}

pub fn stage_deleted_lead(conn: &Connection, id: &str) -> Result<()> {
    conn.prepare_cached("INSERT INTO run_deleted_leads(id) VALUES (?1)")?.execute([id])?;
    Ok(())
}

/// Leads Zoho listed as deleted, in the order it did.
pub fn staged_deleted_leads(conn: &Connection) -> Result<Vec<String>> {
    let mut st = conn.prepare("SELECT id FROM run_deleted_leads ORDER BY seq")?;
    let rows = st.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

pub fn stage_deleted_appointment(conn: &Connection, id: &str) -> Result<()> {
    conn.prepare_cached("INSERT INTO run_deleted_appointments(id) VALUES (?1)")?.execute([id])?;
    Ok(())
}

pub fn staged_deleted_appointments(conn: &Connection) -> Result<Vec<String>> {
    let mut st = conn.prepare("SELECT id FROM run_deleted_appointments ORDER BY seq")?;
    let rows = st.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Remembers an observed stage change this run inserted (`c`), until its lead's timeline is read.
pub fn note_observed(conn: &Connection, c: &CrmStageChange) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO run_observed(lead_id, change_id, at, at_offset, to_stage) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![c.lead_id.as_str(), c.id, c.at.utc_text(), c.at.offset_secs(), c.to])?;
    Ok(())
}

/// The observed change this run inserted for `lead`, if any: (its id, when, the stage it saw).
pub fn observed_of(conn: &Connection, lead: &str) -> Result<Option<(String, Stamp, Option<String>)>> {
    let bad = |e: String| rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, e.into());
    Ok(conn
        .prepare_cached("SELECT change_id, at, at_offset, to_stage FROM run_observed WHERE lead_id = ?1")?
        .query_row([lead], |r| {
            Ok((r.get(0)?, Stamp::from_parts(&r.get::<_, String>(1)?, r.get(2)?).map_err(bad)?, r.get(3)?))
        })
        .optional()?)
}

pub fn note_wanted(conn: &Connection, lead: &str) -> Result<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO run_wanted(lead_id) VALUES (?1)")?.execute([lead])?;
    Ok(())
}

pub fn note_read(conn: &Connection, lead: &str) -> Result<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO run_read(lead_id) VALUES (?1)")?.execute([lead])?;
    Ok(())
}
