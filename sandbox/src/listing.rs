//! The sandbox's list endpoints and Zoho's paging rules: `fields`, 200 a page, `page` up to
//! 2,000 records then `page_token` (bound to the other parameters), 204/304, `/deleted`,
//! `/users` and `__timeline`. Positions are recomputed from the org on every request, so a
//! record edited between two pages really moves to the end of the Modified_Time order.
// Handlers return a ready `Response` as their error: that is the reply to send.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Map, Value};

use super::org::{Org, STimelineEntry};
use super::render::{known_fields, render_appointment, render_deleted, render_entry, render_event, render_lead, zt};
use super::roles::user_extras;
use super::sales::listing::{self as sales, read_scope};
use super::server::{authorize, envelope, invalid, json_bytes, require_scope, Cursor, Shared, S};

fn parse_ims(headers: &HeaderMap) -> Result<Option<DateTime<Utc>>, Response> {
    match headers.get(header::IF_MODIFIED_SINCE).and_then(|v| v.to_str().ok()) {
        None => Ok(None),
        Some(v) => DateTime::parse_from_rfc3339(v.trim()).map(|t| Some(t.with_timezone(&Utc))).map_err(|_| {
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
    json_bytes(&Value::Object(body))
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

pub(super) async fn list_records(
    State(s): S,
    Path((_version, module)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = authorize(&s, &headers) {
        return r;
    }
    if let Some(Err(r)) = read_scope(&module).map(|scope| require_scope(&s, scope)) {
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
    if let Some(bad) = fields.iter().find(|f| **f != "id" && !super::fields::exists(&s, &module, known, f)) {
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
            "Appointments__s" => {
                org.appointments.values().filter(|a| after(a.modified)).map(|a| (a.modified, a.id.clone())).collect()
            }
            _ => sales::rows(&org, &module, after)
                .unwrap_or_default()
                .into_iter()
                .map(|(created, modified, key)| (key_of(created, modified), key))
                .collect(),
        };
        sort_ids(rows, sort_by, desc)
    });
    if ids.is_empty() && ims.is_some() {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    page_reply(&s, &org, &q, &headers, &ids, "data", |id| match module.as_str() {
        "Leads" => render_lead(&org, id, &fields),
        "Events" => render_event(&org, id, &fields),
        "Appointments__s" => render_appointment(&org, id, &fields),
        _ => sales::record(&org, &module, id, &fields),
    })
}

pub(super) async fn list_deleted(
    State(s): S,
    Path((_version, module)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = authorize(&s, &headers) {
        return r;
    }
    if let Some(Err(r)) = read_scope(&module).map(|scope| require_scope(&s, scope)) {
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

pub(super) async fn users(
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
        let mut v = json!({
            "id": u.id,
            "full_name": u.full_name(),
            "first_name": u.first_name,
            "last_name": u.last_name,
            "email": u.email,
            "status": u.status,
            "time_zone": org.user_tz.name(),
            "Modified_Time": zt(&org, u.modified),
        });
        if let (Value::Object(o), Value::Object(x)) =
            (&mut v, user_extras(&org, u.role_id.as_deref(), &u.profile, u.reporting_to.as_deref()))
        {
            o.extend(x);
        }
        v
    })
}

pub(super) async fn timeline(
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
