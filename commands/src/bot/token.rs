//! Does Discord accept the bot's token? Asked once at start (`GET /users/@me`), and read from
//! the gateway's close code (4004) if it is revoked later. A rejected token stops the bot with
//! a message naming DISCORD_TOKEN; without this, serenity keeps reconnecting with warnings only.

use std::fmt;

use poise::serenity_prelude as serenity;

use super::Error;

/// Discord refused the token: a configuration problem the person running the bot must fix.
#[derive(Debug)]
pub struct TokenRejected {
    /// What Discord said, in a few words (never the token).
    said: &'static str,
}

impl fmt::Display for TokenRejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Discord rejected DISCORD_TOKEN ({}): it is wrong, or it was reset. Copy the bot's token again in \
             the Discord developer portal (your application → Bot → Reset Token) and set DISCORD_TOKEN to it.",
            self.said
        )
    }
}

impl std::error::Error for TokenRejected {}

/// Whether a failed request means the token was refused.
fn unauthorized(e: &serenity::Error) -> bool {
    matches!(e, serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r)) if r.status_code.as_u16() == 401)
}

/// Asks Discord who the bot is. A 401 is a [`TokenRejected`]; any other failure (Discord
/// unreachable, say) is logged and the bot starts anyway, reconnecting as usual.
pub async fn check(http: &serenity::Http) -> Result<(), Error> {
    match http.get_current_user().await {
        Ok(me) => {
            tracing::info!(bot = %me.name, "Discord accepted the token");
            Ok(())
        }
        Err(e) if unauthorized(&e) => Err(TokenRejected { said: "401 Unauthorized" }.into()),
        Err(e) => {
            tracing::warn!("could not check the bot's token with Discord ({e}); starting anyway");
            Ok(())
        }
    }
}

/// The error `Client::start` ended with, in words; the gateway's 4004 is a rejected token.
pub fn explain(e: serenity::Error) -> Error {
    match e {
        serenity::Error::Gateway(serenity::GatewayError::InvalidAuthentication) => {
            TokenRejected { said: "the gateway closed with 4004, authentication failed" }.into()
        }
        e if unauthorized(&e) => TokenRejected { said: "401 Unauthorized" }.into(),
        other => other.into(),
    }
}
