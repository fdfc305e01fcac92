//! /link member:<member> user:<CRM user> — tells Panopticon who a Discord member is in the CRM,
//! so a manager or member sees their own part of it. Coordinators (and administrators) only;
//! the answer is private, the link and who made it go in the people log (`store::link`).

use panopticon::people::Role;
use panopticon::store;
use poise::serenity_prelude as serenity;

use crate::kit::limits::cut;
use crate::kit::{people, Ctx, Error};

/// Synced CRM users whose name or email holds what was typed; deactivated ones are marked.
async fn users(ctx: Ctx<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let p = partial.trim().to_lowercase();
    let Ok(dir) = ctx.data().db(|c| store::directory(c)).await else {
        return serenity::CreateAutocompleteResponse::new();
    };
    let choices: Vec<serenity::AutocompleteChoice> = dir
        .users
        .iter()
        .filter(|u| {
            u.name.to_lowercase().contains(&p) || u.email.as_deref().is_some_and(|e| e.to_lowercase().contains(&p))
        })
        .take(25)
        .map(|u| {
            let label = if u.active() { u.name.clone() } else { format!("{} (deactivated in the CRM)", u.name) };
            serenity::AutocompleteChoice::new(cut(&label, 100), cut(&u.id, 100))
        })
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// Refuses anyone but a coordinator, in words (link and unlink change what others see).
pub(super) async fn coordinator_only(ctx: Ctx<'_>) -> Result<(), Error> {
    let member = ctx.author_member().await.ok_or("Panopticon could not check your roles; try again.")?;
    match people::role(&ctx.data().cfg, &member) {
        Some(Role::Coordinator) => Ok(()),
        _ => Err(people::Denied("Only coordinators and administrators can link or unlink members.".into()).into()),
    }
}

/// Link a Discord member to their CRM user (coordinators only).
#[poise::command(slash_command, guild_only)]
pub async fn link(
    ctx: Ctx<'_>,
    #[description = "The Discord member"] member: serenity::User,
    #[description = "Their CRM user (pick from the list)"]
    #[autocomplete = "users"]
    #[max_length = 100]
    user: String,
) -> Result<(), Error> {
    coordinator_only(ctx).await?;
    ctx.defer_ephemeral().await?;
    let by = ctx.author().id.get().to_string();
    let (discord, typed) = (member.id.get(), user.trim().to_string());
    let said = ctx
        .data()
        .db(move |c| -> Result<String, Error> {
            // A typed name or email works as well as a picked id, when it fits one user.
            let dir = store::directory(c)?;
            let found = dir.find_user(&typed);
            let chosen = match found.as_slice() {
                [one] => (*one).clone(),
                [] => return Ok(format!("No synced CRM user is '{typed}': pick one from the list.")),
                _ => return Ok(format!("'{typed}' fits {} CRM users: pick one from the list.", found.len())),
            };
            Ok(match store::link(c, discord, &chosen.id, &by, chrono::Utc::now())? {
                Err(refused) => format!("Not linked: {refused}."),
                Ok(before) => {
                    let mut s = format!("Linked <@{discord}> to **{}** ({}).", chosen.name, chosen.id);
                    if !chosen.active() {
                        s.push_str(" Note: this user is deactivated in the CRM.");
                    }
                    if let Some(b) = before {
                        s.push_str(&format!(" They were linked to {b} before."));
                    }
                    s
                }
            })
        })
        .await?;
    ctx.send(poise::CreateReply::default().content(cut(&said, 2000)).ephemeral(true)).await?;
    Ok(())
}
