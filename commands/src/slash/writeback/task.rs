//! "Follow-up task…": a form (subject; due date — YYYY-MM-DD, today, tomorrow or +3d in the
//! business zone, "tomorrow" filled in) whose id carries the action's key; submitted, a task for
//! the lead's owner is created in Zoho, linked to the lead. Input that does not parse is
//! answered privately, naming the problem, and nothing is written.

use chrono::Utc;
use panopticon::actions::run::Ask;
use panopticon::actions::{Action, ActionKey, ActionKind, DueDate, Subject};
use panopticon::people::Access;
use panopticon::views::state::{Write, WriteKind};
use poise::serenity_prelude as serenity;
use serenity::{
    ComponentInteraction, CreateActionRow, CreateInputText, CreateInteractionResponse, CreateModal, InputTextStyle,
    ModalInteraction,
};

use super::{actor, defer_form, lead_for, not_theirs, run, said};
use crate::kit::limits::cut;
use crate::kit::{Data, Error};
use crate::slash::snooze::{private, raw_field};

/// "Follow-up task…": the form, or why not.
pub async fn open(
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
    if let Some(why) = not_theirs(access, ActionKind::Task, &lead) {
        return Ok(mci.create_response(ctx, private(&why)).await?);
    }
    let Some(owner) = &lead.locator else {
        let why = format!("**{}** has no owner to set a task for.", lead.full_name);
        return Ok(mci.create_response(ctx, private(&why)).await?);
    };
    let subject = CreateInputText::new(InputTextStyle::Short, "Subject", "subject")
        .placeholder(cut(&format!("e.g. Call {} back about the revisit", lead.full_name), 100))
        .required(true)
        .max_length(200);
    let due = CreateInputText::new(InputTextStyle::Short, "Due (YYYY-MM-DD, today, tomorrow, +3d)", "due")
        .value("tomorrow")
        .required(true)
        .max_length(20);
    let id = Write::submit(WriteKind::TaskSubmit, lead.id.as_str(), ActionKey::new()).encode(&data.view_key);
    let modal = CreateModal::new(id, cut(&format!("Task for {}", owner.name), 45))
        .components(vec![CreateActionRow::InputText(subject), CreateActionRow::InputText(due)]);
    mci.create_response(ctx, CreateInteractionResponse::Modal(modal)).await?;
    Ok(())
}

/// The task form, submitted: parsed, checked again, written, answered privately.
pub async fn submit(
    ctx: &serenity::Context,
    data: &Data,
    m: &ModalInteraction,
    access: &Access,
    w: &Write,
) -> Result<(), Error> {
    let lead = match lead_for(data, access, w).await? {
        Ok(l) => l,
        Err(why) => return Ok(m.create_response(ctx, private(&why)).await?),
    };
    let Some(key) = w.key.clone() else {
        return Ok(m.create_response(ctx, private("That form has expired — open the lead again.")).await?);
    };
    let today = Utc::now().with_timezone(&data.cfg.rules.timezone).date_naive();
    let parsed = Subject::parse(raw_field(m, "subject").as_deref().unwrap_or(""))
        .and_then(|s| DueDate::parse(raw_field(m, "due").as_deref().unwrap_or("tomorrow"), today).map(|d| (s, d)));
    let (subject, due) = match parsed {
        Ok(p) => p,
        Err(why) => return Ok(m.create_response(ctx, private(&format!("Nothing was written: {why}."))).await?),
    };
    defer_form(ctx, m).await?;
    let who = actor(data, &m.user, m.member.as_ref(), access).await?;
    let for_whom = lead.locator.as_ref().map(|u| u.name.clone()).unwrap_or_default();
    let ask = Ask { key, lead: lead.id.clone(), action: Action::Task { subject, due }, seen_modified: None };
    let outcome = run(data, &who, &ask).await?;
    let what = format!("The task for {for_whom} on **{}** (due {})", lead.full_name, due.date());
    let text = said(&outcome, &what, data.cfg.crm.short());
    m.edit_response(ctx, serenity::EditInteractionResponse::new().content(cut(&text, crate::kit::limits::CONTENT)))
        .await?;
    Ok(())
}
