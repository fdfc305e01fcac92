//! /dashboard — Your scorecards — won revenue, pipeline, win rate, deal size, cycle, velocity, leads — against the previous period and target.

use panopticon::views::state::SalesView;

use super::scene::SalesScene;
use super::Typed;
use crate::kit::compose::Composed;
use crate::kit::{Ctx, Error};

/// Your scorecards against the previous period and target: revenue, pipeline, win rate, leads.
#[poise::command(slash_command, guild_only)]
pub async fn dashboard(
    ctx: Ctx<'_>,
    #[description = "The period (a preset, or 2026-01-01..2026-03-31); default: this month"]
    #[autocomplete = "super::periods"]
    period: Option<String>,
    #[description = "Only this person's numbers"]
    #[autocomplete = "super::owners"]
    owner: Option<String>,
    #[description = "Only this lead source"]
    #[autocomplete = "super::sources_ac"]
    source: Option<String>,
    #[description = "Only this pipeline"]
    #[autocomplete = "super::pipelines"]
    pipeline: Option<String>,
    #[description = "Only you see the answer (members' and managers' answers always are)"] private: Option<bool>,
) -> Result<(), Error> {
    let typed = Typed { period, owner, source, pipeline, stage: None };
    super::answer(ctx, private, SalesView::Dashboard, typed).await
}

/// The message for a dashboard state.
pub fn face(_sc: &SalesScene) -> Result<Composed, Error> {
    Err("not yet".into())
}
