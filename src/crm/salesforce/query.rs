//! Running one SOQL query to its end: the first page from `query?q=`, then `nextRecordsUrl`
//! until `done` (page sizes vary; only `done` and the URL say when to stop). A cursor that
//! expired or was released (INVALID_QUERY_LOCATOR) is restarted — from the last SystemModstamp
//! read when the query is ordered by it, else from the start; re-read records are idempotent.

use std::collections::HashSet;

use serde_json::Value;

use super::fields::{parse_datetime, soql_datetime};
use super::transport::{named, SendError, Transport};
use crate::crm::CrmError;

/// Far beyond any org (20 million records at 2,000 a page): a listing past it would not end.
const MAX_PAGES: usize = 10_000;

/// A query as parts, so a restart can add a lower bound.
pub struct Soql {
    pub select: String,
    pub from: &'static str,
    pub filters: Vec<String>,
    pub order: &'static str,
    pub limit: Option<u32>,
}

impl Soql {
    pub fn text(&self, resume_from: Option<&str>) -> String {
        let mut filters = self.filters.clone();
        if let Some(from) = resume_from {
            filters.push(format!("SystemModstamp >= {from}"));
        }
        let mut q = format!("SELECT {} FROM {}", self.select, self.from);
        if !filters.is_empty() {
            q.push_str(" WHERE ");
            q.push_str(&filters.join(" AND "));
        }
        if !self.order.is_empty() {
            q.push_str(" ORDER BY ");
            q.push_str(self.order);
        }
        if let Some(n) = self.limit {
            q.push_str(&format!(" LIMIT {n}"));
        }
        q
    }

    fn by_modstamp(&self) -> bool {
        self.order.starts_with("SystemModstamp")
    }
}

pub struct Pager<'a> {
    t: &'a Transport,
    endpoint: &'a str,
    soql: Soql,
    next_url: Option<String>,
    urls_seen: HashSet<String>,
    done: bool,
    pages: usize,
    /// The newest SystemModstamp read (SOQL literal), where a restart resumes.
    resume_from: Option<String>,
    /// The page count at the last restart: a second INVALID_QUERY_LOCATOR there gives up.
    restarted_at: Option<usize>,
}

impl<'a> Pager<'a> {
    pub fn new(t: &'a Transport, endpoint: &'a str, soql: Soql) -> Pager<'a> {
        Pager {
            t,
            endpoint,
            soql,
            next_url: None,
            urls_seen: HashSet::new(),
            done: false,
            pages: 0,
            resume_from: None,
            restarted_at: None,
        }
    }

    /// The next page's records; `None` once the query is done.
    pub async fn next(&mut self) -> Result<Option<Vec<Value>>, CrmError> {
        loop {
            if self.done {
                return Ok(None);
            }
            if self.pages >= MAX_PAGES {
                return Err(self.broken(format!("Salesforce still had more records after {MAX_PAGES} pages")));
            }
            let sent = match &self.next_url {
                Some(url) => self.t.send(self.endpoint, reqwest::Method::GET, url, &[], &[], None).await,
                None => {
                    let q = self.soql.text(self.resume_from.as_deref());
                    let path = self.t.data_path("query");
                    let headers = [("Sforce-Query-Options", "batchSize=2000".to_string())];
                    self.t.send(self.endpoint, reqwest::Method::GET, &path, &[("q", q)], &headers, None).await
                }
            };
            let body = match sent {
                Ok(r) => r.body,
                Err(SendError::Refused { fault, .. })
                    if fault.code == "INVALID_QUERY_LOCATOR" && self.next_url.is_some() =>
                {
                    if self.restarted_at == Some(self.pages) {
                        return Err(self.broken(
                            "the query's cursor expired twice at the same page (INVALID_QUERY_LOCATOR)".into(),
                        ));
                    }
                    tracing::info!(target: "panopticon::salesforce", endpoint = self.endpoint, pages = self.pages, "query cursor expired; restarting the query");
                    self.restarted_at = Some(self.pages);
                    self.next_url = None;
                    if !self.soql.by_modstamp() {
                        self.resume_from = None;
                    }
                    continue;
                }
                Err(e) => return Err(e.into_crm(self.endpoint)),
            };
            return self.take(body).map(Some);
        }
    }

    fn take(&mut self, body: Value) -> Result<Vec<Value>, CrmError> {
        let malformed = |detail: &str| CrmError::Malformed { endpoint: named(self.endpoint), detail: detail.into() };
        let Some(records) = body.get("records").and_then(Value::as_array).cloned() else {
            return Err(malformed("no 'records' list in the query reply"));
        };
        let done =
            body.get("done").and_then(Value::as_bool).ok_or_else(|| malformed("no 'done' in the query reply"))?;
        self.pages += 1;
        if self.soql.by_modstamp() {
            if let Some(last) =
                records.iter().rev().find_map(|r| r.get("SystemModstamp")?.as_str().and_then(parse_datetime))
            {
                self.resume_from = Some(soql_datetime(last));
            }
        }
        if done {
            self.done = true;
            return Ok(records);
        }
        let url = body.get("nextRecordsUrl").and_then(Value::as_str).filter(|u| !u.is_empty());
        let Some(url) = url else {
            return Err(self.broken("Salesforce said more records followed but sent no nextRecordsUrl".into()));
        };
        if !url.starts_with("/services/data/") {
            return Err(self.broken("the nextRecordsUrl is not a path under /services/data/".into()));
        }
        if !self.urls_seen.insert(url.to_string()) {
            return Err(
                self.broken("Salesforce sent the same nextRecordsUrl twice, so the query would never end".into())
            );
        }
        self.next_url = Some(url.to_string());
        Ok(records)
    }

    fn broken(&self, detail: String) -> CrmError {
        CrmError::Paging { endpoint: named(self.endpoint), detail }
    }
}

/// Every record of a query, read whole (roles, stages, histories, ids).
pub async fn all(t: &Transport, endpoint: &str, soql: Soql) -> Result<Vec<Value>, CrmError> {
    let mut pager = Pager::new(t, endpoint, soql);
    let mut out = Vec::new();
    while let Some(page) = pager.next().await? {
        out.extend(page);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restart_resumes_from_the_last_stamp() {
        let q = Soql {
            select: "Id".into(),
            from: "Lead",
            filters: vec!["SystemModstamp > 2026-11-20T08:58:00Z".into()],
            order: "SystemModstamp, Id",
            limit: None,
        };
        assert_eq!(
            q.text(Some("2026-11-20T09:30:00Z")),
            "SELECT Id FROM Lead WHERE SystemModstamp > 2026-11-20T08:58:00Z AND SystemModstamp >= \
             2026-11-20T09:30:00Z ORDER BY SystemModstamp, Id"
        );
    }
}
