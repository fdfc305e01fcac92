//! `panopticon maintain`: the database's housekeeping, safe while the bot runs. Prunes sync runs
//! and sent digests older than `[storage] keep_runs_days` (the sync does this too), refreshes
//! SQLite's query statistics (`PRAGMA optimize`), rewrites the file without its free pages
//! (`VACUUM`) and empties the WAL. Run it weekly from cron or a systemd timer. With `[actions]
//! keep_days`, it also prunes the write-back audit (resolved actions only).

use chrono::Utc;
use panopticon::config::Config;
use panopticon::store::{self, Store};

use super::backup::megabytes;
use super::{out, Failure};

pub fn run(cfg: &Config) -> Result<(), Failure> {
    if !cfg.storage_path.is_file() {
        return Err(Failure::input(format!(
            "there is no database at {}: check [storage] path, or run `panopticon sync` first",
            cfg.storage_path.display()
        )));
    }
    let store = Store::open(&cfg.storage_path).map_err(|e| Failure::work(e.to_string()))?;
    let m = store::maintain(&store, cfg.keep_runs_days, cfg.actions.keep_days, Utc::now())
        .map_err(|e| Failure::work(e.to_string()))?;
    out::line(&format!(
        "Pruned {} sync run{} and {} digest{} older than {} days.",
        m.pruned.runs,
        if m.pruned.runs == 1 { "" } else { "s" },
        m.pruned.digests,
        if m.pruned.digests == 1 { "" } else { "s" },
        cfg.keep_runs_days
    ))?;
    if let Some(days) = cfg.actions.keep_days {
        out::line(&format!(
            "Pruned {} write-back action{} from the audit older than {days} days (pending ones are kept).",
            m.pruned.actions,
            if m.pruned.actions == 1 { "" } else { "s" },
        ))?;
    }
    if m.appointed_mended > 0 {
        out::line(&format!(
            "Recomputed the per-lead summary the stale and at-risk lists read ({} row{} differed from the leads, \
             appointments and stage history).",
            m.appointed_mended,
            if m.appointed_mended == 1 { "" } else { "s" }
        ))?;
    }
    out::line(&format!(
        "Optimized and compacted {}: {} → {}.",
        cfg.storage_path.display(),
        megabytes(m.bytes_before),
        megabytes(m.bytes_after)
    ))
}
