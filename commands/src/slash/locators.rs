//! /locators — the accountability table, with each locator's follow-up medians (time to act
//! on an appointment, time to answer a nudge) and an "Export CSV" button.

use panopticon::alerts::kpi::hours_text as shown;
use panopticon::render::{chart, table, Page};
use panopticon::views::state::ViewKind;
use panopticon::views::{join_capped, locators};
use poise::serenity_prelude::{CreateActionRow, CreateEmbed};

use super::reply_view;
use crate::kit::compose::{embed, file, Composed, Scene, BLUE, RED};
use crate::kit::{Ctx, Error};

/// Per locator: appointed, awaiting, at risk, stale, progressed, conversion.
#[poise::command(slash_command, guild_only)]
pub async fn locators(
    ctx: Ctx<'_>,
    #[description = "Only you see the answer (members' and managers' answers always are)"] private: Option<bool>,
) -> Result<(), Error> {
    let access = super::asker(ctx, private, false).await?;
    let state = super::state(ctx, &access, ViewKind::Locators, None, None).await?;
    reply_view(ctx, &access, state).await
}

/// The message for a locators state.
pub fn face(sc: &Scene) -> Result<Composed, Error> {
    let (s, ctx, filter, per_page) = (sc.snap, &sc.ctx, &sc.filter, sc.per_page);
    let v = locators::build(s, ctx, filter);
    let page = Page::first(per_page.max(25));
    let img = table::locators(&v, ctx, page)?;
    let bars = chart::locators(&v, ctx)?;
    let worst: Vec<String> =
        v.rows.iter().filter(|r| r.stale > 0).map(|r| format!("**{}** {} stale", r.locator, r.stale)).collect();
    let lines = vec![
        format!("{} stale · {} at risk · {} appointed in all", v.total.stale, v.total.at_risk, v.total.appointed),
        if worst.is_empty() {
            "No locator has a stale lead.".into()
        } else {
            format!("Call first: {}", join_capped(worst, 5, " · "))
        },
        format!(
            "Follow-up (median): act on an appointment **{}** · answer a nudge **{}**",
            shown(v.total.median_hours_to_intervention),
            shown(v.total.median_hours_to_answer)
        ),
    ];
    let first = embed("Locators", BLUE, &lines, ctx, &v.header, Some(&img));
    let second = CreateEmbed::new().colour(RED).image(format!("attachment://{}", bars.name));
    let export = CreateActionRow::Buttons(vec![super::export::export_button(&sc.key, sc.state)]);
    Ok(Composed { embeds: vec![first, second], files: vec![file(&img), file(&bars)], components: vec![export] })
}
