//! The real bot (`panopticon run`) against a fake Discord on 127.0.0.1, driven as a user would:
//! slash commands with options, paging forward and back, filters, drill-down, autocomplete,
//! forged custom_ids, a member without the role, the wrong channel, a direct message, a broken
//! database, a token Discord rejects. Every payload the bot sends is checked against Discord's
//! documented limits, and who sees each message is modelled as Discord shows it.

mod fake_discord;

use std::path::PathBuf;

use fake_discord::*;
use panopticon::config::{AppointmentSource, RulesConfig};
use panopticon::crm::sandbox::{generate, Fault, FaultRule, Sandbox, Spec};
use panopticon::crm::zoho::ZohoClient;
use panopticon::store::Store;
use panopticon::sync::{self, NoProgress, SyncSettings};
use panopticon::views::list::{self, ListKind};
use panopticon::views::state::{short_hash, ViewState};
use panopticon::views::{Context, Filter, Snapshot};
use serde_json::{json, Value};

struct Bot {
    cfg: PathBuf,
    fake: FakeDiscord,
    child: tokio::process::Child,
    _dir: tempfile::TempDir,
    db: PathBuf,
    sandbox: Sandbox,
    log: PathBuf,
}

async fn start_bot() -> Bot {
    start_bot_with("[digest]\ndays = []\n").await
}

/// Starts `panopticon run` with this config, logging at trace level to `log`.
fn spawn_bot(cfg: &std::path::Path, log: &std::path::Path) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_panopticon"))
        .arg("--config")
        .arg(cfg)
        .arg("run")
        .env("DISCORD_TOKEN", DISCORD_TOKEN)
        .env("ZOHO_CLIENT_SECRET", panopticon::crm::sandbox::CLIENT_SECRET)
        .env("ZOHO_REFRESH_TOKEN", panopticon::crm::sandbox::REFRESH_TOKEN)
        .env("RUST_LOG", "trace")
        .env_remove("PANOPTICON_CONFIG")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

/// A bot whose config ends with `extra` (the [digest] and [rules] sections).
async fn start_bot_with(extra: &str) -> Bot {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    // Data: the demo org synced through the real client.
    let now = chrono::Utc::now();
    let sb = Sandbox::start(generate(&Spec::demo(now))).await.unwrap();
    let store = Store::open(&db).unwrap();
    let client = ZohoClient::new(&sb.zoho_config(), AppointmentSource::Events).unwrap();
    let settings = SyncSettings {
        appointments: AppointmentSource::Events,
        rules: RulesConfig::default(),
        concurrency: 5,
        keep_runs_days: panopticon::store::DEFAULT_KEEP_DAYS,
    };
    sync::run(&store, &client, &settings, false, &NoProgress).await.unwrap();
    let fake = FakeDiscord::start().await;
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "[zoho]\nclient_id = \"{id}\"\naccounts_url = \"{z}\"\napi_domain = \"{z}\"\ntimeout_secs = 5\nmax_retries = 1\n\
             retry_base_ms = 10\n[storage]\npath = \"{db}\"\n[discord]\nguild_id = {GUILD}\nchannel_id = {CHANNEL}\n\
             allowed_roles = [{ROLE}]\napi_base = \"{api}\"\n{extra}",
            id = panopticon::crm::sandbox::CLIENT_ID,
            z = sb.url(),
            db = db.display(),
            api = fake.api
        ),
    )
    .unwrap();
    // Everything the bot logs, at trace level, to search for secrets.
    let log = dir.path().join("bot.log");
    let child = spawn_bot(&cfg, &log);
    let names = fake.ready().await;
    for c in
        ["stale", "atrisk", "leads", "calendar", "lead", "pipeline", "locators", "refresh", "status", "help", "digest"]
    {
        assert!(names.contains(&c.to_string()), "{c} registered: {names:?}");
    }
    Bot { cfg, fake, child, _dir: dir, db, sandbox: sb, log }
}

const DISCORD_TOKEN: &str = "fake-bot-token-0123456789abcdef";

/// The message an interaction ended with: its payload (followup, edit or callback) and files.
async fn answer(fake: &FakeDiscord, token: &str) -> (Value, Vec<(String, Vec<u8>)>) {
    fake.wait_for(30, |log| {
        log.iter()
            .rev()
            .find(|r| {
                r.path.contains(&format!("/{token}"))
                    && r.method != "DELETE"
                    && (r.path.starts_with("/webhooks/") || r.body.get("type") == Some(&json!(4)))
            })
            .map(|r| {
                (
                    if r.path.starts_with("/webhooks/") { r.body.clone() } else { r.body["data"].clone() },
                    r.files.clone(),
                )
            })
    })
    .await
}

fn embed(v: &Value) -> &Value {
    &v["embeds"][0]
}

fn components(v: &Value) -> Vec<Value> {
    v["components"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .flat_map(|r| r["components"].as_array().cloned().unwrap_or_default())
        .collect()
}

fn button<'a>(comps: &'a [Value], label: &str) -> &'a Value {
    comps
        .iter()
        .find(|c| c["label"].as_str().is_some_and(|l| l.contains(label)))
        .unwrap_or_else(|| panic!("no {label} button in {comps:#?}"))
}

/// The bot's signing key, from its database (to read the ids it sent).
fn view_key(db: &std::path::Path) -> panopticon::views::state::ViewKey {
    panopticon::views::state::ViewKey::load(&Store::open(db).unwrap().connect().unwrap()).unwrap()
}

fn expected_stale(db: &std::path::Path) -> usize {
    let store = Store::open(db).unwrap();
    let s = Snapshot::load(&store.connect().unwrap()).unwrap();
    let rules = RulesConfig::default();
    let ctx = Context {
        as_of: chrono::Utc::now(),
        now: chrono::Utc::now(),
        rules: &rules,
        max_sync_age: std::time::Duration::from_secs(86400),
        crm_url: String::new(),
    };
    list::build(&s, &ctx, ListKind::Stale, &Filter::default(), None).total
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_pages_filters_and_drills_down() {
    let bot = start_bot().await;
    let fake = &bot.fake;
    let me = Who::member();
    let token = fake.slash("stale", json!([]), &me, CHANNEL);
    let (msg, files) = answer(fake, &token).await;
    // Deferred first, within the deadline, then the view.
    assert!(
        fake.for_token(&token).iter().any(|r| r.path.ends_with("/callback") && r.body["type"] == json!(5)),
        "deferred"
    );
    let total = expected_stale(&bot.db);
    assert!(total > 25, "more than a page of stale leads");
    let e = embed(&msg);
    assert_eq!(e["title"], json!(format!("🔴 Stale — {total} leads")));
    let desc = e["description"].as_str().unwrap();
    assert!(
        desc.contains("By locator:")
            && desc.contains(&format!("rows 1–25 of {total}"))
            && desc.contains("Last synced <t:"),
        "{desc}"
    );
    assert_eq!(files.len(), 1);
    assert_eq!(&files[0].1[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(e["image"]["url"], json!(format!("attachment://{}", files[0].0)));
    let comps = components(&msg);
    assert_eq!(button(&comps, "Previous")["disabled"], json!(true));
    for c in &comps {
        ViewState::parse(c["custom_id"].as_str().unwrap(), &view_key(&bot.db), chrono::Utc::now())
            .expect("every custom_id is ours and valid");
    }

    // Next page, then back.
    let next = button(&comps, "Next")["custom_id"].as_str().unwrap().to_string();
    let message = message_json(1, &msg);
    let t2 = fake.click(&next, None, &message, &me, CHANNEL);
    let (page2, _) = answer(fake, &t2).await;
    assert!(
        fake.for_token(&t2).iter().any(|r| r.path.ends_with("/callback") && r.body["type"] == json!(6)),
        "acknowledged, then edited in place"
    );
    assert!(embed(&page2)["description"].as_str().unwrap().contains(&format!("rows 26–50 of {total}")));
    let comps2 = components(&page2);
    let prev = button(&comps2, "Previous")["custom_id"].as_str().unwrap().to_string();
    let t3 = fake.click(&prev, None, &message_json(2, &page2), &me, CHANNEL);
    let (page1, _) = answer(fake, &t3).await;
    assert!(embed(&page1)["description"].as_str().unwrap().contains(&format!("rows 1–25 of {total}")));

    // Filter by stage with the select.
    let stage_select = comps.iter().find(|c| c["placeholder"].as_str().is_some_and(|p| p.contains("stage"))).unwrap();
    let t4 = fake.click(
        stage_select["custom_id"].as_str().unwrap(),
        Some(vec![short_hash("Appt Set")]),
        &message,
        &me,
        CHANNEL,
    );
    let (filtered, _) = answer(fake, &t4).await;
    let fd = embed(&filtered)["description"].as_str().unwrap();
    assert!(fd.contains("Filters: stage = Appt Set"), "{fd}");

    // Drill down into the first lead on the page.
    let drill = comps.iter().find(|c| c["placeholder"].as_str().is_some_and(|p| p.contains("story"))).unwrap();
    let first = &drill["options"][0];
    let t5 = fake.click(
        drill["custom_id"].as_str().unwrap(),
        Some(vec![first["value"].as_str().unwrap().to_string()]),
        &message,
        &me,
        CHANNEL,
    );
    let (story, files) = answer(fake, &t5).await;
    let name = first["label"].as_str().unwrap().split(" — ").next().unwrap();
    assert!(embed(&story)["title"].as_str().unwrap().starts_with(name), "{story}");
    assert!(embed(&story)["description"].as_str().unwrap().contains("Open in Zoho CRM"));
    assert!(files[0].0.starts_with("lead-"));
    // The story is the clicker's alone; the team's list stays as it was.
    let shown = fake.seen(&t5);
    assert_eq!(shown.len(), 1, "{shown:#?}");
    assert!(shown[0].ephemeral, "the story opens privately: {shown:#?}");
    assert_eq!(first_callback(fake, &t5), Some(5), "a new (private) message, not an update of the list");
    assert!(!fake.for_token(&t5).iter().any(|r| r.method == "PATCH"), "the shared list was not replaced");

    // Filter by one locator, then switch to another from the same select, without clearing.
    let loc_select = |comps: &[Value]| {
        comps.iter().find(|c| c["placeholder"].as_str().is_some_and(|p| p.contains("locator"))).cloned().unwrap()
    };
    let options = |select: &Value| -> Vec<(String, String, bool)> {
        select["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                let label = o["label"].as_str().unwrap();
                let name = label.rsplit_once(" (").map_or(label, |(n, _)| n).to_string();
                (name, o["value"].as_str().unwrap().to_string(), o["default"].as_bool().unwrap_or(false))
            })
            .collect()
    };
    let all = options(&loc_select(&comps));
    assert!(all.len() >= 2 && all.iter().all(|o| !o.2), "{all:?}");
    let t6 = fake.click(
        loc_select(&comps)["custom_id"].as_str().unwrap(),
        Some(vec![all[0].1.clone()]),
        &message,
        &me,
        CHANNEL,
    );
    let (one, _) = answer(fake, &t6).await;
    assert!(embed(&one)["description"].as_str().unwrap().contains(&format!("locator = {}", all[0].0)), "{one}");
    let after = options(&loc_select(&components(&one)));
    let names = |v: &[(String, String, bool)]| v.iter().map(|o| o.1.clone()).collect::<Vec<_>>();
    assert_eq!(names(&after), names(&all), "every locator is still offered");
    let marked: Vec<&str> = after.iter().filter(|o| o.2).map(|o| o.0.as_str()).collect();
    assert_eq!(marked, vec![all[0].0.as_str()], "the current one is marked");
    let t7 = fake.click(
        loc_select(&components(&one))["custom_id"].as_str().unwrap(),
        Some(vec![all[1].1.clone()]),
        &message_json(5, &one),
        &me,
        CHANNEL,
    );
    let (other, _) = answer(fake, &t7).await;
    let od = embed(&other)["description"].as_str().unwrap();
    assert!(od.contains(&format!("locator = {}", all[1].0)) && !od.contains(&all[0].0), "{od}");

    assert_eq!(fake.violations(), Vec::<String>::new(), "every payload within Discord's limits");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strangers_wrong_channels_dms_and_forged_ids_are_refused_politely() {
    let bot = start_bot().await;
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
async fn every_command_answers_and_autocomplete_suggests() {
    let bot = start_bot().await;
    let fake = &bot.fake;
    let me = Who::member();
    for (cmd, opts, expect) in [
        ("atrisk", json!([]), "At risk"),
        // Choices are registered as integers: "at risk" is 1, "this month" is 2.
        ("leads", json!([{"name": "status", "type": 4, "value": 1}]), "Appointed leads"),
        ("calendar", json!([{"name": "period", "type": 4, "value": 2}]), "appointment"),
        ("pipeline", json!([]), "Pipeline"),
        ("locators", json!([]), "Locators"),
    ] {
        let t = fake.slash(cmd, opts, &me, CHANNEL);
        let (m, files) = answer(fake, &t).await;
        assert!(embed(&m)["title"].as_str().unwrap_or("").contains(expect), "{cmd}: {m}");
        assert!(!files.is_empty() && files.iter().all(|f| f.1.starts_with(b"\x89PNG")), "{cmd} attaches PNGs");
    }
    // A date range and an order; the state survives a click.
    let opts = json!([
        {"name": "from", "type": 3, "value": "2026-01-01"},
        {"name": "to", "type": 3, "value": "2030-12-31"},
        {"name": "sort", "type": 4, "value": 4}
    ]);
    let t = fake.slash("leads", opts, &me, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    let d = embed(&m)["description"].as_str().unwrap();
    assert!(d.contains("appointment 2026-01-01 – 2030-12-31"), "{d}");
    let next = components(&m).into_iter().find(|c| c["label"].as_str().is_some_and(|l| l.contains("Next"))).unwrap();
    let st = ViewState::parse(next["custom_id"].as_str().unwrap(), &view_key(&bot.db), chrono::Utc::now()).unwrap();
    assert_eq!(
        (st.from.unwrap().to_string(), st.sort),
        ("2026-01-01".to_string(), Some(panopticon::views::SortKey::Name))
    );
    let bad =
        json!([{"name": "from", "type": 3, "value": "2026-12-01"}, {"name": "to", "type": 3, "value": "2026-01-01"}]);
    let t = fake.slash("leads", bad, &me, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    assert!(m["content"].as_str().unwrap_or("").contains("from 2026-12-01 is after to 2026-01-01"), "{m}");

    // The status select on /leads, and a custom calendar range with its navigation.
    let t = fake.slash("leads", json!([]), &me, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    let comps = components(&m);
    let status = comps.iter().find(|c| c["placeholder"].as_str().is_some_and(|p| p.contains("status"))).unwrap();
    let t = fake.click(
        status["custom_id"].as_str().unwrap(),
        Some(vec!["at_risk".into()]),
        &message_json(3, &m),
        &me,
        CHANNEL,
    );
    let (m, _) = answer(fake, &t).await;
    assert!(embed(&m)["description"].as_str().unwrap().contains("status = at_risk"), "{m}");
    let range =
        json!([{"name": "from", "type": 3, "value": "2026-11-02"}, {"name": "to", "type": 3, "value": "2026-11-11"}]);
    let t = fake.slash("calendar", range, &me, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    assert!(embed(&m)["title"].as_str().unwrap().contains("2026-11-02 – 2026-11-11"), "{m}");
    let next = components(&m).into_iter().find(|c| c["label"].as_str().is_some_and(|l| l.contains("Next"))).unwrap();
    let t = fake.click(next["custom_id"].as_str().unwrap(), None, &message_json(4, &m), &me, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    assert!(embed(&m)["title"].as_str().unwrap().contains("2026-11-12 – 2026-11-21"), "{m}");

    let t = fake.slash("status", json!([]), &me, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    assert!(m["content"].as_str().unwrap().contains("Last sync"), "{m}");

    let t = fake.autocomplete("lead", "name", "Riv", &me);
    let choices = fake
        .wait_for(20, |log| log.iter().find(|r| r.path.contains(&format!("/{t}/callback"))).map(|r| r.body.clone()))
        .await;
    assert_eq!(choices["type"], json!(8));
    let list = choices["data"]["choices"].as_array().unwrap();
    assert!(!list.is_empty() && list.len() <= 25);
    assert!(list.iter().all(|c| c["name"].as_str().unwrap().to_lowercase().contains("riv")), "{list:?}");

    let t = fake.slash("stale", json!([{"name": "stage", "type": 3, "value": "Folow Up"}]), &me, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    assert!(m["content"].as_str().unwrap_or("").contains("did you mean 'Follow Up'"), "{m}");
    assert_eq!(fake.violations(), Vec::<String>::new());
}

/// The last content an interaction's reply showed (after any edits).
async fn last_content(fake: &FakeDiscord, token: &str, until: &str) -> String {
    fake.wait_for(40, |log| {
        log.iter()
            .rev()
            .filter(|r| r.path.contains(&format!("/{token}")))
            .filter_map(|r| r.body.get("content").or_else(|| r.body.get("data").and_then(|d| d.get("content"))))
            .filter_map(Value::as_str)
            .find(|c| c.contains(until))
            .map(str::to_string)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_syncs_once_at_a_time_and_failures_show_in_views() {
    let mut bot = start_bot().await;
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
    let mut secrets = vec![
        DISCORD_TOKEN.to_string(),
        panopticon::crm::sandbox::CLIENT_SECRET.to_string(),
        panopticon::crm::sandbox::REFRESH_TOKEN.to_string(),
    ];
    secrets.extend(bot.sandbox.issued_tokens());
    for s in secrets {
        assert!(!logged.contains(&s), "secret {:.10}… is in the bot's log", s);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_digest_posts_once_with_images_and_working_buttons() {
    let bot = start_bot().await;
    let fake = &bot.fake;
    let me = Who::member();
    // No scheduled days in the test config: the digest is posted with `panopticon digest`.
    let post = || {
        let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_panopticon"));
        c.arg("--config").arg(&bot.cfg).arg("digest").env("DISCORD_TOKEN", DISCORD_TOKEN);
        c.env("ZOHO_CLIENT_SECRET", panopticon::crm::sandbox::CLIENT_SECRET);
        c.env("ZOHO_REFRESH_TOKEN", panopticon::crm::sandbox::REFRESH_TOKEN);
        c.env_remove("PANOPTICON_CONFIG").env_remove("RUST_LOG").output()
    };
    // Zoho is down this morning: the digest still goes out, from the last good data, and says so.
    bot.sandbox.inject(FaultRule::new(Fault::ServerError).always());
    let out = post().await.unwrap();
    bot.sandbox.clear_faults();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Posted today's digest"));
    let posted: Vec<Recorded> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == format!("/channels/{CHANNEL}/messages"))
        .collect();
    assert_eq!(posted.len(), 1);
    let msg = &posted[0];
    let e = &msg.body["embeds"][0];
    assert!(e["title"].as_str().unwrap().starts_with("☀️ Morning digest"), "{e}");
    let d = e["description"].as_str().unwrap();
    assert!(d.contains("**Stale** ") && d.contains("**At risk** ") && d.contains("Stale + at risk by locator"), "{d}");
    assert!(d.contains("⚠️") && d.contains("The last sync failed") && d.contains("showing data from"), "{d}");
    assert!(e["footer"]["text"].as_str().unwrap().starts_with("Panopticon digest "));
    assert!(
        msg.files.len() >= 3 && msg.files.iter().all(|f| f.1.starts_with(b"\x89PNG")),
        "card, stale pages and the month"
    );
    assert!(msg.files[0].0.starts_with("digest-0-digest-"), "the headline card comes first");
    let buttons = components(&msg.body);
    assert_eq!(buttons.len(), 4);

    // Exactly once: a second run posts nothing.
    let out = post().await.unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("already posted"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        fake.requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path == format!("/channels/{CHANNEL}/messages"))
            .count(),
        1
    );

    // A crash between posting and recording: the claim is left behind, 20 minutes old. The next
    // run finds the digest in the channel and records it instead of posting twice.
    {
        let c = Store::open(&bot.db).unwrap().connect().unwrap();
        let old = panopticon::time::utc_text(chrono::Utc::now() - chrono::Duration::minutes(20));
        c.execute(
            "UPDATE digests SET state = 'claimed', claimed_by = 'crashed', claimed_at = ?1, sent_at = NULL",
            [old],
        )
        .unwrap();
    }
    let out = post().await.unwrap();
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(said.contains("already in the channel"), "{said}{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        fake.requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path == format!("/channels/{CHANNEL}/messages"))
            .count(),
        1
    );

    // Its buttons open the views privately and leave the digest alone.
    let stale = button(&buttons, "Open stale")["custom_id"].as_str().unwrap().to_string();
    let t = fake.click(&stale, None, &message_json(77, &msg.body), &me, CHANNEL);
    let (view, files) = answer(fake, &t).await;
    assert!(embed(&view)["title"].as_str().unwrap().contains("Stale"), "{view}");
    assert!(view["flags"].as_u64().is_some_and(|f| f & 64 != 0), "only the clicker sees it");
    assert!(!files.is_empty());
    assert!(!fake.for_token(&t).iter().any(|r| r.method == "PATCH"), "the digest message was not replaced");
    // And /digest previews it privately.
    let t = fake.slash("digest", json!([]), &me, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    assert!(embed(&m)["title"].as_str().unwrap().starts_with("☀️ Morning digest"));
    assert_eq!(fake.violations(), Vec::<String>::new());
}

/// A fixed-offset zone where it is now about noon, with the digest set two hours earlier and
/// the cut-off two hours later: the real scheduler, on the real clock, must find it due.
fn noon_somewhere() -> String {
    let now = chrono::Utc::now();
    let mut offset = 12 - chrono::Timelike::hour(&now) as i32;
    if offset > 14 {
        offset -= 24;
    }
    if offset < -12 {
        offset += 24;
    }
    // Etc/GMT zones have the sign reversed: Etc/GMT-3 is UTC+3.
    let zone = match offset {
        0 => "Etc/GMT".to_string(),
        o if o > 0 => format!("Etc/GMT-{o}"),
        o => format!("Etc/GMT+{}", -o),
    };
    let local = now + chrono::Duration::hours(offset as i64);
    let day = local.format("%a").to_string();
    format!("[rules]\ntimezone = \"{zone}\"\n[digest]\ntime = \"10:00\"\ncutoff = \"14:00\"\ndays = [\"{day}\"]\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduler_posts_the_due_digest_on_start_and_not_again_after_a_restart() {
    let extra = noon_somewhere();
    let mut bot = start_bot_with(&extra).await;
    let channel_posts = |fake: &FakeDiscord| {
        fake.requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path == format!("/channels/{CHANNEL}/messages"))
            .count()
    };
    // Started after 10:00 and before the 14:00 cut-off: it catches up by itself.
    let posted = bot
        .fake
        .wait_for(60, |log| {
            log.iter().find(|r| r.method == "POST" && r.path == format!("/channels/{CHANNEL}/messages")).cloned()
        })
        .await;
    assert!(posted.body["embeds"][0]["title"].as_str().unwrap().starts_with("☀️ Morning digest"), "{extra}");
    // A restart the same morning: the day is recorded as sent, so nothing more is posted.
    let _ = bot.child.start_kill();
    let _ = bot.child.wait().await;
    let log2 = bot.log.with_extension("2.log");
    let mut again = spawn_bot(&bot.cfg, &log2);
    bot.fake
        .wait_for(60, |log| {
            (log.iter().filter(|r| r.method == "PUT" && r.path.ends_with("/commands")).count() >= 2).then_some(())
        })
        .await;
    // Give the new scheduler its first decision (it decides right after start-up).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::time::Instant::now() < deadline {
        let logged = std::fs::read_to_string(&log2).unwrap_or_default();
        if logged.contains("commands registered") {
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(channel_posts(&bot.fake), 1, "exactly one digest that day");
    let _ = again.start_kill();
}

/// The first response an interaction got: its callback type (4 message, 5 defer, 6 ack…).
fn first_callback(fake: &FakeDiscord, token: &str) -> Option<u64> {
    fake.for_token(token).iter().find(|r| r.path.ends_with("/callback")).and_then(|r| r.body["type"].as_u64())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_after_the_acknowledgement_reach_only_the_asker() {
    let bot = start_bot().await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_follows_the_thresholds_and_its_lead_example_offers_the_matches() {
    let bot = start_bot_with("[digest]\ndays = []\n[rules]\nstale_days = 10\nat_risk_days = 4\n").await;
    let fake = &bot.fake;
    let me = Who::member();
    let t = fake.slash("help", json!([]), &me, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    let help = m["content"].as_str().unwrap();
    assert!(help.contains("passed 10+ days ago") && help.contains("(4+ days, not yet 10)"), "{help}");
    assert!(!help.contains("7+"), "{help}");
    let registered = fake.requests().into_iter().find(|r| r.method == "PUT" && r.path.ends_with("/commands")).unwrap();
    let stale = registered.body.as_array().unwrap().iter().find(|c| c["name"] == json!("stale")).unwrap().clone();
    assert!(stale["description"].as_str().unwrap().contains("10+ days"), "{stale}");

    // The help's own example: a company several leads share is a choice, not an error.
    let example = help.split("`/lead name:").nth(1).and_then(|r| r.split('`').next()).unwrap().to_string();
    let t = fake.slash("lead", json!([{"name": "name", "type": 3, "value": example}]), &me, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    assert!(!m["content"].as_str().unwrap_or("").contains("Sorry"), "{m}");
    let d = embed(&m)["description"].as_str().unwrap();
    assert!(d.contains(&format!("**{example}** matches")) && d.contains("pick one"), "{d}");
    let pick = components(&m).into_iter().find(|c| c["type"] == json!(3)).expect("a select of the matches");
    let offered = pick["options"].as_array().unwrap();
    assert!(offered.len() >= 2, "{offered:?}");
    assert!(offered.iter().all(|o| o["label"].as_str().unwrap().contains(&example)), "{offered:?}");
    let chosen = &offered[1];
    let t2 = fake.click(
        pick["custom_id"].as_str().unwrap(),
        Some(vec![chosen["value"].as_str().unwrap().to_string()]),
        &message_json(8, &m),
        &me,
        CHANNEL,
    );
    let (story, files) = answer(fake, &t2).await;
    let name = chosen["label"].as_str().unwrap().split(" — ").next().unwrap();
    assert!(embed(&story)["title"].as_str().unwrap().starts_with(name), "{story}");
    assert!(files[0].0.starts_with("lead-"));
    assert_eq!(first_callback(fake, &t2), Some(6), "the choice is replaced by the story, in place");
    assert_eq!(fake.violations(), Vec::<String>::new());
}

/// Runs `panopticon run` with `token` until it stops by itself (at most `secs`).
async fn run_until_it_stops(cfg: &std::path::Path, token: &str, secs: u64) -> std::process::Output {
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_panopticon"))
        .arg("--config")
        .arg(cfg)
        .arg("run")
        .env("DISCORD_TOKEN", token)
        .env("RUST_LOG", "warn")
        .env_remove("PANOPTICON_CONFIG")
        .kill_on_drop(true)
        .output();
    tokio::time::timeout(std::time::Duration::from_secs(secs), child)
        .await
        .expect("the bot stops by itself when Discord rejects its token")
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_discord_rejects_stops_the_bot_naming_discord_token() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeDiscord::start().await;
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "[zoho]\nclient_id = \"x\"\n[storage]\npath = \"{db}\"\n[discord]\nguild_id = {GUILD}\n\
             channel_id = {CHANNEL}\nallowed_roles = [{ROLE}]\napi_base = \"{api}\"\n[digest]\ndays = []\n",
            db = dir.path().join("p.db").display(),
            api = fake.api
        ),
    )
    .unwrap();
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
