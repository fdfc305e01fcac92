//! Nudging a locator about a stale or at-risk lead, and their answers. "Nudge <locator>" on the
//! lead story (coordinators; managers for their team) DMs the locator — the Discord member
//! linked to the lead's owner — the lead's card, who nudged, and three buttons: "Followed up"
//! (a one-line note in a form), "Snooze 2 days", "Need help". Closed DMs: the locator is
//! mentioned in the channel instead, and the nudger told. Every nudge and answer is recorded
//! (`Kind::Nudge`, answers carry the nudge's id) and shows on the lead story, with its snooze.

use chrono::Utc;
use chrono_tz::Tz;
use panopticon::alerts::{Expiry, Intervention, Kind};
use panopticon::people::{Access, LoopAct};
use panopticon::rules::Status;
use panopticon::store;
use panopticon::views::context::{crm_of_link, lead_url, record_base};
use panopticon::views::lead::LeadDetail;
use panopticon::views::state::{Action, ActionKind};
use panopticon::views::{local, NO_LOCATOR};
use poise::serenity_prelude as serenity;
use serenity::{
    ButtonStyle, ComponentInteraction, CreateActionRow, CreateButton, CreateEmbed, CreateInputText,
    CreateInteractionResponse, CreateInteractionResponseMessage, CreateMessage, CreateModal, EditInteractionResponse,
    InputTextStyle, ModalInteraction,
};

use super::snooze::{field, lead_now, name_of, private, until_text, write_snooze, LeadNow, NOTE_MAX};
use crate::kit::compose::{Scene, AMBER, RED};
use crate::kit::limits::{self, cut};
use crate::kit::{people, Data, Error};

/// Follow-up lines shown on the story at most (the newest; the CLI's `report lead` has all).
const STORY_LINES: usize = 10;

/// Discord's code for "Cannot send messages to this user" (DMs closed).
const DMS_CLOSED: isize = 50007;

/// The lead story's lines about the loop: the snooze holding now, and what was done.
pub fn story_lines(d: &LeadDetail, tz: Tz) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(s) = &d.snooze {
        out.push(format!("⏸ **{}**", s.sentence(tz)));
    }
    if !d.interventions.is_empty() {
        out.push("**Follow-up**".into());
        let skip = d.interventions.len().saturating_sub(STORY_LINES);
        if skip > 0 {
            out.push(format!("… {skip} earlier (panopticon report lead {})", d.lead.id));
        }
        out.extend(d.interventions[skip..].iter().map(|i| format!("• {}", i.line(tz))));
    }
    out
}

/// The story's buttons, for who may use them: "Nudge <locator>" on a stale or at-risk lead,
/// "Snooze…" or "Lift snooze".
pub fn story_buttons(sc: &Scene, d: &LeadDetail, owner: Option<&str>) -> Vec<CreateActionRow> {
    let Some(access) = &sc.access else { return vec![] };
    let id = &d.lead.id;
    let mut buttons = Vec::new();
    let cold = matches!(d.status, Some(Status::Stale | Status::AtRisk));
    if cold && owner.is_some() && access.may(LoopAct::Nudge, owner) {
        let who = d.lead.locator.as_deref().unwrap_or(NO_LOCATOR);
        buttons.push(
            CreateButton::new(Action::new(ActionKind::Nudge, id).encode(&sc.key))
                .label(cut(&format!("Nudge {who}"), limits::BUTTON_LABEL))
                .style(ButtonStyle::Primary),
        );
    }
    if d.status.is_some() && access.may(LoopAct::Snooze, owner) {
        let (kind, label) = if d.snooze.is_some() {
            (ActionKind::Unsnooze, "Lift snooze")
        } else {
            (ActionKind::SnoozeForm, "Snooze…")
        };
        buttons
            .push(CreateButton::new(Action::new(kind, id).encode(&sc.key)).label(label).style(ButtonStyle::Secondary));
    }
    if buttons.is_empty() {
        vec![]
    } else {
        vec![CreateActionRow::Buttons(buttons)]
    }
}

/// "Nudge <locator>": answered privately to the nudger once the DM (or the mention) is out.
pub async fn nudge(
    ctx: &serenity::Context,
    data: &Data,
    mci: &ComponentInteraction,
    access: &Access,
    action: &Action,
) -> Result<(), Error> {
    let defer = CreateInteractionResponse::Defer(CreateInteractionResponseMessage::new().ephemeral(true));
    mci.create_response(ctx, defer).await?;
    let text = match send_nudge(ctx, data, mci, access, action).await {
        Ok(t) => t,
        Err(e) => format!("The nudge did not go out: {e}"),
    };
    mci.edit_response(ctx, EditInteractionResponse::new().content(cut(&text, limits::CONTENT))).await?;
    Ok(())
}

fn closed(e: &serenity::Error) -> bool {
    matches!(e, serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r)) if r.error.code == DMS_CLOSED)
}

/// Checks, records and sends a nudge; what to tell the nudger.
async fn send_nudge(
    ctx: &serenity::Context,
    data: &Data,
    mci: &ComponentInteraction,
    access: &Access,
    action: &Action,
) -> Result<String, Error> {
    let Some(lead) = lead_now(data, &action.lead).await? else {
        return Ok("That lead is no longer in the CRM copy.".into());
    };
    if !access.may(LoopAct::Nudge, lead.owner.as_deref()) {
        return Ok("You may not nudge about this lead: coordinators may, and managers for their team's leads.".into());
    }
    let Some(row) = lead.row.as_ref().filter(|r| matches!(r.status, Status::Stale | Status::AtRisk)) else {
        let now = lead.row.as_ref().map(|r| r.status.word()).unwrap_or("without an appointment");
        return Ok(format!("**{}** is not stale or at risk now ({now}): no nudge needed.", lead.name));
    };
    let (Some(owner), Some(locator)) = (lead.owner.clone(), lead.locator.clone()) else {
        return Ok(format!("**{}** has no locator: there is nobody to nudge.", lead.name));
    };
    let o = owner.clone();
    let Some(discord) = data.db(move |c| store::mentions(c).map(|m| m.get(&o).copied())).await? else {
        return Ok(format!(
            "{locator} is not linked to a Discord member, so Panopticon cannot reach them; nothing was recorded. \
             A coordinator can link them with /link."
        ));
    };
    let by = name_of(data, &mci.user, mci.member.as_ref()).await?;
    let mut i = Intervention::new(Kind::Nudge, &lead.id, &by, Utc::now());
    i.by_discord = Some(mci.user.id.get());
    i.owner_id = Some(owner);
    i.locator = Some(locator.clone());
    i.appointment = row.appointment_at.map(|a| a.utc_text());
    let nudge_id = data.db(move |c| store::record_intervention(c, &i)).await?;
    let (card, buttons) = (card(data, &lead, &by), answer_buttons(data, &lead.id, nudge_id));
    let user = serenity::UserId::new(discord);
    let dm = match user.create_dm_channel(ctx).await {
        Ok(ch) => ch.id.send_message(ctx, CreateMessage::new().embed(card.clone()).components(buttons.clone())).await,
        Err(e) => Err(e),
    };
    match dm {
        Ok(_) => Ok(format!("Nudged {locator} by DM about **{}**. Their answer will show on the lead.", lead.name)),
        Err(e) if closed(&e) => {
            let say = format!("<@{discord}> {by} nudged you about this lead (your DMs are closed, so here).");
            mci.channel_id.send_message(ctx, CreateMessage::new().content(say).embed(card).components(buttons)).await?;
            Ok(format!(
                "{locator} does not accept direct messages from this server, so I mentioned them in this channel \
                 instead. The nudge about **{}** is recorded.",
                lead.name
            ))
        }
        Err(e) => {
            Err(format!("Discord refused the DM ({e}); the nudge is recorded, but {locator} was not told").into())
        }
    }
}

/// The lead's card as the locator reads it: name, company, stage, appointment, days since,
/// status, and who nudged.
fn card(data: &Data, lead: &LeadNow, by: &str) -> CreateEmbed {
    let tz = data.cfg.rules.timezone;
    let mut lines = vec![format!("{by} asks you to follow up on this lead.")];
    let mut color = AMBER;
    if let Some(r) = &lead.row {
        color = if r.status == Status::Stale { RED } else { AMBER };
        let days = r.days_since_appointment.map(|d| format!(" · {d} days since the appointment")).unwrap_or_default();
        lines.push(format!("**{}**{days}", r.status.label()));
        lines.push(format!("{} · {}", r.company.as_deref().unwrap_or("—"), r.stage.as_deref().unwrap_or("no stage")));
        if let Some(a) = r.appointment_at {
            lines.push(format!("Appointment: {}", local(&a, tz)));
        }
    }
    let url = lead_url(&record_base(&data.cfg), &lead.id);
    lines.push(format!("[Open in {}]({url})", crm_of_link(&url)));
    CreateEmbed::new()
        .title(cut(&format!("Nudge: {}", lead.name), limits::TITLE))
        .colour(color)
        .description(cut(&lines.join("\n"), limits::DESCRIPTION))
}

fn answer_buttons(data: &Data, lead: &str, nudge: i64) -> Vec<CreateActionRow> {
    let b = |kind, label: &str, style| {
        CreateButton::new(Action::answer(kind, lead, nudge).encode(&data.view_key)).label(label).style(style)
    };
    vec![CreateActionRow::Buttons(vec![
        b(ActionKind::FollowedUp, "Followed up", ButtonStyle::Success),
        b(ActionKind::SnoozeTwoDays, "Snooze 2 days", ButtonStyle::Secondary),
        b(ActionKind::NeedHelp, "Need help", ButtonStyle::Danger),
    ])]
}

/// Whether `user` may answer `action`'s nudge, and the lead and nudge when so; else why not.
async fn answerable(
    ctx: &serenity::Context,
    data: &Data,
    user: &serenity::User,
    member: Option<&serenity::Member>,
    action: &Action,
) -> Result<Result<(LeadNow, Intervention), String>, Error> {
    const NOT_OURS: &str = "This nudge is not Panopticon's or no longer exists.";
    let Some(id) = action.nudge else { return Ok(Err(NOT_OURS.into())) };
    let nudge = data.db(move |c| store::intervention(c, id)).await?;
    let Some(nudge) = nudge.filter(|n| n.kind == Kind::Nudge && n.lead_id == action.lead) else {
        return Ok(Err(NOT_OURS.into()));
    };
    let Some(lead) = lead_now(data, &action.lead).await? else {
        return Ok(Err("That lead is no longer in the CRM copy.".into()));
    };
    // Who clicks is decided now, from the clicker: the DM's buttons are the locator's.
    let access = match member {
        Some(m) => people::access(data, m).await?.ok(),
        None => people::access_now(data, &ctx.http, user.id.get()).await?.and_then(Result::ok),
    };
    if !access.is_some_and(|a| a.may(LoopAct::Answer, lead.owner.as_deref())) {
        let who = lead.locator.as_deref().unwrap_or("the lead's locator");
        return Ok(Err(format!("Only {who} (the lead's locator) or a coordinator can answer this nudge.")));
    }
    let lid = lead.id.clone();
    let earlier = data.db(move |c| store::interventions_of(c, &lid)).await?;
    if let Some(a) = earlier.iter().find(|a| a.answers == Some(nudge.id)) {
        return Ok(Err(format!("This nudge was already answered by {} ({}).", a.by_name, a.kind.verb())));
    }
    Ok(Ok((lead, nudge)))
}

/// An answer recorded: the DM (or the channel message) loses its buttons and says so.
fn recorded(text: &str) -> CreateInteractionResponse {
    CreateInteractionResponse::UpdateMessage(
        CreateInteractionResponseMessage::new().content(cut(text, limits::CONTENT)).components(vec![]),
    )
}

/// Records an answer of `kind` to `nudge`.
async fn record_answer(
    data: &Data,
    user: &serenity::User,
    by: &str,
    (lead, nudge): &(LeadNow, Intervention),
    kind: Kind,
    note: Option<String>,
) -> Result<i64, Error> {
    let mut i = Intervention::new(kind, &lead.id, by, Utc::now());
    i.by_discord = Some(user.id.get());
    i.owner_id = lead.owner.clone();
    i.locator = lead.locator.clone();
    i.appointment = nudge.appointment.clone();
    i.note = note;
    i.answers = Some(nudge.id);
    data.db(move |c| store::record_intervention(c, &i)).await
}

/// A click on a nudge's answer button (in the DM, or the channel when DMs were closed).
pub async fn answer(
    ctx: &serenity::Context,
    data: &Data,
    mci: &ComponentInteraction,
    action: &Action,
) -> Result<(), Error> {
    let found = match answerable(ctx, data, &mci.user, mci.member.as_ref(), action).await? {
        Ok(f) => f,
        Err(why) => return Ok(mci.create_response(ctx, private(&why)).await?),
    };
    let by = name_of(data, &mci.user, mci.member.as_ref()).await?;
    let response = match action.kind {
        ActionKind::FollowedUp => {
            let note = CreateInputText::new(InputTextStyle::Short, "What did you do? (one line)", "note")
                .placeholder("e.g. Called, booked a revisit for Thursday")
                .required(true)
                .max_length(NOTE_MAX as u16);
            let id = Action::answer(ActionKind::FollowedUpSubmit, &found.0.id, found.1.id).encode(&data.view_key);
            CreateInteractionResponse::Modal(
                CreateModal::new(id, "Followed up").components(vec![CreateActionRow::InputText(note)]),
            )
        }
        ActionKind::SnoozeTwoDays => {
            let until = Expiry::Days(2).until(Utc::now(), data.cfg.rules.timezone)?;
            let reason = "Snoozed for 2 days from the nudge".to_string();
            write_snooze(data, &found.0, (mci.user.id.get(), by), until, reason, Some(found.1.id)).await?;
            recorded(&format!("✅ Recorded: **{}** snoozed {}.", found.0.name, until_text(data, until)))
        }
        ActionKind::NeedHelp => {
            record_answer(data, &mci.user, &by, &found, Kind::NeedHelp, None).await?;
            recorded(&format!(
                "✅ Recorded: you asked for help with **{}**. {} sees it on the lead.",
                found.0.name, found.1.by_name
            ))
        }
        _ => private("That button does nothing here."),
    };
    mci.create_response(ctx, response).await?;
    Ok(())
}

/// The "Followed up" form, submitted: the note recorded as the answer.
pub async fn followed_up(
    ctx: &serenity::Context,
    data: &Data,
    m: &ModalInteraction,
    action: &Action,
) -> Result<(), Error> {
    let found = match answerable(ctx, data, &m.user, m.member.as_ref(), action).await? {
        Ok(f) => f,
        Err(why) => return Ok(m.create_response(ctx, private(&why)).await?),
    };
    let Some(note) = field(m, "note") else {
        let why =
            "Write one line about what you did (e.g. \"Called, booked a revisit\"), then press Followed up again.";
        return Ok(m.create_response(ctx, private(why)).await?);
    };
    let by = name_of(data, &m.user, m.member.as_ref()).await?;
    record_answer(data, &m.user, &by, &found, Kind::FollowedUp, Some(note.clone())).await?;
    let text = format!("✅ Recorded: you followed up on **{}** — “{note}”.", found.0.name);
    // From a message's button, the form's answer edits that message; otherwise it is a reply.
    let response = if m.message.is_some() { recorded(&text) } else { private(&text) };
    m.create_response(ctx, response).await?;
    Ok(())
}
