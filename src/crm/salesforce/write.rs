//! Write-back on Salesforce (issue 17): the owner change as `PATCH sobjects/Lead/{id}` with
//! `If-Unmodified-Since` and `Sforce-Auto-Assign: FALSE`, a note as a completed Task, a
//! follow-up as an open Task, and the read-backs (the lead by SOQL, a Task by its marker) that
//! resolve a write whose answer was lost. See reference/salesforce-api.md §10.
//!
//! The transport never re-sends a write that may have landed (a 5xx, a timeout, a dropped
//! connection are `Uncertain`); it re-sends only what certainly did not run (a refused
//! connection, a ConcurrentRequests refusal, an expired session renewed once). What Salesforce
//! refused comes back as its error array, mapped here to what the caller can do about it.

use chrono::Utc;
use reqwest::Method;
use serde_json::{json, Map, Value};

use super::parse::{self, LeadFields};
use super::query::{Pager, Soql};
use super::transport::{ApiFault, Reply, SendError};
use super::SalesforceClient;
use crate::actions::Scopes;
use crate::config::AppointmentSource;
use crate::crm::error::one_line;
use crate::crm::write::{CrmWriter, NewNote, NewTask, WriteAck, WriteError};
use crate::crm::{CrmError, CrmLead};
use crate::domain::LeadId;
use crate::time::Stamp;

/// Pages of a lead's Tasks a read-back goes through: 2,000 a page at most, so far more Tasks
/// than one lead ever has.
const MAX_READBACK_PAGES: usize = 20;

/// A value for a single-quoted SOQL string literal: `\` and `'` escaped.
fn soql_quote(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\'', "\\'")
}

/// What Salesforce said no to, in the caller's terms.
fn refusal(fault: ApiFault) -> WriteError {
    if fault.status == 412 || fault.code == "PRECONDITION_FAILED" {
        return WriteError::Conflict;
    }
    WriteError::Refused {
        code: if fault.code.is_empty() { format!("HTTP {}", fault.status) } else { fault.code },
        reason: if fault.message.is_empty() { "Salesforce refused the write".into() } else { one_line(&fault.message) },
        field: fault.fields.into_iter().next(),
    }
}

/// The new record's id from a create's `{"id","success":true,"errors":[]}`.
fn created(reply: &Reply) -> Result<WriteAck, WriteError> {
    let body = &reply.body;
    if body.get("success").and_then(Value::as_bool) == Some(false) {
        // Salesforce answers a refused create with a 400 and the error array; a 2xx that says
        // it failed still names why in `errors`.
        let errors = body.get("errors").cloned().unwrap_or(Value::Null);
        let fault = super::transport::fault_of(reply.status, Some(&errors));
        return Err(refusal(fault));
    }
    match body.get("id").and_then(Value::as_str).filter(|id| super::fields::is_sf_id(id)) {
        Some(id) => Ok(WriteAck { id: id.to_string(), modified_at: None }),
        // It may have been written: only a read-back can say.
        None => Err(WriteError::Uncertain {
            detail: format!("Salesforce answered HTTP {} without the new record's id", reply.status),
        }),
    }
}

impl SalesforceClient {
    fn lead_fields(&self) -> LeadFields<'_> {
        LeadFields {
            stage: &self.stage_field,
            locator: &self.locator_field,
            locator_rel: parse::relationship_of(&self.locator_field),
            appointment: match &self.source {
                AppointmentSource::Field(f) => Some(f.as_str()),
                _ => None,
            },
        }
    }

    /// Sends one write; its refusal is read into a `WriteError`.
    async fn write(
        &self,
        endpoint: &str,
        method: Method,
        rest: &str,
        headers: &[(&str, String)],
        body: &Value,
    ) -> Result<Reply, WriteError> {
        let path = self.t.data_path(rest);
        match self.t.send(endpoint, method, &path, &[], headers, Some(body)).await {
            Ok(reply) => Ok(reply),
            Err(SendError::Refused { fault, .. }) => Err(refusal(fault)),
            Err(SendError::NotSent(e)) => Err(WriteError::NotSent(e)),
            Err(SendError::Uncertain { detail }) => Err(WriteError::Uncertain { detail }),
        }
    }

    /// The first record of a SOQL query's answer (read page by page, at most `max_pages`)
    /// that `hit` accepts.
    async fn query_find<T>(
        &self,
        endpoint: &'static str,
        soql: Soql,
        max_pages: usize,
        hit: impl Fn(&Value) -> Option<T>,
    ) -> Result<Option<T>, CrmError> {
        let mut pager = Pager::new(&self.t, endpoint, soql);
        // One call past the last page allowed: a pager that is done answers `None` without a
        // request, so a query of exactly `max_pages` pages ends well.
        for read in 0..=max_pages {
            let Some(page) = pager.next().await? else { return Ok(None) };
            if read == max_pages {
                break;
            }
            if let Some(found) = page.iter().find_map(&hit) {
                return Ok(Some(found));
            }
        }
        Err(CrmError::Paging {
            endpoint: super::transport::named(endpoint),
            detail: format!("Salesforce still had more after {max_pages} pages"),
        })
    }

    /// The id of the lead's Task whose Description contains `marker`. Description cannot be
    /// filtered in SOQL (a long text area), so the lead's Tasks are listed, newest first, and
    /// matched here.
    async fn find_marked_task(&self, lead: &LeadId, marker: &str) -> Result<Option<String>, CrmError> {
        let soql = Soql {
            select: "Id, Description".into(),
            from: "Task",
            filters: vec![format!("WhoId = '{}'", soql_quote(lead.as_str()))],
            order: "CreatedDate DESC",
            limit: None,
        };
        self.query_find("Task/readback", soql, MAX_READBACK_PAGES, |t| {
            let marked = t.get("Description").and_then(Value::as_str).is_some_and(|d| d.contains(marker));
            marked.then(|| super::fields::id_of(t)).flatten()
        })
        .await
    }
}

impl CrmWriter for SalesforceClient {
    fn crm_name(&self) -> &'static str {
        "Salesforce"
    }

    /// Salesforce's scopes are not per object: `api` (or `full`) lets the token do whatever the
    /// integration user's profile allows, so every action is offered and a missing permission
    /// shows up as Salesforce's refusal. A grant without either cannot call the REST API at
    /// all, and offers nothing.
    async fn scopes(&self) -> Result<Scopes, CrmError> {
        Ok(match self.t.auth.scope().await? {
            None => Scopes::Unknown,
            Some(text) if text.split_whitespace().any(|s| s == "api" || s == "full") => Scopes::Unknown,
            Some(text) => Scopes::parse(&text),
        })
    }

    async fn read_lead(&self, lead: &LeadId) -> Result<Option<CrmLead>, CrmError> {
        let f = self.lead_fields();
        let soql = Soql {
            select: self.lead_select(),
            from: "Lead",
            filters: vec![format!("Id = '{}'", soql_quote(lead.as_str()))],
            order: "",
            limit: None,
        };
        let endpoint = "Lead/get";
        let malformed = |detail: String| CrmError::Malformed { endpoint: super::transport::named(endpoint), detail };
        let first = self.query_find(endpoint, soql, 1, |r| Some(r.clone())).await?;
        let Some(record) = first else { return Ok(None) };
        let parsed = parse::lead(&record, &f).map_err(|e| malformed(format!("lead {lead}: {e}")))?;
        if !parsed.id.as_str().eq_ignore_ascii_case(lead.as_str()) && !same15(parsed.id.as_str(), lead.as_str()) {
            return Err(malformed(format!("asked for lead {lead}, got {}", parsed.id)));
        }
        Ok(Some(parsed))
    }

    async fn set_locator(&self, lead: &LeadId, user_id: &str, unmodified_since: Stamp) -> Result<WriteAck, WriteError> {
        let mut record = Map::new();
        record.insert(self.locator_field.clone(), json!(user_id));
        let headers = [
            // An HTTP-date, to the second: Salesforce compares it with the lead's SystemModstamp.
            ("If-Unmodified-Since", httpdate::fmt_http_date(unmodified_since.utc().into())),
            // Without it the org's active lead assignment rule runs on this update and may hand
            // the lead straight to a queue or someone else.
            ("Sforce-Auto-Assign", "FALSE".to_string()),
        ];
        let rest = format!("sobjects/Lead/{lead}");
        self.write("Lead/update", Method::PATCH, &rest, &headers, &Value::Object(record)).await?;
        Ok(WriteAck { id: lead.to_string(), modified_at: None })
    }

    async fn add_note(&self, lead: &LeadId, note: &NewNote) -> Result<WriteAck, WriteError> {
        // The server's day (its Date header), not this machine's: the note is dated as the org
        // sees it.
        let today = self.t.server_date().unwrap_or_else(Utc::now).date_naive();
        let body = json!({
            "Subject": note.title,
            "Description": note.content,
            "WhoId": lead.as_str(),
            "Status": "Completed",
            "TaskSubtype": "Task",
            "ActivityDate": today.format("%Y-%m-%d").to_string(),
        });
        let reply = self.write("Task/create", Method::POST, "sobjects/Task", &[], &body).await?;
        created(&reply)
    }

    async fn create_task(&self, lead: &LeadId, task: &NewTask) -> Result<WriteAck, WriteError> {
        let body = json!({
            "Subject": task.subject,
            "ActivityDate": task.due.format("%Y-%m-%d").to_string(),
            "OwnerId": task.owner_id,
            "WhoId": lead.as_str(),
            "Description": task.description,
            "Status": "Not Started",
            "Priority": "Normal",
            "TaskSubtype": "Task",
        });
        let reply = self.write("Task/create", Method::POST, "sobjects/Task", &[], &body).await?;
        created(&reply)
    }

    async fn find_note(&self, lead: &LeadId, marker: &str) -> Result<Option<String>, CrmError> {
        self.find_marked_task(lead, marker).await
    }

    async fn find_task(&self, lead: &LeadId, marker: &str) -> Result<Option<String>, CrmError> {
        self.find_marked_task(lead, marker).await
    }
}

/// Two Salesforce ids name the same record when their first 15 characters match exactly (the
/// 18-character form only adds a checksum of their case).
fn same15(a: &str, b: &str) -> bool {
    a.get(..15).is_some_and(|x| Some(x) == b.get(..15))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(status: u16, code: &str, message: &str, fields: &[&str]) -> ApiFault {
        ApiFault {
            status,
            code: code.into(),
            message: message.into(),
            fields: fields.iter().map(|f| f.to_string()).collect(),
        }
    }

    #[test]
    fn each_refusal_maps_to_what_the_caller_can_do() {
        assert!(matches!(refusal(fault(412, "PRECONDITION_FAILED", "modified", &[])), WriteError::Conflict));
        match refusal(fault(400, "FIELD_CUSTOM_VALIDATION_EXCEPTION", "Round robin only", &["OwnerId"])) {
            WriteError::Refused { code, reason, field } => {
                assert_eq!(
                    (code.as_str(), reason.as_str(), field.as_deref()),
                    ("FIELD_CUSTOM_VALIDATION_EXCEPTION", "Round robin only", Some("OwnerId"))
                );
            }
            other => panic!("{other:?}"),
        }
        match refusal(fault(404, "", "", &[])) {
            WriteError::Refused { code, reason, field: None } => {
                assert_eq!((code.as_str(), reason.as_str()), ("HTTP 404", "Salesforce refused the write"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_create_without_an_id_may_have_landed() {
        let ok = Reply { status: 201, body: json!({"id": "00T000000000001AAA", "success": true, "errors": []}) };
        assert_eq!(created(&ok).unwrap().id, "00T000000000001AAA");
        let no_id = Reply { status: 201, body: json!({"success": true, "errors": []}) };
        assert!(matches!(created(&no_id), Err(WriteError::Uncertain { .. })));
        let failed = Reply {
            status: 200,
            body: json!({"success": false, "errors": [{"message": "locked", "errorCode": "ENTITY_IS_LOCKED", "fields": []}]}),
        };
        assert!(matches!(created(&failed), Err(WriteError::Refused { code, .. }) if code == "ENTITY_IS_LOCKED"));
    }

    #[test]
    fn soql_strings_are_escaped() {
        assert_eq!(soql_quote(r"O'Brien \ x"), r"O\'Brien \\ x");
        assert!(same15("00Q000000000001AAA", "00Q000000000001"));
        assert!(!same15("00Q000000000001AAA", "00q000000000001AAA"));
    }
}
