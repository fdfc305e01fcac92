//! Stopping the bot on SIGTERM or SIGINT (Ctrl-C), within a bounded time: stop taking commands
//! and starting syncs, let a running sync finish — or, past a grace period, stop it before its
//! commit (it rolls back and is recorded as interrupted) — then close the gateway. Exit code 0.
//! A second signal exits at once; SQLite rolls back whatever was not committed.
//!
//! The bounds add up to under ten seconds, the time `docker stop` gives before SIGKILL
//! (systemd gives 90).

use std::sync::Arc;
use std::time::Duration;

use poise::serenity_prelude as serenity;

use crate::kit::Data;

/// How long a running sync may go on finishing after the signal.
const SYNC_GRACE: Duration = Duration::from_secs(4);
/// How long an interrupted sync may take to roll back and record itself.
const ROLLBACK: Duration = Duration::from_secs(3);

const SIGTERM: &str = "SIGTERM";
const SIGINT: &str = "SIGINT (Ctrl-C)";

/// The next SIGTERM or SIGINT, by name; never returns if neither can be listened for.
async fn signal() -> &'static str {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            Some(()) = async { term.as_mut()?.recv().await } => SIGTERM,
            Ok(()) = tokio::signal::ctrl_c() => SIGINT,
            else => std::future::pending().await,
        }
    }
    #[cfg(not(unix))]
    match tokio::signal::ctrl_c().await {
        Ok(()) => SIGINT,
        Err(_) => std::future::pending().await,
    }
}

/// Waits for a signal, then stops the bot gracefully; returns once the gateway is closed.
pub async fn on_signal(data: Data, shards: Arc<serenity::ShardManager>) {
    let why = signal().await;
    tracing::info!(signal = why, "shutting down: no new commands or syncs; letting a running sync finish");
    data.ops.stop();
    tokio::spawn(async {
        let again = signal().await;
        tracing::warn!(signal = again, "second signal: stopping now");
        std::process::exit(if again == SIGINT { 130 } else { 143 });
    });
    // Holding the lock to the end keeps any new sync from starting.
    let _held = match tokio::time::timeout(SYNC_GRACE, data.sync_lock.lock()).await {
        Ok(guard) => Some(guard),
        Err(_) => {
            tracing::warn!(signal = why, "a sync is still running: stopping it before its commit");
            data.ops.interrupt().trigger(why);
            tokio::time::timeout(ROLLBACK, data.sync_lock.lock()).await.ok()
        }
    };
    shards.shutdown_all().await;
    tracing::info!("gateway closed; stopped");
}
