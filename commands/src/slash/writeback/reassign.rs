//! "Reassign…": a private pick of the new owner (active CRM users from the synced `users`
//! table, the current owner left out, a manager's own team only), 25 a page with "More owners"
//! and "Back" so nobody is silently cut; then a confirmation "Reassign <lead> (<company>) from
//! <owner> to <new owner>?" whose Confirm carries the action's key and the Modified_Time shown.
//! Confirmed, it is written only if the lead has not changed in Zoho since; if it has, the
//! fresh lead is shown with a new Confirm (a new key, the fresh time): asked again.

use chrono::{DateTime, Utc};
use panopticon::actions::run::{Ask, Outcome, RunError};
use panopticon::actions::{Action, ActionKey, ActionKind, Person};
use panopticon::crm::CrmUser;
use panopticon::people::Access;
use panopticon::store::{self, StoredLead};
use panopticon::time::Stamp;
use panopticon::views::local;
use panopticon::views::state::{Write, WriteKind};
use poise::serenity_prelude as serenity;
use serenity::{
    ButtonStyle, ComponentInteraction, ComponentInteractionDataKind, CreateActionRow, CreateButton, CreateEmbed,
    CreateInteractionResponse, CreateInteractionResponseMessage, CreateSelectMenu, CreateSelectMenuKind,
    CreateSelectMenuOption, EditInteractionResponse,
};

use super::{actor, lead_for, not_theirs, run, said};
use crate::kit::compose::{AMBER, BLUE, RED};
use crate::kit::limits::{self, cut};
use crate::kit::{Data, Error};
use crate::slash::snooze::private;

const PER_PAGE: usize = limits::SELECT_OPTIONS;
const GREEN: u32 = 0x009E73;

/// Whom `access` may hand `lead` to: active users, not its owner, within their reach; by name.
fn candidates(users: Vec<CrmUser>, access: &Access, lead: &StoredLead) -> Vec<CrmUser> {
    let owner = lead.locator.as_ref().map(|u| u.id.as_str());
    users.into_iter().filter(|u| u.active() && Some(u.id.as_str()) != owner && access.may_hand_to(&u.id)).collect()
}

fn owner_name(lead: &StoredLead) -> String {
    lead.locator.as_ref().map(|u| u.name.clone()).unwrap_or_else(|| panopticon::views::NO_LOCATOR.to_string())
}

fn named(lead: &StoredLead) -> String {
    match &lead.company {
        Some(c) => format!("{} ({c})", lead.full_name),
        None => lead.full_name.clone(),
    }
}

/// Which of `n` people a pick shows, `PER_PAGE` a page, for the page asked (kept in range):
/// the page, how many pages, and the slice.
fn page_of(n: usize, asked: usize) -> (usize, usize, std::ops::Range<usize>) {
    let pages = n.div_ceil(PER_PAGE).max(1);
    let page = asked.min(pages - 1);
    (page, pages, page * PER_PAGE..((page + 1) * PER_PAGE).min(n))
}

/// Checks a control about a lead for reassigning: the lead, or what to say.
async fn reassignable(data: &Data, access: &Access, w: &Write) -> Result<Result<StoredLead, String>, Error> {
    Ok(match lead_for(data, access, w).await? {
        Ok(l) => match not_theirs(access, ActionKind::Reassign, &l) {
            Some(why) => Err(why),
            None => Ok(l),
        },
        Err(why) => Err(why),
    })
}

/// "Reassign…" (a new private message) or a page of the pick (in place).
pub async fn offer(
    ctx: &serenity::Context,
    data: &Data,
    mci: &ComponentInteraction,
    access: &Access,
    w: &Write,
) -> Result<(), Error> {
    let lead = match reassignable(data, access, w).await? {
        Ok(l) => l,
        Err(why) => return Ok(mci.create_response(ctx, private(&why)).await?),
    };
    let users = candidates(data.db(|c| store::all_users(c)).await?, access, &lead);
    let id = lead.id.as_str();
    if users.is_empty() {
        let why = format!("There is nobody you may hand **{}** to.", lead.full_name);
        return Ok(mci.create_response(ctx, private(&why)).await?);
    }
    let (page, pages, range) = page_of(users.len(), w.page as usize);
    let shown = &users[range];
    let options: Vec<CreateSelectMenuOption> = shown
        .iter()
        .map(|u| {
            let mut o = CreateSelectMenuOption::new(cut(&u.name, limits::OPTION_TEXT), u.id.clone());
            if let Some(e) = &u.email {
                o = o.description(cut(e, limits::OPTION_TEXT));
            }
            o
        })
        .collect();
    let pick = Write { page: page as u16, ..Write::on(WriteKind::Pick, id) };
    let menu = CreateSelectMenu::new(pick.encode(&data.view_key), CreateSelectMenuKind::String { options })
        .placeholder("Choose the new owner…")
        .min_values(1)
        .max_values(1);
    let mut rows = vec![CreateActionRow::SelectMenu(menu)];
    let mut text = format!("Reassign **{}** — owned by {}. Choose the new owner", named(&lead), owner_name(&lead));
    if pages > 1 {
        text.push_str(&format!(
            " (page {} of {pages}: {}–{} of {} people, by name).",
            page + 1,
            page * PER_PAGE + 1,
            page * PER_PAGE + shown.len(),
            users.len()
        ));
        let turn = |to: usize, label: &str, on: bool| {
            CreateButton::new(Write { page: to as u16, ..Write::on(WriteKind::PickPage, id) }.encode(&data.view_key))
                .label(label)
                .style(ButtonStyle::Secondary)
                .disabled(!on)
        };
        rows.push(CreateActionRow::Buttons(vec![
            turn(page.saturating_sub(1), "◀ Back", page > 0),
            turn(page + 1, "More owners ▶", page + 1 < pages),
        ]));
    } else {
        text.push('.');
    }
    let message = CreateInteractionResponseMessage::new().content(text).components(rows).ephemeral(true);
    let response = if w.kind == WriteKind::PickPage {
        CreateInteractionResponse::UpdateMessage(message)
    } else {
        CreateInteractionResponse::Message(message)
    };
    mci.create_response(ctx, response).await?;
    Ok(())
}

/// The confirmation for handing `lead` to `to`, as the lead is now: a new key, its time.
fn confirmation(data: &Data, lead: &StoredLead, to: &Person, note: Option<&str>) -> (CreateEmbed, CreateActionRow) {
    let tz = data.cfg.rules.timezone;
    let mut lines = Vec::new();
    if let Some(n) = note {
        lines.push(n.to_string());
    }
    lines.push(format!("Owner: {} · Stage: {}", owner_name(lead), lead.stage.as_deref().unwrap_or("—")));
    lines.push(format!("Last modified in {}: {}", data.cfg.crm.short(), local(&lead.modified_at, tz)));
    let embed = CreateEmbed::new()
        .title(cut(&format!("Reassign {} from {} to {}?", named(lead), owner_name(lead), to.name), limits::TITLE))
        .colour(if note.is_some() { AMBER } else { BLUE })
        .description(lines.join("\n"));
    let confirm = Write::confirm(lead.id.as_str(), &to.id, lead.modified_at.utc().timestamp(), ActionKey::new());
    let row = CreateActionRow::Buttons(vec![
        CreateButton::new(confirm.encode(&data.view_key)).label("Confirm").style(ButtonStyle::Primary),
        CreateButton::new(Write::on(WriteKind::Cancel, lead.id.as_str()).encode(&data.view_key))
            .label("Cancel")
            .style(ButtonStyle::Secondary),
    ]);
    (embed, row)
}

/// The new owner `id`, if `access` may hand `lead` to them now.
async fn new_owner(data: &Data, access: &Access, lead: &StoredLead, id: &str) -> Result<Option<Person>, Error> {
    let users = candidates(data.db(|c| store::all_users(c)).await?, access, lead);
    Ok(users.into_iter().find(|u| u.id == id).map(|u| Person { id: u.id, name: u.name }))
}

const NOBODY: &str = "You may not hand this lead to that person (not an active CRM user within your team, or \
                      already its owner). Nothing was changed.";

/// The new owner chosen: the confirmation, in place of the pick.
pub async fn pick(
    ctx: &serenity::Context,
    data: &Data,
    mci: &ComponentInteraction,
    access: &Access,
    w: &Write,
) -> Result<(), Error> {
    let lead = match reassignable(data, access, w).await? {
        Ok(l) => l,
        Err(why) => return Ok(mci.create_response(ctx, private(&why)).await?),
    };
    let chosen = match &mci.data.kind {
        ComponentInteractionDataKind::StringSelect { values } => values.first().cloned(),
        _ => None,
    };
    let Some(to) = new_owner(data, access, &lead, chosen.as_deref().unwrap_or("")).await? else {
        return Ok(mci.create_response(ctx, private(NOBODY)).await?);
    };
    let (embed, row) = confirmation(data, &lead, &to, None);
    let message = CreateInteractionResponseMessage::new().content("").embed(embed).components(vec![row]);
    mci.create_response(ctx, CreateInteractionResponse::UpdateMessage(message)).await?;
    Ok(())
}

/// "Cancel": the confirmation says so and loses its buttons.
pub async fn cancel(ctx: &serenity::Context, mci: &ComponentInteraction) -> Result<(), Error> {
    let message = CreateInteractionResponseMessage::new()
        .content("Cancelled: nothing was changed.")
        .embeds(vec![])
        .components(vec![]);
    mci.create_response(ctx, CreateInteractionResponse::UpdateMessage(message)).await?;
    Ok(())
}

/// The Modified_Time shown, as a stamp: the stored one when it is the same instant (its offset
/// as Zoho wrote it), else that instant in UTC.
fn seen_stamp(lead: &StoredLead, seen: i64) -> Option<Stamp> {
    if lead.modified_at.utc().timestamp() == seen {
        return Some(lead.modified_at);
    }
    DateTime::<Utc>::from_timestamp(seen, 0).map(Stamp::from_utc)
}

/// "Confirm": acknowledged at once, performed (permission decided again from the clicker),
/// and the confirmation edited into the outcome.
pub async fn confirm(
    ctx: &serenity::Context,
    data: &Data,
    mci: &ComponentInteraction,
    access: &Access,
    w: &Write,
) -> Result<(), Error> {
    let lead = match lead_for(data, access, w).await? {
        Ok(l) => l,
        Err(why) => return Ok(mci.create_response(ctx, private(&why)).await?),
    };
    let (Some(key), Some(to_id), Some(seen)) = (w.key.clone(), w.target.clone(), w.seen) else {
        return Ok(mci.create_response(ctx, private(NOBODY)).await?);
    };
    mci.create_response(ctx, CreateInteractionResponse::Acknowledge).await?;
    // The name as the directory has it; an id outside it is still asked about (and refused
    // by the orchestrator, recorded), never silently dropped.
    let users = data.db(|c| store::all_users(c)).await?;
    let to = users
        .iter()
        .find(|u| u.id == to_id)
        .map(|u| Person { id: u.id.clone(), name: u.name.clone() })
        .unwrap_or(Person { id: to_id.clone(), name: to_id.clone() });
    let who = actor(data, &mci.user, mci.member.as_ref(), access).await?;
    let ask = Ask {
        key,
        lead: lead.id.clone(),
        action: Action::Reassign { to: to.clone() },
        seen_modified: seen_stamp(&lead, seen),
    };
    let outcome = run(data, &who, &ask).await?;
    let edit = match &outcome {
        Ok(Outcome::Conflict { fresh: Some(fresh), .. }) => {
            let note = format!(
                "⚠️ **The lead changed in {} since it was shown: nothing was written.** \
                 Here it is as it is now — confirm again if it should still go.",
                data.cfg.crm.short()
            );
            let (embed, row) = confirmation(data, fresh, &to, Some(&note));
            EditInteractionResponse::new().content("").embed(embed).components(vec![row])
        }
        other => {
            let (title, colour) = result_title(other, &lead, &to, data.cfg.crm.short());
            let embed = CreateEmbed::new().title(cut(&title, limits::TITLE)).colour(colour).description(cut(
                &said(other, &format!("Reassigning **{}** to {}", lead.full_name, to.name), data.cfg.crm.short()),
                limits::DESCRIPTION,
            ));
            EditInteractionResponse::new().content("").embed(embed).components(vec![])
        }
    };
    mci.edit_response(ctx, edit).await?;
    Ok(())
}

fn result_title(outcome: &Result<Outcome, RunError>, lead: &StoredLead, to: &Person, crm: &str) -> (String, u32) {
    let from = outcome
        .as_ref()
        .ok()
        .and_then(|o| o.record().from.as_ref().map(|p| p.name.clone()))
        .unwrap_or_else(|| owner_name(lead));
    match outcome {
        Ok(Outcome::Done { .. }) => {
            (format!("Reassigned {} from {from} to {} — {crm} updated", lead.full_name, to.name), GREEN)
        }
        Ok(Outcome::InProgress(_) | Outcome::Unconfirmed(_)) => {
            (format!("Reassigning {} to {} — in progress", lead.full_name, to.name), AMBER)
        }
        Ok(Outcome::Denied(_)) => (format!("Not reassigned: {}", lead.full_name), RED),
        _ => (format!("Not reassigned: {} — nothing was written", lead.full_name), RED),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_person_is_on_exactly_one_page_and_a_page_too_far_is_the_last() {
        for n in [1, 24, 25, 26, 60, 75] {
            let (_, pages, _) = page_of(n, 0);
            let mut seen = Vec::new();
            for p in 0..pages {
                let (page, _, r) = page_of(n, p);
                assert_eq!(page, p);
                assert!(r.len() <= PER_PAGE && !r.is_empty(), "{n}: {r:?}");
                seen.extend(r);
            }
            assert_eq!(seen, (0..n).collect::<Vec<_>>(), "{n} people, none cut");
            assert_eq!(page_of(n, 999).0, pages - 1);
        }
        assert_eq!(page_of(60, 0).1, 3);
    }
}
