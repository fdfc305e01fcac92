//! The write-back endpoints (reference/zoho-api-more.md §9 and §11): what every write shares —
//! the `data[]` body (at most 100 records) and its `trigger`, one result per record in input
//! order, Zoho's per-record error and success entries, the HTTP status for the whole reply —
//! plus paging for the related lists the client reads back. Updates live in `update`, notes in
//! `notes`, tasks and the activities view in `tasks`.
//!
//! HTTP status of a reply (Zoho leaves the mixed case undocumented, reference §13): every record
//! written → 200 (update) or 201 (insert); one record refused → that refusal's status (400,
//! or 412 for `ALREADY_MODIFIED`), with the `data[]` entry as the body; several records, all
//! refused → 400; some written and some not → 202.
// Handlers return a ready `Response` as their error: that is the reply to send.
#![allow(clippy::result_large_err)]

pub(crate) mod notes;
pub(crate) mod tasks;
mod update;

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use crate::org::Org;
use crate::render::zt;
use crate::server::{authorize, envelope, invalid, json_bytes, require_scope, Shared, S};
pub(crate) use update::{read_one, update_many, update_one};

/// One record's result: the status it alone would get, and its `data[]` entry.
pub(crate) type Entry = (StatusCode, Value);

/// The Leads module's id in this org (as `render` writes it in lookups).
pub(crate) const LEADS_MODULE_ID: &str = "3652397000000002175";

/// Zoho's most records in one write.
const MAX_RECORDS: usize = 100;

pub(crate) fn refuse(status: StatusCode, code: &str, message: &str, details: Value) -> Entry {
    (status, json!({"code": code, "details": details, "message": message, "status": "error"}))
}

/// `MANDATORY_NOT_FOUND` for `field` of record `i`.
pub(crate) fn missing(i: usize, field: &str) -> Entry {
    refuse(
        StatusCode::BAD_REQUEST,
        "MANDATORY_NOT_FOUND",
        "required field not found",
        json!({"api_name": field, "json_path": format!("$.data[{i}].{field}")}),
    )
}

/// `INVALID_DATA` naming `field` of record `i`.
pub(crate) fn bad(i: usize, field: &str, message: &str) -> Entry {
    refuse(
        StatusCode::BAD_REQUEST,
        "INVALID_DATA",
        message,
        json!({"api_name": field, "json_path": format!("$.data[{i}].{field}")}),
    )
}

/// `{name, id}` of a user, as Zoho writes `Modified_By`/`Created_By`.
fn user_ref(org: &Org, id: &str) -> Value {
    json!({"name": org.user_name(id), "id": id})
}

/// The success entry of a written record.
pub(crate) fn written(
    org: &Org,
    id: &str,
    created: (DateTime<Utc>, &str),
    modified: (DateTime<Utc>, &str),
    message: &str,
    extra: &[(&str, Value)],
) -> Entry {
    let mut details = Map::new();
    details.insert("Modified_Time".into(), zt(org, modified.0));
    details.insert("Modified_By".into(), user_ref(org, modified.1));
    details.insert("Created_Time".into(), zt(org, created.0));
    details.insert("id".into(), json!(id));
    details.insert("Created_By".into(), user_ref(org, created.1));
    for (k, v) in extra {
        details.insert(k.to_string(), v.clone());
    }
    (StatusCode::OK, json!({"code": "SUCCESS", "details": details, "message": message, "status": "success"}))
}

/// The records of a write body and whether its `trigger` lets the workflow rule run (absent =
/// all automation runs; `[]` = none).
pub(crate) fn records(body: &Bytes) -> Result<(Vec<Value>, bool), Response> {
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(body) else {
        return Err(envelope(StatusCode::BAD_REQUEST, "INVALID_DATA", "body", json!({})));
    };
    let data = match body.get("data") {
        Some(Value::Array(d)) if !d.is_empty() => d.clone(),
        Some(_) => return Err(invalid("data")),
        None => {
            return Err(envelope(
                StatusCode::BAD_REQUEST,
                "MANDATORY_NOT_FOUND",
                "required field not found",
                json!({"api_name": "data", "json_path": "$.data"}),
            ))
        }
    };
    if data.len() > MAX_RECORDS {
        return Err(envelope(
            StatusCode::BAD_REQUEST,
            "LIMIT_EXCEEDED",
            "the number of records exceeds the limit",
            json!({"limit": MAX_RECORDS}),
        ));
    }
    let workflow = match body.get("trigger") {
        None => true,
        Some(Value::Array(t)) => t.iter().any(|x| x.as_str() == Some("workflow")),
        Some(_) => return Err(invalid("trigger")),
    };
    Ok((data, workflow))
}

/// The reply for a whole write (see the file comment for the status).
pub(crate) fn reply(results: Vec<Entry>, all_ok: StatusCode) -> Response {
    let ok = results.iter().filter(|(_, e)| e["status"] == "success").count();
    let status = if ok == results.len() {
        all_ok
    } else if results.len() == 1 {
        results[0].0
    } else if ok == 0 {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::ACCEPTED
    };
    let data: Vec<Value> = results.into_iter().map(|(_, e)| e).collect();
    (status, axum::Json(json!({"data": data}))).into_response()
}

/// A record id given as text or a number.
pub(crate) fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A lookup's id: `{"id": …}` or the bare id.
pub(crate) fn lookup_id(v: &Value) -> Option<String> {
    match v {
        Value::Object(o) => o.get("id").and_then(id_text),
        other => id_text(other),
    }
}

/// The `fields` a related list requires (400 `REQUIRED_PARAM_MISSING` without it).
fn required_fields(q: &HashMap<String, String>) -> Result<Vec<String>, Response> {
    match q.get("fields").filter(|f| !f.trim().is_empty()) {
        Some(f) => Ok(f.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect()),
        None => Err(envelope(
            StatusCode::BAD_REQUEST,
            "REQUIRED_PARAM_MISSING",
            "One of the expected parameter is missing",
            json!({"param_name": "fields"}),
        )),
    }
}

/// `GET /crm/{v}/{module}/{id}/<related list>?fields=…`: the token and its `scope`, the
/// required `fields`, a parent lead (or deal) that exists, then one page of what `items` lists for it.
pub(crate) fn related_list(
    s: &Shared,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
    scope: &str,
    (module, id): (&str, &str),
    items: impl FnOnce(&Org, &[String]) -> Vec<Value>,
) -> Response {
    if let Err(r) = authorize(s, headers) {
        return r;
    }
    if let Err(r) = require_scope(s, scope) {
        return r;
    }
    let fields = match required_fields(q) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let org = s.org.read().expect("org lock");
    let parent = match module {
        "Leads" => org.leads.contains_key(id),
        "Deals" => org.sales.deals.contains_key(id),
        _ => false,
    };
    if !parent {
        return envelope(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            "the related id given seems to be invalid",
            json!({"resource_path_index": 2}),
        );
    }
    let found = items(&org, &fields);
    related_page(q, found)
}

/// One page of a related list (`page` from 1, `per_page` ≤ 200), 204 when it is empty.
fn related_page(q: &HashMap<String, String>, items: Vec<Value>) -> Response {
    if items.is_empty() {
        return StatusCode::NO_CONTENT.into_response();
    }
    let per_page: usize = match q.get("per_page").map(|v| v.parse()) {
        None => 200,
        Some(Ok(n)) if (1..=200).contains(&n) => n,
        Some(_) => return invalid("per_page"),
    };
    let page: usize = match q.get("page").map(|v| v.parse()) {
        None => 1,
        Some(Ok(n)) if n >= 1 => n,
        Some(_) => return invalid("page"),
    };
    let from = (page - 1).saturating_mul(per_page).min(items.len());
    let to = (from + per_page).min(items.len());
    let more = to < items.len();
    let data: Vec<Value> = items[from..to].to_vec();
    let info = json!({"per_page": per_page, "count": data.len(), "page": page, "more_records": more});
    json_bytes(&json!({"data": data, "info": info}))
}

/// `POST /crm/{v}/{module}`: the modules the write-back inserts into.
pub(crate) async fn insert(
    State(s): S,
    Path((_version, module)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match module.as_str() {
        "Notes" => notes::create(&s, None, &headers, &body),
        "Tasks" => tasks::create(&s, &headers, &body),
        _ => envelope(
            StatusCode::BAD_REQUEST,
            "NOT_SUPPORTED",
            "the sandbox inserts only Notes and Tasks",
            json!({"module": module}),
        ),
    }
}
