//! Walking Zoho's paged lists: `page` for the first 2,000 records, then `page_token`; every
//! listing bounded by what Zoho can really return, and record modules read so that records
//! changing meanwhile cannot hide others (see `RecordPager`).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::parse;
use super::transport::{Reply, Transport};
use crate::crm::CrmError;
use crate::time::zoho_text;

pub const PER_PAGE: usize = 200;
/// `page` × `per_page` may not pass 2,000; after that Zoho wants `page_token`.
const MAX_DISCRETE_PAGE: usize = 2000 / PER_PAGE;
/// Zoho returns at most 100,000 records of one listing (PAGINATION_LIMIT_EXCEEDED past that),
/// so an honest listing never has more pages than this. The same cap bounds a timeline.
pub const MAX_PAGES: usize = 100_000 / PER_PAGE;
/// Times a listing is read again because records were deleted while it was read.
const MAX_PASSES: u32 = 3;

/// What one paged list produced besides its records.
#[derive(Clone, Default)]
pub struct ListMeta {
    /// Server time of the first response (HTTP Date), for a watermark that can't skip records.
    pub server_date: Option<DateTime<Utc>>,
    /// Pages read (0 when Zoho answered 204/304).
    pub pages: usize,
}

/// Walks every page of a list endpoint, handing each page's records to `each`.
pub(super) async fn list(
    t: &Transport,
    endpoint: &str,
    path: &str,
    data_key: &str,
    base: &[(&str, String)],
    since: Option<&str>,
    mut each: impl FnMut(Vec<Value>),
) -> Result<ListMeta, CrmError> {
    let mut pager = Pager::new(t, endpoint, path, data_key, base, since);
    while let Some(records) = pager.next().await? {
        each(records);
    }
    Ok(pager.meta)
}

/// One paged list read a page at a time, so the caller can hand each page on (and wait for it
/// to be taken) before the next is asked for.
pub(super) struct Pager<'a> {
    t: &'a Transport,
    endpoint: &'a str,
    path: &'a str,
    data_key: &'a str,
    base: &'a [(&'a str, String)],
    since: Option<&'a str>,
    page: usize,
    token: Option<String>,
    tokens_seen: HashSet<String>,
    done: bool,
    pub meta: ListMeta,
}

impl<'a> Pager<'a> {
    pub fn new(
        t: &'a Transport,
        endpoint: &'a str,
        path: &'a str,
        data_key: &'a str,
        base: &'a [(&'a str, String)],
        since: Option<&'a str>,
    ) -> Pager<'a> {
        Pager {
            t,
            endpoint,
            path,
            data_key,
            base,
            since,
            page: 1,
            token: None,
            tokens_seen: HashSet::new(),
            done: false,
            meta: ListMeta::default(),
        }
    }

    /// The next page's records; `None` once the list is complete.
    pub async fn next(&mut self) -> Result<Option<Vec<Value>>, CrmError> {
        if self.done {
            return Ok(None);
        }
        let endpoint = self.endpoint;
        let broken = |detail: String| CrmError::Paging { endpoint: endpoint.into(), detail };
        if self.meta.pages >= MAX_PAGES {
            return Err(broken(format!(
                "Zoho still said there were more records after {MAX_PAGES} pages ({} records, the most \
                     it returns for one list)",
                MAX_PAGES * PER_PAGE
            )));
        }
        let mut q: Vec<(&str, String)> = self.base.to_vec();
        q.push(("per_page", PER_PAGE.to_string()));
        match &self.token {
            Some(t) => q.push(("page_token", t.clone())),
            None => q.push(("page", self.page.to_string())),
        }
        let (body, date) = match self.t.get(endpoint, self.path, &q, self.since).await? {
            Reply::NotModified | Reply::NoContent => {
                self.done = true;
                return Ok(None);
            }
            Reply::Json { body, date, lossy } => {
                if lossy {
                    name_lossy_records(endpoint, body.get(self.data_key));
                }
                (body, date)
            }
        };
        self.meta.pages += 1;
        if self.meta.server_date.is_none() {
            self.meta.server_date = date;
        }
        let malformed = |detail: &str| CrmError::Malformed { endpoint: endpoint.into(), detail: detail.into() };
        let mut body = body;
        let data_key = self.data_key;
        let records = match body.get_mut(data_key).map(Value::take) {
            Some(Value::Array(a)) => a,
            Some(Value::Null) | None => return Err(malformed(&format!("no '{data_key}' list in the reply"))),
            Some(_) => return Err(malformed(&format!("'{data_key}' is not a list"))),
        };
        let info = body.get("info").cloned().unwrap_or(Value::Null);
        let more = info.get("more_records").and_then(Value::as_bool).unwrap_or(false);
        if records.len() > PER_PAGE {
            return Err(broken(format!("a page held {} records, more than the {PER_PAGE} asked for", records.len())));
        }
        if records.is_empty() && more {
            return Err(broken(format!("page {} was empty yet Zoho said more records followed", self.meta.pages)));
        }
        if !more {
            self.done = true;
        } else if self.token.is_none() && self.page < MAX_DISCRETE_PAGE {
            self.page += 1;
        } else {
            let next = info
                .get("next_page_token")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| malformed("more_records is true but there is no next_page_token"))?;
            if !self.tokens_seen.insert(next.to_string()) {
                return Err(broken("Zoho sent the same page token twice, so the list would never end".into()));
            }
            self.token = Some(next.to_string());
        }
        Ok(Some(records))
    }
}

/// Lists a record module (Leads, Events, Appointments__s) so that no record is missed when
/// others change while the pages are read, a page at a time (`next`).
///
/// Sorted by id, an edit does not move a record and a new record lands at the end, so
/// neither can shift an unread record onto a page already read (sorted by Modified_Time,
/// an edited record jumped to the end and the one at the next page boundary was never
/// read). Only a deletion still shifts positions. So when a listing took more than one
/// page, one call asks `{module}/deleted` whether anything was deleted since it began —
/// answered 304 when nothing was, the usual case — and if something was, the list is read
/// again, handing on only records not seen yet. A single page cannot skip anything.
pub(super) struct RecordPager<'a> {
    t: &'a Transport,
    module: &'a str,
    base: &'a [(&'a str, String)],
    since: Option<&'a str>,
    seen: HashSet<String>,
    /// The watermark comes from the first pass: the earliest start is the safe one.
    first: Option<ListMeta>,
    pass: u32,
    current: Option<Pager<'a>>,
}

impl<'a> RecordPager<'a> {
    pub fn new(
        t: &'a Transport,
        module: &'a str,
        base: &'a [(&'a str, String)],
        since: Option<&'a str>,
    ) -> RecordPager<'a> {
        RecordPager {
            t,
            module,
            base,
            since,
            seen: HashSet::new(),
            first: None,
            pass: 1,
            current: Some(Pager::new(t, module, module, "data", base, since)),
        }
    }

    /// The next page of records not handed on before (possibly empty); `None` at the end.
    pub async fn next(&mut self) -> Result<Option<Vec<Value>>, CrmError> {
        loop {
            let Some(current) = &mut self.current else { return Ok(None) };
            if let Some(page) = current.next().await? {
                // A record shifted onto the next page is read twice; hand it on once.
                let seen = &mut self.seen;
                return Ok(Some(
                    page.into_iter().filter(|v| parse::id_of(v).is_none_or(|id| seen.insert(id))).collect(),
                ));
            }
            let meta = std::mem::take(&mut current.meta);
            self.current = None;
            let (pages, started) = (meta.pages, meta.server_date);
            self.first.get_or_insert(meta);
            let Some(started) = started.filter(|_| pages > 1) else { return Ok(None) };
            let deleted = format!("{}/deleted", self.module);
            let q = [("type", "all".to_string()), ("per_page", PER_PAGE.to_string()), ("page", "1".to_string())];
            let ims = zoho_text((started - chrono::Duration::seconds(1)).fixed_offset());
            let vanished = match self.t.get(&deleted, &deleted, &q, Some(&ims)).await? {
                Reply::NotModified | Reply::NoContent => false,
                Reply::Json { body, .. } => body.get("data").and_then(Value::as_array).is_some_and(|d| !d.is_empty()),
            };
            if !vanished {
                return Ok(None);
            }
            if self.pass >= MAX_PASSES {
                return Err(CrmError::Paging {
                    endpoint: self.module.into(),
                    detail: format!(
                        "records kept being deleted in Zoho while the list was read ({MAX_PASSES} attempts)"
                    ),
                });
            }
            tracing::info!(target: "panopticon::zoho", module = self.module, pass = self.pass, "records were deleted while the list was read; reading it again");
            self.pass += 1;
            self.current = Some(Pager::new(self.t, self.module, self.module, "data", self.base, self.since));
        }
    }

    /// The first pass's server date and pages, once `next` has said `None`.
    pub fn meta(&self) -> ListMeta {
        self.first.clone().unwrap_or_default()
    }
}

/// Says which records had text that was not UTF-8 (kept, with U+FFFD in place of the bad bytes),
/// so an operator can find and fix them in Zoho.
fn name_lossy_records(endpoint: &str, records: Option<&Value>) {
    fn spoiled(v: &Value) -> bool {
        match v {
            Value::String(s) => s.contains('\u{FFFD}'),
            Value::Array(a) => a.iter().any(spoiled),
            Value::Object(o) => o.values().any(spoiled),
            _ => false,
        }
    }
    for r in records.and_then(Value::as_array).into_iter().flatten().filter(|r| spoiled(r)) {
        let id = parse::id_of(r).unwrap_or_else(|| "without id".into());
        tracing::warn!(target: "panopticon::zoho", endpoint, id, "record text had bytes that are not UTF-8; kept with U+FFFD in their place");
    }
}
