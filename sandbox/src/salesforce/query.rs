//! `query` and `queryAll` with Salesforce's paging: the result is a snapshot taken when the
//! query runs, served in pages whose size varies below the batch size asked for; each
//! `nextRecordsUrl` works once, a cursor dies when idle too long, and the 11th open cursor
//! releases the oldest — all answered with 400 INVALID_QUERY_LOCATOR.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::gate::sf_error;
use super::ids::sf_id;
use super::soql;
use super::state::{Cursor, Shared};

/// Salesforce keeps at most this many cursors open per user.
const MAX_CURSORS: usize = 10;

fn invalid_locator() -> Response {
    sf_error(StatusCode::BAD_REQUEST, "INVALID_QUERY_LOCATOR", "invalid query locator")
}

/// The batch size asked for (`Sforce-Query-Options: batchSize=N`, 200–2,000, default 2,000),
/// capped by the sandbox's page limit.
fn batch_size(headers: &HeaderMap, max_page: usize) -> usize {
    let asked = headers
        .get("sforce-query-options")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').find_map(|p| p.trim().strip_prefix("batchSize=")))
        .and_then(|n| n.trim().parse::<usize>().ok())
        .map_or(2000, |n| n.clamp(200, 2000));
    asked.min(max_page).max(1)
}

/// This page's size: between a quarter of the batch and all of it, varying from page to page
/// ("no guarantee that the requested batch size is the actual batch size").
fn page_size(batch: usize, n: u64) -> usize {
    let lo = (batch / 4).max(1);
    let spread = (batch - lo + 1) as u64;
    lo + (n.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 33).checked_rem(spread).unwrap_or(0) as usize
}

fn page(total: usize, done: bool, next: Option<String>, records: &[String]) -> Response {
    let next = next.map(|u| format!(",\"nextRecordsUrl\":{}", serde_json::Value::String(u))).unwrap_or_default();
    let body = format!("{{\"totalSize\":{total},\"done\":{done}{next},\"records\":[{}]}}", records.join(","));
    ([(header::CONTENT_TYPE, "application/json;charset=UTF-8")], body).into_response()
}

/// `GET /services/data/{v}/query?q=` (and `queryAll`: the org keeps no deleted bodies, so both
/// answer alike).
pub(crate) async fn query(
    State(s): State<Arc<Shared>>,
    Path(version): Path<String>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Some(q) = params.get("q") else {
        return sf_error(StatusCode::BAD_REQUEST, "MALFORMED_QUERY", "A query string is required (q=…)");
    };
    let (tracking, refuse_roles, max_page) = {
        let st = s.settings();
        (st.history_tracking, st.refuse_roles, st.max_page)
    };
    let result = soql::run(&s.org.read().expect("org lock"), q, tracking, &version);
    let (object, records) = match result {
        Ok(r) => r,
        Err((code, message)) => return sf_error(StatusCode::BAD_REQUEST, code, &message),
    };
    if object == "UserRole" && refuse_roles {
        return sf_error(
            StatusCode::FORBIDDEN,
            "INSUFFICIENT_ACCESS",
            "insufficient access rights on object: UserRole requires the \"View Roles and Role Hierarchy\" permission",
        );
    }
    let batch = batch_size(&headers, max_page);
    let n = s.next();
    let size = page_size(batch, n);
    let total = records.len();
    if total <= size {
        return page(total, true, None, &records);
    }
    let locator = sf_id("01g", &(n + 1000).to_string());
    let first = records[..size].to_vec();
    let mut cursors = s.cursors.lock().expect("cursors lock");
    let idle = s.settings().cursor_idle;
    cursors.retain(|_, c| c.last_used.elapsed() < idle);
    cursors.insert(
        locator.clone(),
        Cursor { records: Arc::new(records), next_offset: size, batch, last_used: Instant::now(), opened: n },
    );
    while cursors.len() > MAX_CURSORS {
        let oldest = cursors.iter().min_by_key(|(_, c)| c.opened).map(|(k, _)| k.clone());
        match oldest {
            Some(k) => cursors.remove(&k),
            None => break,
        };
    }
    page(total, false, Some(format!("/services/data/{version}/query/{locator}-{size}")), &first)
}

/// `GET /services/data/{v}/query/{locator}-{offset}`: the next page of an open cursor.
pub(crate) async fn more(State(s): State<Arc<Shared>>, Path((version, locator)): Path<(String, String)>) -> Response {
    let Some((id, offset)) = locator.rsplit_once('-') else { return invalid_locator() };
    let Ok(offset) = offset.parse::<usize>() else { return invalid_locator() };
    let idle = s.settings().cursor_idle;
    let mut cursors = s.cursors.lock().expect("cursors lock");
    let Some(c) = cursors.get_mut(id) else { return invalid_locator() };
    if c.last_used.elapsed() >= idle {
        cursors.remove(id);
        return invalid_locator();
    }
    if c.next_offset != offset {
        // Each locator serves once: a page asked for again (or skipped to) is refused.
        return invalid_locator();
    }
    let size = page_size(c.batch, s.next());
    let end = (offset + size).min(c.records.len());
    let records = c.records[offset..end].to_vec();
    let total = c.records.len();
    if end == total {
        cursors.remove(id);
        return page(total, true, None, &records);
    }
    c.next_offset = end;
    c.last_used = Instant::now();
    page(total, false, Some(format!("/services/data/{version}/query/{id}-{end}")), &records)
}
