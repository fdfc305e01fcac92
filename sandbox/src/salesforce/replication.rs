//! The replication resources (`/sobjects/{T}/deleted/` and `/updated/`, reference §6.3), the
//! Lead describe the doctor reads, and `/limits`.
// Helpers return a ready `Response` as their error: that is the reply to send, and boxing it
// would only add noise to a test server.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, DurationRound, Utc};
use serde_json::{json, Value};

use super::gate::{not_found, sf_error};
use super::ids::sf_id;
use super::rows::rows;
use super::schema::{object, Kind, V};
use super::soql::sf_datetime;
use super::state::Shared;

/// `getUpdated` reaches back 30 days at most.
const UPDATED_DAYS: i64 = 30;

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The window asked for, seconds truncated as Salesforce does, the end capped at now.
fn window(s: &Shared, p: &HashMap<String, String>) -> Result<(DateTime<Utc>, DateTime<Utc>), Response> {
    let bad = |m: &str| sf_error(StatusCode::BAD_REQUEST, "INVALID_REPLICATION_DATE", m);
    let minute = |t: DateTime<Utc>| t.duration_trunc(Duration::minutes(1)).unwrap_or(t);
    let (Some(start), Some(end)) =
        (p.get("start").and_then(|x| parse_time(x)), p.get("end").and_then(|x| parse_time(x)))
    else {
        return Err(sf_error(
            StatusCode::BAD_REQUEST,
            "MALFORMED_QUERY",
            "start and end are required, as ISO 8601 dateTimes (2026-11-20T09:00:00+00:00)",
        ));
    };
    let now = s.org.read().expect("org lock").now;
    let (start, end) = (minute(start), minute(end.min(now)));
    if start >= end {
        return Err(bad("startDate must chronologically precede endDate"));
    }
    if start < now - Duration::days(UPDATED_DAYS) {
        return Err(bad("startDate cannot be more than 30 days ago"));
    }
    Ok((start, end))
}

/// The org's deletion log modules behind a Salesforce object.
fn modules(object: &str) -> &'static [&'static str] {
    match object {
        "Lead" => &["Leads"],
        "Event" => &["Events"],
        "Opportunity" => &["Deals"],
        "Task" => &["Calls", "Tasks"],
        "Account" => &["Accounts"],
        "Contact" => &["Contacts"],
        _ => &[],
    }
}

/// `GET /sobjects/{T}/deleted/?start=&end=`.
pub(crate) async fn deleted(
    State(s): State<Arc<Shared>>,
    Path((_, t)): Path<(String, String)>,
    Query(p): Query<HashMap<String, String>>,
) -> Response {
    let Some(obj) = object(&t).filter(|o| !modules(o.name).is_empty()) else { return not_found() };
    let (start, end) = match window(&s, &p) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let (days, purged) = {
        let st = s.settings();
        (st.delete_window_days, st.purged_at)
    };
    let org = s.org.read().expect("org lock");
    let earliest = (org.now - Duration::days(days)).max(purged.unwrap_or(DateTime::<Utc>::MIN_UTC));
    let from = start.max(earliest);
    let records: Vec<Value> = org
        .deleted
        .iter()
        .filter(|d| modules(obj.name).contains(&d.module.as_str()) && d.deleted >= from && d.deleted < end)
        .map(|d| json!({"id": sf_id(obj.prefix, &d.id), "deletedDate": sf_datetime(d.deleted)}))
        .collect();
    axum::Json(json!({
        "deletedRecords": records,
        "earliestDateAvailable": sf_datetime(earliest),
        "latestDateCovered": sf_datetime(end),
    }))
    .into_response()
}

/// `GET /sobjects/{T}/updated/?start=&end=`: ids whose SystemModstamp falls in the window.
pub(crate) async fn updated(
    State(s): State<Arc<Shared>>,
    Path((_, t)): Path<(String, String)>,
    Query(p): Query<HashMap<String, String>>,
) -> Response {
    let Some(obj) = object(&t) else { return not_found() };
    let (start, end) = match window(&s, &p) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let tracking = s.settings().history_tracking;
    let org = s.org.read().expect("org lock");
    let ids: Vec<String> = rows(&org, obj.name, tracking)
        .into_iter()
        .filter(|r| matches!(r.get("SystemModstamp"), V::DateTime(m) if *m >= start && *m < end))
        .map(|r| r.id)
        .collect();
    axum::Json(json!({"ids": ids, "latestDateCovered": sf_datetime(end)})).into_response()
}

/// `GET /sobjects/{T}/describe`: the object's fields with their types.
pub(crate) async fn describe(Path((_, t)): Path<(String, String)>) -> Response {
    let Some(obj) = object(&t) else { return not_found() };
    let fields: Vec<Value> = obj
        .fields
        .iter()
        .map(|(name, kind)| {
            let rel = match kind {
                Kind::Ref(r) => Value::String(r.to_string()),
                _ => Value::Null,
            };
            json!({
                "name": name,
                "type": kind.type_name(),
                "label": label(name),
                "filterable": *kind != Kind::TextArea,
                "relationshipName": rel,
                "custom": name.ends_with("__c"),
            })
        })
        .collect();
    axum::Json(
        json!({"name": obj.name, "label": obj.name, "keyPrefix": obj.prefix, "queryable": true, "fields": fields}),
    )
    .into_response()
}

/// `Appointment_At__c` → "Appointment At", `SystemModstamp` → "System Modstamp".
fn label(name: &str) -> String {
    let base = name.trim_end_matches("__c").replace('_', " ");
    let mut out = String::new();
    let mut prev_lower = false;
    for c in base.chars() {
        if c.is_uppercase() && prev_lower {
            out.push(' ');
        }
        prev_lower = c.is_lowercase();
        out.push(c);
    }
    out
}

/// `GET /limits`: the daily allowance and what is left of it.
pub(crate) async fn limits(State(s): State<Arc<Shared>>) -> Response {
    let max = s.settings().api_max;
    let used = s.api_used.load(Ordering::SeqCst);
    axum::Json(json!({"DailyApiRequests": {"Max": max, "Remaining": max.saturating_sub(used)}})).into_response()
}
