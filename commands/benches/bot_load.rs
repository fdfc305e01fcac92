//! Bot load benchmark: `cargo bench -p panopticon-commands --bench bot_load`.
//!
//! Runs the real `panopticon run` against the fake Discord (commands/tests/fake_discord) on a
//! database of 100,000 leads, and measures, from the moment an INTERACTION_CREATE is sent:
//! - one command at a time ("at rest"): time to the acknowledgement and to the finished reply
//!   (query + render + upload), 30 runs;
//! - 100 slash commands arriving at once (stale, at-risk, leads, calendar, locators): every one
//!   must be acknowledged within Discord's 3 s and completed; p50 / p95 / max.
//!
//! `PANOPTICON_BENCH_DB=/tmp/bench-views.db` reuses the views benchmark's database.

#[path = "../tests/fake_discord/mod.rs"]
mod fake_discord;

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

/// Waits for interaction `token` to be acknowledged and answered; returns both times.
async fn timed(fake: &FakeDiscord, token: &str, sent: Instant) -> (Duration, Duration) {
    let (ack, done) = fake
        .wait_for(60, |log| {
            let mine: Vec<&Recorded> = log.iter().filter(|r| r.path.contains(&format!("/{token}"))).collect();
            let ack = mine.iter().find(|r| r.path.ends_with("/callback"))?.at;
            let done = mine.iter().find(|r| r.path.starts_with("/webhooks/"))?.at;
            Some((ack, done))
        })
        .await;
    (ack - sent, done - sent)
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
            let settings = SyncSettings { appointments: AppointmentSource::Events, rules: RulesConfig::default(), concurrency: 5 };
            sync::run(&store, &client, &settings, false, &NoProgress).await.expect("sync");
        }
        let fake = FakeDiscord::start().await;
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
        println!("| load | acknowledged p50 / p95 | completed p50 / p95 / max | lost |");
        println!("|---|---|---|---|");
        println!(
            "| one /stale at a time (30 runs) | {:.0} / {:.0} ms | {:.0} / {:.0} / {:.0} ms | 0 |",
            pct(&mut acks, 0.5),
            pct(&mut acks, 0.95),
            pct(&mut dones, 0.5),
            pct(&mut dones, 0.95),
            pct(&mut dones, 1.0)
        );

        let cmds = [("stale", json!([])), ("atrisk", json!([])), ("leads", json!([])), ("calendar", json!([])), ("locators", json!([]))];
        let start = Instant::now();
        let tokens: Vec<(String, Instant)> = (0..100)
            .map(|i| {
                let (name, opts) = &cmds[i % cmds.len()];
                (fake.slash(name, opts.clone(), &me, CHANNEL), Instant::now())
            })
            .collect();
        let sent_all = start.elapsed();
        let (mut acks, mut dones) = (vec![], vec![]);
        for (t, sent) in &tokens {
            let (a, d) = timed(&fake, t, *sent).await;
            acks.push(a);
            dones.push(d);
        }
        let late = acks.iter().filter(|a| **a > Duration::from_secs(3)).count();
        println!(
            "| 100 commands at once (sent in {:.0} ms) | {:.0} / {:.0} ms (max {:.0}) | {:.0} / {:.0} / {:.0} ms | 0 |",
            sent_all.as_secs_f64() * 1000.0,
            pct(&mut acks, 0.5),
            pct(&mut acks, 0.95),
            pct(&mut acks, 1.0),
            pct(&mut dones, 0.5),
            pct(&mut dones, 0.95),
            pct(&mut dones, 1.0)
        );
        println!("\nAcknowledged after Discord's 3 s deadline: {late} of 100. Payloads outside Discord's limits: {}.", fake.violations().len());
        assert_eq!(late, 0, "every command acknowledged within 3 s");
        assert!(fake.violations().is_empty(), "{:?}", fake.violations());
    });
}
