//! Write-back on Zoho (issue 15): `PUT /Leads/{id}` with `If-Unmodified-Since`, `POST
//! /Leads/{id}/Notes`, `POST /Tasks` (`What_Id` + `$se_module`), and the read-backs that
//! resolve an interrupted write. See reference/zoho-api-more.md §9.
//!
//! Every write asks for one record and reads that record's own result (`data[0].status` and
//! `code`), whatever the HTTP status: Zoho reports a refused record inside `data[]`. The
//! owner change and the task send `"trigger":["workflow"]`: the org's own workflow rules
//! (assignment notifications, field updates) run as if a person had made the change in Zoho,
//! while approval processes and Blueprint transitions — which a bot must not start on
//! someone's behalf — do not (an absent `trigger` would run them all, `[]` none).

use reqwest::Method;
use serde_json::{json, Map, Value};

use super::parse;
use super::transport::{envelope_parts, is_error_envelope, Reply};
use super::ZohoClient;
use crate::actions::Scopes;
use crate::config::AppointmentSource;
use crate::crm::write::{CrmWriter, NewNote, NewTask, WriteAck, WriteError};
use crate::crm::{CrmError, CrmLead};
use crate::domain::LeadId;
use crate::time::{zoho_text, Stamp};

/// The scope each write needs: what a refusal for a missing scope names.
const UPDATE_LEADS: &str = "ZohoCRM.modules.leads.UPDATE";
const CREATE_NOTES: &str = "ZohoCRM.modules.notes.CREATE";
const CREATE_TASKS: &str = "ZohoCRM.modules.tasks.CREATE";

/// Pages a read-back goes through before giving up: 200 a page, so 10,000 notes on one lead.
const MAX_READBACK_PAGES: usize = 50;

/// The automation a write lets run: the org's workflow rules, not approval or Blueprint.
fn trigger() -> Value {
    json!(["workflow"])
}

impl ZohoClient {
    /// How a lead is read: the same fields and parser as the listing.
    fn lead_parse_fields(&self) -> parse::LeadFields<'_> {
        parse::LeadFields {
            stage: &self.stage_field,
            locator: &self.locator_field,
            appointment: match &self.source {
                AppointmentSource::Field(f) => Some(f.as_str()),
                _ => None,
            },
        }
    }

    /// The id of the first item of a related list (paged to its end) that `hit` accepts.
    async fn find_in(
        &self,
        endpoint: &str,
        path: &str,
        fields: &str,
        hit: impl Fn(&Value) -> bool,
    ) -> Result<Option<String>, CrmError> {
        for page in 1..=MAX_READBACK_PAGES {
            let q = [("fields", fields.to_string()), ("per_page", "200".to_string()), ("page", page.to_string())];
            let body = match self.t.get(endpoint, path, &q, None).await? {
                Reply::Json { body, .. } => body,
                Reply::NoContent | Reply::NotModified => return Ok(None),
            };
            let items = body.get("data").and_then(Value::as_array).ok_or_else(|| CrmError::Malformed {
                endpoint: endpoint.to_string(),
                detail: "no 'data' list in the reply".into(),
            })?;
            if let Some(found) = items.iter().find(|v| hit(v)) {
                return Ok(parse::id_of(found));
            }
            let more = body.pointer("/info/more_records").and_then(Value::as_bool).unwrap_or(false);
            if !more || items.is_empty() {
                return Ok(None);
            }
        }
        Err(CrmError::Paging {
            endpoint: endpoint.to_string(),
            detail: format!("Zoho still said there were more after {MAX_READBACK_PAGES} pages"),
        })
    }
}

/// What Zoho said about the one record a write sent. `scope` is the scope the call needed.
fn outcome(status: u16, reply: &Value, scope: &str) -> Result<WriteAck, WriteError> {
    // 412 is ALREADY_MODIFIED whatever the body says (its exact body is unconfirmed).
    if status == 412 {
        return Err(WriteError::Conflict);
    }
    let ok_status = (200..300).contains(&status);
    let entry = if is_error_envelope(reply) {
        reply
    } else {
        match reply.get("data").and_then(Value::as_array).and_then(|d| d.first()) {
            Some(e) => e,
            None if ok_status => {
                return Err(WriteError::Uncertain {
                    detail: format!("Zoho answered HTTP {status} without a result for the record"),
                })
            }
            None => {
                return Err(WriteError::Refused {
                    code: format!("HTTP {status}"),
                    reason: "Zoho refused the write without saying why".into(),
                    field: None,
                })
            }
        }
    };
    match entry.get("status").and_then(Value::as_str) {
        Some("success") => {
            let details = entry.get("details").cloned().unwrap_or(Value::Null);
            let id = parse::id_of(&details).ok_or_else(|| WriteError::Uncertain {
                detail: "Zoho said the record was written but not which one".into(),
            })?;
            let modified_at = details.get("Modified_Time").and_then(Value::as_str).and_then(|t| Stamp::parse(t).ok());
            Ok(WriteAck { id, modified_at })
        }
        Some("error") => Err(refusal(entry, scope)),
        _ if ok_status => Err(WriteError::Uncertain {
            detail: format!("Zoho answered HTTP {status} without a status for the record"),
        }),
        _ => Err(refusal(entry, scope)),
    }
}

/// A refused record in the caller's terms.
fn refusal(entry: &Value, scope: &str) -> WriteError {
    let (code, message, field) = envelope_parts(entry);
    match code.as_str() {
        "ALREADY_MODIFIED" => WriteError::Conflict,
        "OAUTH_SCOPE_MISMATCH" => WriteError::MissingScope { scope: scope.to_string() },
        _ => WriteError::Refused {
            reason: if message.is_empty() { "Zoho refused the write".into() } else { message },
            code: if code.is_empty() { "(no code)".into() } else { code },
            field,
        },
    }
}

impl CrmWriter for ZohoClient {
    async fn scopes(&self) -> Result<Scopes, CrmError> {
        Ok(match self.t.oauth.scope().await? {
            Some(text) => Scopes::parse(&text),
            None => Scopes::Unknown,
        })
    }

    async fn read_lead(&self, lead: &LeadId) -> Result<Option<CrmLead>, CrmError> {
        let path = format!("Leads/{lead}");
        let body = match self.t.get("Leads/get", &path, &[("fields", self.lead_fields())], None).await? {
            Reply::Json { body, .. } => body,
            Reply::NoContent | Reply::NotModified => return Ok(None),
        };
        let malformed = |detail: String| CrmError::Malformed { endpoint: "Leads/get".into(), detail };
        let record = body
            .get("data")
            .and_then(Value::as_array)
            .and_then(|d| d.first())
            .ok_or_else(|| malformed(format!("lead {lead}: no record in the reply")))?;
        let parsed =
            parse::lead(record, &self.lead_parse_fields()).map_err(|e| malformed(format!("lead {lead}: {e}")))?;
        if parsed.id != *lead {
            return Err(malformed(format!("asked for lead {lead}, got {}", parsed.id)));
        }
        Ok(Some(parsed))
    }

    async fn set_locator(&self, lead: &LeadId, user_id: &str, unmodified_since: Stamp) -> Result<WriteAck, WriteError> {
        let mut record = Map::new();
        record.insert("id".into(), json!(lead.as_str()));
        record.insert(self.locator_field.clone(), json!({"id": user_id}));
        let body = json!({"data": [record], "trigger": trigger()});
        // Zoho wants ISO-8601 with the offset here, not an HTTP-date.
        let since = [("If-Unmodified-Since", zoho_text(unmodified_since.original()))];
        let (status, reply) = self.t.send(Method::PUT, "Leads/update", &format!("Leads/{lead}"), &body, &since).await?;
        outcome(status, &reply, UPDATE_LEADS)
    }

    async fn add_note(&self, lead: &LeadId, note: &NewNote) -> Result<WriteAck, WriteError> {
        let body = json!({"data": [{
            "Note_Title": note.title,
            "Note_Content": note.content,
            "Parent_Id": {"module": {"api_name": "Leads"}, "id": lead.as_str()},
        }]});
        let (status, reply) =
            self.t.send(Method::POST, "Notes/create", &format!("Leads/{lead}/Notes"), &body, &[]).await?;
        outcome(status, &reply, CREATE_NOTES)
    }

    async fn create_task(&self, lead: &LeadId, task: &NewTask) -> Result<WriteAck, WriteError> {
        let body = json!({"data": [{
            "Subject": task.subject,
            "Due_Date": task.due.format("%Y-%m-%d").to_string(),
            "Status": "Not Started",
            "What_Id": {"id": lead.as_str()},
            "$se_module": "Leads",
            "Owner": {"id": task.owner_id},
            "Description": task.description,
        }], "trigger": trigger()});
        let (status, reply) = self.t.send(Method::POST, "Tasks/create", "Tasks", &body, &[]).await?;
        outcome(status, &reply, CREATE_TASKS)
    }

    async fn find_note(&self, lead: &LeadId, marker: &str) -> Result<Option<String>, CrmError> {
        let path = format!("Leads/{lead}/Notes");
        self.find_in("Notes/list", &path, "Note_Title,Note_Content", |n| {
            n.get("Note_Content").and_then(Value::as_str).is_some_and(|c| c.contains(marker))
        })
        .await
    }

    async fn find_task(&self, lead: &LeadId, marker: &str) -> Result<Option<String>, CrmError> {
        let path = format!("Leads/{lead}/Activities_Chronological_View");
        self.find_in("Activities/list", &path, "Subject,Description,What_Id,$se_module", |a| {
            a.get("$module").and_then(Value::as_str) == Some("Tasks")
                && a.get("Description").and_then(Value::as_str).is_some_and(|d| d.contains(marker))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_record_result_maps_to_what_the_caller_can_do() {
        let ok = json!({"data": [{"code": "SUCCESS", "details": {"id": "42", "Modified_Time": "2026-11-20T09:00:00-05:00"}, "message": "record updated", "status": "success"}]});
        let ack = outcome(200, &ok, UPDATE_LEADS).unwrap();
        assert_eq!(ack.id, "42");
        assert_eq!(ack.modified_at.map(|s| s.utc_text()).as_deref(), Some("2026-11-20T14:00:00Z"));
        // 412 is a conflict whatever the body.
        assert!(matches!(outcome(412, &json!({}), UPDATE_LEADS), Err(WriteError::Conflict)));
        let locked = json!({"data": [{"code": "RECORD_LOCKED", "details": {"id": "42"}, "message": "You cannot\nperform this", "status": "error"}]});
        match outcome(400, &locked, UPDATE_LEADS) {
            Err(WriteError::Refused { code, reason, field }) => {
                assert_eq!((code.as_str(), reason.as_str(), field), ("RECORD_LOCKED", "You cannot perform this", None));
            }
            other => panic!("{other:?}"),
        }
        let scope = json!({"code": "OAUTH_SCOPE_MISMATCH", "details": {}, "message": "invalid oauth scope to access this URL", "status": "error"});
        match outcome(401, &scope, CREATE_NOTES) {
            Err(WriteError::MissingScope { scope }) => assert_eq!(scope, CREATE_NOTES),
            other => panic!("{other:?}"),
        }
        // A 2xx that names no record may have written one: never called a refusal.
        assert!(matches!(outcome(200, &json!({"data": []}), CREATE_TASKS), Err(WriteError::Uncertain { .. })));
        assert!(matches!(
            outcome(201, &json!({"data": [{"status": "success", "details": {}}]}), CREATE_TASKS),
            Err(WriteError::Uncertain { .. })
        ));
    }
}
