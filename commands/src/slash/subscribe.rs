//! /subscribe and /unsubscribe — what each person receives by DM and when: the team digest,
//! their own alerts, the weekly locator report, each on a schedule in the business time zone
//! (a preset like "weekdays 08:00" or a cron expression; `panopticon::digest::cron`). With no
//! `what`, /subscribe lists one's own subscriptions and their next sends. Replies are private;
//! the sends themselves are `bot/subscriptions.rs`'s.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use panopticon::digest::cron::{preset_days, CronSchedule};
use panopticon::store::{self, Subscription, SubscriptionKind};
use poise::serenity_prelude as serenity;

use crate::kit::{limits, people, Ctx, Data, Error};

/// What one can subscribe to, as Discord offers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, poise::ChoiceParameter)]
pub enum What {
    #[name = "team digest"]
    TeamDigest,
    #[name = "my alerts"]
    MyAlerts,
    #[name = "weekly locator report"]
    WeeklyLocators,
}

impl What {
    fn kind(self) -> SubscriptionKind {
        match self {
            What::TeamDigest => SubscriptionKind::TeamDigest,
            What::MyAlerts => SubscriptionKind::MyAlerts,
            What::WeeklyLocators => SubscriptionKind::WeeklyLocators,
        }
    }
}

/// The words for a kind, as /subscribe offers it.
pub fn label(kind: SubscriptionKind) -> &'static str {
    match kind {
        SubscriptionKind::TeamDigest => "team digest",
        SubscriptionKind::MyAlerts => "my alerts",
        SubscriptionKind::WeeklyLocators => "weekly locator report",
    }
}

/// The `when` that means "no schedule": my alerts sent with each alerts pass.
pub const WITH_EACH_ALERT: &str = "with each alert";

/// `when` left out: weekdays at the digest time, Mondays 09:00, with each alert.
fn default_when(data: &Data, kind: SubscriptionKind) -> Option<String> {
    match kind {
        SubscriptionKind::TeamDigest => Some(format!("weekdays {}", data.cfg.digest.time.format("%H:%M"))),
        SubscriptionKind::WeeklyLocators => Some("mondays 09:00".into()),
        SubscriptionKind::MyAlerts => None,
    }
}

/// A slot in the business zone, e.g. "Mon 23 Nov 08:00 EST".
pub fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%a %d %b %H:%M %Z").to_string()
}

/// "weekdays 08:00 (`0 8 * * 1-5`)" or "with each alert", and the next `n` sends.
fn describe(schedule: Option<&str>, tz: Tz, now: DateTime<Utc>, n: usize) -> (String, Option<String>) {
    let Some(text) = schedule else {
        return (format!("{WITH_EACH_ALERT} (as the alerts are posted)"), None);
    };
    match CronSchedule::parse(text, tz) {
        Ok(s) => {
            let shown =
                if s.expr() == s.text() { format!("`{}`", s.text()) } else { format!("{} (`{}`)", s.text(), s.expr()) };
            let next: Vec<String> = s.upcoming(now, n).into_iter().map(|t| local(t, tz)).collect();
            (shown, Some(next.join(" · ")))
        }
        // Stored before the zone or the rules changed: said, not hidden.
        Err(e) => (format!("`{text}` (no longer understood: {e})"), None),
    }
}

/// Receive the team digest, your alerts or the weekly locator report by DM, on your schedule.
#[poise::command(slash_command, guild_only)]
pub async fn subscribe(
    ctx: Ctx<'_>,
    #[description = "What to receive by DM (leave out to list your subscriptions)"] what: Option<What>,
    #[description = "When, in the business time zone: a preset or a cron expression (minute hour day month weekday)"]
    #[autocomplete = "presets"]
    when: Option<String>,
) -> Result<(), Error> {
    ctx.defer_ephemeral().await?;
    let data = ctx.data();
    let (me, now, tz) = (ctx.author().id.get(), Utc::now(), data.cfg.rules.timezone);
    let said =
        |text: String| poise::CreateReply::default().content(limits::cut(&text, limits::CONTENT)).ephemeral(true);
    let Some(what) = what else {
        let mine = data.db(move |c| store::subscriptions_of(c, me)).await?;
        ctx.send(said(list(&mine, tz, now))).await?;
        return Ok(());
    };
    let kind = what.kind();
    let member = ctx.author_member().await.ok_or("Panopticon could not check your roles; try again")?;
    people::role(&data.cfg, &member).ok_or_else(|| people::Denied(panopticon::people::Refused::NoRole.message()))?;
    if kind == SubscriptionKind::MyAlerts && data.db(move |c| store::linked_user(c, me)).await?.is_none() {
        ctx.send(said(
            "\"My alerts\" are the alerts on your own leads, and Panopticon does not know who you are in \
                       the CRM yet. Ask a coordinator to /link you."
                .into(),
        ))
        .await?;
        return Ok(());
    }
    // Left out: the kind's default (for my alerts, none: with each alert).
    let when = match when.map(|w| w.trim().to_string()).filter(|w| !w.is_empty()) {
        Some(w) => Some(w),
        None => default_when(data, kind),
    };
    let schedule = match when.as_deref() {
        None => None,
        Some(w) if w.eq_ignore_ascii_case(WITH_EACH_ALERT) => {
            if kind != SubscriptionKind::MyAlerts {
                ctx.send(said(format!(
                    "\"{WITH_EACH_ALERT}\" is for my alerts only; the {} needs a schedule, such as \"{}\".",
                    label(kind),
                    default_when(data, kind).unwrap_or_default()
                )))
                .await?;
                return Ok(());
            }
            None
        }
        Some(w) => match CronSchedule::parse(w, tz) {
            Ok(s) => Some(s.text().to_string()),
            Err(e) => {
                ctx.send(said(e.to_string())).await?;
                return Ok(());
            }
        },
    };
    let stored = schedule.clone();
    data.db(move |c| store::subscribe(c, me, kind, stored.as_deref(), now)).await?;
    let (shown, next) = describe(schedule.as_deref(), tz, now, 3);
    let mut lines = vec![format!("Subscribed: the **{}** by DM, {shown}, in {tz}.", label(kind))];
    if let Some(next) = next {
        lines.push(format!("Next sends: {next}"));
    }
    lines.push(format!(
        "Discord must let members of this server DM you. Change it with /subscribe again; stop it with \
         `/unsubscribe what:{}`.",
        label(kind)
    ));
    ctx.send(said(lines.join("\n"))).await?;
    Ok(())
}

/// One's subscriptions and their next sends, in words.
fn list(mine: &[Subscription], tz: Tz, now: DateTime<Utc>) -> String {
    if mine.is_empty() {
        return "You have no subscriptions. Try `/subscribe what:team digest` (weekdays at the digest time) or \
                `/subscribe what:weekly locator report`."
            .into();
    }
    let mut lines = vec![format!("Your subscriptions (times in {tz}):")];
    for s in mine {
        let (shown, next) = describe(s.schedule.as_deref(), tz, now, 3);
        lines.push(match next {
            Some(next) => format!("• **{}** — {shown}; next: {next}", label(s.kind)),
            None => format!("• **{}** — {shown}", label(s.kind)),
        });
    }
    lines.join("\n")
}

/// Stop receiving something you subscribed to.
#[poise::command(slash_command, guild_only)]
pub async fn unsubscribe(ctx: Ctx<'_>, #[description = "What to stop receiving"] what: What) -> Result<(), Error> {
    ctx.defer_ephemeral().await?;
    let (me, kind) = (ctx.author().id.get(), what.kind());
    let gone = ctx.data().db(move |c| store::unsubscribe(c, me, kind)).await?;
    let text = if gone {
        format!("Done: no more **{}** by DM.", label(kind))
    } else {
        format!("You were not subscribed to the **{}**. `/subscribe` lists what you receive.", label(kind))
    };
    ctx.send(poise::CreateReply::default().content(text).ephemeral(true)).await?;
    Ok(())
}

/// The presets (containing what was typed), and what was typed itself when it is a schedule.
async fn presets(ctx: Ctx<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let digest_time = ctx.data().cfg.digest.time.format("%H:%M").to_string();
    let mut offered: Vec<String> = vec![WITH_EACH_ALERT.into(), format!("weekdays {digest_time}")];
    offered.extend(["daily 07:30", "mondays 09:00", "fridays 16:00"].map(String::from));
    offered.extend(preset_days().map(|d| format!("{d} {digest_time}")));
    let p = partial.trim().to_lowercase();
    let mut list: Vec<String> = Vec::new();
    if !p.is_empty() && CronSchedule::parse(partial, ctx.data().cfg.rules.timezone).is_ok() {
        list.push(partial.trim().to_string());
    }
    for o in offered {
        if o.contains(&p) && !list.contains(&o) {
            list.push(o);
        }
    }
    let choices = list
        .into_iter()
        .take(25)
        .map(|k| serenity::AutocompleteChoice::new(limits::cut(&k, 100), limits::cut(&k, 100)))
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}
