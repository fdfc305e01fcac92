//! /search — accounts, contacts, deals and appointed leads the asker sees, by name (or company,
//! or email) as they type; choosing one opens its story (a lead's is the lead story).

use panopticon::people::Access;
use panopticon::sales::SalesData;
use panopticon::views::state::{RecordKey, RecordKind, SalesState, SalesView};
use panopticon::views::Snapshot;
use poise::serenity_prelude as serenity;

use super::controls::{one_of, OPEN};
use super::scene::SalesScene;
use crate::kit::compose::{embed, Composed, BLUE};
use crate::kit::{limits, people, sales, Ctx, Error};

/// Matches offered, at most.
const MAX_HITS: usize = 25;

/// Find an account, contact, deal or lead and open its story.
#[poise::command(slash_command, guild_only)]
pub async fn search(
    ctx: Ctx<'_>,
    #[description = "A name, company or email (pick a suggestion to open it)"]
    #[autocomplete = "suggest"]
    #[max_length = 100]
    query: String,
    #[description = "Only you see the answer (members' and managers' answers always are)"] private: Option<bool>,
) -> Result<(), Error> {
    let q = query.trim().to_string();
    if q.is_empty() {
        return Err(panopticon::views::input::InputError("type part of a name, company or email".into()).into());
    }
    let access = crate::slash::asker(ctx, private, false).await?;
    let all = ctx.data().sales().await?;
    let data = sales::scoped(&all, &access.scope);
    let snap = people::scoped(ctx.data().snapshot().await?, &access.scope);
    let found = hits(&data, &snap, &access, &q);
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

/// Everything the asker sees whose name (or company, email, id) holds `q`: (label, key).
fn hits(data: &SalesData, snap: &Snapshot, access: &Access, q: &str) -> Vec<(String, RecordKey)> {
    let q = q.to_lowercase();
    let has = |s: &str| s.to_lowercase().contains(&q);
    let mut out = Vec::new();
    let mut add = |label: String, kind: RecordKind, id: &str| {
        if let Some(k) = RecordKey::new(kind, id) {
            // A typed key (a suggestion picked) matches its own record.
            out.push((label, k));
        }
    };
    for a in &data.accounts {
        if has(&a.name) || format!("A{}", a.id) == q.to_uppercase() {
            add(format!("Account: {}", a.name), RecordKind::Account, &a.id);
        }
    }
    for c in &data.contacts {
        if has(&c.name) || c.email.as_deref().is_some_and(has) || format!("C{}", c.id) == q.to_uppercase() {
            let at = c.account.as_ref().map(|a| format!(" ({})", a.name)).unwrap_or_default();
            add(format!("Contact: {}{at}", c.name), RecordKind::Contact, &c.id);
        }
    }
    for d in &data.deals {
        if has(&d.name) || format!("D{}", d.id) == q.to_uppercase() {
            add(format!("Deal: {} — {}", d.name, d.stage), RecordKind::Deal, &d.id);
        }
    }
    // Leads one by one are not a viewer's (they see aggregates of the lead side).
    if access.role.sees_leads() {
        for l in &snap.leads {
            if has(&l.name) || l.company.as_deref().is_some_and(has) || format!("L{}", l.id) == q.to_uppercase() {
                let co = l.company.as_ref().map(|c| format!(" ({c})")).unwrap_or_default();
                add(format!("Lead: {}{co}", l.name), RecordKind::Lead, &l.id);
            }
        }
    }
    out
}

/// Several matches: the first of them, and a select to open one.
fn list(sc: &SalesScene, q: &str) -> Composed {
    let found = hits(sc.data, sc.snap, sc.access, q);
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
    let data = sales::scoped(&all, &access.scope);
    let snap = people::scoped(snap, &access.scope);
    if partial.trim().is_empty() {
        return empty();
    }
    let list: Vec<serenity::AutocompleteChoice> = hits(&data, &snap, &access, partial.trim())
        .into_iter()
        .take(limits::SELECT_OPTIONS)
        .map(|(label, k)| serenity::AutocompleteChoice::new(limits::cut(&label, 100), k.text()))
        .collect();
    empty().set_choices(list)
}
