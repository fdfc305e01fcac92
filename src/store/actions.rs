//! Write-back actions (migration 0009): each one recorded under its idempotency key before the
//! CRM is called and resolved after, with the local copy of the lead updated in the same
//! transaction as the resolution — so the views show the new owner the moment the record says
//! done, and never before.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};

use super::{Result, StoreError};
use crate::actions::{ActionKey, ActionKind, Person, State};
use crate::crm::CrmLead;
use crate::time::utc_text;

/// Where an action was asked from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    Discord,
    Cli,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Discord => "discord",
            Via::Cli => "cli",
        }
    }
}

/// One action's record: what was asked, by whom, and what came of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionRecord {
    /// 0 until stored.
    pub id: i64,
    pub key: ActionKey,
    pub lead_id: String,
    pub lead_name: String,
    pub kind: ActionKind,
    pub by_discord: Option<u64>,
    pub by_name: String,
    pub via: Via,
    /// The lead's owner when asked.
    pub from: Option<Person>,
    /// Reassign: the new owner; task: the owner it is for.
    pub to: Option<Person>,
    /// Note: its text; task: its subject.
    pub body: Option<String>,
    pub due: Option<NaiveDate>,
    /// Reassign: the Modified_Time shown (Zoho text), sent as If-Unmodified-Since.
    pub seen_modified: Option<String>,
    pub requested_at: DateTime<Utc>,
    pub state: State,
    pub crm_id: Option<String>,
    pub code: Option<String>,
    pub reason: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub attempts: i64,
}

/// How a resolved action changes the local copy.
#[derive(Clone, Debug)]
pub enum Reflect<'a> {
    Nothing,
    /// The lead as the CRM has it now (a targeted re-read).
    Lead(&'a CrmLead),
    /// The re-read failed: set the new owner alone; the next sync brings the rest.
    Locator(&'a Person),
}

/// What `begin_action` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Begun {
    /// Recorded now, pending: call the CRM.
    New(ActionRecord),
    /// The key was recorded before (a second click, a resubmitted form, a retry): this record
    /// says what became of it. Never call the CRM for it without resolving it first.
    Existing(ActionRecord),
}

const COLUMNS: &str = "id, key, lead_id, lead_name, kind, by_discord, by_name, via, from_id, from_name, to_id, \
     to_name, body, due, seen_modified, requested_at, state, crm_id, code, reason, resolved_at, attempts";

fn instant(s: Option<String>, what: &str) -> Result<Option<DateTime<Utc>>> {
    s.map(|s| {
        DateTime::parse_from_rfc3339(&s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| StoreError::Corrupt(format!("{what} '{s}' in actions")))
    })
    .transpose()
}

fn person(id: Option<String>, name: Option<String>) -> Option<Person> {
    id.map(|id| Person { name: name.unwrap_or_else(|| id.clone()), id })
}

type RawRow = (ActionRecord, String, String, String, Option<String>, String, Option<String>, Option<String>);

fn read(r: &Row) -> rusqlite::Result<RawRow> {
    let by: Option<String> = r.get(5)?;
    let rec = ActionRecord {
        id: r.get(0)?,
        key: ActionKey::new(),
        lead_id: r.get(2)?,
        lead_name: r.get(3)?,
        kind: ActionKind::Note,
        by_discord: by.and_then(|b| b.parse().ok()),
        by_name: r.get(6)?,
        via: if r.get::<_, String>(7)? == "cli" { Via::Cli } else { Via::Discord },
        from: person(r.get(8)?, r.get(9)?),
        to: person(r.get(10)?, r.get(11)?),
        body: r.get(12)?,
        due: None,
        seen_modified: r.get(14)?,
        requested_at: DateTime::<Utc>::MIN_UTC,
        state: State::Pending,
        crm_id: r.get(17)?,
        code: r.get(18)?,
        reason: r.get(19)?,
        resolved_at: None,
        attempts: r.get(21)?,
    };
    Ok((rec, r.get(1)?, r.get(4)?, r.get(15)?, r.get(13)?, r.get(16)?, r.get(20)?, None))
}

fn finish((mut rec, key, kind, requested, due, state, resolved, _): RawRow) -> Result<ActionRecord> {
    rec.key = ActionKey::parse(&key).map_err(|_| StoreError::Corrupt(format!("action key '{key}'")))?;
    rec.kind = ActionKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("action kind '{kind}'")))?;
    rec.state = State::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("action state '{state}'")))?;
    rec.requested_at = instant(Some(requested), "time")?.unwrap_or(rec.requested_at);
    rec.resolved_at = instant(resolved, "time")?;
    rec.due = due
        .map(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|_| StoreError::Corrupt(format!("due date '{d}'"))))
        .transpose()?;
    Ok(rec)
}

fn query(conn: &Connection, tail: &str, args: impl rusqlite::Params) -> Result<Vec<ActionRecord>> {
    let mut st = conn.prepare(&format!("SELECT {COLUMNS} FROM actions {tail}"))?;
    let rows = st.query_map(args, read)?;
    rows.map(|r| finish(r?)).collect()
}

/// Records `rec` under its key — pending, or already settled when the CRM is never asked (a
/// denial) — or, if the key is already recorded, returns that record untouched. One immediate
/// transaction, so two instances clicking at once cannot both get `New`.
pub fn begin_action(conn: &mut Connection, rec: &ActionRecord) -> Result<Begun> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let n = tx.execute(
        "INSERT OR IGNORE INTO actions(key, lead_id, lead_name, kind, by_discord, by_name, via, from_id, from_name,
                                       to_id, to_name, body, due, seen_modified, requested_at, state, code, reason,
                                       resolved_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
        params![
            rec.key.as_str(),
            rec.lead_id,
            rec.lead_name,
            rec.kind.as_str(),
            rec.by_discord.map(|d| d.to_string()),
            rec.by_name,
            rec.via.as_str(),
            rec.from.as_ref().map(|p| &p.id),
            rec.from.as_ref().map(|p| &p.name),
            rec.to.as_ref().map(|p| &p.id),
            rec.to.as_ref().map(|p| &p.name),
            rec.body,
            rec.due.map(|d| d.format("%Y-%m-%d").to_string()),
            rec.seen_modified,
            utc_text(rec.requested_at),
            rec.state.as_str(),
            rec.code,
            rec.reason,
            rec.resolved_at.map(utc_text),
        ],
    )?;
    let stored = query(&tx, "WHERE key = ?1", [rec.key.as_str()])?
        .pop()
        .ok_or_else(|| StoreError::Corrupt(format!("action {} vanished while being recorded", rec.key)))?;
    tx.commit()?;
    Ok(if n == 1 { Begun::New(stored) } else { Begun::Existing(stored) })
}

/// Counts one call to the CRM for the action, committed before the call is made.
pub fn count_attempt(conn: &Connection, id: i64) -> Result<()> {
    conn.execute("UPDATE actions SET attempts = attempts + 1 WHERE id = ?1", [id])?;
    Ok(())
}

/// What an action came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolution {
    pub state: State,
    pub crm_id: Option<String>,
    pub code: Option<String>,
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}

/// Resolves a pending action and reflects it in the local copy, in one transaction. False (and
/// nothing changed) if the action was no longer pending: another click or instance resolved it
/// first, and its resolution stands.
pub fn resolve_action(conn: &mut Connection, id: i64, r: &Resolution, reflect: Reflect) -> Result<bool> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let n = tx.execute(
        "UPDATE actions SET state = ?2, crm_id = ?3, code = ?4, reason = ?5, resolved_at = ?6
         WHERE id = ?1 AND state = 'pending'",
        params![id, r.state.as_str(), r.crm_id, r.code, r.reason, utc_text(r.at)],
    )?;
    if n == 1 {
        match reflect {
            Reflect::Nothing => {}
            Reflect::Lead(lead) => {
                super::leads::upsert_lead(&tx, lead)?;
            }
            Reflect::Locator(p) => {
                let lead: Option<String> =
                    tx.query_row("SELECT lead_id FROM actions WHERE id = ?1", [id], |row| row.get(0)).optional()?;
                if let Some(lead) = lead {
                    tx.execute(
                        "UPDATE leads SET locator_id = ?2, locator_name = ?3 WHERE id = ?1",
                        params![lead, p.id, p.name],
                    )?;
                }
            }
        }
    }
    tx.commit()?;
    Ok(n == 1)
}

pub fn action_by_id(conn: &Connection, id: i64) -> Result<Option<ActionRecord>> {
    Ok(query(conn, "WHERE id = ?1", [id])?.pop())
}

pub fn action_by_key(conn: &Connection, key: &ActionKey) -> Result<Option<ActionRecord>> {
    Ok(query(conn, "WHERE key = ?1", [key.as_str()])?.pop())
}

/// Actions still pending (a call in flight, or one a restart interrupted), oldest first.
pub fn pending_actions(conn: &Connection) -> Result<Vec<ActionRecord>> {
    query(conn, "WHERE state = 'pending' ORDER BY id", [])
}

/// One lead's actions, oldest first (the lead's story).
pub fn actions_of_lead(conn: &Connection, lead: &str) -> Result<Vec<ActionRecord>> {
    query(conn, "WHERE lead_id = ?1 ORDER BY requested_at, id", [lead])
}

/// Which actions the audit lists.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub lead: Option<String>,
    /// Asked by this Discord member.
    pub by_discord: Option<u64>,
    /// Concerning this CRM user (the owner before or after, or the task's owner).
    pub crm_user: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub state: Option<State>,
    /// At most this many, newest first (0: all).
    pub limit: usize,
}

/// The audit: actions matching `f`, newest first.
pub fn audit(conn: &Connection, f: &AuditFilter) -> Result<Vec<ActionRecord>> {
    let mut st = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM actions
         WHERE (?1 IS NULL OR lead_id = ?1) AND (?2 IS NULL OR by_discord = ?2)
           AND (?3 IS NULL OR from_id = ?3 OR to_id = ?3) AND (?4 IS NULL OR requested_at >= ?4)
           AND (?5 IS NULL OR state = ?5)
         ORDER BY requested_at DESC, id DESC LIMIT ?6"
    ))?;
    let limit = if f.limit == 0 { -1 } else { f.limit as i64 };
    let rows = st.query_map(
        params![
            f.lead,
            f.by_discord.map(|d| d.to_string()),
            f.crm_user,
            f.since.map(utc_text),
            f.state.map(State::as_str),
            limit
        ],
        read,
    )?;
    rows.map(|r| finish(r?)).collect()
}

/// Deletes resolved actions requested before `before` (`[actions] keep_days`); pending ones are
/// kept whatever their age. How many went.
pub fn prune_actions(conn: &Connection, before: DateTime<Utc>) -> Result<usize> {
    Ok(conn.execute("DELETE FROM actions WHERE state <> 'pending' AND requested_at < ?1", [utc_text(before)])?)
}

/// Changes whenever an action is recorded or resolved: the bot reloads its snapshot when it
/// moves, so a reassigned lead shows its new owner at once.
pub fn actions_version(conn: &Connection) -> Result<String> {
    Ok(conn.query_row(
        "SELECT count(*) || ':' || coalesce(max(id), 0) || ':' || total(state = 'done') || ':' || total(state = 'pending')
                || ':' || coalesce(max(resolved_at), '') FROM actions",
        [],
        |r| r.get(0),
    )?)
}

#[cfg(test)]
mod tests;
