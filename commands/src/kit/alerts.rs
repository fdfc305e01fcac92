//! The alerts pass in Discord: read what the store knows, let the engine decide
//! (`panopticon::alerts::plan`), claim the new items in one transaction, post ONE message, mark
//! the pass sent — and DM each linked locator their own items when asked to. Used by the bot
//! after every sync (`bot/alerts.rs`), by `panopticon alerts`, and by the digest, which folds
//! the fresh items into its morning message instead (`fold`).

mod message;

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use panopticon::alerts::{self, AlertPlan, Intervention, Kind, Known};
use panopticon::config::Config;
use panopticon::store::{self, Connection, PassState, SubscriptionKind};
use panopticon::views::{Context, Snapshot};
use poise::serenity_prelude as serenity;
use serenity::CreateMessage;

pub use message::{compose as message, image, marker};

use super::{Data, Error};

/// How far back interventions can matter: the oldest appointment a lead is still cold from is
/// far younger than this.
const LOOKBACK_DAYS: i64 = 400;

/// What the store says for a pass at `as_of` over `snap` (reads only).
pub fn known(conn: &Connection, snap: &Snapshot, cfg: &Config, as_of: DateTime<Utc>) -> Result<Known, Error> {
    let now = alerts::current(snap, as_of, &cfg.rules, &cfg.alerts.tiers);
    let keys: Vec<(&str, &str, alerts::Tier)> =
        now.iter().map(|t| (t.lead_id.as_str(), t.key.as_str(), t.tier)).collect();
    let said = store::announced(conn, &keys)?;
    let announced: HashSet<_> =
        keys.iter().zip(said).filter(|(_, s)| *s).map(|((l, k, t), _)| (l.to_string(), k.to_string(), *t)).collect();
    Ok(Known {
        any_pass: store::any_alert_pass(conn)?,
        announced,
        interventions: store::interventions_since(conn, Some(as_of - Duration::days(LOOKBACK_DAYS)))?,
        threshold_sides: store::threshold_states(conn)?,
        mentions: store::mentions(conn)?,
        directory: store::directory(conn)?,
        teams: cfg.people.teams.clone(),
    })
}

/// The plan of a pass at `as_of` (reads only): what `panopticon alerts --dry-run` prints.
pub fn plan(conn: &Connection, snap: &Snapshot, cfg: &Config, as_of: DateTime<Utc>) -> Result<AlertPlan, Error> {
    let k = known(conn, snap, cfg, as_of)?;
    Ok(alerts::plan(snap, as_of, &cfg.rules, &cfg.alerts, &k))
}

/// Where alerts go: `[alerts] channel_id`, else the team channel.
pub fn channel(cfg: &Config) -> Option<serenity::ChannelId> {
    cfg.alerts.channel_id.or(cfg.discord.channel_id).map(|c| serenity::ChannelId::new(c.get()))
}

/// What a pass did.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Disabled,
    /// Outside the window: nothing recorded; the first pass once it opens says it.
    Held(Option<DateTime<Utc>>),
    /// The morning digest is due: it takes the fresh items (`fold`).
    LeftToDigest,
    /// The first pass ever: what was late is recorded, not announced.
    Baseline(usize),
    Nothing,
    Posted {
        pass: i64,
        message: String,
        items: usize,
    },
    /// An abandoned pass's message was found in the channel and recorded.
    Recovered(i64),
}

/// Claims the plan's items, records escalations and threshold sides, all decided on `conn`;
/// returns the pass id and the plan cut to what this pass took (another instance may have
/// taken some). Each write is its own transaction; the claim is the one that matters.
fn claim(
    conn: &mut Connection,
    mut plan: AlertPlan,
    state: PassState,
    instance: &str,
    now: DateTime<Utc>,
) -> Result<(i64, AlertPlan), Error> {
    let items: Vec<_> = plan.items().map(|t| (t.lead_id.clone(), t.key.clone(), t.tier, t.owner_id.clone())).collect();
    let refs: Vec<store::AlertItem> =
        items.iter().map(|(l, k, t, o)| (l.as_str(), k.as_str(), *t, o.as_deref())).collect();
    let (pass, taken) = store::claim_alert_pass(conn, plan.as_of, instance, state, &refs, now)?;
    let mut taken = taken.into_iter();
    for g in &mut plan.groups {
        g.items.retain(|_| taken.next().unwrap_or(false));
    }
    plan.groups.retain(|g| !g.items.is_empty());
    let mut kept = Vec::new();
    for e in std::mem::take(&mut plan.escalations) {
        let mut rec = Intervention::new(Kind::Escalation, &e.lead_id, "Panopticon", now);
        rec.owner_id = e.owner_id.clone();
        rec.locator = e.locator.clone();
        rec.appointment = Some(e.appointment.clone());
        rec.note = Some(e.why.clone());
        // Escalate once: the unique index lets one pass, of one instance, record it.
        if store::record_escalation(conn, &rec)?.is_some() {
            kept.push(e);
        }
    }
    plan.escalations = kept;
    let tx = conn.transaction()?;
    for t in &plan.threshold_sides {
        store::set_threshold_state(&tx, &t.key, t.crossed, t.value, Some(pass), now)?;
    }
    tx.commit()?;
    Ok((pass, plan))
}

/// For the digest: claims the fresh items at `now` under a `folded` pass (or the baseline if no
/// pass ever ran) and says in one line how many went cold since the last alerts. `None` when
/// nothing is new. Runs on the digest's connection, before its message is composed.
pub fn fold(
    conn: &mut Connection,
    snap: &Snapshot,
    cfg: &Config,
    now: DateTime<Utc>,
    instance: &str,
) -> Result<Option<String>, Error> {
    if !cfg.alerts.enabled {
        return Ok(None);
    }
    let mut p = plan(conn, snap, cfg, now)?;
    // The digest carries no escalation or threshold line: the next pass posts those.
    p.escalations.clear();
    p.thresholds.clear();
    p.threshold_sides.clear();
    if p.groups.is_empty() {
        return Ok(None);
    }
    let state = if p.baseline { PassState::Baseline } else { PassState::Folded };
    let baseline = p.baseline;
    let (pass, p) = claim(conn, p, state, instance, now)?;
    store::mark_alert_pass(conn, pass, state, None, now)?;
    if baseline || p.groups.is_empty() {
        return Ok(None);
    }
    let n = |t| p.count(t);
    Ok(Some(format!(
        "🔔 Since the last alerts: **{}** newly stale · **{}** newly at risk · **{}** newly stuck in green",
        n(alerts::Tier::Stale),
        n(alerts::Tier::AtRisk),
        n(alerts::Tier::StuckGreen)
    )))
}

/// Whether the morning digest is due now and not yet sent: the pass leaves its items to it.
fn digest_due(conn: &Connection, cfg: &Config, now: DateTime<Utc>) -> bool {
    cfg.discord.channel_id.is_some()
        && matches!(
            super::digest::schedule(cfg).decide(now, |d| store::digest_in_hand(conn, d, now).unwrap_or(true)),
            panopticon::digest::Decision::Send(_)
        )
}

/// One pass now: recover an abandoned one, then decide, claim, post, mark, DM.
pub async fn run(data: &Data, http: &serenity::Http, instance: &str) -> Result<Outcome, Error> {
    let cfg = data.cfg.clone();
    if !cfg.alerts.enabled {
        return Ok(Outcome::Disabled);
    }
    let Some(channel) = channel(&cfg) else {
        return Err("config: neither [alerts] channel_id nor [discord] channel_id is set: where alerts go".into());
    };
    let now = Utc::now();
    if !cfg.alerts.window(cfg.rules.timezone).is_open(now) {
        return Ok(Outcome::Held(cfg.alerts.window(cfg.rules.timezone).next_open(now)));
    }
    if let Some(o) = recover(data, http, channel, instance, now).await? {
        return Ok(o);
    }
    let snap = data.snapshot().await?;
    let (inst, s) = (instance.to_string(), snap.clone());
    // Claimed between this bot's syncs, never during one (see the digest's `run`).
    let between_syncs = data.sync_lock.lock().await;
    let decided = data
        .db(move |c| -> Result<_, Error> {
            if digest_due(c, &cfg, now) {
                return Ok(None);
            }
            let p = plan(c, &s, &cfg, now)?;
            if p.baseline {
                let n = p.items().count();
                let (pass, _) = claim(c, p, PassState::Baseline, &inst, now)?;
                store::mark_alert_pass(c, pass, PassState::Baseline, None, now)?;
                return Ok(Some(Err(Outcome::Baseline(n))));
            }
            if p.is_empty() {
                return Ok(Some(Err(Outcome::Nothing)));
            }
            let (pass, p) = claim(c, p, PassState::Claimed, &inst, now)?;
            if p.is_empty() {
                store::mark_alert_pass(c, pass, PassState::Skipped, None, now)?;
                return Ok(Some(Err(Outcome::Nothing)));
            }
            Ok(Some(Ok((pass, p))))
        })
        .await?;
    drop(between_syncs);
    let (pass, plan) = match decided {
        None => return Ok(Outcome::LeftToDigest),
        Some(Err(o)) => return Ok(o),
        Some(Ok(x)) => x,
    };
    let id = post(data, http, channel, &snap, &plan, pass).await?;
    let posted = id.clone();
    data.db(move |c| store::mark_alert_pass(c, pass, PassState::Sent, Some(&posted), Utc::now())).await?;
    dm_locators(data, http, &snap, &plan).await;
    Ok(Outcome::Posted { pass, message: id, items: plan.items().count() })
}

async fn post(
    data: &Data,
    http: &serenity::Http,
    channel: serenity::ChannelId,
    snap: &std::sync::Arc<Snapshot>,
    plan: &AlertPlan,
    pass: i64,
) -> Result<String, Error> {
    let (cfg, key, s, p) = (data.cfg.clone(), data.view_key.clone(), snap.clone(), plan.clone());
    let m = data
        .db_pooled(move |_| {
            let ctx = Context::new(&cfg, p.as_of, Utc::now());
            message(&p, &s, &ctx, &key, pass, cfg.rows_per_image)
        })
        .await?;
    let mut msg = CreateMessage::new()
        .embeds(m.composed.embeds.clone())
        .components(m.composed.components.clone())
        .allowed_mentions(m.allowed())
        .add_files(m.composed.files);
    if !m.content.is_empty() {
        msg = msg.content(m.content.clone());
    }
    Ok(channel.send_message(http, msg).await?.id.to_string())
}

/// An abandoned pass (claimed, never marked: its claimant crashed): its message is looked for
/// in the channel by its marker and recorded if there; otherwise taken over and posted with
/// the items it took that are still cold.
async fn recover(
    data: &Data,
    http: &serenity::Http,
    channel: serenity::ChannelId,
    instance: &str,
    now: DateTime<Utc>,
) -> Result<Option<Outcome>, Error> {
    let abandoned = data.db(move |c| store::abandoned_alert_passes(c, now)).await?;
    let Some((pass, by)) = abandoned.into_iter().next() else { return Ok(None) };
    tracing::warn!(pass, %by, "an alerts pass was claimed and never completed; looking in the channel");
    if let Some(id) = super::digest::find_posted(http, channel, &marker(pass)).await? {
        data.db(move |c| store::mark_alert_pass(c, pass, PassState::Sent, Some(&id), now)).await?;
        return Ok(Some(Outcome::Recovered(pass)));
    }
    let inst = instance.to_string();
    if !data.db(move |c| store::take_over_alert_pass(c, pass, &inst, now)).await? {
        return Ok(None);
    }
    let snap = data.snapshot().await?;
    let (s, cfg) = (snap.clone(), data.cfg.clone());
    let plan = data
        .db(move |c| -> Result<_, Error> {
            let items: HashSet<_> = store::alert_pass_items(c, pass)?.into_iter().collect();
            let mut p = plan(c, &s, &cfg, now)?;
            // Re-plan against nothing announced, then keep what this pass took.
            let all =
                alerts::plan(&s, now, &cfg.rules, &cfg.alerts, &Known { any_pass: true, ..known(c, &s, &cfg, now)? });
            p.groups = all.groups;
            for g in &mut p.groups {
                g.items.retain(|t| items.contains(&(t.lead_id.clone(), t.key.clone(), t.tier)));
            }
            p.groups.retain(|g| !g.items.is_empty());
            p.escalations.clear();
            p.thresholds.clear();
            Ok(p)
        })
        .await?;
    if plan.groups.is_empty() {
        data.db(move |c| store::mark_alert_pass(c, pass, PassState::Skipped, None, now)).await?;
        return Ok(None);
    }
    let id = post(data, http, channel, &snap, &plan, pass).await?;
    let posted = id.clone();
    data.db(move |c| store::mark_alert_pass(c, pass, PassState::Sent, Some(&posted), Utc::now())).await?;
    Ok(Some(Outcome::Posted { pass, message: id, items: plan.items().count() }))
}

/// Each linked locator with new items gets them by DM when `[alerts] dm_locators` is on or
/// they subscribed to their alerts. A closed DM is logged, never fatal.
async fn dm_locators(data: &Data, http: &serenity::Http, snap: &std::sync::Arc<Snapshot>, plan: &AlertPlan) {
    let everyone = data.cfg.alerts.dm_locators;
    let subscribed: HashSet<u64> = match data.db(|c| store::subscriptions(c, Some(SubscriptionKind::MyAlerts))).await {
        Ok(subs) => subs.into_iter().map(|s| s.discord_id).collect(),
        Err(e) => {
            tracing::warn!("alerts: could not read subscriptions: {e}");
            HashSet::new()
        }
    };
    for g in &plan.groups {
        let Some(discord) = g.discord else { continue };
        if !(everyone || subscribed.contains(&discord)) {
            continue;
        }
        let (cfg, s, p, loc) = (data.cfg.clone(), snap.clone(), plan.clone(), g.locator.clone());
        let composed = data
            .db_pooled(move |_| {
                let ctx = Context::new(&cfg, p.as_of, Utc::now());
                message::dm(&p, loc.as_deref(), &s, &ctx, cfg.rows_per_image)
            })
            .await;
        let sent = match composed {
            Ok(c) => match serenity::UserId::new(discord).create_dm_channel(http).await {
                Ok(dm) => dm
                    .id
                    .send_message(http, CreateMessage::new().embeds(c.embeds).add_files(c.files))
                    .await
                    .map(|_| ())
                    .map_err(Error::from),
                Err(e) => Err(e.into()),
            },
            Err(e) => Err(e),
        };
        if let Err(e) = sent {
            tracing::warn!(member = discord, "alerts: could not DM a locator their new items: {e}");
        }
    }
}
