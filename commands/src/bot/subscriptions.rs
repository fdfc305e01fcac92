//! The subscriptions' sender (`/subscribe`): a loop that wakes at least every minute and, for
//! each scheduled subscription that is due (`CronSchedule::due`: its latest slot, caught up for
//! three hours, never two at once), claims the (subscription, slot) in SQLite before sending —
//! so each slot goes out once across restarts and instances — then DMs it and records it sent,
//! or skipped with why (DMs closed, left the server, nothing new). What is sent is cut to the
//! recipient as they are at send time (`kit::people::access_now`). "My alerts" with no schedule
//! go out with the alerts pass, not from here.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use panopticon::alerts::{pass, Tier};
use panopticon::digest::cron::CronSchedule;
use panopticon::people::{Access, Role};
use panopticon::store::{self, Claim, Subscription, SubscriptionKind};
use panopticon::views::join_capped;
use panopticon::views::state::{ViewKind, ViewState};
use poise::serenity_prelude as serenity;
use serenity::{CreateEmbed, CreateEmbedFooter, CreateMessage};

use crate::kit::compose::Composed;
use crate::kit::digest::{compose_in, digest_context, find_posted, message_to, Audience};
use crate::kit::{compose_view, people, Data, Error};
use crate::slash;
use crate::slash::subscribe::{label, local};

/// Discord's code for "Cannot send messages to this user" (DMs closed, or no shared guild).
const DMS_CLOSED: isize = 50007;

/// The longest sleep: the clock may jump, and a subscription made meanwhile has its first slot.
const RECHECK: StdDuration = StdDuration::from_secs(60);

/// What sending one slot did.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Sent(String),
    /// Found in their DMs after a crash and recorded, not sent again.
    Recovered(String),
    /// Sent or skipped already, or another instance is sending it.
    AlreadyDone,
    Skipped(String),
}

/// Sends due subscriptions for the life of the bot.
pub async fn sender(data: Data, http: Arc<serenity::Http>) {
    let instance = format!("bot-{}", std::process::id());
    while !data.ops.stopping() {
        let now = Utc::now();
        let next = match pass_once(&data, &http, &instance, now).await {
            Ok(next) => next,
            Err(e) => {
                tracing::error!("subscriptions: could not read them: {e}");
                None
            }
        };
        let wait = next.and_then(|t| (t - Utc::now()).to_std().ok()).unwrap_or(RECHECK).min(RECHECK);
        tokio::time::sleep(wait.max(StdDuration::from_millis(200))).await;
    }
}

fn parse_utc(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

/// Sends every slot due at `now`; the earliest next slot of any subscription.
async fn pass_once(
    data: &Data,
    http: &serenity::Http,
    instance: &str,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, Error> {
    let tz = data.cfg.rules.timezone;
    let all = data.db(|c| store::subscriptions(c, None)).await?;
    let mut next: Option<DateTime<Utc>> = None;
    for sub in all {
        // No schedule: my alerts with each alerts pass, sent by that pass.
        let Some(text) = sub.schedule.as_deref() else { continue };
        let schedule = match CronSchedule::parse(text, tz) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(subscription = sub.id, "subscription schedule not understood, not sent: {e}");
                continue;
            }
        };
        let id = sub.id;
        let last = data.db(move |c| store::last_subscription_slot(c, id)).await?.as_deref().and_then(parse_utc);
        // A creation time that cannot be read counts as now: nothing is sent for the past.
        let created = parse_utc(&sub.created_at).unwrap_or(now);
        if let Some(slot) = schedule.due(created, last, now) {
            match send(data, http, &sub, slot, last, instance).await {
                Ok(o) => tracing::info!(subscription = id, member = sub.discord_id, %slot, ?o, "subscription"),
                // The claim stays ours: tried again on the next wake, within the catch-up window.
                Err(e) => {
                    tracing::error!(subscription = id, member = sub.discord_id, %slot, "subscription failed: {e}")
                }
            }
        }
        next = [next, schedule.next_after(now)].into_iter().flatten().min();
    }
    Ok(next)
}

/// The footer that marks a subscription's send, so a restarted bot can find it in the DMs.
fn marker(id: i64, slot: DateTime<Utc>) -> String {
    format!("Panopticon subscription {id} {}", slot.format("%Y-%m-%dT%H:%MZ"))
}

fn refused(e: &serenity::Error) -> bool {
    matches!(e, serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r)) if r.error.code == DMS_CLOSED)
}

/// Claims, composes for the recipient as they are now, DMs and records one slot.
async fn send(
    data: &Data,
    http: &serenity::Http,
    sub: &Subscription,
    slot: DateTime<Utc>,
    last: Option<DateTime<Utc>>,
    instance: &str,
) -> Result<Outcome, Error> {
    let (id, discord, now) = (sub.id, sub.discord_id, Utc::now());
    let inst = instance.to_string();
    let abandoned = match data.db(move |c| store::claim_subscription_send(c, id, slot, &inst, now)).await? {
        Claim::Sent | Claim::Busy => return Ok(Outcome::AlreadyDone),
        Claim::Abandoned { by } => {
            tracing::warn!(subscription = id, %slot, %by, "a subscription send was never completed; taken over");
            true
        }
        Claim::Ours => false,
    };
    let finish = |sent: bool, what: String| async move {
        data.db(move |c| store::finish_subscription_send(c, id, slot, sent, &what, Utc::now())).await
    };
    let skip = |why: String| async move {
        finish(false, why.clone()).await?;
        Ok::<_, Error>(Outcome::Skipped(why))
    };
    if discord == 0 {
        return skip("no valid Discord id".into()).await;
    }
    let access = match people::access_now(data, http, discord).await? {
        Some(Ok(a)) => a,
        Some(Err(no)) => return skip(format!("no access: {}", no.message())).await,
        None => return skip("not in the server".into()).await,
    };
    if sub.kind == SubscriptionKind::MyAlerts && access.own_scope().is_none() {
        return skip("not linked to a CRM user".into()).await;
    }
    let composed = match sub.kind {
        SubscriptionKind::TeamDigest => team_digest(data, &access, now).await?,
        SubscriptionKind::WeeklyLocators => {
            let state = ViewState::new(ViewKind::Locators, now);
            Some(compose_view(data, &access, state, slash::face(ViewKind::Locators)).await?)
        }
        SubscriptionKind::MyAlerts => my_alerts(data, &access, last, now).await?,
    };
    let Some(Composed { mut embeds, files, .. }) = composed else {
        return skip("nothing new".into()).await;
    };
    let tz = data.cfg.rules.timezone;
    let mark = marker(id, slot);
    if let Some(first) = embeds.first_mut() {
        let foot = format!("{mark} · your {} · {} · /unsubscribe to stop", label(sub.kind), local(now, tz));
        *first = first.clone().footer(CreateEmbedFooter::new(foot));
    }
    let user = serenity::UserId::new(discord);
    let closed = |e: &serenity::Error| {
        tracing::warn!(subscription = id, member = discord, "Discord refused the subscription DM: {e}; not retried");
        format!("Discord refused the DM ({DMS_CLOSED}: DMs closed)")
    };
    let channel = match user.create_dm_channel(http).await {
        Ok(c) => c.id,
        Err(e) if refused(&e) => return skip(closed(&e)).await,
        Err(e) => return Err(e.into()),
    };
    if abandoned {
        if let Some(posted) = find_posted(http, channel, &mark).await? {
            finish(true, posted.clone()).await?;
            return Ok(Outcome::Recovered(posted));
        }
    }
    // Buttons are left off: Panopticon answers clicks in the team channel only.
    match channel.send_message(http, CreateMessage::new().embeds(embeds).add_files(files)).await {
        Ok(m) => {
            let posted = m.id.to_string();
            finish(true, posted.clone()).await?;
            Ok(Outcome::Sent(posted))
        }
        Err(e) if refused(&e) => skip(closed(&e)).await,
        Err(e) => Err(e.into()),
    }
}

/// The digest as the recipient may see it: the team's for a coordinator, their scope's for a
/// manager or member, the counts only for a viewer (the digest names leads).
async fn team_digest(data: &Data, access: &Access, now: DateTime<Utc>) -> Result<Option<Composed>, Error> {
    let snap = data.snapshot().await?;
    let (cfg, key, scope, role) = (data.cfg.clone(), data.view_key.clone(), access.scope.clone(), access.role);
    data.db_pooled(move |c| -> Result<_, Error> {
        let ctx = digest_context(&cfg, now);
        if scope.is_everyone() {
            let d = compose_in(c, &snap, &ctx)?;
            if role == Role::Viewer {
                let title = format!("☀️ Team digest — {}", d.date.format("%A %d %B"));
                let text = format!("{}\n(As a viewer you see the counts.)", d.summary());
                let e = CreateEmbed::new().title(title).colour(0xD55E00).description(text);
                return Ok(Some(Composed { embeds: vec![e], files: vec![], components: vec![] }));
            }
            return message_to(Audience::Subscribed { team: true }, &cfg, &snap, &d, &ctx, &key);
        }
        let mine = snap.within(&scope);
        let d = panopticon::digest::compose(&mine, &ctx, None);
        message_to(Audience::Subscribed { team: false }, &cfg, &mine, &d, &ctx, &key)
    })
    .await
}

/// Their own leads stale or at risk now that were not at the last send (all of them, the first
/// time); `None` when nothing is new.
async fn my_alerts(
    data: &Data,
    access: &Access,
    last: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Option<Composed>, Error> {
    let Some(scope) = access.own_scope() else { return Ok(None) };
    let snap = data.snapshot().await?;
    let cfg = data.cfg.clone();
    data.db_pooled(move |_| -> Result<_, Error> {
        let mine = snap.within(&scope);
        let tiers = [Tier::Stale, Tier::AtRisk];
        let before: HashSet<(String, String, Tier)> = last
            .map(|l| pass::current(&mine, l, &cfg.rules, &tiers))
            .unwrap_or_default()
            .into_iter()
            .map(|t| (t.lead_id, t.key, t.tier))
            .collect();
        let new: Vec<pass::Transition> = pass::current(&mine, now, &cfg.rules, &tiers)
            .into_iter()
            .filter(|t| !before.contains(&(t.lead_id.clone(), t.key.clone(), t.tier)))
            .collect();
        if new.is_empty() {
            return Ok(None);
        }
        let item = |t: &pass::Transition| {
            let who = t.row.locator.as_deref().unwrap_or("no locator");
            match t.row.days_since_appointment {
                Some(d) => format!("{} ({who}, {d} days since the appointment)", t.row.name),
                None => format!("{} ({who})", t.row.name),
            }
        };
        let mut lines = Vec::new();
        for (tier, head) in [(Tier::Stale, "🔴 **Stale:**"), (Tier::AtRisk, "🟠 **At risk:**")] {
            let of: Vec<String> = new.iter().filter(|t| t.tier == tier).map(item).collect();
            if !of.is_empty() {
                lines.push(format!("{head} {}", join_capped(of, 15, "; ")));
            }
        }
        let since = match last {
            Some(l) => format!("since {}", local(l, cfg.rules.timezone)),
            None => "now".into(),
        };
        let title = format!("🔔 Your alerts — {} new {since}", new.len());
        let e = CreateEmbed::new()
            .title(crate::kit::limits::cut(&title, crate::kit::limits::TITLE))
            .colour(0xD55E00)
            .description(crate::kit::limits::cut(&lines.join("\n"), crate::kit::limits::DESCRIPTION));
        Ok(Some(Composed { embeds: vec![e], files: vec![], components: vec![] }))
    })
    .await
}
