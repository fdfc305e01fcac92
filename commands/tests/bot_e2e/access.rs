//! Who may use the bot, and what they see when something goes wrong: strangers, other
//! channels, direct messages and forged ids refused politely; errors after the acknowledgement
//! shown to the asker alone; a token Discord rejects stopping the bot with what to do.

use panopticon::store::Store;
use serde_json::{json, Value};

use crate::support::bot::*;
use crate::support::fake_discord::*;
use crate::support::{panopticon, ConfigFile};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strangers_wrong_channels_dms_and_forged_ids_are_refused_politely() {
    let bot = spawn_bot(NO_DIGEST).await;
    let fake = &bot.fake;
    let ephemeral = |v: &Value| v["flags"].as_u64().is_some_and(|f| f & 64 != 0);

    let t = fake.slash("stale", json!([]), &Who::stranger(), CHANNEL);
    let (m, _) = answer(fake, &t).await;
    assert!(ephemeral(&m) && m["content"].as_str().unwrap().contains("role"), "{m}");

    let t = fake.slash("stale", json!([]), &Who::member(), OTHER_CHANNEL);
    let (m, _) = answer(fake, &t).await;
    assert!(ephemeral(&m) && m["content"].as_str().unwrap().contains(&format!("<#{CHANNEL}>")), "{m}");

    let admin = Who { admin: true, roles: vec![], ..Who::stranger() };
    let t = fake.slash("help", json!([]), &admin, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    assert!(m["content"].as_str().unwrap().contains("/stale"), "administrators may: {m}");

    let msg = message_json(9, &json!({}));
    for forged in ["pn1.s.0.zzzzzzzzzzzzz.-.-.0.-.-.n", "next", "pn2.s.1.0.-.-.0.-.-.n", "pn1.s.0.0.aaaaaa.-.0.-.-.n"] {
        let t = fake.click(forged, None, &msg, &Who::member(), CHANNEL);
        let (m, _) = answer(fake, &t).await;
        assert!(ephemeral(&m) && m["content"].as_str().unwrap().contains("expired"), "{forged}: {m}");
    }
    let t = fake.click("pn1.s.1.0.-.-.0.-.-.n", None, &msg, &Who::stranger(), CHANNEL);
    let (m, _) = answer(fake, &t).await;
    assert!(ephemeral(&m) && m["content"].as_str().unwrap().contains("role"), "clicks are checked too: {m}");

    let t = fake.slash("stale", json!([]), &Who::dm(), CHANNEL);
    fake.wait_for(20, |log| log.iter().find(|r| r.path.contains(&format!("/{t}/callback"))).cloned()).await;
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_after_the_acknowledgement_reach_only_the_asker() {
    let bot = spawn_bot(NO_DIGEST).await;
    let fake = &bot.fake;
    let me = Who::member();
    let conn = Store::open(&bot.db).unwrap().connect().unwrap();
    let id: String = conn.query_row("SELECT id FROM leads ORDER BY id LIMIT 1", [], |r| r.get(0)).unwrap();
    // A damaged database: a lead's story can no longer be read (found, but not told).
    conn.execute_batch("ALTER TABLE stage_changes RENAME TO stage_changes_gone").unwrap();
    let t = fake.slash("lead", json!([{"name": "name", "type": 3, "value": id}]), &me, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    assert!(m["content"].as_str().unwrap_or("").contains("Sorry — that did not work"), "{m}");
    assert_eq!(first_callback(fake, &t), Some(5), "acknowledged before any work");
    let shown = fake.seen(&t);
    assert_eq!(shown.len(), 1, "only the error is left on screen: {shown:#?}");
    assert!(shown[0].ephemeral, "the error is seen by the asker alone: {shown:#?}");

    // Broken before anything is read: the command is still acknowledged first, then told
    // privately — never a late first answer that waited on the database.
    conn.execute_batch("ALTER TABLE sync_runs RENAME TO sync_runs_gone").unwrap();
    let t = fake.slash("stale", json!([]), &me, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    assert!(m["content"].as_str().unwrap_or("").contains("Sorry"), "{m}");
    assert_eq!(first_callback(fake, &t), Some(5), "acknowledged before the database was read");
    let shown = fake.seen(&t);
    assert!(shown.len() == 1 && shown[0].ephemeral, "{shown:#?}");

    // A typo in a name is found after the acknowledgement too, and stays private.
    let t = fake.slash("atrisk", json!([{"name": "locator", "type": 3, "value": "Dana Whitfeld"}]), &me, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    let shown = fake.seen(&t);
    assert!(shown.len() == 1 && shown[0].ephemeral, "{m} {shown:#?}");
    assert_eq!(fake.violations(), Vec::<String>::new());
}

/// Runs `panopticon run` with `token` until it stops by itself (at most `secs`).
async fn run_until_it_stops(cfg: &std::path::Path, token: &str, secs: u64) -> std::process::Output {
    let child = panopticon(cfg).arg("run").env("DISCORD_TOKEN", token).env("RUST_LOG", "warn").output();
    tokio::time::timeout(std::time::Duration::from_secs(secs), child)
        .await
        .expect("the bot stops by itself when Discord rejects its token")
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_discord_rejects_stops_the_bot_naming_discord_token() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeDiscord::start().await;
    let cfg = ConfigFile::offline(&dir.path().join("p.db"))
        .discord(&fake.api)
        .then(NO_DIGEST)
        .write(&dir.path().join("config.toml"));
    // A wrong token: Discord answers 401 everywhere and closes the gateway with 4004.
    fake.accept_only("the-real-token", true);
    let wrong = "wrong-token-5f3a9c";
    let out = run_until_it_stops(&cfg, wrong, 30).await;
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("Discord rejected DISCORD_TOKEN") && said.contains("developer portal"), "{said}");
    assert!(!said.contains(wrong), "the token is never printed: {said}");

    // Revoked while REST still answers: the gateway's 4004 stops it the same way.
    fake.accept_only("the-real-token", false);
    let out = run_until_it_stops(&cfg, wrong, 30).await;
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("Discord rejected DISCORD_TOKEN") && said.contains("4004"), "{said}");
    assert!(!said.contains(wrong), "{said}");
}
