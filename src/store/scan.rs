//! Lean scans for building the views' snapshot: only the columns the views read, handed to a
//! callback as borrowed values so nothing is allocated that the caller does not keep. Every
//! appointed lead (`scan_appointed_leads` and the whole-table scans), or only those in a
//! `LeadScope` (`scan_leads_in`, then `scan_appointments_of`/`scan_stage_changes_of` for them).

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
pub fn scan_appointments(conn: &Connection, f: impl FnMut(&str, Stamp, bool, Option<&str>)) -> Result<()> {
    // Served from the covering index appointments_scan: in lead order, oldest first.
    let mut st = conn.prepare(
        "SELECT lead_id, start_at, start_offset, all_day, title FROM appointments INDEXED BY appointments_scan
         ORDER BY lead_id, start_at",
    )?;
    appointment_rows(st.query([])?, f)?;
    Ok(())
}

/// Rows of (lead id, start, offset, all day, title) handed to `f` borrowed.
fn appointment_rows(mut rows: rusqlite::Rows, mut f: impl FnMut(&str, Stamp, bool, Option<&str>)) -> Result<()> {
    while let Some(r) = rows.next()? {
        let lead = text(r.get_ref(0)?)?.unwrap_or_default();
        let start = stamp(r.get_ref(1)?, r.get_ref(2)?)?;
        f(lead, start, r.get(3)?, text(r.get_ref(4)?)?);
    }
    Ok(())
}

/// One stage change: lead id, time, from, to; grouped by lead, oldest first.
pub fn scan_stage_changes(conn: &Connection, f: impl FnMut(&str, Stamp, Option<&str>, Option<&str>)) -> Result<()> {
    // Served from the covering index stage_changes_scan: in lead order, oldest first.
    let mut st = conn.prepare(
        "SELECT lead_id, changed_at, changed_offset, from_stage, to_stage FROM stage_changes
         INDEXED BY stage_changes_scan ORDER BY lead_id, changed_at",
    )?;
    change_rows(st.query([])?, f)?;
    Ok(())
}

/// Rows of (lead id, time, offset, from, to) handed to `f` borrowed.
fn change_rows(mut rows: rusqlite::Rows, mut f: impl FnMut(&str, Stamp, Option<&str>, Option<&str>)) -> Result<()> {
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
    /// The owning CRM user's id (what scopes are decided on).
    pub owner_id: Option<&'a str>,
}

/// The columns of a `LeanLead`, over `leads l LEFT JOIN users u`. The locator shown is the
/// owning user's current name (users are re-read every sync; a rename leaves the leads'
/// Modified_Time, and so their stored name, alone); the name stored with the lead only when the
/// user is unknown.
fn lean_columns() -> String {
    format!(
        "l.id, l.full_name, l.company, l.stage, {LOCATOR_SHOWN}, l.converted, l.created_at, l.created_offset,
         l.history_synced_modified_at IS NOT NULL, l.locator_id"
    )
}

/// Every lead that has an appointment, in id order (the order of the `IN` list: no sort).
pub fn scan_appointed_leads(conn: &Connection, f: impl FnMut(LeanLead)) -> Result<()> {
    let mut st = conn.prepare(&format!(
        "SELECT {} FROM leads l LEFT JOIN users u ON u.id = l.locator_id
         WHERE l.id IN (SELECT lead_id FROM appointments) ORDER BY l.id",
        lean_columns()
    ))?;
    lean_rows(st.query([])?, f)?;
    Ok(())
}

/// Which appointed leads a narrow load reads. Bounds are stored UTC text (`Stamp::utc_text`,
/// which sorts as time does); the views work them out from the rules (`views::Need`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LeadScope {
    /// Open leads (not converted, not in `closed_stages` unless their stage changed after
    /// `as_of`) none of whose appointments is late enough to rule them out: no timed one
    /// starting at or after `timed_from`, no all-day one starting at or after `all_day_from`.
    /// With `drop_progressed`, also leaving out leads with a stage change at or before `as_of`
    /// more than `progressed_margin_secs` seconds after their latest appointment's start.
    Quiet {
        timed_from: String,
        all_day_from: String,
        as_of: String,
        closed_stages: Vec<String>,
        drop_progressed: bool,
        progressed_margin_secs: i64,
    },
    /// Leads with an appointment starting in `[from, until)`.
    Starting { from: String, until: String },
}

/// The leads in `scope`, in id order as `scan_appointed_leads` gives them.
pub fn scan_leads_in(conn: &Connection, scope: &LeadScope, f: impl FnMut(LeanLead)) -> Result<()> {
    let cols = lean_columns();
    match scope {
        LeadScope::Quiet {
            timed_from,
            all_day_from,
            as_of,
            closed_stages,
            drop_progressed,
            progressed_margin_secs,
        } => {
            // One pass over appointed_leads (narrow, in id order) finds the leads whose latest
            // appointments are early enough and gives their rows; only a last change after as_of
            // (a past as_of) sends it to the history itself.
            let mut st = conn.prepare(&format!(
                "SELECT {cols} FROM appointed_leads l LEFT JOIN users u ON u.id = l.locator_id
                 WHERE l.has_lead
                   AND coalesce(l.latest_timed, '') < ?1 AND coalesce(l.latest_all_day, '') < ?2
                   AND l.converted = 0
                   AND (l.stage IS NULL OR l.stage NOT IN (SELECT value FROM json_each(?4))
                        OR coalesce(l.last_change_at, '') > ?3)
                   AND NOT (?5 AND CASE WHEN coalesce(l.last_change_at, '') <= ?3
                        THEN coalesce(unixepoch(l.last_change_at) - unixepoch(l.latest_start) > ?6, 0)
                        ELSE EXISTS (
                            SELECT 1 FROM stage_changes s WHERE s.lead_id = l.id AND s.changed_at <= ?3
                              AND unixepoch(s.changed_at) - unixepoch(l.latest_start) > ?6) END)
                 ORDER BY l.id"
            ))?;
            let closed = serde_json::to_string(closed_stages).unwrap_or_else(|_| "[]".into());
            let rows = st.query(rusqlite::params![
                timed_from,
                all_day_from,
                as_of,
                closed,
                drop_progressed,
                progressed_margin_secs
            ])?;
            lean_rows(rows, f)?;
            Ok(())
        }
        LeadScope::Starting { from, until } => {
            let mut st = conn.prepare(&format!(
                "SELECT {cols} FROM leads l LEFT JOIN users u ON u.id = l.locator_id
                 WHERE l.id IN (SELECT lead_id FROM appointments WHERE start_at >= ?1 AND start_at < ?2)
                 ORDER BY l.id"
            ))?;
            lean_rows(st.query([from, until])?, f)?;
            Ok(())
        }
    }
}

/// The appointments of the leads in `ids` (a JSON array), grouped by lead, oldest first.
pub fn scan_appointments_of(
    conn: &Connection,
    ids: &str,
    f: impl FnMut(&str, Stamp, bool, Option<&str>),
) -> Result<()> {
    // One seek per lead in the covering index appointments_scan: rows come in its order.
    let mut st = conn.prepare(
        "SELECT a.lead_id, a.start_at, a.start_offset, a.all_day, a.title
         FROM json_each(?1) j CROSS JOIN appointments a INDEXED BY appointments_scan
         WHERE a.lead_id = j.value",
    )?;
    appointment_rows(st.query([ids])?, f)?;
    Ok(())
}

/// The stage changes of the leads in `ids` (a JSON array), grouped by lead, oldest first.
/// With `from_last_before`, each lead's changes from its last one at or before that time on:
/// all the rules read of a history at that moment.
pub fn scan_stage_changes_of(
    conn: &Connection,
    ids: &str,
    from_last_before: Option<&str>,
    f: impl FnMut(&str, Stamp, Option<&str>, Option<&str>),
) -> Result<()> {
    // Seeks per lead in the covering index stage_changes_scan: rows come in its order. A lead
    // whose last change is not after the time (appointed_leads knows) starts at that change.
    let mut st = conn.prepare(
        "SELECT s.lead_id, s.changed_at, s.changed_offset, s.from_stage, s.to_stage
         FROM json_each(?1) j LEFT JOIN appointed_leads q ON q.id = j.value
              CROSS JOIN stage_changes s INDEXED BY stage_changes_scan
         WHERE s.lead_id = j.value
           AND s.changed_at >= CASE WHEN q.last_change_at <= ?2 THEN q.last_change_at
               ELSE coalesce((SELECT max(x.changed_at) FROM stage_changes x INDEXED BY stage_changes_scan
                              WHERE x.lead_id = j.value AND x.changed_at <= ?2), '') END",
    )?;
    change_rows(st.query(rusqlite::params![ids, from_last_before])?, f)?;
    Ok(())
}

/// Whether any lead has an appointment (a narrow load cannot tell an empty answer from no data).
pub fn any_appointed_lead(conn: &Connection) -> Result<bool> {
    Ok(conn
        .query_row("SELECT EXISTS (SELECT 1 FROM appointments a JOIN leads l ON l.id = a.lead_id)", [], |r| r.get(0))?)
}

/// The stage names the views know without a snapshot: those of open leads and of appointed ones.
pub fn known_stage_names(conn: &Connection) -> Result<Vec<String>> {
    let mut st = conn.prepare(
        "SELECT DISTINCT stage FROM leads
         WHERE stage IS NOT NULL AND (converted = 0 OR id IN (SELECT lead_id FROM appointments))",
    )?;
    let rows = st.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// The locator names shown for appointed leads.
pub fn appointed_locator_names(conn: &Connection) -> Result<Vec<String>> {
    let mut st = conn.prepare(&format!(
        "SELECT DISTINCT {LOCATOR_SHOWN} FROM leads l LEFT JOIN users u ON u.id = l.locator_id
         WHERE l.id IN (SELECT lead_id FROM appointments) AND {LOCATOR_SHOWN} IS NOT NULL"
    ))?;
    let rows = st.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

fn lean_rows(mut rows: rusqlite::Rows, mut f: impl FnMut(LeanLead)) -> Result<()> {
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
            owner_id: text(r.get_ref(9)?)?,
        });
    }
    Ok(())
}
