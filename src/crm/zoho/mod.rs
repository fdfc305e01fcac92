//! The real Zoho CRM client (REST v7/v8 over reqwest + rustls).
//!
//! Listing follows Zoho's paging rules: `fields` always, 200 per page, `page` for the first
//! 2,000 records and then `page_token`; `If-Modified-Since` for incremental runs (304 = nothing
//! changed, 204 = nothing at all). Records that cannot be read are reported, not fatal.
//!
//! Paging is by position, so a listing must not let records move under it: record modules are
//! sorted by id (an edit moves a record to the end of the `Modified_Time` order, which shifted
//! the record at the next page boundary out of reach), and a listing that takes several pages
//! asks `/deleted` once whether anything vanished meanwhile (see `RecordPager`). A listing
//! that would never end — `more_records` forever, empty pages, a repeated page token — stops
//! with an error at what Zoho can really return.

mod fields;
mod oauth;
mod paging;
mod parse;
pub(crate) mod retry;
mod roles;
mod sales;
mod sales_parse;
mod transport;
mod write;

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::config::{AppointmentSource, ZohoConfig};
use crate::crm::CrmRole;
use crate::crm::{
    AppointmentChange, CallCounts, CrmError, CrmLead, CrmSource, CrmStageChange, CrmUser, Fetched, Listed, Pages,
    Skipped,
};
use crate::domain::LeadId;
use crate::time::{zoho_text, Stamp};
pub use fields::FieldInfo;
pub use oauth::{REFRESH_LIMIT, REFRESH_WINDOW};
use paging::{MAX_PAGES, PER_PAGE};
pub use sales::{STAGE_HISTORY, STAGE_META};
use transport::{Reply, Transport};

pub struct ZohoClient {
    t: Transport,
    stage_field: String,
    locator_field: String,
    source: AppointmentSource,
}

impl ZohoClient {
    /// Fails with the missing variable's name when a secret is not configured.
    pub fn new(cfg: &ZohoConfig, source: AppointmentSource) -> Result<ZohoClient, CrmError> {
        let (client_secret, refresh_token) = cfg.secrets().map_err(|e| CrmError::NotConfigured { detail: e.0 })?;
        check_url("[zoho] accounts_url", &cfg.accounts_url)?;
        check_url("[zoho] api_domain", &cfg.api_domain)?;
        let backoff = || retry::Backoff::new(cfg.max_retries, cfg.retry_base, cfg.timeout);
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(backoff().connect_timeout())
            .pool_max_idle_per_host(cfg.concurrency)
            .user_agent(concat!("panopticon/", env!("CARGO_PKG_VERSION")))
            // Every Zoho request carries a credential (the client secret and refresh token, or
            // the access token): a redirect is reported, never followed.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| CrmError::NotConfigured { detail: format!("the HTTP client could not start ({e})") })?;
        let oauth = oauth::OAuth::new(
            http.clone(),
            &cfg.accounts_url,
            cfg.client_id.clone(),
            client_secret,
            refresh_token,
            backoff(),
        );
        let api_base = format!("{}/crm/{}", cfg.api_domain.trim_end_matches('/'), cfg.api_version);
        Ok(ZohoClient {
            t: Transport::new(http, oauth, api_base, cfg.concurrency, backoff()),
            stage_field: cfg.stage_field.clone(),
            locator_field: cfg.locator_field.clone(),
            source,
        })
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
        let meta = paging::list(&self.t, &endpoint, &endpoint, "data", &[("type", "all".into())], since, |page| {
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

/// The fields an appointment listing asks for (`panopticon doctor` asks for the same).
fn appointment_fields(module: &str) -> &'static str {
    match module {
        "Events" => "Event_Title,Start_DateTime,End_DateTime,All_day,What_Id,$se_module,Modified_Time",
        _ => "Appointment_Name,Appointment_Start_Time,Appointment_End_Time,Appointment_For,Status,Modified_Time",
    }
}

/// Refuses a Zoho URL that would send credentials in clear text: `http://` is allowed only for
/// a server on this machine (the sandbox, tests).
fn check_url(key: &str, raw: &str) -> Result<(), CrmError> {
    let bad = |why: String| CrmError::NotConfigured { detail: format!("{key}: {why}") };
    let url = reqwest::Url::parse(raw).map_err(|e| bad(format!("not a URL ({e})")))?;
    match url.scheme() {
        "https" => Ok(()),
        "http" => {
            let loopback = match url.host() {
                Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            };
            if loopback {
                Ok(())
            } else {
                Err(bad(format!(
                    "http://{} would send the Zoho credentials unencrypted; use https:// (http:// is accepted \
                     only for a local test server on 127.0.0.1 or localhost)",
                    url.host_str().unwrap_or("")
                )))
            }
        }
        other => Err(bad(format!("'{other}://' is not a web address; use https://"))),
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
        let meta = paging::list(&self.t, "users", "users", "users", &[("type", "AllUsers".into())], since, |page| {
            for v in page {
                match parse::user(&v) {
                    Ok((u, modified)) => {
                        newest = newest.max(modified);
                        out.items.push(u);
                    }
                    Err(reason) => out.skipped.push(Skipped { endpoint: "users".into(), id: parse::id_of(&v), reason }),
                }
            }
        })
        .await?;
        out.next_watermark = watermark(newest, meta.server_date);
        Ok(out)
    }

    async fn fetch_roles(&self) -> Result<Fetched<CrmRole>, CrmError> {
        roles::fetch(&self.t).await
    }

    async fn fetch_leads(&self, since: Option<&str>, pages: &impl Pages<CrmLead>) -> Result<Listed, CrmError> {
        let base = [
            ("fields", self.lead_fields()),
            ("converted", "both".to_string()),
            ("sort_by", "id".to_string()),
            ("sort_order", "asc".to_string()),
        ];
        let mut newest: Option<Stamp> = None;
        let fields = parse::LeadFields {
            stage: &self.stage_field,
            locator: &self.locator_field,
            appointment: match &self.source {
                AppointmentSource::Field(f) => Some(f.as_str()),
                _ => None,
            },
        };
        let mut pager = paging::RecordPager::new(&self.t, "Leads", &base, since);
        while let Some(page) = pager.next().await? {
            let (mut items, mut skipped) = (Vec::with_capacity(page.len()), Vec::new());
            for v in page {
                match parse::lead(&v, &fields) {
                    Ok(l) => {
                        newest = newest.max(Some(l.modified_at));
                        items.push(l);
                    }
                    Err(reason) => skipped.push(Skipped { endpoint: "Leads".into(), id: parse::id_of(&v), reason }),
                }
            }
            pages.page(items, skipped).await?;
        }
        Ok(Listed { next_watermark: watermark(newest, pager.meta().server_date) })
    }

    async fn fetch_deleted_leads(&self, since: Option<&str>) -> Result<Fetched<LeadId>, CrmError> {
        let raw = self.deleted("Leads", since).await?;
        let mut out = Fetched { next_watermark: raw.next_watermark, skipped: raw.skipped, ..Fetched::default() };
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
        pages: &impl Pages<AppointmentChange>,
    ) -> Result<Listed, CrmError> {
        let Some(module) = self.appointment_module() else {
            return Ok(Listed::default());
        };
        let fields = appointment_fields(module);
        let base = [("fields", fields.to_string()), ("sort_by", "id".to_string()), ("sort_order", "asc".to_string())];
        let mut newest: Option<Stamp> = None;
        let mut pager = paging::RecordPager::new(&self.t, module, &base, since);
        while let Some(page) = pager.next().await? {
            let (mut items, mut skipped) = (Vec::with_capacity(page.len()), Vec::new());
            for v in page {
                let parsed = if module == "Events" { parse::event(&v) } else { parse::appointment(&v) };
                match parsed {
                    Ok((change, modified)) => {
                        newest = newest.max(Some(modified));
                        items.push(change);
                    }
                    Err(reason) => skipped.push(Skipped { endpoint: module.into(), id: parse::id_of(&v), reason }),
                }
            }
            pages.page(items, skipped).await?;
        }
        Ok(Listed { next_watermark: watermark(newest, pager.meta().server_date) })
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
        let mut tokens_seen: HashSet<String> = HashSet::new();
        let broken = |detail: String| CrmError::Paging {
            endpoint: "__timeline".into(),
            detail: format!("lead {lead}: {detail}"),
        };
        for pages in 1.. {
            if pages > MAX_PAGES {
                return Err(broken(format!("Zoho still said there were more entries after {MAX_PAGES} pages")));
            }
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
                detail: format!("lead {lead}: no '__timeline' list in the reply"),
            })?;
            let info = body.get("info").cloned().unwrap_or(Value::Null);
            let more = info.get("more_records").and_then(Value::as_bool).unwrap_or(false);
            if entries.len() > PER_PAGE {
                return Err(broken(format!(
                    "a page held {} entries, more than the {PER_PAGE} asked for",
                    entries.len()
                )));
            }
            if entries.is_empty() && more {
                return Err(broken(format!("page {pages} was empty yet Zoho said more entries followed")));
            }
            for e in entries {
                match parse::stage_changes(e, lead, &self.stage_field) {
                    Ok(mut c) => changes.append(&mut c),
                    Err(reason) => {
                        skipped.push(Skipped { endpoint: "__timeline".into(), id: Some(lead.to_string()), reason })
                    }
                }
            }
            if !more {
                break;
            }
            match info.get("next_page_token").and_then(Value::as_str).filter(|s| !s.is_empty()) {
                Some(t) if !tokens_seen.insert(t.to_string()) => {
                    return Err(broken("Zoho sent the same page token twice, so the timeline would never end".into()))
                }
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
