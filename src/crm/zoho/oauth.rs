//! Zoho OAuth: trade the long-lived refresh token for short-lived access tokens.
//!
//! The access token lives only in memory. It is refreshed shortly before it expires and once
//! when Zoho says INVALID_TOKEN — but never more than Zoho allows per refresh token (10 in any
//! 10 minutes), because past that Zoho blocks the refresh token for the rest of the window.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::crm::CrmError;

pub const REFRESH_LIMIT: usize = 10;
pub const REFRESH_WINDOW: Duration = Duration::from_secs(600);
/// Refresh this long before expiry so a token never dies mid-request.
const EXPIRY_MARGIN: Duration = Duration::from_secs(120);

pub struct OAuth {
    http: reqwest::Client,
    token_url: String,
    client_id: String,
    client_secret: SecretString,
    refresh_token: SecretString,
    state: Mutex<TokenState>,
}

#[derive(Default)]
struct TokenState {
    /// The token and the moment to stop using it (expiry less a margin).
    current: Option<(SecretString, Instant)>,
    /// When each recent refresh happened, to stay under Zoho's limit.
    refreshes: VecDeque<Instant>,
    /// Bumped whenever the token changes, so a stale INVALID_TOKEN doesn't discard a fresh one.
    generation: u64,
}

/// An access token and which refresh produced it.
#[derive(Clone)]
pub struct AccessToken {
    pub secret: SecretString,
    pub generation: u64,
}

#[derive(Deserialize)]
struct TokenReply {
    access_token: Option<String>,
    expires_in: Option<u64>,
    /// Legacy replies carry seconds here and milliseconds in `expires_in`.
    expires_in_sec: Option<u64>,
    error: Option<String>,
    error_description: Option<String>,
}

impl OAuth {
    pub fn new(
        http: reqwest::Client,
        accounts_url: &str,
        client_id: String,
        client_secret: SecretString,
        refresh_token: SecretString,
    ) -> OAuth {
        OAuth {
            http,
            token_url: format!("{}/oauth/v2/token", accounts_url.trim_end_matches('/')),
            client_id,
            client_secret,
            refresh_token,
            state: Mutex::new(TokenState::default()),
        }
    }

    /// A token valid for at least the safety margin, refreshing if needed.
    pub async fn token(&self) -> Result<AccessToken, CrmError> {
        let mut st = self.state.lock().await;
        if let Some((tok, refresh_at)) = &st.current {
            if Instant::now() < *refresh_at {
                return Ok(AccessToken { secret: tok.clone(), generation: st.generation });
            }
        }
        let (tok, lifetime) = self.refresh(&mut st).await?;
        // A very short-lived token (tests) must still be usable: keep at least half its life.
        let margin = EXPIRY_MARGIN.min(lifetime / 2);
        st.current = Some((tok.clone(), Instant::now() + lifetime - margin));
        st.generation += 1;
        Ok(AccessToken { secret: tok, generation: st.generation })
    }

    /// Zoho said the token is invalid: drop it, unless another task already replaced it.
    pub async fn invalidate(&self, generation: u64) {
        let mut st = self.state.lock().await;
        if st.generation == generation {
            st.current = None;
        }
    }

    async fn refresh(&self, st: &mut TokenState) -> Result<(SecretString, Duration), CrmError> {
        let now = Instant::now();
        while st.refreshes.front().is_some_and(|t| now.duration_since(*t) >= REFRESH_WINDOW) {
            st.refreshes.pop_front();
        }
        if st.refreshes.len() >= REFRESH_LIMIT {
            return Err(CrmError::RefreshLimited {
                detail: format!("{REFRESH_LIMIT} refreshes already in the last 10 minutes"),
            });
        }
        st.refreshes.push_back(now);
        tracing::debug!(target: "panopticon::zoho", "refreshing the Zoho access token");
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose_secret()),
            ("refresh_token", self.refresh_token.expose_secret()),
        ];
        let body = serde_urlencode(&form);
        let resp = self
            .http
            .post(&self.token_url)
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| CrmError::Unavailable {
                endpoint: "oauth/token".into(),
                // without_url: the token URL carries no secret, but keep errors uniform.
                detail: e.without_url().to_string(),
                attempts: 1,
            })?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(|e| CrmError::Unavailable {
            endpoint: "oauth/token".into(),
            detail: e.without_url().to_string(),
            attempts: 1,
        })?;
        let reply: TokenReply = serde_json::from_slice(&bytes).map_err(|_| CrmError::Malformed {
            endpoint: "oauth/token".into(),
            detail: format!("HTTP {status} with a body that is not a token reply"),
        })?;
        // Zoho often reports errors with HTTP 200: success is the presence of access_token.
        if let Some(tok) = reply.access_token.filter(|t| !t.is_empty()) {
            let secs = match (reply.expires_in_sec, reply.expires_in) {
                (Some(s), _) => s,
                (None, Some(s)) => s,
                (None, None) => 3600,
            };
            return Ok((SecretString::from(tok), Duration::from_secs(secs.max(1))));
        }
        let code = reply.error.unwrap_or_else(|| format!("HTTP {status}"));
        Err(match code.as_str() {
            "invalid_code" | "invalid_refresh_token" => CrmError::RefreshRejected { code },
            "invalid_client" | "invalid_client_secret" | "unauthorized_client" => CrmError::ClientRejected { code },
            "Access Denied" => CrmError::RefreshLimited { detail: reply.error_description.unwrap_or(code) },
            _ => CrmError::Api {
                endpoint: "oauth/token".into(),
                status: status.as_u16(),
                code,
                message: reply.error_description.unwrap_or_default(),
                hint: String::new(),
            },
        })
    }
}

/// Form-encodes pairs (reqwest's `form` feature is not enabled; this is all we need of it).
fn serde_urlencode(pairs: &[(&str, &str)]) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    ser.finish()
}
