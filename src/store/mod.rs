//! SQLite: open, migrate, and the queries, one file per table family.
//!
//! WAL mode so readers (the bot's views) never wait on the sync's write, and a busy timeout so
//! two writers queue instead of failing. Reports open the file read-only: reading never writes,
//! so it works on a read-only file, a read-only directory or a full disk. A new database file is
//! readable by its owner only (0600); SQLite gives its -wal and -shm files the same mode.

mod actions;
mod alerts;
mod appointed;
mod appointments;
pub mod backup;
mod digests;
mod health;
mod history_due;
mod interventions;
mod lead_facts;
mod leads;
mod migrate;
mod people;
mod personal_digests;
mod retention;
mod sales;
mod scan;
mod stage_changes;
pub mod staging;
mod subscriptions;
mod sync_runs;
mod sync_state;
mod users;
pub mod view_key;

use std::path::{Path, PathBuf};

pub use rusqlite::Connection;
use rusqlite::OpenFlags;

pub use actions::*;
pub use alerts::*;
pub use appointed::*;
pub use appointments::*;
pub use digests::*;
pub use health::{digest_state, health, row_counts, Health};
pub use history_due::*;
pub use interventions::*;
pub use lead_facts::lead_facts;
pub use leads::*;
/// The schema version this build writes (the number of migrations it knows).
pub use migrate::known as latest_schema;
pub use people::*;
pub use personal_digests::*;
pub use retention::*;
pub use sales::*;
pub use scan::*;
pub use stage_changes::*;
pub use subscriptions::*;
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

impl StoreError {
    /// The same error, naming the database file (errors from a query only know the SQL).
    pub fn in_file(self, path: &Path) -> StoreError {
        let path = path.display().to_string();
        match self {
            StoreError::Sql(source) => StoreError::Open { path, source },
            StoreError::Corrupt(m) if !m.contains(&path) => StoreError::Corrupt(format!("{path}: {m}")),
            other => other,
        }
    }
}

/// A handle on the database file; connections are cheap and opened per unit of work.
#[derive(Clone, Debug)]
pub struct Store {
    path: PathBuf,
    /// Connections open the file read-only and never write (reports).
    read_only: bool,
}

impl Store {
    /// Opens (creating if needed, mode 0600) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Corrupt(format!("cannot create {}: {e}", dir.display())))?;
        }
        create_private(path)?;
        let store = Store { path: path.to_path_buf(), read_only: false };
        let mut conn = store.connect()?;
        migrate::run(&mut conn, &store.path.display().to_string()).map_err(|e| e.in_file(path))?;
        Ok(store)
    }

    /// Opens an existing database for reading only: nothing is written, not even the WAL's
    /// index, so a read-only file or directory (or a full disk) is fine. A database from an
    /// older Panopticon is migrated first, which does need write access once.
    pub fn open_read_only(path: &Path) -> Result<Store> {
        let store = Store { path: path.to_path_buf(), read_only: true };
        let version: i64 = store
            .connect()?
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| StoreError::Sql(e).in_file(path))?;
        let known = migrate::known();
        if version > known {
            return Err(StoreError::TooNew { path: path.display().to_string(), found: version, known });
        }
        if version < known {
            Store::open(path).map_err(|e| {
                StoreError::Corrupt(format!(
                    "{} needs its schema upgraded (from {version} to {known}) before it can be read, \
                     and that needs write access once: {e}",
                    path.display()
                ))
            })?;
        }
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn connect(&self) -> Result<Connection> {
        if self.read_only {
            return self.connect_read_only();
        }
        let named = |e: rusqlite::Error| StoreError::Sql(e).in_file(&self.path);
        let conn = Connection::open(&self.path).map_err(named)?;
        conn.busy_timeout(std::time::Duration::from_secs(30)).map_err(named)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(named)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(named)?;
        Ok(conn)
    }

    /// A read-only connection. `mode=ro` first: it sees a concurrent sync's commits and reads
    /// the WAL through its shared index. Where that index cannot exist (a read-only directory
    /// with no -shm file), no WAL connection can be open either, so the file is read as
    /// `immutable` — SQLite then takes no locks and creates no files.
    fn connect_read_only(&self) -> Result<Connection> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let uri = file_uri(&self.path);
        let open = |query: &str| -> rusqlite::Result<Connection> {
            let conn = Connection::open_with_flags(format!("{uri}?{query}"), flags)?;
            conn.busy_timeout(std::time::Duration::from_secs(30))?;
            // Opening is lazy: read the schema now, so a file that cannot be read this way fails here.
            conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))?;
            Ok(conn)
        };
        match open("mode=ro") {
            Ok(c) => Ok(c),
            Err(first) => {
                if !self.path.is_file() {
                    return Err(StoreError::Sql(first).in_file(&self.path));
                }
                // `immutable` would not see commits still in the -wal file: better to say so
                // than to show old data as current.
                let wal = std::fs::metadata(format!("{}-wal", self.path.display())).map(|m| m.len()).unwrap_or(0);
                if wal > 0 {
                    return Err(StoreError::Corrupt(format!(
                        "{} cannot be read without write access: its -wal file holds changes not yet in the \
                         database file ({first}). Give the reader write access to the directory (for the \
                         -shm index), or let the writer close so the -wal is folded in",
                        self.path.display()
                    )));
                }
                tracing::debug!(target: "panopticon::store", error = %first, "reading the database as immutable");
                open("mode=ro&immutable=1").map_err(|_| StoreError::Sql(first).in_file(&self.path))
            }
        }
    }

    /// Runs `f` on a fresh connection; any error names the file.
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.connect()?;
        f(&conn).map_err(|e| e.in_file(&self.path))
    }

    /// Bytes on disk, including the WAL.
    pub fn size_bytes(&self) -> u64 {
        file_bytes(&self.path)
    }
}

/// Bytes on disk of the database at `path`, including its WAL (0 for what is missing).
pub fn file_bytes(path: &Path) -> u64 {
    let main = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let wal = std::fs::metadata(format!("{}-wal", path.display())).map(|m| m.len()).unwrap_or(0);
    main + wal
}

/// Creates an empty database file readable by its owner only, unless it exists: the data is
/// the company's pipeline, and SQLite would create it world-readable (0644 under most umasks).
fn create_private(path: &Path) -> Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    match o.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Corrupt(format!("cannot create {}: {e}", path.display()))),
    }
}

/// `path` as an SQLite `file:` URI: the characters a URI gives meaning to are escaped.
fn file_uri(path: &Path) -> String {
    let mut out = String::from("file:");
    for c in path.to_string_lossy().chars() {
        match c {
            '%' | '?' | '#' => out.push_str(&format!("%{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// A canonical text dump of everything the sync writes (not its own log), one row a line.
/// Two databases with equal dumps hold the same data; tests use it to prove a failed or
/// killed sync changed nothing.
pub fn dump(conn: &Connection) -> Result<String> {
    let mut out = String::new();
    for (table, order) in [
        ("leads", "id"),
        ("appointments", "id"),
        ("stage_changes", "id"),
        ("users", "id"),
        ("crm_roles", "id"),
        ("sync_state", "endpoint"),
        ("history_due", "lead_id"),
        ("history_due_rules", "id"),
    ] {
        // When the roles and the stage mapping were last read (and the CRM's API usage then) is
        // the run's own clock, like its log: not data.
        let only = if table == "sync_state" {
            format!(
                " WHERE endpoint NOT IN ('{}', '{}', '{}')",
                sync_state::ROLES_READ,
                sync_state::STAGE_META_READ,
                sync_state::API_USAGE
            )
        } else {
            String::new()
        };
        let mut st = conn.prepare(&format!("SELECT * FROM {table}{only} ORDER BY {order}"))?;
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
