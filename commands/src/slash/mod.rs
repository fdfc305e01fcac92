//! The slash commands, one file each. Each turns its options into a view state (or does its
//! one job, for /refresh, /status and /help), and a view's file also owns its Discord face: the
//! message for that state. `face` below joins each view to its face, for commands and clicks.

mod atrisk;
pub mod audit;
mod calendar;
mod choice;
mod digest;
mod export;
mod help;
mod lead;
mod leads;
mod link;
mod list;
mod locators;
mod mine;
pub mod nudge;
mod pipeline;
mod refresh;
pub mod sales;
pub mod snooze;
mod stale;
mod status;
pub mod subscribe;
mod unlink;
mod whoami;
pub mod writeback;

use panopticon::people::{Access, Refused};
use panopticon::views::input;
use panopticon::views::state::{short_hash, ViewKind, ViewState};
use panopticon::views::NO_LOCATOR;
use poise::serenity_prelude as serenity;

use crate::kit::compose::Face;
use crate::kit::{self, people, reply, Ctx, Data, Error};

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

/// The "Export CSV" button's tag, and the face that turns a view into its CSV file: the click
/// router sends a state with this tag there instead of to `face`.
pub use export::{face as export_face, TAG as EXPORT_TAG};

/// Composes `state` with its view's face, as `access` may see it, and sends it as the reply.
async fn reply_view(ctx: Ctx<'_>, access: &Access, state: ViewState) -> Result<(), Error> {
    let face = face(state.view);
    kit::reply_view(ctx, access, state, face).await
}

/// Who asks a view command, decided at this moment: a viewer asking for a lead-level view
/// (`leads`) is refused before anything is sent; the command is then acknowledged — privately
/// for members and managers, or when `private` is asked for — and the asker's `Access` read
/// (a manager or member not linked is told to ask for /link, privately).
async fn asker(ctx: Ctx<'_>, private: Option<bool>, leads: bool) -> Result<Access, Error> {
    let data = ctx.data();
    let member = ctx.author_member().await.ok_or("Panopticon could not check your roles; try again.")?;
    let role = people::role(&data.cfg, &member).ok_or_else(|| people::Denied(Refused::NoRole.message()))?;
    if leads && !role.sees_leads() {
        return Err(people::viewers_only_aggregates().into());
    }
    reply::defer_as(ctx, role.private_by_default() || private == Some(true)).await?;
    people::require(data, &member).await
}

/// The snapshot as the asker of an autocomplete sees it (`None`: they see nothing).
async fn scoped_snapshot(ctx: Ctx<'_>) -> Option<std::sync::Arc<panopticon::views::Snapshot>> {
    let member = ctx.author_member().await?;
    let access = people::access(ctx.data(), &member).await.ok()?.ok()?;
    let snap = ctx.data().snapshot().await.ok()?;
    Some(people::scoped(snap, &access.scope))
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
        link::link(),
        unlink::unlink(),
        whoami::whoami(),
        mine::mine(),
        subscribe::subscribe(),
        subscribe::unsubscribe(),
        export::export(),
        audit::audit(),
        sales::dashboard(),
        sales::deals(),
        sales::forecast(),
        sales::sources(),
        sales::activity(),
        sales::search(),
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
    access: &Access,
    view: ViewKind,
    stage: Option<String>,
    locator: Option<String>,
) -> Result<ViewState, Error> {
    let data = ctx.data();
    // Names are checked against what the asker sees: a locator outside their scope is unknown.
    let snap = people::scoped(data.snapshot().await?, &access.scope);
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
    match scoped_snapshot(ctx).await {
        Some(s) => choices(s.known_stages(&ctx.data().cfg.rules), partial),
        None => serenity::CreateAutocompleteResponse::new(),
    }
}

async fn locators(ctx: Ctx<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    match scoped_snapshot(ctx).await {
        Some(s) => choices(s.known_locators(), partial),
        None => serenity::CreateAutocompleteResponse::new(),
    }
}
