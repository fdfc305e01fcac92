//! The Salesforce face's write endpoints (the write-back actions, reference §10): `PATCH
//! /services/data/vXX.X/sobjects/Lead/{id}` → 204 and `POST …/sobjects/Task` → 201
//! `{"id","success":true,"errors":[]}`, written into the same `Org` the Zoho face serves (a
//! Task on a lead is the org's task linked to that lead), so the sync of either face sees them.
//!
//! What a real org does to a write and the sandbox copies: `If-Unmodified-Since` (an HTTP-date)
//! older than the lead's SystemModstamp → 412 and nothing written; a converted lead, a record
//! locked by an approval process, an org validation rule, an owner who is not an active user —
//! each a 400 with Salesforce's code, message and `fields`; and the org's active **lead
//! assignment rule**, which Salesforce runs on every Lead update unless the request says
//! `Sforce-Auto-Assign: FALSE`: it hands the lead to the assignment queue, so a client that
//! forgets the header sees its reassign undone. The token, the version, the request log and the
//! allowance are the gate's.
// Handlers return a ready `Response` as their error: that is the reply to send.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{patch, post};
use axum::Router;
use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use serde_json::{json, Map, Value};

use super::gate::{not_found, sf_error, sf_error_fields};
use super::ids::{org_id_of, sf_id};
use super::rows::QUEUE_ORG_ID;
use super::state::Shared;
use crate::org::{LeadText, Org, Related, STask};

/// The Lead fields an update may set: (Salesforce name, the org's Zoho-side name for the same
/// field — what `Org::validation_rules` name).
const LEAD_FIELDS: &[(&str, &str)] = &[
    ("OwnerId", "Owner"),
    ("Status", "Lead_Status"),
    ("FirstName", "First_Name"),
    ("LastName", "Last_Name"),
    ("Company", "Company"),
    ("Email", "Email"),
    ("Phone", "Phone"),
    ("LeadSource", "Lead_Source"),
];

/// The Task fields a create may set, with the org's names for them.
const TASK_FIELDS: &[(&str, &str)] = &[
    ("Subject", "Subject"),
    ("Description", "Description"),
    ("WhoId", "Who_Id"),
    ("WhatId", "What_Id"),
    ("OwnerId", "Owner"),
    ("Status", "Status"),
    ("Priority", "Priority"),
    ("ActivityDate", "Due_Date"),
    ("TaskSubtype", "TaskSubtype"),
];

const TASK_STATUSES: &[&str] = &["Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred"];
const PRIORITIES: &[&str] = &["High", "Normal", "Low"];

/// The object is a path parameter (not a literal `Lead`), so these routes sit beside the read
/// side's `sobjects/{t}/…` ones (same parameter names) without a routing conflict; other
/// objects are not writable.
pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/services/data/{v}/sobjects/{t}/{id}", patch(update_record))
        .route("/services/data/{v}/sobjects/{t}", post(create_record))
}

fn not_writable(object: &str) -> Response {
    sf_error(
        StatusCode::BAD_REQUEST,
        "NOT_SUPPORTED",
        &format!("the sandbox writes Lead updates and Task inserts only, not {object}"),
    )
}

fn bad_request(code: &str, message: &str, fields: &[&str]) -> Response {
    sf_error_fields(StatusCode::BAD_REQUEST, code, message, fields)
}

/// The JSON object of a write body, or Salesforce's parser error.
fn object(body: &Bytes) -> Result<Map<String, Value>, Response> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(sf_error(
            StatusCode::BAD_REQUEST,
            "JSON_PARSER_ERROR",
            "Cannot deserialize instance of an SObject from a value that is not an object",
        )),
        Err(e) => Err(sf_error(StatusCode::BAD_REQUEST, "JSON_PARSER_ERROR", &format!("Unexpected character: {e}"))),
    }
}

/// A text field's value: a string, or `None` for null.
fn text(obj: &Map<String, Value>, field: &str) -> Result<Option<String>, Response> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(sf_error(
            StatusCode::BAD_REQUEST,
            "JSON_PARSER_ERROR",
            &format!("Cannot deserialize instance of string from {other} value at [{field}]"),
        )),
    }
}

/// The first body field the object does not have, as Salesforce words it.
fn unknown_field(obj: &Map<String, Value>, known: &[(&str, &str)], object: &str) -> Result<(), Response> {
    match obj.keys().find(|k| !known.iter().any(|(sf, _)| sf == k)) {
        Some(k) => Err(bad_request("INVALID_FIELD", &format!("No such column '{k}' on sobject of type {object}"), &[])),
        None => Ok(()),
    }
}

/// The org validation rule a write of these fields breaks, if any: a rule names its module and
/// field in either face's words (`Leads`/`Lead`, `Owner`/`OwnerId`).
fn validation(org: &Org, modules: [&str; 2], obj: &Map<String, Value>, known: &[(&str, &str)]) -> Result<(), Response> {
    for (sf, zoho) in known.iter().filter(|(sf, _)| obj.contains_key(*sf)) {
        let hit = org
            .validation_rules
            .iter()
            .find(|r| modules.contains(&r.module.as_str()) && (r.field == *sf || r.field == *zoho));
        if let Some(rule) = hit {
            return Err(bad_request("FIELD_CUSTOM_VALIDATION_EXCEPTION", &rule.message, &[sf]));
        }
    }
    Ok(())
}

/// The org id of an active user named by a `005…` id in `field`, or the refusal.
fn active_user(org: &Org, sf: &str, field: &str) -> Result<String, Response> {
    let id = org_id_of("005", sf).filter(|id| org.users.iter().any(|u| &u.id == id));
    match id {
        Some(id) if org.active_user(&id) => Ok(id),
        Some(_) => Err(bad_request(
            "INACTIVE_OWNER_OR_USER",
            &format!("operation performed with inactive user [{sf}] as owner"),
            &[field],
        )),
        None => Err(bad_request("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", &[field])),
    }
}

/// `If-Unmodified-Since` as an instant; a value that is not an HTTP-date is a 400.
fn unmodified_since(headers: &HeaderMap) -> Result<Option<DateTime<Utc>>, Response> {
    let Some(v) = headers.get(header::IF_UNMODIFIED_SINCE) else { return Ok(None) };
    let parsed = v.to_str().ok().and_then(|t| httpdate::parse_http_date(t.trim()).ok());
    match parsed {
        Some(t) => Ok(Some(DateTime::<Utc>::from(t))),
        None => Err(sf_error(
            StatusCode::BAD_REQUEST,
            "INVALID_HEADER_TYPE",
            "If-Unmodified-Since: the value is not an HTTP-date",
        )),
    }
}

/// Whether the request turned the assignment rule off. Salesforce's default is TRUE.
fn auto_assign(headers: &HeaderMap) -> bool {
    !headers
        .get("sforce-auto-assign")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("false"))
}

/// `PATCH …/sobjects/Lead/{id}`.
async fn update_record(
    State(s): State<Arc<Shared>>,
    Path((_version, object, sf)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if object != "Lead" {
        return not_writable(&object);
    }
    let mut org = s.org.write().expect("org lock");
    match update(&mut org, &sf, &headers, &body) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(r) => r,
    }
}

/// One checked change of a lead.
enum Change {
    Owner(String),
    Text(&'static str, Option<String>),
}

fn update(org: &mut Org, sf: &str, headers: &HeaderMap, body: &Bytes) -> Result<(), Response> {
    let id = org_id_of("00Q", sf).filter(|id| org.leads.contains_key(id)).ok_or_else(not_found)?;
    let obj = object(body)?;
    let since = unmodified_since(headers)?;
    let lead = &org.leads[&id];
    // SystemModstamp is kept to the millisecond and an HTTP-date to the second: a lead is "modified
    // since" only when its stamp's second is later (the generated org stamps to the nanosecond).
    if since.is_some_and(|t| lead.modified.trunc_subsecs(0) > t) {
        return Err(sf_error(
            StatusCode::PRECONDITION_FAILED,
            "PRECONDITION_FAILED",
            "The requested resource has been modified",
        ));
    }
    if lead.converted {
        return Err(bad_request("CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead", &[]));
    }
    if org.locks.contains_key(&id) {
        return Err(bad_request("ENTITY_IS_LOCKED", "the entity is locked for editing", &[]));
    }
    unknown_field(&obj, LEAD_FIELDS, "Lead")?;
    validation(org, ["Leads", "Lead"], &obj, LEAD_FIELDS)?;
    let mut changes = Vec::new();
    for (sf_field, _) in LEAD_FIELDS.iter().filter(|(f, _)| obj.contains_key(*f)) {
        if *sf_field == "OwnerId" {
            let owner = text(&obj, "OwnerId")?.unwrap_or_default();
            changes.push(Change::Owner(active_user(org, &owner, "OwnerId")?));
            continue;
        }
        let value = text(&obj, sf_field)?;
        if value.as_ref().is_some_and(|v| v.chars().count() > 255) {
            return Err(bad_request("STRING_TOO_LONG", &format!("{sf_field}: data value too large"), &[sf_field]));
        }
        if *sf_field == "LastName" && value.as_deref().is_none_or(|v| v.trim().is_empty()) {
            return Err(bad_request(
                "REQUIRED_FIELD_MISSING",
                "Required fields are missing: [LastName]",
                &["LastName"],
            ));
        }
        changes.push(Change::Text(sf_field, value));
    }
    let t = org.touch();
    let by = org.api_user().map(|u| u.id.clone()).unwrap_or_default();
    for change in changes {
        match change {
            Change::Owner(owner) => org.change_owner_at(&id, &owner, &by, t),
            Change::Text(field, value) => set_text(org, &id, field, value, &by, t),
        }
    }
    if auto_assign(headers) {
        // The org's active assignment rule: every lead it sees goes to the queue ("Unassigned Leads").
        org.change_owner_at(&id, QUEUE_ORG_ID, &by, t);
    }
    if let Some(lead) = org.leads.get_mut(&id) {
        lead.modified = t;
    }
    Ok(())
}

/// Sets a Salesforce lead field a write may set (anything else known is the source); a stage
/// change leaves a history row, as field history tracking does.
fn set_text(org: &mut Org, id: &str, field: &str, value: Option<String>, by: &str, t: DateTime<Utc>) {
    let field = match field {
        "Status" => LeadText::Status,
        "FirstName" => LeadText::FirstName,
        "LastName" => LeadText::LastName,
        "Company" => LeadText::Company,
        "Email" => LeadText::Email,
        "Phone" => LeadText::Phone,
        _ => LeadText::LeadSource,
    };
    org.set_lead_text(id, field, value, by, t);
}

/// `POST …/sobjects/Task`.
async fn create_record(
    State(s): State<Arc<Shared>>,
    Path((_version, object)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    if object != "Task" {
        return not_writable(&object);
    }
    let mut org = s.org.write().expect("org lock");
    match checked_task(&org, &body) {
        Ok(task) => {
            let t = org.touch();
            let id = org.new_id();
            // A task written as done was completed when it was written (CompletedDateTime).
            let closed = (task.status == "Completed").then_some(t);
            org.tasks.push(STask { id: id.clone(), created: t, modified: t, closed, ..task });
            (StatusCode::CREATED, axum::Json(json!({"id": sf_id("00T", &id), "success": true, "errors": []})))
                .into_response()
        }
        Err(r) => r,
    }
}

/// A picklist value: one of `allowed`, or `default` when absent.
fn picklist(obj: &Map<String, Value>, field: &str, allowed: &[&str], default: &str) -> Result<String, Response> {
    match text(obj, field)? {
        None => Ok(default.to_string()),
        Some(v) if allowed.contains(&v.as_str()) => Ok(v),
        Some(v) => Err(bad_request(
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            &format!("{field}: bad value for restricted picklist field: {v}"),
            &[field],
        )),
    }
}

/// The task a create body describes (id and times still to set), or the refusal.
fn checked_task(org: &Org, body: &Bytes) -> Result<STask, Response> {
    let obj = object(body)?;
    unknown_field(&obj, TASK_FIELDS, "Task")?;
    let subject = text(&obj, "Subject")?.unwrap_or_default();
    if subject.chars().count() > 255 {
        return Err(bad_request("STRING_TOO_LONG", "Subject: data value too large", &["Subject"]));
    }
    let description = text(&obj, "Description")?;
    if description.as_ref().is_some_and(|d| d.chars().count() > 32_000) {
        return Err(bad_request("STRING_TOO_LONG", "Description: data value too large", &["Description"]));
    }
    // The sandbox writes tasks on leads only: WhoId a lead (00Q…), no WhatId (a lead is never
    // related to an account or an opportunity).
    let what = match text(&obj, "WhoId")? {
        None => None,
        Some(who) => {
            let lead = org_id_of("00Q", &who)
                .and_then(|id| org.leads.get(&id))
                .ok_or_else(|| bad_request("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", &["WhoId"]))?;
            if lead.converted {
                return Err(bad_request("CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead", &["WhoId"]));
            }
            Some(Related { module: "Leads".into(), id: lead.id.clone(), name: lead.full_name().unwrap_or_default() })
        }
    };
    if what.is_some() && text(&obj, "WhatId")?.is_some() {
        return Err(bad_request(
            "FIELD_INTEGRITY_EXCEPTION",
            "Related To ID: a task whose Name is a lead cannot be related to another record",
            &["WhatId"],
        ));
    }
    let owner_id = match text(&obj, "OwnerId")? {
        None => org.api_user().map(|u| u.id.clone()).unwrap_or_default(),
        Some(o) => active_user(org, &o, "OwnerId")?,
    };
    let due = match text(&obj, "ActivityDate")? {
        None => None,
        Some(d) => Some(NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|_| {
            sf_error(
                StatusCode::BAD_REQUEST,
                "JSON_PARSER_ERROR",
                &format!("Cannot deserialize value of type `date` from String \"{d}\" at [ActivityDate]"),
            )
        })?),
    };
    let status = picklist(&obj, "Status", TASK_STATUSES, "Not Started")?;
    let priority = picklist(&obj, "Priority", PRIORITIES, "Normal")?;
    // Calls are Tasks too (TaskSubtype Call), but the org keeps them apart: this face writes tasks.
    picklist(&obj, "TaskSubtype", &["Task"], "Task")?;
    validation(org, ["Tasks", "Task"], &obj, TASK_FIELDS)?;
    let epoch = DateTime::<Utc>::UNIX_EPOCH;
    Ok(STask {
        id: String::new(),
        subject,
        due,
        status,
        owner_id,
        what,
        who: None,
        priority: Some(priority),
        description,
        closed: None,
        created: epoch,
        modified: epoch,
    })
}
