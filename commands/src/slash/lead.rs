//! /lead <name> — one lead's story, found by name, company or id. A name that fits several
//! leads is not an error: the matches are offered in a select, and the pick shows the story.

use panopticon::people::Scope;
use panopticon::render::{table, Page};
use panopticon::rules::Status;
use panopticon::store::{self, StoredLead};
use panopticon::views::input::InputError;
use panopticon::views::lead::{self, Found};
use panopticon::views::state::{ViewKey, ViewKind, ViewState};
use panopticon::views::NO_LOCATOR;
use poise::serenity_prelude as serenity;
use serenity::{CreateActionRow, CreateEmbed, CreateSelectMenu, CreateSelectMenuKind, CreateSelectMenuOption};

use super::reply_view;
use crate::kit::compose::{embed, file, Composed, Scene, AMBER, BLUE, RED};
use crate::kit::limits::{self, cut};
use crate::kit::{people, reply, Ctx, Error};

/// The most matches offered to pick from (Discord's limit for a select).
const PICK: usize = limits::SELECT_OPTIONS;

/// Leads matching `q` that `scope` may see, at most `max` (best first, as `search_leads`).
fn search_within(c: &store::Connection, q: &str, max: usize, scope: &Scope) -> store::Result<Vec<StoredLead>> {
    match scope {
        Scope::Everyone => store::search_leads(c, q, max),
        // In the query itself: a member's own leads are a few among many matches.
        Scope::Owners(owners) => store::search_leads_owned(c, q, max, Some(owners)),
    }
}

async fn search(ctx: Ctx<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let q: String = partial.trim().chars().take(100).collect();
    let Some(member) = ctx.author_member().await else { return serenity::CreateAutocompleteResponse::new() };
    let access = match people::access(ctx.data(), &member).await {
        Ok(Ok(a)) if a.role.sees_leads() => a,
        _ => return serenity::CreateAutocompleteResponse::new(),
    };
    let found = ctx.data().db(move |c| search_within(c, &q, 25, &access.scope)).await;
    let choices: Vec<serenity::AutocompleteChoice> = match found {
        Ok(leads) => leads
            .into_iter()
            .map(|l| {
                let label = format!("{} — {}", l.full_name, l.company.as_deref().unwrap_or("—"));
                serenity::AutocompleteChoice::new(cut(&label, 100), l.id.to_string())
            })
            .collect(),
        _ => vec![],
    };
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// The message offering the matches; choosing one replaces it with that lead's story.
fn picker(key: &ViewKey, typed: &str, leads: &[StoredLead], more: bool) -> Composed {
    let n = if more { format!("more than {PICK}") } else { leads.len().to_string() };
    let mut text = format!("**{}** matches {n} leads — pick one below to see its story.", cut(typed, 100));
    if more {
        text.push_str(&format!(" Only the first {PICK} are listed: type more of the name to narrow it down."));
    }
    let options: Vec<CreateSelectMenuOption> = leads
        .iter()
        .map(|l| {
            let label = format!("{} — {}", l.full_name, l.company.as_deref().unwrap_or("—"));
            let about = format!(
                "{} · {}",
                l.stage.as_deref().unwrap_or("no stage"),
                l.locator.as_ref().map(|u| u.name.as_str()).unwrap_or(NO_LOCATOR)
            );
            CreateSelectMenuOption::new(cut(&label, limits::OPTION_TEXT), cut(l.id.as_str(), limits::OPTION_TEXT))
                .description(cut(&about, limits::OPTION_TEXT))
        })
        .collect();
    // The view the pick opens: a lead's story, filled in with the chosen id on the click.
    let state = ViewState { tag: 'k', ..ViewState::new(ViewKind::Lead, chrono::Utc::now()) };
    let menu = CreateSelectMenu::new(state.encode(key), CreateSelectMenuKind::String { options })
        .placeholder("Choose the lead…")
        .min_values(1)
        .max_values(1);
    Composed {
        embeds: vec![CreateEmbed::new()
            .title(cut(&format!("Leads matching '{typed}'"), limits::TITLE))
            .description(text)],
        files: vec![],
        components: vec![CreateActionRow::SelectMenu(menu)],
    }
}

/// One lead's story: appointments, every stage change and who made it, time in each stage.
#[poise::command(slash_command, guild_only)]
pub async fn lead(
    ctx: Ctx<'_>,
    #[description = "Name or company (pick from the list)"]
    #[autocomplete = "search"]
    #[max_length = 100]
    name: String,
    #[description = "Only you see the answer (members' and managers' answers always are)"] private: Option<bool>,
) -> Result<(), Error> {
    let access = super::asker(ctx, private, true).await?;
    let data = ctx.data();
    let q = name.trim().to_string();
    let scope = access.scope.clone();
    // A lead outside the asker's scope is not found: the same answer as a lead nobody has.
    let found =
        data.db_pooled(move |c| search_within(c, &q, PICK + 1, &scope).map(|f| lead::decide(&q, f, PICK))).await?;
    match found {
        Found::Nothing => Err(InputError(format!(
            "No lead has the name, company or id '{}'. Start typing and pick one from the list.",
            name.trim()
        ))
        .into()),
        Found::One(id) => {
            let state = ViewState { lead: Some(id), ..ViewState::new(ViewKind::Lead, chrono::Utc::now()) };
            reply_view(ctx, &access, state).await
        }
        Found::Several(leads, more) => reply::send_view(ctx, picker(&data.view_key, name.trim(), &leads, more)).await,
    }
}

/// The message for a lead state.
pub fn face(sc: &Scene) -> Result<Composed, Error> {
    let (s, conn, state, ctx, per_page) = (sc.snap, sc.conn, sc.state, &sc.ctx, sc.per_page);
    let id = state.lead.as_deref().ok_or("this view names no lead")?;
    const GONE: &str = "that lead is no longer in the CRM copy";
    // Outside the asker's scope answers exactly as a lead that is not there: nothing leaks.
    let owner = store::get_lead(conn, id)?.and_then(|l| l.locator.map(|u| u.id));
    if !sc.scope.allows(owner.as_deref()) {
        return Err(GONE.into());
    }
    let d = lead::build(conn, s, ctx, id)?.ok_or(GONE)?;
    let img = table::lead(&d, ctx, Page { index: state.page as usize, per_page })?;
    let l = &d.lead;
    let status = d.status.map(Status::word).unwrap_or("no appointment");
    let color = match d.status {
        Some(Status::Stale) => RED,
        Some(Status::AtRisk) => AMBER,
        _ => BLUE,
    };
    let mut lines = vec![
        format!(
            "**{}** · {} · {}",
            status,
            l.stage.as_deref().unwrap_or("—"),
            l.locator.as_deref().map_or(NO_LOCATOR.to_string(), |n| sc.named(n, owner.as_deref()))
        ),
        format!("{} · {}", l.company.as_deref().unwrap_or("—"), l.phone.as_deref().unwrap_or("no phone")),
        format!("[Open in {}]({})", panopticon::views::context::crm_of_link(&l.zoho_url), l.zoho_url),
    ];
    lines.extend(super::nudge::story_lines(&d, sc.ctx.tz()));
    lines.extend(super::writeback::story_lines(&d, sc.ctx.tz()));
    let snoozed = if d.snooze.is_some() { " · SNOOZED" } else { "" };
    let title = format!("{} — {status}{snoozed}", l.name);
    Ok(Composed {
        embeds: vec![embed(&title, color, &lines, ctx, &d.header, Some(&img))],
        files: vec![file(&img)],
        components: {
            // The loop's buttons, then write-back's row (reassign, note, task) under them.
            let mut rows = super::nudge::story_buttons(sc, &d, owner.as_deref());
            rows.extend(super::writeback::story_row(sc, &d.lead.id, owner.as_deref()));
            rows
        },
    })
}
