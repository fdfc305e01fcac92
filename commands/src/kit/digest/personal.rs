//! The personal morning DM (`[digest] personal = true`, opted into with `/digest personal:on`):
//! right after the team digest, each opted-in member who is linked and in the guild gets the
//! digest over their own leads, by DM — claimed per member and day like the team digest
//! (`store::claim_personal_digest`), so it goes out once across restarts and instances. A day
//! with nothing for them is recorded as skipped; a member whose DMs are closed (Discord's
//! 50007) is recorded, logged and not tried again that day.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use panopticon::digest;
use panopticon::people::Scope;
use panopticon::store::{self, Claim, Person, PersonalDone};
use panopticon::views::Snapshot;
use poise::serenity_prelude as serenity;
use serenity::CreateMessage;

use super::{digest_context, find_posted, message_to, Audience};
use crate::kit::compose::Composed;
use crate::kit::{Data, Error};

/// Discord's code for "Cannot send messages to this user" (DMs closed, or no shared guild).
const DMS_CLOSED: isize = 50007;

/// The footer that marks a personal digest, so a restarted bot can find it in the DMs.
pub fn marker(date: NaiveDate) -> String {
    format!("Panopticon personal digest {date}")
}

/// What sending one member's DM did.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Sent(String),
    /// Found in their DMs after a crash and recorded, not sent again.
    Recovered(String),
    /// Sent or skipped already today, or another instance is sending it.
    AlreadyDone,
    /// Nothing stale, at risk or booked today for them.
    Nothing,
    /// Discord refused the DM.
    Refused,
}

/// Sends `date`'s DM to every opted-in member present; returns how many failed (their claims
/// stay, to be taken over once abandoned). Each member's outcome is logged.
pub async fn send_all(data: &Data, http: &serenity::Http, date: NaiveDate, instance: &str) -> usize {
    if !data.cfg.digest.personal {
        return 0;
    }
    let wanted = match data.db(|c| store::people(c)).await {
        Ok(all) => all.into_iter().filter(|p| p.personal_digest && p.left_at.is_none()).collect::<Vec<_>>(),
        Err(e) => {
            tracing::error!(%date, "personal digests: could not read who opted in: {e}");
            return 1;
        }
    };
    if wanted.is_empty() {
        return 0;
    }
    let snap = match data.snapshot().await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(%date, "personal digests: could not load the data: {e}");
            return wanted.len();
        }
    };
    let mut failed = 0;
    for p in &wanted {
        match send_one(data, http, &snap, date, p, instance, Utc::now()).await {
            Ok(o) => tracing::info!(%date, member = p.discord_id, ?o, "personal digest"),
            Err(e) => {
                failed += 1;
                tracing::error!(%date, member = p.discord_id, "personal digest failed: {e}");
            }
        }
    }
    failed
}

/// The leads their linked CRM user owns.
fn own(p: &Person) -> Scope {
    Scope::Owners(BTreeSet::from([p.crm_user_id.clone()]))
}

fn refused(e: &serenity::Error) -> bool {
    matches!(e, serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r)) if r.error.code == DMS_CLOSED)
}

async fn mark(data: &Data, date: NaiveDate, discord: u64, done: PersonalDone, now: DateTime<Utc>) -> Result<(), Error> {
    data.db(move |c| store::mark_personal_digest(c, date, discord, &done, now)).await
}

/// One member's DM: claim, compose over their leads, open the DM channel, post, record.
async fn send_one(
    data: &Data,
    http: &serenity::Http,
    snap: &Snapshot,
    date: NaiveDate,
    p: &Person,
    instance: &str,
    now: DateTime<Utc>,
) -> Result<Outcome, Error> {
    let discord = p.discord_id;
    let inst = instance.to_string();
    let claim = data.db(move |c| store::claim_personal_digest(c, date, discord, &inst, now)).await?;
    let abandoned = match claim {
        Claim::Sent | Claim::Busy => return Ok(Outcome::AlreadyDone),
        Claim::Abandoned { by } => {
            tracing::warn!(%date, member = discord, %by, "a personal digest claim was never completed");
            true
        }
        Claim::Ours => false,
    };
    let Some(user) = (discord != 0).then(|| serenity::UserId::new(discord)) else {
        // A link with an unreadable Discord id (never written by /link): record it, do not loop.
        mark(data, date, discord, PersonalDone::Skipped("no valid Discord id".into()), now).await?;
        return Ok(Outcome::Refused);
    };
    // Their digest is the team digest's content over what is theirs (`Access::own_scope`: a
    // manager's team, a member's leads), from their Discord roles now. Discord unreachable:
    // their CRM user's own leads, the narrowest scope, rather than no digest.
    let scope = match crate::kit::people::access_now(data, http, discord).await {
        Ok(Some(Ok(access))) => access.own_scope().unwrap_or_else(|| own(p)),
        Ok(Some(Err(refused))) => {
            mark(data, date, discord, PersonalDone::Skipped(format!("no access: {}", refused.message())), now).await?;
            return Ok(Outcome::Nothing);
        }
        Ok(None) => {
            mark(data, date, discord, PersonalDone::Skipped("not in the server".into()), now).await?;
            return Ok(Outcome::Nothing);
        }
        Err(e) => {
            tracing::warn!(%date, member = discord, "could not read the member's roles ({e}): their own leads only");
            own(p)
        }
    };
    let mine = snap.within(&scope);
    let (cfg, key) = (data.cfg.clone(), data.view_key.clone());
    let composed = data
        .db_pooled(move |_| -> Result<_, Error> {
            let ctx = digest_context(&cfg, now);
            let d = digest::compose(&mine, &ctx, None);
            message_to(Audience::Personal, &cfg, &mine, &d, &ctx, &key)
        })
        .await?;
    let Some(Composed { embeds, files, .. }) = composed else {
        mark(data, date, discord, PersonalDone::Skipped("nothing needed them".into()), now).await?;
        return Ok(Outcome::Nothing);
    };
    let closed = |e: &serenity::Error| {
        tracing::warn!(%date, member = discord, "Discord refused the personal digest DM: {e}; not retried today");
        PersonalDone::Skipped(format!("Discord refused the DM ({DMS_CLOSED}: DMs closed)"))
    };
    let channel = match user.create_dm_channel(http).await {
        Ok(c) => c.id,
        Err(e) if refused(&e) => {
            mark(data, date, discord, closed(&e), now).await?;
            return Ok(Outcome::Refused);
        }
        Err(e) => return Err(e.into()),
    };
    if abandoned {
        if let Some(id) = find_posted(http, channel, &marker(date)).await? {
            mark(data, date, discord, PersonalDone::Sent(id.clone()), now).await?;
            return Ok(Outcome::Recovered(id));
        }
        let inst = instance.to_string();
        data.db(move |c| store::take_over_personal_digest(c, date, discord, &inst, now)).await?;
    }
    match channel.send_message(http, CreateMessage::new().embeds(embeds).add_files(files)).await {
        Ok(m) => {
            let id = m.id.to_string();
            mark(data, date, discord, PersonalDone::Sent(id.clone()), Utc::now()).await?;
            Ok(Outcome::Sent(id))
        }
        Err(e) if refused(&e) => {
            mark(data, date, discord, closed(&e), now).await?;
            Ok(Outcome::Refused)
        }
        Err(e) => Err(e.into()),
    }
}
