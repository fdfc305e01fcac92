//! `panopticon alerts --dry-run` against a database synced from the sandbox: the table and the
//! JSON agree with `report stale`, `--as-of` moves the moment (and a Saturday is held), bad
//! input is refused with exit 2 in words, and the dry run writes nothing at all.

mod support;

use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use panopticon_sandbox::Spec;
use serde_json::Value;
use support::{run, ConfigFile};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 14, 0, 0).unwrap()
}

async fn setup(dir: &Path) -> PathBuf {
    let sb = support::sandbox(&Spec { seed: 8, ..Spec::demo(now()) }).await;
    let config = ConfigFile::sandbox(&sb, &dir.join("p.db")).write(&dir.join("config.toml"));
    let out = run(&config, &["sync"]).await;
    assert!(out.0 == Some(0), "{}", out.1);
    // The sandbox is served by `sb`: the sync is done, so it may go.
    drop(sb);
    config
}

/// The database's bytes (and its WAL's, if any): what a dry run must leave alone.
fn bytes(dir: &Path) -> Vec<Vec<u8>> {
    ["p.db", "p.db-wal"].iter().map(|f| std::fs::read(dir.join(f)).unwrap_or_default()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_prints_the_pass_as_table_and_json_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = setup(dir.path()).await;
    let before = bytes(dir.path());
    let at = "2026-11-20T10:00";
    let (code, table, err) = run(&config, &["alerts", "--dry-run", "--as-of", at]).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(table.starts_with("Alerts pass as of Fri 20 Nov 2026 10:00 EST"), "{table}");
    assert!(table.contains("Baseline: no pass has run yet"), "{table}");
    assert!(!table.contains("Held"), "a Friday morning is inside the window: {table}");
    let (code, out, err) = run(&config, &["alerts", "--dry-run", "--as-of", at, "--format", "json"]).await;
    assert_eq!(code, Some(0), "{err}");
    let plan: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(plan["baseline"], true);
    assert_eq!(plan["open"], true);
    let items: Vec<&Value> =
        plan["groups"].as_array().unwrap().iter().flat_map(|g| g["items"].as_array().unwrap()).collect();
    let stale: Vec<&str> =
        items.iter().filter(|i| i["tier"] == "stale").map(|i| i["lead_id"].as_str().unwrap()).collect();
    // The same leads `report stale` lists at that moment, each once.
    let (code, rep, err) = run(&config, &["report", "stale", "--as-of", at, "--format", "json"]).await;
    assert_eq!(code, Some(0), "{err}");
    let rep: Value = serde_json::from_str(&rep).unwrap();
    let mut listed: Vec<&str> = rep["rows"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    let mut said = stale.clone();
    listed.sort();
    said.sort();
    assert!(!said.is_empty());
    assert_eq!(said, listed);
    for i in &items {
        let want = match i["tier"].as_str().unwrap() {
            "stale" => "stale",
            "at_risk" => "at_risk",
            _ => continue,
        };
        assert_eq!(i["row"]["status"], want, "{i}");
    }
    // Each group holds one locator's leads, and the table names each of them.
    for g in plan["groups"].as_array().unwrap() {
        assert!(g["items"].as_array().unwrap().iter().all(|i| i["row"]["locator"] == g["locator"]));
        if let Some(l) = g["locator"].as_str() {
            assert!(table.contains(l), "{l} missing from the table");
        }
    }
    // A Saturday is not an alert day: held until Monday.
    let (code, sat, err) = run(&config, &["alerts", "--dry-run", "--as-of", "2026-11-21T10:00"]).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(
        sat.contains(
            "Held: outside the alert days or in quiet hours — nothing goes out until Mon 23 Nov 2026 00:00 EST"
        ),
        "{sat}"
    );
    assert_eq!(bytes(dir.path()), before, "a dry run wrote to the database");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let config = setup(dir.path()).await;
    let (code, _, err) = run(&config, &["alerts", "--dry-run", "--as-of", "next tuesday-ish"]).await;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("next tuesday-ish"), "the message names what was typed: {err}");
    let (code, _, err) = run(&config, &["alerts", "--as-of", "2026-11-20"]).await;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--as-of goes with --dry-run"), "{err}");
    let (code, _, err) = run(&config, &["alerts", "--dry-run", "--format", "csv"]).await;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("csv"), "{err}");
    let empty = tempfile::tempdir().unwrap();
    let none = ConfigFile::offline(&empty.path().join("missing.db")).write(&empty.path().join("c.toml"));
    let (code, _, err) = run(&none, &["alerts", "--dry-run"]).await;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("run `panopticon sync` first"), "{err}");
}
