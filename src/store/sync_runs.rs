//! The record of every sync run: what it did, or why it failed.

use rusqlite::{params, Connection, OptionalExtension};

use super::Result;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncRun {
    pub id: i64,
    pub started_at: String,
    pub finished_at: String,
    pub full: bool,
    pub ok: bool,
    pub error: Option<String>,
    pub created: u64,
    pub updated: u64,
    pub deleted: u64,
    pub stage_changes: u64,
    pub appointments: u64,
    pub api_calls: u64,
    pub skipped: u64,
    pub warnings: String,
    pub duration_ms: u64,
}

pub fn insert_run(conn: &Connection, r: &SyncRun) -> Result<i64> {
    conn.execute(
        "INSERT INTO sync_runs(started_at, finished_at, mode, ok, error, created, updated, deleted, stage_changes,
                               appointments, api_calls, skipped, warnings, duration_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        params![
            r.started_at,
            r.finished_at,
            if r.full { "full" } else { "incremental" },
            r.ok,
            r.error,
            r.created as i64,
            r.updated as i64,
            r.deleted as i64,
            r.stage_changes as i64,
            r.appointments as i64,
            r.api_calls as i64,
            r.skipped as i64,
            r.warnings,
            r.duration_ms as i64,
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<SyncRun> {
    Ok(SyncRun {
        id: r.get(0)?,
        started_at: r.get(1)?,
        finished_at: r.get(2)?,
        full: r.get::<_, String>(3)? == "full",
        ok: r.get(4)?,
        error: r.get(5)?,
        created: r.get::<_, i64>(6)? as u64,
        updated: r.get::<_, i64>(7)? as u64,
        deleted: r.get::<_, i64>(8)? as u64,
        stage_changes: r.get::<_, i64>(9)? as u64,
        appointments: r.get::<_, i64>(10)? as u64,
        api_calls: r.get::<_, i64>(11)? as u64,
        skipped: r.get::<_, i64>(12)? as u64,
        warnings: r.get(13)?,
        duration_ms: r.get::<_, i64>(14)? as u64,
    })
}

const COLUMNS: &str = "id, started_at, finished_at, mode, ok, error, created, updated, deleted, stage_changes, \
     appointments, api_calls, skipped, warnings, duration_ms";

pub fn last_run(conn: &Connection) -> Result<Option<SyncRun>> {
    Ok(conn.query_row(&format!("SELECT {COLUMNS} FROM sync_runs ORDER BY id DESC LIMIT 1"), [], from_row).optional()?)
}

pub fn last_good_run(conn: &Connection) -> Result<Option<SyncRun>> {
    Ok(conn
        .query_row(&format!("SELECT {COLUMNS} FROM sync_runs WHERE ok = 1 ORDER BY id DESC LIMIT 1"), [], from_row)
        .optional()?)
}
