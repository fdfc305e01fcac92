//! /leads — every appointed lead with its status, filtered by stage, locator and status.

use panopticon::rules::Status;
use panopticon::views::input;
use panopticon::views::state::ViewKind;
use panopticon::views::SortKey;

use super::reply_view;
use crate::kit::{reply, Ctx, Error};

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

#[derive(Debug, poise::ChoiceParameter)]
pub enum SortChoice {
    #[name = "most overdue first"]
    DaysSince,
    #[name = "latest appointment first"]
    Appointment,
    #[name = "stage"]
    Stage,
    #[name = "locator"]
    Locator,
    #[name = "name"]
    Name,
    #[name = "longest in stage first"]
    DaysInStage,
}

/// Every appointed lead and its status; filter by stage, locator, status and dates.
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
    #[description = "Appointments from this date (YYYY-MM-DD)"] from: Option<String>,
    #[description = "Appointments up to this date (YYYY-MM-DD)"] to: Option<String>,
    #[description = "Order (default: most urgent first)"] sort: Option<SortChoice>,
) -> Result<(), Error> {
    // Dates need no data: a typo is answered at once, privately, before anything else.
    let dates = input::FilterInput { from, to, ..Default::default() }.parse_named(&[], &[], ("from", "to"))?;
    reply::defer(ctx).await?;
    let mut state = super::state(ctx, ViewKind::Leads, stage, locator).await?;
    (state.from, state.to) = (dates.from, dates.to);
    state.sort = sort.map(|s| match s {
        SortChoice::DaysSince => SortKey::DaysSince,
        SortChoice::Appointment => SortKey::Appointment,
        SortChoice::Stage => SortKey::Stage,
        SortChoice::Locator => SortKey::Locator,
        SortChoice::Name => SortKey::Name,
        SortChoice::DaysInStage => SortKey::DaysInStage,
    });
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
