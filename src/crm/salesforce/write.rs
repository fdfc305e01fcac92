//! Write-back on Salesforce (reassign, note → Task, follow-up task). A stub until the write
//! side lands: every action says it is not available yet and nothing is sent.

use super::SalesforceClient;
use crate::actions::Scopes;
use crate::crm::write::{CrmWriter, NewNote, NewTask, WriteAck, WriteError};
use crate::crm::{CrmError, CrmLead};
use crate::domain::LeadId;
use crate::time::Stamp;

fn not_yet() -> CrmError {
    CrmError::NotConfigured { detail: "write-back to Salesforce is not available in this build".into() }
}

impl CrmWriter for SalesforceClient {
    async fn scopes(&self) -> Result<Scopes, CrmError> {
        Err(not_yet())
    }
    async fn read_lead(&self, _lead: &LeadId) -> Result<Option<CrmLead>, CrmError> {
        Err(not_yet())
    }
    async fn set_locator(&self, _lead: &LeadId, _user_id: &str, _since: Stamp) -> Result<WriteAck, WriteError> {
        Err(WriteError::NotSent(not_yet()))
    }
    async fn add_note(&self, _lead: &LeadId, _note: &NewNote) -> Result<WriteAck, WriteError> {
        Err(WriteError::NotSent(not_yet()))
    }
    async fn create_task(&self, _lead: &LeadId, _task: &NewTask) -> Result<WriteAck, WriteError> {
        Err(WriteError::NotSent(not_yet()))
    }
    async fn find_note(&self, _lead: &LeadId, _marker: &str) -> Result<Option<String>, CrmError> {
        Err(not_yet())
    }
    async fn find_task(&self, _lead: &LeadId, _marker: &str) -> Result<Option<String>, CrmError> {
        Err(not_yet())
    }
}
