//! /locators — the accountability table.

use panopticon::views::state::ViewKind;

use crate::kit::{reply, reply_view, Ctx, Error};

/// Per locator: appointed, awaiting, at risk, stale, progressed, conversion.
#[poise::command(slash_command, guild_only)]
pub async fn locators(ctx: Ctx<'_>) -> Result<(), Error> {
    reply::defer(ctx).await?;
    let state = super::state(ctx, ViewKind::Locators, None, None).await?;
    reply_view(ctx, state).await
}
