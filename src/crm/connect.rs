//! The one place the configured CRM (`[crm] kind`) becomes a client. A second CRM is one new
//! module beside `zoho/`, one variant of `Crm`, and one arm in `connect` and in each delegation.

use crate::actions::Scopes;
use crate::config::{Config, CrmKind};
use crate::crm::CrmRole;
use crate::domain::LeadId;
use crate::sales::{DealStage, SalesModule, SalesRecord, StageInfo};
use crate::time::Stamp;

use super::salesforce::SalesforceClient;
use super::write::{CrmWriter, NewNote, NewTask, WriteAck, WriteError};
use super::zoho::ZohoClient;
use super::{
    ApiUsage, AppointmentChange, CallCounts, CrmError, CrmLead, CrmSource, CrmStageChange, CrmUser, Fetched, Histories,
    Listed, Pages, SalesSource, Skipped,
};

/// The client for whichever CRM the config names; it is a `CrmSource` by delegation.
pub enum Crm {
    Zoho(ZohoClient),
    Salesforce(SalesforceClient),
}

/// Builds the client for `cfg.crm`.
pub fn connect(cfg: &Config) -> Result<Crm, CrmError> {
    match cfg.crm {
        CrmKind::Zoho => Ok(Crm::Zoho(ZohoClient::new(&cfg.zoho, cfg.appointments.clone())?)),
        CrmKind::Salesforce => {
            let sf = cfg.salesforce.as_ref().ok_or_else(|| CrmError::NotConfigured {
                detail: "[crm] kind = \"salesforce\" needs a [salesforce] table".into(),
            })?;
            Ok(Crm::Salesforce(SalesforceClient::new(sf, cfg.appointments.clone())?))
        }
    }
}

impl CrmSource for Crm {
    async fn fetch_users(&self, since: Option<&str>) -> Result<Fetched<CrmUser>, CrmError> {
        match self {
            Crm::Zoho(c) => c.fetch_users(since).await,
            Crm::Salesforce(c) => c.fetch_users(since).await,
        }
    }
    async fn fetch_roles(&self) -> Result<Fetched<CrmRole>, CrmError> {
        match self {
            Crm::Zoho(c) => c.fetch_roles().await,
            Crm::Salesforce(c) => c.fetch_roles().await,
        }
    }
    async fn fetch_leads(&self, since: Option<&str>, pages: &impl Pages<CrmLead>) -> Result<Listed, CrmError> {
        match self {
            Crm::Zoho(c) => c.fetch_leads(since, pages).await,
            Crm::Salesforce(c) => c.fetch_leads(since, pages).await,
        }
    }
    async fn fetch_deleted_leads(&self, since: Option<&str>) -> Result<Fetched<LeadId>, CrmError> {
        match self {
            Crm::Zoho(c) => c.fetch_deleted_leads(since).await,
            Crm::Salesforce(c) => c.fetch_deleted_leads(since).await,
        }
    }
    async fn fetch_appointments(
        &self,
        since: Option<&str>,
        pages: &impl Pages<AppointmentChange>,
    ) -> Result<Listed, CrmError> {
        match self {
            Crm::Zoho(c) => c.fetch_appointments(since, pages).await,
            Crm::Salesforce(c) => c.fetch_appointments(since, pages).await,
        }
    }
    async fn fetch_deleted_appointments(&self, since: Option<&str>) -> Result<Fetched<String>, CrmError> {
        match self {
            Crm::Zoho(c) => c.fetch_deleted_appointments(since).await,
            Crm::Salesforce(c) => c.fetch_deleted_appointments(since).await,
        }
    }
    async fn fetch_stage_history(&self, lead: &LeadId) -> Result<(Vec<CrmStageChange>, Vec<Skipped>), CrmError> {
        match self {
            Crm::Zoho(c) => c.fetch_stage_history(lead).await,
            Crm::Salesforce(c) => c.fetch_stage_history(lead).await,
        }
    }
    fn history_batch(&self) -> usize {
        match self {
            Crm::Zoho(c) => c.history_batch(),
            Crm::Salesforce(c) => c.history_batch(),
        }
    }
    async fn fetch_stage_histories(&self, leads: &[LeadId]) -> Result<Histories<LeadId, CrmStageChange>, CrmError> {
        match self {
            Crm::Zoho(c) => c.fetch_stage_histories(leads).await,
            Crm::Salesforce(c) => c.fetch_stage_histories(leads).await,
        }
    }
    fn take_calls(&self) -> CallCounts {
        match self {
            Crm::Zoho(c) => c.take_calls(),
            Crm::Salesforce(c) => c.take_calls(),
        }
    }
    fn api_usage(&self) -> Option<ApiUsage> {
        match self {
            Crm::Zoho(c) => c.api_usage(),
            Crm::Salesforce(c) => c.api_usage(),
        }
    }
}

impl SalesSource for Crm {
    async fn fetch_sales(
        &self,
        module: SalesModule,
        since: Option<&str>,
        pages: &impl Pages<SalesRecord>,
    ) -> Result<Listed, CrmError> {
        match self {
            Crm::Zoho(c) => c.fetch_sales(module, since, pages).await,
            Crm::Salesforce(c) => c.fetch_sales(module, since, pages).await,
        }
    }
    async fn fetch_deleted_sales(&self, module: SalesModule, since: Option<&str>) -> Result<Fetched<String>, CrmError> {
        match self {
            Crm::Zoho(c) => c.fetch_deleted_sales(module, since).await,
            Crm::Salesforce(c) => c.fetch_deleted_sales(module, since).await,
        }
    }
    async fn fetch_deal_stages(&self, deal_id: &str) -> Result<(Vec<DealStage>, Vec<Skipped>), CrmError> {
        match self {
            Crm::Zoho(c) => c.fetch_deal_stages(deal_id).await,
            Crm::Salesforce(c) => c.fetch_deal_stages(deal_id).await,
        }
    }
    fn deal_history_batch(&self) -> usize {
        match self {
            Crm::Zoho(c) => c.deal_history_batch(),
            Crm::Salesforce(c) => c.deal_history_batch(),
        }
    }
    async fn fetch_deals_stages(&self, deals: &[String]) -> Result<Histories<String, DealStage>, CrmError> {
        match self {
            Crm::Zoho(c) => c.fetch_deals_stages(deals).await,
            Crm::Salesforce(c) => c.fetch_deals_stages(deals).await,
        }
    }
    async fn fetch_stage_meta(&self) -> Result<Fetched<StageInfo>, CrmError> {
        match self {
            Crm::Zoho(c) => c.fetch_stage_meta().await,
            Crm::Salesforce(c) => c.fetch_stage_meta().await,
        }
    }
}

impl CrmWriter for Crm {
    async fn scopes(&self) -> Result<Scopes, CrmError> {
        match self {
            Crm::Zoho(c) => c.scopes().await,
            Crm::Salesforce(c) => c.scopes().await,
        }
    }
    async fn read_lead(&self, lead: &LeadId) -> Result<Option<CrmLead>, CrmError> {
        match self {
            Crm::Zoho(c) => c.read_lead(lead).await,
            Crm::Salesforce(c) => c.read_lead(lead).await,
        }
    }
    async fn set_locator(&self, lead: &LeadId, user_id: &str, unmodified_since: Stamp) -> Result<WriteAck, WriteError> {
        match self {
            Crm::Zoho(c) => c.set_locator(lead, user_id, unmodified_since).await,
            Crm::Salesforce(c) => c.set_locator(lead, user_id, unmodified_since).await,
        }
    }
    async fn add_note(&self, lead: &LeadId, note: &NewNote) -> Result<WriteAck, WriteError> {
        match self {
            Crm::Zoho(c) => c.add_note(lead, note).await,
            Crm::Salesforce(c) => c.add_note(lead, note).await,
        }
    }
    async fn create_task(&self, lead: &LeadId, task: &NewTask) -> Result<WriteAck, WriteError> {
        match self {
            Crm::Zoho(c) => c.create_task(lead, task).await,
            Crm::Salesforce(c) => c.create_task(lead, task).await,
        }
    }
    async fn find_note(&self, lead: &LeadId, marker: &str) -> Result<Option<String>, CrmError> {
        match self {
            Crm::Zoho(c) => c.find_note(lead, marker).await,
            Crm::Salesforce(c) => c.find_note(lead, marker).await,
        }
    }
    async fn find_task(&self, lead: &LeadId, marker: &str) -> Result<Option<String>, CrmError> {
        match self {
            Crm::Zoho(c) => c.find_task(lead, marker).await,
            Crm::Salesforce(c) => c.find_task(lead, marker).await,
        }
    }
}
