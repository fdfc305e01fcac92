//! /leads — every appointed lead with its status, filtered by stage, locator and status.

use panopticon::rules::Status;
use panopticon::views::input;
use panopticon::views::state::ViewKind;
use panopticon::views::SortKey;

use super::choice::Choice;
use super::reply_view;
use crate::kit::{Ctx, Error};

/// Every appointed lead and its status; filter by stage, locator, status and dates.
// Each argument is one of Discord's options: poise takes them as parameters.
#[allow(clippy::too_many_arguments)]
#[poise::command(slash_command, guild_only)]
pub async fn leads(
    ctx: Ctx<'_>,
    #[description = "Only leads in this stage"]
    #[autocomplete = "super::stages"]
    stage: Option<String>,
    #[description = "Only this locator's leads"]
    #[autocomplete = "super::locators"]
    locator: Option<String>,
    #[description = "Only leads with this status"] status: Option<Choice<Status>>,
    #[description = "Appointments from this date (YYYY-MM-DD)"] from: Option<String>,
    #[description = "Appointments up to this date (YYYY-MM-DD)"] to: Option<String>,
    #[description = "Order (default: most urgent first)"] sort: Option<Choice<SortKey>>,
    #[description = "Only you see the answer (members' and managers' answers always are)"] private: Option<bool>,
) -> Result<(), Error> {
    // Dates need no data: a typo is answered at once, privately, before anything else.
    let dates = input::FilterInput { from, to, ..Default::default() }.parse_named(&[], &[], ("from", "to"))?;
    let access = super::asker(ctx, private, true).await?;
    let mut state = super::state(ctx, &access, ViewKind::LEADS, stage, locator).await?;
    (state.from, state.to) = (dates.from, dates.to);
    state.sort = sort.map(|s| s.0);
    if let Some(Choice(s)) = status {
        state.statuses = vec![s];
    }
    reply_view(ctx, &access, state).await
}
