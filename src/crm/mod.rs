//! The CRM side: what the sync needs from a CRM, independent of Zoho's wire format.
//!
//! `zoho` is the real client (reqwest over HTTPS). The Zoho-compatible server the demo and the
//! tests run on 127.0.0.1 is its own crate, `panopticon-sandbox` (`sandbox/`), so the engine
//! ships no server. The sync only sees the types in this file.

mod connect;
pub mod error;
mod sales;
pub mod salesforce;
pub mod write;
pub mod zoho;

use std::collections::BTreeMap;
use std::future::Future;

use chrono::NaiveDate;

pub use connect::{connect, Crm};
pub use error::CrmError;
pub use sales::SalesSource;
pub use write::{CrmWriter, NewNote, NewTask, WriteAck, WriteError};

use crate::domain::LeadId;
use crate::time::Stamp;

/// A reference to a CRM user (the locator).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRef {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrmUser {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub status: Option<String>,
    /// The user's role in the CRM's hierarchy (Zoho `role.id`).
    pub role_id: Option<String>,
    /// The user-level manager (Zoho `Reporting_To.id`); `None` at the top.
    pub reporting_to_id: Option<String>,
}

/// A role in the CRM's hierarchy: `reporting_to` is its parent role (`None` at the top).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrmRole {
    pub id: String,
    pub name: String,
    pub reporting_to: Option<String>,
}

impl CrmUser {
    /// Active unless the CRM says otherwise (Zoho's status: `active`, `disabled`, `deleted`…;
    /// `None` when not sent).
    pub fn active(&self) -> bool {
        self.status.as_deref().is_none_or(|s| s.eq_ignore_ascii_case("active"))
    }
}

/// A date-only or datetime value of a lead's appointment field (`[appointments] source = "field"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldValue {
    Date(NaiveDate),
    DateTime(Stamp),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrmLead {
    pub id: LeadId,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub full_name: String,
    pub company: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub lead_source: Option<String>,
    pub stage: Option<String>,
    pub locator: Option<UserRef>,
    pub converted: bool,
    pub created_at: Stamp,
    pub modified_at: Stamp,
    /// Only read when appointments come from a field on the lead.
    pub appointment_field: Option<FieldValue>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrmAppointment {
    /// Unique across sources: "Events:<id>" or "Appointments__s:<id>".
    pub id: String,
    pub lead_id: LeadId,
    pub title: Option<String>,
    pub start: Stamp,
    pub end: Option<Stamp>,
    pub all_day: bool,
    pub status: Option<String>,
}

/// What an appointment-module record turned out to be for us.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppointmentChange {
    /// A live appointment for a lead.
    Upsert(CrmAppointment),
    /// The record exists but is no longer a lead appointment (cancelled, or re-linked to an
    /// account/contact): any copy we hold must go.
    Remove(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrmStageChange {
    pub id: String,
    pub lead_id: LeadId,
    pub at: Stamp,
    pub from: Option<String>,
    pub to: Option<String>,
    pub by: Option<String>,
}

/// A record the CRM sent that could not be read; the rest of the sync goes on without it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub endpoint: String,
    pub id: Option<String>,
    pub reason: String,
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.id {
            Some(id) => write!(f, "{} record {}: {}", self.endpoint, id, self.reason),
            None => write!(f, "{} record without id: {}", self.endpoint, self.reason),
        }
    }
}

/// The result of one incremental list: what changed, and the watermark to use next time.
#[derive(Debug)]
pub struct Fetched<T> {
    pub items: Vec<T>,
    pub skipped: Vec<Skipped>,
    /// The If-Modified-Since value for the next run; `None` keeps the old one.
    pub next_watermark: Option<String>,
    /// Only from a deletions read (`fetch_deleted_*`): `Some` when the CRM can no longer say
    /// what was deleted since the watermark (Salesforce keeps its delete log 15 days). It then
    /// holds every id the CRM still has, and the sync reconciles: each record held here and not
    /// among them is deleted (behind the mass-delete guard), and the run says so. `items` may
    /// still name deletions it did see.
    pub survivors: Option<Vec<T>>,
}

impl<T> Default for Fetched<T> {
    fn default() -> Self {
        Fetched { items: Vec::new(), skipped: Vec::new(), next_watermark: None, survivors: None }
    }
}

/// The CRM's count of API calls against its daily allowance, as it last reported it
/// (Salesforce's `Sforce-Limit-Info: api-usage=used/max`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApiUsage {
    pub used: u64,
    pub max: u64,
}

/// The end of a listing whose records went to a `Pages` as they were read.
#[derive(Debug, Default)]
pub struct Listed {
    /// The If-Modified-Since value for the next run; `None` keeps the old one.
    pub next_watermark: Option<String>,
}

/// Where a listing hands each page of records (and the records it could not read) as soon as
/// the page is read. Awaiting `page` is the backpressure that keeps a long listing's memory
/// flat; an error (the receiver has stopped) ends the listing.
pub trait Pages<T>: Sync {
    fn page(&self, items: Vec<T>, skipped: Vec<Skipped>) -> impl Future<Output = Result<(), CrmError>> + Send;
}

/// Several records' histories read at once, each with its rows oldest first, and the rows
/// that could not be read.
pub type Histories<K, R> = (Vec<(K, Vec<R>)>, Vec<Skipped>);

/// API calls made, per endpoint ("Leads", "Leads/deleted", "Events", "__timeline", "users"…).
pub type CallCounts = BTreeMap<String, u64>;

/// What the sync needs from a CRM. `since` is an opaque watermark returned by an earlier fetch.
/// The sales side's part is `SalesSource`.
pub trait CrmSource: SalesSource {
    fn fetch_users(&self, since: Option<&str>) -> impl Future<Output = Result<Fetched<CrmUser>, CrmError>> + Send;
    /// The CRM's role tree, whole (it is small and has no Modified_Time to list by).
    fn fetch_roles(&self) -> impl Future<Output = Result<Fetched<CrmRole>, CrmError>> + Send;
    /// Each page goes to `pages` as it is read.
    fn fetch_leads(
        &self,
        since: Option<&str>,
        pages: &impl Pages<CrmLead>,
    ) -> impl Future<Output = Result<Listed, CrmError>> + Send;
    fn fetch_deleted_leads(
        &self,
        since: Option<&str>,
    ) -> impl Future<Output = Result<Fetched<LeadId>, CrmError>> + Send;
    /// Appointments from the configured module (not called for the `field` source), each page
    /// to `pages` as it is read.
    fn fetch_appointments(
        &self,
        since: Option<&str>,
        pages: &impl Pages<AppointmentChange>,
    ) -> impl Future<Output = Result<Listed, CrmError>> + Send;
    fn fetch_deleted_appointments(
        &self,
        since: Option<&str>,
    ) -> impl Future<Output = Result<Fetched<String>, CrmError>> + Send;
    /// Every change of the stage field in one lead's timeline, oldest first.
    fn fetch_stage_history(
        &self,
        lead: &LeadId,
    ) -> impl Future<Output = Result<(Vec<CrmStageChange>, Vec<Skipped>), CrmError>> + Send;
    /// How many leads one `fetch_stage_histories` call should be given: 1 where each lead's
    /// history is its own request (Zoho's `__timeline`), more where one query reads many
    /// (Salesforce's `LeadHistory … WHERE LeadId IN (…)`).
    fn history_batch(&self) -> usize {
        1
    }
    /// The stage histories of `leads` (at most `history_batch` of them), each oldest first, in
    /// the order given; a lead without changes gets an empty list.
    fn fetch_stage_histories(
        &self,
        leads: &[LeadId],
    ) -> impl Future<Output = Result<Histories<LeadId, CrmStageChange>, CrmError>> + Send {
        async move {
            let mut out = Vec::with_capacity(leads.len());
            let mut skipped = Vec::new();
            for lead in leads {
                let (changes, s) = self.fetch_stage_history(lead).await?;
                out.push((lead.clone(), changes));
                skipped.extend(s);
            }
            Ok((out, skipped))
        }
    }
    /// Calls made since the last `take_calls`.
    fn take_calls(&self) -> CallCounts;
    /// The CRM's own count of API calls against its daily allowance, when it reports one
    /// (shown in `/status` and `panopticon status`); `None` for a CRM that does not.
    fn api_usage(&self) -> Option<ApiUsage> {
        None
    }
}
