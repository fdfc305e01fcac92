//! `panopticon backup PATH`: a consistent copy of the database while the bot and the sync keep
//! using it, through SQLite's online backup API.
//!
//! The copy is written to a hidden file beside the target and renamed over it only once it is
//! complete and passes `PRAGMA integrity_check`, so a failed or interrupted backup leaves no
//! half-written file where a restore would look for one. Pages are copied a step at a time (for
//! a progress line) while other connections keep writing; SQLite restarts a paged backup when
//! another connection commits, so after a few restarts the rest is copied in one step, under one
//! read transaction — in WAL mode that blocks no writer, and the copy is one committed state.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::backup::{Backup, StepResult};
use rusqlite::Connection;

use super::{create_private, Store, StoreError};

/// Pages per step: 256 pages of 4 KiB, a megabyte between two progress updates.
const PAGES_PER_STEP: i32 = 256;
/// Restarts (another connection committed mid-copy) tolerated before copying in one step.
const MAX_RESTARTS: u32 = 3;
/// How long a step may keep finding the source busy before the backup gives up.
const BUSY_LIMIT: Duration = Duration::from_secs(30);

/// Why a backup was not made. `Target` and `NoSource` are the person's to fix (bad input);
/// the others are failures of the work itself.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    Target(String),
    #[error("{0}")]
    NoSource(String),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("backup: {0}")]
    Failed(String),
}

impl BackupError {
    /// The person asked for something that cannot be done as asked (exit 2, not 1).
    pub fn is_bad_input(&self) -> bool {
        matches!(self, BackupError::Target(_) | BackupError::NoSource(_))
    }
}

/// Where a backup stands: pages copied of the total (the total can grow while it runs).
#[derive(Clone, Copy, Debug)]
pub struct BackupProgress {
    pub done: u64,
    pub total: u64,
}

/// What a finished backup wrote.
#[derive(Clone, Debug)]
pub struct BackupDone {
    pub path: PathBuf,
    pub bytes: u64,
    pub pages: u64,
    /// The schema version (`user_version`) the copy holds.
    pub schema: i64,
    pub took: Duration,
}

/// Copies the database at `source` to `target`. An existing `target` is replaced only with
/// `force`; the target's folder must exist.
pub fn backup(
    source: &Path,
    target: &Path,
    force: bool,
    progress: &mut dyn FnMut(BackupProgress),
) -> Result<BackupDone, BackupError> {
    let started = Instant::now();
    check_target(source, target, force)?;
    let dir = folder_of(target);
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "backup".into());
    let partial = Partial(dir.join(format!(".{name}.partial-{}", std::process::id())));
    // A leftover from a backup killed mid-way (same pid reused) is ours to replace.
    partial.remove();
    create_private(&partial.0).map_err(|e| BackupError::Target(e.to_string()))?;

    let src = Store::open_read_only(source)?.connect()?;
    let mut dst = Connection::open(&partial.0).map_err(|e| failed(&partial.0, e))?;
    let pages = copy(&src, &mut dst, progress).map_err(|e| failed(&partial.0, e))?;
    drop(src);
    let check: String = dst.query_row("PRAGMA integrity_check", [], |r| r.get(0)).map_err(|e| failed(&partial.0, e))?;
    if check != "ok" {
        return Err(BackupError::Failed(format!("the copy failed its integrity check ({check}); nothing was written")));
    }
    let schema: i64 = dst.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(|e| failed(&partial.0, e))?;
    // One self-contained file: no -wal or -shm beside the copy to be forgotten when it is moved.
    let _: String =
        dst.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0)).map_err(|e| failed(&partial.0, e))?;
    dst.close().map_err(|(_, e)| failed(&partial.0, e))?;
    std::fs::File::open(&partial.0)
        .and_then(|f| f.sync_all())
        .map_err(|e| BackupError::Failed(format!("cannot flush {} to disk: {e}", partial.0.display())))?;
    std::fs::rename(&partial.0, target)
        .map_err(|e| BackupError::Failed(format!("cannot move the copy to {}: {e}", target.display())))?;
    partial.keep();
    // The rename is durable once the folder is flushed too (best effort: not every system can).
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    let bytes = std::fs::metadata(target).map(|m| m.len()).unwrap_or(0);
    Ok(BackupDone { path: target.to_path_buf(), bytes, pages, schema, took: started.elapsed() })
}

/// The checks a person can act on, before anything is written.
fn check_target(source: &Path, target: &Path, force: bool) -> Result<(), BackupError> {
    if !source.is_file() {
        return Err(BackupError::NoSource(format!(
            "there is no database at {} to back up: check [storage] path in the config",
            source.display()
        )));
    }
    if target.is_dir() {
        return Err(BackupError::Target(format!(
            "{} is a folder: name the backup file, e.g. {}",
            target.display(),
            target.join("panopticon-backup.db").display()
        )));
    }
    let dir = folder_of(target);
    if !dir.is_dir() {
        return Err(BackupError::Target(format!("the folder {} does not exist: create it first", dir.display())));
    }
    if let (Ok(a), Ok(b)) = (source.canonicalize(), target.canonicalize()) {
        if a == b {
            return Err(BackupError::Target(format!(
                "{} is the database itself: back up to another file",
                target.display()
            )));
        }
    }
    if target.exists() && !force {
        return Err(BackupError::Target(format!(
            "{} already exists: choose another name, or pass --force to replace it",
            target.display()
        )));
    }
    Ok(())
}

fn folder_of(target: &Path) -> PathBuf {
    match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Runs the backup to the end; returns the pages copied.
fn copy(src: &Connection, dst: &mut Connection, progress: &mut dyn FnMut(BackupProgress)) -> rusqlite::Result<u64> {
    let b = Backup::new(src, dst)?;
    let mut restarts = 0u32;
    let mut last_remaining: Option<i32> = None;
    let mut busy_since: Option<Instant> = None;
    loop {
        let pages = if restarts >= MAX_RESTARTS { -1 } else { PAGES_PER_STEP };
        match b.step(pages)? {
            StepResult::Done => {
                let p = b.progress();
                let total = p.pagecount.max(0) as u64;
                progress(BackupProgress { done: total, total });
                return Ok(total);
            }
            StepResult::More => busy_since = None,
            // Busy, Locked (and any step result a later SQLite adds): wait and try again.
            _ => {
                let since = *busy_since.get_or_insert_with(Instant::now);
                if since.elapsed() > BUSY_LIMIT {
                    return Err(rusqlite::Error::SqliteFailure(
                        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                        Some(format!("the database stayed locked for {} s", BUSY_LIMIT.as_secs())),
                    ));
                }
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
        }
        let p = b.progress();
        // The remaining count going up means another connection committed and the copy began again.
        if last_remaining.is_some_and(|r| p.remaining > r) {
            restarts += 1;
        }
        last_remaining = Some(p.remaining);
        let total = p.pagecount.max(0) as u64;
        progress(BackupProgress { done: total.saturating_sub(p.remaining.max(0) as u64), total });
    }
}

fn failed(path: &Path, e: rusqlite::Error) -> BackupError {
    BackupError::Failed(format!("writing {}: {e}", path.display()))
}

/// The hidden file being written; removed unless it became the backup.
struct Partial(PathBuf);

impl Partial {
    fn remove(&self) {
        for suffix in ["", "-journal", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
    fn keep(mut self) {
        self.0 = PathBuf::new();
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.0.as_os_str().is_empty() {
            self.remove();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(dir: &Path) -> PathBuf {
        let path = dir.join("p.db");
        let store = Store::open(&path).unwrap();
        let c = store.connect().unwrap();
        c.execute("INSERT INTO sync_state(endpoint, watermark) VALUES ('Leads', 'w1')", []).unwrap();
        path
    }

    #[test]
    fn a_backup_is_a_whole_database_and_leaves_nothing_else_behind() {
        let dir = tempfile::tempdir().unwrap();
        let src = db(dir.path());
        let out = dir.path().join("copy.db");
        let mut seen = Vec::new();
        let done = backup(&src, &out, false, &mut |p| seen.push(p)).unwrap();
        assert_eq!(done.schema, super::super::migrate::known());
        assert!(seen.last().is_some_and(|p| p.done == p.total && p.total > 0));
        let c = Connection::open(&out).unwrap();
        let w: String = c.query_row("SELECT watermark FROM sync_state", [], |r| r.get(0)).unwrap();
        assert_eq!(w, "w1");
        let mut names: Vec<String> =
            std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
        names.retain(|n| n.starts_with("copy") || n.starts_with(".copy"));
        assert_eq!(names, vec!["copy.db".to_string()], "only the backup itself");
    }

    #[test]
    fn an_existing_file_is_kept_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        let src = db(dir.path());
        let out = dir.path().join("copy.db");
        std::fs::write(&out, "precious").unwrap();
        let e = backup(&src, &out, false, &mut |_| {}).unwrap_err();
        assert!(e.is_bad_input() && e.to_string().contains("--force"), "{e}");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "precious");
        backup(&src, &out, true, &mut |_| {}).unwrap();
        assert!(std::fs::read(&out).unwrap().starts_with(b"SQLite format 3"));
    }

    #[test]
    fn bad_targets_and_sources_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let src = db(dir.path());
        let e = backup(&src, &dir.path().join("no/such/dir/x.db"), false, &mut |_| {}).unwrap_err();
        assert!(e.is_bad_input() && e.to_string().contains("does not exist"), "{e}");
        let e = backup(&src, dir.path(), false, &mut |_| {}).unwrap_err();
        assert!(e.is_bad_input() && e.to_string().contains("is a folder"), "{e}");
        let e = backup(&src, &src, true, &mut |_| {}).unwrap_err();
        assert!(e.is_bad_input() && e.to_string().contains("the database itself"), "{e}");
        let e = backup(&dir.path().join("none.db"), &dir.path().join("x.db"), false, &mut |_| {}).unwrap_err();
        assert!(e.is_bad_input() && e.to_string().contains("[storage] path"), "{e}");
        assert!(!dir.path().join("none.db").exists(), "a missing database is not created");
    }
}
