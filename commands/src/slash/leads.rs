//! /leads — every appointed lead with its status, filtered by stage, locator and status.

use panopticon::rules::Status;
use panopticon::views::state::ViewKind;

use crate::bot::{reply_view, Ctx, Error};

#[derive(Debug, poise::ChoiceParameter)]
pub enum StatusChoice {
    #[name = "stale"]
    Stale,
    #[name = "at risk"]
    AtRisk,
    #[name = "awaiting"]
    Awaiting,
    #[name = "progressed"]
    Progressed,
    #[name = "upcoming"]
    Upcoming,
    #[name = "closed"]
    Closed,
}

/// Every appointed lead and its status; filter by stage, locator and status.
#[poise::command(slash_command, guild_only)]
pub async fn leads(
    ctx: Ctx<'_>,
    #[description = "Only leads in this stage"]
    #[autocomplete = "super::stages"]
    stage: Option<String>,
    #[description = "Only this locator's leads"]
    #[autocomplete = "super::locators"]
    locator: Option<String>,
    #[description = "Only leads with this status"] status: Option<StatusChoice>,
) -> Result<(), Error> {
    let mut state = super::state(ctx, ViewKind::Leads, stage, locator).await?;
    if let Some(s) = status {
        state.statuses = vec![match s {
            StatusChoice::Stale => Status::Stale,
            StatusChoice::AtRisk => Status::AtRisk,
            StatusChoice::Awaiting => Status::Awaiting,
            StatusChoice::Progressed => Status::Progressed,
            StatusChoice::Upcoming => Status::Upcoming,
            StatusChoice::Closed => Status::Closed,
        }];
    }
    reply_view(ctx, state).await
}
