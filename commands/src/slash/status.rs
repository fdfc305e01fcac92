//! /status — is the data fresh? Last sync, its result and age, API calls (and the CRM's own
//! count against its daily allowance, for Salesforce), database size.

use panopticon::store;

use crate::kit::{Ctx, Error};

/// When the data was last synced, whether that worked, and how big the database is.
#[poise::command(slash_command, guild_only)]
pub async fn status(ctx: Ctx<'_>) -> Result<(), Error> {
    ctx.defer_ephemeral().await?;
    let data = ctx.data();
    let (last, good, usage) = data
        .db(|c| -> Result<_, store::StoreError> {
            Ok((store::last_run(c)?, store::last_good_run(c)?, panopticon::sync::stored_api_usage(c)?))
        })
        .await?;
    let when = |t: &str| {
        chrono::DateTime::parse_from_rfc3339(t).map(|t| format!("<t:{}:R>", t.timestamp())).unwrap_or_default()
    };
    let mut lines = Vec::new();
    match &last {
        None => lines.push("No sync has run yet: use /refresh.".to_string()),
        Some(r) if r.ok => lines.push(r.ok_line(&when(&r.finished_at))),
        Some(r) => {
            lines.push(format!(
                "⚠️ Last sync {} **failed**: {}",
                when(&r.finished_at),
                r.error.as_deref().unwrap_or("unknown error")
            ));
            if let Some(g) = &good {
                lines.push(format!("Showing data from the last good sync, {}", when(&g.finished_at)));
            }
        }
    }
    // The CRM's own count against its daily allowance (Salesforce), as the last run saw it.
    if let Some(u) = usage {
        lines.push(format!("{} (as of <t:{}:R>)", u.line(data.cfg.crm.name()), u.at.timestamp()));
    }
    lines.push(format!("Database: {:.1} MB", data.store.size_bytes() as f64 / 1_048_576.0));
    lines.push(format!(
        "Panopticon {} · up {}",
        env!("CARGO_PKG_VERSION"),
        panopticon::views::age(chrono::Duration::from_std(data.started.elapsed()).unwrap_or_default())
    ));
    ctx.send(poise::CreateReply::default().content(crate::kit::limits::cut(&lines.join("\n"), 2000)).ephemeral(true))
        .await?;
    Ok(())
}
