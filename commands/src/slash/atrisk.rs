//! /atrisk — Leads about to go stale: past the at-risk threshold, not yet stale.

use panopticon::views::state::ViewKind;

use super::reply_view;
use crate::kit::{Ctx, Error};

/// Leads about to go stale: past the at-risk threshold, not yet stale.
#[poise::command(slash_command, guild_only)]
pub async fn atrisk(
    ctx: Ctx<'_>,
    #[description = "Only this locator's leads"]
    #[autocomplete = "super::locators"]
    locator: Option<String>,
    #[description = "Only leads in this stage"]
    #[autocomplete = "super::stages"]
    stage: Option<String>,
    #[description = "Only you see the answer (members' and managers' answers always are)"] private: Option<bool>,
) -> Result<(), Error> {
    let access = super::asker(ctx, private, true).await?;
    let state = super::state(ctx, &access, ViewKind::AT_RISK, stage, locator).await?;
    reply_view(ctx, &access, state).await
}
