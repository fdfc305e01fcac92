//! /digest — a preview of the morning digest, just for you (nothing is posted or recorded).

use crate::kit::digest::{compose_in, digest_context, message};
use crate::kit::{Ctx, Error};

/// Preview today's morning digest (only you see it).
#[poise::command(slash_command, guild_only)]
pub async fn digest(ctx: Ctx<'_>) -> Result<(), Error> {
    ctx.defer_ephemeral().await?;
    let data = ctx.data();
    let snap = data.snapshot().await?;
    let (cfg, key) = (data.cfg.clone(), data.view_key.clone());
    // Composing reads the database and rendering the images is CPU work: on the pool.
    let (summary, composed) = data
        .db_pooled(move |c| -> Result<_, Error> {
            let dctx = digest_context(&cfg, chrono::Utc::now());
            let d = compose_in(c, &snap, &dctx)?;
            Ok((d.summary(), message(&cfg, &snap, &d, &dctx, &key)?))
        })
        .await?;
    let reply = match composed {
        None => poise::CreateReply::default()
            .content(format!("{summary} (quiet days are skipped: nothing would be posted)")),
        Some(c) => c.into_reply(),
    };
    ctx.send(reply.ephemeral(true)).await?;
    Ok(())
}
