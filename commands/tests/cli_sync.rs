//! The `panopticon` binary against the sandbox: its output, its exit codes, that no secret
//! ever reaches a log line, an error or the database, and that kill -9 mid-sync leaves the
//! database either as it was or fully synced — never in between.

mod support;

use std::path::{Path, PathBuf};

use chrono::TimeZone;
use panopticon::store::{self, Store};
use panopticon_sandbox::{self as sandbox, Fault, FaultRule, Sandbox, Spec};
use support::{panopticon as command, text, ConfigFile};

fn spec(leads: usize) -> Spec {
    Spec::scaled(5, leads, chrono::Utc.with_ymd_and_hms(2026, 11, 20, 14, 0, 0).unwrap())
}

/// A config pointing the binary at the sandbox and `db`, quick to give up and retry; secrets
/// go in the environment.
fn config(sb: &Sandbox, db: &Path) -> ConfigFile {
    ConfigFile::sandbox(sb, db).zoho("timeout_secs", 2).zoho("retry_base_ms", 20).zoho("max_retries", 2)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_prints_a_summary_and_a_second_run_is_cheap() {
    let sb = support::sandbox(&spec(600)).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&sb, &dir.path().join("p.db")).write(&dir.path().join("config.toml"));
    let out = command(&cfg).arg("sync").output().await.unwrap();
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(t.contains("600 created, 0 updated, 0 deleted"), "{t}");
    assert!(t.lines().any(|l| l.starts_with("API calls: ") && l.contains("Events ") && l.contains("Deals ")), "{t}");
    let out = command(&cfg).arg("sync").output().await.unwrap();
    let t = text(&out);
    assert!(t.contains("0 created, 0 updated, 0 deleted, 0 stage changes, 0 appointments, 17 API calls"), "{t}");
    assert!(t.contains("; sales: 0 deals, 0 activities, 0 accounts, 0 contacts changed; 0 deal histories read"), "{t}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_sync_says_why_and_how_old_the_kept_data_is() {
    let sb = support::sandbox(&spec(300)).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&sb, &dir.path().join("p.db")).write(&dir.path().join("config.toml"));
    assert!(command(&cfg).arg("sync").output().await.unwrap().status.success());
    sb.inject(FaultRule::new(Fault::ServerError).always());
    let out = command(&cfg).arg("sync").output().await.unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("sync failed") && t.contains("server error 500"), "{t}");
    assert!(t.contains("The last good data (synced") && t.contains("ago) is unchanged"), "{t}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_configuration_exits_2_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, "[zoho]\nclient_id = \"x\"\n[rules]\ntimezone = \"America/NewYork\"\n").unwrap();
    let out = command(&cfg).arg("sync").output().await.unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("[rules] timezone") && t.contains("America/NewYork"), "{t}");

    let out = command(&dir.path().join("missing.toml")).arg("sync").output().await.unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("config.example.toml"), "{t}");

    std::fs::write(&cfg, "[zoho]\nclient_id = \"x\"\n").unwrap();
    let out = command(&cfg).env_remove("ZOHO_REFRESH_TOKEN").arg("sync").output().await.unwrap();
    assert!(text(&out).contains("ZOHO_REFRESH_TOKEN is not set"), "{}", text(&out));
    let out = command(&cfg).env_remove("DISCORD_TOKEN").arg("run").output().await.unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("DISCORD_TOKEN is not set"), "{}", text(&out));
    let out = command(&cfg).env("DISCORD_TOKEN", "t").arg("run").output().await.unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("[discord] guild_id is missing"), "{}", text(&out));
}

/// Every byte the process writes, and the database, searched for every secret in play.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_appear_in_logs_errors_or_the_database() {
    let sb = support::sandbox(&spec(400)).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let cfg = config(&sb, &db).write(&dir.path().join("config.toml"));
    let mut seen = String::new();
    let run = |c: &mut tokio::process::Command| {
        c.env("RUST_LOG", "trace");
        c.output()
    };
    // A good run, an incremental run after an expired token, a run with a revoked refresh
    // token, and a run with bad client credentials: every path that touches a secret.
    let out = run(command(&cfg).arg("sync")).await.unwrap();
    assert!(out.status.success(), "{}", text(&out));
    seen.push_str(&text(&out));
    sb.inject(FaultRule::new(Fault::ExpireTokens).times(1));
    sb.org(|o| {
        let id = o.leads.keys().next().unwrap().clone();
        o.set_stage(&id, "Follow Up", 0);
    });
    let out = run(command(&cfg).arg("sync")).await.unwrap();
    assert!(out.status.success(), "{}", text(&out));
    seen.push_str(&text(&out));
    sb.reject_refresh_token(true);
    let out = run(command(&cfg).arg("sync")).await.unwrap();
    assert!(!out.status.success());
    seen.push_str(&text(&out));
    sb.reject_refresh_token(false);
    let out = run(command(&cfg).arg("sync").env("ZOHO_CLIENT_SECRET", "wrong-secret-do-not-print")).await.unwrap();
    assert!(!out.status.success());
    seen.push_str(&text(&out));

    assert!(seen.contains("TRACE") || seen.contains("DEBUG"), "trace logging was on");
    let mut db_bytes = std::fs::read(&db).unwrap();
    if let Ok(wal) = std::fs::read(format!("{}-wal", db.display())) {
        db_bytes.extend(wal);
    }
    let db_text = String::from_utf8_lossy(&db_bytes);
    let mut secrets: Vec<String> =
        vec![sandbox::CLIENT_SECRET.into(), sandbox::REFRESH_TOKEN.into(), "wrong-secret-do-not-print".into()];
    let tokens = sb.issued_tokens();
    assert!(tokens.len() >= 3, "tokens were issued: {tokens:?}");
    secrets.extend(tokens);
    for s in &secrets {
        assert!(!seen.contains(s.as_str()), "secret {s:.12}… appeared in the output");
        assert!(!db_text.contains(s.as_str()), "secret {s:.12}… appeared in the database");
    }
}

/// kill -9 at many moments of a sync: the database is always the old data or the new data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_killed_at_any_moment_leaves_a_consistent_database() {
    let sb = support::sandbox(&spec(6_000)).await;
    // Each process refreshes its token once; this test starts more than Zoho's 10 per 10 min.
    sb.set_refresh_limit(100);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let cfg = config(&sb, &db).write(&dir.path().join("config.toml"));

    // The reference: the same sync, run in-process into another file.
    let reference = |name: &str| {
        let (path, sb) = (dir.path().join(name), &sb);
        async move {
            let store = support::synced_store(sb, &path).await;
            store::dump(&store.connect().unwrap()).unwrap()
        }
    };
    let empty = {
        let s = Store::open(&db).unwrap();
        store::dump(&s.connect().unwrap()).unwrap()
    };
    let full = reference("ref1.db").await;

    // How long a whole run takes here, to spread the kills over it.
    let t0 = std::time::Instant::now();
    let probe = dir.path().join("probe.db");
    let probe_cfg = config(&sb, &probe).write(&dir.path().join("probe.toml"));
    assert!(command(&probe_cfg).arg("sync").output().await.unwrap().status.success());
    let whole = t0.elapsed();

    let check = |expect: &[&String], label: &str| {
        let s = Store::open(&db).unwrap();
        let c = s.connect().unwrap();
        assert_eq!(c.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0)).unwrap(), "ok", "{label}");
        let now = store::dump(&c).unwrap();
        assert!(expect.iter().any(|e| **e == now), "{label}: the database is neither the old nor the new data");
        now
    };

    // Starts a sync and kills it (SIGKILL) after `at`, or lets it finish if it is quicker.
    let kill_after = |at: std::time::Duration| {
        let mut child = command(&cfg).arg("sync").stdout(std::process::Stdio::null()).spawn().unwrap();
        async move {
            tokio::time::sleep(at).await;
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
    };

    let mut finished = 0;
    for i in 1..=8u32 {
        let at = whole.mul_f64(i as f64 / 8.0);
        kill_after(at).await;
        let now = check(&[&empty, &full], &format!("first sync killed at {at:?}"));
        if now == full {
            finished += 1;
            // Back to empty for the next kill.
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
            }
        }
    }
    assert!(finished < 8, "at least one kill landed mid-sync");

    // Now an incremental run over a synced database.
    assert!(command(&cfg).arg("sync").output().await.unwrap().status.success());
    let before = check(&[&full], "after a completed sync");
    sb.org(|o| {
        let ids: Vec<String> = o.leads.keys().take(300).cloned().collect();
        for id in &ids[..200] {
            o.set_stage(id, "Proposal", 1);
        }
        for id in &ids[200..] {
            o.delete_lead(id);
        }
        o.advance(chrono::Duration::minutes(5));
    });
    // The reference for "after": sync a copy of the synced database in-process.
    std::fs::copy(&db, dir.path().join("ref2.db")).unwrap();
    let after = reference("ref2.db").await;
    assert_ne!(before, after);
    for i in 1..=6u32 {
        let at = whole.mul_f64(i as f64 / 12.0);
        kill_after(at).await;
        let now = check(&[&before, &after], &format!("incremental sync killed at {at:?}"));
        if now == after {
            break;
        }
    }
}

/// SIGTERM or Ctrl-C mid-sync: the run stops, nothing is written, the run is recorded as
/// interrupted, and the exit code says which signal (128 + its number).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_sync_is_recorded_and_changes_nothing() {
    let sb = support::sandbox(&spec(400)).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let cfg = config(&sb, &db).write(&dir.path().join("config.toml"));
    assert!(command(&cfg).arg("sync").output().await.unwrap().status.success());
    sb.org(|o| {
        let ids: Vec<String> = o.leads.keys().take(30).cloned().collect();
        for id in &ids {
            o.set_stage(id, "Proposal", 1);
        }
        o.advance(chrono::Duration::minutes(5));
    });
    let before = store::dump(&Store::open(&db).unwrap().connect().unwrap()).unwrap();
    for (signal, code, name) in [("TERM", 143, "SIGTERM"), ("INT", 130, "SIGINT (Ctrl-C)")] {
        // The Events list answers slowly; the signal arrives while the run waits for it.
        sb.clear_requests();
        sb.inject(FaultRule::new(Fault::Slow(std::time::Duration::from_millis(1500))).on("/Events").times(1));
        let mut c = command(&cfg);
        let child =
            c.arg("sync").stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
        let t0 = std::time::Instant::now();
        while !sb.requests().iter().any(|r| r.path.ends_with("/Leads")) {
            assert!(t0.elapsed() < std::time::Duration::from_secs(20), "the sync never listed leads");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let pid = child.id().unwrap().to_string();
        assert!(std::process::Command::new("kill").args([&format!("-{signal}"), &pid]).status().unwrap().success());
        let out = child.wait_with_output().await.unwrap();
        let t = text(&out);
        assert_eq!(out.status.code(), Some(code), "{t}");
        assert!(t.contains(&format!("sync interrupted by {name}: nothing was written.")), "{t}");
        assert!(t.contains("The last good data (synced") && t.contains("is unchanged"), "{t}");
        let s = Store::open(&db).unwrap();
        let c = s.connect().unwrap();
        assert_eq!(store::dump(&c).unwrap(), before, "{name}: the data is unchanged");
        let run = store::last_run(&c).unwrap().unwrap();
        assert_eq!((run.ok, run.error), (false, Some(format!("interrupted by {name}"))));
    }
    let out = command(&cfg).arg("sync").output().await.unwrap();
    assert!(text(&out).contains("0 created, 30 updated"), "{}", text(&out));
}

/// Runs the binary unable to write: as `nobody` when the tests run as root (root ignores file
/// modes), as the same user otherwise — the files are read-only either way.
fn as_reader(mut c: tokio::process::Command, dir: &Path) -> tokio::process::Command {
    use std::os::unix::fs::MetadataExt;
    let probe = dir.join(".owner");
    std::fs::write(&probe, b"").unwrap();
    if std::fs::metadata(&probe).unwrap().uid() == 0 {
        c.uid(65534).gid(65534);
    }
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_read_a_read_only_database_without_writing_and_the_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let sb = support::sandbox(&spec(400)).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let cfg = config(&sb, &db).write(&dir.path().join("config.toml"));
    let out = command(&cfg).arg("sync").output().await.unwrap();
    assert!(out.status.success(), "{}", text(&out));
    // The database holds the company's pipeline: its owner only.
    for f in [db.clone(), PathBuf::from(format!("{}-wal", db.display()))] {
        if let Ok(m) = std::fs::metadata(&f) {
            assert_eq!(m.permissions().mode() & 0o777, 0o600, "{}", f.display());
        }
    }

    // A read-only copy, in a read-only directory, with no -wal or -shm beside it.
    Store::open(&db).unwrap().connect().unwrap().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    let ro_db = ro.join("p.db");
    std::fs::copy(&db, &ro_db).unwrap();
    std::fs::set_permissions(&ro_db, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let ro_cfg = config(&sb, &ro_db).write(&dir.path().join("ro.toml"));
    std::fs::set_permissions(&ro_cfg, std::fs::Permissions::from_mode(0o644)).unwrap();
    let bytes = std::fs::read(&ro_db).unwrap();
    let mtime = std::fs::metadata(&ro_db).unwrap().modified().unwrap();

    for args in [&["report", "leads", "--format", "json"][..], &["report", "stale"], &["digest", "--dry-run"]] {
        let out = as_reader(command(&ro_cfg), dir.path()).args(args).output().await.unwrap();
        let t = text(&out);
        assert!(out.status.success(), "{args:?}: {t}");
        assert!(!t.contains("readonly") && !t.contains("read-only"), "{args:?}: {t}");
        if args[1] == "leads" {
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert!(v["rows"].as_array().is_some_and(|r| !r.is_empty()), "{args:?}: rows are read");
        }
    }
    assert_eq!(std::fs::read(&ro_db).unwrap(), bytes, "the file is unchanged");
    assert_eq!(std::fs::metadata(&ro_db).unwrap().modified().unwrap(), mtime);
    for suffix in ["-wal", "-shm", "-journal"] {
        assert!(!PathBuf::from(format!("{}{suffix}", ro_db.display())).exists(), "no {suffix} file was created");
    }
    // A copy taken with commits still in its -wal cannot be read without the -shm index:
    // refused with the reason, rather than showing the older data of the main file.
    let walled = dir.path().join("walled");
    std::fs::create_dir(&walled).unwrap();
    {
        let c = Store::open(&db).unwrap().connect().unwrap();
        c.execute("UPDATE leads SET company = 'Moved Inc' WHERE rowid = 1", []).unwrap();
        for suffix in ["", "-wal"] {
            std::fs::copy(format!("{}{suffix}", db.display()), format!("{}/p.db{suffix}", walled.display())).unwrap();
        }
    }
    assert!(std::fs::metadata(walled.join("p.db-wal")).unwrap().len() > 0);
    std::fs::set_permissions(&walled, std::fs::Permissions::from_mode(0o555)).unwrap();
    let walled_db = walled.join("p.db").display().to_string();
    let walled_cfg = config(&sb, &walled.join("p.db")).write(&dir.path().join("walled.toml"));
    std::fs::set_permissions(&walled_cfg, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = as_reader(command(&walled_cfg), dir.path()).args(["report", "leads"]).output().await.unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains(&walled_db) && t.contains("-wal file holds changes"), "{t}");

    // Reading a writable database writes nothing to it either.
    let bytes = std::fs::read(&db).unwrap();
    let out = command(&cfg).args(["report", "leads"]).output().await.unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(std::fs::read(&db).unwrap(), bytes);

    // A database error names the file.
    let bad = dir.path().join("bad.db");
    std::fs::write(&bad, vec![7u8; 8192]).unwrap();
    let bad_cfg = config(&sb, &bad).write(&dir.path().join("bad.toml"));
    for args in [&["report", "stale"][..], &["digest", "--dry-run"], &["sync"]] {
        let out = command(&bad_cfg).args(args).output().await.unwrap();
        let t = text(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {t}");
        assert!(t.contains(&bad.display().to_string()) && t.contains("not a database"), "{args:?}: {t}");
    }
}
