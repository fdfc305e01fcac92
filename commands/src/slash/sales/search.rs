//! /search — accounts, contacts, deals and appointed leads the asker sees, by name (or a lead's
//! company; an account brings its people) as they type, found by the engine's search (the
//! CLI's `report search`); choosing one opens its story (a lead's is the lead story).

use std::collections::HashSet;

use panopticon::config::Config;
use panopticon::people::Access;
use panopticon::views::sales::{self as views, HitKind, SalesContext, SalesSnapshot};
use panopticon::views::state::{RecordKey, RecordKind, SalesState, SalesView};
use panopticon::views::Snapshot;
use poise::serenity_prelude as serenity;

use super::controls::{one_of, OPEN};
use super::scene::SalesScene;
use crate::kit::compose::{embed, Composed, BLUE};
use crate::kit::{limits, people, Ctx, Error};

/// Matches offered, at most.
const MAX_HITS: usize = 25;

/// Find an account, contact, deal or lead and open its story.
#[poise::command(slash_command, guild_only)]
pub async fn search(
    ctx: Ctx<'_>,
    #[description = "A name or company (pick a suggestion to open it)"]
    #[autocomplete = "suggest"]
    #[max_length = 100]
    query: String,
    #[description = "Only you see the answer (members' and managers' answers always are)"] private: Option<bool>,
) -> Result<(), Error> {
    let q = query.trim().to_string();
    if q.is_empty() {
        return Err(panopticon::views::input::InputError("type part of a name or company".into()).into());
    }
    let access = crate::slash::asker(ctx, private, false).await?;
    let all = ctx.data().sales().await?;
    let snap = people::scoped(ctx.data().snapshot().await?, &access.scope);
    let found = hits(&all, &snap, &access, &ctx.data().cfg, &q);
    // A chosen suggestion (its value is the record's key), or the only match: open it.
    let exact = RecordKey::parse(&q).and_then(|k| found.iter().find(|h| h.1 == k).map(|h| h.1.clone()));
    let one = if found.len() == 1 { Some(found[0].1.clone()) } else { None };
    let mut st = SalesState::new(SalesView::Story, None);
    st.tag = 'x';
    match exact.or(one) {
        Some(k) => {
            st.record = Some(k);
            super::send(ctx, &access, st).await
        }
        None => {
            st.view = SalesView::Dashboard;
            let composed = super::scene::compose(ctx.data(), &access, st, move |sc| Ok(list(sc, &q))).await?;
            crate::kit::reply::send_view(ctx, composed).await
        }
    }
}

/// Everything the asker sees that the engine's search finds for `q` (`views::sales::search`,
/// as `panopticon report search` finds it): (label, key). A picked suggestion (a record's key)
/// is searched by its id and kept to its kind. Leads are offered only when the asker sees leads
/// one by one, and only appointed ones (a lead story is an appointed lead's).
fn hits(all: &SalesSnapshot, snap: &Snapshot, access: &Access, cfg: &Config, q: &str) -> Vec<(String, RecordKey)> {
    let key = RecordKey::parse(q.trim());
    let typed = key.as_ref().map(|k| k.id.as_str()).unwrap_or(q);
    let sctx = SalesContext::new(cfg, chrono::Utc::now());
    let found = views::search::with_people(all, &sctx, typed, &access.scope, usize::MAX);
    let appointed: HashSet<&str> = snap.leads.iter().map(|l| l.id.as_str()).collect();
    found
        .into_iter()
        .filter_map(|h| {
            let (kind, label) = match h.kind {
                HitKind::Deal => {
                    let stage = all.book.index_of(&h.id).map(|i| all.book.deals()[i].stage.as_str()).unwrap_or("");
                    (RecordKind::Deal, format!("Deal: {} — {stage}", h.title))
                }
                HitKind::Account => (RecordKind::Account, format!("Account: {}", h.title)),
                HitKind::Contact => (RecordKind::Contact, format!("Contact: {}{}", h.title, aside(&h.detail))),
                HitKind::Lead if access.role.sees_leads() && appointed.contains(h.id.as_str()) => {
                    (RecordKind::Lead, format!("Lead: {}{}", h.title, aside(&h.detail)))
                }
                HitKind::Lead => return None,
            };
            let k = RecordKey::new(kind, &h.id)?;
            key.as_ref().is_none_or(|want| *want == k).then_some((label, k))
        })
        .collect()
}

/// A hit's detail in parentheses after its name (nothing when it has none).
fn aside(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(" ({detail})")
    }
}

/// Several matches: the first of them, and a select to open one.
fn list(sc: &SalesScene, q: &str) -> Composed {
    let found = hits(sc.sales, sc.snap, sc.access, sc.cfg, q);
    let shown = &found[..found.len().min(MAX_HITS)];
    let mut lines: Vec<String> = shown.iter().map(|h| h.0.clone()).collect();
    if found.is_empty() {
        lines.push(format!("Nothing you see matches “{}”.", limits::cut(q, 60)));
    } else if found.len() > MAX_HITS {
        lines.push(format!("… and {} more: type more of the name.", found.len() - MAX_HITS));
    }
    let opts = shown.iter().map(|h| (h.0.clone(), h.1.text(), false)).collect();
    let rows = one_of(sc, sc.state, OPEN, "Open one (just for you)…", opts).into_iter().collect();
    let title = format!("Search “{}” — {} found", limits::cut(q, 60), found.len());
    let ctx = panopticon::views::Context::new(sc.cfg, chrono::Utc::now(), chrono::Utc::now());
    Composed { embeds: vec![embed(&title, BLUE, &lines, &ctx, &sc.header, None)], files: vec![], components: rows }
}

/// Suggestions as the asker types: up to 25 records they see; each value is the record's key.
async fn suggest(ctx: Ctx<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let empty = serenity::CreateAutocompleteResponse::new;
    let Some(access) = super::asker_quietly(ctx).await else { return empty() };
    let (Ok(all), Ok(snap)) = (ctx.data().sales().await, ctx.data().snapshot().await) else { return empty() };
    let snap = people::scoped(snap, &access.scope);
    if partial.trim().is_empty() {
        return empty();
    }
    let list: Vec<serenity::AutocompleteChoice> = hits(&all, &snap, &access, &ctx.data().cfg, partial.trim())
        .into_iter()
        .take(limits::SELECT_OPTIONS)
        .map(|(label, k)| serenity::AutocompleteChoice::new(limits::cut(&label, 100), k.text()))
        .collect();
    empty().set_choices(list)
}
