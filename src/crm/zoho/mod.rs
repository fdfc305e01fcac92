//! The real Zoho CRM client (REST v7/v8 over reqwest + rustls).
//!
//! Listing follows Zoho's paging rules: `fields` always, 200 per page, `page` for the first
//! 2,000 records and then `page_token`; `If-Modified-Since` for incremental runs (304 = nothing
//! changed, 204 = nothing at all). Records that cannot be read are reported, not fatal.

mod oauth;
mod parse;
mod transport;

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::config::{AppointmentSource, ZohoConfig};
use crate::crm::{
    AppointmentChange, CallCounts, CrmError, CrmLead, CrmSource, CrmStageChange, CrmUser, Fetched, Skipped,
};
use crate::domain::LeadId;
use crate::time::{zoho_text, Stamp};
pub use oauth::{REFRESH_LIMIT, REFRESH_WINDOW};
use transport::{Reply, Transport};

const PER_PAGE: usize = 200;
/// `page` × `per_page` may not pass 2,000; after that Zoho wants `page_token`.
const MAX_DISCRETE_PAGE: usize = 2000 / PER_PAGE;

pub struct ZohoClient {
    t: Transport,
    stage_field: String,
    locator_field: String,
    source: AppointmentSource,
}

/// What one paged list produced besides its records.
struct ListMeta {
    /// Server time of the first response (HTTP Date), for a watermark that can't skip records.
    server_date: Option<DateTime<Utc>>,
}

impl ZohoClient {
    /// Fails with the missing variable's name when a secret is not configured.
    pub fn new(cfg: &ZohoConfig, source: AppointmentSource) -> Result<ZohoClient, CrmError> {
        let (client_secret, refresh_token) = cfg.secrets().map_err(|e| CrmError::NotConfigured { detail: e.0 })?;
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(cfg.concurrency)
            .user_agent(concat!("panopticon/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CrmError::Unavailable { endpoint: "client".into(), detail: e.to_string(), attempts: 0 })?;
        let oauth =
            oauth::OAuth::new(http.clone(), &cfg.accounts_url, cfg.client_id.clone(), client_secret, refresh_token);
        let api_base = format!("{}/crm/{}", cfg.api_domain.trim_end_matches('/'), cfg.api_version);
        Ok(ZohoClient {
            t: Transport::new(http, oauth, api_base, cfg.concurrency, cfg.max_retries, cfg.retry_base),
            stage_field: cfg.stage_field.clone(),
            locator_field: cfg.locator_field.clone(),
            source,
        })
    }

    /// Walks every page of a list endpoint, handing each page's records to `each`.
    async fn list(
        &self,
        endpoint: &str,
        path: &str,
        data_key: &str,
        base: &[(&str, String)],
        since: Option<&str>,
        mut each: impl FnMut(Vec<Value>),
    ) -> Result<ListMeta, CrmError> {
        let mut page = 1usize;
        let mut token: Option<String> = None;
        let mut meta = ListMeta { server_date: None };
        loop {
            let mut q: Vec<(&str, String)> = base.to_vec();
            q.push(("per_page", PER_PAGE.to_string()));
            match &token {
                Some(t) => q.push(("page_token", t.clone())),
                None => q.push(("page", page.to_string())),
            }
            let (body, date) = match self.t.get(endpoint, path, &q, since).await? {
                Reply::NotModified | Reply::NoContent => return Ok(meta),
                Reply::Json { body, date } => (body, date),
            };
            if meta.server_date.is_none() {
                meta.server_date = date;
            }
            let malformed = |detail: &str| CrmError::Malformed { endpoint: endpoint.into(), detail: detail.into() };
            let mut body = body;
            let records = match body.get_mut(data_key).map(Value::take) {
                Some(Value::Array(a)) => a,
                Some(Value::Null) | None => return Err(malformed(&format!("no '{data_key}' array in the reply"))),
                Some(_) => return Err(malformed(&format!("'{data_key}' is not an array"))),
            };
            each(records);
            let info = body.get("info").cloned().unwrap_or(Value::Null);
            if !info.get("more_records").and_then(Value::as_bool).unwrap_or(false) {
                return Ok(meta);
            }
            if token.is_none() && page < MAX_DISCRETE_PAGE {
                page += 1;
            } else {
                let next = info
                    .get("next_page_token")
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| malformed("more_records is true but there is no next_page_token"))?;
                token = Some(next.to_string());
            }
        }
    }

    fn lead_fields(&self) -> String {
        let mut f = vec![
            "First_Name",
            "Last_Name",
            "Full_Name",
            "Company",
            "Email",
            "Phone",
            "Lead_Source",
            "Converted__s",
            "Created_Time",
            "Modified_Time",
        ];
        f.push(&self.stage_field);
        f.push(&self.locator_field);
        if let AppointmentSource::Field(name) = &self.source {
            f.push(name);
        }
        f.sort();
        f.dedup();
        f.join(",")
    }

    fn appointment_module(&self) -> Option<&'static str> {
        match self.source {
            AppointmentSource::Events => Some("Events"),
            AppointmentSource::Appointments => Some("Appointments__s"),
            AppointmentSource::Field(_) => None,
        }
    }

    async fn deleted(&self, module: &str, since: Option<&str>) -> Result<Fetched<String>, CrmError> {
        let endpoint = format!("{module}/deleted");
        let mut out = Fetched::default();
        let mut newest: Option<Stamp> = None;
        let meta = self
            .list(&endpoint, &endpoint, "data", &[("type", "all".into())], since, |page| {
                for v in page {
                    match parse::deleted(&v) {
                        Ok((id, at)) => {
                            newest = newest.max(at);
                            out.items.push(id);
                        }
                        Err(reason) => {
                            out.skipped.push(Skipped { endpoint: endpoint.clone(), id: parse::id_of(&v), reason })
                        }
                    }
                }
            })
            .await?;
        out.next_watermark = watermark(newest, meta.server_date);
        Ok(out)
    }
}

/// The If-Modified-Since value for the next run.
///
/// Zoho compares whole seconds and returns records modified strictly after the value. Taking
/// the newest Modified_Time seen would miss a record saved in that same second just after our
/// page was read, so the watermark never passes one second before the server's clock at the
/// start of this run: such a record is then read again next time (harmless) instead of never.
fn watermark(newest: Option<Stamp>, server_date: Option<DateTime<Utc>>) -> Option<String> {
    let newest = newest?.utc();
    let w = match server_date {
        Some(d) => newest.min(d - chrono::Duration::seconds(1)),
        None => newest,
    };
    Some(zoho_text(w.fixed_offset()))
}

impl CrmSource for ZohoClient {
    async fn fetch_users(&self, since: Option<&str>) -> Result<Fetched<CrmUser>, CrmError> {
        let mut out = Fetched::default();
        let mut newest: Option<Stamp> = None;
        let meta = self
            .list("users", "users", "users", &[("type", "AllUsers".into())], since, |page| {
                for v in page {
                    match parse::user(&v) {
                        Ok((u, modified)) => {
                            newest = newest.max(modified);
                            out.items.push(u);
                        }
                        Err(reason) => {
                            out.skipped.push(Skipped { endpoint: "users".into(), id: parse::id_of(&v), reason })
                        }
                    }
                }
            })
            .await?;
        out.next_watermark = watermark(newest, meta.server_date);
        Ok(out)
    }

    async fn fetch_leads(
        &self,
        since: Option<&str>,
        on_page: &(dyn Fn(usize) + Sync),
    ) -> Result<Fetched<CrmLead>, CrmError> {
        let base = [
            ("fields", self.lead_fields()),
            ("converted", "both".to_string()),
            ("sort_by", "Modified_Time".to_string()),
            ("sort_order", "asc".to_string()),
        ];
        let mut out = Fetched::default();
        let mut newest: Option<Stamp> = None;
        let fields = parse::LeadFields {
            stage: &self.stage_field,
            locator: &self.locator_field,
            appointment: match &self.source {
                AppointmentSource::Field(f) => Some(f.as_str()),
                _ => None,
            },
        };
        let meta = self
            .list("Leads", "Leads", "data", &base, since, |page| {
                for v in page {
                    match parse::lead(&v, &fields) {
                        Ok(l) => {
                            newest = newest.max(Some(l.modified_at));
                            out.items.push(l);
                        }
                        Err(reason) => {
                            out.skipped.push(Skipped { endpoint: "Leads".into(), id: parse::id_of(&v), reason })
                        }
                    }
                }
                on_page(out.items.len());
            })
            .await?;
        out.next_watermark = watermark(newest, meta.server_date);
        Ok(out)
    }

    async fn fetch_deleted_leads(&self, since: Option<&str>) -> Result<Fetched<LeadId>, CrmError> {
        let raw = self.deleted("Leads", since).await?;
        let mut out = Fetched { next_watermark: raw.next_watermark, skipped: raw.skipped, items: vec![] };
        for id in raw.items {
            match LeadId::parse(&id) {
                Ok(l) => out.items.push(l),
                Err(reason) => out.skipped.push(Skipped { endpoint: "Leads/deleted".into(), id: Some(id), reason }),
            }
        }
        Ok(out)
    }

    async fn fetch_appointments(
        &self,
        since: Option<&str>,
        on_page: &(dyn Fn(usize) + Sync),
    ) -> Result<Fetched<AppointmentChange>, CrmError> {
        let Some(module) = self.appointment_module() else {
            return Ok(Fetched::default());
        };
        let fields = match module {
            "Events" => "Event_Title,Start_DateTime,End_DateTime,All_day,What_Id,$se_module,Modified_Time",
            _ => "Appointment_Name,Appointment_Start_Time,Appointment_End_Time,Appointment_For,Status,Modified_Time",
        };
        let base = [
            ("fields", fields.to_string()),
            ("sort_by", "Modified_Time".to_string()),
            ("sort_order", "asc".to_string()),
        ];
        let mut out = Fetched::default();
        let mut newest: Option<Stamp> = None;
        let meta = self
            .list(module, module, "data", &base, since, |page| {
                for v in page {
                    let parsed = if module == "Events" { parse::event(&v) } else { parse::appointment(&v) };
                    match parsed {
                        Ok((change, modified)) => {
                            newest = newest.max(Some(modified));
                            out.items.push(change);
                        }
                        Err(reason) => {
                            out.skipped.push(Skipped { endpoint: module.into(), id: parse::id_of(&v), reason })
                        }
                    }
                }
                on_page(out.items.len());
            })
            .await?;
        out.next_watermark = watermark(newest, meta.server_date);
        Ok(out)
    }

    async fn fetch_deleted_appointments(&self, since: Option<&str>) -> Result<Fetched<String>, CrmError> {
        let Some(module) = self.appointment_module() else {
            return Ok(Fetched::default());
        };
        let mut raw = self.deleted(module, since).await?;
        for id in &mut raw.items {
            *id = format!("{module}:{id}");
        }
        Ok(raw)
    }

    async fn fetch_stage_history(&self, lead: &LeadId) -> Result<(Vec<CrmStageChange>, Vec<Skipped>), CrmError> {
        let path = format!("Leads/{lead}/__timeline");
        let mut changes = Vec::new();
        let mut skipped = Vec::new();
        let mut token: Option<String> = None;
        loop {
            // The timeline takes per_page on the first page only; later pages go by token.
            let q = match &token {
                None => vec![
                    ("per_page", PER_PAGE.to_string()),
                    ("sort_by", "audited_time".into()),
                    ("sort_order", "asc".into()),
                ],
                Some(t) => vec![("page_token", t.clone())],
            };
            let body = match self.t.get("__timeline", &path, &q, None).await? {
                Reply::Json { body, .. } => body,
                Reply::NoContent | Reply::NotModified => break,
            };
            let entries = body.get("__timeline").and_then(Value::as_array).ok_or_else(|| CrmError::Malformed {
                endpoint: "__timeline".into(),
                detail: format!("lead {lead}: no '__timeline' array in the reply"),
            })?;
            for e in entries {
                match parse::stage_changes(e, lead, &self.stage_field) {
                    Ok(mut c) => changes.append(&mut c),
                    Err(reason) => {
                        skipped.push(Skipped { endpoint: "__timeline".into(), id: Some(lead.to_string()), reason })
                    }
                }
            }
            let info = body.get("info").cloned().unwrap_or(Value::Null);
            if !info.get("more_records").and_then(Value::as_bool).unwrap_or(false) {
                break;
            }
            match info.get("next_page_token").and_then(Value::as_str).filter(|s| !s.is_empty()) {
                Some(t) => token = Some(t.to_string()),
                None => {
                    return Err(CrmError::Malformed {
                        endpoint: "__timeline".into(),
                        detail: format!("lead {lead}: more_records without next_page_token"),
                    })
                }
            }
        }
        changes.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
        Ok((changes, skipped))
    }

    fn take_calls(&self) -> CallCounts {
        self.t.take_calls()
    }
}
