//! What a write-back action needs from a CRM (issue 15), independent of Zoho's wire format.
//!
//! A write is never retried blindly: a request that may have reached the CRM and got no answer
//! (a timeout, a dropped connection, a 5xx) is `Uncertain`, and the caller finds out what
//! happened by reading back (`read_lead`, `find_note`, `find_task`) before it writes again.
//! Only what certainly did not reach the CRM (a refused connection, 429, an expired token
//! refreshed once) is retried by the client itself.

use std::future::Future;

use chrono::NaiveDate;

use super::{CrmError, CrmLead};
use crate::actions::Scopes;
use crate::domain::LeadId;
use crate::time::Stamp;

/// The CRM's acknowledgement of one written record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteAck {
    /// The record written: the lead for a reassign, the new note or task otherwise.
    pub id: String,
    /// Its `Modified_Time` after the write, when the CRM said.
    pub modified_at: Option<Stamp>,
}

/// Why a write did not happen (or may not have).
#[derive(Debug)]
pub enum WriteError {
    /// HTTP 412 `ALREADY_MODIFIED`: the record changed after `If-Unmodified-Since`. Nothing
    /// was written.
    Conflict,
    /// The CRM refused the record with a reason people can act on: `RECORD_LOCKED`,
    /// `NOT_APPROVED`, `RECORD_IN_BLUEPRINT`, `INVALID_DATA`, `MANDATORY_NOT_FOUND`,
    /// `NO_PERMISSION`, `DUPLICATE_DATA`… Nothing was written.
    Refused {
        code: String,
        /// The CRM's message, one line, no control characters.
        reason: String,
        /// The field it names (`details.api_name`), if any.
        field: Option<String>,
    },
    /// 401 `OAUTH_SCOPE_MISMATCH`: the token lacks the scope. Nothing was written.
    MissingScope { scope: String },
    /// The request may have reached the CRM but no answer came back (timeout, dropped
    /// connection, 5xx): read back before writing again.
    Uncertain { detail: String },
    /// Certainly not written: the CRM could not be reached, or refused the credentials.
    NotSent(CrmError),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::Conflict => f.write_str("the record changed in the CRM since it was read (ALREADY_MODIFIED)"),
            WriteError::Refused { code, reason, field: Some(field) } => write!(f, "{reason} ({code}, field {field})"),
            WriteError::Refused { code, reason, field: None } => write!(f, "{reason} ({code})"),
            WriteError::MissingScope { scope } => write!(f, "the CRM token lacks the scope {scope}"),
            WriteError::Uncertain { detail } => write!(f, "no answer from the CRM ({detail})"),
            WriteError::NotSent(e) => write!(f, "{e}"),
        }
    }
}

/// A note to add to a lead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewNote {
    pub title: String,
    /// Ends with the action key's marker (see `ActionKey::marker`).
    pub content: String,
}

/// A task to create for a lead's owner, linked to the lead (`What_Id` + `$se_module`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTask {
    pub subject: String,
    pub due: NaiveDate,
    /// The CRM user the task is for (the lead's owner).
    pub owner_id: String,
    /// Carries the action key's marker.
    pub description: String,
}

/// Reads and writes one record at a time for the write-back actions.
pub trait CrmWriter: Send + Sync {
    /// The CRM's name in a sentence of the audit ("the lead changed in Zoho…").
    fn crm_name(&self) -> &'static str {
        "Zoho"
    }
    /// The scopes the CRM granted the token (the token endpoint's `scope`), `Unknown` when it
    /// does not say. Costs a token refresh at most.
    fn scopes(&self) -> impl Future<Output = Result<Scopes, CrmError>> + Send;
    /// One lead as the CRM has it now; `None` if it no longer exists.
    fn read_lead(&self, lead: &LeadId) -> impl Future<Output = Result<Option<CrmLead>, CrmError>> + Send;
    /// Sets the lead's locator field (`[zoho.fields] locator`, the owner by default) to
    /// `user_id`, only if the lead was not modified after `unmodified_since`.
    fn set_locator(
        &self,
        lead: &LeadId,
        user_id: &str,
        unmodified_since: Stamp,
    ) -> impl Future<Output = Result<WriteAck, WriteError>> + Send;
    /// Adds a note to the lead.
    fn add_note(&self, lead: &LeadId, note: &NewNote) -> impl Future<Output = Result<WriteAck, WriteError>> + Send;
    /// Creates a task linked to the lead.
    fn create_task(&self, lead: &LeadId, task: &NewTask) -> impl Future<Output = Result<WriteAck, WriteError>> + Send;
    /// The id of the lead's note whose content contains `marker`, if any.
    fn find_note(&self, lead: &LeadId, marker: &str) -> impl Future<Output = Result<Option<String>, CrmError>> + Send;
    /// The id of the task linked to the lead whose description contains `marker`, if any.
    fn find_task(&self, lead: &LeadId, marker: &str) -> impl Future<Output = Result<Option<String>, CrmError>> + Send;
}
