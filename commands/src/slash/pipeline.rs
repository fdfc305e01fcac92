//! /pipeline — leads per stage and the Green → Delivered funnel.

use panopticon::views::state::ViewKind;

use crate::kit::{reply, reply_view, Ctx, Error};

/// Leads per stage, who is in green and for how long, and conversion to delivered.
#[poise::command(slash_command, guild_only)]
pub async fn pipeline(
    ctx: Ctx<'_>,
    #[description = "Only this locator's leads"]
    #[autocomplete = "super::locators"]
    locator: Option<String>,
) -> Result<(), Error> {
    reply::defer(ctx).await?;
    let state = super::state(ctx, ViewKind::Pipeline, None, locator).await?;
    reply_view(ctx, state).await
}
