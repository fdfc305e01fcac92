//! "Add note…": a form (one paragraph, up to 4,000 characters) whose id carries the action's key,
//! made when the form opens; submitted, the note is written to the lead in Zoho exactly as
//! typed (then who wrote it and the reference that finds it again).

use panopticon::actions::run::Ask;
use panopticon::actions::{Action, ActionKey, ActionKind, NoteText};
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

/// Discord's limit for a form's paragraph.
const NOTE_MAX: u16 = 4000;

/// "Add note…": the form, or why not.
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
    if let Some(why) = not_theirs(access, ActionKind::Note, &lead) {
        return Ok(mci.create_response(ctx, private(&why)).await?);
    }
    let text = CreateInputText::new(InputTextStyle::Paragraph, "Note", "note")
        .placeholder(format!("Written to the lead in {}, with your name", data.cfg.crm.short()))
        .required(true)
        .max_length(NOTE_MAX);
    let id = Write::submit(WriteKind::NoteSubmit, lead.id.as_str(), ActionKey::new()).encode(&data.view_key);
    let modal = CreateModal::new(id, cut(&format!("Note on {}", lead.full_name), 45))
        .components(vec![CreateActionRow::InputText(text)]);
    mci.create_response(ctx, CreateInteractionResponse::Modal(modal)).await?;
    Ok(())
}

/// The note form, submitted: checked again, written, answered privately.
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
    let text = match NoteText::parse(raw_field(m, "note").as_deref().unwrap_or("")) {
        Ok(t) => t,
        Err(why) => return Ok(m.create_response(ctx, private(&format!("Nothing was written: {why}."))).await?),
    };
    defer_form(ctx, m).await?;
    let who = actor(data, &m.user, m.member.as_ref(), access).await?;
    let ask = Ask { key, lead: lead.id.clone(), action: Action::Note { text }, seen_modified: None };
    let outcome = run(data, &who, &ask).await?;
    let text = said(&outcome, &format!("The note on **{}**", lead.full_name), data.cfg.crm.short());
    m.edit_response(ctx, serenity::EditInteractionResponse::new().content(cut(&text, crate::kit::limits::CONTENT)))
        .await?;
    Ok(())
}
