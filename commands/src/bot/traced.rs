//! One log line per command or click — command, user id, latency, outcome — inside a span that
//! carries the command and interaction id, so every line logged while it runs says which
//! interaction it belongs to. It wraps poise's framework as serenity's: poise runs a whole
//! interaction, error handler included, inside `dispatch`, so the time around it is the
//! latency, and the error handler reports the outcome through `outcome()`.

use std::sync::Mutex;
use std::time::Instant;

use poise::serenity_prelude as serenity;
use serenity::{FullEvent, Interaction};
use tracing::Instrument;

use crate::kit::{Data, Error};

tokio::task_local! {
    /// How the interaction being dispatched ended, when not "ok".
    static OUTCOME: Mutex<Option<&'static str>>;
}

/// Records how the current interaction ended ("error", "refused", …); the last word wins.
pub fn outcome(word: &'static str) {
    let _ = OUTCOME.try_with(|o| *o.lock().unwrap_or_else(|e| e.into_inner()) = Some(word));
}

/// Poise's framework, with a span and a closing log line around each interaction.
pub struct Traced(pub poise::Framework<Data, Error>);

#[serenity::async_trait]
impl serenity::Framework for Traced {
    async fn init(&mut self, client: &serenity::Client) {
        serenity::Framework::init(&mut self.0, client).await;
    }

    async fn dispatch(&self, ctx: serenity::Context, event: FullEvent) {
        let (command, id, user) = match &event {
            FullEvent::InteractionCreate { interaction: Interaction::Command(c) } => {
                (c.data.name.clone(), c.id.get(), c.user.id.get())
            }
            FullEvent::InteractionCreate { interaction: Interaction::Component(c) } => {
                ("click".to_string(), c.id.get(), c.user.id.get())
            }
            _ => return serenity::Framework::dispatch(&self.0, ctx, event).await,
        };
        let span = tracing::info_span!("interaction", command = %command, interaction = id);
        let start = Instant::now();
        let ended = OUTCOME
            .scope(Mutex::new(None), async {
                serenity::Framework::dispatch(&self.0, ctx, event).instrument(span.clone()).await;
                OUTCOME.with(|o| *o.lock().unwrap_or_else(|e| e.into_inner()))
            })
            .await;
        let latency_ms = start.elapsed().as_millis() as u64;
        let outcome = ended.unwrap_or("ok");
        span.in_scope(|| tracing::info!(%command, user, latency_ms, outcome, "command"));
    }
}
