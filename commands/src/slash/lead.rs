//! /lead <name> — one lead's story, found by name or company.

use panopticon::store;
use panopticon::views::state::{ViewKind, ViewState};
use poise::serenity_prelude as serenity;

use crate::bot::limits::cut;
use crate::bot::{reply_view, Ctx, Error};

async fn search(ctx: Ctx<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let store = ctx.data().store.clone();
    let q = partial.trim().to_string();
    let found =
        tokio::task::spawn_blocking(move || store.connect().and_then(|c| store::search_leads(&c, &q, 25))).await;
    let choices: Vec<serenity::AutocompleteChoice> = match found {
        Ok(Ok(leads)) => leads
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

/// One lead's story: appointments, every stage change and who made it, time in each stage.
#[poise::command(slash_command, guild_only)]
pub async fn lead(
    ctx: Ctx<'_>,
    #[description = "Name or company (pick from the list)"]
    #[autocomplete = "search"]
    name: String,
) -> Result<(), Error> {
    let store = ctx.data().store.clone();
    let q = name.trim().to_string();
    let found =
        tokio::task::spawn_blocking(move || store.connect().and_then(|c| store::search_leads(&c, &q, 10))).await??;
    let id = match found.as_slice() {
        [] => return Err(format!("no lead has the name, company or id '{}'", name.trim()).into()),
        [one] => one.id.to_string(),
        many if many[0].id.as_str() == name.trim() => many[0].id.to_string(),
        many => {
            let list: Vec<String> = many
                .iter()
                .take(5)
                .map(|l| format!("{} ({})", l.full_name, l.company.as_deref().unwrap_or("—")))
                .collect();
            return Err(format!(
                "'{}' matches {} leads — pick one from the list: {}",
                name.trim(),
                many.len(),
                list.join("; ")
            )
            .into());
        }
    };
    let state = ViewState { lead: Some(id), ..ViewState::new(ViewKind::Lead, chrono::Utc::now()) };
    reply_view(ctx, state).await
}
