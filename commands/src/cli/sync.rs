//! `panopticon sync [--full]`: one sync run with a progress bar and a one-line summary.

use chrono::{DateTime, Utc};
use panopticon::config::Config;
use panopticon::crm::zoho::ZohoClient;
use panopticon::store::{self, Store};
use panopticon::sync::{self, SyncSettings};

use super::progress::Bar;
use super::Failure;

pub async fn run(cfg: &Config, full: bool) -> Result<(), Failure> {
    cfg.zoho.secrets().map_err(|e| Failure::input(e.to_string()))?;
    let store = Store::open(&cfg.storage_path).map_err(|e| Failure::work(e.to_string()))?;
    let client = ZohoClient::new(&cfg.zoho, cfg.appointments.clone()).map_err(|e| Failure::work(e.to_string()))?;
    let settings = SyncSettings {
        appointments: cfg.appointments.clone(),
        rules: cfg.rules.clone(),
        concurrency: cfg.zoho.concurrency,
    };
    let bar = Bar::new();
    let outcome = sync::run(&store, &client, &settings, full, &bar).await;
    bar.finish();
    match outcome {
        Ok(report) => {
            match peak_memory_mb() {
                Some(mb) => println!("{report}, peak memory {mb} MB"),
                None => println!("{report}"),
            }
            let calls: Vec<String> = report.calls.iter().map(|(k, v)| format!("{k} {v}")).collect();
            println!("API calls: {}", if calls.is_empty() { "none".into() } else { calls.join(", ") });
            for s in report.skipped.iter().take(20) {
                println!("  skipped {}", panopticon::views::table::for_terminal(&s.to_string()));
            }
            if report.skipped.len() > 20 {
                println!("  … and {} more (see sync_runs.warnings)", report.skipped.len() - 20);
            }
            Ok(())
        }
        Err(e) => {
            let age = store
                .connect()
                .ok()
                .and_then(|c| store::last_good_run(&c).ok().flatten())
                .and_then(|r| DateTime::parse_from_rfc3339(&r.finished_at).ok())
                .map(|t| panopticon::views::age(Utc::now() - t.with_timezone(&Utc)));
            let kept = match age {
                Some(a) => format!("The last good data (synced {a} ago) is unchanged."),
                None => "No sync has succeeded yet, so there is no data.".to_string(),
            };
            Err(Failure::work(format!("sync failed: {e}\n{kept}")))
        }
    }
}

/// This process's peak resident memory (Linux `VmHWM`), in MB.
fn peak_memory_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb.div_ceil(1024))
}
