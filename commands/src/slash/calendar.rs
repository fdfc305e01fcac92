//! /calendar — appointments for today, this week, this month, around a date, or a range.

use panopticon::views::input;
use panopticon::views::state::PeriodKind;

use crate::kit::compose::calendar_state;
use crate::kit::{reply_view, Ctx, Error};

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
    #[description = "A custom range: first day (YYYY-MM-DD; give `to` as well)"] from: Option<String>,
    #[description = "A custom range: last day (YYYY-MM-DD)"] to: Option<String>,
) -> Result<(), Error> {
    if from.is_some() || to.is_some() {
        let (Some(_), Some(_)) = (&from, &to) else {
            return Err(input::InputError("a custom range needs both `from` and `to`".into()).into());
        };
        let range = input::FilterInput { from, to, ..Default::default() }.parse_named(&[], &[], ("from", "to"))?;
        let (f, t) = (range.from.expect("given"), range.to.expect("given"));
        if (t - f).num_days() > 62 {
            return Err(input::InputError("a custom range can span at most 62 days".into()).into());
        }
        let mut state = calendar_state(chrono::Utc::now(), PeriodKind::Week, f);
        (state.period, state.from, state.to) = (None, Some(f), Some(t));
        return reply_view(ctx, state).await;
    }
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
