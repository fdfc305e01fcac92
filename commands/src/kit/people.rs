//! Who is asking: the one place a Discord member (from a command or a click, at that moment)
//! becomes an `Access` — their role from their Discord roles, their CRM user from the link, their
//! scope from the directory (`panopticon::people`). Nothing else decides what a member sees.

use panopticon::people::{Access, Refused};
use panopticon::store;
use poise::serenity_prelude as serenity;

use super::{Data, Error};

/// What `member` may see now. The outer error is the database failing; the inner one why the
/// member sees nothing (no role, or a manager or member not linked yet).
pub async fn access(data: &Data, member: &serenity::Member) -> Result<Result<Access, Refused>, Error> {
    let administrator = member.permissions.is_some_and(|p| p.administrator());
    let roles: Vec<u64> = member.roles.iter().map(|r| r.get()).collect();
    let user = member.user.id.get();
    let cfg = data.cfg.clone();
    data.db(move |c| -> Result<_, Error> {
        let linked = store::person(c, user)?.map(|p| p.crm_user_id);
        let dir = store::directory(c)?;
        Ok(Access::decide(&cfg.people, administrator, &roles, linked.as_deref(), &dir))
    })
    .await
}
