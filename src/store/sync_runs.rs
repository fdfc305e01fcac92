//! The record of sync runs: what each did, or why it failed (interrupted runs included).
//! The history is bounded: the newest `KEEP_RUNS` runs, plus the last good one whatever its age
//! (its time is what "the last good data is N old" is measured from).

use rusqlite::{params, Connection, OptionalExtension};

use super::Result;

/// Runs kept: at one sync every 15 minutes, about ten days.
pub const KEEP_RUNS: i64 = 1_000;
/// Warning lines kept per run (a run can skip thousands of records; the first ones tell the story).
pub const KEEP_WARNING_LINES: usize = 200;

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

impl SyncRun {
    /// A good run in one line after "Last sync {when}", as `/status` and `panopticon status`
    /// both say it.
    pub fn ok_line(&self, when: &str) -> String {
        format!(
            "Last sync {when} — ok: {} created, {} updated, {} deleted, {} API calls, {:.1} s",
            self.created,
            self.updated,
            self.deleted,
            self.api_calls,
            self.duration_ms as f64 / 1000.0
        )
    }
}

/// Records a run and drops the oldest beyond `KEEP_RUNS`.
pub fn insert_run(conn: &Connection, r: &SyncRun) -> Result<i64> {
    let warnings = bounded_warnings(&r.warnings);
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
            warnings,
            r.duration_ms as i64,
        ],
    )?;
    let id = conn.last_insert_rowid();
    conn.execute(
        "DELETE FROM sync_runs WHERE id <= ?1 - ?2
           AND id IS NOT (SELECT max(id) FROM sync_runs WHERE ok = 1)",
        params![id, KEEP_RUNS],
    )?;
    Ok(id)
}

fn bounded_warnings(w: &str) -> String {
    let n = w.lines().count();
    if n <= KEEP_WARNING_LINES {
        return w.to_string();
    }
    let mut kept: Vec<&str> = w.lines().take(KEEP_WARNING_LINES).collect();
    let more = format!("… and {} more", n - KEEP_WARNING_LINES);
    kept.push(&more);
    kept.join("\n")
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

/// How many runs are recorded.
pub fn count_runs(conn: &Connection) -> Result<u64> {
    Ok(conn.query_row("SELECT count(*) FROM sync_runs", [], |r| r.get::<_, i64>(0))? as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn run(ok: bool, i: usize) -> SyncRun {
        SyncRun {
            started_at: format!("2026-11-20T14:{:02}:00Z", i % 60),
            finished_at: format!("2026-11-20T14:{:02}:01Z", i % 60),
            ok,
            error: (!ok).then(|| format!("failure {i}")),
            ..SyncRun::default()
        }
    }

    #[test]
    fn history_is_bounded_but_keeps_the_last_good_run() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("r.db")).unwrap();
        let mut c = store.connect().unwrap();
        let tx = c.transaction().unwrap();
        let good = insert_run(&tx, &run(true, 0)).unwrap();
        for i in 1..=(KEEP_RUNS as usize + 50) {
            insert_run(&tx, &run(false, i)).unwrap();
        }
        tx.commit().unwrap();
        // The newest KEEP_RUNS failures, and the one good run far behind them.
        assert_eq!(count_runs(&c).unwrap(), KEEP_RUNS as u64 + 1);
        assert_eq!(last_good_run(&c).unwrap().map(|r| r.id), Some(good));
        let last = last_run(&c).unwrap().unwrap();
        assert_eq!(last.error.as_deref(), Some(format!("failure {}", KEEP_RUNS + 50).as_str()));
        // Once a newer good run exists, the old one goes like any other.
        let newer = insert_run(&c, &run(true, 1)).unwrap();
        assert_eq!(count_runs(&c).unwrap(), KEEP_RUNS as u64);
        assert_eq!(last_good_run(&c).unwrap().map(|r| r.id), Some(newer));
    }

    #[test]
    fn a_run_keeps_its_first_warnings_and_counts_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("r.db")).unwrap();
        let c = store.connect().unwrap();
        let lines: Vec<String> = (0..5_000).map(|i| format!("Leads record {i}: bad date")).collect();
        insert_run(&c, &SyncRun { warnings: lines.join("\n"), skipped: 5_000, ..run(true, 0) }).unwrap();
        let got = last_run(&c).unwrap().unwrap();
        assert_eq!(got.skipped, 5_000);
        assert_eq!(got.warnings.lines().count(), KEEP_WARNING_LINES + 1);
        assert!(got.warnings.starts_with("Leads record 0: bad date\n"));
        assert!(got.warnings.ends_with(&format!("… and {} more", 5_000 - KEEP_WARNING_LINES)));
    }
}
