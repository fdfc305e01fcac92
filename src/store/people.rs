//! People: links between Discord members and CRM users (with their log), and the CRM directory
//! (users with their roles, the role tree) that scopes are computed from (`people`).

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::Result;
use crate::people::{DirRole, DirUser, Directory};
use crate::time::utc_text;

/// A linked member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub discord_id: u64,
    pub crm_user_id: String,
    /// The CRM user's name and status as last synced (`None`: not among the synced users).
    pub crm_user: Option<DirUser>,
    /// Who linked them: a Discord id, or `cli`.
    pub linked_by: String,
    pub linked_at: String,
    pub personal_digest: bool,
    /// Set while the member is away from the guild.
    pub left_at: Option<String>,
}

/// One line of the people log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeopleEvent {
    pub at: String,
    pub discord_id: u64,
    pub crm_user_id: Option<String>,
    pub action: String,
    pub by: String,
}

/// The CRM's users and roles as last synced.
pub fn directory(conn: &Connection) -> Result<Directory> {
    let users = super::all_users(conn)?;
    let mut st = conn.prepare("SELECT id, name, reporting_to FROM crm_roles ORDER BY name, id")?;
    let roles = st
        .query_map([], |r| Ok(DirRole { id: r.get(0)?, name: r.get(1)?, reporting_to: r.get(2)? }))?
        .collect::<std::result::Result<_, _>>()?;
    Ok(Directory { users, roles })
}

/// Replaces the stored role tree (a sync that read the roles).
pub fn replace_roles(conn: &Connection, roles: &[DirRole]) -> Result<()> {
    conn.execute("DELETE FROM crm_roles", [])?;
    let mut st = conn.prepare_cached("INSERT OR REPLACE INTO crm_roles(id, name, reporting_to) VALUES (?1, ?2, ?3)")?;
    for r in roles {
        st.execute(params![r.id, r.name, r.reporting_to])?;
    }
    Ok(())
}

fn log(conn: &Connection, at: &str, discord: u64, crm_user: Option<&str>, action: &str, by: &str) -> Result<()> {
    conn.prepare_cached("INSERT INTO people_log(at, discord_id, crm_user_id, action, by) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(params![at, discord.to_string(), crm_user, action, by])?;
    Ok(())
}

/// Why a link was not made, in words for whoever asked.
#[derive(Debug, PartialEq, Eq)]
pub enum LinkRefused {
    /// No synced CRM user has this id.
    UnknownUser(String),
    /// The CRM user is linked to another member already (their Discord id).
    Taken { crm_user: String, discord_id: u64 },
}

impl std::fmt::Display for LinkRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinkRefused::UnknownUser(id) => {
                write!(f, "no CRM user has the id {id} (users come from the last sync: run one if they are new)")
            }
            LinkRefused::Taken { crm_user, discord_id } => {
                write!(f, "CRM user {crm_user} is linked to <@{discord_id}> already: unlink them first")
            }
        }
    }
}

/// Links `discord` to `crm_user` (replacing their previous link), in one transaction with its
/// log line. Returns the CRM user they were linked to before, if another.
pub fn link(
    conn: &mut Connection,
    discord: u64,
    crm_user: &str,
    by: &str,
    now: DateTime<Utc>,
) -> Result<std::result::Result<Option<String>, LinkRefused>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let known: bool = tx.query_row("SELECT EXISTS(SELECT 1 FROM users WHERE id = ?1)", [crm_user], |r| r.get(0))?;
    if !known {
        return Ok(Err(LinkRefused::UnknownUser(crm_user.to_string())));
    }
    let holder: Option<String> = tx
        .query_row(
            "SELECT discord_id FROM people WHERE crm_user_id = ?1 AND left_at IS NULL AND discord_id != ?2",
            params![crm_user, discord.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(h) = holder {
        return Ok(Err(LinkRefused::Taken { crm_user: crm_user.to_string(), discord_id: h.parse().unwrap_or(0) }));
    }
    let before: Option<String> = tx
        .query_row("SELECT crm_user_id FROM people WHERE discord_id = ?1", [discord.to_string()], |r| r.get(0))
        .optional()?;
    let at = utc_text(now);
    tx.execute(
        "INSERT INTO people(discord_id, crm_user_id, linked_by, linked_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(discord_id) DO UPDATE SET crm_user_id = excluded.crm_user_id, linked_by = excluded.linked_by,
             linked_at = excluded.linked_at, left_at = NULL",
        params![discord.to_string(), crm_user, by, at],
    )?;
    log(&tx, &at, discord, Some(crm_user), "link", by)?;
    tx.commit()?;
    Ok(Ok(before.filter(|b| b != crm_user)))
}

/// Removes `discord`'s link; returns the CRM user they were linked to (`None`: not linked).
pub fn unlink(conn: &mut Connection, discord: u64, by: &str, now: DateTime<Utc>) -> Result<Option<String>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let was: Option<String> = tx
        .query_row("DELETE FROM people WHERE discord_id = ?1 RETURNING crm_user_id", [discord.to_string()], |r| {
            r.get(0)
        })
        .optional()?;
    if let Some(u) = &was {
        log(&tx, &utc_text(now), discord, Some(u), "unlink", by)?;
    }
    tx.commit()?;
    Ok(was)
}

/// A member left the guild (`true`) or came back (`false`): their link is hidden from views
/// meanwhile, never deleted. Returns whether anything changed.
pub fn set_away(conn: &mut Connection, discord: u64, away: bool, now: DateTime<Utc>) -> Result<bool> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let at = utc_text(now);
    let crm: Option<String> = if away {
        tx.query_row(
            "UPDATE people SET left_at = ?2 WHERE discord_id = ?1 AND left_at IS NULL RETURNING crm_user_id",
            params![discord.to_string(), at],
            |r| r.get(0),
        )
        .optional()?
    } else {
        // Back only if nobody took their CRM user meanwhile (the unique index would refuse).
        let crm: Option<String> = tx
            .query_row(
                "SELECT crm_user_id FROM people p WHERE discord_id = ?1 AND left_at IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM people q WHERE q.crm_user_id = p.crm_user_id AND q.left_at IS NULL)",
                [discord.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        if crm.is_some() {
            tx.execute("UPDATE people SET left_at = NULL WHERE discord_id = ?1", [discord.to_string()])?;
        }
        crm
    };
    if let Some(u) = &crm {
        log(&tx, &at, discord, Some(u), if away { "left" } else { "returned" }, "discord")?;
    }
    tx.commit()?;
    Ok(crm.is_some())
}

/// Turns `discord`'s personal morning DM on or off; `false` when they are not linked.
pub fn set_personal_digest(conn: &mut Connection, discord: u64, on: bool, now: DateTime<Utc>) -> Result<bool> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let crm: Option<String> = tx
        .query_row(
            "UPDATE people SET personal_digest = ?2 WHERE discord_id = ?1 AND left_at IS NULL RETURNING crm_user_id",
            params![discord.to_string(), on],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(u) = &crm {
        let by = discord.to_string();
        log(&tx, &utc_text(now), discord, Some(u), if on { "digest_on" } else { "digest_off" }, &by)?;
    }
    tx.commit()?;
    Ok(crm.is_some())
}

fn person_from(r: &rusqlite::Row, dir: &Directory) -> rusqlite::Result<Person> {
    let discord: String = r.get(0)?;
    let crm_user_id: String = r.get(1)?;
    Ok(Person {
        discord_id: discord.parse().unwrap_or(0),
        crm_user: dir.user(&crm_user_id).cloned(),
        crm_user_id,
        linked_by: r.get(2)?,
        linked_at: r.get(3)?,
        personal_digest: r.get(4)?,
        left_at: r.get(5)?,
    })
}

const PERSON_COLUMNS: &str = "discord_id, crm_user_id, linked_by, linked_at, personal_digest, left_at";

/// The member's link, if they are linked and in the guild.
pub fn person(conn: &Connection, discord: u64) -> Result<Option<Person>> {
    let dir = directory(conn)?;
    Ok(conn
        .query_row(
            &format!("SELECT {PERSON_COLUMNS} FROM people WHERE discord_id = ?1 AND left_at IS NULL"),
            [discord.to_string()],
            |r| person_from(r, &dir),
        )
        .optional()?)
}

/// The CRM user `discord` is linked to, if they are linked and in the guild (what deciding
/// their access needs, without reading the directory for the link's details).
pub fn linked_user(conn: &Connection, discord: u64) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT crm_user_id FROM people WHERE discord_id = ?1 AND left_at IS NULL",
            [discord.to_string()],
            |r| r.get(0),
        )
        .optional()?)
}

/// Every link, members away from the guild included (`left_at`), by CRM user name.
pub fn people(conn: &Connection) -> Result<Vec<Person>> {
    let dir = directory(conn)?;
    let mut st = conn.prepare(&format!("SELECT {PERSON_COLUMNS} FROM people"))?;
    let mut all: Vec<Person> = st.query_map([], |r| person_from(r, &dir))?.collect::<std::result::Result<_, _>>()?;
    all.sort_by(|a, b| {
        let name = |p: &Person| p.crm_user.as_ref().map(|u| u.name.to_lowercase()).unwrap_or_default();
        (name(a), a.discord_id).cmp(&(name(b), b.discord_id))
    });
    Ok(all)
}

/// CRM user id → Discord id, for the members linked and in the guild (for mentions).
pub fn mentions(conn: &Connection) -> Result<std::collections::HashMap<String, u64>> {
    let mut st = conn.prepare("SELECT crm_user_id, discord_id FROM people WHERE left_at IS NULL")?;
    let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = std::collections::HashMap::new();
    for row in rows {
        let (crm, discord) = row?;
        if let Ok(d) = discord.parse() {
            out.insert(crm, d);
        }
    }
    Ok(out)
}

/// The people log, newest first, at most `limit` lines.
pub fn people_log(conn: &Connection, limit: usize) -> Result<Vec<PeopleEvent>> {
    let mut st =
        conn.prepare("SELECT at, discord_id, crm_user_id, action, by FROM people_log ORDER BY seq DESC LIMIT ?1")?;
    let rows = st.query_map([limit as i64], |r| {
        let discord: String = r.get(1)?;
        Ok(PeopleEvent {
            at: r.get(0)?,
            discord_id: discord.parse().unwrap_or(0),
            crm_user_id: r.get(2)?,
            action: r.get(3)?,
            by: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

#[cfg(test)]
mod tests;
