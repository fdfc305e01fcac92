//! Write-back on Zoho (issue 15): `PUT /Leads/{id}` with `If-Unmodified-Since`, `POST
//! /Leads/{id}/Notes`, `POST /Tasks` (`What_Id` + `$se_module`), and the read-backs that
//! resolve an interrupted write. See reference/zoho-api-more.md §9.
//!
//! PLACEHOLDER (foundation commit): every call answers "not built yet" until the wire lands.

use super::ZohoClient;
use crate::actions::Scopes;
use crate::crm::write::{CrmWriter, NewNote, NewTask, WriteAck, WriteError};
use crate::crm::{CrmError, CrmLead};
use crate::domain::LeadId;
use crate::time::Stamp;

fn not_yet() -> CrmError {
    CrmError::NotConfigured { detail: "write-back is not built yet".into() }
}

impl CrmWriter for ZohoClient {
    async fn scopes(&self) -> Result<Scopes, CrmError> {
        Ok(Scopes::Unknown)
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
