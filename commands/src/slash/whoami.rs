//! /whoami — who Panopticon thinks you are: your role, the CRM user you are linked to, and what
//! you can see, in words. Always private.

use panopticon::people::{Access, Directory, Role, Scope};
use panopticon::store;

use crate::kit::{people, Ctx, Error};

/// The most team members named before "…".
const NAMED: usize = 8;

/// What `access` sees, in words; `appointed` is the number of appointed leads in their scope.
fn sees(access: &Access, dir: &Directory, appointed: usize) -> String {
    match (access.role, &access.scope) {
        (Role::Viewer, _) => "aggregates only (/pipeline, /locators): no lead by name".into(),
        (_, Scope::Everyone) => "every lead".into(),
        (Role::Member, Scope::Owners(_)) => format!("your leads: {appointed} appointed"),
        (_, Scope::Owners(ids)) => {
            let mut names: Vec<&str> =
                ids.iter().map(|id| dir.user(id).map_or(id.as_str(), |u| u.name.as_str())).collect();
            names.sort_unstable();
            let more = if names.len() > NAMED { ", …" } else { "" };
            let shown = names.iter().take(NAMED).copied().collect::<Vec<_>>().join(", ");
            format!("your team: {shown}{more} ({} people), {appointed} appointed leads", names.len())
        }
    }
}

/// Who Panopticon thinks you are, and what you can see (only you see this).
#[poise::command(slash_command, guild_only)]
pub async fn whoami(ctx: Ctx<'_>) -> Result<(), Error> {
    ctx.defer_ephemeral().await?;
    let data = ctx.data();
    let member = ctx.author_member().await.ok_or("Panopticon could not check your roles; try again.")?;
    let role = people::role(&data.cfg, &member);
    let me = member.user.id.get();
    let (person, dir) =
        data.db(move |c| -> Result<_, Error> { Ok((store::person(c, me)?, store::directory(c)?)) }).await?;
    let mut lines = vec![format!("Role: **{}**", role.map_or("none", Role::name))];
    match &person {
        Some(p) => {
            let name = p.crm_user.as_ref().map_or("a user not among the synced ones", |u| u.name.as_str());
            let gone = p.crm_user.as_ref().is_some_and(|u| !u.active());
            lines.push(format!(
                "Linked to CRM user **{name}** ({}){}",
                p.crm_user_id,
                if gone { " — deactivated in the CRM" } else { "" }
            ));
        }
        None => lines.push("Not linked to a CRM user.".into()),
    }
    match people::access(data, &member).await? {
        Ok(access) => {
            let snap = people::scoped(data.snapshot().await?, &access.scope);
            lines.push(format!("You see: {}", sees(&access, &dir, snap.leads.len())));
        }
        Err(refused) => lines.push(refused.message()),
    }
    ctx.send(poise::CreateReply::default().content(lines.join("\n")).ephemeral(true)).await?;
    Ok(())
}
