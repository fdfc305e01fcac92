//! /lead <name> — one lead's story, found by name, company or id. A name that fits several
//! leads is not an error: the matches are offered in a select, and the pick shows the story.

use panopticon::render::{table, Page};
use panopticon::rules::Status;
use panopticon::store::{self, StoredLead};
use panopticon::views::input::InputError;
use panopticon::views::state::{ViewKey, ViewKind, ViewState};
use panopticon::views::{lead, NO_LOCATOR};
use poise::serenity_prelude as serenity;
use serenity::{CreateActionRow, CreateEmbed, CreateSelectMenu, CreateSelectMenuKind, CreateSelectMenuOption};

use super::reply_view;
use crate::kit::compose::{embed, file, Composed, Scene, AMBER, BLUE, RED};
use crate::kit::limits::{self, cut};
use crate::kit::{reply, Ctx, Error};

/// The most matches offered to pick from (Discord's limit for a select).
const PICK: usize = limits::SELECT_OPTIONS;

async fn search(ctx: Ctx<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let q: String = partial.trim().chars().take(100).collect();
    let found = ctx.data().db(move |c| store::search_leads(c, &q, 25)).await;
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

/// What a typed name leads to.
#[derive(Debug, PartialEq)]
enum Found {
    One(String),
    /// Several leads fit: the first `PICK` of them, and whether there are more.
    Several(Vec<StoredLead>, bool),
}

/// Decides between one lead and a choice; nothing found is the person's typo to fix.
fn decide(typed: &str, mut found: Vec<StoredLead>) -> Result<Found, InputError> {
    match found.as_slice() {
        [] => Err(InputError(format!(
            "No lead has the name, company or id '{typed}'. Start typing and pick one from the list."
        ))),
        [one] => Ok(Found::One(one.id.to_string())),
        // The search puts an exact id first.
        [first, ..] if first.id.as_str() == typed => Ok(Found::One(first.id.to_string())),
        _ => {
            let more = found.len() > PICK;
            found.truncate(PICK);
            Ok(Found::Several(found, more))
        }
    }
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
) -> Result<(), Error> {
    reply::defer(ctx).await?;
    let data = ctx.data();
    let q = name.trim().to_string();
    let found = data.db_pooled(move |c| store::search_leads(c, &q, PICK + 1)).await?;
    match decide(name.trim(), found)? {
        Found::One(id) => {
            let state = ViewState { lead: Some(id), ..ViewState::new(ViewKind::Lead, chrono::Utc::now()) };
            reply_view(ctx, state).await
        }
        Found::Several(leads, more) => reply::send_view(ctx, picker(&data.view_key, name.trim(), &leads, more)).await,
    }
}

/// The message for a lead state.
pub fn face(sc: &Scene) -> Result<Composed, Error> {
    let (s, conn, state, ctx, per_page) = (sc.snap, sc.conn, sc.state, &sc.ctx, sc.per_page);
    let id = state.lead.as_deref().ok_or("this view names no lead")?;
    let d = lead::build(conn, s, ctx, id)?.ok_or("that lead is no longer in the CRM copy")?;
    let img = table::lead(&d, ctx, Page { index: state.page as usize, per_page })?;
    let l = &d.lead;
    let status = d.status.map(Status::word).unwrap_or("no appointment");
    let color = match d.status {
        Some(Status::Stale) => RED,
        Some(Status::AtRisk) => AMBER,
        _ => BLUE,
    };
    let lines = vec![
        format!(
            "**{}** · {} · {}",
            status,
            l.stage.as_deref().unwrap_or("—"),
            l.locator.as_deref().unwrap_or(NO_LOCATOR)
        ),
        format!("{} · {}", l.company.as_deref().unwrap_or("—"), l.phone.as_deref().unwrap_or("no phone")),
        format!("[Open in Zoho CRM]({})", l.zoho_url),
    ];
    let title = format!("{} — {}", l.name, status);
    Ok(Composed {
        embeds: vec![embed(&title, color, &lines, ctx, &d.header, Some(&img))],
        files: vec![file(&img)],
        components: vec![],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lead(id: &str, name: &str) -> StoredLead {
        let now = panopticon::time::Stamp::parse("2026-11-20T10:00:00Z").unwrap();
        StoredLead {
            id: panopticon::domain::LeadId::parse(id).unwrap(),
            full_name: name.into(),
            company: Some("Riverside Gym".into()),
            email: None,
            phone: None,
            lead_source: None,
            stage: None,
            locator: None,
            converted: false,
            created_at: now,
            modified_at: now,
            history_known: false,
        }
    }

    #[test]
    fn several_matches_are_a_choice_not_an_error() {
        let many: Vec<StoredLead> = (0..30).map(|i| lead(&format!("{}", 100 + i), &format!("Lead {i}"))).collect();
        let Ok(Found::Several(offered, more)) = decide("Riverside Gym", many) else { panic!("a choice") };
        assert_eq!((offered.len(), more), (PICK, true));
        let two = vec![lead("1", "A"), lead("2", "B")];
        assert!(matches!(decide("Riverside", two), Ok(Found::Several(v, false)) if v.len() == 2));
        assert_eq!(decide("2", vec![lead("2", "B"), lead("20", "C")]), Ok(Found::One("2".into())));
        assert!(decide("nobody", vec![]).unwrap_err().0.contains("'nobody'"));
    }
}
