//! Tasks: `POST /Tasks` (reference §9.5: `Subject` mandatory and ≤ 255 characters, `Due_Date`
//! as `YYYY-MM-DD`, `What_Id` only with `$se_module`, an existing related record, an active
//! owner; 201 and `$approval_state` on success), and a lead's
//! `GET /Leads/{id}/Activities_Chronological_View?fields=…` serving its tasks and meetings with
//! `$module` on each item, oldest first, 204 when none.
// Handlers return a ready `Response` as their error: that is the reply to send.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Map, Value};

use super::{bad, lookup_id, missing, records, refuse, related_list, reply, written, Entry};
use crate::org::{Org, Related, STask};
use crate::render::{render_event, zt};
use crate::server::{authorize, require_scope, Shared, S};

const MAX_SUBJECT: usize = 255;

pub(crate) fn create(s: &Shared, headers: &HeaderMap, body: &Bytes) -> Response {
    if let Err(r) = authorize(s, headers) {
        return r;
    }
    if let Err(r) = require_scope(s, "ZohoCRM.modules.tasks.CREATE") {
        return r;
    }
    let (data, workflow) = match records(body) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let mut org = s.org.write().expect("org lock");
    let results: Vec<Entry> = data.iter().enumerate().map(|(i, rec)| create_task(&mut org, i, rec, workflow)).collect();
    reply(results, StatusCode::CREATED)
}

fn text(i: usize, obj: &Map<String, Value>, field: &str) -> Result<Option<String>, Entry> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(bad(i, field, "invalid data")),
    }
}

fn create_task(org: &mut Org, i: usize, rec: &Value, workflow: bool) -> Entry {
    let Some(obj) = rec.as_object() else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            "invalid data",
            json!({"json_path": format!("$.data[{i}]")}),
        );
    };
    match checked(org, i, obj) {
        Ok(task) => {
            let t = org.touch();
            let by = org.api_user().map(|u| u.id.clone()).unwrap_or_default();
            let id = org.new_id();
            // A task written as done was closed when it was written (`Closed_Time`).
            let closed = (task.status == "Completed").then_some(t);
            org.tasks.push(STask { id: id.clone(), created: t, modified: t, closed, ..task });
            if workflow {
                org.workflow_runs.push(("Tasks".into(), id.clone()));
            }
            let mut entry =
                written(org, &id, (t, &by), (t, &by), "record added", &[("$approval_state", json!("approved"))]);
            entry.0 = StatusCode::CREATED;
            entry
        }
        Err(e) => e,
    }
}

/// The task record `i` describes (id and times still to set), or its refusal.
fn checked(org: &Org, i: usize, obj: &Map<String, Value>) -> Result<STask, Entry> {
    let subject = match text(i, obj, "Subject")? {
        Some(s) if !s.trim().is_empty() => s,
        _ => return Err(missing(i, "Subject")),
    };
    if subject.chars().count() > MAX_SUBJECT {
        return Err(bad(i, "Subject", "the data is too long"));
    }
    let due = match text(i, obj, "Due_Date")? {
        None => None,
        Some(d) => Some(NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|_| bad(i, "Due_Date", "invalid data"))?),
    };
    let what = match obj.get("What_Id").filter(|v| !v.is_null()) {
        None => None,
        Some(v) => {
            let Some(module) = obj.get("$se_module").and_then(Value::as_str) else {
                return Err(missing(i, "$se_module"));
            };
            let id = lookup_id(v).ok_or_else(|| bad(i, "What_Id", "invalid data"))?;
            let name = match module {
                "Leads" => org.leads.get(&id).map(|l| l.full_name().unwrap_or_default()),
                _ => None,
            };
            let Some(name) = name else {
                return Err(bad(i, "What_Id", "the related id given seems to be invalid"));
            };
            Some(Related { module: module.to_string(), id, name })
        }
    };
    let api_user = org.api_user().map(|u| u.id.clone()).unwrap_or_default();
    let owner_id = match obj.get("Owner").filter(|v| !v.is_null()) {
        None => api_user,
        Some(v) => match lookup_id(v).filter(|u| org.active_user(u)) {
            Some(u) => u,
            None => return Err(bad(i, "Owner", "the id given seems to be invalid")),
        },
    };
    let epoch = DateTime::<Utc>::UNIX_EPOCH;
    Ok(STask {
        id: String::new(),
        subject,
        due,
        status: text(i, obj, "Status")?.unwrap_or_else(|| "Not Started".into()),
        owner_id,
        what,
        who: None,
        priority: text(i, obj, "Priority")?,
        description: text(i, obj, "Description")?,
        closed: None,
        created: epoch,
        modified: epoch,
    })
}

/// `GET /crm/{v}/Leads/{id}/Activities_Chronological_View?fields=…`.
pub(crate) async fn activities(
    State(s): S,
    Path((_version, module, id)): Path<(String, String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    related_list(&s, &headers, &q, "ZohoCRM.modules.tasks.READ", (&module, &id), |org, fields| {
        let mut items: Vec<(DateTime<Utc>, Value)> =
            org.tasks_of(&id).into_iter().map(|t| (t.created, render_task(org, t, fields))).collect();
        let field_refs: Vec<&str> = fields.iter().map(String::as_str).collect();
        for (e, lead) in org.event_appointments() {
            if lead == id {
                let mut v = render_event(org, &e.id, &field_refs);
                if let Value::Object(m) = &mut v {
                    m.insert("$module".into(), json!("Events"));
                }
                items.push((e.modified, v));
            }
        }
        items.sort_by_key(|a| a.0);
        items.into_iter().map(|(_, v)| v).collect()
    })
}

fn render_task(org: &Org, t: &STask, fields: &[String]) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(t.id));
    m.insert("$module".into(), json!("Tasks"));
    for f in fields {
        let v = match f.as_str() {
            "Subject" => json!(t.subject),
            "Due_Date" => json!(t.due.map(|d| d.to_string())),
            "Status" => json!(t.status),
            "Description" => json!(t.description),
            "What_Id" => t.what.as_ref().map(|w| json!({"name": w.name, "id": w.id})).unwrap_or(Value::Null),
            "$se_module" => t.what.as_ref().map(|w| json!(w.module)).unwrap_or(Value::Null),
            "Owner" => json!({"name": org.user_name(&t.owner_id), "id": t.owner_id}),
            "Created_Time" => zt(org, t.created),
            "Modified_Time" => zt(org, t.modified),
            _ => Value::Null,
        };
        m.insert(f.clone(), v);
    }
    Value::Object(m)
}
