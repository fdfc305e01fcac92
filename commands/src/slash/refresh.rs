//! /refresh — sync from Zoho now, showing progress by editing the reply. One sync at a time:
//! a second caller is told one is running and sees its result. Each sync spends Zoho API
//! credits, so a new one starts at most once per `[sync] refresh_cooldown`; joining a running
//! sync spends nothing and is always allowed. The bot's scheduled syncs do not start the
//! cooldown: they are bounded by `[sync] every` already, and someone who just missed one may
//! still want the very latest.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use panopticon::sync::Progress;

use crate::kit::syncing::{run_sync, Trigger};
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
    let Ok(guard) = data.sync_lock.try_lock() else {
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
    if let Err(wait) = data.ops.claim_refresh(data.cfg.sync.refresh_cooldown) {
        ctx.send(
            poise::CreateReply::default()
                .content(cooling_down(wait, data.cfg.sync.refresh_cooldown, data.cfg.sync.every))
                .ephemeral(true),
        )
        .await?;
        return Ok(());
    }
    let handle = ctx.say("🔄 Syncing from Zoho…").await?;
    let phase = Arc::new(Mutex::new("Starting".to_string()));
    let progress = Phase(phase.clone());
    let run = run_sync(data, Trigger::Refresh, &progress);
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
    // The result is published: let the next sync start while the reply is edited.
    drop(guard);
    let text = match result {
        Ok(r) => format!("✅ {r}"),
        Err(e) => format!("⚠️ The sync failed: {e}\nViews keep showing the last good data."),
    };
    handle.edit(ctx, poise::CreateReply::default().content(crate::kit::limits::cut(&text, 2000))).await?;
    Ok(())
}

/// The answer to a /refresh within the cooldown: when the next one may start, and that the bot
/// syncs by itself anyway.
fn cooling_down(wait: Duration, cooldown: Duration, every: Option<Duration>) -> String {
    let span = |d: Duration| panopticon::views::age(chrono::Duration::from_std(d).unwrap_or_default());
    // Rounded up to the next second: "in 0 s" would invite another refusal.
    let secs = wait.as_secs() + 1;
    let at = chrono::Utc::now().timestamp() + secs as i64;
    let mut text = format!(
        "⏳ /refresh ran less than {} ago, and each sync spends Zoho API credits: the next is possible \
         <t:{at}:R> (in {secs} s).",
        span(cooldown)
    );
    if let Some(e) = every {
        text.push_str(&format!(" The bot also syncs by itself every {}.", span(e)));
    }
    text
}
