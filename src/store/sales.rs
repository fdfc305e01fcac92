//! The sales side of the local copy (migration 0010): deals, their stage history, activities,
//! accounts, contacts and the stage metadata. Writes are single statements the sync runs inside
//! its one transaction; `load_sales` reads it all for the KPIs.

use std::collections::HashSet;

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::Result;
use crate::crm::UserRef;
use crate::sales::{
    Account, Activity, ActivityKind, Cents, Contact, Deal, DealCategory, DealStage, RecordRef, Related, SalesData,
    SalesModule, StageInfo,
};
use crate::time::Stamp;

fn bad(i: usize, e: impl Into<String>) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into().into())
}

fn stamp_at(r: &Row, i: usize) -> rusqlite::Result<Stamp> {
    Stamp::from_parts(&r.get::<_, String>(i)?, r.get(i + 1)?).map_err(|e| bad(i, e))
}

fn opt_stamp_at(r: &Row, i: usize) -> rusqlite::Result<Option<Stamp>> {
    match (r.get::<_, Option<String>>(i)?, r.get::<_, Option<i32>>(i + 1)?) {
        (Some(t), Some(o)) => Ok(Some(Stamp::from_parts(&t, o).map_err(|e| bad(i, e))?)),
        _ => Ok(None),
    }
}

fn date_at(r: &Row, i: usize) -> rusqlite::Result<Option<NaiveDate>> {
    match r.get::<_, Option<String>>(i)? {
        Some(t) => Ok(Some(NaiveDate::parse_from_str(&t, "%Y-%m-%d").map_err(|e| bad(i, e.to_string()))?)),
        None => Ok(None),
    }
}

fn user_at(r: &Row, i: usize) -> rusqlite::Result<Option<UserRef>> {
    Ok(r.get::<_, Option<String>>(i)?
        .map(|id| UserRef { id, name: r.get::<_, Option<String>>(i + 1).ok().flatten().unwrap_or_default() }))
}

fn ref_at(r: &Row, i: usize) -> rusqlite::Result<Option<RecordRef>> {
    Ok(r.get::<_, Option<String>>(i)?
        .map(|id| RecordRef { id, name: r.get::<_, Option<String>>(i + 1).ok().flatten().unwrap_or_default() }))
}

fn percent_at(r: &Row, i: usize) -> rusqlite::Result<Option<u8>> {
    match r.get::<_, Option<i64>>(i)? {
        Some(p) => {
            Ok(Some(u8::try_from(p).ok().filter(|p| *p <= 100).ok_or_else(|| bad(i, format!("probability {p}")))?))
        }
        None => Ok(None),
    }
}

fn day(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

// ---- deals ----

pub fn upsert_deal(conn: &Connection, d: &Deal) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO deals(id, name, stage, pipeline, amount_cents, probability, expected_cents, closing_date,
                           account_id, account_name, contact_id, contact_name, lead_source, owner_id, owner_name,
                           kind, created_at, created_offset, modified_at, modified_offset)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, stage = excluded.stage, pipeline = excluded.pipeline,
             amount_cents = excluded.amount_cents, probability = excluded.probability,
             expected_cents = excluded.expected_cents, closing_date = excluded.closing_date,
             account_id = excluded.account_id, account_name = excluded.account_name,
             contact_id = excluded.contact_id, contact_name = excluded.contact_name,
             lead_source = excluded.lead_source, owner_id = excluded.owner_id, owner_name = excluded.owner_name,
             kind = excluded.kind, created_at = excluded.created_at, created_offset = excluded.created_offset,
             modified_at = excluded.modified_at, modified_offset = excluded.modified_offset",
    )?
    .execute(params![
        d.id,
        d.name,
        d.stage,
        d.pipeline,
        d.amount,
        d.probability,
        d.expected_revenue,
        day(d.closing_date),
        d.account.as_ref().map(|a| &a.id),
        d.account.as_ref().map(|a| &a.name),
        d.contact.as_ref().map(|c| &c.id),
        d.contact.as_ref().map(|c| &c.name),
        d.lead_source,
        d.owner.as_ref().map(|o| &o.id),
        d.owner.as_ref().map(|o| &o.name),
        d.kind,
        d.created_at.utc_text(),
        d.created_at.offset_secs(),
        d.modified_at.utc_text(),
        d.modified_at.offset_secs(),
    ])?;
    Ok(())
}

/// Deletes deals and their stage history; returns how many deals were held.
pub fn delete_deals(conn: &Connection, ids: &[String]) -> Result<u64> {
    let mut n = 0;
    for id in ids {
        conn.prepare_cached("DELETE FROM deal_stages WHERE deal_id = ?1")?.execute([id])?;
        conn.prepare_cached("DELETE FROM deal_history_due WHERE deal_id = ?1")?.execute([id])?;
        n += conn.prepare_cached("DELETE FROM deals WHERE id = ?1")?.execute([id])? as u64;
    }
    Ok(n)
}

/// The stored deal's stage and Modified_Time, if held (what decides whether its history is owed).
pub fn deal_marks(conn: &Connection, id: &str) -> Result<Option<(String, String, Option<String>)>> {
    Ok(conn
        .prepare_cached("SELECT stage, modified_at, history_synced_modified_at FROM deals WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?)
}

/// Replaces one deal's stage history with what was read, and marks it read at the deal's
/// current Modified_Time.
pub fn replace_deal_stages(conn: &Connection, deal_id: &str, stages: &[DealStage]) -> Result<()> {
    conn.prepare_cached("DELETE FROM deal_stages WHERE deal_id = ?1")?.execute([deal_id])?;
    let mut ins = conn.prepare_cached(
        "INSERT OR REPLACE INTO deal_stages(id, deal_id, stage, at, at_offset, amount_cents, probability,
                                            closing_date, by_name)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for s in stages {
        ins.execute(params![
            s.id,
            deal_id,
            s.stage,
            s.at.utc_text(),
            s.at.offset_secs(),
            s.amount,
            s.probability,
            day(s.closing_date),
            s.by
        ])?;
    }
    conn.prepare_cached("UPDATE deals SET history_synced_modified_at = modified_at WHERE id = ?1")?
        .execute([deal_id])?;
    conn.prepare_cached("DELETE FROM deal_history_due WHERE deal_id = ?1")?.execute([deal_id])?;
    Ok(())
}

/// Deals whose history is owed to a later run (a read was refused or cut short).
pub fn owe_deal_history(conn: &Connection, deal_id: &str) -> Result<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO deal_history_due(deal_id) VALUES (?1)")?.execute([deal_id])?;
    Ok(())
}

pub fn deal_history_due(conn: &Connection) -> Result<Vec<String>> {
    let mut st = conn.prepare("SELECT deal_id FROM deal_history_due ORDER BY deal_id")?;
    let rows = st.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

// ---- activities, accounts, contacts ----

pub fn upsert_activity(conn: &Connection, a: &Activity) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO activities(id, kind, subject, owner_id, owner_name, what_module, what_id, what_name,
                                           who_id, who_name, at, at_offset, due, status, completed_at,
                                           completed_offset, call_type, duration_secs, created_at, created_offset,
                                           modified_at, modified_offset)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)",
    )?
    .execute(params![
        a.id,
        a.kind.name(),
        a.subject,
        a.owner.as_ref().map(|o| &o.id),
        a.owner.as_ref().map(|o| &o.name),
        a.what.as_ref().map(|w| &w.module),
        a.what.as_ref().map(|w| &w.id),
        a.what.as_ref().and_then(|w| w.name.as_ref()),
        a.who.as_ref().map(|w| &w.id),
        a.who.as_ref().map(|w| &w.name),
        a.at.map(|t| t.utc_text()),
        a.at.map(|t| t.offset_secs()),
        day(a.due),
        a.status,
        a.completed_at.map(|t| t.utc_text()),
        a.completed_at.map(|t| t.offset_secs()),
        a.call_type,
        a.duration_secs,
        a.created_at.utc_text(),
        a.created_at.offset_secs(),
        a.modified_at.utc_text(),
        a.modified_at.offset_secs(),
    ])?;
    Ok(())
}

pub fn upsert_account(conn: &Connection, a: &Account) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO accounts(id, name, owner_id, owner_name, industry, modified_at, modified_offset)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        a.id,
        a.name,
        a.owner.as_ref().map(|o| &o.id),
        a.owner.as_ref().map(|o| &o.name),
        a.industry,
        a.modified_at.utc_text(),
        a.modified_at.offset_secs()
    ])?;
    Ok(())
}

pub fn upsert_contact(conn: &Connection, c: &Contact) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO contacts(id, name, email, account_id, account_name, owner_id, owner_name, modified_at,
                                         modified_offset)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        c.id,
        c.name,
        c.email,
        c.account.as_ref().map(|a| &a.id),
        c.account.as_ref().map(|a| &a.name),
        c.owner.as_ref().map(|o| &o.id),
        c.owner.as_ref().map(|o| &o.name),
        c.modified_at.utc_text(),
        c.modified_at.offset_secs()
    ])?;
    Ok(())
}

/// The table a sales module's records live in (the activities share one).
fn table_of(module: SalesModule) -> &'static str {
    match module {
        SalesModule::Deals => "deals",
        SalesModule::Calls | SalesModule::Tasks | SalesModule::Events => "activities",
        SalesModule::Accounts => "accounts",
        SalesModule::Contacts => "contacts",
    }
}

/// The CRM modification time held for one record (by stored id), as the CRM last sent it: a
/// record sent again with the same time is the same version (Salesforce's overlap re-sends).
pub fn held_modified_at(conn: &Connection, module: SalesModule, id: &str) -> Result<Option<String>> {
    let sql = format!("SELECT modified_at FROM {} WHERE id = ?1", table_of(module));
    Ok(conn.prepare_cached(&sql)?.query_row([id], |r| r.get(0)).optional()?)
}

/// Deletes a module's records by stored id (`SalesModule::stored_id`); a deal goes with its
/// history. Returns how many were held.
pub fn delete_sales_records(conn: &Connection, module: SalesModule, ids: &[String]) -> Result<u64> {
    if module == SalesModule::Deals {
        return delete_deals(conn, ids);
    }
    // The table name is one of the constants of `table_of`.
    let mut st = conn.prepare_cached(&format!("DELETE FROM {} WHERE id = ?1", table_of(module)))?;
    let mut n = 0;
    for id in ids {
        n += st.execute([id])? as u64;
    }
    Ok(n)
}

/// The stored ids of one module's records (an activity module's by their prefix): what a full
/// run held before it listed.
pub fn held_sales_ids(conn: &Connection, module: SalesModule) -> Result<HashSet<String>> {
    let prefix = module.stored_id("");
    let sql = format!("SELECT id FROM {} WHERE substr(id, 1, ?2) = ?1", table_of(module));
    let mut st = conn.prepare(&sql)?;
    let rows = st.query_map(params![prefix, prefix.len() as i64], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Whether a stage mapping is stored (a run that cannot read it warns differently).
pub fn stage_meta_stored(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row("SELECT EXISTS(SELECT 1 FROM deal_stage_meta)", [], |r| r.get(0))?)
}

/// Replaces the stage metadata whole (it is read whole).
pub fn replace_stage_meta(conn: &Connection, meta: &[StageInfo]) -> Result<()> {
    conn.execute("DELETE FROM deal_stage_meta", [])?;
    let mut ins = conn.prepare_cached(
        "INSERT OR REPLACE INTO deal_stage_meta(pipeline, stage, sequence, probability, category, forecast_category)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for m in meta {
        ins.execute(params![
            m.pipeline.as_deref().unwrap_or(""),
            m.stage,
            m.sequence,
            m.probability,
            m.category.name(),
            m.forecast_category
        ])?;
    }
    Ok(())
}

// ---- reading it all ----

/// Every synced sales record, for the KPIs. Deals by id; stage history by deal then time;
/// activities by id.
pub fn load_sales(conn: &Connection) -> Result<SalesData> {
    let deals = collect(
        conn,
        "SELECT id, name, stage, pipeline, amount_cents, probability, expected_cents, closing_date, account_id,
                account_name, contact_id, contact_name, lead_source, owner_id, owner_name, kind, created_at,
                created_offset, modified_at, modified_offset
         FROM deals ORDER BY id",
        |r| {
            Ok(Deal {
                id: r.get(0)?,
                name: r.get(1)?,
                stage: r.get(2)?,
                pipeline: r.get(3)?,
                amount: r.get::<_, Option<Cents>>(4)?,
                probability: percent_at(r, 5)?,
                expected_revenue: r.get(6)?,
                closing_date: date_at(r, 7)?,
                account: ref_at(r, 8)?,
                contact: ref_at(r, 10)?,
                lead_source: r.get(12)?,
                owner: user_at(r, 13)?,
                kind: r.get(15)?,
                created_at: stamp_at(r, 16)?,
                modified_at: stamp_at(r, 18)?,
            })
        },
    )?;
    let stages = collect(
        conn,
        "SELECT id, deal_id, stage, at, at_offset, amount_cents, probability, closing_date, by_name
         FROM deal_stages ORDER BY deal_id, at, id",
        |r| {
            Ok(DealStage {
                id: r.get(0)?,
                deal_id: r.get(1)?,
                stage: r.get(2)?,
                at: stamp_at(r, 3)?,
                amount: r.get(5)?,
                probability: percent_at(r, 6)?,
                closing_date: date_at(r, 7)?,
                by: r.get(8)?,
            })
        },
    )?;
    let activities = collect(
        conn,
        "SELECT id, kind, subject, owner_id, owner_name, what_module, what_id, what_name, who_id, who_name, at,
                at_offset, due, status, completed_at, completed_offset, call_type, duration_secs, created_at,
                created_offset, modified_at, modified_offset
         FROM activities ORDER BY id",
        |r| {
            let kind: String = r.get(1)?;
            Ok(Activity {
                id: r.get(0)?,
                kind: ActivityKind::parse(&kind).ok_or_else(|| bad(1, format!("activity kind {kind}")))?,
                subject: r.get(2)?,
                owner: user_at(r, 3)?,
                what: match (r.get::<_, Option<String>>(5)?, r.get::<_, Option<String>>(6)?) {
                    (Some(module), Some(id)) => Some(Related { module, id, name: r.get(7)? }),
                    _ => None,
                },
                who: ref_at(r, 8)?,
                at: opt_stamp_at(r, 10)?,
                due: date_at(r, 12)?,
                status: r.get(13)?,
                completed_at: opt_stamp_at(r, 14)?,
                call_type: r.get(16)?,
                duration_secs: r.get(17)?,
                created_at: stamp_at(r, 18)?,
                modified_at: stamp_at(r, 20)?,
            })
        },
    )?;
    let accounts = collect(
        conn,
        "SELECT id, name, owner_id, owner_name, industry, modified_at, modified_offset FROM accounts ORDER BY id",
        |r| {
            Ok(Account {
                id: r.get(0)?,
                name: r.get(1)?,
                owner: user_at(r, 2)?,
                industry: r.get(4)?,
                modified_at: stamp_at(r, 5)?,
            })
        },
    )?;
    let contacts = collect(
        conn,
        "SELECT id, name, email, account_id, account_name, owner_id, owner_name, modified_at, modified_offset
         FROM contacts ORDER BY id",
        |r| {
            Ok(Contact {
                id: r.get(0)?,
                name: r.get(1)?,
                email: r.get(2)?,
                account: ref_at(r, 3)?,
                owner: user_at(r, 5)?,
                modified_at: stamp_at(r, 7)?,
            })
        },
    )?;
    let stage_meta = collect(
        conn,
        "SELECT pipeline, stage, sequence, probability, category, forecast_category FROM deal_stage_meta
         ORDER BY pipeline, sequence, stage",
        |r| {
            let pipeline: String = r.get(0)?;
            let category: String = r.get(4)?;
            Ok(StageInfo {
                pipeline: Some(pipeline).filter(|p| !p.is_empty()),
                stage: r.get(1)?,
                sequence: r.get(2)?,
                probability: percent_at(r, 3)?,
                category: DealCategory::parse(&category).ok_or_else(|| bad(4, format!("deal category {category}")))?,
                forecast_category: r.get(5)?,
            })
        },
    )?;
    Ok(SalesData { deals, stages, activities, accounts, contacts, stage_meta })
}

fn collect<T>(conn: &Connection, sql: &str, f: impl FnMut(&Row) -> rusqlite::Result<T>) -> Result<Vec<T>> {
    let mut st = conn.prepare(sql)?;
    let rows = st.query_map([], f)?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

#[cfg(test)]
mod tests;
