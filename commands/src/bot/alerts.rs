//! The alerts loop: a pass after every sync (scheduled, /refresh, the digest's — it watches
//! `Data::last_sync`), and once when the alert window opens if a pass was held by quiet hours
//! or an off day. Each pass is exactly-once by its claims (`kit::alerts::run`).

use std::time::Duration;

use chrono::Utc;
use poise::serenity_prelude as serenity;

use crate::kit::alerts::{self, Outcome};
use crate::kit::Data;

/// Runs for the life of the bot.
pub async fn watch(data: Data, http: std::sync::Arc<serenity::Http>) {
    let instance = format!("bot-{}", std::process::id());
    let mut syncs = data.last_sync.subscribe();
    // The sync at start (if any) is what the first pass waits for; a pass on the data already
    // there is fine too (it announces only what is new).
    loop {
        let mut wake = None;
        if !data.ops.stopping() {
            match alerts::run(&data, &http, &instance).await {
                Ok(Outcome::Held(until)) => {
                    tracing::info!(?until, "alerts held: outside the alert window");
                    wake = until;
                }
                Ok(o) => tracing::info!(?o, "alerts pass"),
                Err(e) => tracing::warn!("alerts pass failed: {e}"),
            }
        }
        let until_open = wake.and_then(|t| (t - Utc::now()).to_std().ok()).unwrap_or(Duration::from_secs(3600));
        tokio::select! {
            changed = syncs.changed() => {
                if changed.is_err() || data.ops.stopping() {
                    return;
                }
            }
            // A held pass runs again when the window opens (a sync then would too).
            _ = tokio::time::sleep(until_open.max(Duration::from_millis(500))), if wake.is_some() => {}
        }
    }
}
