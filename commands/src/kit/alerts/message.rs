//! An alerts pass as a Discord message: the new items grouped by locator with mentions of the
//! linked, the escalations (mentioning the manager or the escalation role), the threshold lines,
//! a table image of the new leads (SNOOZED and other chips come with the table) and a select
//! that opens a lead's story privately — where a coordinator can nudge. The footer carries the
//! pass's marker, so a restarted bot finds a message it posted before crashing.

use panopticon::alerts::compose::Target;
use panopticon::alerts::{AlertPlan, Tier, Transition};
use panopticon::render::{table, Image, Page};
use panopticon::views::list::{ListKind, ListView, LocatorCount};
use panopticon::views::state::{ViewKey, ViewKind, ViewState};
use panopticon::views::{Context, Header, Snapshot};
use serenity::{CreateActionRow, CreateAllowedMentions, CreateAttachment, CreateEmbed, CreateEmbedFooter};

use crate::kit::compose::{select, Composed, RED};
use crate::kit::limits::{self, cut};
use crate::kit::Error;
use poise::serenity_prelude as serenity;

/// The footer that marks pass `pass`'s message.
pub fn marker(pass: i64) -> String {
    format!("Panopticon alerts #{pass}")
}

/// A message ready to post: the text that mentions (content pings, embeds do not), the rest.
pub struct AlertMessage {
    pub content: String,
    pub composed: Composed,
    /// Who may be pinged by the content: exactly those it mentions.
    pub users: Vec<u64>,
    pub roles: Vec<u64>,
}

impl AlertMessage {
    pub fn allowed(&self) -> CreateAllowedMentions {
        CreateAllowedMentions::new()
            .users(self.users.iter().map(|u| serenity::UserId::new(*u)))
            .roles(self.roles.iter().map(|r| serenity::RoleId::new(*r)))
    }
}

fn line(t: &Transition) -> String {
    let days = t.row.days_since_appointment.map(|d| format!(", {d} d since the appointment")).unwrap_or_default();
    let company = t.row.company.as_deref().map(|c| format!(" — {c}")).unwrap_or_default();
    let icon = match t.tier {
        Tier::Stale => "🔴",
        Tier::AtRisk => "🟠",
        Tier::StuckGreen => "🟢",
    };
    format!("{icon} **{}**{company} · newly {}{days}", t.row.name, t.tier.word())
}

/// The table image of `items`' rows (the list's own drawing: chips, SNOOZED marks).
pub fn image(snap: &Snapshot, ctx: &Context, items: &[&Transition], per_page: usize) -> Result<Image, Error> {
    let mut rows: Vec<_> = Vec::new();
    for t in items {
        if !rows.iter().any(|r: &panopticon::views::LeadRow| r.id == t.lead_id) {
            rows.push(t.row.clone());
        }
    }
    let mut per: Vec<LocatorCount> = Vec::new();
    for r in &rows {
        let name = r.locator.clone().unwrap_or_else(|| panopticon::views::NO_LOCATOR.to_string());
        match per.iter_mut().find(|c| c.locator == name) {
            Some(c) => c.count += 1,
            None => per.push(LocatorCount { locator: name, count: 1 }),
        }
    }
    let v = ListView {
        header: Header::new("alerts", snap, ctx, vec![]),
        total: rows.len(),
        per_locator: per,
        rows,
        kind: ListKind::Leads,
        tz: ctx.tz(),
        hidden: 0,
    };
    let title = format!("New alerts — {} lead{}", v.total, if v.total == 1 { "" } else { "s" });
    let mut img = table::list_titled(&v, ctx, Page { index: 0, per_page: per_page.max(v.total.min(25)) }, title)?;
    img.name = "alert.png".into();
    Ok(img)
}

/// The channel message of a pass (`pass` its id).
pub fn compose(
    plan: &AlertPlan,
    snap: &Snapshot,
    ctx: &Context,
    key: &ViewKey,
    pass: i64,
    per_page: usize,
) -> Result<AlertMessage, Error> {
    let (mut users, mut roles) = (Vec::new(), Vec::new());
    let mut pings = Vec::new();
    let mut lines = Vec::new();
    let n: usize = plan.groups.iter().map(|g| g.items.len()).sum();
    if n > 0 {
        lines.push(format!("**New:** {}", plan.tally()));
    }
    for g in &plan.groups {
        let who = g.locator.as_deref().unwrap_or(panopticon::views::NO_LOCATOR);
        let mention = match g.discord {
            Some(d) => {
                users.push(d);
                pings.push(format!("<@{d}>"));
                format!(" <@{d}>")
            }
            None => String::new(),
        };
        lines.push(String::new());
        lines.push(format!("__{who}__{mention}"));
        lines.extend(g.items.iter().take(8).map(line));
        if g.items.len() > 8 {
            lines.push(format!("…and {} more (in the image)", g.items.len() - 8));
        }
    }
    if !plan.thresholds.is_empty() {
        lines.push(String::new());
        lines.push("**📈 Thresholds**".into());
        for t in &plan.thresholds {
            let icon = if t.crossed { "⚠️ crossed" } else { "✅ recovered" };
            lines.push(format!("{icon}: {}", t.text));
        }
    }
    if !plan.escalations.is_empty() {
        lines.push(String::new());
        lines.push(format!("**⬆️ Escalated** ({})", plan.escalations.len()));
        // Everyone escalated is mentioned; the lines stop at a dozen, so the message fits.
        for (i, e) in plan.escalations.iter().enumerate() {
            let to = match &e.to {
                Target::Manager { discord: Some(d), .. } => {
                    users.push(*d);
                    pings.push(format!("<@{d}>"));
                    format!("<@{d}>")
                }
                Target::Manager { name, discord: None, .. } => name.clone(),
                Target::Role { role } => {
                    roles.push(*role);
                    pings.push(format!("<@&{role}>"));
                    format!("<@&{role}>")
                }
                Target::Nobody => "no manager on record".into(),
            };
            let loc = e.locator.as_deref().unwrap_or(panopticon::views::NO_LOCATOR);
            if i < 12 {
                lines.push(format!("**{}** ({loc}) — {} → {to}", e.name, e.why));
            }
        }
        if plan.escalations.len() > 12 {
            lines.push(format!("…and {} more", plan.escalations.len() - 12));
        }
    }
    let title = if n > 0 {
        format!("🔔 Going cold — {n} new item{}", if n == 1 { "" } else { "s" })
    } else {
        "🔔 Alerts".to_string()
    };
    let foot = format!("{} · as of {}", marker(pass), ctx.as_of.with_timezone(&ctx.tz()).format("%a %d %b %H:%M %Z"));
    let mut embed = CreateEmbed::new()
        .title(cut(&title, limits::TITLE))
        .colour(RED)
        .description(cut(&lines.join("\n"), limits::DESCRIPTION - 200))
        .footer(CreateEmbedFooter::new(foot));
    let items: Vec<&Transition> = plan.items().collect();
    let mut files = Vec::new();
    let mut components = Vec::new();
    if !items.is_empty() {
        let img = image(snap, ctx, &items, per_page)?;
        embed = embed.image(format!("attachment://{}", img.name));
        files.push(CreateAttachment::bytes(img.png, img.name));
        // The list's drill-down: upper case opens the story privately for whoever picks, and
        // the alert stays in the channel for the others.
        let mut seen = Vec::new();
        let drill: Vec<(String, String, bool)> = items
            .iter()
            .filter(|t| {
                let new = !seen.contains(&t.lead_id);
                seen.push(t.lead_id.clone());
                new
            })
            .map(|t| {
                (format!("{} — {}", t.row.name, t.row.company.as_deref().unwrap_or("—")), t.lead_id.clone(), false)
            })
            .collect();
        let open = ViewState::new(ViewKind::Lead, ctx.as_of);
        if let Some(CreateActionRow::SelectMenu(m)) =
            select(key, &open, 'D', "Open a lead's story to nudge (just for you)…", drill)
        {
            components.push(CreateActionRow::SelectMenu(m.max_values(1).min_values(1)));
        }
    }
    users.dedup();
    roles.dedup();
    pings.dedup();
    let content = cut(&pings.join(" "), limits::CONTENT);
    Ok(AlertMessage { content, composed: Composed { embeds: vec![embed], files, components }, users, roles })
}

/// A locator's DM: their own new items, in words and the image, without controls (clicks are
/// answered in the team channel only).
pub fn dm(
    plan: &AlertPlan,
    locator: Option<&str>,
    snap: &Snapshot,
    ctx: &Context,
    per_page: usize,
) -> Result<Composed, Error> {
    let Some(g) = plan.groups.iter().find(|g| g.locator.as_deref() == locator) else {
        return Err("no items for this locator".into());
    };
    let mut lines: Vec<String> = g.items.iter().take(15).map(line).collect();
    lines.push("Open them in the team channel's alert, or with /lead.".into());
    let items: Vec<&Transition> = g.items.iter().collect();
    let img = image(snap, ctx, &items, per_page)?;
    let n = g.items.len();
    let embed = CreateEmbed::new()
        .title(format!("🔔 {n} of your lead{} just went cold", if n == 1 { "" } else { "s" }))
        .colour(RED)
        .description(cut(&lines.join("\n"), limits::DESCRIPTION - 200))
        .image(format!("attachment://{}", img.name))
        .footer(CreateEmbedFooter::new(format!(
            "Panopticon alerts · as of {}",
            ctx.as_of.with_timezone(&ctx.tz()).format("%a %d %b %H:%M %Z")
        )));
    Ok(Composed { embeds: vec![embed], files: vec![CreateAttachment::bytes(img.png, img.name)], components: vec![] })
}
