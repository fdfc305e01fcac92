//! The sandbox's HTTP handlers: Zoho's endpoints, rules and error envelope.
// Handlers return a ready `Response` as their error: that is the reply to send, and boxing it
// would only add noise to a test server.
#![allow(clippy::result_large_err)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Map, Value};

use super::org::{Org, Related, STimelineEntry};
use super::{Fault, FaultRule, LoggedRequest, SharedLog, SharedOrg};
use crate::time::{zoho_text, Stamp};

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
}

/// Where a page token points.
struct Cursor {
    bound: String,
    offset: usize,
    expires: DateTime<Utc>,
}

/// A sorted id list and the org version it was computed for.
type CachedOrder = (u64, Arc<Vec<String>>);

pub struct Shared {
    pub org: SharedOrg,
    pub faults: Mutex<Vec<FaultRule>>,
    pub tokens: Mutex<Tokens>,
    pub log: SharedLog,
    cursors: Mutex<HashMap<String, Cursor>>,
    /// Sorted id lists per query, valid while the org version is unchanged: paging through
    /// 100,000 leads must not re-sort them for every page.
    orders: Mutex<HashMap<String, CachedOrder>>,
    counter: Mutex<u64>,
    /// Requests being handled now, and the most ever at once (to check a client's cap).
    in_flight: std::sync::atomic::AtomicUsize,
    pub max_in_flight: std::sync::atomic::AtomicUsize,
}

impl Shared {
    pub fn new(org: Org) -> Shared {
        Shared {
            org: SharedOrg::new(org),
            faults: Mutex::new(vec![]),
            tokens: Mutex::new(Tokens {
                valid: HashMap::new(),
                refreshes: VecDeque::new(),
                lifetime_secs: 3600,
                reject_refresh: false,
                issued: 0,
                refresh_limit: 10,
                all: vec![],
            }),
            log: Mutex::new(vec![]),
            cursors: Mutex::new(HashMap::new()),
            orders: Mutex::new(HashMap::new()),
            counter: Mutex::new(0),
            in_flight: Default::default(),
            max_in_flight: Default::default(),
        }
    }

    fn unique(&self, prefix: &str) -> String {
        let mut c = self.counter.lock().expect("counter lock");
        *c += 1;
        // Opaque, like Zoho's: a counter mixed so tokens don't look sequential.
        format!("{prefix}{:016x}{:04x}", c.wrapping_mul(0x9E37_79B9_7F4A_7C15), *c & 0xffff)
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

type S = State<Arc<Shared>>;

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/oauth/v2/token", post(token))
        .route("/crm/{version}/users", get(users))
        .route("/crm/{version}/{module}", get(list_records))
        .route("/crm/{version}/{module}/deleted", get(list_deleted))
        .route("/crm/{version}/{module}/{id}/__timeline", get(timeline))
        .fallback(|| async {
            envelope(
                StatusCode::NOT_FOUND,
                "INVALID_URL_PATTERN",
                "Please check if the URL trying to access is a correct one",
                json!({}),
            )
        })
        .layer(middleware::from_fn_with_state(shared.clone(), gate))
        .with_state(shared)
}

fn envelope(status: StatusCode, code: &str, message: &str, details: Value) -> Response {
    (status, axum::Json(json!({"code": code, "details": details, "message": message, "status": "error"})))
        .into_response()
}

fn invalid(param: &str) -> Response {
    envelope(StatusCode::BAD_REQUEST, "INVALID_DATA", "the given data is invalid", json!({"param_name": param}))
}

/// Faults, the sandbox's Date header and the request log, around every handler.
async fn gate(State(s): S, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let method = req.method().to_string();
    use std::sync::atomic::Ordering::SeqCst;
    let now_in = s.in_flight.fetch_add(1, SeqCst) + 1;
    s.max_in_flight.fetch_max(now_in, SeqCst);
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

// ---- OAuth ------------------------------------------------------------------------------------

/// `POST /oauth/v2/token`: parameters in the form body or the query string, as Zoho accepts.
async fn token(State(s): S, uri: Uri, body: Bytes) -> Response {
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
    drop(t);
    let api_domain = uri.authority().map(|a| format!("http://{a}")).unwrap_or_default();
    axum::Json(json!({
        "access_token": access,
        "scope": "ZohoCRM.modules.ALL ZohoCRM.users.READ",
        "api_domain": api_domain,
        "token_type": "Bearer",
        "expires_in": lifetime
    }))
    .into_response()
}

fn authorize(s: &Shared, headers: &HeaderMap) -> Result<(), Response> {
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

// ---- rendering --------------------------------------------------------------------------------

fn zt(org: &Org, t: DateTime<Utc>) -> Value {
    Value::String(zoho_text(t.with_timezone(&org.user_tz).fixed_offset()))
}

fn opt(v: &Option<String>) -> Value {
    v.as_ref().map(|s| Value::String(s.clone())).unwrap_or(Value::Null)
}

fn related(r: &Option<Related>) -> Value {
    r.as_ref().map(|r| json!({"name": r.name, "id": r.id})).unwrap_or(Value::Null)
}

const LEAD_FIELDS: &[&str] = &[
    "First_Name",
    "Last_Name",
    "Full_Name",
    "Company",
    "Email",
    "Phone",
    "Lead_Source",
    "Lead_Status",
    "Owner",
    "Created_Time",
    "Modified_Time",
    "Converted__s",
    "Converted_Date_Time",
    "Appointment_At",
    "Appointment_Date",
    "Rating",
    "Industry",
    "Designation",
    "City",
    "State",
    "Description",
    "Salutation",
    "Mobile",
    "Website",
];
const EVENT_FIELDS: &[&str] = &[
    "Event_Title",
    "Start_DateTime",
    "End_DateTime",
    "All_day",
    "What_Id",
    "$se_module",
    "Modified_Time",
    "Created_Time",
    "Owner",
    "Venue",
    "$event_cancelled",
    "Participants",
];
const APPOINTMENT_FIELDS: &[&str] = &[
    "Appointment_Name",
    "Appointment_Start_Time",
    "Appointment_End_Time",
    "Appointment_For",
    "Status",
    "Modified_Time",
    "Owner",
    "Service_Name",
    "Location",
];

fn known_fields(module: &str) -> Option<&'static [&'static str]> {
    match module {
        "Leads" => Some(LEAD_FIELDS),
        "Events" => Some(EVENT_FIELDS),
        "Appointments__s" => Some(APPOINTMENT_FIELDS),
        _ => None,
    }
}

fn render_lead(org: &Org, id: &str, fields: &[&str]) -> Value {
    let l = &org.leads[id];
    let mut m = Map::new();
    m.insert("id".into(), json!(l.id));
    for f in fields {
        let v = match *f {
            "First_Name" => opt(&l.first_name),
            "Last_Name" => opt(&l.last_name),
            "Full_Name" => opt(&l.full_name()),
            "Company" => opt(&l.company),
            "Email" => opt(&l.email),
            "Phone" => opt(&l.phone),
            "Lead_Source" => opt(&l.lead_source),
            "Lead_Status" => opt(&l.status),
            "Owner" => match &l.owner_id {
                Some(oid) => {
                    let u = org.users.iter().find(|u| &u.id == oid);
                    json!({"name": u.map(|u| u.full_name()), "id": oid, "email": u.map(|u| u.email.clone())})
                }
                None => Value::Null,
            },
            "Created_Time" => zt(org, l.created),
            "Modified_Time" => zt(org, l.modified),
            "Converted__s" => json!(l.converted),
            "Converted_Date_Time" => l.converted_at.map(|t| zt(org, t)).unwrap_or(Value::Null),
            "Appointment_At" => l.appointment_at.map(|t| zt(org, t)).unwrap_or(Value::Null),
            "Appointment_Date" => l
                .appointment_at
                .map(|t| json!(t.with_timezone(&org.user_tz).date_naive().to_string()))
                .unwrap_or(Value::Null),
            _ => Value::Null,
        };
        m.insert(f.to_string(), v);
    }
    for (k, v) in &l.overrides {
        m.insert(k.clone(), v.clone());
    }
    Value::Object(m)
}

fn render_event(org: &Org, id: &str, fields: &[&str]) -> Value {
    let e = &org.events[id];
    let mut m = Map::new();
    m.insert("id".into(), json!(e.id));
    for f in fields {
        let v = match *f {
            "Event_Title" => json!(e.title),
            "Start_DateTime" => zt(org, e.start),
            "End_DateTime" => zt(org, e.end),
            "All_day" => json!(e.all_day),
            "What_Id" => related(&e.what),
            "$se_module" => e.what.as_ref().map(|w| json!(w.module)).unwrap_or(Value::Null),
            "Modified_Time" => zt(org, e.modified),
            "$event_cancelled" => json!(false),
            _ => Value::Null,
        };
        m.insert(f.to_string(), v);
    }
    for (k, v) in &e.overrides {
        m.insert(k.clone(), v.clone());
    }
    Value::Object(m)
}

fn render_appointment(org: &Org, id: &str, fields: &[&str]) -> Value {
    let a = &org.appointments[id];
    let mut m = Map::new();
    m.insert("id".into(), json!(a.id));
    for f in fields {
        let v = match *f {
            "Appointment_Name" => json!(a.name),
            "Appointment_Start_Time" => zt(org, a.start),
            "Appointment_End_Time" => zt(org, a.end),
            "Appointment_For" => a
                .target
                .as_ref()
                .map(|t| json!({"module": {"api_name": t.module, "id": "3652397000000002175"}, "name": t.name, "id": t.id}))
                .unwrap_or(Value::Null),
            "Status" => json!(a.status),
            "Modified_Time" => zt(org, a.modified),
            _ => Value::Null,
        };
        m.insert(f.to_string(), v);
    }
    Value::Object(m)
}

fn render_deleted(org: &Org, idx: &str) -> Value {
    let i: usize = idx.parse().expect("deleted index");
    let d = &org.deleted[i];
    json!({
        "deleted_by": {"name": "Chris Alvarez", "id": "3652397000000000100"},
        "id": d.id,
        "display_name": d.name,
        "type": "recycle",
        "created_by": {"name": "Chris Alvarez", "id": "3652397000000000100"},
        "deleted_time": zt(org, d.deleted),
    })
}

// ---- listing and paging -----------------------------------------------------------------------

fn parse_ims(headers: &HeaderMap) -> Result<Option<DateTime<Utc>>, Response> {
    match headers.get(header::IF_MODIFIED_SINCE).and_then(|v| v.to_str().ok()) {
        None => Ok(None),
        Some(v) => Stamp::parse(v).map(|s| Some(s.utc())).map_err(|_| {
            envelope(
                StatusCode::BAD_REQUEST,
                "INVALID_DATA",
                "invalid If-Modified-Since",
                json!({"header": "If-Modified-Since"}),
            )
        }),
    }
}

/// The window of a sorted list one request asks for, following Zoho's paging rules.
fn window(
    s: &Shared,
    q: &HashMap<String, String>,
    headers: &HeaderMap,
    total: usize,
) -> Result<(usize, usize, usize), Response> {
    let per_page: usize = match q.get("per_page") {
        None => 200,
        Some(v) => match v.parse() {
            Ok(n) if (1..=200).contains(&n) => n,
            _ => return Err(invalid("per_page")),
        },
    };
    let bound = bound_params(q, headers);
    let offset = match (q.get("page"), q.get("page_token")) {
        (Some(_), Some(_)) => {
            return Err(envelope(
                StatusCode::BAD_REQUEST,
                "AMBIGUITY_DURING_PROCESSING",
                "ambiguity while processing the request",
                json!({"ambiguity_due_to": ["page", "page_token"]}),
            ))
        }
        (_, Some(tok)) => {
            let cursors = s.cursors.lock().expect("cursors lock");
            let Some(c) = cursors.get(tok) else {
                return Err(invalid("page_token"));
            };
            if c.bound != bound {
                return Err(envelope(
                    StatusCode::BAD_REQUEST,
                    "TOKEN_BOUND_DATA_MISMATCH",
                    "the page token does not match the other parameters",
                    json!({"param_name": "page_token"}),
                ));
            }
            if c.expires < s.org.read().expect("org lock").now {
                return Err(envelope(
                    StatusCode::BAD_REQUEST,
                    "EXPIRED_VALUE",
                    "the page token has expired",
                    json!({"param_name": "page_token"}),
                ));
            }
            c.offset
        }
        (page, None) => {
            let page: usize = match page.map(|p| p.parse()) {
                None => 1,
                Some(Ok(n)) if n >= 1 => n,
                Some(_) => return Err(invalid("page")),
            };
            if page * per_page > 2000 {
                return Err(envelope(
                    StatusCode::BAD_REQUEST,
                    "DISCRETE_PAGINATION_LIMIT_EXCEEDED",
                    "Cannot fetch more than 2000 records. Please use the page_token for fetching more records.",
                    json!({"limit": 2000}),
                ));
            }
            (page - 1) * per_page
        }
    };
    if offset >= 100_000 {
        return Err(envelope(
            StatusCode::BAD_REQUEST,
            "PAGINATION_LIMIT_EXCEEDED",
            "Cannot fetch more than 100000 records",
            json!({"limit": 100000}),
        ));
    }
    Ok((offset, (offset + per_page).min(total), per_page))
}

/// The parameters a page token is bound to: everything but the page itself.
fn bound_params(q: &HashMap<String, String>, headers: &HeaderMap) -> String {
    let mut kv: Vec<_> = q.iter().filter(|(k, _)| *k != "page" && *k != "page_token").collect();
    kv.sort();
    let ims = headers.get(header::IF_MODIFIED_SINCE).and_then(|v| v.to_str().ok()).unwrap_or("");
    format!("{kv:?}|{ims}")
}

/// Serves one page of `ids` (already filtered and sorted) in Zoho's list shape.
fn page_reply(
    s: &Shared,
    org: &Org,
    q: &HashMap<String, String>,
    headers: &HeaderMap,
    ids: &[String],
    data_key: &str,
    render: impl Fn(&str) -> Value,
) -> Response {
    if ids.is_empty() {
        // Zoho: nothing matches → 204, empty body, no Content-Type.
        return StatusCode::NO_CONTENT.into_response();
    }
    let (from, to, per_page) = match window(s, q, headers, ids.len()) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let data: Vec<Value> = ids.get(from..to).unwrap_or(&[]).iter().map(|id| render(id)).collect();
    let more = to < ids.len();
    let expiry = org.now + Duration::hours(24);
    let next_token = more.then(|| {
        let tok = s.unique("pt");
        s.cursors
            .lock()
            .expect("cursors lock")
            .insert(tok.clone(), Cursor { bound: bound_params(q, headers), offset: to, expires: expiry });
        tok
    });
    let info = json!({
        "call": false,
        "per_page": per_page,
        "next_page_token": next_token,
        "count": data.len(),
        "sort_by": q.get("sort_by").map(String::as_str).unwrap_or("id"),
        "page": from / per_page + 1,
        "previous_page_token": null,
        "page_token_expiry": next_token.as_ref().map(|_| zt(org, expiry)),
        "sort_order": q.get("sort_order").map(String::as_str).unwrap_or("desc"),
        "email": false,
        "more_records": more,
    });
    let mut body = Map::new();
    body.insert(data_key.into(), Value::Array(data));
    body.insert("info".into(), info);
    axum::Json(Value::Object(body)).into_response()
}

/// A cached sorted id list for a query against the current org version.
fn ordered(s: &Shared, org: &Org, key: String, build: impl FnOnce() -> Vec<String>) -> Arc<Vec<String>> {
    let mut cache = s.orders.lock().expect("orders lock");
    if let Some((v, ids)) = cache.get(&key) {
        if *v == org.version {
            return ids.clone();
        }
    }
    let ids = Arc::new(build());
    cache.insert(key, (org.version, ids.clone()));
    ids
}

fn sort_ids(mut rows: Vec<(DateTime<Utc>, String)>, sort_by: &str, desc: bool) -> Vec<String> {
    if sort_by == "id" {
        rows.sort_by(|a, b| (a.1.len(), &a.1).cmp(&(b.1.len(), &b.1)));
    } else {
        rows.sort_by(|a, b| a.0.cmp(&b.0).then((a.1.len(), &a.1).cmp(&(b.1.len(), &b.1))));
    }
    if desc {
        rows.reverse();
    }
    rows.into_iter().map(|r| r.1).collect()
}

async fn list_records(
    State(s): S,
    Path((_version, module)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = authorize(&s, &headers) {
        return r;
    }
    let Some(known) = known_fields(&module) else {
        return envelope(
            StatusCode::BAD_REQUEST,
            "INVALID_MODULE",
            "the module name given seems to be invalid",
            json!({}),
        );
    };
    let Some(fields_param) = q.get("fields").filter(|f| !f.is_empty()) else {
        return envelope(
            StatusCode::BAD_REQUEST,
            "REQUIRED_PARAM_MISSING",
            "One of the expected parameter is missing",
            json!({"param_name": "fields"}),
        );
    };
    let fields: Vec<&str> = fields_param.split(',').map(str::trim).collect();
    if fields.len() > 50 {
        return envelope(
            StatusCode::BAD_REQUEST,
            "LIMIT_EXCEEDED",
            "the number of fields exceeds the limit",
            json!({"param_name": "fields", "limit": 50}),
        );
    }
    if let Some(bad) = fields.iter().find(|f| **f != "id" && !known.contains(f)) {
        return envelope(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            "the field is not available",
            json!({"api_name": bad}),
        );
    }
    let sort_by = q.get("sort_by").map(String::as_str).unwrap_or("id");
    if !matches!(sort_by, "id" | "Created_Time" | "Modified_Time") {
        return invalid("sort_by");
    }
    let desc = match q.get("sort_order").map(String::as_str) {
        None | Some("desc") => true,
        Some("asc") => false,
        Some(_) => return invalid("sort_order"),
    };
    let converted = q.get("converted").map(String::as_str).unwrap_or("false").to_string();
    if !matches!(converted.as_str(), "true" | "false" | "both") {
        return invalid("converted");
    }
    let ims = match parse_ims(&headers) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let org = s.org.read().expect("org lock");
    let key = format!("{module}|{sort_by}|{desc}|{converted}|{ims:?}");
    let ids = ordered(&s, &org, key, || {
        let after = |t: DateTime<Utc>| ims.is_none_or(|i| t > i);
        let key_of = |created: DateTime<Utc>, modified: DateTime<Utc>| {
            if sort_by == "Created_Time" {
                created
            } else {
                modified
            }
        };
        let rows: Vec<(DateTime<Utc>, String)> = match module.as_str() {
            "Leads" => org
                .leads
                .values()
                .filter(|l| match converted.as_str() {
                    "false" => !l.converted,
                    "true" => l.converted,
                    _ => true,
                })
                .filter(|l| after(l.modified))
                .map(|l| (key_of(l.created, l.modified), l.id.clone()))
                .collect(),
            "Events" => org.events.values().filter(|e| after(e.modified)).map(|e| (e.modified, e.id.clone())).collect(),
            _ => org.appointments.values().filter(|a| after(a.modified)).map(|a| (a.modified, a.id.clone())).collect(),
        };
        sort_ids(rows, sort_by, desc)
    });
    if ids.is_empty() && ims.is_some() {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    page_reply(&s, &org, &q, &headers, &ids, "data", |id| match module.as_str() {
        "Leads" => render_lead(&org, id, &fields),
        "Events" => render_event(&org, id, &fields),
        _ => render_appointment(&org, id, &fields),
    })
}

async fn list_deleted(
    State(s): S,
    Path((_version, module)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = authorize(&s, &headers) {
        return r;
    }
    if known_fields(&module).is_none() {
        return envelope(
            StatusCode::BAD_REQUEST,
            "INVALID_MODULE",
            "the module name given seems to be invalid",
            json!({}),
        );
    }
    let ims = match parse_ims(&headers) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let org = s.org.read().expect("org lock");
    let key = format!("{module}/deleted|{ims:?}");
    let ids = ordered(&s, &org, key, || {
        let rows = org
            .deleted
            .iter()
            .enumerate()
            .filter(|(_, d)| d.module == module && ims.is_none_or(|i| d.deleted > i))
            .map(|(i, d)| (d.deleted, i.to_string()))
            .collect();
        sort_ids(rows, "deleted_time", false)
    });
    if ids.is_empty() && ims.is_some() {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    page_reply(&s, &org, &q, &headers, &ids, "data", |i| render_deleted(&org, i))
}

async fn users(
    State(s): S,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = authorize(&s, &headers) {
        return r;
    }
    let ims = match parse_ims(&headers) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let org = s.org.read().expect("org lock");
    let ids: Vec<String> =
        org.users.iter().filter(|u| ims.is_none_or(|i| u.modified > i)).map(|u| u.id.clone()).collect();
    if ids.is_empty() && ims.is_some() {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    page_reply(&s, &org, &q, &headers, &ids, "users", |id| {
        let u = org.users.iter().find(|u| u.id == id).expect("listed user");
        json!({
            "id": u.id,
            "full_name": u.full_name(),
            "first_name": u.first_name,
            "last_name": u.last_name,
            "email": u.email,
            "status": u.status,
            "role": {"name": "Locator", "id": "3652397000000026005"},
            "profile": {"name": "Standard", "id": "3652397000000026014"},
            "time_zone": org.user_tz.name(),
            "Modified_Time": zt(&org, u.modified),
        })
    })
}

fn render_entry(org: &Org, lead_id: &str, e: &STimelineEntry) -> Value {
    let name = org.leads.get(lead_id).and_then(|l| l.full_name()).unwrap_or_default();
    let history: Vec<Value> = e
        .changes
        .iter()
        .enumerate()
        .map(|(i, (field, old, new))| {
            json!({
                "api_name": field,
                "field_label": field.replace('_', " "),
                "data_type": if field == "Lead_Status" { "picklist" } else { "text" },
                "enable_colour_code": false,
                "pick_list_values": [],
                "_value": {"new": new, "old": old},
                "id": format!("{}{}", &e.id[..e.id.len().saturating_sub(1)], i),
            })
        })
        .collect();
    let mut m = json!({
        "done_by": {"name": e.done_by, "id": e.done_by_id},
        "related_record": null,
        "automation_details": null,
        "record": {"module": {"api_name": "Leads", "id": "3652397000000002175"}, "name": name, "id": lead_id},
        "audited_time": zt(org, e.audited),
        "action": e.action,
        "id": e.id,
        "source": "crm_ui",
        "extension": null,
        "type": "audit",
        "field_history": history,
    });
    if let Value::Object(obj) = &mut m {
        for (k, v) in &e.overrides {
            obj.insert(k.clone(), v.clone());
        }
    }
    m
}

async fn timeline(
    State(s): S,
    Path((_version, module, id)): Path<(String, String, String)>,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = authorize(&s, &headers) {
        return r;
    }
    if module != "Leads" {
        return envelope(
            StatusCode::BAD_REQUEST,
            "INVALID_MODULE",
            "the module name given seems to be invalid",
            json!({}),
        );
    }
    if q.contains_key("per_page") && q.contains_key("page_token") {
        return envelope(
            StatusCode::BAD_REQUEST,
            "AMBIGUITY_DURING_PROCESSING",
            "ambiguity while processing the request",
            json!({"ambiguity_due_to": ["per_page", "page_token"]}),
        );
    }
    let org = s.org.read().expect("org lock");
    if !org.leads.contains_key(&id) {
        return envelope(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            "the related id given seems to be invalid",
            json!({"resource_path_index": 2}),
        );
    }
    let mut entries: Vec<&STimelineEntry> = org.timeline.get(&id).map(|v| v.iter().collect()).unwrap_or_default();
    if entries.is_empty() {
        return StatusCode::NO_CONTENT.into_response();
    }
    // Paging: per_page and sort order on the first request (default 20 a page, at most 200,
    // newest first); later pages send only the token, which remembers all three.
    let (offset, per_page, desc) = match q.get("page_token") {
        Some(tok) => {
            let cursors = s.cursors.lock().expect("cursors lock");
            let Some(c) = cursors.get(tok) else {
                return invalid("page_token");
            };
            let parts: Vec<&str> = c.bound.split('|').collect();
            let (Some(&"timeline"), Some(tid), Some(desc), Some(pp)) =
                (parts.first(), parts.get(1), parts.get(2), parts.get(3))
            else {
                return invalid("page_token");
            };
            let desc = *desc == "true";
            let asked = q.get("sort_order").map(|o| o != "asc");
            if *tid != id || asked.is_some_and(|a| a != desc) {
                return envelope(
                    StatusCode::BAD_REQUEST,
                    "TOKEN_BOUND_DATA_MISMATCH",
                    "the page token does not match",
                    json!({"param_name": "page_token"}),
                );
            }
            (c.offset, pp.parse().unwrap_or(20), desc)
        }
        None => {
            let desc = q.get("sort_order").map(String::as_str) != Some("asc");
            match q.get("per_page").map(|p| p.parse::<usize>()) {
                None => (0, 20, desc),
                Some(Ok(n)) if (1..=200).contains(&n) => (0, n, desc),
                Some(_) => return invalid("per_page"),
            }
        }
    };
    entries.sort_by(|a, b| a.audited.cmp(&b.audited).then(a.id.cmp(&b.id)));
    if desc {
        entries.reverse();
    }
    let to = (offset + per_page).min(entries.len());
    let data: Vec<Value> = entries[offset.min(to)..to].iter().map(|e| render_entry(&org, &id, e)).collect();
    let more = to < entries.len();
    let next = more.then(|| {
        let tok = s.unique("tl");
        s.cursors.lock().expect("cursors lock").insert(
            tok.clone(),
            Cursor {
                bound: format!("timeline|{id}|{desc}|{per_page}"),
                offset: to,
                expires: org.now + Duration::hours(24),
            },
        );
        tok
    });
    axum::Json(json!({
        "__timeline": data,
        "info": {"per_page": per_page, "next_page_token": next, "count": to - offset.min(to), "page": offset / per_page + 1, "previous_page_token": null, "more_records": more}
    }))
    .into_response()
}
