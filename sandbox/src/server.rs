//! The sandbox's HTTP front: shared state, routes, the gate every request passes (faults,
//! hooks, the Date header, the request log), the OAuth token endpoint and Zoho's error envelope.
//! The list endpoints live in `listing`, the JSON shapes in `render`, the routes in `mod.rs`.
// Handlers return a ready `Response` as their error: that is the reply to send, and boxing it
// would only add noise to a test server.
#![allow(clippy::result_large_err)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::org::{Org, ID_BASE};
use super::render::zt;
use super::{Endless, Fault, FaultRule, Hook, LoggedRequest, OrgEdit, SharedLog, SharedOrg, INVALID_UTF8};

pub struct Tokens {
    pub valid: HashMap<String, Instant>,
    pub refreshes: VecDeque<Instant>,
    pub lifetime_secs: u64,
    pub reject_refresh: bool,
    pub issued: usize,
    /// Refreshes allowed per refresh token in any 10 minutes (Zoho: 10).
    pub refresh_limit: usize,
    /// Every access token ever issued, so tests can prove none leaked.
    pub all: Vec<String>,
    /// Keys merged into every token reply.
    pub reply_extra: Map<String, Value>,
}

/// Where a page token points.
pub(super) struct Cursor {
    pub bound: String,
    pub offset: usize,
    pub expires: DateTime<Utc>,
}

/// A sorted id list and the org version it was computed for.
type CachedOrder = (u64, Arc<Vec<String>>);

pub struct Shared {
    pub org: SharedOrg,
    pub faults: Mutex<Vec<FaultRule>>,
    pub hooks: Mutex<Vec<Hook>>,
    pub tokens: Mutex<Tokens>,
    pub log: SharedLog,
    pub(super) cursors: Mutex<HashMap<String, Cursor>>,
    /// Sorted id lists per query, valid while the org version is unchanged: paging through
    /// 100,000 leads must not re-sort them for every page.
    pub(super) orders: Mutex<HashMap<String, CachedOrder>>,
    pub(super) counter: Mutex<u64>,
    /// Fields an admin deleted from the org (module, api name): see `fields.rs`.
    pub(super) removed_fields: Mutex<std::collections::BTreeSet<(String, String)>>,
    /// The scopes the refresh token was granted: the token reply's `scope`, and what the
    /// write-back endpoints check (see `require_scope`).
    pub(super) granted_scopes: Mutex<String>,
    /// The token lacks ZohoCRM.settings.roles.READ (see `roles.rs`).
    pub(super) roles_denied: std::sync::atomic::AtomicBool,
    /// Requests being handled now, and the most ever at once (to check a client's cap).
    in_flight: std::sync::atomic::AtomicUsize,
    pub max_in_flight: std::sync::atomic::AtomicUsize,
}

impl Shared {
    pub fn new(org: Org) -> Shared {
        Shared {
            org: SharedOrg::new(org),
            faults: Mutex::new(vec![]),
            hooks: Mutex::new(vec![]),
            tokens: Mutex::new(Tokens {
                valid: HashMap::new(),
                refreshes: VecDeque::new(),
                lifetime_secs: 3600,
                reject_refresh: false,
                issued: 0,
                refresh_limit: 10,
                all: vec![],
                reply_extra: Map::new(),
            }),
            log: Mutex::new(vec![]),
            cursors: Mutex::new(HashMap::new()),
            orders: Mutex::new(HashMap::new()),
            counter: Mutex::new(0),
            removed_fields: Mutex::new(Default::default()),
            granted_scopes: Mutex::new(DEFAULT_SCOPES.to_string()),
            roles_denied: Default::default(),
            in_flight: Default::default(),
            max_in_flight: Default::default(),
        }
    }

    pub(super) fn unique(&self, prefix: &str) -> String {
        let mut c = self.counter.lock().expect("counter lock");
        *c += 1;
        // Opaque, like Zoho's: a counter mixed so tokens don't look sequential.
        format!("{prefix}{:016x}{:04x}", c.wrapping_mul(0x9E37_79B9_7F4A_7C15), *c & 0xffff)
    }

    /// The org edit due before this request, if any.
    fn take_hook(&self, target: &str) -> Option<OrgEdit> {
        let mut hooks = self.hooks.lock().expect("hooks lock");
        for h in hooks.iter_mut().filter(|h| h.edit.is_some() && target.contains(h.path_contains.as_str())) {
            if h.skip > 0 {
                h.skip -= 1;
                continue;
            }
            return h.edit.take();
        }
        None
    }

    fn take_fault(&self, path: &str) -> Option<Fault> {
        let mut rules = self.faults.lock().expect("faults lock");
        for r in rules.iter_mut() {
            let hit = match &r.path_contains {
                Some(p) => path.contains(p.as_str()),
                None => path.starts_with("/crm/"),
            };
            if !hit || r.times == 0 {
                continue;
            }
            if r.skip > 0 {
                r.skip -= 1;
                continue;
            }
            if r.times != u32::MAX {
                r.times -= 1;
            }
            return Some(r.fault.clone());
        }
        None
    }
}

pub(super) type S = State<Arc<Shared>>;

/// What the sandbox grants unless a test says otherwise: every module, read and write.
pub(super) const DEFAULT_SCOPES: &str = "ZohoCRM.modules.ALL ZohoCRM.users.READ";

pub(super) fn envelope(status: StatusCode, code: &str, message: &str, details: Value) -> Response {
    (status, axum::Json(json!({"code": code, "details": details, "message": message, "status": "error"})))
        .into_response()
}

pub(super) fn invalid(param: &str) -> Response {
    envelope(StatusCode::BAD_REQUEST, "INVALID_DATA", "the given data is invalid", json!({"param_name": param}))
}

/// Faults, the sandbox's Date header and the request log, around every handler.
pub(super) async fn gate(State(s): S, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let method = req.method().to_string();
    use std::sync::atomic::Ordering::SeqCst;
    let now_in = s.in_flight.fetch_add(1, SeqCst) + 1;
    s.max_in_flight.fetch_max(now_in, SeqCst);
    if let Some(edit) = s.take_hook(&format!("{path}?{query}")) {
        edit(&mut s.org.write().expect("org lock"));
    }
    let mut resp = match s.take_fault(&path) {
        Some(Fault::TooManyRequests { retry_after }) => {
            let mut r = envelope(
                StatusCode::TOO_MANY_REQUESTS,
                "TOO_MANY_REQUESTS",
                "Number of API requests per minute/day has exceeded the limit",
                json!({}),
            );
            if let Some(secs) = retry_after {
                r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            r
        }
        Some(Fault::ServerError) => {
            envelope(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR", "Internal server error occurred.", json!({}))
        }
        Some(Fault::Slow(d)) => {
            tokio::time::sleep(d).await;
            next.run(req).await
        }
        Some(Fault::LateReply(d)) => {
            // The handler runs (a write lands); only the answer comes too late.
            let r = next.run(req).await;
            tokio::time::sleep(d).await;
            r
        }
        Some(Fault::DropConnection) => {
            let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
                Ok(Bytes::from_static(b"{\"data\":[{\"id\":\"1\",")),
                Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "sandbox dropped the connection")),
            ];
            Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from_stream(futures::stream::iter(chunks)))
                .expect("valid response")
        }
        Some(Fault::MalformedJson) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
            "{\"data\":[{\"id\":\"3652397000000000001\",\"Last_Name\":\"Tru",
        )
            .into_response(),
        Some(Fault::NoContent) => StatusCode::NO_CONTENT.into_response(),
        Some(Fault::ExpireTokens) => {
            s.tokens.lock().expect("tokens lock").valid.clear();
            next.run(req).await
        }
        Some(Fault::BadGateway) => (
            StatusCode::BAD_GATEWAY,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
        )
            .into_response(),
        Some(Fault::ErrorWith200 { code, message }) => {
            (StatusCode::OK, axum::Json(json!({"code": code, "details": {}, "message": message, "status": "error"})))
                .into_response()
        }
        Some(Fault::RedirectTo(to)) => {
            let target = format!(
                "{}{path}{}",
                to.trim_end_matches('/'),
                if query.is_empty() { String::new() } else { format!("?{query}") }
            );
            Response::builder()
                .status(StatusCode::TEMPORARY_REDIRECT)
                .header(header::LOCATION, target)
                .body(Body::empty())
                .expect("valid response")
        }
        Some(Fault::EndlessPages(kind)) => endless_page(&s, &path, &kind),
        None => next.run(req).await,
    };
    let now = s.org.read().expect("org lock").now;
    if let Ok(v) = HeaderValue::from_str(&httpdate::fmt_http_date(now.into())) {
        resp.headers_mut().insert(header::DATE, v);
    }
    s.log.lock().expect("log lock").push(LoggedRequest { method, path, query, status: resp.status().as_u16() });
    s.in_flight.fetch_sub(1, SeqCst);
    resp
}

/// One page of a list that never ends: `more_records` is always true.
fn endless_page(s: &Shared, path: &str, kind: &Endless) -> Response {
    let now = {
        let org = s.org.read().expect("org lock");
        zt(&org, org.now)
    };
    let key = if path.ends_with("__timeline") {
        "__timeline"
    } else if path.ends_with("/users") {
        "users"
    } else {
        "data"
    };
    let records: Vec<Value> = match kind {
        Endless::EmptyPages => vec![],
        Endless::FreshTokens | Endless::SameToken => (0..200)
            .map(|_| {
                let n = {
                    let mut c = s.counter.lock().expect("counter lock");
                    *c += 1;
                    *c
                };
                // Readable as a lead, an event, a user or a timeline entry, so only the paging
                // can stop the client.
                json!({"id": (ID_BASE + 500_000_000 + n).to_string(), "Last_Name": "Loop", "Modified_Time": now, "audited_time": now, "field_history": null})
            })
            .collect(),
    };
    let token = match kind {
        Endless::SameToken => "ptSAMEAGAIN".to_string(),
        _ => s.unique("pt"),
    };
    let mut body = Map::new();
    body.insert(key.into(), Value::Array(records));
    body.insert("info".into(), json!({"per_page": 200, "more_records": true, "next_page_token": token, "count": 200}));
    axum::Json(Value::Object(body)).into_response()
}

/// A JSON reply, with every `INVALID_UTF8` marker replaced by a raw 0xFF byte.
pub(super) fn json_bytes(v: &Value) -> Response {
    let text = serde_json::to_string(v).unwrap_or_default();
    let bytes: Vec<u8> = if text.contains(INVALID_UTF8) {
        let parts: Vec<&[u8]> = text.split(INVALID_UTF8).map(str::as_bytes).collect();
        parts.join(&[0xFFu8][..])
    } else {
        text.into_bytes()
    };
    ([(header::CONTENT_TYPE, "application/json;charset=UTF-8")], bytes).into_response()
}

// ---- OAuth ------------------------------------------------------------------------------------

/// `POST /oauth/v2/token`: parameters in the form body or the query string, as Zoho accepts.
pub(super) async fn token(State(s): S, uri: Uri, body: Bytes) -> Response {
    let mut p: HashMap<String, String> =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()).into_owned().collect();
    p.extend(url::form_urlencoded::parse(&body).into_owned());
    let get = |k: &str| p.get(k).map(String::as_str).unwrap_or("");
    // Zoho reports token errors with HTTP 200 and an `error` field.
    let err = |code: &str| (StatusCode::OK, axum::Json(json!({"error": code}))).into_response();
    if get("grant_type") != "refresh_token" {
        return err("unsupported_grant_type");
    }
    if get("client_id") != super::CLIENT_ID {
        return err("invalid_client");
    }
    if get("client_secret") != super::CLIENT_SECRET {
        return err("invalid_client_secret");
    }
    let mut t = s.tokens.lock().expect("tokens lock");
    if t.reject_refresh || get("refresh_token") != super::REFRESH_TOKEN {
        return err("invalid_code");
    }
    let now = Instant::now();
    while t.refreshes.front().is_some_and(|r| now.duration_since(*r).as_secs() >= 600) {
        t.refreshes.pop_front();
    }
    if t.refreshes.len() >= t.refresh_limit {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({
                "error": "Access Denied",
                "error_description": "You have made too many requests continuously. Please try again after some time."
            })),
        )
            .into_response();
    }
    t.refreshes.push_back(now);
    t.issued += 1;
    let access = format!("1000.{}", s.unique("sbx"));
    t.all.push(access.clone());
    let lifetime = t.lifetime_secs;
    t.valid.insert(access.clone(), now + std::time::Duration::from_secs(lifetime));
    let extra = t.reply_extra.clone();
    drop(t);
    let api_domain = uri.authority().map(|a| format!("http://{a}")).unwrap_or_default();
    let mut reply = json!({
        "access_token": access,
        "scope": s.granted_scopes.lock().expect("scopes lock").clone(),
        "api_domain": api_domain,
        "token_type": "Bearer",
        "expires_in": lifetime
    });
    if let Value::Object(o) = &mut reply {
        o.extend(extra);
    }
    axum::Json(reply).into_response()
}

pub(super) fn authorize(s: &Shared, headers: &HeaderMap) -> Result<(), Response> {
    let Some(auth) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return Err(envelope(StatusCode::UNAUTHORIZED, "AUTHENTICATION_FAILURE", "Authentication failed", json!({})));
    };
    let Some(tok) = auth.strip_prefix("Zoho-oauthtoken ") else {
        return Err(envelope(StatusCode::UNAUTHORIZED, "AUTHENTICATION_FAILURE", "Authentication failed", json!({})));
    };
    let t = s.tokens.lock().expect("tokens lock");
    match t.valid.get(tok.trim()) {
        Some(exp) if *exp > Instant::now() => Ok(()),
        _ => Err(envelope(StatusCode::UNAUTHORIZED, "INVALID_TOKEN", "invalid oauth token", json!({}))),
    }
}

/// Refuses the request unless the grant covers `needed` (e.g. `ZohoCRM.modules.notes.CREATE`).
///
/// Kept simple, as documented in Zoho's scope pages: the scope itself, the module's `ALL`, the
/// module's `WRITE` for a CREATE/UPDATE/DELETE, the family's `ALL` (`ZohoCRM.settings.ALL`), or
/// `ZohoCRM.modules.ALL` (the sandbox's default grant, so it reads everything); case does not
/// matter. The grant is the one set now (`Sandbox::set_granted_scopes`), not the one a token
/// was issued under. Only the write-back's endpoints check it, so the sync reads as before.
pub(super) fn require_scope(s: &Shared, needed: &str) -> Result<(), Response> {
    let grant = s.granted_scopes.lock().expect("scopes lock").to_ascii_lowercase();
    let set: std::collections::BTreeSet<&str> = grant.split(|c: char| c.is_whitespace() || c == ',').collect();
    let needed_l = needed.to_ascii_lowercase();
    let (base, op) = needed_l.rsplit_once('.').unwrap_or((needed_l.as_str(), ""));
    let writes = matches!(op, "create" | "update" | "delete");
    // The family's ALL (`ZohoCRM.settings.ALL` for `ZohoCRM.settings.fields.READ`).
    let family = needed_l.splitn(3, '.').take(2).collect::<Vec<_>>().join(".");
    let covered = set.contains(needed_l.as_str())
        || set.contains(format!("{family}.all").as_str())
        || set.contains(format!("{base}.all").as_str())
        || (writes && set.contains(format!("{base}.write").as_str()))
        || set.contains("zohocrm.modules.all");
    if covered {
        Ok(())
    } else {
        Err(envelope(
            StatusCode::UNAUTHORIZED,
            "OAUTH_SCOPE_MISMATCH",
            "invalid oauth scope to access this URL",
            json!({}),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_is_covered_by_itself_its_module_all_or_write_and_modules_all() {
        let s = Shared::new(Org::empty(chrono::Utc::now(), chrono_tz::UTC));
        let covered = |grant: &str, needed: &str| {
            *s.granted_scopes.lock().unwrap() = grant.to_string();
            require_scope(&s, needed).is_ok()
        };
        assert!(covered(DEFAULT_SCOPES, "ZohoCRM.modules.notes.CREATE"));
        assert!(covered("zohocrm.modules.notes.create", "ZohoCRM.modules.notes.CREATE"));
        assert!(covered("ZohoCRM.modules.notes.ALL", "ZohoCRM.modules.notes.READ"));
        assert!(covered("ZohoCRM.modules.leads.WRITE", "ZohoCRM.modules.leads.UPDATE"));
        assert!(!covered("ZohoCRM.modules.leads.WRITE", "ZohoCRM.modules.leads.READ"));
        assert!(!covered("ZohoCRM.modules.notes.READ ZohoCRM.users.READ", "ZohoCRM.modules.notes.CREATE"));
        assert!(!covered("ZohoCRM.modules.leads.ALL", "ZohoCRM.modules.tasks.CREATE"));
        let refused = {
            *s.granted_scopes.lock().unwrap() = "ZohoCRM.users.READ".into();
            require_scope(&s, "ZohoCRM.modules.tasks.CREATE").unwrap_err()
        };
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    }
}
