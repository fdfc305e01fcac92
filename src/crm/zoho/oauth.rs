//! Zoho OAuth: trade the long-lived refresh token for short-lived access tokens.
//!
//! The access token lives only in memory. It is refreshed shortly before it expires and once
//! when Zoho says INVALID_TOKEN — but never more than Zoho allows per refresh token (10 in any
//! 10 minutes), because past that Zoho blocks the refresh token for the rest of the window.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use tokio::sync::Mutex;

use super::retry::{json_lossy, Backoff};
use crate::crm::error::{one_line, Problem};
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
    backoff: Backoff,
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
    /// The `scope` of the last token reply (what the refresh token was granted); `None` when
    /// the reply did not say.
    scope: Option<String>,
}

/// An access token and which refresh produced it.
#[derive(Clone)]
pub struct AccessToken {
    pub secret: SecretString,
    pub generation: u64,
}

/// The longest a token is believed to live, whatever the server says: Zoho issues 1-hour tokens,
/// and a huge or nonsensical `expires_in` must not overflow the clock (it used to panic).
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);
const ENDPOINT: &str = "oauth/token";

impl OAuth {
    pub fn new(
        http: reqwest::Client,
        accounts_url: &str,
        client_id: String,
        client_secret: SecretString,
        refresh_token: SecretString,
        backoff: Backoff,
    ) -> OAuth {
        OAuth {
            http,
            token_url: format!("{}/oauth/v2/token", accounts_url.trim_end_matches('/')),
            client_id,
            client_secret,
            refresh_token,
            backoff,
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
        let (tok, lifetime, scope) = self.refresh(&mut st).await?;
        st.scope = scope;
        // A very short-lived token (tests) must still be usable: keep at least half its life.
        let margin = EXPIRY_MARGIN.min(lifetime / 2);
        let now = Instant::now();
        st.current = Some((tok.clone(), now.checked_add(lifetime - margin).unwrap_or(now)));
        st.generation += 1;
        Ok(AccessToken { secret: tok, generation: st.generation })
    }

    /// The scopes the token endpoint said were granted, as it wrote them (`None` if it did not
    /// say). Refreshes only if there is no valid token yet.
    pub async fn scope(&self) -> Result<Option<String>, CrmError> {
        self.token().await?;
        Ok(self.state.lock().await.scope.clone())
    }

    /// Zoho said the token is invalid: drop it, unless another task already replaced it.
    pub async fn invalidate(&self, generation: u64) {
        let mut st = self.state.lock().await;
        if st.generation == generation {
            st.current = None;
        }
    }

    /// Asks for a new access token, retrying timeouts, dropped connections, 429 and 5xx like
    /// the API — but never past Zoho's refresh limit, and never following a redirect.
    async fn refresh(&self, st: &mut TokenState) -> Result<Granted, CrmError> {
        let mut attempt = 0u32;
        loop {
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
            tracing::debug!(target: "panopticon::zoho", attempt, "refreshing the Zoho access token");
            let (problem, retry_after) = match self.post_once().await {
                Post::Done(result) => return result,
                Post::Retry { problem, retry_after } => (problem, retry_after),
            };
            if matches!(problem, Problem::CannotConnect(_)) {
                // Zoho never saw this one: it does not count against the refresh limit.
                st.refreshes.pop_back();
            }
            let wait = self.backoff.next(ENDPOINT, attempt, problem.clone(), retry_after)?;
            tracing::warn!(target: "panopticon::zoho", attempt, wait_ms = wait.as_millis() as u64, ?problem, "token request failed; retrying");
            attempt += 1;
            tokio::time::sleep(wait).await;
        }
    }

    /// One POST to the token endpoint.
    async fn post_once(&self) -> Post {
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose_secret()),
            ("refresh_token", self.refresh_token.expose_secret()),
        ];
        let resp = match self
            .http
            .post(&self.token_url)
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(serde_urlencode(&form))
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) => return Post::Retry { problem: self.backoff.problem(&e.without_url()), retry_after: None },
        };
        let status = resp.status();
        if status.is_redirection() {
            // The client follows no redirects (they would re-post the secret elsewhere).
            return Post::Done(Err(CrmError::Redirected { endpoint: ENDPOINT.into(), to_host: location_host(&resp) }));
        }
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return Post::Retry { problem: Problem::RateLimited { code: String::new() }, retry_after };
        }
        if status.is_server_error() {
            return Post::Retry {
                problem: Problem::ServerError { status: status.as_u16(), code: String::new() },
                retry_after,
            };
        }
        let bytes = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => return Post::Retry { problem: self.backoff.problem(&e.without_url()), retry_after: None },
        };
        let reply = match json_lossy(&bytes) {
            Ok((Value::Object(o), _)) => o,
            _ => {
                return Post::Done(Err(CrmError::Malformed {
                    endpoint: ENDPOINT.into(),
                    detail: format!("HTTP {} with a body that is not a token reply", status.as_u16()),
                }))
            }
        };
        Post::Done(interpret(status.as_u16(), &reply))
    }
}

/// A new access token, how long it lives, and the scopes the reply named.
type Granted = (SecretString, Duration, Option<String>);

enum Post {
    Done(Result<Granted, CrmError>),
    Retry { problem: Problem, retry_after: Option<Duration> },
}

/// A token reply, validated: Zoho often reports errors with HTTP 200, so success is the
/// presence of a non-empty `access_token`, and its lifetime is clamped to something sane.
fn interpret(status: u16, reply: &serde_json::Map<String, Value>) -> Result<Granted, CrmError> {
    let text = |k: &str| reply.get(k).and_then(Value::as_str).map(one_line);
    if let Some(tok) = reply.get("access_token").and_then(Value::as_str).filter(|t| !t.is_empty()) {
        let tok = tok.to_string();
        // Not `one_line`: a long grant must not be cut at 200 characters.
        let scope =
            reply.get("scope").and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(String::from);
        return Ok((SecretString::from(tok), lifetime(reply), scope));
    }
    let code = text("error").unwrap_or_else(|| format!("HTTP {status}"));
    let description = text("error_description");
    Err(match code.as_str() {
        "invalid_code" | "invalid_refresh_token" => CrmError::RefreshRejected { code },
        "invalid_client" | "invalid_client_secret" | "unauthorized_client" => CrmError::ClientRejected { code },
        "Access Denied" => CrmError::RefreshLimited { detail: description.unwrap_or(code) },
        _ => CrmError::Api {
            endpoint: ENDPOINT.into(),
            status,
            code,
            message: description.unwrap_or_default(),
            hint: String::new(),
        },
    })
}

/// How long the token lives: `expires_in_sec` (legacy replies, where `expires_in` is in ms) or
/// `expires_in`, as a number or a numeric string; anything else means Zoho's usual hour.
fn lifetime(reply: &serde_json::Map<String, Value>) -> Duration {
    let secs = |k: &str| -> Option<f64> {
        let v = reply.get(k)?;
        v.as_f64().or_else(|| v.as_str()?.trim().parse().ok()).filter(|s: &f64| s.is_finite())
    };
    let s = secs("expires_in_sec").or_else(|| secs("expires_in")).unwrap_or(3600.0);
    Duration::from_secs_f64(s.clamp(1.0, MAX_LIFETIME.as_secs_f64()))
}

/// The host a redirect points at (never the whole URL: it may carry a query).
pub(super) fn location_host(resp: &reqwest::Response) -> Option<String> {
    let loc = resp.headers().get(reqwest::header::LOCATION)?.to_str().ok()?;
    let url = reqwest::Url::parse(loc).ok()?;
    let host = url.host_str()?.to_string();
    Some(match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host,
    })
}

/// Form-encodes pairs (reqwest's `form` feature is not enabled; this is all we need of it).
fn serde_urlencode(pairs: &[(&str, &str)]) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    ser.finish()
}
