//! Who is still in the guild: after the bot starts and after each sync, every linked member is
//! looked up with `GET /guilds/{guild}/members/{user}` (no privileged intent needed). Discord's
//! 404 Unknown Member means they left: they are marked away (`store::set_away`), so views stop
//! mentioning them while the link and its log are kept; found again, they are back.

use panopticon::store;
use poise::serenity_prelude as serenity;

use crate::kit::{self, Data, Error};

/// Checks every linked member once; returns how many changed (left or came back).
pub async fn check(data: &Data, http: &serenity::Http, guild: serenity::GuildId) -> Result<usize, Error> {
    let linked = data.db(|c| store::people(c)).await?;
    let mut changed = 0;
    for p in linked {
        let away = match http.get_member(guild, serenity::UserId::new(p.discord_id)).await {
            Ok(_) => false,
            Err(e) if kit::people::unknown_member(&e) => true,
            Err(e) => {
                // Discord unreachable or rate-limited: decide nothing on a failure.
                tracing::warn!(member = p.discord_id, "could not check whether a linked member is in the guild: {e}");
                continue;
            }
        };
        if away != p.left_at.is_some() {
            let id = p.discord_id;
            if data.db(move |c| store::set_away(c, id, away, chrono::Utc::now())).await? {
                tracing::info!(
                    member = id,
                    away,
                    "a linked member {}",
                    if away { "left the guild" } else { "is back" }
                );
                changed += 1;
            }
        }
    }
    Ok(changed)
}

/// Checks at start and after each sync, for the life of the bot.
pub async fn watch(data: Data, http: std::sync::Arc<serenity::Http>, guild: serenity::GuildId) {
    let mut syncs = data.last_sync.subscribe();
    loop {
        if let Err(e) = check(&data, &http, guild).await {
            tracing::warn!("checking linked members failed: {e}");
        }
        if syncs.changed().await.is_err() || data.ops.stopping() {
            return;
        }
    }
}
