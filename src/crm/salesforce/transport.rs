//! One call to Salesforce's REST API: the Bearer token, a cap on requests in flight, a timeout,
//! the error array (`[{"message","errorCode","fields"}]`) read into something to act on, the
//! `Sforce-Limit-Info` usage and the server's `Date` remembered, and every call counted.
//!
//! What is retried: INVALID_SESSION_ID once after a new sign-in; ConcurrentRequests limits,
//! refused connections always; 5xx, QUERY_TIMEOUT, timeouts, dropped connections and garbled
//! replies only for a GET (a write that may have landed is `Uncertain`, never re-sent here).
//! Never retried: a session "not valid for use with the REST API" (a new token would not cure
//! it), the daily TotalRequests limit, and a redirect, which is never followed because the
//! request carries the token.

use std::collections::BTreeMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use reqwest::Method;
use secrecy::ExposeSecret;
use serde_json::Value;
use tokio::sync::Semaphore;

use super::auth::{location_host, Auth, Session};
use crate::crm::error::{one_line, Problem, SALESFORCE};
use crate::crm::zoho::retry::{json_lossy, Backoff};
use crate::crm::{ApiUsage, CallCounts, CrmError};

/// A reply Salesforce gave with a 2xx status.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    /// `Null` for an empty body (204).
    pub body: Value,
}

/// The first entry of Salesforce's error array, one line each.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApiFault {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub fields: Vec<String>,
}

/// Why a `send` did not give a reply.
#[derive(Debug)]
pub enum SendError {
    /// Salesforce answered with an error it means (4xx): the array, and it as a `CrmError`.
    Refused { fault: ApiFault, error: CrmError },
    /// Certainly not carried out: not sent, refused before it ran, or retries used up.
    NotSent(CrmError),
    /// A write that may have reached Salesforce with no answer; find out before writing again.
    Uncertain { detail: String },
}

impl SendError {
    /// As a read's error: what went wrong, in the words of `CrmError`.
    pub fn into_crm(self, endpoint: &str) -> CrmError {
        match self {
            SendError::Refused { error, .. } | SendError::NotSent(error) => error,
            SendError::Uncertain { detail } => CrmError::Malformed { endpoint: named(endpoint), detail },
        }
    }
}

/// An endpoint as errors name it (`salesforce:Lead`).
pub fn named(endpoint: &str) -> String {
    format!("{SALESFORCE}{endpoint}")
}

pub struct Transport {
    http: reqwest::Client,
    pub auth: Auth,
    /// `v62.0`.
    version: String,
    permits: Semaphore,
    backoff: Backoff,
    calls: Mutex<CallCounts>,
    usage: Mutex<Option<ApiUsage>>,
    server_date: Mutex<Option<DateTime<Utc>>>,
}

enum Attempt {
    Done(Reply),
    Fail(SendError),
    InvalidSession(CrmError),
    Retry(Problem),
}

impl Transport {
    pub fn new(
        http: reqwest::Client,
        auth: Auth,
        api_version: &str,
        concurrency: usize,
        backoff: Backoff,
    ) -> Transport {
        Transport {
            http,
            auth,
            version: format!("v{api_version}"),
            permits: Semaphore::new(concurrency.max(1)),
            backoff,
            calls: Mutex::new(BTreeMap::new()),
            usage: Mutex::new(None),
            server_date: Mutex::new(None),
        }
    }

    /// `/services/data/v62.0/{rest}`.
    pub fn data_path(&self, rest: &str) -> String {
        format!("/services/data/{}/{}", self.version, rest.trim_start_matches('/'))
    }

    pub fn take_calls(&self) -> CallCounts {
        std::mem::take(&mut *self.calls.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// The last `Sforce-Limit-Info: api-usage=N/MAX` seen.
    pub fn api_usage(&self) -> Option<ApiUsage> {
        *self.usage.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The server's clock (its `Date` header) at the last reply.
    pub fn server_date(&self) -> Option<DateTime<Utc>> {
        *self.server_date.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn count(&self, endpoint: &str) {
        *self.calls.lock().unwrap_or_else(|e| e.into_inner()).entry(endpoint.to_string()).or_default() += 1;
    }

    /// A GET whose failures all read as `CrmError`.
    pub async fn get(
        &self,
        endpoint: &str,
        path: &str,
        query: &[(&str, String)],
        headers: &[(&str, String)],
    ) -> Result<Value, CrmError> {
        match self.send(endpoint, Method::GET, path, query, headers, None).await {
            Ok(r) => Ok(r.body),
            Err(e) => Err(e.into_crm(endpoint)),
        }
    }

    /// Sends one request to `path` (an absolute path on the instance, `/services/data/…`) and
    /// returns the 2xx reply. `endpoint` names it in the call counts (`Lead`, `Lead/deleted`)
    /// and, prefixed, in errors.
    pub async fn send(
        &self,
        endpoint: &str,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        headers: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Reply, SendError> {
        let mut refreshed = false;
        let mut attempt = 0u32;
        loop {
            let session = self.auth.session().await.map_err(SendError::NotSent)?;
            let outcome = {
                let _permit = self.permits.acquire().await.expect("semaphore never closed");
                self.count(endpoint);
                match self.request(&session, &method, path, query, headers, body) {
                    Ok(req) => self.attempt(endpoint, &method, req).await,
                    Err(e) => Attempt::Fail(SendError::NotSent(e)),
                }
            };
            let problem = match outcome {
                Attempt::Done(reply) => return Ok(reply),
                Attempt::Fail(e) => return Err(e),
                Attempt::InvalidSession(e) => {
                    if refreshed {
                        return Err(SendError::NotSent(e));
                    }
                    refreshed = true;
                    tracing::info!(target: "panopticon::salesforce", endpoint, "session rejected; signing in again once");
                    self.auth.invalidate(session.generation).await;
                    continue;
                }
                Attempt::Retry(problem) => problem,
            };
            let wait =
                self.backoff.next(&named(endpoint), attempt, problem.clone(), None).map_err(SendError::NotSent)?;
            tracing::warn!(target: "panopticon::salesforce", endpoint, attempt, wait_ms = wait.as_millis() as u64, ?problem, "retrying");
            attempt += 1;
            tokio::time::sleep(wait).await;
        }
    }

    fn request(
        &self,
        session: &Session,
        method: &Method,
        path: &str,
        query: &[(&str, String)],
        headers: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<reqwest::RequestBuilder, CrmError> {
        // Only a path on the instance: a URL the server named (nextRecordsUrl) never takes the
        // token to another host.
        if !path.starts_with('/') || path.starts_with("//") {
            return Err(CrmError::Malformed {
                endpoint: named("query"),
                detail: format!("'{}' is not a path on the Salesforce instance", one_line(path)),
            });
        }
        let url = format!("{}{}", session.instance_url, path);
        let mut auth = reqwest::header::HeaderValue::from_str(&format!("Bearer {}", session.token.expose_secret()))
            .map_err(|_| CrmError::Malformed {
                endpoint: named(super::auth::ENDPOINT),
                detail: "the access token contains characters not allowed in a header".into(),
            })?;
        auth.set_sensitive(true);
        let mut req = self.http.request(method.clone(), url).header(reqwest::header::AUTHORIZATION, auth);
        if !query.is_empty() {
            req = req.query(query);
        }
        for (name, value) in headers {
            req = req.header(*name, value.as_str());
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        Ok(req)
    }

    async fn attempt(&self, endpoint: &str, method: &Method, req: reqwest::RequestBuilder) -> Attempt {
        let idempotent = *method == Method::GET;
        let lost = |problem: Problem| {
            if idempotent {
                Attempt::Retry(problem)
            } else {
                Attempt::Fail(SendError::Uncertain { detail: in_words(&problem) })
            }
        };
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                let e = e.without_url();
                let problem = self.backoff.problem(&e);
                // A connection never made cannot have carried a write.
                return if e.is_connect() { Attempt::Retry(problem) } else { lost(problem) };
            }
        };
        let status = resp.status();
        self.remember(&resp);
        if status.is_redirection() {
            return Attempt::Fail(SendError::NotSent(CrmError::Redirected {
                endpoint: named(endpoint),
                to_host: location_host(&resp),
            }));
        }
        let bytes = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => return lost(self.backoff.problem(&e.without_url())),
        };
        let parsed = if bytes.iter().all(u8::is_ascii_whitespace) {
            Ok(Value::Null)
        } else {
            json_lossy(&bytes).map(|(v, _)| v)
        };
        if status.is_success() {
            return match parsed {
                Ok(body) => Attempt::Done(Reply { status: status.as_u16(), body }),
                Err(_) => lost(Problem::Garbled),
            };
        }
        let fault = fault_of(status.as_u16(), parsed.as_ref().ok());
        if status.is_server_error() {
            return lost(Problem::ServerError { status: status.as_u16(), code: fault.code });
        }
        self.classify(endpoint, idempotent, fault)
    }

    /// A 4xx answer: what it means for this request.
    fn classify(&self, endpoint: &str, idempotent: bool, fault: ApiFault) -> Attempt {
        let api = |f: &ApiFault| CrmError::Api {
            endpoint: named(endpoint),
            status: f.status,
            code: if f.code.is_empty() { "(no code)".into() } else { f.code.clone() },
            message: f.message.clone(),
            hint: hint_for(&f.code, &f.fields),
        };
        if fault.status == 401 {
            if fault.message.contains("not valid for use with the REST API") {
                return Attempt::Fail(SendError::NotSent(CrmError::SalesforceSessionRefused {
                    endpoint: named(endpoint),
                    message: fault.message,
                }));
            }
            return Attempt::InvalidSession(api(&fault));
        }
        match fault.code.as_str() {
            "REQUEST_LIMIT_EXCEEDED" if fault.message.contains("TotalRequests") => {
                Attempt::Fail(SendError::NotSent(CrmError::DailyLimitReached {
                    endpoint: named(endpoint),
                    message: format!("{}: {}", fault.code, fault.message),
                    usage: self.api_usage().map(|u| (u.used, u.max)),
                }))
            }
            // Too many requests at once: refused before it ran, so safe to send again.
            "REQUEST_LIMIT_EXCEEDED" => Attempt::Retry(Problem::RateLimited { code: fault.code }),
            "QUERY_TIMEOUT" | "SERVER_UNAVAILABLE" if idempotent => {
                Attempt::Retry(Problem::ServerError { status: fault.status, code: fault.code })
            }
            _ => {
                let error = api(&fault);
                Attempt::Fail(SendError::Refused { fault, error })
            }
        }
    }

    /// Keeps the usage and the server clock each reply reports.
    fn remember(&self, resp: &reqwest::Response) {
        let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok());
        if let Some(u) = header("sforce-limit-info").and_then(parse_limit_info) {
            *self.usage.lock().unwrap_or_else(|e| e.into_inner()) = Some(u);
        }
        if let Some(d) = header("date").and_then(|v| httpdate::parse_http_date(v).ok()) {
            *self.server_date.lock().unwrap_or_else(|e| e.into_inner()) = Some(DateTime::<Utc>::from(d));
        }
    }
}

/// `api-usage=18/5000` (possibly among other `;`- or `,`-separated parts).
pub fn parse_limit_info(header: &str) -> Option<ApiUsage> {
    header.split([';', ',']).find_map(|part| {
        let (used, max) = part.trim().strip_prefix("api-usage=")?.split_once('/')?;
        Some(ApiUsage { used: used.trim().parse().ok()?, max: max.trim().parse().ok()? })
    })
}

/// The first entry of an error array (or of a token-style `{"error"}` object), one line each.
pub fn fault_of(status: u16, body: Option<&Value>) -> ApiFault {
    let entry = match body {
        Some(Value::Array(a)) => a.first(),
        Some(v @ Value::Object(_)) => Some(v),
        _ => None,
    };
    let text = |k: &str| entry.and_then(|e| e.get(k)).and_then(Value::as_str).map(one_line).unwrap_or_default();
    let fields = entry
        .and_then(|e| e.get("fields"))
        .and_then(Value::as_array)
        .map(|f| f.iter().filter_map(Value::as_str).map(one_line).collect())
        .unwrap_or_default();
    let mut code = text("errorCode");
    if code.is_empty() {
        code = text("error");
    }
    let mut message = text("message");
    if message.is_empty() {
        message = text("error_description");
    }
    ApiFault { status, code, message, fields }
}

/// What a person can do about the codes that come from configuration.
fn hint_for(code: &str, fields: &[String]) -> String {
    match code {
        "INVALID_FIELD" => {
            " — check [salesforce.fields] and [appointments] in the config against the object's field API names".into()
        }
        "INVALID_TYPE" => " — the object does not exist or the integration user cannot see it".into(),
        "INSUFFICIENT_ACCESS" | "INSUFFICIENT_ACCESS_OR_READONLY" => {
            " — the integration user's profile or permission sets lack this access".into()
        }
        "INVALID_SESSION_ID" => {
            " — a fresh sign-in was refused too; check the integration user is active and has API Enabled".into()
        }
        "FIELD_CUSTOM_VALIDATION_EXCEPTION" | "REQUIRED_FIELD_MISSING" if !fields.is_empty() => {
            format!(" — field {}", fields.join(", "))
        }
        _ => String::new(),
    }
}

/// A failure after a write may have been sent, in words.
fn in_words(problem: &Problem) -> String {
    match problem {
        Problem::TimedOut(d) => format!("no answer within {}", crate::crm::error::secs(*d)),
        Problem::Dropped => "the connection dropped before the reply came".into(),
        Problem::CannotConnect(cause) => format!("the connection failed ({cause})"),
        Problem::ServerError { status, code } => format!("Salesforce answered HTTP {status} {code}").trim_end().into(),
        Problem::Garbled => "the reply was not valid JSON".into(),
        _ => "the reply was lost".into(),
    }
}
