//! One GET against the CRM API with Zoho's limits respected: a cap on requests in flight,
//! a timeout on each, backoff with jitter on 429/5xx/timeouts/dropped connections (honouring
//! Retry-After), one token refresh on INVALID_TOKEN, and a count of every call (credits).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use secrecy::ExposeSecret;
use serde_json::Value;
use tokio::sync::Semaphore;

use super::oauth::OAuth;
use crate::crm::{CallCounts, CrmError};

/// The longest Retry-After we will sit through; longer means the daily credits are gone.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

pub enum Reply {
    Json {
        body: Value,
        date: Option<DateTime<Utc>>,
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
    max_retries: u32,
    retry_base: Duration,
    calls: Mutex<CallCounts>,
    jitter: Mutex<u64>,
}

impl Transport {
    pub fn new(
        http: reqwest::Client,
        oauth: OAuth,
        api_base: String,
        concurrency: usize,
        max_retries: u32,
        retry_base: Duration,
    ) -> Transport {
        Transport {
            http,
            oauth,
            api_base,
            permits: Semaphore::new(concurrency.max(1)),
            max_retries,
            retry_base,
            calls: Mutex::new(BTreeMap::new()),
            jitter: Mutex::new(0x9E37_79B9_7F4A_7C15),
        }
    }

    pub fn take_calls(&self) -> CallCounts {
        std::mem::take(&mut *self.calls.lock().expect("call counter lock"))
    }

    fn count(&self, endpoint: &str) {
        *self.calls.lock().expect("call counter lock").entry(endpoint.to_string()).or_default() += 1;
    }

    /// Exponential backoff with full jitter: a random wait in [0, base·2^attempt], capped.
    fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self.retry_base.saturating_mul(1u32 << attempt.min(16)).min(MAX_BACKOFF);
        let mut x = self.jitter.lock().expect("jitter lock");
        // xorshift64: jitter only needs to de-synchronise clients, not be unpredictable.
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        let frac = (*x % 1_000_000) as f64 / 1_000_000.0;
        ceiling.mul_f64(0.5 + frac / 2.0)
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
                Attempt::Retry { detail, retry_after } => {
                    if attempt >= self.max_retries {
                        return Err(CrmError::Unavailable {
                            endpoint: endpoint.to_string(),
                            detail,
                            attempts: attempt + 1,
                        });
                    }
                    let wait = match retry_after {
                        Some(ra) if ra > MAX_RETRY_AFTER => {
                            return Err(CrmError::Unavailable {
                                endpoint: endpoint.to_string(),
                                detail: format!(
                                    "{detail}; Zoho asks to wait {} s — the org's daily API credits are \
                                     probably used up",
                                    ra.as_secs()
                                ),
                                attempts: attempt + 1,
                            })
                        }
                        Some(ra) => ra,
                        None => self.backoff(attempt),
                    };
                    tracing::warn!(target: "panopticon::zoho", endpoint, attempt, wait_ms = wait.as_millis() as u64, "{detail}; retrying");
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
            Err(e) => {
                let e = e.without_url();
                let detail = if e.is_timeout() {
                    "request timed out".to_string()
                } else if e.is_connect() {
                    format!("cannot connect ({})", describe(&e))
                } else {
                    format!("connection dropped before the reply ({})", describe(&e))
                };
                return Attempt::Retry { detail, retry_after: None };
            }
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
            _ => {}
        }
        let bytes = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => {
                let detail = if e.is_timeout() {
                    "response timed out".to_string()
                } else {
                    format!("connection dropped mid-response ({})", describe(&e.without_url()))
                };
                return Attempt::Retry { detail, retry_after: None };
            }
        };
        if status == StatusCode::OK {
            return match serde_json::from_slice::<Value>(&bytes) {
                Ok(body) => Attempt::Done(Reply::Json { body, date }),
                // A truncated or garbled body is most often a transient proxy fault.
                Err(e) => Attempt::Retry { detail: format!("response is not valid JSON ({e})"), retry_after: None },
            };
        }
        let env: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let code = env.get("code").and_then(Value::as_str).unwrap_or("").to_string();
        let message = env.get("message").and_then(Value::as_str).unwrap_or("").to_string();
        let param =
            env.get("details").and_then(|d| d.get("api_name").or_else(|| d.get("param_name"))).and_then(Value::as_str);
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Attempt::Retry {
                detail: format!("rate limited (429 {code})"),
                retry_after: Some(retry_after.unwrap_or_else(|| self.backoff(2))),
            };
        }
        if status.is_server_error() {
            return Attempt::Retry { detail: format!("server error {} {code}", status.as_u16()), retry_after };
        }
        let err = CrmError::Api {
            endpoint: endpoint.to_string(),
            status: status.as_u16(),
            hint: CrmError::hint_for(&code, param),
            code: if code.is_empty() { "(no code)".into() } else { code.clone() },
            message,
        };
        if status == StatusCode::UNAUTHORIZED && code == "INVALID_TOKEN" {
            Attempt::InvalidToken(err)
        } else {
            Attempt::Fatal(err)
        }
    }
}

enum Attempt {
    Done(Reply),
    Fatal(CrmError),
    InvalidToken(CrmError),
    Retry { detail: String, retry_after: Option<Duration> },
}

/// reqwest's Display stops at the outermost layer ("error sending request"); the cause
/// ("connection closed before message completed") is what a person needs.
fn describe(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(cause) = src {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        src = cause.source();
    }
    s
}
