//! SQLite: open, migrate, and the queries, one file per table family.
//!
//! WAL mode so readers (the bot's views) never wait on the sync's write, and a busy timeout so
//! two writers queue instead of failing.

mod appointments;
mod digests;
mod leads;
mod migrate;
mod scan;
mod stage_changes;
mod sync_runs;
mod sync_state;
mod users;
pub mod view_key;

use std::path::{Path, PathBuf};

pub use rusqlite::Connection;

pub use appointments::*;
pub use digests::*;
pub use leads::*;
pub use scan::*;
pub use stage_changes::*;
pub use sync_runs::*;
pub use sync_state::*;
pub use users::*;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {source}")]
    Open { path: String, source: rusqlite::Error },
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("database: {0}")]
    Corrupt(String),
    #[error(
        "database {path} was written by a newer Panopticon (schema {found}, this build knows {known}); \
         upgrade Panopticon"
    )]
    TooNew { path: String, found: i64, known: i64 },
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// A handle on the database file; connections are cheap and opened per unit of work.
#[derive(Clone, Debug)]
pub struct Store {
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Corrupt(format!("cannot create {}: {e}", dir.display())))?;
        }
        let store = Store { path: path.to_path_buf() };
        let mut conn = store.connect()?;
        migrate::run(&mut conn, &store.path.display().to_string())?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn connect(&self) -> Result<Connection> {
        let conn = Connection::open(&self.path)
            .map_err(|source| StoreError::Open { path: self.path.display().to_string(), source })?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        Ok(conn)
    }

    /// Bytes on disk, including the WAL.
    pub fn size_bytes(&self) -> u64 {
        let main = std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        let wal = std::fs::metadata(self.path.with_extension("db-wal")).map(|m| m.len()).unwrap_or(0);
        main + wal
    }
}

/// A canonical text dump of everything the sync writes (not its own log), one row a line.
/// Two databases with equal dumps hold the same data; tests use it to prove a failed or
/// killed sync changed nothing.
pub fn dump(conn: &Connection) -> Result<String> {
    let mut out = String::new();
    for (table, order) in
        [("leads", "id"), ("appointments", "id"), ("stage_changes", "id"), ("users", "id"), ("sync_state", "endpoint")]
    {
        let mut st = conn.prepare(&format!("SELECT * FROM {table} ORDER BY {order}"))?;
        let n = st.column_count();
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let vals = (0..n).map(|i| r.get_ref(i).map(|v| format!("{v:?}"))).collect::<rusqlite::Result<Vec<_>>>()?;
            out.push_str(table);
            out.push('|');
            out.push_str(&vals.join("|"));
            out.push('\n');
        }
    }
    Ok(out)
}
