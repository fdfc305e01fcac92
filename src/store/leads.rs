//! Leads: the CRM copy of each lead record.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::Result;
use crate::crm::{CrmLead, UserRef};
use crate::domain::LeadId;
use crate::time::Stamp;

/// What an upsert did.
#[derive(Debug, PartialEq, Eq)]
pub enum Upserted {
    Created,
    /// The row changed; `old_stage` is the stage it had before.
    Updated {
        old_stage: Option<String>,
    },
    Unchanged,
}

pub fn upsert_lead(conn: &Connection, l: &CrmLead) -> Result<Upserted> {
    let old: Option<Option<String>> = conn
        .prepare_cached("SELECT stage FROM leads WHERE id = ?1")?
        .query_row([l.id.as_str()], |r| r.get(0))
        .optional()?;
    let (loc_id, loc_name) = match &l.locator {
        Some(u) => (Some(u.id.as_str()), Some(u.name.as_str())),
        None => (None, None),
    };
    // The WHERE makes an identical re-read a no-op, so "updated" counts real changes.
    let changed = conn
        .prepare_cached(
            "INSERT INTO leads(id, first_name, last_name, full_name, company, email, phone, lead_source, stage,
                               locator_id, locator_name, converted, created_at, created_offset, modified_at,
                               modified_offset)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
             ON CONFLICT(id) DO UPDATE SET
                first_name = excluded.first_name, last_name = excluded.last_name, full_name = excluded.full_name,
                company = excluded.company, email = excluded.email, phone = excluded.phone,
                lead_source = excluded.lead_source, stage = excluded.stage, locator_id = excluded.locator_id,
                locator_name = excluded.locator_name, converted = excluded.converted,
                created_at = excluded.created_at, created_offset = excluded.created_offset,
                modified_at = excluded.modified_at, modified_offset = excluded.modified_offset
             WHERE (first_name, last_name, full_name, company, email, phone, lead_source, stage, locator_id,
                    locator_name, converted, created_at, created_offset, modified_at, modified_offset)
                IS NOT (excluded.first_name, excluded.last_name, excluded.full_name, excluded.company,
                    excluded.email, excluded.phone, excluded.lead_source, excluded.stage, excluded.locator_id,
                    excluded.locator_name, excluded.converted, excluded.created_at, excluded.created_offset,
                    excluded.modified_at, excluded.modified_offset)",
        )?
        .execute(params![
            l.id.as_str(),
            l.first_name,
            l.last_name,
            l.full_name,
            l.company,
            l.email,
            l.phone,
            l.lead_source,
            l.stage,
            loc_id,
            loc_name,
            l.converted,
            l.created_at.utc_text(),
            l.created_at.offset_secs(),
            l.modified_at.utc_text(),
            l.modified_at.offset_secs(),
        ])?;
    Ok(match (old, changed) {
        (None, _) => Upserted::Created,
        (Some(_), 0) => Upserted::Unchanged,
        (Some(old_stage), _) => Upserted::Updated { old_stage },
    })
}

/// Deletes a lead and everything hanging off it. Returns whether it existed.
pub fn delete_lead(conn: &Connection, id: &str) -> Result<bool> {
    conn.prepare_cached("DELETE FROM appointments WHERE lead_id = ?1")?.execute([id])?;
    conn.prepare_cached("DELETE FROM stage_changes WHERE lead_id = ?1")?.execute([id])?;
    conn.prepare_cached("DELETE FROM history_due WHERE lead_id = ?1")?.execute([id])?;
    Ok(conn.prepare_cached("DELETE FROM leads WHERE id = ?1")?.execute([id])? > 0)
}

pub fn set_history_synced(conn: &Connection, id: &str, modified_at_utc: &str) -> Result<()> {
    conn.prepare_cached("UPDATE leads SET history_synced_modified_at = ?2 WHERE id = ?1")?
        .execute(params![id, modified_at_utc])?;
    Ok(())
}

/// The stored lead's Modified_Time (UTC text), which a timeline read now covers; `None` when the
/// lead is gone (deleted during the run). The leads to read are chosen in SQL
/// (`history_candidates`), so this is asked once per timeline read, by key.
pub fn lead_modified_at(conn: &Connection, id: &str) -> Result<Option<String>> {
    Ok(conn.prepare_cached("SELECT modified_at FROM leads WHERE id = ?1")?.query_row([id], |r| r.get(0)).optional()?)
}

pub fn count_leads(conn: &Connection) -> Result<u64> {
    Ok(conn.query_row("SELECT count(*) FROM leads", [], |r| r.get::<_, i64>(0))? as u64)
}

/// A stored lead, as the rules and views read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredLead {
    pub id: LeadId,
    pub full_name: String,
    pub company: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub lead_source: Option<String>,
    pub stage: Option<String>,
    pub locator: Option<UserRef>,
    pub converted: bool,
    pub created_at: Stamp,
    pub modified_at: Stamp,
    /// Whether the sync ever read this lead's stage history (it reads open appointed leads').
    pub history_known: bool,
}

/// The locator's name as shown, over `leads l LEFT JOIN users u ON u.id = l.locator_id`: the
/// owning user's current name, else the name stored with the lead, else the user id. A Zoho
/// rename does not touch the leads' Modified_Time, so the stored name goes stale; the users
/// table is re-read every sync.
pub(crate) const LOCATOR_SHOWN: &str = "coalesce(u.name, l.locator_name, l.locator_id)";

/// Columns for `lead_from_row`, over `FROM {LEAD_FROM}`.
pub(crate) const LEAD_COLUMNS: &str = "l.id, l.full_name, l.company, l.email, l.phone, l.lead_source, l.stage, \
     l.locator_id, coalesce(u.name, l.locator_name), l.converted, l.created_at, l.created_offset, l.modified_at, \
     l.modified_offset, l.history_synced_modified_at IS NOT NULL";

/// The lead table with its locator's user row, for `LEAD_COLUMNS`.
pub(crate) const LEAD_FROM: &str = "leads l LEFT JOIN users u ON u.id = l.locator_id";

pub(crate) fn lead_from_row(r: &Row) -> rusqlite::Result<StoredLead> {
    let bad = |i: usize, e: String| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into());
    let id: String = r.get(0)?;
    let locator = match (r.get::<_, Option<String>>(7)?, r.get::<_, Option<String>>(8)?) {
        (Some(id), Some(name)) => Some(UserRef { id, name }),
        (Some(id), None) => Some(UserRef { name: id.clone(), id }),
        _ => None,
    };
    Ok(StoredLead {
        id: super::stored_lead_id(&id).map_err(|e| bad(0, e))?,
        full_name: r.get(1)?,
        company: r.get(2)?,
        email: r.get(3)?,
        phone: r.get(4)?,
        lead_source: r.get(5)?,
        stage: r.get(6)?,
        locator,
        converted: r.get(9)?,
        created_at: Stamp::from_parts(&r.get::<_, String>(10)?, r.get(11)?).map_err(|e| bad(10, e))?,
        modified_at: Stamp::from_parts(&r.get::<_, String>(12)?, r.get(13)?).map_err(|e| bad(12, e))?,
        history_known: r.get(14)?,
    })
}

pub fn get_lead(conn: &Connection, id: &str) -> Result<Option<StoredLead>> {
    Ok(conn
        .query_row(&format!("SELECT {LEAD_COLUMNS} FROM {LEAD_FROM} WHERE l.id = ?1"), [id], lead_from_row)
        .optional()?)
}

/// The leads in `wanted` (the appointed ones, for the views), by id.
pub fn leads_among(conn: &Connection, wanted: &std::collections::HashSet<&str>) -> Result<Vec<StoredLead>> {
    // A table scan that skips other leads before decoding them.
    let mut st = conn.prepare(&format!("SELECT {LEAD_COLUMNS} FROM {LEAD_FROM}"))?;
    let mut rows = st.query([])?;
    let mut out = Vec::with_capacity(wanted.len());
    while let Some(r) = rows.next()? {
        if wanted.contains(r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?) {
            out.push(lead_from_row(r)?);
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// How many leads are in each stage now (all leads, appointed or not); `None` = no stage.
/// Leads of one owner in one stage: (owner id, stage, converted, count).
pub type OwnerStageCount = (Option<String>, Option<String>, bool, u64);

/// Leads per owner and stage over every lead. Scopes sum the owners they see.
pub fn owner_stage_counts(conn: &Connection) -> Result<Vec<OwnerStageCount>> {
    let mut st = conn.prepare(
        "SELECT locator_id, stage, converted, count(*) FROM leads GROUP BY locator_id, stage, converted
         ORDER BY locator_id, stage, converted",
    )?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, i64>(3)? as u64)))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Leads whose name or company contains `needle` (case-insensitive), best matches first.
pub fn search_leads(conn: &Connection, needle: &str, limit: usize) -> Result<Vec<StoredLead>> {
    search_leads_owned(conn, needle, limit, None)
}

/// `search_leads` among the leads `owners` own (every lead with `None`): a member's search
/// finds their own leads however many others match too.
pub fn search_leads_owned(
    conn: &Connection,
    needle: &str,
    limit: usize,
    owners: Option<&std::collections::BTreeSet<String>>,
) -> Result<Vec<StoredLead>> {
    let pattern = format!("%{}%", needle.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    let mut st = conn.prepare(&format!(
        "SELECT {LEAD_COLUMNS} FROM {LEAD_FROM}
         WHERE (l.full_name LIKE ?1 ESCAPE '\\' OR l.company LIKE ?1 ESCAPE '\\' OR l.id = ?2)
           AND (?5 IS NULL OR l.locator_id IN (SELECT value FROM json_each(?5)))
         ORDER BY (l.id = ?2) DESC, (l.full_name LIKE ?3 ESCAPE '\\') DESC, l.full_name, l.id LIMIT ?4"
    ))?;
    let prefix = format!("{}%", needle.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    let owners = owners.map(|o| serde_json::to_string(o).unwrap_or_else(|_| "[]".into()));
    let rows = st.query_map(rusqlite::params![pattern, needle, prefix, limit as i64, owners], lead_from_row)?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}
