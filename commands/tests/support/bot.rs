//! The real bot (`panopticon run`) on the demo org, against the fake Discord — started the way
//! every bot test starts it — and the readers tests use on what the bot sent.

use std::path::{Path, PathBuf};

use panopticon::store::Store;
use panopticon::views::state::ViewKey;
use panopticon_sandbox::{Sandbox, Spec};
use serde_json::{json, Value};

use super::config::ConfigFile;
use super::fake_discord::FakeDiscord;

/// The bot token every test bot runs with (and which must never reach its log).
pub const DISCORD_TOKEN: &str = "fake-bot-token-0123456789abcdef";

/// The config tail of a bot that posts no digest by itself.
pub const NO_DIGEST: &str = "[digest]\ndays = []\n";

/// A running bot and everything around it.
pub struct TestBot {
    pub cfg: PathBuf,
    pub fake: FakeDiscord,
    pub child: tokio::process::Child,
    /// The bot's database, synced from `sandbox` before it started.
    pub db: PathBuf,
    pub sandbox: Sandbox,
    /// Everything the bot logged, at trace level.
    pub log: PathBuf,
    pub dir: tempfile::TempDir,
}

/// How a test bot is started; `spawn_bot` is the usual case.
pub struct BotOptions<'a> {
    /// The config's last lines (the `[digest]`, `[rules]`, `[sync]` sections).
    pub tail: &'a str,
    /// `[zoho] timeout_secs`: short, unless a test holds a request open on purpose.
    pub zoho_timeout_secs: u64,
    /// `RUST_LOG` for the bot; `None` leaves its own default level.
    pub rust_log: Option<&'a str>,
}

/// The demo org synced into a fresh database through the real client, the fake Discord, and
/// the bot on both — its config ending with `tail` (the `[digest]` and `[rules]` sections),
/// logging at trace level. Returns once the bot has registered every command.
pub async fn spawn_bot(tail: &str) -> TestBot {
    spawn_bot_with(BotOptions { tail, zoho_timeout_secs: 5, rust_log: Some("trace") }).await
}

/// `spawn_bot` with other options.
pub async fn spawn_bot_with(o: BotOptions<'_>) -> TestBot {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let sandbox = super::sandbox(&Spec::demo(chrono::Utc::now())).await;
    super::synced_store(&sandbox, &db).await;
    let fake = FakeDiscord::start().await;
    let cfg = ConfigFile::sandbox(&sandbox, &db)
        .zoho("timeout_secs", o.zoho_timeout_secs)
        .zoho("max_retries", 1)
        .zoho("retry_base_ms", 10)
        .discord(&fake.api)
        .then(o.tail)
        // The alerts pass would post into every test's channel: only tests about it turn it on.
        .then(if o.tail.contains("[alerts]") { "" } else { "[alerts]\nenabled = false\n" })
        .write(&dir.path().join("config.toml"));
    let log = dir.path().join("bot.log");
    let child = start_bot_process(&cfg, &log, o.rust_log);
    let names = fake.ready().await;
    for c in
        ["stale", "atrisk", "leads", "calendar", "lead", "pipeline", "locators", "refresh", "status", "help", "digest"]
    {
        assert!(names.contains(&c.to_string()), "{c} registered: {names:?}");
    }
    TestBot { cfg, fake, child, db, sandbox, log, dir }
}

/// Starts `panopticon run` with this config and the test token, logging at trace level to `log`.
pub fn run_bot(cfg: &Path, log: &Path) -> tokio::process::Child {
    start_bot_process(cfg, log, Some("trace"))
}

fn start_bot_process(cfg: &Path, log: &Path, rust_log: Option<&str>) -> tokio::process::Child {
    let mut c = super::panopticon(cfg);
    c.arg("run").env("DISCORD_TOKEN", DISCORD_TOKEN);
    if let Some(level) = rust_log {
        c.env("RUST_LOG", level);
    }
    c.stdout(std::process::Stdio::null()).stderr(std::fs::File::create(log).unwrap()).spawn().unwrap()
}

/// Every secret a run against `sb` could leak: the bot token, the sandbox's client secret and
/// refresh token, and every access token the sandbox issued.
pub fn secrets(sb: &Sandbox) -> Vec<String> {
    let mut all = vec![
        DISCORD_TOKEN.to_string(),
        panopticon_sandbox::CLIENT_SECRET.to_string(),
        panopticon_sandbox::REFRESH_TOKEN.to_string(),
    ];
    all.extend(sb.issued_tokens());
    all
}

/// Fails, naming the secret's first characters and `place`, if `text` holds any of `secrets`.
pub fn assert_no_secret(text: &str, secrets: &[String], place: &str) {
    for s in secrets {
        assert!(!text.contains(s.as_str()), "secret {s:.10}… is in {place}");
    }
}

/// The message an interaction ended with: its payload (followup, edit or callback) and files.
pub async fn answer(fake: &FakeDiscord, token: &str) -> (Value, Vec<(String, Vec<u8>)>) {
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

/// The last content an interaction's reply showed containing `until` (after any edits).
pub async fn last_content(fake: &FakeDiscord, token: &str, until: &str) -> String {
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

/// The first response an interaction got: its callback type (4 message, 5 defer, 6 ack…).
pub fn first_callback(fake: &FakeDiscord, token: &str) -> Option<u64> {
    fake.for_token(token).iter().find(|r| r.path.ends_with("/callback")).and_then(|r| r.body["type"].as_u64())
}

pub fn embed(v: &Value) -> &Value {
    &v["embeds"][0]
}

pub fn title(m: &Value) -> String {
    m["embeds"][0]["title"].as_str().unwrap_or_default().to_string()
}

/// Every component of a message, row by row.
pub fn components(v: &Value) -> Vec<Value> {
    v["components"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .flat_map(|r| r["components"].as_array().cloned().unwrap_or_default())
        .collect()
}

/// The component whose label contains `label`.
pub fn button<'a>(comps: &'a [Value], label: &str) -> &'a Value {
    comps
        .iter()
        .find(|c| c["label"].as_str().is_some_and(|l| l.contains(label)))
        .unwrap_or_else(|| panic!("no {label} button in {comps:#?}"))
}

/// The custom_id of message `m`'s button labelled with `label`.
pub fn custom_id(m: &Value, label: &str) -> String {
    button(&components(m), label)["custom_id"].as_str().map(str::to_string).unwrap_or_else(|| panic!("{m}"))
}

/// The bot's signing key, from its database (to read the ids it sent).
pub fn view_key(db: &Path) -> ViewKey {
    ViewKey::load(&Store::open(db).unwrap().connect().unwrap()).unwrap()
}
