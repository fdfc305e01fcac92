//! /unlink member:<member> — forgets who a member is in the CRM (coordinators only); a manager
//! or member unlinked sees nothing until linked again. Logged with who unlinked them.

use panopticon::store;
use poise::serenity_prelude as serenity;

use crate::kit::{Ctx, Error};

/// Remove a Discord member's link to their CRM user (coordinators only).
#[poise::command(slash_command, guild_only)]
pub async fn unlink(ctx: Ctx<'_>, #[description = "The Discord member"] member: serenity::User) -> Result<(), Error> {
    super::link::coordinator_only(ctx).await?;
    ctx.defer_ephemeral().await?;
    let by = ctx.author().id.get().to_string();
    let discord = member.id.get();
    let was = ctx.data().db(move |c| store::unlink(c, discord, &by, chrono::Utc::now())).await?;
    let said = match was {
        Some(crm) => format!("Unlinked <@{discord}> (was CRM user {crm})."),
        None => format!("<@{discord}> was not linked."),
    };
    ctx.send(poise::CreateReply::default().content(said).ephemeral(true)).await?;
    Ok(())
}
