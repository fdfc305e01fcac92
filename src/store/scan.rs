//! Lean scans for building the views' snapshot: only the columns the views read, handed to a
//! callback as borrowed values so nothing is allocated that the caller does not keep.

use rusqlite::types::ValueRef;
use rusqlite::Connection;

use super::leads::LOCATOR_SHOWN;
use super::Result;
use crate::time::Stamp;

fn text<'a>(v: ValueRef<'a>) -> rusqlite::Result<Option<&'a str>> {
    match v {
        ValueRef::Null => Ok(None),
        other => other.as_str().map(Some).map_err(rusqlite::Error::from),
    }
}

fn stamp(utc: ValueRef, offset: ValueRef) -> rusqlite::Result<Stamp> {
    let t = text(utc)?.unwrap_or_default();
    let off = offset.as_i64().map_err(rusqlite::Error::from)? as i32;
    Stamp::from_parts(t, off)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into()))
}

/// One appointment: lead id, start, all day, title; grouped by lead, oldest first.
pub fn scan_appointments(conn: &Connection, mut f: impl FnMut(&str, Stamp, bool, Option<&str>)) -> Result<()> {
    // Served from the covering index appointments_scan: in lead order, oldest first.
    let mut st = conn.prepare(
        "SELECT lead_id, start_at, start_offset, all_day, title FROM appointments INDEXED BY appointments_scan
         ORDER BY lead_id, start_at",
    )?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let lead = text(r.get_ref(0)?)?.unwrap_or_default();
        let start = stamp(r.get_ref(1)?, r.get_ref(2)?)?;
        f(lead, start, r.get(3)?, text(r.get_ref(4)?)?);
    }
    Ok(())
}

/// One stage change: lead id, time, from, to; grouped by lead, oldest first.
pub fn scan_stage_changes(conn: &Connection, mut f: impl FnMut(&str, Stamp, Option<&str>, Option<&str>)) -> Result<()> {
    // Served from the covering index stage_changes_scan: in lead order, oldest first.
    let mut st = conn.prepare(
        "SELECT lead_id, changed_at, changed_offset, from_stage, to_stage FROM stage_changes
         INDEXED BY stage_changes_scan ORDER BY lead_id, changed_at",
    )?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let lead = text(r.get_ref(0)?)?.unwrap_or_default();
        let at = stamp(r.get_ref(1)?, r.get_ref(2)?)?;
        f(lead, at, text(r.get_ref(3)?)?, text(r.get_ref(4)?)?);
    }
    Ok(())
}

/// What the views show of a lead.
pub struct LeanLead<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub company: Option<&'a str>,
    pub stage: Option<&'a str>,
    pub locator: Option<&'a str>,
    pub converted: bool,
    pub created_at: Stamp,
    pub history_known: bool,
}

/// Every lead that has an appointment.
pub fn scan_appointed_leads(conn: &Connection, mut f: impl FnMut(LeanLead)) -> Result<()> {
    // The locator shown is the owning user's current name (users are re-read every sync; a
    // rename leaves the leads' Modified_Time, and so their stored name, alone); the name stored
    // with the lead only when the user is unknown.
    let mut st = conn.prepare(&format!(
        "SELECT l.id, l.full_name, l.company, l.stage, {LOCATOR_SHOWN}, l.converted, l.created_at,
                l.created_offset, l.history_synced_modified_at IS NOT NULL
         FROM leads l LEFT JOIN users u ON u.id = l.locator_id
         WHERE l.id IN (SELECT lead_id FROM appointments)"
    ))?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        f(LeanLead {
            id: text(r.get_ref(0)?)?.unwrap_or_default(),
            name: text(r.get_ref(1)?)?.unwrap_or_default(),
            company: text(r.get_ref(2)?)?,
            stage: text(r.get_ref(3)?)?,
            locator: text(r.get_ref(4)?)?,
            converted: r.get(5)?,
            created_at: stamp(r.get_ref(6)?, r.get_ref(7)?)?,
            history_known: r.get(8)?,
        });
    }
    Ok(())
}
