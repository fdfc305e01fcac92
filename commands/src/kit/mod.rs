//! The kit every slash command uses: the shared state and error type (`Data`, `Error`, `Ctx`),
//! Discord's limits, composing a view into a message, answering a command, and the digest.
//! It knows no command and no framework wiring: `slash/` builds on it, and `bot/` wires both
//! into poise. Nothing here imports `bot` or `slash`, so the arrows point one way.

pub mod alerts;
pub mod compose;
mod data;
pub mod digest;
pub mod limits;
pub mod ops;
pub mod people;
mod pool;
pub mod reply;
pub mod sales;
pub mod syncing;

pub use data::{Data, Error};
use panopticon::people::Access;
use panopticon::views::state::ViewState;

pub type Ctx<'a> = poise::Context<'a, Data, Error>;

/// Runs one sync now for the digest (waiting if one is running), publishing its result like
/// /refresh does.
pub async fn sync_now(data: &Data) -> Result<panopticon::sync::SyncReport, Error> {
    let _guard = data.sync_lock.lock().await;
    syncing::run_sync(data, syncing::Trigger::Digest, &panopticon::sync::NoProgress).await
}

/// The message for `state` as `access` may see it, composed by `face` on the CPU pool from the
/// current snapshot cut to their scope: the only way a view is composed, so no path shows a
/// narrowed member more than theirs. A viewer asking for a lead-level view is refused.
pub async fn compose_view(
    data: &Data,
    access: &Access,
    state: ViewState,
    face: compose::Face,
) -> Result<compose::Composed, Error> {
    if !access.role.sees_leads() && people::lead_level(state.view) {
        return Err(people::viewers_only_aggregates().into());
    }
    let snap = data.snapshot().await?;
    // Only the lead story offers write-back, and only then is the CRM asked what it allows.
    let writable = match state.view {
        panopticon::views::state::ViewKind::Lead => data.write_scopes().await,
        _ => None,
    };
    let (cfg, scope, who) = (data.cfg.clone(), access.scope.clone(), access.clone());
    data.db_pooled(move |conn| {
        let snap = people::scoped(snap, &scope);
        let mut scene = compose::Scene::new(&cfg, &snap, conn, &state, &scope)?;
        scene.access = Some(who);
        scene.writable = writable;
        face(&scene)
    })
    .await
}

/// Sends a composed view as the reply to a command (acknowledged first, if not yet).
pub async fn reply_view(ctx: Ctx<'_>, access: &Access, state: ViewState, face: compose::Face) -> Result<(), Error> {
    reply::defer(ctx).await?;
    let composed = compose_view(ctx.data(), access, state, face).await?;
    reply::send_view(ctx, composed).await
}
