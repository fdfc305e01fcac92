//! Bot load benchmark: `cargo bench -p panopticon-commands --bench bot_load`.
//!
//! Runs the real `panopticon run` against the fake Discord (commands/tests/fake_discord) on a
//! database of 100,000 leads, and measures, from the moment an INTERACTION_CREATE is sent:
//! - one command at a time ("at rest"): time to the acknowledgement and to the finished reply
//!   (query + render + upload), 30 runs;
//! - 100, then 300 slash commands arriving at once (stale, at-risk, leads, calendar, locators):
//!   every one must be acknowledged within Discord's 3 s and completed; p50 / p95 / p99 / max.
//!
//! Times are read from the fake's log after each burst (when each request arrived), so waiting
//! for the answers costs the fake no work while the burst runs.
//!
//! `PANOPTICON_BENCH_DB=/tmp/bench-views.db` reuses the views benchmark's database.

#[path = "../tests/fake_discord/mod.rs"]
mod fake_discord;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::TimeZone;
use fake_discord::*;
use panopticon::config::{AppointmentSource, RulesConfig};
use panopticon::crm::sandbox::{generate, Sandbox, Spec};
use panopticon::crm::zoho::ZohoClient;
use panopticon::store::Store;
use panopticon::sync::{self, NoProgress, SyncSettings};
use serde_json::json;

fn pct(v: &mut [Duration], p: f64) -> f64 {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i].as_secs_f64() * 1000.0
}

/// When interaction `token` was acknowledged and answered, if it has been yet.
fn times(log: &[Recorded], token: &str) -> Option<(Instant, Instant)> {
    let mine: Vec<&Recorded> = log.iter().filter(|r| r.path.contains(&format!("/{token}"))).collect();
    let ack = mine.iter().find(|r| r.path.ends_with("/callback"))?.at;
    let done = mine.iter().find(|r| r.path.starts_with("/webhooks/"))?.at;
    Some((ack, done))
}

/// Waits for interaction `token` to be acknowledged and answered; returns both times.
async fn timed(fake: &FakeDiscord, token: &str, sent: Instant) -> (Duration, Duration) {
    let (ack, done) = fake.wait_for(60, |log| times(log, token)).await;
    (ack - sent, done - sent)
}

/// Sends `n` commands at once and waits for every answer; ack and completion times, and how
/// long sending took.
async fn burst(fake: &FakeDiscord, me: &Who, n: usize) -> (Vec<Duration>, Vec<Duration>, Duration) {
    let cmds = ["stale", "atrisk", "leads", "calendar", "locators"];
    let start = Instant::now();
    let tokens: Vec<(String, Instant)> =
        (0..n).map(|i| (fake.slash(cmds[i % cmds.len()], json!([]), me, CHANNEL), Instant::now())).collect();
    let sent_all = start.elapsed();
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        // One pass over the log: the first acknowledgement and the first answer per token.
        let mut seen: HashMap<&str, (Option<Instant>, Option<Instant>)> = HashMap::new();
        let log = fake.requests();
        for r in &log {
            let parts: Vec<&str> = r.path.trim_matches('/').split('/').collect();
            match parts.as_slice() {
                ["interactions", _, token, "callback"] => {
                    seen.entry(*token).or_default().0.get_or_insert(r.at);
                }
                ["webhooks", _, token, ..] => {
                    seen.entry(*token).or_default().1.get_or_insert(r.at);
                }
                _ => {}
            }
        }
        let answered: Option<Vec<(Duration, Duration)>> = tokens
            .iter()
            .map(|(t, sent)| match seen.get(t.as_str()) {
                Some((Some(a), Some(d))) => Some((*a - *sent, *d - *sent)),
                _ => None,
            })
            .collect();
        if let Some(all) = answered {
            let (acks, dones) = all.into_iter().unzip();
            return (acks, dones, sent_all);
        }
        assert!(Instant::now() < deadline, "a burst of {n} did not complete in 10 minutes");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = std::env::var_os("PANOPTICON_BENCH_DB").map(std::path::PathBuf::from).unwrap_or_else(|| dir.path().join("load.db"));
        if !db.exists() {
            let now = chrono::Utc.with_ymd_and_hms(2026, 11, 20, 13, 0, 0).unwrap();
            let sb = Sandbox::start(generate(&Spec::scaled(2026, 100_000, now))).await.expect("sandbox");
            let store = Store::open(&db).expect("store");
            let client = ZohoClient::new(&sb.zoho_config(), AppointmentSource::Events).expect("client");
            let settings = SyncSettings { appointments: AppointmentSource::Events, rules: RulesConfig::default(), concurrency: 5, keep_runs_days: panopticon::store::DEFAULT_KEEP_DAYS };
            sync::run(&store, &client, &settings, false, &NoProgress).await.expect("sync");
        }
        let fake = FakeDiscord::start().await;
        // Count late acknowledgements instead of refusing them (the bench asserts there are none).
        fake.accept_late_answers();
        let cfg = dir.path().join("config.toml");
        std::fs::write(
            &cfg,
            format!(
                "[zoho]\nclient_id = \"x\"\n[storage]\npath = \"{}\"\n[discord]\nguild_id = {GUILD}\nchannel_id = {CHANNEL}\nallowed_roles = [{ROLE}]\napi_base = \"{}\"\n",
                db.display(),
                fake.api
            ),
        )
        .expect("config");
        let _bot = tokio::process::Command::new(env!("CARGO_BIN_EXE_panopticon"))
            .arg("--config")
            .arg(&cfg)
            .arg("run")
            .env("DISCORD_TOKEN", "bench-token")
            .env("RUST_LOG", "error")
            .kill_on_drop(true)
            .spawn()
            .expect("bot");
        fake.ready().await;
        let me = Who::member();
        // Warm up: the first command loads the snapshot (once per sync).
        let t = fake.slash("stale", json!([]), &me, CHANNEL);
        let (_, first) = timed(&fake, &t, Instant::now()).await;
        eprintln!("first command (loads the snapshot): {:.0} ms", first.as_secs_f64() * 1000.0);

        let (mut acks, mut dones) = (vec![], vec![]);
        for _ in 0..30 {
            let sent = Instant::now();
            let t = fake.slash("stale", json!([]), &me, CHANNEL);
            let (a, d) = timed(&fake, &t, sent).await;
            acks.push(a);
            dones.push(d);
        }
        println!("\n### Bot: {} ({} cores)\n", db.display(), std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0));
        println!("| load | acknowledged p50 / p95 / p99 (max) | completed p50 / p95 / p99 (max) | lost |");
        println!("|---|---|---|---|");
        println!(
            "| one /stale at a time (30 runs) | {:.0} / {:.0} / {:.0} ms (max {:.0}) | {:.0} / {:.0} / {:.0} ms (max {:.0}) | 0 |",
            pct(&mut acks, 0.5),
            pct(&mut acks, 0.95),
            pct(&mut acks, 0.99),
            pct(&mut acks, 1.0),
            pct(&mut dones, 0.5),
            pct(&mut dones, 0.95),
            pct(&mut dones, 0.99),
            pct(&mut dones, 1.0)
        );

        for n in [100, 300] {
            let (mut acks, mut dones, sent_all) = burst(&fake, &me, n).await;
            let late = acks.iter().filter(|a| **a > Duration::from_secs(3)).count();
            println!(
                "| {n} commands at once (sent in {:.0} ms) | {:.0} / {:.0} / {:.0} ms (max {:.0}) | {:.0} / {:.0} / {:.0} ms (max {:.0}) | 0 |",
                sent_all.as_secs_f64() * 1000.0,
                pct(&mut acks, 0.5),
                pct(&mut acks, 0.95),
                pct(&mut acks, 0.99),
                pct(&mut acks, 1.0),
                pct(&mut dones, 0.5),
                pct(&mut dones, 0.95),
                pct(&mut dones, 0.99),
                pct(&mut dones, 1.0)
            );
            println!("\nAcknowledged after Discord's 3 s deadline: {late} of {n}.\n");
            assert_eq!(late, 0, "every command acknowledged within 3 s");
        }
        println!("Payloads outside Discord's limits: {}.", fake.violations().len());
        assert!(fake.violations().is_empty(), "{:?}", fake.violations());
    });
}
