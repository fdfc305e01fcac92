//! /audit [lead] [user] — every write-back action with its outcome, newest first, ten a page:
//! an embed with the rows in words and the same rows as a table image. Coordinators see every
//! action; managers those on their team's leads; members those on their own leads (a lead
//! counts as theirs if it was before the action or is now). Private for all but coordinators.

use std::collections::HashMap;

use panopticon::actions::ActionKind;
use panopticon::people::Access;
use panopticon::render::table::{table, Align, Cell, Column, Frame};
use panopticon::store::{self, ActionRecord, AuditFilter};
use panopticon::views::audit::{visible, AuditRow};
use panopticon::views::state::{Write, WriteKind, MAX_LEAD_ID, MAX_WRITE_PAGE};
use poise::serenity_prelude as serenity;
use serenity::{ButtonStyle, ComponentInteraction, CreateActionRow, CreateButton, CreateEmbed};

use crate::kit::compose::{file, Composed, BLUE};
use crate::kit::limits::{self, cut};
use crate::kit::{reply, Ctx, Data, Error};

/// Rows a page.
const PER_PAGE: usize = 10;

/// The actions `access` may see, with the filters, newest first.
fn rows(
    c: &store::Connection,
    access: &Access,
    lead: Option<String>,
    by: Option<u64>,
) -> store::Result<Vec<ActionRecord>> {
    let all = store::audit(c, &AuditFilter { lead, by_discord: by, ..AuditFilter::default() })?;
    let mut owners: HashMap<String, Option<String>> = HashMap::new();
    let mut out = Vec::new();
    for r in all {
        if !owners.contains_key(&r.lead_id) {
            let o = store::get_lead(c, &r.lead_id)?.and_then(|l| l.locator.map(|u| u.id));
            owners.insert(r.lead_id.clone(), o);
        }
        if visible(&r, &access.scope, owners[&r.lead_id].as_deref()) {
            out.push(r);
        }
    }
    Ok(out)
}

const COLUMNS: [Column; 6] = [
    Column { title: "WHEN", width: 62.0, align: Align::Left },
    Column { title: "WHO", width: 78.0, align: Align::Left },
    Column { title: "ACTION", width: 50.0, align: Align::Left },
    Column { title: "LEAD", width: 104.0, align: Align::Left },
    Column { title: "DETAIL", width: 124.0, align: Align::Left },
    Column { title: "OUTCOME", width: 114.0, align: Align::Left },
];

/// The page `page` of the audit for `access` (filters carried in the page buttons).
async fn compose(
    data: &Data,
    access: &Access,
    lead: Option<String>,
    by: Option<u64>,
    page: usize,
) -> Result<Composed, Error> {
    let (a, l) = (access.clone(), lead.clone());
    let found = data.db_pooled(move |c| rows(c, &a, l, by)).await?;
    let tz = data.cfg.rules.timezone;
    let pages = found.len().div_ceil(PER_PAGE).max(1);
    let page = page.min(pages - 1);
    let shown: Vec<AuditRow> = found.iter().skip(page * PER_PAGE).take(PER_PAGE).map(|r| AuditRow::of(r, tz)).collect();
    let mut filters = Vec::new();
    if let Some(l) = &lead {
        filters.push(format!("lead {l}"));
    }
    if let Some(u) = by {
        filters.push(format!("by <@{u}>"));
    }
    let mut lines: Vec<String> = shown
        .iter()
        .map(|r| format!("• {} · {} · **{}** {} — {} · {}", r.when, r.who, r.action, r.lead, r.detail, r.outcome))
        .collect();
    if found.is_empty() {
        lines.push("No write-back actions you may see match.".into());
    }
    if !filters.is_empty() {
        lines.push(format!("Filters: {}", filters.join(" · ")));
    }
    let title = format!("Audit — {} action{}", found.len(), if found.len() == 1 { "" } else { "s" });
    let frame = Frame {
        title: title.clone(),
        subtitle: format!("Write-back actions, newest first · times in {tz}"),
        note: None,
        warning: None,
        footer: format!("Page {} of {pages}", page + 1),
    };
    let cells: Vec<Vec<Cell>> = shown
        .iter()
        .zip(found.iter().skip(page * PER_PAGE))
        .map(|(r, rec)| {
            let (word, why) = match r.outcome.split_once(" — ") {
                Some((w, y)) => (w.to_string(), Some(y.to_string())),
                None => (r.outcome.clone(), None),
            };
            vec![
                // "2026-11-20" over "09:00": the date and the time each fit whole.
                match r.when.split_once(' ') {
                    Some((d, t)) => Cell::Pair(d.to_string(), Some(t.to_string())),
                    None => Cell::Text(r.when.clone()),
                },
                Cell::Text(r.who.clone()),
                Cell::Text(r.action.to_string()),
                Cell::Two(rec.lead_name.clone(), Some(rec.lead_id.clone())),
                // A reassign's "from → to" and a task's subject over its due date, on two lines,
                // so each part fits.
                match (rec.kind, r.detail.split_once(" → "), r.detail.split_once(" · due ")) {
                    (ActionKind::Reassign, Some((from, to)), _) => Cell::Pair(from.into(), Some(format!("→ {to}"))),
                    (ActionKind::Task, _, Some((subject, due))) => {
                        Cell::Pair(subject.into(), Some(format!("due {due}")))
                    }
                    _ => Cell::Text(r.detail.clone()),
                },
                Cell::Two(word, why),
            ]
        })
        .collect();
    let img = data
        .cpu
        .run(move || table(&format!("audit-{}.png", page + 1), &frame, &COLUMNS, &cells, "No actions match."))
        .await??;
    let embed = CreateEmbed::new()
        .title(cut(&title, limits::TITLE))
        .colour(BLUE)
        .description(cut(&lines.join("\n"), limits::DESCRIPTION))
        .image(format!("attachment://{}", img.name));
    let mut components = vec![];
    if pages > 1 {
        let turn = |to: usize, label: &str, on: bool| {
            let w = Write {
                kind: WriteKind::AuditPage,
                lead: lead.clone(),
                target: by.map(|b| b.to_string()),
                seen: None,
                key: None,
                page: to.min(MAX_WRITE_PAGE as usize) as u16,
            };
            CreateButton::new(w.encode(&data.view_key)).label(label).style(ButtonStyle::Secondary).disabled(!on)
        };
        components.push(CreateActionRow::Buttons(vec![
            turn(page.saturating_sub(1), "◀ Newer", page > 0),
            turn(page + 1, "Older ▶", page + 1 < pages),
        ]));
    }
    Ok(Composed { embeds: vec![embed], files: vec![file(&img)], components })
}

/// Every write-back action (reassign, note, task) with its outcome, newest first.
#[poise::command(slash_command, guild_only)]
pub async fn audit(
    ctx: Ctx<'_>,
    #[description = "Only this lead's actions (its id)"]
    #[max_length = 20]
    lead: Option<String>,
    #[description = "Only the actions this member asked for"] user: Option<serenity::User>,
    #[description = "Only you see the answer (members' and managers' answers always are)"] private: Option<bool>,
) -> Result<(), Error> {
    let lead = lead.map(|l| l.trim().to_string());
    if let Some(l) = &lead {
        if l.len() > MAX_LEAD_ID || !panopticon::domain::is_record_id(l) {
            let why = format!(
                "'{}' is not a lead id (as in the lead's CRM link or its story).",
                panopticon::crm::error::one_line(l)
            );
            return Err(panopticon::views::input::InputError(why).into());
        }
    }
    let access = super::asker(ctx, private, true).await?;
    let composed = compose(ctx.data(), &access, lead, user.map(|u| u.id.get()), 0).await?;
    reply::send_view(ctx, composed).await
}

/// "Newer" / "Older": the audit's page in place, as the clicker may see it.
pub async fn page(
    ctx: &serenity::Context,
    data: &Data,
    mci: &ComponentInteraction,
    access: &Access,
    w: &Write,
) -> Result<(), Error> {
    // The clicker's own (private) audit turns its page; someone narrower than a shared
    // audit gets their own page privately, and the shared message stays.
    let theirs = mci.message.flags.is_some_and(|f| f.contains(serenity::MessageFlags::EPHEMERAL));
    let in_place = theirs || access.scope.is_everyone();
    let ack = if in_place {
        serenity::CreateInteractionResponse::Acknowledge
    } else {
        serenity::CreateInteractionResponse::Defer(serenity::CreateInteractionResponseMessage::new().ephemeral(true))
    };
    mci.create_response(ctx, ack).await?;
    let by = w.target.as_deref().and_then(|t| t.parse().ok());
    let c = compose(data, access, w.lead.clone(), by, w.page as usize).await?;
    if in_place {
        let mut edit = serenity::EditInteractionResponse::new().embeds(c.embeds).components(c.components);
        for f in c.files {
            edit = edit.new_attachment(f);
        }
        mci.edit_response(ctx, edit).await?;
    } else {
        let mut msg = serenity::CreateInteractionResponseFollowup::new()
            .embeds(c.embeds)
            .components(c.components)
            .ephemeral(true);
        for f in c.files {
            msg = msg.add_file(f);
        }
        mci.create_followup(ctx, msg).await?;
    }
    Ok(())
}
