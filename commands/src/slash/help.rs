//! /help — what each command does, with an example (poise 0.7 has no built-in help).

use crate::bot::{Ctx, Error};

const HELP: &str = "\
**Panopticon** — which appointed leads are going cold, and whose are they?
`/stale` — leads whose appointment passed with no stage change for 7+ days. e.g. `/stale locator:Dana Whitfield`
`/atrisk` — leads about to go stale (5+ days). e.g. `/atrisk stage:Appt Set`
`/leads` — every appointed lead and its status. e.g. `/leads status:at risk`
`/calendar` — appointments by day. e.g. `/calendar period:today`
`/lead` — one lead's story. e.g. `/lead name:Riverside Gym`
`/pipeline` — leads per stage and Green → Delivered.
`/locators` — who has how many stale and at-risk leads.
`/refresh` — sync from Zoho now. `/status` — how fresh the data is. `/digest` — preview the morning digest.
Buttons page and filter in place; they keep working after the bot restarts.";

/// What each command does, with an example.
#[poise::command(slash_command, guild_only)]
pub async fn help(ctx: Ctx<'_>) -> Result<(), Error> {
    ctx.send(poise::CreateReply::default().content(HELP).ephemeral(true)).await?;
    Ok(())
}
