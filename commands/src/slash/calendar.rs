//! /calendar — appointments for today, this week, this month, or around a date.

use panopticon::views::input;
use panopticon::views::state::PeriodKind;

use crate::bot::compose::calendar_state;
use crate::bot::{reply_view, Ctx, Error};

#[derive(Debug, poise::ChoiceParameter)]
pub enum PeriodChoice {
    #[name = "today"]
    Today,
    #[name = "this week"]
    Week,
    #[name = "this month"]
    Month,
}

/// Appointments day by day, coloured by each lead's status.
#[poise::command(slash_command, guild_only)]
pub async fn calendar(
    ctx: Ctx<'_>,
    #[description = "today, this week (default) or this month"] period: Option<PeriodChoice>,
    #[description = "Around this date instead of today (YYYY-MM-DD)"] date: Option<String>,
) -> Result<(), Error> {
    let tz = ctx.data().cfg.rules.timezone;
    let now = chrono::Utc::now();
    let day = match date {
        Some(d) => input::parse_date("date", &d)?,
        None => now.with_timezone(&tz).date_naive(),
    };
    let kind = match period {
        Some(PeriodChoice::Today) => PeriodKind::Day,
        Some(PeriodChoice::Month) => PeriodKind::Month,
        Some(PeriodChoice::Week) | None => PeriodKind::Week,
    };
    reply_view(ctx, calendar_state(now, kind, day)).await
}
