//! The one way the bot syncs, whoever asks — its schedule, `/refresh` or the digest: through the
//! kept CRM client, stoppable by a shutdown, its result published for a second `/refresh` to
//! see, one log line per sync, and the views' snapshot reloaded so the next command shows it.
//! The caller holds `Data::sync_lock` (one sync at a time).

use std::fmt;
use std::time::Instant;

use panopticon::sync::{self, Progress, RunOptions, SyncError, SyncReport, SyncSettings};

use super::{Data, Error};

/// Who started a sync, for the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    Schedule,
    Refresh,
    Digest,
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Trigger::Schedule => "schedule",
            Trigger::Refresh => "refresh",
            Trigger::Digest => "digest",
        })
    }
}

/// Runs one incremental sync. The caller holds `data.sync_lock`.
pub async fn run_sync(data: &Data, trigger: Trigger, progress: &dyn Progress) -> Result<SyncReport, Error> {
    if data.ops.stopping() {
        return Err("Panopticon is shutting down; no new sync is started.".into());
    }
    let clock = Instant::now();
    let result = match data.ops.crm(&data.cfg).await {
        Ok(crm) => {
            let settings = SyncSettings::from_config(&data.cfg);
            let opts = RunOptions { interrupt: data.ops.interrupt().clone(), ..RunOptions::default() };
            sync::run_with(&data.store, crm, &settings, &opts, progress).await
        }
        Err(e) => Err(SyncError::Crm(e)),
    };
    crate::ops::metrics::sync_finished(&result);
    data.publish_sync(&result);
    let duration_ms = clock.elapsed().as_millis() as u64;
    match &result {
        Ok(r) => tracing::info!(
            %trigger,
            outcome = "ok",
            duration_ms,
            created = r.created,
            updated = r.updated,
            deleted = r.deleted,
            stage_changes = r.stage_changes,
            appointments = r.appointments,
            api_calls = r.api_calls(),
            "sync"
        ),
        Err(e) => {
            let outcome = if matches!(e, SyncError::Interrupted(_)) { "interrupted" } else { "failed" };
            tracing::info!(%trigger, outcome, duration_ms, error = %e, "sync");
        }
    }
    // Load the new data now, so the next command answers from it without waiting.
    if let Err(e) = data.snapshot().await {
        tracing::warn!("could not reload the data after the sync: {e}");
    }
    Ok(result?)
}
