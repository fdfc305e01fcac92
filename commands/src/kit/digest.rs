//! The digest in Discord: the message, posting it exactly once per day, and the loop that
//! wakes for it; and after it, each opted-in member's own digest by DM (`personal`). The rules
//! of when and what live in the engine (`panopticon::digest`).

mod personal;

use chrono::{NaiveDate, Utc};
use panopticon::config::Config;
use panopticon::digest::{self, Decision, Digest, Schedule};
use panopticon::render::{chart, table, Page};
use panopticon::store::{self, Claim, Connection, Store};
use panopticon::views::calendar::{self, Period};
use panopticon::views::state::{PeriodKind, ViewKey, ViewKind, ViewState};
use panopticon::views::{Context, Filter, Snapshot};
use poise::serenity_prelude as serenity;
use serenity::{
    ButtonStyle, CreateActionRow, CreateAttachment, CreateButton, CreateEmbed, CreateEmbedFooter, CreateMessage,
};

use super::compose::{context, Composed};
use super::limits::{self, cut};
use super::{Data, Error};

/// The footer that marks a digest message, so a restarted bot can find it in the channel.
pub fn marker(date: NaiveDate) -> String {
    format!("Panopticon digest {date}")
}

/// The footer of a subscribed digest until its sender marks it with the subscription's slot.
const SUBSCRIBED: &str = "Panopticon subscription";

pub fn schedule(cfg: &Config) -> Schedule {
    Schedule { tz: cfg.rules.timezone, time: cfg.digest.time, days: cfg.digest.days.clone(), cutoff: cfg.digest.cutoff }
}

/// The digest for `ctx.as_of` from the current data and the previous digest.
pub fn compose(store: &Store, snap: &Snapshot, ctx: &Context) -> Result<Digest, Error> {
    compose_in(&store.connect()?, snap, ctx)
}

/// The same, reading the previous digest on a connection already open.
pub fn compose_in(conn: &Connection, snap: &Snapshot, ctx: &Context) -> Result<Digest, Error> {
    let previous = store::previous_digest(conn, ctx.today())?;
    Ok(digest::compose(snap, ctx, previous.as_ref()))
}

/// The view context of a digest composed at `now`.
pub fn digest_context(cfg: &Config, now: chrono::DateTime<Utc>) -> Context<'_> {
    context(cfg, &ViewState::new(ViewKind::STALE, now))
}

/// Who a digest message is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// The team channel: with buttons opening the views.
    Team,
    /// One member's DMs: their own leads, and no buttons (Panopticon answers clicks in the team
    /// channel only). A quiet day is never sent: nothing needs them.
    Personal,
    /// A `/subscribe` DM on the subscriber's own schedule: the team's digest (`team`) or their
    /// scope's, no buttons (as `Personal`), quiet days as the team channel has them. The sender
    /// puts its own marker in the footer.
    Subscribed { team: bool },
}

/// Embeds, images and buttons of the team digest. `None` when the day is quiet and quiet days
/// are skipped.
pub fn message(
    cfg: &Config,
    snap: &Snapshot,
    d: &Digest,
    ctx: &Context,
    key: &ViewKey,
) -> Result<Option<Composed>, Error> {
    message_to(Audience::Team, cfg, snap, d, ctx, key)
}

/// The digest's message for `audience`; `None` when there is nothing to send.
pub fn message_to(
    audience: Audience,
    cfg: &Config,
    snap: &Snapshot,
    d: &Digest,
    ctx: &Context,
    key: &ViewKey,
) -> Result<Option<Composed>, Error> {
    let personal = audience == Audience::Personal;
    let direct = audience != Audience::Team;
    if d.quiet && (cfg.digest.skip_when_quiet || personal) {
        return Ok(None);
    }
    let mut lines = Vec::new();
    if let Some(w) = &d.warning {
        lines.push(format!("⚠️ **{w}**"));
    }
    let heads: Vec<String> = d.headlines.iter().map(|h| format!("**{}** {}", h.label, h.show())).collect();
    lines.push(if d.quiet { d.summary() } else { heads.join(" · ") });
    lines.extend(d.locator_line(10));
    lines.extend(d.follow_up.clone().filter(|_| !d.quiet));
    if !d.new.is_empty() {
        lines.push(format!("**{}** new since the last digest (marked NEW)", d.new.len()));
    }
    lines.extend(d.today_line(12));
    let (mark, title) = match audience {
        Audience::Team => (marker(d.date), "Morning digest"),
        Audience::Personal => (personal::marker(d.date), "Your morning digest"),
        Audience::Subscribed { team: true } => (SUBSCRIBED.to_string(), "Team digest"),
        Audience::Subscribed { team: false } => (SUBSCRIBED.to_string(), "Your digest"),
    };
    let foot = format!("{mark} · as of {}", ctx.as_of.with_timezone(&ctx.tz()).format("%H:%M %Z"));
    let mut embeds = vec![CreateEmbed::new()
        .title(format!("☀️ {title} — {}", d.date.format("%A %d %B")))
        .colour(0xD55E00)
        .description(cut(&lines.join("\n"), limits::DESCRIPTION - 200))
        .footer(CreateEmbedFooter::new(foot))];
    let mut files = Vec::new();
    if !d.quiet {
        // Stale pages first, then at risk, then the month: at most 10 images in one message.
        let per = cfg.rows_per_image;
        let mut images = vec![chart::digest_card(d, ctx)?];
        for p in 0..Page::first(per).count(d.stale.total).min(4) {
            if d.stale.total > 0 {
                images.push(table::list(&d.stale, ctx, Page { index: p, per_page: per })?);
            }
        }
        for p in 0..Page::first(per).count(d.at_risk.total).min(3) {
            if d.at_risk.total > 0 {
                images.push(table::list(&d.at_risk, ctx, Page { index: p, per_page: per })?);
            }
        }
        let month = calendar::build(snap, ctx, Period::month(d.date), &Filter::default());
        images.push(chart::month(&month, ctx)?);
        for (i, img) in images.into_iter().enumerate() {
            let name = format!("digest-{i}-{}", img.name);
            if i == 0 {
                embeds[0] = embeds[0].clone().image(format!("attachment://{name}"));
            } else {
                embeds.push(CreateEmbed::new().colour(0xD55E00).image(format!("attachment://{name}")));
            }
            files.push(CreateAttachment::bytes(img.png, name));
        }
    }
    let open = |view: ViewKind, tag: char, label: &str| {
        let mut st = ViewState::new(view, ctx.as_of).with_tag(tag);
        if view == ViewKind::Calendar {
            st.period = Some((PeriodKind::Day, d.date));
        }
        CreateButton::new(st.encode(key)).label(label).style(ButtonStyle::Secondary)
    };
    if direct {
        return Ok(Some(Composed { embeds, files, components: vec![] }));
    }
    let rows = vec![CreateActionRow::Buttons(vec![
        // Upper-case tags open a new view for the one who clicks, leaving the digest in place.
        open(ViewKind::STALE, 'A', "Open stale"),
        open(ViewKind::AT_RISK, 'B', "Open at risk"),
        open(ViewKind::Calendar, 'C', "Today's calendar"),
        open(ViewKind::Locators, 'E', "Locators"),
    ])];
    Ok(Some(Composed { embeds, files, components: rows }))
}

/// The id of a message already in `channel` whose footer starts with `mark` (a digest's
/// `marker`), if any: for recovering a crash between posting and recording.
pub async fn find_posted(
    http: &serenity::Http,
    channel: serenity::ChannelId,
    mark: &str,
) -> Result<Option<String>, Error> {
    let recent = channel.messages(http, serenity::GetMessages::new().limit(50)).await?;
    Ok(recent
        .into_iter()
        .find(|m| m.embeds.iter().any(|e| e.footer.as_ref().is_some_and(|f| f.text.starts_with(mark))))
        .map(|m| m.id.to_string()))
}

/// What running the digest for a day did.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Posted(String),
    AlreadySent,
    /// Found in the channel after a crash and recorded, not posted again.
    Recovered(String),
    SkippedQuiet,
}

/// Sends `date`'s digest unless it went out already: claim, compose, post, mark sent.
pub async fn run(data: &Data, http: &serenity::Http, date: NaiveDate, instance: &str) -> Result<Outcome, Error> {
    let channel = serenity::ChannelId::from(
        data.cfg.discord.channel_id.ok_or("config: [discord] channel_id is missing: where the digest goes")?,
    );
    let now = Utc::now();
    let inst = instance.to_string();
    // A sync holds the database's write lock from its first page to its commit; a claim made
    // meanwhile would wait on SQLite's busy timeout and could fail on a long sync. Claiming (or
    // taking over an abandoned claim) between this bot's syncs, never during one, keeps the
    // digest from being lost that way.
    let between_syncs = data.sync_lock.lock().await;
    match data.db(move |c| store::claim_digest(c, date, &inst, now)).await? {
        Claim::Sent | Claim::Busy => return Ok(Outcome::AlreadySent),
        Claim::Abandoned { by } => {
            tracing::warn!(%date, %by, "a digest claim was never completed; looking in the channel");
            if let Some(id) = find_posted(http, channel, &marker(date)).await? {
                let (snap, cfg, posted) = (data.snapshot().await?, data.cfg.clone(), id.clone());
                data.db(move |c| -> Result<_, Error> {
                    let d = compose_in(c, &snap, &digest_context(&cfg, now))?;
                    Ok(store::mark_digest_sent(c, &d.record, &posted, now)?)
                })
                .await?;
                return Ok(Outcome::Recovered(id));
            }
            let inst = instance.to_string();
            data.db(move |c| store::take_over_digest(c, date, &inst, now)).await?;
        }
        Claim::Ours => {}
    }
    drop(between_syncs);
    // The digest reads fresh data when it can; if the sync fails it says so and goes on.
    if let Err(e) = super::sync_now(data).await {
        tracing::warn!("digest: sync before the digest failed: {e}");
    }
    let snap = data.snapshot().await?;
    // Composing and rendering a dozen images is CPU work: on the pool, so the bot's commands
    // are still acknowledged at once while the digest is drawn.
    let (cfg, key) = (data.cfg.clone(), data.view_key.clone());
    let inst = instance.to_string();
    let (record, composed, folded) = data
        .db_pooled(move |c| -> Result<_, Error> {
            let ctx = digest_context(&cfg, now);
            let d = compose_in(c, &snap, &ctx)?;
            // The alerts due now go out here, as one line, not in a second message.
            let folded = super::alerts::fold(c, &snap, &cfg, now, &inst)?;
            Ok((d.record.clone(), message(&cfg, &snap, &d, &ctx, &key)?, folded))
        })
        .await?;
    let Some(Composed { embeds, files, components: rows }) = composed else {
        data.db(move |c| store::mark_digest_sent(c, &record, "", now)).await?;
        return Ok(Outcome::SkippedQuiet);
    };
    let mut msg = CreateMessage::new().embeds(embeds).add_files(files).components(rows);
    if let Some(line) = folded {
        msg = msg.content(line);
    }
    let msg = channel.send_message(http, msg).await?;
    let (id, sent_at) = (msg.id.to_string(), Utc::now());
    let posted = id.clone();
    data.db(move |c| store::mark_digest_sent(c, &record, &posted, sent_at)).await?;
    Ok(Outcome::Posted(id))
}

/// Wakes when the schedule says and sends the digest, then the personal DMs; runs for the life
/// of the bot.
pub async fn scheduler(data: Data, http: std::sync::Arc<serenity::Http>) {
    let schedule = schedule(&data.cfg);
    let instance = format!("bot-{}", std::process::id());
    let personal = data.cfg.digest.personal;
    loop {
        let now = Utc::now();
        // A day whose digest cannot be checked counts as in hand: nothing is sent twice. The
        // personal DMs count too, so a restart between the team digest and them still sends them.
        let sched = schedule.clone();
        let decided = data
            .db(move |c| {
                Ok::<_, Error>(sched.decide(now, |d| {
                    store::digest_in_hand(c, d, now).unwrap_or(true)
                        && (!personal || store::personal_digests_in_hand(c, d, now).unwrap_or(true))
                }))
            })
            .await;
        match decided.unwrap_or_else(|_| schedule.decide(now, |_| true)) {
            Decision::Send(date) => match run(&data, &http, date, &instance).await {
                Ok(o) => {
                    tracing::info!(%date, ?o, "digest");
                    if personal::send_all(&data, &http, date, &instance).await > 0 {
                        // Whoever failed keeps a claim, tried again once it is abandoned.
                        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                    }
                }
                Err(e) => {
                    tracing::error!(%date, "digest failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                }
            },
            // Re-check at least every minute: the clock may jump (suspend, NTP).
            Decision::Wait(until) => {
                let wait = (until - now).to_std().unwrap_or_default().min(std::time::Duration::from_secs(60));
                tokio::time::sleep(wait.max(std::time::Duration::from_millis(200))).await;
            }
        }
    }
}
