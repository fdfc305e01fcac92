//! The slash commands, one file each. Each turns its options into a view state (or does its
//! one job, for /refresh, /status and /help), and a view's file also owns its Discord face: the
//! message for that state. `face` below joins each view to its face, for commands and clicks.

mod atrisk;
mod calendar;
mod choice;
mod digest;
mod help;
mod lead;
mod leads;
mod list;
mod locators;
mod mine;
mod pipeline;
mod refresh;
mod stale;
mod status;

use panopticon::views::input;
use panopticon::views::state::{short_hash, ViewKind, ViewState};
use panopticon::views::NO_LOCATOR;
use poise::serenity_prelude as serenity;

use crate::kit::compose::Face;
use crate::kit::{self, Ctx, Data, Error};

/// Which face draws a view: the one table joining views to their messages. A new view is one
/// more arm (the compiler asks for it).
pub fn face(view: ViewKind) -> Face {
    match view {
        ViewKind::List(_) => list::face,
        ViewKind::Calendar => calendar::face,
        ViewKind::Lead => lead::face,
        ViewKind::Pipeline => pipeline::face,
        ViewKind::Locators => locators::face,
    }
}

/// Composes `state` with its view's face and sends it as the reply to a command.
async fn reply_view(ctx: Ctx<'_>, state: ViewState) -> Result<(), Error> {
    let face = face(state.view);
    kit::reply_view(ctx, state, face).await
}

/// Every command, with the day counts in /stale's and /atrisk's descriptions taken from the
/// configured thresholds (Discord shows these as people type).
pub fn all(rules: &panopticon::config::RulesConfig) -> Vec<poise::Command<Data, Error>> {
    let days = if rules.business_days { "business days" } else { "days" };
    let (at_risk, stale) = (rules.default.at_risk_days, rules.default.stale_days);
    let mut all = vec![
        stale::stale(),
        atrisk::atrisk(),
        leads::leads(),
        calendar::calendar(),
        lead::lead(),
        pipeline::pipeline(),
        locators::locators(),
        refresh::refresh(),
        status::status(),
        help::help(),
        digest::digest(),
        mine::mine(),
    ];
    for c in &mut all {
        let about = match &*c.name {
            "stale" => format!("Leads whose appointment passed {stale}+ {days} ago with no stage change since."),
            "atrisk" => format!("Leads about to go stale: {at_risk}+ {days} since the appointment, not yet {stale}."),
            _ => continue,
        };
        c.description = Some(crate::kit::limits::cut(&about, 100).into());
    }
    all
}

/// A view state from the common options, checking names against the data. Call it after
/// deferring: it may wait for the data to load.
async fn state(
    ctx: Ctx<'_>,
    view: ViewKind,
    stage: Option<String>,
    locator: Option<String>,
) -> Result<ViewState, Error> {
    let data = ctx.data();
    let snap = data.snapshot().await?;
    let mut st = ViewState::new(view, chrono::Utc::now());
    if let Some(s) = stage {
        let name = input::resolve("stage", &s, &snap.known_stages(&data.cfg.rules))?;
        st.stages = vec![short_hash(&name)];
    }
    if let Some(l) = locator {
        let mut known = snap.known_locators();
        known.push(NO_LOCATOR.to_string());
        let name = input::resolve("locator", &l, &known)?;
        st.locators = vec![short_hash(&name)];
    }
    Ok(st)
}

/// Up to 25 choices containing what was typed.
fn choices(known: Vec<String>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let p = partial.to_lowercase();
    let list: Vec<serenity::AutocompleteChoice> = known
        .into_iter()
        .filter(|k| k.to_lowercase().contains(&p))
        .take(25)
        .map(|k| serenity::AutocompleteChoice::new(crate::kit::limits::cut(&k, 100), crate::kit::limits::cut(&k, 100)))
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(list)
}

async fn stages(ctx: Ctx<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    match ctx.data().snapshot().await {
        Ok(s) => choices(s.known_stages(&ctx.data().cfg.rules), partial),
        Err(_) => serenity::CreateAutocompleteResponse::new(),
    }
}

async fn locators(ctx: Ctx<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    match ctx.data().snapshot().await {
        Ok(s) => choices(s.known_locators(), partial),
        Err(_) => serenity::CreateAutocompleteResponse::new(),
    }
}
