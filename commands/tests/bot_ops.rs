//! The bot left running by itself (issue 11): it syncs on its own schedule and the views show
//! the change without /refresh; /refresh has a cooldown; its logs are JSON on request, one line
//! per command and per sync, with no secret in them; SIGTERM during a sync stops it within a
//! bounded time, with the run recorded and the data whole.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use panopticon::config::RulesConfig;
use panopticon::store::{self, Store};
use panopticon::views::list::{self, ListKind};
use panopticon::views::{Context, Filter, Snapshot};
use panopticon_sandbox::{Fault, FaultRule};
use serde_json::{json, Value};
use support::bot::{
    assert_no_secret, last_content as content, secrets, spawn_bot_with, BotOptions, TestBot, NO_DIGEST,
};
use support::fake_discord::*;

/// Starts `panopticon run` on the demo org (synced once first) with `extra` config, logging at
/// its default level (no RUST_LOG: that default is what these tests check) to a file. A long
/// Zoho timeout: the shutdown test holds a request open on purpose.
async fn start_bot(extra: &str) -> TestBot {
    let tail = format!("{NO_DIGEST}{extra}");
    spawn_bot_with(BotOptions { tail: &tail, zoho_timeout_secs: 60, rust_log: None }).await
}

/// The stale leads in the database now, most overdue first.
fn stale_ids(db: &Path) -> Vec<String> {
    let s = Snapshot::load(&Store::open(db).unwrap().connect().unwrap()).unwrap();
    let rules = RulesConfig::default();
    let now = chrono::Utc::now();
    let ctx =
        Context { as_of: now, now, rules: &rules, max_sync_age: Duration::from_secs(86400), crm_url: String::new() };
    list::build(&s, &ctx, ListKind::Stale, &Filter::default(), None).rows.iter().map(|r| r.id.clone()).collect()
}

/// The title of the view interaction `token` ended with.
async fn title(fake: &FakeDiscord, token: &str) -> String {
    fake.wait_for(30, |log| {
        log.iter()
            .rev()
            .filter(|r| r.path.starts_with("/webhooks/") && r.path.contains(&format!("/{token}")))
            .find_map(|r| r.body["embeds"][0]["title"].as_str().map(str::to_string))
    })
    .await
}

/// How many sync runs the database records.
fn run_count(db: &Path) -> u64 {
    store::count_runs(&Store::open(db).unwrap().connect().unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_syncs_by_itself_and_logs_one_json_line_per_command_and_sync() {
    let mut bot = start_bot("[sync]\nevery = \"3s\"\n[ops]\nlog_format = \"json\"\n").await;
    let me = Who::member();
    let stale = stale_ids(&bot.db);
    let before = stale.len();
    assert!(before > 1, "the demo org has stale leads");
    let t = bot.fake.slash("stale", json!([]), &me, CHANNEL);
    assert_eq!(title(&bot.fake, &t).await, format!("🔴 Stale — {before} leads"));

    // Someone closes a stale lead in Zoho. Nobody types /refresh.
    bot.sandbox.org(|o| {
        o.set_stage(&stale[0], "Dead", 0);
    });
    let changed = Instant::now();
    let want = format!("🔴 Stale — {} leads", before - 1);
    let mut seen = String::new();
    // One interval (3 s, plus at most 5% jitter) and the sync itself; a slow shared machine
    // gets a margin, but /stale is asked again only every second.
    while changed.elapsed() < Duration::from_secs(30) {
        let t = bot.fake.slash("stale", json!([]), &me, CHANNEL);
        seen = title(&bot.fake, &t).await;
        if seen == want {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert_eq!(seen, want, "the view shows the change without /refresh");
    assert!(bot.fake.requests().iter().all(|r| !r.path.contains("refresh")));

    let _ = bot.child.start_kill();
    let _ = bot.child.wait().await;
    let logged = std::fs::read_to_string(&bot.log).unwrap();
    assert!(!logged.contains('\u{1b}'), "no ANSI escapes in a log file");
    let lines: Vec<Value> = logged
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let command = lines
        .iter()
        .find(|l| l["fields"]["message"] == json!("command") && l["fields"]["command"] == json!("stale"))
        .unwrap_or_else(|| panic!("a line per command: {logged}"));
    assert_eq!(command["level"], json!("INFO"));
    assert_eq!(command["fields"]["user"], json!(me.user));
    assert_eq!(command["fields"]["outcome"], json!("ok"));
    assert!(command["fields"]["latency_ms"].is_u64(), "{command}");
    assert_eq!(command["span"]["command"], json!("stale"), "the span names the command: {command}");
    assert!(command["span"]["interaction"].is_u64(), "and the interaction: {command}");
    let sync = lines
        .iter()
        .find(|l| {
            l["fields"]["message"] == json!("sync")
                && l["fields"]["trigger"] == json!("schedule")
                && l["fields"]["updated"].as_u64().is_some_and(|n| n >= 1)
        })
        .unwrap_or_else(|| panic!("a line per sync: {logged}"));
    assert_eq!(sync["fields"]["outcome"], json!("ok"));
    assert!(sync["fields"]["duration_ms"].is_u64() && sync["fields"]["api_calls"].is_u64(), "{sync}");
    assert_no_secret(&logged, &secrets(&bot.sandbox), "the bot's log");
    // The scheduled syncs shared one client, so one token: Zoho allows 10 refreshes in 10 minutes.
    assert_eq!(bot.sandbox.tokens_issued(), 2, "the setup's sync took the first");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_refresh_within_the_cooldown_is_told_when_it_may_run() {
    let bot = start_bot("[sync]\nevery = \"off\"\nrefresh_cooldown = \"1h\"\n").await;
    let me = Who::member();
    let t = bot.fake.slash("refresh", json!([]), &me, CHANNEL);
    content(&bot.fake, &t, "✅").await;
    let runs_after_first = run_count(&bot.db);
    let again = bot.fake.slash("refresh", json!([]), &me, CHANNEL);
    let said = content(&bot.fake, &again, "next is possible").await;
    assert!(said.starts_with("⏳ /refresh ran less than 60 min ago") && said.contains("<t:"), "{said}");
    let seen = bot.fake.seen(&again);
    assert_eq!(seen.len(), 1);
    assert!(seen[0].ephemeral, "only the asker sees the refusal");
    assert_eq!(run_count(&bot.db), runs_after_first, "no second sync ran");
    assert_eq!(bot.fake.violations(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_sync_stops_the_bot_with_the_run_recorded_and_the_data_whole() {
    let mut bot = start_bot("[sync]\nevery = \"off\"\n").await;
    let me = Who::member();
    let stale = stale_ids(&bot.db);
    let (leads_before, runs_before) = {
        let c = Store::open(&bot.db).unwrap().connect().unwrap();
        (c.query_row("SELECT count(*) FROM leads", [], |r| r.get::<_, i64>(0)).unwrap(), store::count_runs(&c).unwrap())
    };
    // A change in Zoho and a slow Zoho: the sync is still reading when the signal comes.
    bot.sandbox.org(|o| {
        o.set_stage(&stale[0], "Dead", 0);
    });
    bot.sandbox.inject(FaultRule::new(Fault::Slow(Duration::from_secs(30))).on("/users").times(1));
    let t = bot.fake.slash("refresh", json!([]), &me, CHANNEL);
    content(&bot.fake, &t, "Syncing").await;
    // The sync has begun once it has its token (the setup's sync took the first); then it waits
    // on the slow /users.
    let begun = Instant::now();
    while bot.sandbox.tokens_issued() < 2 {
        assert!(begun.elapsed() < Duration::from_secs(20), "the sync never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let pid = bot.child.id().expect("running").to_string();
    let signalled = Instant::now();
    let kill = std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(kill.success());
    let status = tokio::time::timeout(Duration::from_secs(20), bot.child.wait())
        .await
        .expect("the bot stops within a bounded time")
        .unwrap();
    let took = signalled.elapsed();
    let logged = std::fs::read_to_string(&bot.log).unwrap();
    assert!(status.success(), "exit 0 after a graceful stop: {status:?}\n{logged}");
    assert!(took < Duration::from_secs(12), "stopped in {took:?}");
    assert!(logged.contains("shutting down") && logged.contains("gateway closed"), "{logged}");

    let c = Store::open(&bot.db).unwrap().connect().unwrap();
    let ok: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ok, "ok");
    assert_eq!(store::count_runs(&c).unwrap(), runs_before + 1, "the interrupted run is recorded");
    let last = store::last_run(&c).unwrap().unwrap();
    assert!(!last.ok && last.error.as_deref() == Some("interrupted by SIGTERM"), "{last:?}");
    // Old data, whole: the run wrote nothing, so the lead is as it was and none went missing.
    let stage: String = c.query_row("SELECT stage FROM leads WHERE id = ?1", [&stale[0]], |r| r.get(0)).unwrap();
    assert_ne!(stage, "Dead");
    let leads: i64 = c.query_row("SELECT count(*) FROM leads", [], |r| r.get(0)).unwrap();
    assert_eq!(leads, leads_before);
}
