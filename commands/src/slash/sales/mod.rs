//! The sales dashboard in Discord (issue 16): `/dashboard`, `/deals`, `/forecast`, `/sources`,
//! `/activity` and `/search`, one file each, on the synced sales data cut to the asker's scope
//! (a rep their own, a manager their team, a coordinator or viewer everything). Every KPI
//! message carries the shared controls (`controls.rs`); `face` joins each sales view to its
//! message, alike for commands and clicks.

mod activity;
pub mod controls;
mod dashboard;
mod deals;
mod forecast;
mod kpi;
mod scene;
mod search;
mod segment;
mod sources;
mod story;

use panopticon::people::Access;
use panopticon::sales::period::Preset;
use panopticon::views::input::{self, InputError};
use panopticon::views::state::{short_hash, SalesState, SalesView};
use poise::serenity_prelude as serenity;

pub use activity::activity;
pub use controls::{on_click, on_form};
pub use dashboard::dashboard;
pub use deals::deals;
pub use forecast::forecast;
use scene::SalesScene;
pub use scene::{money, SalesFace};
pub use search::search;
pub use sources::sources;

use crate::kit::{reply, sales, Ctx, Error};

/// Which face draws a sales view.
pub fn face(view: SalesView) -> SalesFace {
    match view {
        SalesView::Dashboard => dashboard::face,
        SalesView::Deals => deals::face,
        SalesView::Forecast => forecast::face,
        SalesView::Sources => sources::face,
        SalesView::Activity => activity::face,
        SalesView::Segment => segment::face,
        SalesView::Story => story::face,
    }
}

/// The options every KPI command shares, as typed.
#[derive(Default)]
pub struct Typed {
    pub period: Option<String>,
    pub owner: Option<String>,
    pub source: Option<String>,
    pub pipeline: Option<String>,
    pub stage: Option<String>,
}

/// A state from typed options, names checked against what the asker sees (an owner outside
/// their scope is unknown to them). Call it after deferring: it may wait for the data.
async fn state(ctx: Ctx<'_>, access: &Access, view: SalesView, t: Typed) -> Result<SalesState, Error> {
    let preset = match t.period.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(p) => Some(Preset::parse(p).map_err(InputError)?),
    };
    let all = ctx.data().sales().await?;
    let data = sales::scoped(&all, &access.scope);
    let [owners, sources, pipelines, stages] = scene::known(&data);
    let mut st = SalesState::new(view, preset);
    if let Some(o) = t.owner {
        let names: Vec<(String, String)> = owners.iter().map(|id| (person(&data, id), id.clone())).collect();
        let known: Vec<String> = names.iter().map(|n| n.0.clone()).collect();
        let name = input::resolve("owner", &o, &known)?;
        st.owner = names.iter().find(|n| n.0 == name).map(|n| short_hash(&n.1));
    }
    for (what, typed, known, slot) in [
        ("lead source", t.source, &sources, &mut st.source),
        ("pipeline", t.pipeline, &pipelines, &mut st.pipeline),
        ("stage", t.stage, &stages, &mut st.stage),
    ] {
        if let Some(v) = typed {
            *slot = Some(short_hash(&input::resolve(what, &v, known)?));
        }
    }
    Ok(st)
}

fn person(data: &panopticon::sales::SalesData, id: &str) -> String {
    let owners = data.deals.iter().filter_map(|d| d.owner.as_ref());
    let mut all = owners.chain(data.activities.iter().filter_map(|a| a.owner.as_ref()));
    all.find(|o| o.id == id).map(|o| o.name.clone()).unwrap_or_else(|| id.to_string())
}

/// Answers a sales command: who asks (privately for reps and managers), the state from the
/// options, then the message.
async fn answer(ctx: Ctx<'_>, private: Option<bool>, view: SalesView, t: Typed) -> Result<(), Error> {
    // A period typed wrong is answered at once, before anything else.
    if let Some(p) = t.period.as_deref().filter(|p| !p.trim().is_empty()) {
        Preset::parse(p.trim()).map_err(InputError)?;
    }
    let access = super::asker(ctx, private, false).await?;
    let st = state(ctx, &access, view, t).await?;
    send(ctx, &access, st).await
}

async fn send(ctx: Ctx<'_>, access: &Access, st: SalesState) -> Result<(), Error> {
    let composed = controls::draw(ctx.data(), access, st).await?;
    reply::send_view(ctx, composed).await
}

/// Up to 25 choices containing what was typed, from the asker's own data.
async fn suggest(ctx: Ctx<'_>, partial: &str, which: usize) -> serenity::CreateAutocompleteResponse {
    let Some(access) = asker_quietly(ctx).await else { return serenity::CreateAutocompleteResponse::new() };
    let Ok(all) = ctx.data().sales().await else { return serenity::CreateAutocompleteResponse::new() };
    let data = sales::scoped(&all, &access.scope);
    let known = scene::known(&data);
    let names = match which {
        0 => known[0].iter().map(|id| person(&data, id)).collect(),
        i => known[i].clone(),
    };
    super::choices(names, partial)
}

async fn asker_quietly(ctx: Ctx<'_>) -> Option<Access> {
    let member = ctx.author_member().await?;
    crate::kit::people::access(ctx.data(), &member).await.ok()?.ok()
}

async fn owners(ctx: Ctx<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    suggest(ctx, partial, 0).await
}

async fn sources_ac(ctx: Ctx<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    suggest(ctx, partial, 1).await
}

async fn pipelines(ctx: Ctx<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    suggest(ctx, partial, 2).await
}

async fn stages(ctx: Ctx<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    suggest(ctx, partial, 3).await
}

/// The presets, then what was typed when it reads as a range.
async fn periods(_ctx: Ctx<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let p = partial.to_lowercase();
    let mut list: Vec<serenity::AutocompleteChoice> = Preset::NAMED
        .iter()
        .filter(|x| x.label().to_lowercase().contains(&p) || x.key().contains(&p))
        .map(|x| serenity::AutocompleteChoice::new(x.label(), x.key()))
        .collect();
    if let Ok(c @ Preset::Custom { .. }) = Preset::parse(partial.trim()) {
        list.insert(0, serenity::AutocompleteChoice::new(c.to_string(), c.to_string()));
    }
    serenity::CreateAutocompleteResponse::new().set_choices(list)
}

/// The KPI images the bot posts — dashboard, forecast, sources, activity — as a coordinator sees
/// them this month, for `panopticon demo`'s gallery.
pub fn images(
    cfg: &panopticon::config::Config,
    all: &panopticon::views::sales::SalesSnapshot,
    snap: std::sync::Arc<panopticon::views::Snapshot>,
) -> Result<Vec<panopticon::render::Image>, Error> {
    let everyone = Access {
        role: panopticon::people::Role::Coordinator,
        crm_user: None,
        scope: panopticon::people::Scope::Everyone,
    };
    let draws: [(SalesView, DrawFn); 4] = [
        (SalesView::Dashboard, dashboard::draw),
        (SalesView::Forecast, forecast::draw),
        (SalesView::Sources, sources::draw),
        (SalesView::Activity, activity::draw),
    ];
    let mut out = Vec::new();
    for (view, draw) in draws {
        let st = SalesState::new(view, None);
        let key = panopticon::views::state::ViewKey::unsaved();
        out.extend(scene::with_scene(cfg, all, snap.clone(), &st, &everyone, key, |sc| draw(sc).map(|d| d.1))?);
    }
    Ok(out)
}

/// A KPI view's text and images.
type DrawFn = fn(&SalesScene) -> Result<(Vec<String>, Vec<panopticon::render::Image>), Error>;
