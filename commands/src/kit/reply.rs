//! Answering a slash command on time and to the right people.
//!
//! - **Acknowledge first.** A view command defers (Discord shows "thinking…") before it touches
//!   the database or renders anything, so the 3-second deadline holds however busy the bot is;
//!   the CPU work then runs on the bounded pool (`pool.rs`).
//! - **Views replace the "thinking…" reply**, for everyone in the channel — or for the asker
//!   alone when the command was deferred privately (`defer_as`: members and managers, whose
//!   scope narrows, and anyone who passes `private:true`).
//! - **Errors reach only the person who asked.** Discord shows the first follow-up after a
//!   public defer in place of "thinking…", to everyone, ignoring its ephemeral flag. So an error
//!   after a public defer first removes that reply; the private follow-up is then a message of
//!   its own.

use poise::serenity_prelude as serenity;

use super::compose::Composed;
use super::limits::{self, cut};
use super::{Ctx, Error};

/// Where a command's answer stands, kept in poise's per-invocation data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Answer {
    /// Deferred publicly: the channel shows "thinking…" until the view or an error comes.
    PublicDefer,
    /// Deferred privately: the answer (view or error) replaces it, seen by the asker alone.
    PrivateDefer,
    /// The view replaced the deferred reply.
    Sent,
}

async fn answer(ctx: Ctx<'_>) -> Option<Answer> {
    ctx.invocation_data::<Answer>().await.map(|a| *a)
}

/// Acknowledges the command with a public "thinking…"; does nothing the second time.
pub async fn defer(ctx: Ctx<'_>) -> Result<(), Error> {
    defer_as(ctx, false).await
}

/// Acknowledges the command, privately (only the asker sees "thinking…" and then the answer)
/// or publicly; does nothing the second time.
pub async fn defer_as(ctx: Ctx<'_>, private: bool) -> Result<(), Error> {
    if answer(ctx).await.is_some() {
        return Ok(());
    }
    if private {
        ctx.defer_ephemeral().await?;
    } else {
        ctx.defer().await?;
    }
    crate::ops::metrics::command_acknowledged(ctx.id());
    ctx.set_invocation_data(if private { Answer::PrivateDefer } else { Answer::PublicDefer }).await;
    Ok(())
}

/// Puts `view` in place of the deferred reply (deferring first if that has not happened).
pub async fn send_view(ctx: Ctx<'_>, view: Composed) -> Result<(), Error> {
    defer(ctx).await?;
    match ctx {
        poise::Context::Application(actx) => {
            let mut edit = serenity::EditInteractionResponse::new().embeds(view.embeds).components(view.components);
            for f in view.files {
                edit = edit.new_attachment(f);
            }
            actx.interaction.edit_response(ctx.serenity_context(), edit).await?;
        }
        poise::Context::Prefix(_) => {
            ctx.send(view.into_reply()).await?;
        }
    }
    ctx.set_invocation_data(Answer::Sent).await;
    Ok(())
}

/// Tells the person who asked, and only them (see the module docs for why a public
/// "thinking…" is removed first).
pub async fn say_private(ctx: Ctx<'_>, text: &str) {
    if let poise::Context::Application(actx) = ctx {
        if answer(ctx).await == Some(Answer::PublicDefer) {
            if let Err(e) = actx.interaction.delete_response(ctx.serenity_context()).await {
                tracing::warn!(command = %ctx.command().name, "could not remove the deferred reply: {e}");
            }
            ctx.set_invocation_data(Answer::Sent).await;
        }
    }
    let reply = poise::CreateReply::default().content(cut(text, limits::CONTENT)).ephemeral(true);
    if let Err(e) = ctx.send(reply).await {
        tracing::warn!(command = %ctx.command().name, "could not answer: {e}");
    }
}
