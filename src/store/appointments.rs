//! Appointments: meetings with a lead, from whichever source the config names.

use std::collections::HashMap;

use rusqlite::Connection;

use super::Result;
use crate::crm::CrmAppointment;
use crate::time::Stamp;

/// Inserts or updates; returns whether anything changed.
pub fn upsert_appointment(conn: &Connection, a: &CrmAppointment) -> Result<bool> {
    let n = conn
        .prepare_cached(
            "INSERT INTO appointments(id, lead_id, title, start_at, start_offset, end_at, end_offset, all_day, status)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT(id) DO UPDATE SET lead_id = excluded.lead_id, title = excluded.title,
                start_at = excluded.start_at, start_offset = excluded.start_offset, end_at = excluded.end_at,
                end_offset = excluded.end_offset, all_day = excluded.all_day, status = excluded.status
             WHERE (lead_id, title, start_at, start_offset, end_at, end_offset, all_day, status)
                IS NOT (excluded.lead_id, excluded.title, excluded.start_at, excluded.start_offset,
                        excluded.end_at, excluded.end_offset, excluded.all_day, excluded.status)",
        )?
        .execute(row_values(a))?;
    Ok(n > 0)
}

/// An appointment's nine values in the column order `appointments` and the sync's staging table
/// share: id, lead_id, title, start_at, start_offset, end_at, end_offset, all_day, status.
pub(super) fn row_values(a: &CrmAppointment) -> impl rusqlite::Params + '_ {
    (
        a.id.as_str(),
        a.lead_id.as_str(),
        a.title.as_deref(),
        a.start.utc_text(),
        a.start.offset_secs(),
        a.end.map(|e| e.utc_text()),
        a.end.map(|e| e.offset_secs()),
        a.all_day,
        a.status.as_deref(),
    )
}

pub fn delete_appointment(conn: &Connection, id: &str) -> Result<bool> {
    Ok(conn.prepare_cached("DELETE FROM appointments WHERE id = ?1")?.execute([id])? > 0)
}

/// Every stored appointment id with its lead.
pub fn appointment_leads(conn: &Connection) -> Result<HashMap<String, String>> {
    let mut st = conn.prepare("SELECT id, lead_id FROM appointments")?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<CrmAppointment> {
    let bad = |i: usize, e: String| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into());
    let end = match (r.get::<_, Option<String>>(5)?, r.get::<_, Option<i32>>(6)?) {
        (Some(t), Some(o)) => Some(Stamp::from_parts(&t, o).map_err(|e| bad(5, e))?),
        _ => None,
    };
    Ok(CrmAppointment {
        id: r.get(0)?,
        lead_id: crate::domain::LeadId::stored(&r.get::<_, String>(1)?).map_err(|e| bad(1, e))?,
        title: r.get(2)?,
        start: Stamp::from_parts(&r.get::<_, String>(3)?, r.get(4)?).map_err(|e| bad(3, e))?,
        end,
        all_day: r.get(7)?,
        status: r.get(8)?,
    })
}

const COLUMNS: &str = "id, lead_id, title, start_at, start_offset, end_at, end_offset, all_day, status";

/// All appointments, grouped by lead, each group oldest first.
pub fn appointments_by_lead(conn: &Connection) -> Result<HashMap<String, Vec<CrmAppointment>>> {
    // A plain table scan, grouped and sorted here: reading through the lead index would cost
    // a random row lookup per appointment plus a sort in SQLite.
    let mut st = conn.prepare(&format!("SELECT {COLUMNS} FROM appointments"))?;
    let mut out: HashMap<String, Vec<CrmAppointment>> = HashMap::new();
    for a in st.query_map([], from_row)? {
        let a = a?;
        out.entry(a.lead_id.as_str().to_string()).or_default().push(a);
    }
    for v in out.values_mut() {
        v.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.id.cmp(&b.id)));
    }
    Ok(out)
}

pub fn appointments_of(conn: &Connection, lead: &str) -> Result<Vec<CrmAppointment>> {
    let mut st =
        conn.prepare(&format!("SELECT {COLUMNS} FROM appointments WHERE lead_id = ?1 ORDER BY start_at, id"))?;
    let rows = st.query_map([lead], from_row)?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}
