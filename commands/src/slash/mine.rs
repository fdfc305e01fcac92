//! /mine — everything that needs you now, privately: your stale and at-risk leads, today's and
//! tomorrow's appointments, your leads stuck in green (`panopticon::digest::mine` over your
//! scope), with buttons and a select that open the full views just for you.

use chrono::Duration;
use panopticon::digest::{mine as what_needs, Mine};
use panopticon::people::{Refused, Scope};
use panopticon::views::list::ListView;
use panopticon::views::state::{ViewKey, ViewKind, ViewState};
use panopticon::views::{join_capped, Context};
use poise::serenity_prelude::CreateActionRow;

use crate::kit::compose::{button, embed, plural, select, Composed, RED};
use crate::kit::digest::digest_context;
use crate::kit::{self, limits, Ctx, Error};

/// Said to a coordinator or viewer who is not linked: /mine has nobody to answer for.
const NOT_FOR_YOU: &str = "/mine is for linked members: it shows what needs the CRM user you are linked to, and \
     you are not linked to one. For the whole team use /stale, /atrisk and /calendar (a coordinator can /link you).";

/// Everything that needs you now: your stale and at-risk leads, appointments, stuck in green.
#[poise::command(slash_command, guild_only)]
pub async fn mine(ctx: Ctx<'_>) -> Result<(), Error> {
    ctx.defer_ephemeral().await?;
    let data = ctx.data();
    let member = ctx.author_member().await.ok_or("Panopticon could not read your roles; try again")?;
    let said =
        |text: String| poise::CreateReply::default().content(limits::cut(&text, limits::CONTENT)).ephemeral(true);
    let access = match kit::people::access(data, &member).await? {
        Ok(a) => a,
        Err(refused @ (Refused::NoRole | Refused::NotLinked(_))) => {
            ctx.send(said(refused.message())).await?;
            return Ok(());
        }
    };
    // Managers and members: their own scope. Coordinators and viewers see everyone elsewhere;
    // here, the leads of the CRM user they are linked to.
    let Some(scope) = access.own_scope() else {
        ctx.send(said(NOT_FOR_YOU.into())).await?;
        return Ok(());
    };
    let me = member.user.id.get();
    let name = data
        .db(move |c| panopticon::store::person(c, me))
        .await?
        .and_then(|p| p.crm_user.map(|u| u.name))
        .unwrap_or_else(|| "you".into());
    let whose = match &scope {
        Scope::Owners(ids) if ids.len() > 1 => format!("{name} and team ({} people)", ids.len()),
        _ => name,
    };
    let snap = data.snapshot().await?;
    let (cfg, key) = (data.cfg.clone(), data.view_key.clone());
    let composed = data
        .db_pooled(move |_| -> Result<_, Error> {
            let ctx = digest_context(&cfg, chrono::Utc::now());
            let m = what_needs(&snap.within(&scope), &ctx);
            Ok(message(&m, &whose, &ctx, &key))
        })
        .await?;
    ctx.send(composed.into_reply().ephemeral(true)).await?;
    Ok(())
}

/// The answer: counts, the leads by name (capped), and controls opening the views privately.
fn message(m: &Mine, whose: &str, ctx: &Context, key: &ViewKey) -> Composed {
    let mut lines = vec![format!(
        "**Stale** {} · **At risk** {} · **Appointments today and tomorrow** {} · **Stuck in green** {}",
        m.stale.total,
        m.at_risk.total,
        m.soon.total,
        m.stuck.len()
    )];
    if m.is_empty() {
        lines.push("Nothing needs you now. 🎉".into());
    }
    fn leads(v: &ListView) -> impl Iterator<Item = String> + '_ {
        v.rows.iter().map(|r| match r.days_since_appointment {
            Some(d) => format!("{} ({d} day{} since the appointment)", r.name, plural(d.unsigned_abs() as usize)),
            None => r.name.clone(),
        })
    }
    if m.stale.total > 0 {
        lines.push(format!("🔴 **Stale:** {}", join_capped(leads(&m.stale), 8, "; ")));
    }
    if m.at_risk.total > 0 {
        lines.push(format!("🟠 **At risk:** {}", join_capped(leads(&m.at_risk), 8, "; ")));
    }
    for d in m.soon.days.iter().filter(|d| !d.appointments.is_empty()) {
        let when = if d.date == m.date { "Today" } else { "Tomorrow" };
        let items = d.appointments.iter().map(|i| format!("{} {} ({})", i.time, i.name, i.status.word()));
        lines.push(format!("📅 **{when}:** {}", join_capped(items, 8, "; ")));
    }
    if !m.stuck.is_empty() {
        let items = m.stuck.iter().map(|g| match g.days_in_stage {
            Some(d) => format!("{} ({}, {d} days)", g.name, g.stage),
            None => format!("{} ({})", g.name, g.stage),
        });
        lines.push(format!("🟢 **Stuck in green:** {}", join_capped(items, 8, "; ")));
    }
    let title = format!("🧭 What needs {whose} — {}", m.date.format("%a %d %b"));
    // Upper-case tags: each opens its view privately for whoever clicks, this answer stays.
    let at = |view: ViewKind| ViewState::new(view, ctx.as_of);
    let soon = ViewState { from: Some(m.date), to: Some(m.date + Duration::days(1)), ..at(ViewKind::Calendar) };
    let mut rows = vec![CreateActionRow::Buttons(vec![
        button(key, &at(ViewKind::STALE), 'A', "Open my stale", m.stale.total == 0),
        button(key, &at(ViewKind::AT_RISK), 'B', "Open my at risk", m.at_risk.total == 0),
        button(key, &soon, 'C', "Today and tomorrow", false),
        button(key, &at(ViewKind::Pipeline), 'P', "Pipeline", false),
    ])];
    // A select refuses the same value twice: a lead is offered once.
    let mut seen = std::collections::HashSet::new();
    let drill: Vec<(String, String, bool)> = m
        .stale
        .rows
        .iter()
        .chain(&m.at_risk.rows)
        .map(|r| (format!("{} — {}", r.name, r.status.word()), r.id.clone(), false))
        .chain(m.stuck.iter().map(|g| (format!("{} — stuck in green", g.name), g.id.clone(), false)))
        .filter(|(_, id, _)| seen.insert(id.clone()))
        .collect();
    if let Some(CreateActionRow::SelectMenu(s)) =
        select(key, &at(ViewKind::Lead), 'D', "Open a lead's story (just for you)…", drill)
    {
        rows.push(CreateActionRow::SelectMenu(s.max_values(1).min_values(1)));
    }
    Composed { embeds: vec![embed(&title, RED, &lines, ctx, &m.stale.header, None)], files: vec![], components: rows }
}
