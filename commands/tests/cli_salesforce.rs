//! The `panopticon` binary on Salesforce (`[crm] kind = "salesforce"`) against the Salesforce
//! sandbox: sync and status (the API usage line), doctor's Salesforce checks, missing secrets
//! named, no secret in any output or the database, and kill -9 mid-sync leaving the database
//! either as it was or fully synced.

mod support;

use std::path::{Path, PathBuf};

use chrono::TimeZone;
use panopticon::config::{AppointmentSource, CrmKind, RulesConfig, SalesforceConfig};
use panopticon::crm::salesforce::SalesforceClient;
use panopticon::store::{self, Store};
use panopticon::sync::{self, NoProgress, SyncSettings};
use panopticon_sandbox::salesforce::{
    SalesforceSandbox, SfFault, SfFaultRule, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN,
};
use panopticon_sandbox::{generate, Spec};
use support::{panopticon as command, text, ConfigFile};

fn spec(leads: usize) -> Spec {
    Spec::scaled(5, leads, chrono::Utc.with_ymd_and_hms(2026, 11, 20, 14, 0, 0).unwrap())
}

/// A config pointing the binary at the Salesforce sandbox and `db`, quick to give up.
fn config(sb: &SalesforceSandbox, db: &Path, dir: &Path) -> PathBuf {
    ConfigFile::offline(db)
        .then(&format!(
            "[crm]\nkind = \"salesforce\"\n[salesforce]\nlogin_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\n\
             timeout_secs = 2\nretry_base_ms = 20\nmax_retries = 2\n",
            sb.url()
        ))
        .write(&dir.join("config.toml"))
}

/// The binary with the sandbox's Salesforce secrets in its environment.
fn sf(cfg: &Path) -> tokio::process::Command {
    let mut c = command(cfg);
    c.env("SALESFORCE_CLIENT_SECRET", CLIENT_SECRET).env("SALESFORCE_REFRESH_TOKEN", REFRESH_TOKEN);
    c
}

async fn sandbox(leads: usize) -> SalesforceSandbox {
    SalesforceSandbox::start(generate(&spec(leads))).await.expect("the sandbox starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_then_status_shows_the_salesforce_api_usage() {
    let sb = sandbox(300).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&sb, &dir.path().join("p.db"), dir.path());
    let out = sf(&cfg).arg("sync").output().await.unwrap();
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(t.contains("First sync: 300 created, 0 updated, 0 deleted"), "{t}");
    assert!(
        t.lines().any(|l| l.starts_with("API calls: ") && l.contains("Lead 1") && l.contains("LeadHistory")),
        "{t}"
    );
    let out = sf(&cfg).arg("status").output().await.unwrap();
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    let used = sb.api_usage();
    assert!(t.contains(&format!("Salesforce API: {used} of 15,000 calls used in the last 24 h (as of ")), "{t}");
    assert!(t.contains("Last sync") && t.contains("— ok: 300 created"), "{t}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_salesforce_secrets_are_named_and_exit_2() {
    let sb = sandbox(10).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&sb, &dir.path().join("p.db"), dir.path());
    let out = sf(&cfg).env_remove("SALESFORCE_REFRESH_TOKEN").arg("sync").output().await.unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("SALESFORCE_REFRESH_TOKEN is not set"), "{}", text(&out));
    // `panopticon lead` on Salesforce: the id is read as a Salesforce id, and with actions on and
    // a synced copy, the missing secret is said before anything is written.
    assert!(sf(&cfg).arg("sync").output().await.unwrap().status.success());
    let actions = dir.path().join("actions");
    std::fs::create_dir_all(&actions).unwrap();
    let with_actions = ConfigFile::offline(&dir.path().join("p.db"))
        .then(&format!(
            "[crm]\nkind = \"salesforce\"\n[salesforce]\nlogin_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\n\
             [actions]\nenabled = true\n",
            sb.url()
        ))
        .write(&actions.join("config.toml"));
    let lead =
        panopticon_sandbox::salesforce::sf_id("00Q", sb.org(|o| o.leads.keys().next().unwrap().clone()).as_str());
    let out = sf(&with_actions)
        .env_remove("SALESFORCE_CLIENT_SECRET")
        .args(["lead", &lead, "note", "hi"])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("SALESFORCE_CLIENT_SECRET is not set"), "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_checks_sign_in_fields_history_tracking_objects_and_usage() {
    let sb = sandbox(100).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&sb, &dir.path().join("p.db"), dir.path());
    let out = sf(&cfg).arg("doctor").output().await.unwrap();
    let t = text(&out);
    for line in [
        "✓ PASS  Salesforce sign-in   ",
        "✓ PASS  Salesforce fields    Lead has Status, OwnerId",
        "✓ PASS  Salesforce history   LeadHistory records Lead.Status",
        "✓ PASS  Salesforce objects   User, Lead, Event, Opportunity, Task, Account, Contact readable",
        "✓ PASS  Salesforce API usage ",
    ] {
        assert!(t.contains(line), "{line}\n{t}");
    }
    assert!(t.contains("scopes: api refresh_token"), "{t}");
    assert!(!t.contains(CLIENT_SECRET) && !t.contains(REFRESH_TOKEN), "{t}");
    sb.set_history_tracking(false);
    let t = text(&sf(&cfg).arg("doctor").output().await.unwrap());
    assert!(
        t.contains(
            "✗ FAIL  Salesforce history   field history tracking is off for Lead.Status: stage history cannot be read; \
             turn it on in Setup → Object Manager → Lead → Fields & Relationships → Set History Tracking"
        ),
        "{t}"
    );
}

/// Every byte the process writes, and the database, searched for every secret in play.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_appear_in_logs_errors_or_the_database() {
    let sb = sandbox(200).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let cfg = config(&sb, &db, dir.path());
    let mut seen = String::new();
    // A first sync, one with every session expired mid-run (a new sign-in), one Salesforce
    // refuses for good, and one with a wrong client secret: every path that touches a secret.
    let out = sf(&cfg).env("RUST_LOG", "trace").arg("sync").output().await.unwrap();
    assert!(out.status.success(), "{}", text(&out));
    seen.push_str(&text(&out));
    sb.inject(SfFaultRule::new(SfFault::ExpireTokens).after(3));
    sb.org(|o| o.advance(chrono::Duration::minutes(5)));
    let out = sf(&cfg).env("RUST_LOG", "trace").arg("sync").output().await.unwrap();
    assert!(out.status.success(), "{}", text(&out));
    seen.push_str(&text(&out));
    sb.inject(SfFaultRule::new(SfFault::SessionNotForRest).always());
    let out = sf(&cfg).env("RUST_LOG", "trace").arg("sync").output().await.unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    seen.push_str(&text(&out));
    sb.clear_faults();
    let out = sf(&cfg)
        .env("RUST_LOG", "trace")
        .env("SALESFORCE_CLIENT_SECRET", "wrong-secret-do-not-print")
        .arg("sync")
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    seen.push_str(&text(&out));
    seen.push_str(&text(&sf(&cfg).arg("status").output().await.unwrap()));
    let mut secrets = vec![CLIENT_SECRET.to_string(), REFRESH_TOKEN.to_string(), "wrong-secret-do-not-print".into()];
    let tokens = sb.issued_tokens();
    assert!(tokens.len() >= 3, "each run signed in, one twice: {}", tokens.len());
    secrets.extend(tokens);
    let mut db_bytes = Vec::new();
    for suffix in ["", "-wal"] {
        db_bytes.extend(std::fs::read(format!("{}{suffix}", db.display())).unwrap_or_default());
    }
    let db_text = String::from_utf8_lossy(&db_bytes);
    for s in &secrets {
        assert!(!seen.contains(s.as_str()), "secret {s:.12}… appeared in the output");
        assert!(!db_text.contains(s.as_str()), "secret {s:.12}… appeared in the database");
    }
}

/// The same sync, run in this process into `db`.
async fn synced(sb: &SalesforceSandbox, db: &Path) -> String {
    let s = Store::open(db).unwrap();
    let cfg = SalesforceConfig::local(&sb.url(), panopticon_sandbox::salesforce::CREDENTIALS);
    let client = SalesforceClient::new(&cfg, AppointmentSource::Events).unwrap();
    let settings = SyncSettings {
        crm: CrmKind::Salesforce,
        appointments: AppointmentSource::Events,
        rules: RulesConfig::default(),
        concurrency: 4,
        keep_runs_days: store::DEFAULT_KEEP_DAYS,
    };
    sync::run(&s, &client, &settings, false, &NoProgress).await.unwrap();
    store::dump(&s.connect().unwrap()).unwrap()
}

/// kill -9 at many moments of `panopticon sync` on Salesforce: always the old or the new data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_salesforce_sync_killed_at_any_moment_leaves_a_consistent_database() {
    let sb = sandbox(4_000).await;
    // Small pages: many requests, so kills land between them.
    sb.set_max_page(500);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let cfg = config(&sb, &db, dir.path());
    let empty = store::dump(&Store::open(&db).unwrap().connect().unwrap()).unwrap();
    let full = synced(&sb, &dir.path().join("ref1.db")).await;

    let t0 = std::time::Instant::now();
    let probe_dir = dir.path().join("probe");
    std::fs::create_dir_all(&probe_dir).unwrap();
    let probe = config(&sb, &probe_dir.join("p.db"), &probe_dir);
    assert!(sf(&probe).arg("sync").output().await.unwrap().status.success());
    let whole = t0.elapsed();

    let check = |expect: &[&String], label: &str| {
        let c = Store::open(&db).unwrap().connect().unwrap();
        assert_eq!(c.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0)).unwrap(), "ok", "{label}");
        let now = store::dump(&c).unwrap();
        assert!(expect.iter().any(|e| **e == now), "{label}: the database is neither the old nor the new data");
        now
    };
    let kill_after = |at: std::time::Duration| {
        let mut child = sf(&cfg).arg("sync").stdout(std::process::Stdio::null()).spawn().unwrap();
        async move {
            tokio::time::sleep(at).await;
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
    };
    let mut finished = 0;
    for i in 1..=6u32 {
        let at = whole.mul_f64(i as f64 / 6.0);
        kill_after(at).await;
        if check(&[&empty, &full], &format!("first sync killed at {at:?}")) == full {
            finished += 1;
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
            }
        }
    }
    assert!(finished < 6, "at least one kill landed mid-sync");
}
