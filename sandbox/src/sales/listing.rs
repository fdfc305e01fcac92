//! The sales modules in the shared listing machinery (`crate::listing` pages, sorts, answers
//! 204/304 and serves `/deleted`; this file says which records a module has, how one is drawn
//! and which scope reads it), and `GET /Deals/{id}/Stage_History` on the shared related-list
//! rules (`fields` required, a deleted deal → 400 INVALID_DATA, no rows → 204).
// Handlers return a ready `Response` as their error: that is the reply to send.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::render;
use crate::org::Org;
use crate::server::S;
use crate::write::related_list;

/// The scope that reads a sales module's records (Events stay unchecked, as the lead sync has
/// always read them).
pub(crate) fn read_scope(module: &str) -> Option<&'static str> {
    match module {
        "Deals" => Some("ZohoCRM.modules.deals.READ"),
        "Calls" => Some("ZohoCRM.modules.calls.READ"),
        "Tasks" => Some("ZohoCRM.modules.tasks.READ"),
        "Accounts" => Some("ZohoCRM.modules.accounts.READ"),
        "Contacts" => Some("ZohoCRM.modules.contacts.READ"),
        _ => None,
    }
}

/// (Created_Time, Modified_Time, key) of one listed record.
pub(crate) type Row = (DateTime<Utc>, DateTime<Utc>, String);

/// (Created_Time, Modified_Time, key) of every record of a sales module that `keep` lets
/// through; `None` for other modules. A task's key is its place in `Org::tasks` (one store
/// shared with the write-back, kept in creation order), so drawing a page needs no search.
pub(crate) fn rows(org: &Org, module: &str, keep: impl Fn(DateTime<Utc>) -> bool) -> Option<Vec<Row>> {
    let s = &org.sales;
    let rows = match module {
        "Deals" => {
            s.deals.values().filter(|d| keep(d.modified)).map(|d| (d.created, d.modified, d.id.clone())).collect()
        }
        "Calls" => {
            s.calls.values().filter(|c| keep(c.modified)).map(|c| (c.created, c.modified, c.id.clone())).collect()
        }
        "Accounts" => {
            s.accounts.values().filter(|a| keep(a.modified)).map(|a| (a.created, a.modified, a.id.clone())).collect()
        }
        "Contacts" => {
            s.contacts.values().filter(|c| keep(c.modified)).map(|c| (c.created, c.modified, c.id.clone())).collect()
        }
        "Tasks" => org
            .tasks
            .iter()
            .enumerate()
            .filter(|(_, t)| keep(t.modified))
            .map(|(i, t)| (t.created, t.modified, i.to_string()))
            .collect(),
        _ => return None,
    };
    Some(rows)
}

/// One listed record of a sales module, by the key `rows` gave it.
pub(crate) fn record(org: &Org, module: &str, key: &str, fields: &[&str]) -> Value {
    let s = &org.sales;
    let drawn = match module {
        "Deals" => s.deals.get(key).map(|d| render::deal(org, d, fields)),
        "Calls" => s.calls.get(key).map(|c| render::call(org, c, fields)),
        "Accounts" => s.accounts.get(key).map(|a| render::account(org, a, fields)),
        "Contacts" => s.contacts.get(key).map(|c| render::contact(org, c, fields)),
        "Tasks" => key.parse::<usize>().ok().and_then(|i| org.tasks.get(i)).map(|t| render::task(org, t, fields)),
        _ => None,
    };
    drawn.unwrap_or(Value::Null)
}

/// `GET /crm/{v}/Deals/{id}/Stage_History?fields=…`: the deal's stage rows, oldest first.
pub(crate) async fn stage_history(
    State(s): S,
    Path((_version, module, id)): Path<(String, String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    related_list(&s, &headers, &q, "ZohoCRM.modules.deals.READ", (&module, &id), |org, fields| {
        let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
        org.deal_history(&id).iter().map(|row| render::stage_row(org, row, &fields)).collect()
    })
}
