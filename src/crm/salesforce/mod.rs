//! The Salesforce client (REST API over reqwest + rustls): the same seam as Zoho's, read by SOQL.
//!
//! Listings are SOQL queries ordered by `SystemModstamp, Id`, incremental from a watermark (the
//! newest SystemModstamp seen, less 2 minutes of overlap, since a record saved during a query
//! may carry a stamp older than rows already read), each page handed on as it arrives. Deletions
//! come from `sobjects/{type}/deleted` (15 days of log) and, once the log no longer reaches back
//! to the watermark, from every live id (`Fetched::survivors`). Stage histories are read 200
//! leads or opportunities per query. Records that cannot be read are reported, not fatal.

mod auth;
mod deleted;
mod fields;
mod parse;
mod query;
mod sales_parse;
mod soql;
mod source;
mod transport;
mod write;

use std::time::Duration;

use crate::config::{AppointmentSource, SalesforceAuth, SalesforceConfig};
use crate::crm::zoho::retry::Backoff;
use crate::crm::{ApiUsage, CrmError};

use transport::Transport;
pub use transport::{parse_limit_info, ApiFault, Reply, SendError};

pub struct SalesforceClient {
    /// Every request goes through it (`write.rs` sends with `self.t.send`).
    t: Transport,
    stage_field: String,
    locator_field: String,
    pipeline_field: Option<String>,
    source: AppointmentSource,
}

impl SalesforceClient {
    /// Fails with what to fix when a secret is missing or the JWT key cannot be used.
    pub fn new(cfg: &SalesforceConfig, source: AppointmentSource) -> Result<SalesforceClient, CrmError> {
        let not_configured = |detail: String| CrmError::NotConfigured { detail };
        let grant = match &cfg.auth {
            SalesforceAuth::RefreshToken => {
                let (client_secret, refresh_token) = cfg
                    .secrets()
                    .map_err(|e| not_configured(e.0))?
                    .ok_or_else(|| not_configured("the Salesforce refresh-token sign-in has no secrets".into()))?;
                auth::Grant::Refresh { client_secret, refresh_token }
            }
            SalesforceAuth::Jwt { username, key_file, audience } => auth::Grant::Jwt {
                username: username.clone(),
                audience: audience.clone(),
                key: Box::new(auth::load_key(std::path::Path::new(key_file))?),
            },
        };
        if let AppointmentSource::Field(f) = &source {
            // It goes into the SOQL as is: only an API name may.
            if f.is_empty() || !f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(not_configured(format!(
                    "[appointments] field: '{}' is not a Salesforce field API name (letters, digits, _; like \
                     Appointment_At__c)",
                    crate::crm::error::one_line(f)
                )));
            }
        }
        let loopback = is_loopback(&cfg.login_url);
        let backoff = || Backoff::new(cfg.max_retries, cfg.retry_base, cfg.timeout);
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(backoff().connect_timeout())
            .pool_max_idle_per_host(cfg.concurrency)
            .user_agent(concat!("panopticon/", env!("CARGO_PKG_VERSION")))
            // Every request carries a credential: a redirect is reported, never followed.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| not_configured(format!("the HTTP client could not start ({e})")))?;
        let auth = auth::Auth::new(http.clone(), &cfg.login_url, cfg.client_id.clone(), grant, loopback, backoff());
        Ok(SalesforceClient {
            t: Transport::new(http, auth, &cfg.api_version, cfg.concurrency, backoff()),
            stage_field: cfg.stage_field.clone(),
            locator_field: cfg.locator_field.clone(),
            pipeline_field: cfg.pipeline_field.clone(),
            source,
        })
    }

    /// The scopes Salesforce granted the token (`api`, `refresh_token`…), signing in if needed;
    /// `None` when the token reply did not name them (the JWT flow may not).
    pub async fn token_scopes(&self) -> Result<Option<Vec<String>>, CrmError> {
        Ok(self.t.auth.scope().await?.map(|s| s.split_whitespace().map(String::from).collect()))
    }

    /// Whether Lead field history tracking records the stage field: a `LeadHistory` row for
    /// it exists. (Describe cannot tell: it lists a field whether or not it is tracked.) An org
    /// whose leads never changed stage yet reads as `false` too — `doctor` says both.
    pub async fn history_tracking_on(&self) -> Result<bool, CrmError> {
        let stage = self.stage_field.replace('\'', "");
        let q = query::Soql {
            select: "Id".into(),
            from: "LeadHistory",
            filters: vec![format!("Field = '{stage}'")],
            order: "",
            limit: Some(1),
        };
        Ok(!query::all(&self.t, "LeadHistory", q).await?.is_empty())
    }

    /// The API names of the Lead's fields (`sobjects/Lead/describe`), for `doctor` to check
    /// the configured stage, locator and appointment fields exist.
    pub async fn lead_field_names(&self) -> Result<Vec<String>, CrmError> {
        let body = self.t.get("Lead/describe", &self.t.data_path("sobjects/Lead/describe"), &[], &[]).await?;
        let fields = body.get("fields").and_then(serde_json::Value::as_array).ok_or_else(|| CrmError::Malformed {
            endpoint: transport::named("Lead/describe"),
            detail: "no 'fields' list in the reply".into(),
        })?;
        Ok(fields.iter().filter_map(|f| f.get("name")?.as_str()).map(String::from).collect())
    }

    /// The last API usage Salesforce reported.
    pub fn last_api_usage(&self) -> Option<ApiUsage> {
        self.t.api_usage()
    }
}

/// Whether a URL is on this machine (the sandbox, tests), where plain http is allowed.
fn is_loopback(raw: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(raw) else { return false };
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Leads (or opportunities) whose histories one query reads: 200 18-char ids keep the SOQL
/// well under its 100,000-character limit.
pub const HISTORY_BATCH: usize = 200;

/// How much a listing's watermark steps back: a record saved while a query ran can carry a
/// SystemModstamp older than rows the query already returned.
pub const OVERLAP: Duration = Duration::from_secs(120);
