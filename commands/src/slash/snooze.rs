//! Snoozing a lead from its story: "Snooze…" opens a form (how long — 1d, 3d, 7d, next, or a
//! date — and a one-line reason), "Lift snooze" ends one early. Who may is decided at the click
//! and again at the submit (`Access::may`, `LoopAct::Snooze`): coordinators, managers for their
//! team, the owning locator for their own lead. Also the pieces the nudge's answers share: the
//! lead as it is now, a person's name, and a snooze written with its record.

use chrono::{DateTime, Utc};
use panopticon::alerts::{Expiry, Intervention, Kind, Snooze};
use panopticon::people::{Access, LoopAct};
use panopticon::store;
use panopticon::views::state::{Action, ActionKind};
use panopticon::views::{assess_lead, local, LeadRow};
use poise::serenity_prelude as serenity;
use serenity::{
    ActionRowComponent, ComponentInteraction, CreateActionRow, CreateInputText, CreateInteractionResponse,
    CreateInteractionResponseMessage, CreateModal, InputTextStyle, ModalInteraction,
};

use crate::kit::limits::cut;
use crate::kit::{Data, Error};

/// The longest note or reason kept: one line, as a person reads it in the lead story.
pub const NOTE_MAX: usize = 200;

/// A lead as it is now, for acting on it.
pub struct LeadNow {
    pub id: String,
    pub name: String,
    /// The owning CRM user's id and name.
    pub owner: Option<String>,
    pub locator: Option<String>,
    /// Its verdict now; `None` for a lead without appointments.
    pub row: Option<LeadRow>,
    pub stage: Option<String>,
    /// The latest appointment (UTC text): a snooze ends when it changes.
    pub latest: Option<String>,
}

/// The lead `id` now, from the bot's snapshot (which the store's owner confirms); `None` when
/// it is not in the CRM copy.
pub async fn lead_now(data: &Data, id: &str) -> Result<Option<LeadNow>, Error> {
    let snap = data.snapshot().await?;
    let lid = id.to_string();
    let Some(stored) = data.db(move |c| store::get_lead(c, &lid)).await? else { return Ok(None) };
    let now = Utc::now();
    let sl = snap.lead(id);
    Ok(Some(LeadNow {
        id: id.to_string(),
        name: stored.full_name.clone(),
        owner: stored.locator.as_ref().map(|u| u.id.clone()),
        locator: stored.locator.as_ref().map(|u| u.name.clone()),
        row: sl.and_then(|l| assess_lead(l, now, &data.cfg.rules)),
        stage: sl.map(|l| l.stage.clone()).unwrap_or(stored.stage.clone()),
        latest: sl.and_then(|l| l.latest_appointment_key()),
    }))
}

/// A person's name as the lead story shows it: their CRM name when they are linked, else
/// their Discord name.
pub async fn name_of(data: &Data, user: &serenity::User, member: Option<&serenity::Member>) -> Result<String, Error> {
    let id = user.id.get();
    let crm = data.db(move |c| store::person(c, id)).await?.and_then(|p| p.crm_user.map(|u| u.name));
    Ok(crm.unwrap_or_else(|| match member {
        Some(m) => m.display_name().to_string(),
        None => user.global_name.clone().unwrap_or_else(|| user.name.clone()),
    }))
}

/// A private answer, in words.
pub fn private(text: &str) -> CreateInteractionResponse {
    CreateInteractionResponse::Message(
        CreateInteractionResponseMessage::new().content(cut(text, crate::kit::limits::CONTENT)).ephemeral(true),
    )
}

/// The text typed in field `id` of a submitted form, untouched (`None` when empty): for text
/// whose own parser decides its shape (a write-back note keeps its lines).
pub fn raw_field(m: &ModalInteraction, id: &str) -> Option<String> {
    m.data.components.iter().flat_map(|r| &r.components).find_map(|c| match c {
        ActionRowComponent::InputText(t) if t.custom_id == id => t.value.clone().filter(|v| !v.trim().is_empty()),
        _ => None,
    })
}

/// The text a person typed in a form's field `id`: trimmed, one line, at most `NOTE_MAX`.
pub fn field(m: &ModalInteraction, id: &str) -> Option<String> {
    let one_line = raw_field(m, id)?.split_whitespace().collect::<Vec<_>>().join(" ");
    Some(one_line.chars().take(NOTE_MAX).collect())
}

/// Snoozes `lead` until `until` (`None`: the next appointment), recording who and why; with
/// `answers`, as the answer to that nudge.
pub async fn write_snooze(
    data: &Data,
    lead: &LeadNow,
    by: (u64, String),
    until: Option<DateTime<Utc>>,
    reason: String,
    answers: Option<i64>,
) -> Result<i64, Error> {
    let now = Utc::now();
    let mut i = Intervention::new(Kind::Snooze, &lead.id, &by.1, now);
    i.by_discord = Some(by.0);
    i.owner_id = lead.owner.clone();
    i.locator = lead.locator.clone();
    i.appointment = lead.row.as_ref().and_then(|r| r.appointment_at).map(|a| a.utc_text());
    i.note = Some(reason.clone());
    i.answers = answers;
    i.until = until;
    let s =
        Snooze { until, reason, by_name: by.1, at: now, stage: lead.stage.clone(), appointment: lead.latest.clone() };
    data.db(move |c| store::snooze_lead(c, &i, &s)).await
}

/// "until Mon 23 Nov 09:00" or "until the next appointment", in the business zone.
pub fn until_text(data: &Data, until: Option<DateTime<Utc>>) -> String {
    match until {
        Some(u) => format!("until {}", local(&panopticon::time::Stamp::from_utc(u), data.cfg.rules.timezone)),
        None => "until the next appointment".into(),
    }
}

const REFUSED: &str = "You may not snooze this lead: coordinators may, managers for their team, and each locator \
                       for their own leads.";

/// The lead, when it exists, the member may snooze it, and it has an appointment.
async fn snoozable(data: &Data, access: &Access, action: &Action) -> Result<Result<LeadNow, String>, Error> {
    let Some(lead) = lead_now(data, &action.lead).await? else {
        return Ok(Err("That lead is no longer in the CRM copy.".into()));
    };
    if !access.may(LoopAct::Snooze, lead.owner.as_deref()) {
        return Ok(Err(REFUSED.into()));
    }
    if lead.row.is_none() {
        return Ok(Err(format!("{} has no appointment: there is nothing to snooze.", lead.name)));
    }
    Ok(Ok(lead))
}

/// "Snooze…": the form, or why not.
pub async fn open_form(
    ctx: &serenity::Context,
    data: &Data,
    mci: &ComponentInteraction,
    access: &Access,
    action: &Action,
) -> Result<(), Error> {
    let lead = match snoozable(data, access, action).await? {
        Ok(l) => l,
        Err(why) => return Ok(mci.create_response(ctx, private(&why)).await?),
    };
    let choices: Vec<&str> = Expiry::CHOICES.iter().map(|(v, _)| *v).collect();
    let length = CreateInputText::new(InputTextStyle::Short, "How long", "length")
        .placeholder(format!("{}, or a date like 2026-12-01", choices.join(", ")))
        .required(true)
        .max_length(40);
    let reason = CreateInputText::new(InputTextStyle::Short, "Why (one line)", "reason")
        .placeholder("e.g. Owner away until Monday")
        .required(true)
        .max_length(NOTE_MAX as u16);
    let id = Action::new(ActionKind::SnoozeSubmit, &lead.id).encode(&data.view_key);
    let modal = CreateModal::new(id, cut(&format!("Snooze {}", lead.name), 45))
        .components(vec![CreateActionRow::InputText(length), CreateActionRow::InputText(reason)]);
    mci.create_response(ctx, CreateInteractionResponse::Modal(modal)).await?;
    Ok(())
}

/// The snooze form, submitted: checked again, parsed, written — or what would work, in words.
pub async fn submit(
    ctx: &serenity::Context,
    data: &Data,
    m: &ModalInteraction,
    access: &Access,
    action: &Action,
) -> Result<(), Error> {
    let lead = match snoozable(data, access, action).await? {
        Ok(l) => l,
        Err(why) => return Ok(m.create_response(ctx, private(&why)).await?),
    };
    let tz = data.cfg.rules.timezone;
    let until = field(m, "length")
        .ok_or_else(|| "Say how long: 1d, 3d, 7d, next (until the next appointment) or a date like 2026-12-01.".into())
        .and_then(|t| Expiry::parse(&t))
        .and_then(|e| e.until(Utc::now(), tz).map_err(|why| format!("Cannot snooze {}: {why}.", lead.name)));
    let until = match until {
        Ok(u) => u,
        Err(why) => return Ok(m.create_response(ctx, private(&why)).await?),
    };
    let Some(reason) = field(m, "reason") else {
        let why = "Give a reason in one line (e.g. \"Owner away until Monday\"): the team reads it on the lead.";
        return Ok(m.create_response(ctx, private(why)).await?);
    };
    let by = (m.user.id.get(), name_of(data, &m.user, m.member.as_ref()).await?);
    write_snooze(data, &lead, by, until, reason.clone(), None).await?;
    let text = format!("Snoozed **{}** {}: {reason}", lead.name, until_text(data, until));
    m.create_response(ctx, private(&text)).await?;
    Ok(())
}

/// "Lift snooze".
pub async fn lift(
    ctx: &serenity::Context,
    data: &Data,
    mci: &ComponentInteraction,
    access: &Access,
    action: &Action,
) -> Result<(), Error> {
    let lead = match snoozable(data, access, action).await? {
        Ok(l) => l,
        Err(why) => return Ok(mci.create_response(ctx, private(&why)).await?),
    };
    let by = name_of(data, &mci.user, mci.member.as_ref()).await?;
    let mut i = Intervention::new(Kind::Unsnooze, &lead.id, &by, Utc::now());
    i.by_discord = Some(mci.user.id.get());
    i.owner_id = lead.owner.clone();
    i.locator = lead.locator.clone();
    let had = data.db(move |c| store::unsnooze_lead(c, &i)).await?;
    let text = if had {
        format!("Lifted the snooze on **{}**: it is back in alerts.", lead.name)
    } else {
        format!("**{}** is not snoozed: nothing to lift.", lead.name)
    };
    mci.create_response(ctx, private(&text)).await?;
    Ok(())
}
