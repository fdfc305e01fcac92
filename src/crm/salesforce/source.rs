//! The seam (`CrmSource`, `SalesSource`) on Salesforce: each listing, deletion read and history
//! read, in terms of the queries in `soql` and the parsers in `parse`.

use super::SalesforceClient;
use crate::crm::{
    ApiUsage, AppointmentChange, CallCounts, CrmError, CrmLead, CrmRole, CrmSource, CrmStageChange, CrmUser, Fetched,
    Histories, Listed, Pages, SalesSource, Skipped,
};
use crate::domain::LeadId;
use crate::sales::{DealStage, SalesModule, SalesRecord, StageInfo};

fn pending() -> CrmError {
    CrmError::NotConfigured { detail: "the Salesforce listings are not built yet".into() }
}

impl CrmSource for SalesforceClient {
    async fn fetch_users(&self, _since: Option<&str>) -> Result<Fetched<CrmUser>, CrmError> {
        Err(pending())
    }
    async fn fetch_roles(&self) -> Result<Fetched<CrmRole>, CrmError> {
        Err(pending())
    }
    async fn fetch_leads(&self, _since: Option<&str>, _pages: &impl Pages<CrmLead>) -> Result<Listed, CrmError> {
        Err(pending())
    }
    async fn fetch_deleted_leads(&self, _since: Option<&str>) -> Result<Fetched<LeadId>, CrmError> {
        Err(pending())
    }
    async fn fetch_appointments(
        &self,
        _since: Option<&str>,
        _pages: &impl Pages<AppointmentChange>,
    ) -> Result<Listed, CrmError> {
        Err(pending())
    }
    async fn fetch_deleted_appointments(&self, _since: Option<&str>) -> Result<Fetched<String>, CrmError> {
        Err(pending())
    }
    async fn fetch_stage_history(&self, lead: &LeadId) -> Result<(Vec<CrmStageChange>, Vec<Skipped>), CrmError> {
        let (mut h, s) = self.fetch_stage_histories(std::slice::from_ref(lead)).await?;
        Ok((h.pop().map(|(_, rows)| rows).unwrap_or_default(), s))
    }
    fn history_batch(&self) -> usize {
        super::HISTORY_BATCH
    }
    async fn fetch_stage_histories(&self, _leads: &[LeadId]) -> Result<Histories<LeadId, CrmStageChange>, CrmError> {
        Err(pending())
    }
    fn take_calls(&self) -> CallCounts {
        self.t.take_calls()
    }
    fn api_usage(&self) -> Option<ApiUsage> {
        self.t.api_usage()
    }
}

impl SalesSource for SalesforceClient {
    async fn fetch_sales(
        &self,
        _module: SalesModule,
        _since: Option<&str>,
        _pages: &impl Pages<SalesRecord>,
    ) -> Result<Listed, CrmError> {
        Err(pending())
    }
    async fn fetch_deleted_sales(&self, _module: SalesModule, _since: Option<&str>) -> Result<Fetched<String>, CrmError> {
        Err(pending())
    }
    async fn fetch_deal_stages(&self, deal_id: &str) -> Result<(Vec<DealStage>, Vec<Skipped>), CrmError> {
        let (mut h, s) = self.fetch_deals_stages(&[deal_id.to_string()]).await?;
        Ok((h.pop().map(|(_, rows)| rows).unwrap_or_default(), s))
    }
    fn deal_history_batch(&self) -> usize {
        super::HISTORY_BATCH
    }
    async fn fetch_deals_stages(&self, _deals: &[String]) -> Result<Histories<String, DealStage>, CrmError> {
        Err(pending())
    }
    async fn fetch_stage_meta(&self) -> Result<Fetched<StageInfo>, CrmError> {
        Err(pending())
    }
}
