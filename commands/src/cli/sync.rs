//! `panopticon sync [--full [--allow-mass-delete]]`: one sync run with a progress bar and a
//! one-line summary. SIGTERM or Ctrl-C stops it cleanly: nothing is written, the run is
//! recorded as interrupted, and the exit code is 128 + the signal (143, 130).

use chrono::{DateTime, Utc};
use clap::Args;
use panopticon::config::{Config, CrmKind};
use panopticon::store::{self, Store};
use panopticon::sync::{self, Interrupt, RunOptions, SyncError, SyncSettings};

use super::progress::Bar;
use super::Failure;

#[derive(Args, Debug)]
pub struct SyncArgs {
    /// Re-read everything instead of only what changed since the last run, and delete what the
    /// CRM (Zoho or Salesforce) no longer lists.
    #[arg(long)]
    full: bool,
    /// With --full: go ahead even when that deletes more than a tenth of the leads or
    /// appointments held (or all of them). Without it such a run is refused and changes nothing.
    #[arg(long, requires = "full")]
    allow_mass_delete: bool,
}

/// The configured CRM's secrets, checked before anything runs: a missing one is said now, with
/// where to find it, not as a failed sign-in.
pub fn check_secrets(cfg: &Config) -> Result<(), Failure> {
    let checked = match (cfg.crm, &cfg.salesforce) {
        (CrmKind::Salesforce, Some(sf)) => sf.secrets().map(|_| ()),
        _ => cfg.zoho.secrets().map(|_| ()),
    };
    checked.map_err(|e| Failure::input(e.to_string()))
}

pub async fn run(cfg: &Config, args: SyncArgs) -> Result<(), Failure> {
    check_secrets(cfg)?;
    let store = Store::open(&cfg.storage_path)?;
    let client = panopticon::crm::connect(cfg)?;
    let settings = SyncSettings::from_config(cfg);
    let opts = RunOptions { full: args.full, allow_mass_delete: args.allow_mass_delete, interrupt: Interrupt::new() };
    let signals = tokio::spawn(stop_on_signals(opts.interrupt.clone()));
    let bar = Bar::new();
    let outcome = sync::run_with(&store, &client, &settings, &opts, &bar).await;
    signals.abort();
    bar.finish();
    match outcome {
        Ok(report) => {
            match peak_memory_mb() {
                Some(mb) => println!("{report}; {}, peak memory {mb} MB", report.sales_summary()),
                None => println!("{report}; {}", report.sales_summary()),
            }
            let calls: Vec<String> = report.calls.iter().map(|(k, v)| format!("{k} {v}")).collect();
            println!("API calls: {}", if calls.is_empty() { "none".into() } else { calls.join(", ") });
            for w in &report.warnings {
                println!("  warning: {}", panopticon::views::text::for_terminal(w));
            }
            for s in report.skipped.iter().take(20) {
                println!("  skipped {}", panopticon::views::text::for_terminal(&s.to_string()));
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
            match e {
                SyncError::Interrupted(why) => Err(Failure {
                    code: exit_code(&why),
                    message: format!("sync interrupted by {why}: nothing was written.\n{kept}"),
                }),
                e => Err(Failure::work(format!("sync failed: {e}\n{kept}"))),
            }
        }
    }
}

const SIGTERM: &str = "SIGTERM";
const SIGINT: &str = "SIGINT (Ctrl-C)";

/// 128 + the signal number, as shells report a process a signal stopped.
fn exit_code(why: &str) -> u8 {
    if why == SIGINT {
        130
    } else {
        143
    }
}

/// Turns the first SIGTERM or Ctrl-C into an interrupt; a second one exits at once (SQLite
/// rolls back whatever was not committed when the file is next opened).
async fn stop_on_signals(interrupt: Interrupt) {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let mut asked = false;
    loop {
        #[cfg(unix)]
        let why = tokio::select! {
            Some(()) = async { term.as_mut()?.recv().await } => SIGTERM,
            Ok(()) = tokio::signal::ctrl_c() => SIGINT,
            else => return,
        };
        #[cfg(not(unix))]
        let why = match tokio::signal::ctrl_c().await {
            Ok(()) => SIGINT,
            Err(_) => return,
        };
        if asked {
            eprintln!("\n{why} again: stopping now.");
            std::process::exit(exit_code(why).into());
        }
        asked = true;
        interrupt.trigger(why);
    }
}

/// This process's peak resident memory (Linux `VmHWM`), in MB.
fn peak_memory_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb.div_ceil(1024))
}
