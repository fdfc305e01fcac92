//! The database's health as `panopticon doctor` reports it: does the file open, does it pass
//! `PRAGMA integrity_check`, which schema version does it hold, how big is it. Read-only: a
//! doctor never migrates, repairs or creates the file it examines.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::{file_uri, Result, StoreError};

/// What the database file says about itself.
#[derive(Clone, Debug)]
pub struct Health {
    /// The file and its WAL, in bytes.
    pub bytes: u64,
    /// `ok`, or the first problems `integrity_check` found (one per line, at most 10).
    pub integrity: String,
    /// `PRAGMA user_version`: the migrations applied.
    pub schema: i64,
}

/// Examines the database at `path` without writing to it. A missing file is an error (not
/// created, unlike `Store::open`).
pub fn health(path: &Path) -> Result<Health> {
    if !path.is_file() {
        return Err(StoreError::Corrupt(format!("there is no database at {}", path.display())));
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let named = |e: rusqlite::Error| StoreError::Sql(e).in_file(path);
    let conn = Connection::open_with_flags(format!("{}?mode=ro", file_uri(path)), flags).map_err(named)?;
    conn.busy_timeout(std::time::Duration::from_secs(30)).map_err(named)?;
    let schema: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(named)?;
    let mut st = conn.prepare("PRAGMA integrity_check(10)").map_err(named)?;
    let lines: Vec<String> =
        st.query_map([], |r| r.get::<_, String>(0)).map_err(named)?.collect::<rusqlite::Result<_>>().map_err(named)?;
    let main = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let wal = std::fs::metadata(format!("{}-wal", path.display())).map(|m| m.len()).unwrap_or(0);
    Ok(Health { bytes: main + wal, integrity: lines.join("\n"), schema })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn a_fresh_database_is_healthy_and_a_missing_one_is_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.db");
        let e = health(&path).unwrap_err().to_string();
        assert!(e.contains("no database"), "{e}");
        assert!(!path.exists());
        Store::open(&path).unwrap();
        let h = health(&path).unwrap();
        assert_eq!(h.integrity, "ok");
        assert_eq!(h.schema, crate::store::latest_schema());
        assert!(h.bytes > 0);
    }

    #[test]
    fn a_damaged_file_is_reported_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.db");
        std::fs::write(&path, vec![b'x'; 8192]).unwrap();
        assert!(health(&path).is_err(), "not a database");
    }
}
