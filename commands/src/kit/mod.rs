//! The kit every slash command uses: the shared state and error type (`Data`, `Error`, `Ctx`),
//! Discord's limits, composing a view into a message, answering a command, and the digest.
//! It knows no command and no framework wiring: `slash/` builds on it, and `bot/` wires both
//! into poise. Nothing here imports `bot` or `slash`, so the arrows point one way.

pub mod compose;
mod data;
pub mod digest;
pub mod limits;
mod pool;
pub mod reply;

pub use data::{Data, Error};
use panopticon::views::state::ViewState;

pub type Ctx<'a> = poise::Context<'a, Data, Error>;

/// Runs one sync now (waiting if one is running), publishing its result like /refresh does.
pub async fn sync_now(data: &Data) -> Result<panopticon::sync::SyncReport, Error> {
    let _guard = data.sync_lock.lock().await;
    let cfg = data.cfg.clone();
    let client = panopticon::crm::connect(&cfg)?;
    let settings = panopticon::sync::SyncSettings::from_config(&cfg);
    let result = panopticon::sync::run(&data.store, &client, &settings, false, &panopticon::sync::NoProgress).await;
    crate::ops::metrics::sync_finished(&result);
    data.last_sync.send_replace(Some(result.as_ref().map(Clone::clone).map_err(|e| e.to_string())));
    Ok(result?)
}

/// The message for `state`, composed by `face` on the CPU pool from the current snapshot.
pub async fn compose_view(data: &Data, state: ViewState, face: compose::Face) -> Result<compose::Composed, Error> {
    let snap = data.snapshot().await?;
    let cfg = data.cfg.clone();
    let store = data.store.clone();
    data.cpu
        .run(move || -> Result<compose::Composed, Error> {
            let conn = store.connect()?;
            face(&compose::Scene::new(&cfg, &snap, &conn, &state)?)
        })
        .await?
}

/// Sends a composed view as the reply to a command (acknowledged first, if not yet).
pub async fn reply_view(ctx: Ctx<'_>, state: ViewState, face: compose::Face) -> Result<(), Error> {
    reply::defer(ctx).await?;
    let composed = compose_view(ctx.data(), state, face).await?;
    reply::send_view(ctx, composed).await
}
