//! /refresh: one sync at a time however many ask, its result shown to each, a failure shown in
//! the views that keep answering from the last good data — and no secret in the bot's log.

use panopticon_sandbox::{Fault, FaultRule};
use serde_json::json;

use crate::support::bot::*;
use crate::support::fake_discord::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_syncs_once_at_a_time_and_failures_show_in_views() {
    // Three /refresh in a row: no cooldown here (bot_ops.rs tests it).
    let mut bot = spawn_bot(&format!("{NO_DIGEST}[sync]\nrefresh_cooldown = 0\n")).await;
    let fake = &bot.fake;
    let me = Who::member();
    // A slow Zoho: the first sync takes a few seconds, long enough for a second /refresh.
    bot.sandbox.inject(FaultRule::new(Fault::Slow(std::time::Duration::from_millis(2500))).on("/users").times(1));
    bot.sandbox.org(|o| {
        let id = o.leads.keys().next().unwrap().clone();
        o.set_stage(&id, "Follow Up", 0);
    });
    let first = fake.slash("refresh", json!([]), &me, CHANNEL);
    last_content(fake, &first, "Syncing").await;
    let second = fake.slash("refresh", json!([]), &me, CHANNEL);
    assert!(last_content(fake, &second, "already running").await.contains("already running"));
    let done = last_content(fake, &first, "✅").await;
    assert!(done.contains("Incremental sync") && done.contains("1 updated") && done.contains("API calls"), "{done}");
    let seen = last_content(fake, &second, "✅").await;
    assert_eq!(seen, done, "the second caller sees the same result");
    // One sync ran for both callers: each sync refreshes its token once, and the setup's sync
    // took the first.
    assert_eq!(bot.sandbox.tokens_issued(), 2);

    // Zoho down: the refresh says so, and views keep answering from the last good data.
    bot.sandbox.inject(FaultRule::new(Fault::ServerError).always());
    let t = fake.slash("refresh", json!([]), &me, CHANNEL);
    let failed = last_content(fake, &t, "failed").await;
    assert!(failed.contains("The sync failed") && failed.contains("server error 500"), "{failed}");
    let t = fake.slash("stale", json!([]), &me, CHANNEL);
    let (m, files) = answer(fake, &t).await;
    let d = embed(&m)["description"].as_str().unwrap();
    assert!(d.contains("⚠️") && d.contains("The last sync failed") && d.contains("showing data from"), "{d}");
    assert!(!files.is_empty());
    assert_eq!(fake.violations(), Vec::<String>::new());

    // No secret in anything the bot logged at trace level.
    let _ = bot.child.start_kill();
    let _ = bot.child.wait().await;
    let logged = std::fs::read_to_string(&bot.log).unwrap();
    assert!(logged.contains("TRACE") || logged.contains("DEBUG"), "trace logging was on");
    assert_no_secret(&logged, &secrets(&bot.sandbox), "the bot's log");
}
