//! /refresh — sync from Zoho now, showing progress by editing the reply. One sync at a time:
//! a second caller is told one is running and sees its result.

use std::sync::{Arc, Mutex};

use panopticon::sync::{self, Progress, SyncSettings};

use crate::kit::{Ctx, Error};

/// The phase a sync is in, for the edited reply.
struct Phase(Arc<Mutex<String>>);

impl Progress for Phase {
    fn phase(&self, name: &str, total: Option<u64>) {
        let text = match total {
            Some(t) => format!("{name} (0/{t})"),
            None => name.to_string(),
        };
        *self.0.lock().expect("phase lock") = text;
    }
    fn advance(&self, done: u64) {
        let mut p = self.0.lock().expect("phase lock");
        let base = p.split(" (").next().unwrap_or("").to_string();
        let total = p.split('/').nth(1).map(|t| t.trim_end_matches(')').to_string());
        *p = match total {
            Some(t) => format!("{base} ({done}/{t})"),
            None => format!("{base} ({done} records)"),
        };
    }
}

/// Sync from Zoho now.
#[poise::command(slash_command, guild_only)]
pub async fn refresh(ctx: Ctx<'_>) -> Result<(), Error> {
    let data = ctx.data();
    let Ok(_guard) = data.sync_lock.try_lock() else {
        let handle = ctx.say("A sync is already running; I'll show its result here.").await?;
        // Wait for the lock, not for a change on the channel: the running sync publishes its
        // result before it lets go, so the result is there once the lock is ours — even if it
        // was published a moment before this command arrived.
        drop(data.sync_lock.lock().await);
        let latest = data.last_sync.borrow().clone();
        let text = match latest {
            Some(Ok(r)) => format!("✅ {r}"),
            Some(Err(e)) => format!("⚠️ The sync failed: {e}"),
            None => "The sync ended.".into(),
        };
        handle.edit(ctx, poise::CreateReply::default().content(text)).await?;
        return Ok(());
    };
    let cfg = data.cfg.clone();
    let client = panopticon::crm::connect(&cfg)?;
    let handle = ctx.say("🔄 Syncing from Zoho…").await?;
    let phase = Arc::new(Mutex::new("Starting".to_string()));
    let settings = SyncSettings::from_config(&cfg);
    let progress = Phase(phase.clone());
    let store = data.store.clone();
    let run = sync::run(&store, &client, &settings, false, &progress);
    tokio::pin!(run);
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(2));
    let result = loop {
        tokio::select! {
            r = &mut run => break r,
            _ = tick.tick() => {
                let text = format!("🔄 Syncing from Zoho… {}", phase.lock().expect("phase lock"));
                let _ = handle.edit(ctx, poise::CreateReply::default().content(text)).await;
            }
        }
    };
    crate::ops::metrics::sync_finished(&result);
    let (text, shared) = match result {
        Ok(r) => (format!("✅ {r}"), Ok(r)),
        Err(e) => (format!("⚠️ The sync failed: {e}\nViews keep showing the last good data."), Err(e.to_string())),
    };
    data.last_sync.send_replace(Some(shared));
    handle.edit(ctx, poise::CreateReply::default().content(crate::kit::limits::cut(&text, 2000))).await?;
    Ok(())
}
