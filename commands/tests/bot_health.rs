//! `[ops] listen` end to end: the real bot (`panopticon run`) against the fake Discord and the
//! Zoho sandbox, asked over HTTP as a load balancer and Prometheus would. `/healthz` is 503 with
//! its reasons until the gateway is connected and a sync has succeeded, 200 after, and 503 again
//! when the last good sync is older than `max_age_hours`; `/metrics` parses as Prometheus text
//! and counts the commands, syncs and API calls that happened. `panopticon health` says the same
//! with its exit code; a port already in use stops the start naming the key.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use panopticon::store::Store;
use panopticon_sandbox::{Fault, FaultRule, Sandbox, Spec};
use prometheus_parse::{Scrape, Value as Metric};
use serde_json::json;
use support::bot::{DISCORD_TOKEN, NO_DIGEST};
use support::fake_discord::*;
use support::ConfigFile;
use tokio::sync::watch;

struct Bot {
    fake: FakeDiscord,
    child: tokio::process::Child,
    dir: tempfile::TempDir,
    cfg: PathBuf,
    ops: String,
    /// Opens the gate in front of Discord (`start` with `gated`).
    open: Option<watch::Sender<bool>>,
    sandbox: Sandbox,
}

/// A port free a moment ago, for `[ops] listen`.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A TCP relay to `target` that holds every connection until `open` is set: the bot then waits
/// at its first call to Discord, before the gateway, for as long as the test wants.
async fn gate(target: &str) -> (String, watch::Sender<bool>) {
    let target = target.trim_start_matches("http://").to_string();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (open, opened) = watch::channel(false);
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            let (mut opened, target) = (opened.clone(), target.clone());
            tokio::spawn(async move {
                if opened.wait_for(|o| *o).await.is_err() {
                    return;
                }
                if let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    (url, open)
}

/// Writes the config (`extra` appended) and starts `panopticon run` on it. With `synced`, the
/// database holds one good sync first; with `gated`, Discord is reached through a gate that
/// holds the bot at its first call until `Bot::open` is set.
async fn start(synced: bool, gated: bool, extra: &str, port: u16) -> Bot {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let sandbox = support::sandbox(&Spec::demo(chrono::Utc::now())).await;
    if synced {
        support::synced_store(&sandbox, &db).await;
    }
    let fake = FakeDiscord::start().await;
    let (api, open) = if gated {
        let (url, open) = gate(&fake.api).await;
        (url, Some(open))
    } else {
        (fake.api.clone(), None)
    };
    let cfg = ConfigFile::sandbox(&sandbox, &db)
        .zoho("timeout_secs", 5)
        .zoho("max_retries", 1)
        .zoho("retry_base_ms", 10)
        .discord(&api)
        .then(&format!("{NO_DIGEST}[ops]\nlisten = \"127.0.0.1:{port}\"\n{extra}"))
        .write(&dir.path().join("config.toml"));
    let child = support::panopticon(&cfg)
        .arg("run")
        .env("DISCORD_TOKEN", DISCORD_TOKEN)
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("bot.log")).unwrap())
        .spawn()
        .unwrap();
    Bot { fake, child, dir, cfg, ops: format!("http://127.0.0.1:{port}"), open, sandbox }
}

/// GET `url`: the status and the body.
async fn get(url: &str) -> Result<(u16, String), reqwest::Error> {
    let r = reqwest::get(url).await?;
    Ok((r.status().as_u16(), r.text().await?))
}

/// Asks `path` until `pred` holds on the answer (the bot may still be starting), up to 30 s.
async fn until(bot: &Bot, path: &str, pred: impl Fn(u16, &str) -> bool) -> (u16, String) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut last = None;
    while tokio::time::Instant::now() < deadline {
        if let Ok((status, body)) = get(&format!("{}{path}", bot.ops)).await {
            if pred(status, &body) {
                return (status, body);
            }
            last = Some((status, body));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let log = std::fs::read_to_string(bot.dir.path().join("bot.log")).unwrap_or_default();
    panic!("{path} never answered as expected; last answer {last:?}\nbot log:\n{log}");
}

/// `panopticon health` with the bot's config: its exit code and what it printed.
fn health_cli(cfg: &Path) -> (i32, String, String) {
    let out = support::panopticon_std(cfg).arg("health").output().unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

/// The text parsed as Prometheus reads it, after checking every line is a comment or a sample
/// `name{labels} value` (the parser skips what it cannot read; this refuses it).
fn scrape(text: &str) -> Scrape {
    for line in text.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("not a sample: {line}"));
        let name = series.split('{').next().unwrap();
        assert!(name.starts_with("panopticon_"), "unprefixed: {line}");
        assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "bad name: {line}");
        assert!(!series.contains('{') || series.ends_with('}'), "bad labels: {line}");
        assert!(value.parse::<f64>().is_ok() || ["+Inf", "-Inf", "NaN"].contains(&value), "bad value: {line}");
    }
    Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).expect("Prometheus text")
}

/// The value of the sample `name` with these labels (counters, gauges and `_count`s alike).
fn value(s: &Scrape, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    s.samples.iter().filter(|x| x.metric == name && labels.iter().all(|(k, v)| x.labels.get(k) == Some(*v))).find_map(
        |x| match x.value {
            Metric::Counter(v) | Metric::Gauge(v) | Metric::Untyped(v) => Some(v),
            _ => None,
        },
    )
}

/// The buckets of histogram `name` with these labels: (upper bound, count).
fn histogram(s: &Scrape, name: &str, labels: &[(&str, &str)]) -> Vec<(f64, f64)> {
    s.samples
        .iter()
        .filter(|x| x.metric == name && labels.iter().all(|(k, v)| x.labels.get(k) == Some(*v)))
        .find_map(|x| match &x.value {
            Metric::Histogram(h) => Some(h.iter().map(|b| (b.less_than, b.count)).collect()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no histogram {name} {labels:?}"))
}

/// The reply to a command, once it holds `until`.
async fn reply(fake: &FakeDiscord, token: &str, until: &str) -> String {
    fake.wait_for(40, |log| {
        log.iter()
            .rev()
            .filter(|r| r.path.contains(&format!("/{token}")))
            .map(|r| r.body.to_string())
            .find(|b| b.contains(until))
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_waits_for_the_gateway_and_a_sync_and_metrics_count_what_happened() {
    // An empty database, and the bot held at its first call to Discord.
    let bot = start(false, true, "", free_port()).await;

    // Not connected, never synced: 503 with both reasons, one a line.
    let (status, body) = until(&bot, "/healthz", |s, _| s == 503).await;
    assert_eq!(body, "gateway: not connected to Discord yet\nsync: no sync has succeeded yet\n");
    assert_eq!(status, 503);
    let (code, out, err) = health_cli(&bot.cfg);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("gateway: not connected to Discord yet") && err.contains("503"), "{out}{err}");

    // Connected: only the missing sync is left.
    bot.open.as_ref().unwrap().send_replace(true);
    bot.fake.ready().await;
    let (_, body) = until(&bot, "/healthz", |_, b| !b.contains("gateway")).await;
    assert_eq!(body, "sync: no sync has succeeded yet\n");

    // A /refresh syncs: healthy.
    let me = Who::member();
    let t = bot.fake.slash("refresh", json!([]), &me, CHANNEL);
    let done = reply(&bot.fake, &t, "✅").await;
    assert!(done.contains("sync"), "{done}");
    let (status, body) = until(&bot, "/healthz", |s, _| s == 200).await;
    assert_eq!((status, body.as_str()), (200, "ok\n"));
    let (code, out, err) = health_cli(&bot.cfg);
    assert_eq!((code, out.as_str()), (0, "ok\n"), "{err}");

    // A view command, deferred then answered.
    let t = bot.fake.slash("stale", json!([]), &me, CHANNEL);
    bot.fake
        .wait_for(30, |log| log.iter().any(|r| r.path.contains(&format!("/{t}/messages/@original"))).then_some(()))
        .await;

    // A stranger refused, and a sync that fails (Zoho down): errors by kind.
    let t = bot.fake.slash("stale", json!([]), &Who::stranger(), CHANNEL);
    reply(&bot.fake, &t, "role").await;
    bot.sandbox.inject(FaultRule::new(Fault::ServerError).always());
    let t = bot.fake.slash("refresh", json!([]), &me, CHANNEL);
    reply(&bot.fake, &t, "The sync failed").await;

    // A command is counted after its reply is sent: wait until the failed /refresh is counted
    // too, not only the refusal before it.
    let (status, text) = until(&bot, "/metrics", |_, b| {
        let m = scrape(b);
        b.contains("outcome=\"refused\"")
            && value(&m, "panopticon_commands_total", &[("command", "refresh"), ("outcome", "ok")]) == Some(2.0)
    })
    .await;
    assert_eq!(status, 200);
    let m = scrape(&text);
    // Each command by outcome, with its latency in a histogram whose +Inf bucket holds every run.
    let count = |command: &str, outcome: &str| {
        value(&m, "panopticon_commands_total", &[("command", command), ("outcome", outcome)])
    };
    assert_eq!(count("stale", "ok"), Some(1.0));
    assert_eq!(count("stale", "refused"), Some(1.0));
    // /refresh answers "the sync failed" itself: the command worked.
    assert_eq!(count("refresh", "ok"), Some(2.0));
    for (command, runs) in [("refresh", 2.0), ("stale", 1.0)] {
        let buckets = histogram(&m, "panopticon_command_duration_seconds", &[("command", command)]);
        assert!(buckets.len() > 5, "{buckets:?}");
        assert_eq!(buckets.iter().find(|b| b.0.is_infinite()).map(|b| b.1), Some(runs), "{buckets:?}");
    }
    assert_eq!(value(&m, "panopticon_errors_total", &[("kind", "command_refused")]), Some(1.0));
    assert_eq!(value(&m, "panopticon_errors_total", &[("kind", "sync_crm")]), Some(1.0));
    assert_eq!(value(&m, "panopticon_syncs_total", &[("result", "failed")]), Some(1.0));
    assert_eq!(value(&m, "panopticon_last_sync_success", &[]), Some(0.0));
    let acks = histogram(&m, "panopticon_acknowledgement_latency_seconds", &[("kind", "command")]);
    assert_eq!(acks.iter().find(|b| b.0 == 3.0).map(|b| b.1), Some(1.0), "acknowledged within 3 s: {acks:?}");
    // The sync: its result, length, API calls per endpoint, and what the database now holds.
    assert_eq!(value(&m, "panopticon_syncs_total", &[("result", "ok")]), Some(1.0));
    assert_eq!(value(&m, "panopticon_sync_duration_seconds_count", &[]), Some(1.0));
    let calls: Vec<&str> = m
        .samples
        .iter()
        .filter(|s| s.metric == "panopticon_crm_api_calls_total")
        .filter_map(|s| s.labels.get("endpoint"))
        .collect();
    assert!(calls.contains(&"Leads") || calls.iter().any(|c| c.contains("Leads")), "{calls:?}");
    let synced = value(&m, "panopticon_last_good_sync_timestamp_seconds", &[]).unwrap();
    assert!((chrono::Utc::now().timestamp() as f64 - synced).abs() < 120.0, "{synced}");
    assert!(value(&m, "panopticon_rows", &[("table", "leads")]).unwrap() > 100.0);
    assert_eq!(value(&m, "panopticon_rows", &[("table", "sync_runs")]), Some(2.0));
    assert_eq!(value(&m, "panopticon_digest_unsent_claims", &[]), Some(0.0));
    assert_eq!(bot.fake.violations(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_last_good_sync_older_than_max_age_is_unhealthy_and_named() {
    let port = free_port();
    // No scheduled sync: with data three hours old the bot would sync at once and turn healthy
    // between the two checks below.
    let bot = start(true, false, "[sync]\nmax_age_hours = 1\nevery = \"off\"\n", port).await;
    // The one good sync, moved three hours back.
    let db = bot.dir.path().join("p.db");
    let three_hours_ago = chrono::Utc::now() - chrono::Duration::hours(3);
    let stamp = three_hours_ago.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let conn = Store::open(&db).unwrap().connect().unwrap();
    conn.execute("UPDATE sync_runs SET finished_at = ?1", [&stamp]).unwrap();
    bot.fake.ready().await;
    let (status, body) = until(&bot, "/healthz", |_, b| !b.contains("gateway")).await;
    assert_eq!(status, 503);
    let when = three_hours_ago.format("%Y-%m-%d %H:%M UTC");
    assert_eq!(body, format!("sync: the last good sync was 3 h ago ({when}), older than [sync] max_age_hours = 1\n"));
    let (code, out, _) = health_cli(&bot.cfg);
    assert_eq!((code, out), (1, body));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_port_in_use_stops_the_start_naming_the_key() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let mut bot = start(true, false, "", port).await;
    let status = tokio::time::timeout(Duration::from_secs(30), bot.child.wait()).await.unwrap().unwrap();
    assert_eq!(status.code(), Some(2));
    let log = std::fs::read_to_string(bot.dir.path().join("bot.log")).unwrap();
    assert!(log.contains(&format!("error: config: [ops] listen: cannot listen on 127.0.0.1:{port}")), "{log}");
    // It stopped before talking to Discord.
    assert!(bot.fake.requests().is_empty(), "{:?}", bot.fake.requests().len());
    drop(taken);
}

#[test]
fn health_without_a_listen_address_says_which_key_to_set() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, "[zoho]\nclient_id = \"x\"\n").unwrap();
    let (code, _, err) = health_cli(&cfg);
    assert_eq!(code, 2);
    assert!(err.contains("[ops] listen is not set") && err.contains("--url"), "{err}");
    // Nobody listening: exit 1, saying where it asked.
    let port = free_port();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_panopticon"))
        .args(["health", "--url", &format!("http://127.0.0.1:{port}/healthz")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("no answer from http://127.0.0.1:{port}/healthz")), "{err}");
}
