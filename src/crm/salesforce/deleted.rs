//! What was deleted since the watermark: `sobjects/{type}/deleted` with `end` = the server's
//! clock. Salesforce keeps that log about 15 days; when it no longer reaches back to the
//! watermark (`earliestDateAvailable` after it, or INVALID_REPLICATION_DATE), every live id is
//! listed instead (`Fetched::survivors`) and the sync reconciles against it.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::fields::{is_sf_id, parse_datetime, watermark_text};
use super::query::{self, Soql};
use super::transport::{named, SendError, Transport};
use crate::crm::{CrmError, Fetched, Skipped};

/// Salesforce wants `start` more than a minute before `end`.
const MIN_SPAN_SECS: i64 = 60;

/// The server's clock: the `Date` of the last reply, or of a one-row query when nothing has
/// been asked yet this run.
async fn server_now(t: &Transport) -> Result<DateTime<Utc>, CrmError> {
    if let Some(d) = t.server_date() {
        return Ok(d);
    }
    let soql = Soql { select: "Id".into(), from: "User", filters: vec![], order: "Id", limit: Some(1) };
    query::all(t, "User", soql).await?;
    Ok(t.server_date().unwrap_or_else(Utc::now))
}

fn iso(d: DateTime<Utc>) -> String {
    d.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

/// Raw Salesforce ids deleted from `object` since `since`; `filter` narrows the survivors
/// listing (`TaskSubtype = 'Call'`).
pub async fn deleted(
    t: &Transport,
    object: &'static str,
    filter: Option<&str>,
    since: Option<&str>,
) -> Result<Fetched<String>, CrmError> {
    let endpoint = format!("{object}/deleted");
    let now = server_now(t).await?;
    let Some(start) = since.and_then(parse_datetime) else {
        // A first run holds nothing to delete: the log starts now.
        return Ok(Fetched { next_watermark: Some(watermark_text(now)), ..Fetched::default() });
    };
    let trunc = |d: DateTime<Utc>| DateTime::from_timestamp(d.timestamp(), 0).unwrap_or(d);
    let (start, end) = (trunc(start), trunc(now));
    if (end - start).num_seconds() <= MIN_SPAN_SECS {
        // Too soon to ask: keep the watermark, ask next run.
        return Ok(Fetched::default());
    }
    let path = t.data_path(&format!("sobjects/{object}/deleted/"));
    let q = [("start", iso(start)), ("end", iso(end))];
    let body = match t.send(&endpoint, reqwest::Method::GET, &path, &q, &[], None).await {
        Ok(r) => r.body,
        Err(SendError::Refused { fault, .. }) if fault.code == "INVALID_REPLICATION_DATE" => {
            return Ok(Fetched {
                survivors: Some(survivors(t, object, filter).await?),
                next_watermark: Some(watermark_text(end)),
                ..Fetched::default()
            });
        }
        Err(e) => return Err(e.into_crm(&endpoint)),
    };
    let mut out = Fetched::default();
    let list = body.get("deletedRecords").and_then(Value::as_array).ok_or_else(|| CrmError::Malformed {
        endpoint: named(&endpoint),
        detail: "no 'deletedRecords' list in the reply".into(),
    })?;
    for r in list {
        match r.get("id").and_then(Value::as_str) {
            Some(id) if is_sf_id(id) => out.items.push(id.to_string()),
            _ => out.skipped.push(Skipped {
                endpoint: endpoint.clone(),
                id: None,
                reason: "a deleted record without a usable id".into(),
            }),
        }
    }
    let date = |k: &str| body.get(k).and_then(Value::as_str).and_then(parse_datetime);
    if date("earliestDateAvailable").is_some_and(|earliest| earliest > start) {
        tracing::warn!(target: "panopticon::salesforce", object, "the delete log no longer reaches the watermark; listing every id");
        out.survivors = Some(survivors(t, object, filter).await?);
    }
    out.next_watermark = Some(watermark_text(date("latestDateCovered").unwrap_or(end)));
    Ok(out)
}

/// Every live id of `object`.
async fn survivors(t: &Transport, object: &'static str, filter: Option<&str>) -> Result<Vec<String>, CrmError> {
    let soql = Soql {
        select: "Id".into(),
        from: object,
        filters: filter.map(String::from).into_iter().collect(),
        order: "Id",
        limit: None,
    };
    let endpoint = format!("{object}/ids");
    let rows = query::all(t, &endpoint, soql).await?;
    Ok(rows
        .iter()
        .filter_map(|r| r.get("Id").and_then(Value::as_str).filter(|i| is_sf_id(i)).map(String::from))
        .collect())
}
