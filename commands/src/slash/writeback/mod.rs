//! Write-back from Discord (issue 15): "Reassign…", "Add note…" and "Follow-up task…" on the
//! lead story, each shown only to whom may do it (`Access::may`) and only when the CRM token
//! has the scope. Reassign picks the new owner (`reassign.rs`) and asks for a confirmation;
//! a note (`note.rs`) and a task (`task.rs`) are forms. Every control carries a signed `Write`
//! id; the action's key is made when the confirmation or the form is shown, so a double click
//! or a resubmitted form writes once (`actions::run::perform` keeps that promise and decides
//! permission again from whoever clicks).

mod note;
mod reassign;
mod task;

use chrono::Utc;
use chrono_tz::Tz;
use panopticon::actions::run::{perform, Actor, Ask, Outcome, RunError};
use panopticon::actions::ActionKind;
use panopticon::people::Access;
use panopticon::store::{self, StoredLead, Via};
use panopticon::views::lead::LeadDetail;
use panopticon::views::state::{Write, WriteKind};
use poise::serenity_prelude as serenity;
use serenity::{ButtonStyle, ComponentInteraction, CreateActionRow, CreateButton, ModalInteraction};

use super::snooze::{name_of, private};
use crate::kit::compose::Scene;
use crate::kit::{Data, Error};

/// Actions shown on the story at most (the newest; `/audit lead:` has all).
const STORY_LINES: usize = 5;

/// Said for a write-back id used where it does not belong.
const MISPLACED: &str = "That button does nothing here — open the lead again with /lead.";

/// The story's write-back buttons, for who may use them and what the token may write: a
/// second row under the loop's buttons, or nothing.
pub fn story_row(sc: &Scene, lead: &str, owner: Option<&str>) -> Option<CreateActionRow> {
    let (access, scopes) = (sc.access.as_ref()?, sc.writable.as_ref()?);
    let buttons: Vec<CreateButton> = [
        (ActionKind::Reassign, WriteKind::Reassign, "Reassign…"),
        (ActionKind::Note, WriteKind::NoteForm, "Add note…"),
        (ActionKind::Task, WriteKind::TaskForm, "Follow-up task…"),
    ]
    .into_iter()
    .filter(|(k, _, _)| access.may(k.act(), owner) && scopes.missing(*k).is_none())
    // Reassigning a lead nobody owns is a coordinator's; a task needs an owner to be for.
    .filter(|(k, _, _)| *k != ActionKind::Task || owner.is_some())
    .map(|(_, w, label)| {
        CreateButton::new(Write::on(w, lead).encode(&sc.key)).label(label).style(ButtonStyle::Secondary)
    })
    .collect();
    (!buttons.is_empty()).then_some(CreateActionRow::Buttons(buttons))
}

/// The story's lines about write-back: the newest actions with who, when and the outcome.
pub fn story_lines(d: &LeadDetail, tz: Tz) -> Vec<String> {
    if d.actions.is_empty() {
        return vec![];
    }
    let mut out = vec!["**Actions in the CRM**".to_string()];
    let skip = d.actions.len().saturating_sub(STORY_LINES);
    if skip > 0 {
        out.push(format!("… {skip} earlier (/audit lead:{})", d.lead.id));
    }
    out.extend(d.actions[skip..].iter().map(|a| format!("• {}", a.line(tz))));
    out
}

/// A click on a write-back control (the guild's check passed; `access` is the clicker's now).
pub async fn on_click(
    ctx: &serenity::Context,
    data: &Data,
    mci: &ComponentInteraction,
    access: &Access,
    w: &Write,
) -> Result<(), Error> {
    match w.kind {
        WriteKind::Reassign | WriteKind::PickPage => reassign::offer(ctx, data, mci, access, w).await,
        WriteKind::Pick => reassign::pick(ctx, data, mci, access, w).await,
        WriteKind::Confirm => reassign::confirm(ctx, data, mci, access, w).await,
        WriteKind::Cancel => reassign::cancel(ctx, mci).await,
        WriteKind::NoteForm => note::open(ctx, data, mci, access, w).await,
        WriteKind::TaskForm => task::open(ctx, data, mci, access, w).await,
        WriteKind::AuditPage => super::audit::page(ctx, data, mci, access, w).await,
        WriteKind::NoteSubmit | WriteKind::TaskSubmit => Ok(mci.create_response(ctx, private(MISPLACED)).await?),
    }
}

/// A write-back form submitted.
pub async fn on_form(
    ctx: &serenity::Context,
    data: &Data,
    m: &ModalInteraction,
    access: &Access,
    w: &Write,
) -> Result<(), Error> {
    match w.kind {
        WriteKind::NoteSubmit => note::submit(ctx, data, m, access, w).await,
        WriteKind::TaskSubmit => task::submit(ctx, data, m, access, w).await,
        _ => Ok(m.create_response(ctx, private(MISPLACED)).await?),
    }
}

/// The lead a control names, from the store, if the clicker may see it; else what to say.
async fn lead_for(data: &Data, access: &Access, w: &Write) -> Result<Result<StoredLead, String>, Error> {
    const GONE: &str = "That lead is no longer in the CRM copy.";
    let Some(id) = w.lead.clone() else { return Ok(Err(MISPLACED.into())) };
    let lead = data.db(move |c| store::get_lead(c, &id)).await?;
    // Outside the clicker's scope answers as a lead that is not there.
    Ok(match lead {
        Some(l) if access.scope.allows(l.locator.as_ref().map(|u| u.id.as_str())) => Ok(l),
        _ => Err(GONE.into()),
    })
}

/// Why `access` may not do `kind` on `lead` (the buttons are hidden, but an old message or a
/// forged click still arrives), in words; `None` when they may.
fn not_theirs(access: &Access, kind: ActionKind, lead: &StoredLead) -> Option<String> {
    let owner = lead.locator.as_ref().map(|u| u.id.as_str());
    if access.may(kind.act(), owner) {
        return None;
    }
    Some(
        match kind {
            ActionKind::Reassign => {
                "You may not reassign this lead: coordinators may, and managers their team's leads."
            }
            ActionKind::Task => {
                "You may not set a follow-up task on this lead: coordinators may, and managers for their team."
            }
            ActionKind::Note => {
                "You may not add a note to this lead: coordinators may, managers for their team, \
                             and each locator on their own leads."
            }
        }
        .to_string(),
    )
}

/// Who clicks, as the orchestrator and the audit know them.
async fn actor(
    data: &Data,
    user: &serenity::User,
    member: Option<&serenity::Member>,
    access: &Access,
) -> Result<Actor, Error> {
    Ok(Actor {
        discord: Some(user.id.get()),
        name: name_of(data, user, member).await?,
        via: Via::Discord,
        access: access.clone(),
    })
}

/// A form's answer, deferred: only the person who sent it sees what comes.
async fn defer_form(ctx: &serenity::Context, m: &ModalInteraction) -> Result<(), Error> {
    let defer =
        serenity::CreateInteractionResponse::Defer(serenity::CreateInteractionResponseMessage::new().ephemeral(true));
    m.create_response(ctx, defer).await?;
    Ok(())
}

/// Performs `ask` through the kept CRM client.
async fn run(data: &Data, actor: &Actor, ask: &Ask) -> Result<Result<Outcome, RunError>, Error> {
    let crm = data.ops.crm(&data.cfg).await?;
    Ok(perform(&data.store, crm, data.cfg.actions.enabled, actor, ask, Utc::now()).await)
}

/// What a note or a task came to, in a sentence for the person who asked (`what`: "The note on
/// **Ann Lee**").
fn said(outcome: &Result<Outcome, RunError>, what: &str, crm: &str) -> String {
    let reason = |r: &store::ActionRecord| r.reason.clone().unwrap_or_else(|| "no reason given".into());
    match outcome {
        Ok(Outcome::Done { again: false, .. }) => format!("✅ {what} is in {crm}."),
        Ok(Outcome::Done { again: true, .. }) => format!("✅ {what} was already written (this form was sent twice)."),
        Ok(Outcome::InProgress(_)) => format!("⏳ {what} is already being written — nothing more was sent."),
        Ok(Outcome::Conflict { record, .. }) => format!("⚠️ {what} was not written: {}.", reason(record)),
        Ok(Outcome::Refused(r)) => {
            let code = r.code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default();
            format!("❌ {crm} refused {}: {}{code}. Nothing was written.", lower(what), reason(r))
        }
        Ok(Outcome::Denied(r)) => format!("🚫 {what} was not written: {}.", reason(r)),
        Ok(Outcome::Failed(r)) => format!("❌ {what} was not written: {}. Asking again is safe.", reason(r)),
        Ok(Outcome::Unconfirmed(_)) => format!(
            "⏳ {what} was sent but {crm} did not answer. Panopticon will look for it after the next sync; \
             see /audit before asking again."
        ),
        Err(e) => format!("{what} was not written: {e}."),
    }
}

fn lower(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_lowercase().chain(c).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outcome_reads_as_a_sentence() {
        let e: Result<Outcome, RunError> = Err(RunError::Disabled);
        let s = said(&e, "The note on **Ann**", "Zoho");
        assert!(s.starts_with("The note on **Ann** was not written: write-back actions are off"), "{s}");
        assert_eq!(lower("The note"), "the note");
    }
}
