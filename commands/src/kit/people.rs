//! Who is asking: the one place a Discord member (from a command or a click, at that moment)
//! becomes an `Access` — their role from their Discord roles, their CRM user from the link, their
//! scope from the directory (`panopticon::people`). Nothing else decides what a member sees.
//! Every view is composed from `scoped`, the snapshot cut to that scope.

use std::sync::Arc;

use panopticon::config::Config;
use panopticon::people::{Access, Refused, Role, Scope};
use panopticon::store;
use panopticon::views::state::ViewKind;
use panopticon::views::Snapshot;
use poise::serenity_prelude as serenity;

use super::{Data, Error};

/// A member's role from their Discord roles alone (no database): enough to decide, before
/// acknowledging, whether the answer is private and whether a viewer may ask at all.
pub fn role(cfg: &Config, member: &serenity::Member) -> Option<Role> {
    let (administrator, roles) = discord_roles(member);
    Role::of(&cfg.people, administrator, &roles)
}

/// Whether `member` is an administrator here, and the ids of their Discord roles.
fn discord_roles(member: &serenity::Member) -> (bool, Vec<u64>) {
    (member.permissions.is_some_and(|p| p.administrator()), member.roles.iter().map(|r| r.get()).collect())
}

/// What `member` may see now. The outer error is the database failing; the inner one why the
/// member sees nothing (no role, or a manager or member not linked yet).
pub async fn access(data: &Data, member: &serenity::Member) -> Result<Result<Access, Refused>, Error> {
    let (administrator, roles) = discord_roles(member);
    let user = member.user.id.get();
    let cfg = data.cfg.clone();
    data.db(move |c| -> Result<_, Error> {
        let linked = store::linked_user(c, user)?;
        let dir = store::directory(c)?;
        Ok(Access::decide(&cfg.people, administrator, &roles, linked.as_deref(), &dir))
    })
    .await
}

/// Discord's JSON error code for "Unknown Member".
const UNKNOWN_MEMBER: isize = 10007;

/// Whether `e` is Discord saying the member is not in the guild. Only this code: a 404 for
/// another reason (Unknown Guild, a wrong guild id) says nothing about the member.
pub fn unknown_member(e: &serenity::Error) -> bool {
    matches!(e, serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r)) if r.error.code == UNKNOWN_MEMBER)
}

/// What a member may see, for work the bot does by itself (the personal DM): their roles read
/// from Discord now (`GET /guilds/{guild}/members/{user}`), then `access`. `Ok(None)`: not in
/// the guild. (Discord's member object carries no permissions: an administrator counts here by
/// the roles in `[roles]` alone.)
pub async fn access_now(
    data: &Data,
    http: &serenity::Http,
    user: u64,
) -> Result<Option<Result<Access, Refused>>, Error> {
    let Some(guild) = data.cfg.discord.guild_id else {
        return Ok(None);
    };
    match http.get_member(serenity::GuildId::new(guild.get()), serenity::UserId::new(user)).await {
        Ok(member) => Ok(Some(access(data, &member).await?)),
        Err(e) if unknown_member(&e) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// `access`, with a refusal as an error in the member's words (`Denied`).
pub async fn require(data: &Data, member: &serenity::Member) -> Result<Access, Error> {
    access(data, member).await?.map_err(|r| Denied(r.message()).into())
}

/// A refusal, said to the member as it is (privately), never as "something went wrong".
#[derive(Debug)]
pub struct Denied(pub String);

impl std::fmt::Display for Denied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Denied {}

/// Whether a view shows leads one by one (a viewer may not see it).
pub fn lead_level(view: ViewKind) -> bool {
    matches!(view, ViewKind::List(_) | ViewKind::Calendar | ViewKind::Lead)
}

/// What a viewer reads when asking for a lead-level view.
pub fn viewers_only_aggregates() -> Denied {
    Denied(
        "As a viewer you see aggregates only: /pipeline, /locators, /status and /help. \
         Lists, the calendar and lead stories name leads one by one."
            .into(),
    )
}

/// `snap` cut to `scope`: the same snapshot for everyone who sees every lead (no copy), the
/// scope's own for anyone narrower.
pub fn scoped(snap: Arc<Snapshot>, scope: &Scope) -> Arc<Snapshot> {
    if scope.is_everyone() {
        snap
    } else {
        Arc::new(snap.within(scope))
    }
}
