//! Signed view states and the calendar's pictures, end to end: the real bot (`panopticon run`)
//! against the fake Discord. A forged or tampered custom_id gets the "expired" answer and
//! changes nothing; `/calendar` attaches the picture of the period asked for.

mod fake_discord;

use chrono::{Datelike, TimeZone};
use fake_discord::*;
use panopticon::config::{AppointmentSource, RulesConfig};
use panopticon::crm::sandbox::{generate, Sandbox, Spec};
use panopticon::crm::zoho::ZohoClient;
use panopticon::store::Store;
use panopticon::sync::{self, NoProgress, SyncSettings};
use panopticon::views::state::{ViewKey, ViewKind, ViewState};
use serde_json::{json, Value};

struct Bot {
    fake: FakeDiscord,
    _child: tokio::process::Child,
    _dir: tempfile::TempDir,
    db: std::path::PathBuf,
    _sandbox: Sandbox,
}

/// The demo org synced into a fresh database, and the bot running on it.
async fn start_bot() -> Bot {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let sandbox = Sandbox::start(generate(&Spec::demo(chrono::Utc::now()))).await.unwrap();
    let store = Store::open(&db).unwrap();
    let client = ZohoClient::new(&sandbox.zoho_config(), AppointmentSource::Events).unwrap();
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
             [storage]\npath = \"{db}\"\n[discord]\nguild_id = {GUILD}\nchannel_id = {CHANNEL}\n\
             allowed_roles = [{ROLE}]\napi_base = \"{api}\"\n[digest]\ndays = []\n",
            id = panopticon::crm::sandbox::CLIENT_ID,
            z = sandbox.url(),
            db = db.display(),
            api = fake.api
        ),
    )
    .unwrap();
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_panopticon"))
        .arg("--config")
        .arg(&cfg)
        .arg("run")
        .env("DISCORD_TOKEN", "fake-bot-token-0123456789abcdef")
        .env("ZOHO_CLIENT_SECRET", panopticon::crm::sandbox::CLIENT_SECRET)
        .env("ZOHO_REFRESH_TOKEN", panopticon::crm::sandbox::REFRESH_TOKEN)
        .env_remove("PANOPTICON_CONFIG")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    fake.ready().await;
    Bot { fake, _child: child, _dir: dir, db, _sandbox: sandbox }
}

/// The message an interaction ended with (followup, edit or callback) and its files.
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
                let body = if r.path.starts_with("/webhooks/") { r.body.clone() } else { r.body["data"].clone() };
                (body, r.files.clone())
            })
    })
    .await
}

fn custom_id(m: &Value, label: &str) -> String {
    m["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| r["components"].as_array().cloned().unwrap_or_default())
        .find(|c| c["label"].as_str().is_some_and(|l| l.contains(label)))
        .and_then(|c| c["custom_id"].as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("no {label} button in {m}"))
}

fn title(m: &Value) -> String {
    m["embeds"][0]["title"].as_str().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_tampered_custom_ids_get_expired_and_change_nothing() {
    let bot = start_bot().await;
    let fake = &bot.fake;
    let me = Who::member();
    let t = fake.slash("stale", json!([]), &me, CHANNEL);
    let (msg, _) = answer(fake, &t).await;
    let next = custom_id(&msg, "Next");
    assert!(next.len() <= 100 && next.starts_with("pn2."), "{next}");
    let message = message_json(1, &msg);

    // What an attacker sends: the "as of 22 Jan 4018" as an old unsigned id, the same
    // signed with a key of their own, our id with one field changed, and our id with the tag cut.
    let far = chrono::Utc.with_ymd_and_hms(4018, 1, 22, 9, 0, 0).unwrap();
    let theirs = ViewState::new(ViewKind::Stale, far).encode(&ViewKey::from_bytes([42; 32]));
    let (payload, tag) = next.rsplit_once('.').unwrap();
    let page_changed = payload.replacen(".1.", ".7.", 1);
    assert_ne!(page_changed, payload);
    for forged in [
        "pn1.s.1.1nk2h8gw.-.-.0.-.-.-.-.n".to_string(),
        theirs,
        format!("{page_changed}.{tag}"),
        payload.to_string(),
        format!("{payload}.AAAAAAAAAAAA"),
    ] {
        let t = fake.click(&forged, None, &message, &me, CHANNEL);
        let (m, files) = answer(fake, &t).await;
        assert!(m["flags"].as_u64().is_some_and(|f| f & 64 != 0), "private: {m}");
        assert!(m["content"].as_str().unwrap_or_default().contains("expired"), "{forged}: {m}");
        assert!(files.is_empty());
        assert!(
            !fake.for_token(&t).iter().any(|r| r.path.contains("/messages/@original")),
            "the team's message is left alone: {forged}"
        );
    }

    // Our own id still works.
    let t = fake.click(&next, None, &message, &me, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    assert!(m["embeds"][0]["description"].as_str().unwrap_or_default().contains("rows 26–50"), "{m}");

    // The key is the database's: it is there, and it is what signed the id.
    let key = ViewKey::load(&Store::open(&bot.db).unwrap().connect().unwrap()).unwrap();
    let st = ViewState::parse(&next, &key, chrono::Utc::now()).expect("signed with the database's key");
    assert_eq!((st.view, st.page), (ViewKind::Stale, 1));
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calendar_attaches_the_picture_of_the_period_asked_for() {
    let bot = start_bot().await;
    let fake = &bot.fake;
    let me = Who::member();
    let today = chrono::Utc::now().with_timezone(&chrono_tz::America::New_York).date_naive();

    // "today" is choice 0: a day list, titled and named for today — not the month.
    let t = fake.slash("calendar", json!([{"name": "period", "type": 4, "value": 0}]), &me, CHANNEL);
    let (m, files) = answer(fake, &t).await;
    assert!(title(&m).starts_with(&format!("📅 {}", today.format("%A %d %B %Y"))), "{}", title(&m));
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].0, format!("calendar-{today}.png"));
    assert!(files[0].1.starts_with(b"\x89PNG"));
    assert_eq!(m["embeds"][0]["image"]["url"], json!(format!("attachment://calendar-{today}.png")));

    // "this week" (the default): the week grid; its Today button leads back to the day.
    let t = fake.slash("calendar", json!([]), &me, CHANNEL);
    let (m, files) = answer(fake, &t).await;
    let week = today.iso_week();
    assert_eq!(files[0].0, format!("calendar-week-{}-{:02}.png", week.year(), week.week()));
    assert!(title(&m).contains("week of"), "{}", title(&m));
    let t = fake.click(&custom_id(&m, "Today"), None, &message_json(2, &m), &me, CHANNEL);
    let (_, files) = answer(fake, &t).await;
    assert_eq!(files[0].0, format!("calendar-{today}.png"));

    // "this month" keeps the month grid.
    let t = fake.slash("calendar", json!([{"name": "period", "type": 4, "value": 2}]), &me, CHANNEL);
    let (m, files) = answer(fake, &t).await;
    assert_eq!(files[0].0, format!("calendar-{}.png", today.format("%Y-%m")));
    // The sample org books most days of a month: the embed lists ten and says how many more.
    let text = m["embeds"][0]["description"].as_str().unwrap_or_default();
    assert!(text.contains("more days with appointments (in the picture)"), "{text}");

    // A date the bot cannot offer buttons for is refused in words, not with dead buttons.
    let t = fake.slash("calendar", json!([{"name": "date", "type": 3, "value": "2099-01-01"}]), &me, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    assert!(m["content"].as_str().unwrap_or_default().contains("within 5 years"), "{m}");
    let shown = fake.seen(&t);
    assert!(shown.len() == 1 && shown[0].ephemeral, "the refusal is for the asker alone: {shown:#?}");
    assert_eq!(fake.violations(), Vec::<String>::new());
}
