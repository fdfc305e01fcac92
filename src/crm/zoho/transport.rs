//! One GET against the CRM API with Zoho's limits respected: a cap on requests in flight,
//! a timeout on each, backoff with jitter on 429/5xx/timeouts/dropped connections (honouring
//! Retry-After), one token refresh on INVALID_TOKEN, and a count of every call (credits).
//! Zoho's error envelope is read whatever the HTTP status (it sometimes comes with 200), a
//! redirect is refused (the request carries the access token), and a body with bytes that are
//! not UTF-8 is decoded lossily so one bad record cannot fail a whole page.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use secrecy::ExposeSecret;
use serde_json::Value;
use tokio::sync::Semaphore;

use super::oauth::{location_host, OAuth};
use super::retry::{json_lossy, Backoff};
use crate::crm::error::{one_line, Problem};
use crate::crm::{CallCounts, CrmError};

pub enum Reply {
    Json {
        body: Value,
        date: Option<DateTime<Utc>>,
        /// Bytes that were not UTF-8 were replaced with U+FFFD.
        lossy: bool,
    },
    /// 204: nothing matches.
    NoContent,
    /// 304: nothing modified since If-Modified-Since.
    NotModified,
}

pub struct Transport {
    pub http: reqwest::Client,
    pub oauth: OAuth,
    pub api_base: String,
    permits: Semaphore,
    backoff: Backoff,
    calls: Mutex<CallCounts>,
}

impl Transport {
    pub fn new(
        http: reqwest::Client,
        oauth: OAuth,
        api_base: String,
        concurrency: usize,
        backoff: Backoff,
    ) -> Transport {
        Transport {
            http,
            oauth,
            api_base,
            permits: Semaphore::new(concurrency.max(1)),
            backoff,
            calls: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn take_calls(&self) -> CallCounts {
        std::mem::take(&mut *self.calls.lock().expect("call counter lock"))
    }

    fn count(&self, endpoint: &str) {
        *self.calls.lock().expect("call counter lock").entry(endpoint.to_string()).or_default() += 1;
    }

    /// GET `path` (relative to the versioned API root). `endpoint` names it in counts and errors.
    pub async fn get(
        &self,
        endpoint: &str,
        path: &str,
        query: &[(&str, String)],
        if_modified_since: Option<&str>,
    ) -> Result<Reply, CrmError> {
        let url = format!("{}/{}", self.api_base, path);
        let mut refreshed = false;
        let mut attempt = 0u32;
        loop {
            let token = self.oauth.token().await?;
            let outcome = {
                let _permit = self.permits.acquire().await.expect("semaphore never closed");
                self.count(endpoint);
                // Marked sensitive so no HTTP-layer debug output can print it.
                let mut auth = reqwest::header::HeaderValue::from_str(&format!(
                    "Zoho-oauthtoken {}",
                    token.secret.expose_secret()
                ))
                .map_err(|_| CrmError::Malformed {
                    endpoint: "oauth/token".into(),
                    detail: "the access token contains characters not allowed in a header".into(),
                })?;
                auth.set_sensitive(true);
                let mut req = self.http.get(&url).query(query).header(reqwest::header::AUTHORIZATION, auth);
                if let Some(ims) = if_modified_since {
                    req = req.header(reqwest::header::IF_MODIFIED_SINCE, ims);
                }
                self.attempt(endpoint, req).await
            };
            let wait = match outcome {
                Attempt::Done(reply) => return Ok(reply),
                Attempt::Fatal(e) => return Err(e),
                Attempt::InvalidToken(e) => {
                    if refreshed {
                        return Err(e);
                    }
                    refreshed = true;
                    tracing::info!(target: "panopticon::zoho", endpoint, "access token rejected; refreshing once");
                    self.oauth.invalidate(token.generation).await;
                    continue;
                }
                Attempt::Retry { problem, retry_after } => {
                    let wait = self.backoff.next(endpoint, attempt, problem.clone(), retry_after)?;
                    tracing::warn!(target: "panopticon::zoho", endpoint, attempt, wait_ms = wait.as_millis() as u64, ?problem, "retrying");
                    wait
                }
            };
            attempt += 1;
            tokio::time::sleep(wait).await;
        }
    }

    async fn attempt(&self, endpoint: &str, req: reqwest::RequestBuilder) -> Attempt {
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => return Attempt::Retry { problem: self.backoff.problem(&e.without_url()), retry_after: None },
        };
        let status = resp.status();
        let date = resp
            .headers()
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok())
            .map(DateTime::<Utc>::from);
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        match status {
            StatusCode::NO_CONTENT => return Attempt::Done(Reply::NoContent),
            StatusCode::NOT_MODIFIED => return Attempt::Done(Reply::NotModified),
            s if s.is_redirection() => {
                return Attempt::Fatal(CrmError::Redirected {
                    endpoint: endpoint.to_string(),
                    to_host: location_host(&resp),
                })
            }
            _ => {}
        }
        let bytes = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => return Attempt::Retry { problem: self.backoff.problem(&e.without_url()), retry_after: None },
        };
        let parsed = json_lossy(&bytes);
        if status == StatusCode::OK {
            match parsed {
                // Zoho sometimes reports an error with HTTP 200: its envelope says so.
                Ok((body, lossy)) if !is_error_envelope(&body) => {
                    return Attempt::Done(Reply::Json { body, date, lossy })
                }
                Ok(_) => {}
                // A truncated or garbled body is most often a transient proxy fault.
                Err(_) => return Attempt::Retry { problem: Problem::Garbled, retry_after: None },
            }
        }
        let env: Value = parsed.map(|(v, _)| v).unwrap_or(Value::Null);
        let code = one_line(env.get("code").and_then(Value::as_str).unwrap_or(""));
        let message = one_line(env.get("message").and_then(Value::as_str).unwrap_or(""));
        let param = env
            .get("details")
            .and_then(|d| d.get("api_name").or_else(|| d.get("param_name")))
            .and_then(Value::as_str)
            .map(one_line);
        if status == StatusCode::TOO_MANY_REQUESTS || code == "TOO_MANY_REQUESTS" {
            return Attempt::Retry {
                problem: Problem::RateLimited { code },
                retry_after: Some(retry_after.unwrap_or_else(|| self.backoff.wait(2))),
            };
        }
        if status.is_server_error() || matches!(code.as_str(), "INTERNAL_ERROR" | "INTERNAL_SERVER_ERROR") {
            return Attempt::Retry { problem: Problem::ServerError { status: status.as_u16(), code }, retry_after };
        }
        let err = CrmError::Api {
            endpoint: endpoint.to_string(),
            status: status.as_u16(),
            hint: CrmError::hint_for(&code, param.as_deref()),
            code: if code.is_empty() { "(no code)".into() } else { code.clone() },
            message,
        };
        if code == "INVALID_TOKEN" {
            Attempt::InvalidToken(err)
        } else {
            Attempt::Fatal(err)
        }
    }
}

/// Zoho's error envelope: `{"code", "details", "message", "status": "error"}`.
fn is_error_envelope(body: &Value) -> bool {
    body.get("status").and_then(Value::as_str) == Some("error") && body.get("code").is_some_and(Value::is_string)
}

enum Attempt {
    Done(Reply),
    Fatal(CrmError),
    InvalidToken(CrmError),
    Retry { problem: Problem, retry_after: Option<Duration> },
}
