//! /digest — a preview of the morning digest, just for you (nothing is posted or recorded).

use crate::bot::digest::{compose, digest_context, message};
use crate::bot::{Ctx, Error};

/// Preview today's morning digest (only you see it).
#[poise::command(slash_command, guild_only)]
pub async fn digest(ctx: Ctx<'_>) -> Result<(), Error> {
    ctx.defer_ephemeral().await?;
    let data = ctx.data();
    let snap = data.snapshot().await?;
    let dctx = digest_context(&data.cfg, chrono::Utc::now());
    let d = compose(&data.store, &snap, &dctx)?;
    let reply = match message(&data.cfg, &snap, &d, &dctx, &data.view_key)? {
        None => poise::CreateReply::default()
            .content(format!("{} (quiet days are skipped: nothing would be posted)", d.summary())),
        Some(c) => c.into_reply(),
    };
    ctx.send(reply.ephemeral(true)).await?;
    Ok(())
}
