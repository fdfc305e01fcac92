//! One call to the CRM API with Zoho's limits respected: a cap on requests in flight, a
//! timeout on each, one token refresh on INVALID_TOKEN, and a count of every call (credits).
//! Zoho's error envelope is read whatever the HTTP status (it sometimes comes with 200), a
//! redirect is refused (the request carries the access token), and a body with bytes that are
//! not UTF-8 is decoded lossily so one bad record cannot fail a whole page.
//!
//! A read (`get`) is retried with backoff on 429/5xx/timeouts/dropped connections (honouring
//! Retry-After). A write (`send`) is retried only when it certainly did not reach Zoho — a
//! refused connection or connect timeout, 429, INVALID_TOKEN; anything that may have landed
//! (a timeout after sending, a dropped connection, a garbled reply, a 5xx) is `Uncertain`.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use secrecy::ExposeSecret;
use serde_json::Value;
use tokio::sync::Semaphore;

use super::oauth::{location_host, AccessToken, OAuth};
use super::retry::{json_lossy, Backoff};
use crate::crm::error::{one_line, secs, Problem};
use crate::crm::write::WriteError;
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
                let auth = auth_header(&token)?;
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
        let retry_after = retry_after_of(&resp);
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
        let (code, message, param) = envelope_parts(&env);
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

/// The `Authorization` header, marked sensitive so no HTTP-layer debug output can print it.
fn auth_header(token: &AccessToken) -> Result<reqwest::header::HeaderValue, CrmError> {
    let mut auth = reqwest::header::HeaderValue::from_str(&format!("Zoho-oauthtoken {}", token.secret.expose_secret()))
        .map_err(|_| CrmError::Malformed {
            endpoint: "oauth/token".into(),
            detail: "the access token contains characters not allowed in a header".into(),
        })?;
    auth.set_sensitive(true);
    Ok(auth)
}

fn retry_after_of(resp: &reqwest::Response) -> Option<Duration> {
    resp.headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// `code`, `message` and the field or parameter an entry of Zoho's names (`details.api_name`
/// or `details.param_name`), each one line.
pub fn envelope_parts(env: &Value) -> (String, String, Option<String>) {
    let code = one_line(env.get("code").and_then(Value::as_str).unwrap_or(""));
    let message = one_line(env.get("message").and_then(Value::as_str).unwrap_or(""));
    let param = env
        .get("details")
        .and_then(|d| d.get("api_name").or_else(|| d.get("param_name")))
        .and_then(Value::as_str)
        .map(one_line);
    (code, message, param)
}

/// Zoho's error envelope: `{"code", "details", "message", "status": "error"}`.
pub fn is_error_envelope(body: &Value) -> bool {
    body.get("status").and_then(Value::as_str) == Some("error") && body.get("code").is_some_and(Value::is_string)
}

enum Attempt {
    Done(Reply),
    Fatal(CrmError),
    InvalidToken(CrmError),
    Retry { problem: Problem, retry_after: Option<Duration> },
}

/// How one write attempt ended.
enum Sent {
    Done(u16, Value),
    Failed(WriteError),
    InvalidToken(CrmError),
    /// Certainly not received by Zoho: worth another try after the wait.
    Retry {
        problem: Problem,
        retry_after: Option<Duration>,
    },
}

impl Transport {
    /// Sends one write (`PUT`/`POST`, a JSON body) and returns the HTTP status and the JSON
    /// reply (`Null` for 204), whatever Zoho said about the records: reading the per-record
    /// results is the caller's job. Retried only while the write certainly did not reach Zoho
    /// (see the file comment); never retried once it may have.
    pub async fn send(
        &self,
        method: reqwest::Method,
        endpoint: &str,
        path: &str,
        body: &Value,
        headers: &[(&str, String)],
    ) -> Result<(u16, Value), WriteError> {
        let url = format!("{}/{}", self.api_base, path);
        let mut refreshed = false;
        let mut attempt = 0u32;
        loop {
            let token = self.oauth.token().await.map_err(WriteError::NotSent)?;
            let outcome = {
                let _permit = self.permits.acquire().await.expect("semaphore never closed");
                self.count(endpoint);
                let auth = auth_header(&token).map_err(WriteError::NotSent)?;
                let mut req = self.http.request(method.clone(), &url).header(reqwest::header::AUTHORIZATION, auth);
                for (name, value) in headers {
                    req = req.header(*name, value.as_str());
                }
                self.send_once(endpoint, req.json(body)).await
            };
            let wait = match outcome {
                Sent::Done(status, reply) => return Ok((status, reply)),
                Sent::Failed(e) => return Err(e),
                Sent::InvalidToken(e) => {
                    if refreshed {
                        return Err(WriteError::NotSent(e));
                    }
                    refreshed = true;
                    tracing::info!(target: "panopticon::zoho", endpoint, "access token rejected; refreshing once");
                    self.oauth.invalidate(token.generation).await;
                    continue;
                }
                Sent::Retry { problem, retry_after } => {
                    let wait = self
                        .backoff
                        .next(endpoint, attempt, problem.clone(), retry_after)
                        .map_err(WriteError::NotSent)?;
                    tracing::warn!(target: "panopticon::zoho", endpoint, attempt, wait_ms = wait.as_millis() as u64, ?problem, "write not received; retrying");
                    wait
                }
            };
            attempt += 1;
            tokio::time::sleep(wait).await;
        }
    }

    async fn send_once(&self, endpoint: &str, req: reqwest::RequestBuilder) -> Sent {
        let uncertain = |detail: String| Sent::Failed(WriteError::Uncertain { detail });
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                let e = e.without_url();
                let problem = self.backoff.problem(&e);
                // A connection never made cannot have carried the write.
                if e.is_connect() {
                    return Sent::Retry { problem, retry_after: None };
                }
                return uncertain(in_words(&problem));
            }
        };
        let status = resp.status();
        if status.is_redirection() {
            return Sent::Failed(WriteError::NotSent(CrmError::Redirected {
                endpoint: endpoint.to_string(),
                to_host: location_host(&resp),
            }));
        }
        let retry_after = retry_after_of(&resp);
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Sent::Retry {
                problem: Problem::RateLimited { code: "TOO_MANY_REQUESTS".into() },
                retry_after: Some(retry_after.unwrap_or_else(|| self.backoff.wait(2))),
            };
        }
        if status == StatusCode::NO_CONTENT {
            return Sent::Done(status.as_u16(), Value::Null);
        }
        let bytes = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => return uncertain(in_words(&self.backoff.problem(&e.without_url()))),
        };
        let parsed = json_lossy(&bytes).map(|(v, _)| v);
        if status.is_server_error() {
            let code = parsed.as_ref().map(|v| envelope_parts(v).0).unwrap_or_default();
            return uncertain(format!("Zoho answered HTTP {} {code}", status.as_u16()).trim_end().to_string());
        }
        let Ok(body) = parsed else {
            return uncertain(format!("Zoho answered HTTP {} with a reply that is not valid JSON", status.as_u16()));
        };
        if is_error_envelope(&body) {
            let (code, message, param) = envelope_parts(&body);
            match code.as_str() {
                "TOO_MANY_REQUESTS" => {
                    return Sent::Retry {
                        problem: Problem::RateLimited { code },
                        retry_after: Some(retry_after.unwrap_or_else(|| self.backoff.wait(2))),
                    }
                }
                "INVALID_TOKEN" => {
                    return Sent::InvalidToken(CrmError::Api {
                        endpoint: endpoint.to_string(),
                        status: status.as_u16(),
                        hint: CrmError::hint_for(&code, param.as_deref()),
                        code,
                        message,
                    })
                }
                "INTERNAL_ERROR" | "INTERNAL_SERVER_ERROR" => {
                    return uncertain(format!("Zoho answered {code} with HTTP {}", status.as_u16()))
                }
                _ => {}
            }
        }
        Sent::Done(status.as_u16(), body)
    }
}

/// A failure after the request may have been sent, in words.
fn in_words(problem: &Problem) -> String {
    match problem {
        Problem::TimedOut(d) => format!("no answer within {}", secs(*d)),
        Problem::Dropped => "the connection dropped before the reply came".into(),
        Problem::CannotConnect(cause) => format!("the connection failed ({cause})"),
        _ => "the reply was lost".into(),
    }
}
