//! The slash commands, one file each. Each turns its options into a view state (or does its
//! one job, for /refresh, /status and /help); the bot composes and sends the view.

mod atrisk;
mod calendar;
mod digest;
mod help;
mod lead;
mod leads;
mod locators;
mod pipeline;
mod refresh;
mod stale;
mod status;

use panopticon::views::input;
use panopticon::views::state::{short_hash, ViewKind, ViewState};
use panopticon::views::NO_LOCATOR;
use poise::serenity_prelude as serenity;

use crate::bot::{Ctx, Data, Error};

pub fn all() -> Vec<poise::Command<Data, Error>> {
    vec![
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
    ]
}

/// A view state from the common options, checking names against the data.
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
        .map(|k| serenity::AutocompleteChoice::new(crate::bot::limits::cut(&k, 100), crate::bot::limits::cut(&k, 100)))
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
