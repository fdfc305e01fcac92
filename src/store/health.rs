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
    Ok(Health { bytes: super::file_bytes(path), integrity: lines.join("\n"), schema })
}

/// The tables whose sizes an operator watches.
const TABLES: [&str; 6] = ["leads", "appointments", "stage_changes", "users", "sync_runs", "digests"];

/// Rows in each table an operator watches, by table name.
pub fn row_counts(conn: &Connection) -> Result<Vec<(&'static str, i64)>> {
    TABLES
        .iter()
        // Names from the constant list above, never from input.
        .map(|&t| Ok((t, conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))?)))
        .collect()
}

/// The digest's state for an operator: when the last one was sent (RFC 3339), and how many
/// days are claimed but not (yet) sent.
pub fn digest_state(conn: &Connection) -> Result<(Option<String>, i64)> {
    Ok(conn.query_row(
        "SELECT (SELECT max(sent_at) FROM digests WHERE state = 'sent'),
                (SELECT count(*) FROM digests WHERE state = 'claimed')",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
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
    fn row_counts_and_digest_state_of_a_fresh_database() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("h.db")).unwrap();
        let c = store.connect().unwrap();
        let counts = row_counts(&c).unwrap();
        assert_eq!(counts.len(), 6);
        assert!(counts.iter().all(|(_, n)| *n == 0), "{counts:?}");
        assert_eq!(digest_state(&c).unwrap(), (None, 0));
    }

    #[test]
    fn a_damaged_file_is_reported_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.db");
        std::fs::write(&path, vec![b'x'; 8192]).unwrap();
        assert!(health(&path).is_err(), "not a database");
    }
}
