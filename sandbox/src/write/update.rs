//! `GET /{module}/{id}` (one lead, drawn exactly as the list draws it) and `PUT /{module}` /
//! `PUT /{module}/{id}`: Zoho's update with `If-Unmodified-Since`, locks, validation rules,
//! lookups that must point at active users, the emulated workflow rule, and a timeline entry
//! for what Zoho audits (owner and stage).
// Handlers return a ready `Response` as their error: that is the reply to send.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SubsecRound, Utc};
use serde_json::{json, Map, Value};

use super::{bad, lookup_id, missing, records, refuse, reply, written, Entry};
use crate::org::{LeadText, Org};
use crate::render::{known_fields, render_lead};
use crate::server::{authorize, envelope, json_bytes, require_scope, Shared, S};

/// The lead fields an update may set: the owner lookup, the stage and plain text.
const TEXT_FIELDS: &[&str] = &["Lead_Status", "First_Name", "Last_Name", "Company", "Email", "Phone", "Lead_Source"];

fn invalid_module() -> Response {
    envelope(StatusCode::BAD_REQUEST, "INVALID_MODULE", "the module name given seems to be invalid", json!({}))
}

/// `GET /crm/{v}/{module}/{id}`: `{"data":[record]}` with the list's rendering; `fields` is
/// optional (all fields without it). A record that does not exist (or was deleted) answers
/// 204 — Zoho answers 204 or `INVALID_DATA` there; the sandbox picks 204.
pub(crate) async fn read_one(
    State(s): S,
    Path((_version, module, id)): Path<(String, String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = authorize(&s, &headers) {
        return r;
    }
    if module != "Leads" {
        return invalid_module();
    }
    if let Err(r) = require_scope(&s, "ZohoCRM.modules.leads.READ") {
        return r;
    }
    let known = known_fields("Leads").unwrap_or(&[]);
    let fields: Vec<&str> = match q.get("fields").filter(|f| !f.trim().is_empty()) {
        Some(f) => f.split(',').map(str::trim).collect(),
        None => known.to_vec(),
    };
    if let Some(bad) = fields.iter().find(|f| **f != "id" && !known.contains(f)) {
        return envelope(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            "the field is not available",
            json!({"api_name": bad}),
        );
    }
    let org = s.org.read().expect("org lock");
    if !org.leads.contains_key(&id) {
        return StatusCode::NO_CONTENT.into_response();
    }
    json_bytes(&json!({"data": [render_lead(&org, &id, &fields)]}))
}

pub(crate) async fn update_one(
    State(s): S,
    Path((_version, module, id)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    update(&s, &module, Some(&id), &headers, &body)
}

pub(crate) async fn update_many(
    State(s): S,
    Path((_version, module)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    update(&s, &module, None, &headers, &body)
}

fn update(s: &Shared, module: &str, url_id: Option<&str>, headers: &HeaderMap, body: &Bytes) -> Response {
    if let Err(r) = authorize(s, headers) {
        return r;
    }
    if module != "Leads" {
        return invalid_module();
    }
    if let Err(r) = require_scope(s, "ZohoCRM.modules.leads.UPDATE") {
        return r;
    }
    let (data, workflow) = match records(body) {
        Ok(r) => r,
        Err(r) => return r,
    };
    // ISO-8601 with an offset, as Zoho wants it (not an HTTP-date).
    let since = match headers.get(header::IF_UNMODIFIED_SINCE).map(|v| v.to_str().map(str::trim)) {
        None => None,
        Some(Ok(v)) => match DateTime::parse_from_rfc3339(v) {
            Ok(t) => Some(t.with_timezone(&Utc)),
            Err(_) => return bad_header(),
        },
        Some(Err(_)) => return bad_header(),
    };
    let mut org = s.org.write().expect("org lock");
    let results: Vec<Entry> =
        data.iter().enumerate().map(|(i, rec)| update_record(&mut org, i, rec, url_id, since, workflow)).collect();
    reply(results, StatusCode::OK)
}

fn bad_header() -> Response {
    envelope(
        StatusCode::BAD_REQUEST,
        "INVALID_DATA",
        "invalid If-Unmodified-Since",
        json!({"header": "If-Unmodified-Since"}),
    )
}

/// One change an update asks for, checked before anything is applied.
enum Change {
    Owner(String),
    Text(String, Option<String>),
}

fn update_record(
    org: &mut Org,
    i: usize,
    rec: &Value,
    url_id: Option<&str>,
    since: Option<DateTime<Utc>>,
    workflow: bool,
) -> Entry {
    let Some(obj) = rec.as_object() else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            "invalid data",
            json!({"json_path": format!("$.data[{i}]")}),
        );
    };
    let Some(id) = url_id.map(str::to_string).or_else(|| obj.get("id").and_then(super::id_text)) else {
        return missing(i, "id");
    };
    let Some(lead) = org.leads.get(&id) else {
        return bad(i, "id", "the id given seems to be invalid");
    };
    if let Some(lock) = org.locks.get(&id) {
        let (code, message) = lock.code_and_message();
        return refuse(StatusCode::BAD_REQUEST, code, message, json!({"id": id}));
    }
    // Zoho keeps Modified_Time to the second (it renders and compares whole seconds); the
    // generated org stamps to the nanosecond, which would make every write look late.
    if since.is_some_and(|t| lead.modified.trunc_subsecs(0) > t) {
        return refuse(
            StatusCode::PRECONDITION_FAILED,
            "ALREADY_MODIFIED",
            "Record updated time has already passed if-unmodified-since time",
            json!({"id": id}),
        );
    }
    let changes = match changes(org, i, obj) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let t = org.touch();
    let by = org.api_user().map(|u| u.id.clone()).unwrap_or_default();
    for change in changes {
        match change {
            Change::Owner(owner) => org.change_owner_at(&id, &owner, &by, t),
            Change::Text(field, value) => set_text(org, &id, &field, value, &by, t),
        }
    }
    let Some(lead) = org.leads.get_mut(&id) else {
        return bad(i, "id", "the id given seems to be invalid");
    };
    lead.modified = t;
    let (created, creator) = (lead.created, lead.owner_id.clone().unwrap_or_default());
    if workflow {
        org.workflow_runs.push(("Leads".into(), id.clone()));
    }
    written(org, &id, (created, &creator), (t, &by), "record updated", &[])
}

/// What record `i` asks to change, or the refusal of the first field that cannot be.
fn changes(org: &Org, i: usize, obj: &Map<String, Value>) -> Result<Vec<Change>, Entry> {
    let mut out = Vec::new();
    for (field, value) in obj {
        if field == "id" || field.starts_with('$') {
            continue;
        }
        if field != "Owner" && !TEXT_FIELDS.contains(&field.as_str()) {
            return Err(bad(i, field, "the field is not available in the module"));
        }
        if let Some(rule) = org.validation_rules.iter().find(|r| r.module == "Leads" && &r.field == field) {
            return Err(bad(i, field, &rule.message));
        }
        match (field.as_str(), value) {
            ("Owner", v) => match lookup_id(v).filter(|u| org.active_user(u)) {
                Some(u) => out.push(Change::Owner(u)),
                None => return Err(bad(i, "Owner", "the id given seems to be invalid")),
            },
            (_, Value::Null) => out.push(Change::Text(field.clone(), None)),
            (_, Value::String(s)) if s.chars().count() > 255 => return Err(bad(i, field, "the data is too long")),
            (_, Value::String(s)) => out.push(Change::Text(field.clone(), Some(s.clone()))),
            _ => return Err(bad(i, field, "invalid data")),
        }
    }
    Ok(out)
}

/// Sets a Zoho lead field a write may set (anything else known is the source); a stage change is
/// audited in the timeline, as Zoho does.
fn set_text(org: &mut Org, id: &str, field: &str, value: Option<String>, by: &str, t: DateTime<Utc>) {
    let field = match field {
        "Lead_Status" => LeadText::Status,
        "First_Name" => LeadText::FirstName,
        "Last_Name" => LeadText::LastName,
        "Company" => LeadText::Company,
        "Email" => LeadText::Email,
        "Phone" => LeadText::Phone,
        _ => LeadText::LeadSource,
    };
    org.set_lead_text(id, field, value, by, t);
}
