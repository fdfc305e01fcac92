//! /pipeline — leads per stage and the Green → Delivered funnel.

use panopticon::render::chart;
use panopticon::views::pipeline;
use panopticon::views::state::ViewKind;
use poise::serenity_prelude::CreateEmbed;

use super::reply_view;
use crate::kit::compose::{embed, file, Composed, Scene, BLUE};
use crate::kit::{Ctx, Error};

/// Leads per stage, who is in green and for how long, and conversion to delivered.
#[poise::command(slash_command, guild_only)]
pub async fn pipeline(
    ctx: Ctx<'_>,
    #[description = "Only this locator's leads"]
    #[autocomplete = "super::locators"]
    locator: Option<String>,
    #[description = "Only you see the answer (members' and managers' answers always are)"] private: Option<bool>,
) -> Result<(), Error> {
    let access = super::asker(ctx, private, false).await?;
    let state = super::state(ctx, &access, ViewKind::Pipeline, None, locator).await?;
    reply_view(ctx, &access, state).await
}

/// The message for a pipeline state.
pub fn face(sc: &Scene) -> Result<Composed, Error> {
    let (s, ctx, filter) = (sc.snap, &sc.ctx, &sc.filter);
    let p = pipeline::build(s, ctx, filter);
    let stages = chart::stages(&p, ctx)?;
    let funnel = chart::funnel(&p, ctx)?;
    let c = &p.conversion;
    let pct = panopticon::views::percent;
    let lines = vec![
        format!(
            "First appointed {} – {}: **{}** appointed → **{}** green ({}) → **{}** delivered ({})",
            c.from,
            c.to,
            c.appointed,
            c.reached_green,
            pct(c.green_rate),
            c.reached_delivered,
            pct(c.delivered_rate)
        ),
        format!("In green now: **{}**, stuck: **{}**", p.green.len(), p.green.iter().filter(|g| g.stuck).count()),
    ];
    let first = embed("Pipeline", BLUE, &lines, ctx, &p.header, Some(&stages));
    let second = CreateEmbed::new().colour(BLUE).image(format!("attachment://{}", funnel.name));
    Ok(Composed { embeds: vec![first, second], files: vec![file(&stages), file(&funnel)], components: vec![] })
}
