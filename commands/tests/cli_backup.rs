//! `panopticon backup` and `panopticon maintain` as a person runs them: a backup taken while
//! another process commits in a loop is a whole database in one committed state; an existing
//! file is not overwritten without --force (exit 2) and nothing half-written is left behind;
//! `maintain` prunes old runs and says what it did.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use panopticon::store::{self, Connection, Store, SyncRun};
use support::ConfigFile;

fn config(dir: &Path, db: &Path) -> PathBuf {
    ConfigFile::offline(db).write(&dir.join("config.toml"))
}

fn panopticon(config: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out: Output = support::panopticon_std(config).args(args).output().unwrap();
    (out.status.code(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

fn watermark(c: &Connection, endpoint: &str) -> String {
    c.query_row("SELECT watermark FROM sync_state WHERE endpoint = ?1", [endpoint], |r| r.get(0)).unwrap()
}

/// Files in `dir` other than the ones named.
fn others(dir: &Path, known: &[&str]) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !known.iter().any(|k| n.starts_with(k)))
        .collect()
}

#[test]
fn a_backup_taken_while_a_writer_commits_is_one_committed_state() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let store = Store::open(&db).unwrap();
    {
        // About 8 MB, so the copy takes many steps and the writer commits between them.
        let mut c = store.connect().unwrap();
        let tx = c.transaction().unwrap();
        let filler = "w".repeat(400);
        for i in 0..20_000 {
            tx.execute(
                "INSERT INTO sync_state(endpoint, watermark) VALUES (?1, ?2)",
                [format!("fill:{i}"), filler.clone()],
            )
            .unwrap();
        }
        tx.execute("INSERT INTO sync_state(endpoint, watermark) VALUES ('pair:a', '0'), ('pair:b', '0')", []).unwrap();
        tx.commit().unwrap();
    }
    // The writer: each commit sets both halves of the pair to the same new number, and moves
    // one filler row, so pages all over the file change.
    let stop = Arc::new(AtomicBool::new(false));
    let commits = Arc::new(AtomicU64::new(0));
    let writer = {
        let (store, stop, commits) = (store.clone(), stop.clone(), commits.clone());
        std::thread::spawn(move || {
            let mut c = store.connect().unwrap();
            let mut n = 0u64;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                let tx = c.transaction().unwrap();
                tx.execute(
                    "UPDATE sync_state SET watermark = ?1 WHERE endpoint IN ('pair:a', 'pair:b')",
                    [n.to_string()],
                )
                .unwrap();
                tx.execute(
                    "UPDATE sync_state SET watermark = ?1 WHERE endpoint = ?2",
                    [format!("{n:0>400}"), format!("fill:{}", (n * 7919) % 20_000)],
                )
                .unwrap();
                tx.commit().unwrap();
                commits.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    while commits.load(Ordering::SeqCst) < 5 {
        std::thread::yield_now();
    }
    let before = commits.load(Ordering::SeqCst);
    let cfg = config(dir.path(), &db);
    let out = dir.path().join("backup.db");
    let (code, text) = panopticon(&cfg, &["backup", out.to_str().unwrap()]);
    let during = commits.load(Ordering::SeqCst) - before;
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains(&format!("Backed up {} to {}", db.display(), out.display())), "{text}");
    assert!(text.contains(&format!("schema {}", store::latest_schema())), "{text}");
    assert!(during > 0, "the writer never committed while the backup ran");

    let copy = Connection::open(&out).unwrap();
    let check: String = copy.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    let (a, b) = (watermark(&copy, "pair:a"), watermark(&copy, "pair:b"));
    assert_eq!(a, b, "both halves of one commit, or neither");
    assert!(a.parse::<u64>().unwrap() >= before, "a state from when the backup ran, not before");
    let rows: i64 = copy.query_row("SELECT count(*) FROM sync_state", [], |r| r.get(0)).unwrap();
    assert_eq!(rows, 20_002);
    // One self-contained file: no -wal or -shm beside it, no partial file left.
    assert_eq!(others(dir.path(), &["p.db", "config.toml", "backup.db"]), Vec::<String>::new());
    let mode: String = copy.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "delete");
}

#[test]
fn an_existing_file_is_kept_unless_forced_and_bad_targets_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    Store::open(&db).unwrap();
    let cfg = config(dir.path(), &db);
    let out = dir.path().join("backup.db");
    std::fs::write(&out, "last week's backup").unwrap();

    let (code, text) = panopticon(&cfg, &["backup", out.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("already exists") && text.contains("--force"), "{text}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "last week's backup");

    let (code, text) = panopticon(&cfg, &["backup", "--force", out.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{text}");
    let copy = Connection::open(&out).unwrap();
    let v: i64 = copy.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(v, store::latest_schema());

    let missing = dir.path().join("no-such-folder/b.db");
    let (code, text) = panopticon(&cfg, &["backup", missing.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("does not exist: create it first"), "{text}");
    assert_eq!(others(dir.path(), &["p.db", "config.toml", "backup.db"]), Vec::<String>::new());
}

#[test]
fn maintain_prunes_old_runs_and_compacts_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let store = Store::open(&db).unwrap();
    let c = store.connect().unwrap();
    let warnings = "a skipped record\n".repeat(200);
    for i in 0..300 {
        let at = format!("2025-03-01T10:{:02}:{:02}Z", i / 60, i % 60);
        let run = SyncRun { started_at: at.clone(), finished_at: at, warnings: warnings.clone(), ..SyncRun::default() };
        store::insert_run(&c, &run).unwrap();
    }
    let recent = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    store::insert_run(&c, &SyncRun { started_at: recent.clone(), finished_at: recent, ok: true, ..SyncRun::default() })
        .unwrap();
    drop(c);
    let cfg = config(dir.path(), &db);
    let (code, text) = panopticon(&cfg, &["maintain"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("Pruned 300 sync runs and 0 digests older than 90 days."), "{text}");
    assert!(text.contains(&format!("Optimized and compacted {}", db.display())), "{text}");
    let c = store.connect().unwrap();
    assert_eq!(store::count_runs(&c).unwrap(), 1, "the recent good run stays");

    let (code, text) = panopticon(&cfg, &["maintain"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("Pruned 0 sync runs"), "{text}");
    assert!(!text.contains("Recomputed"), "nothing to mend: {text}");

    // A summary row written around the triggers (by hand, say) is recomputed and said.
    c.execute_batch(
        "INSERT INTO leads(id, full_name, stage, created_at, created_offset, modified_at, modified_offset)
             VALUES ('L1', 'Ada', 'Appt Set', '2026-01-01T00:00:00Z', 0, '2026-01-01T00:00:00Z', 0);
         INSERT INTO appointments(id, lead_id, start_at, start_offset) VALUES ('E:1', 'L1', '2026-02-01T15:00:00Z', 0);
         UPDATE appointed_leads SET latest_start = '2030-01-01T00:00:00Z', stage = 'Dead';",
    )
    .unwrap();
    let (code, text) = panopticon(&cfg, &["maintain"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("Recomputed the per-lead summary the stale and at-risk lists read (2 rows differed"),
        "{text}"
    );
    assert_eq!(store::appointed_drift(&c).unwrap(), 0);
}

/// The sync prunes in its own transaction: runs older than `keep_runs_days` are gone after the
/// next `panopticon sync`, the newer ones stay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_sync_prunes_runs_older_than_keep_runs_days() {
    use chrono::TimeZone;
    use panopticon_sandbox::Spec;
    let sb =
        support::sandbox(&Spec::scaled(2, 30, chrono::Utc.with_ymd_and_hms(2026, 11, 20, 14, 0, 0).unwrap())).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let store = Store::open(&db).unwrap();
    let now = chrono::Utc::now();
    let c = store.connect().unwrap();
    for days_ago in [400, 40, 20, 2] {
        let at = (now - chrono::Duration::days(days_ago)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        store::insert_run(&c, &SyncRun { started_at: at.clone(), finished_at: at, ..SyncRun::default() }).unwrap();
    }
    drop(c);
    let cfg = ConfigFile::sandbox(&sb, &db).storage("keep_runs_days", 30).write(&dir.path().join("config.toml"));
    let out = support::panopticon(&cfg).arg("sync").output().await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let c = store.connect().unwrap();
    let mut kept: Vec<String> = c
        .prepare("SELECT finished_at FROM sync_runs ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let this_run = kept.pop().unwrap();
    assert!(this_run.as_str() >= now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true).as_str());
    let age = |t: &str| (now - chrono::DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&chrono::Utc)).num_days();
    let ages: Vec<i64> = kept.iter().map(|t| age(t)).collect();
    assert_eq!(ages, [20, 2], "the 400- and 40-day-old runs are pruned");
}
