//! /forecast — Revenue by closing month: weighted pipeline and historical conversion, side by side, against target.

use panopticon::views::state::SalesView;

use super::scene::SalesScene;
use super::Typed;
use crate::kit::compose::Composed;
use crate::kit::{Ctx, Error};

/// Revenue by closing month: weighted pipeline and historical conversion, side by side, against target.
#[poise::command(slash_command, guild_only)]
pub async fn forecast(
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
    super::answer(ctx, private, SalesView::Forecast, typed).await
}

/// The message for a forecast state.
pub fn face(_sc: &SalesScene) -> Result<Composed, Error> {
    Err("not yet".into())
}
