//! Notes: `POST /Notes` and `POST /{module}/{id}/Notes` (both `Parent_Id` shapes of reference
//! §9.4: v7's `{"module":{"api_name"},"id"}` and the older bare id with `se_module`), and
//! `GET /{module}/{id}/Notes` (`fields` required, oldest first, paged, 204 when none).
// Handlers return a ready `Response` as their error: that is the reply to send.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::{bad, id_text, missing, records, refuse, related_list, reply, written, Entry};
use crate::org::{Org, SNote};
use crate::render::zt;
use crate::server::{authorize, require_scope, Shared, S};

/// `POST /crm/{v}/{module}/{id}/Notes`: the parent comes from the URL.
pub(crate) async fn create_for(
    State(s): S,
    Path((_version, module, id)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    create(&s, Some((module, id)), &headers, &body)
}

pub(crate) fn create(s: &Shared, parent: Option<(String, String)>, headers: &HeaderMap, body: &Bytes) -> Response {
    if let Err(r) = authorize(s, headers) {
        return r;
    }
    if let Err(r) = require_scope(s, "ZohoCRM.modules.notes.CREATE") {
        return r;
    }
    let (data, _workflow) = match records(body) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let mut org = s.org.write().expect("org lock");
    let results: Vec<Entry> =
        data.iter().enumerate().map(|(i, rec)| create_note(&mut org, i, rec, parent.as_ref())).collect();
    reply(results, StatusCode::CREATED)
}

/// The parent a note names: (module, id), from either shape.
fn parent_of(obj: &Map<String, Value>) -> Option<(String, String)> {
    match obj.get("Parent_Id")? {
        Value::Object(p) => {
            let module = p.get("module").and_then(|m| m.get("api_name")).and_then(Value::as_str).map(str::to_string);
            // The module may be named by its id only; the sandbox knows Leads' id.
            let module = module.or_else(|| {
                let mid = p.get("module").and_then(|m| m.get("id")).and_then(id_text)?;
                (mid == super::LEADS_MODULE_ID).then(|| "Leads".to_string())
            })?;
            Some((module, p.get("id").and_then(id_text)?))
        }
        v => {
            let module = obj.get("se_module").or_else(|| obj.get("$se_module")).and_then(Value::as_str)?;
            Some((module.to_string(), id_text(v)?))
        }
    }
}

fn create_note(org: &mut Org, i: usize, rec: &Value, url_parent: Option<&(String, String)>) -> Entry {
    let Some(obj) = rec.as_object() else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            "invalid data",
            json!({"json_path": format!("$.data[{i}]")}),
        );
    };
    let content = match obj.get("Note_Content") {
        Some(Value::String(c)) if !c.trim().is_empty() => c.clone(),
        Some(Value::String(_)) | None | Some(Value::Null) => return missing(i, "Note_Content"),
        Some(_) => return bad(i, "Note_Content", "invalid data"),
    };
    let title = match obj.get("Note_Title") {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) => Some(t.clone()),
        Some(_) => return bad(i, "Note_Title", "invalid data"),
    };
    let Some((module, parent_id)) = url_parent.cloned().or_else(|| parent_of(obj)) else {
        return missing(i, "Parent_Id");
    };
    if module != "Leads" || !org.leads.contains_key(&parent_id) {
        return bad(i, "Parent_Id", "the related id given seems to be invalid");
    }
    if let Some(lock) = org.locks.get(&parent_id) {
        let (code, message) = lock.code_and_message();
        return refuse(StatusCode::BAD_REQUEST, code, message, json!({"id": parent_id}));
    }
    let t = org.touch();
    let by = org.api_user().map(|u| u.id.clone()).unwrap_or_default();
    let id = org.new_id();
    org.notes.push(SNote {
        id: id.clone(),
        parent_module: module,
        parent_id,
        title,
        content,
        created: t,
        created_by: by.clone(),
    });
    let mut entry = written(org, &id, (t, &by), (t, &by), "record added", &[]);
    entry.0 = StatusCode::CREATED;
    entry
}

/// `GET /crm/{v}/{module}/{id}/Notes?fields=…`: the record's notes, oldest first.
pub(crate) async fn list(
    State(s): S,
    Path((_version, module, id)): Path<(String, String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    related_list(&s, &headers, &q, "ZohoCRM.modules.notes.READ", (&module, &id), |org, fields| {
        org.notes_of(&id).into_iter().map(|n| render_note(org, n, fields)).collect()
    })
}

fn render_note(org: &Org, n: &SNote, fields: &[String]) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(n.id));
    let author = json!({"name": org.user_name(&n.created_by), "id": n.created_by});
    for f in fields {
        let v = match f.as_str() {
            "Note_Title" => json!(n.title),
            "Note_Content" => json!(n.content),
            "Parent_Id" => json!({
                "module": {"api_name": n.parent_module, "id": super::LEADS_MODULE_ID},
                "name": org.leads.get(&n.parent_id).and_then(|l| l.full_name()),
                "id": n.parent_id,
            }),
            "Created_Time" | "Modified_Time" => zt(org, n.created),
            "Owner" | "Created_By" | "Modified_By" => author.clone(),
            _ => Value::Null,
        };
        m.insert(f.clone(), v);
    }
    Value::Object(m)
}
