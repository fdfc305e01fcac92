//! The gate every request to the Salesforce face passes: org edits due before it, injected
//! faults, the API version check, the bearer token, the daily allowance, and on the way out the
//! `Sforce-Limit-Info` and `Date` headers and the request log. Also Salesforce's error array.
// Helpers return a ready `Response` as their error: that is the reply to send, and boxing it
// would only add noise to a test server.
#![allow(clippy::result_large_err)]

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::state::Shared;
use super::SfFault;
use crate::LoggedRequest;

/// The oldest and newest API versions the sandbox answers (`v31.0`–`v66.0`).
const VERSIONS: std::ops::RangeInclusive<u32> = 31..=66;

/// Salesforce's error body: a JSON array of `{message, errorCode}`.
pub(crate) fn sf_error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, axum::Json(json!([{"message": message, "errorCode": code}]))).into_response()
}

/// The same with the fields the error is about (DML and validation errors, sent by `write.rs`).
#[allow(dead_code)]
pub(crate) fn sf_error_fields(status: StatusCode, code: &str, message: &str, fields: &[&str]) -> Response {
    (status, axum::Json(json!([{"message": message, "errorCode": code, "fields": fields}]))).into_response()
}

pub(crate) fn not_found() -> Response {
    sf_error(StatusCode::NOT_FOUND, "NOT_FOUND", "The requested resource does not exist")
}

/// `GET /services/data/`: the versions list. It needs no token and is not counted.
pub(crate) async fn versions() -> Response {
    let list: Vec<Value> = VERSIONS
        .map(|v| json!({"label": format!("Release {v}"), "url": format!("/services/data/v{v}.0"), "version": format!("{v}.0")}))
        .collect();
    axum::Json(Value::Array(list)).into_response()
}

/// The API version in a data path (`/services/data/v62.0/…` → 62), if it is one we serve.
fn version_ok(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/services/data/v") else { return false };
    let v = rest.split('/').next().unwrap_or("");
    match v.split_once('.') {
        Some((major, "0")) => major.parse::<u32>().is_ok_and(|m| VERSIONS.contains(&m)),
        _ => false,
    }
}

pub(crate) async fn gate(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let method = req.method().to_string();
    if let Some(edit) = s.take_hook(&format!("{path}?{query}")) {
        edit(&mut s.org.write().expect("org lock"));
    }
    let data = path.starts_with("/services/data/v");
    let fault = s.take_fault(&path);
    if let Some(SfFault::Slow(d)) = &fault {
        // Handled after the wait, as a server that is merely slow would.
        tokio::time::sleep(*d).await;
    }
    let mut resp = match fault.and_then(|f| apply(&s, f, &path, &query).ok()) {
        Some(r) => r,
        None => serve(&s, data, &path, req, next).await,
    };
    if data {
        let used = s.api_used.load(Ordering::SeqCst);
        let max = s.settings().api_max;
        if let Ok(v) = HeaderValue::from_str(&format!("api-usage={used}/{max}")) {
            resp.headers_mut().insert("sforce-limit-info", v);
        }
    }
    let now = s.org.read().expect("org lock").now;
    if let Ok(v) = HeaderValue::from_str(&httpdate::fmt_http_date(now.into())) {
        resp.headers_mut().insert(header::DATE, v);
    }
    s.log.lock().expect("log lock").push(LoggedRequest { method, path, query, status: resp.status().as_u16() });
    resp
}

/// The request as Salesforce answers it when nothing is injected: version, token, allowance.
async fn serve(s: &Shared, data: bool, path: &str, req: Request, next: Next) -> Response {
    if !data {
        return next.run(req).await;
    }
    if !version_ok(path) {
        return not_found();
    }
    if let Err(r) = authorize(s, req.headers()) {
        return r;
    }
    let max = s.settings().api_max;
    // Every data request counts, each page of a query included; at the allowance they stop.
    let counted = s.api_used.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |u| (u < max).then_some(u + 1));
    if counted.is_err() {
        return total_requests_exceeded();
    }
    next.run(req).await
}

fn total_requests_exceeded() -> Response {
    sf_error(StatusCode::FORBIDDEN, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
}

pub(crate) fn invalid_session() -> Response {
    sf_error(StatusCode::UNAUTHORIZED, "INVALID_SESSION_ID", "Session expired or invalid")
}

fn authorize(s: &Shared, headers: &HeaderMap) -> Result<(), Response> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|a| a.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(invalid_session)?;
    match s.tokens().valid.get(token) {
        Some((exp, _)) if *exp > Instant::now() => Ok(()),
        _ => Err(invalid_session()),
    }
}

/// The reply an injected fault makes; `Err` when the request is then served as usual (a slow
/// reply, or tokens expired first).
fn apply(s: &Shared, fault: SfFault, path: &str, query: &str) -> Result<Response, ()> {
    let r = match fault {
        SfFault::ExpireTokens => {
            s.tokens().valid.clear();
            return Err(());
        }
        SfFault::SessionNotForRest => sf_error(
            StatusCode::UNAUTHORIZED,
            "INVALID_SESSION_ID",
            "This session is not valid for use with the REST API",
        ),
        SfFault::TotalRequestsLimit => total_requests_exceeded(),
        SfFault::ConcurrentRequestsLimit => sf_error(
            StatusCode::FORBIDDEN,
            "REQUEST_LIMIT_EXCEEDED",
            "ConcurrentRequests (Concurrent API Requests) Limit exceeded.",
        ),
        SfFault::InvalidQueryLocator => {
            sf_error(StatusCode::BAD_REQUEST, "INVALID_QUERY_LOCATOR", "invalid query locator")
        }
        SfFault::QueryTimeout => {
            sf_error(StatusCode::BAD_REQUEST, "QUERY_TIMEOUT", "Your query request was running for too long.")
        }
        SfFault::ServerUnavailable => {
            sf_error(StatusCode::SERVICE_UNAVAILABLE, "SERVER_UNAVAILABLE", "Server too busy")
        }
        SfFault::UnavailableHtml => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><head><title>Service Not Available</title></head><body>Service Not Available</body></html>",
        )
            .into_response(),
        SfFault::UnknownException => sf_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "UNKNOWN_EXCEPTION",
            "An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345",
        ),
        SfFault::Slow(_) => return Err(()),
        SfFault::DropConnection => {
            let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
                Ok(Bytes::from_static(b"{\"totalSize\":3,\"done\":true,\"records\":[{\"attributes\":")),
                Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "sandbox dropped the connection")),
            ];
            Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from_stream(futures::stream::iter(chunks)))
                .expect("valid response")
        }
        SfFault::MalformedJson => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
            "{\"totalSize\":1,\"done\":true,\"records\":[{\"attributes\":{\"type\":\"Lead\"},\"Id\":\"00Q",
        )
            .into_response(),
        SfFault::RedirectTo(to) => {
            let q = if query.is_empty() { String::new() } else { format!("?{query}") };
            Response::builder()
                .status(StatusCode::TEMPORARY_REDIRECT)
                .header(header::LOCATION, format!("{}{path}{q}", to.trim_end_matches('/')))
                .body(Body::empty())
                .expect("valid response")
        }
    };
    Ok(r)
}
