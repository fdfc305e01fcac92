//! /calendar — appointments for today, this week, this month, around a date, or a range.

use chrono::NaiveDate;
use panopticon::views::calendar::{self, Period, PeriodKind};
use panopticon::views::state::{ViewKind, ViewState};
use panopticon::views::{input, join_capped, NO_LOCATOR};
use poise::serenity_prelude::CreateActionRow;

use super::choice::Choice;
use super::reply_view;
use crate::kit::compose::{button, embed, file, plural, Composed, Scene, BLUE};
use crate::kit::{Ctx, Error};

/// Appointments day by day, coloured by each lead's status.
#[poise::command(slash_command, guild_only)]
pub async fn calendar(
    ctx: Ctx<'_>,
    #[description = "today, this week (default) or this month"] period: Option<Choice<PeriodKind>>,
    #[description = "Around this date instead of today (YYYY-MM-DD)"] date: Option<String>,
    #[description = "A custom range: first day (YYYY-MM-DD; give `to` as well)"] from: Option<String>,
    #[description = "A custom range: last day (YYYY-MM-DD)"] to: Option<String>,
    #[description = "Only you see the answer (members' and managers' answers always are)"] private: Option<bool>,
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
        let access = super::asker(ctx, private, true).await?;
        return reply_view(ctx, &access, state).await;
    }
    let tz = ctx.data().cfg.rules.timezone;
    let now = chrono::Utc::now();
    let day = match date {
        Some(d) => input::parse_date("date", &d)?,
        None => now.with_timezone(&tz).date_naive(),
    };
    let kind = period.map_or(PeriodKind::Week, |p| p.0);
    let access = super::asker(ctx, private, true).await?;
    reply_view(ctx, &access, calendar_state(now, kind, day)).await
}

/// The message for a calendar state.
pub fn face(sc: &Scene) -> Result<Composed, Error> {
    let (s, state, ctx, key, filter) = (sc.snap, sc.state, &sc.ctx, &sc.key, &sc.filter);
    let period = match (state.from, state.to, state.period) {
        (Some(f), Some(t), _) => Period::range(f, t),
        (_, _, Some((kind, d))) => Period::around(kind, d),
        _ => Period::week(ctx.today()),
    };
    let v = calendar::build(s, ctx, period, filter);
    // The picture of the period asked for: a day list, a week grid, a month grid.
    let img = panopticon::render::calendar::image(&v, ctx)?;
    let mut lines = Vec::new();
    let booked: Vec<_> = v.days.iter().filter(|d| !d.appointments.is_empty()).collect();
    for d in booked.iter().take(10) {
        let items = d.appointments.iter().map(|i| {
            format!("{} {} ({}, {})", i.time, i.name, i.locator.as_deref().unwrap_or(NO_LOCATOR), i.status.word())
        });
        lines.push(format!("**{} {}** — {}", d.weekday, d.date.format("%d %b"), join_capped(items, 6, "; ")));
    }
    if booked.len() > 10 {
        // A month has more booked days than an embed can list: say so, never drop silently.
        lines.push(format!("+{} more days with appointments (in the picture)", booked.len() - 10));
    }
    if v.total == 0 {
        lines.push("No appointments in this period.".into());
    }
    // A period as a state: a named period by its start, a custom range by its ends.
    let with = |p: Period| match p.kind {
        PeriodKind::Day | PeriodKind::Week | PeriodKind::Month => {
            ViewState { period: Some((p.kind, p.from)), from: None, to: None, page: 0, ..state.clone() }
        }
        PeriodKind::Range => ViewState { period: None, from: Some(p.from), to: Some(p.to), page: 0, ..state.clone() },
    };
    let today = ctx.today();
    let rows = vec![CreateActionRow::Buttons(vec![
        button(key, &with(period.prev()), 'p', "◀ Previous", false),
        button(key, &with(Period::day(today)), 't', "Today", false),
        button(key, &with(Period::week(today)), 'w', "This week", false),
        button(key, &with(Period::month(today)), 'm', "This month", false),
        button(key, &with(period.next()), 'n', "Next ▶", false),
    ])];
    let title = format!("📅 {} — {} appointment{}", period.describe(), v.total, plural(v.total));
    Ok(Composed {
        embeds: vec![embed(&title, BLUE, &lines, ctx, &v.header, Some(&img))],
        files: vec![file(&img)],
        components: rows,
    })
}

/// Appointments for a date, as a state (for /calendar's options).
fn calendar_state(as_of: chrono::DateTime<chrono::Utc>, kind: PeriodKind, start: NaiveDate) -> ViewState {
    ViewState { period: Some((kind, start)), ..ViewState::new(ViewKind::Calendar, as_of) }
}
