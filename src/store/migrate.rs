//! A small migration runner over `migrations/*.sql`, embedded at build time.
//!
//! `PRAGMA user_version` holds the number of migrations applied; each runs in its own
//! transaction, so a failed migration leaves the previous schema intact.

use rusqlite::Connection;

use super::{Result, StoreError};

/// In order. Append only: a released migration is never edited.
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init", include_str!("../../migrations/0001_init.sql")),
    ("0002_view_indexes", include_str!("../../migrations/0002_view_indexes.sql")),
    ("0003_digests", include_str!("../../migrations/0003_digests.sql")),
    ("0004_view_key", include_str!("../../migrations/0004_view_key.sql")),
    ("0005_history_due", include_str!("../../migrations/0005_history_due.sql")),
    ("0006_appointed_leads", include_str!("../../migrations/0006_appointed_leads.sql")),
    ("0007_people", include_str!("../../migrations/0007_people.sql")),
    ("0008_loop", include_str!("../../migrations/0008_loop.sql")),
    ("0009_actions", include_str!("../../migrations/0009_actions.sql")),
    ("0010_sales", include_str!("../../migrations/0010_sales.sql")),
];

/// How many migrations this build knows (the `user_version` of an up-to-date database).
pub fn known() -> i64 {
    MIGRATIONS.len() as i64
}

pub fn run(conn: &mut Connection, path: &str) -> Result<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if current > known {
        return Err(StoreError::TooNew { path: path.to_string(), found: current, known });
    }
    for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql).map_err(|e| StoreError::Corrupt(format!("migration {name} failed: {e}")))?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
        tracing::info!(target: "panopticon::store", migration = name, "applied");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_apply_once_and_are_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut c = Connection::open(&path).unwrap();
        run(&mut c, "t.db").unwrap();
        run(&mut c, "t.db").unwrap();
        let v: i64 = c.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(v, MIGRATIONS.len() as i64);
        let n: i64 = c.query_row("SELECT count(*) FROM sqlite_master WHERE name = 'leads'", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 1);
    }

    /// A file dropped into `migrations/` but not listed above would never run: the list and the
    /// folder hold the same names, in order, numbered 1, 2, 3… with the text of each file.
    #[test]
    fn every_migration_file_is_embedded_in_order() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut on_disk: Vec<(String, String)> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "sql"))
            .map(|p| {
                let name = p.file_stem().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(&p).unwrap())
            })
            .collect();
        on_disk.sort();
        let embedded: Vec<(String, String)> =
            MIGRATIONS.iter().map(|(n, sql)| (n.to_string(), sql.to_string())).collect();
        let names = |l: &[(String, String)]| l.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        assert_eq!(names(&embedded), names(&on_disk), "migrations/*.sql and MIGRATIONS differ");
        assert_eq!(embedded, on_disk, "an embedded migration is not its file's text");
        for (i, (name, _)) in MIGRATIONS.iter().enumerate() {
            assert!(name.starts_with(&format!("{:04}_", i + 1)), "migration {} is named {name}", i + 1);
        }
    }

    #[test]
    fn refuses_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Connection::open(dir.path().join("t.db")).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
        let e = run(&mut c, "t.db").unwrap_err().to_string();
        assert!(e.contains("newer Panopticon"), "{e}");
    }
}
