//! Zoho JSON → CRM values. Lenient where Zoho is (null, missing, "-None-" mean "no value"),
//! strict where a wrong guess would corrupt a number a person trusts (ids, dates).

use chrono::NaiveDate;
use serde_json::Value;

use crate::crm::CrmRole;
use crate::crm::{AppointmentChange, CrmAppointment, CrmLead, CrmStageChange, CrmUser, FieldValue, UserRef};
use crate::domain::LeadId;
use crate::time::Stamp;

pub struct LeadFields<'a> {
    pub stage: &'a str,
    pub locator: &'a str,
    pub appointment: Option<&'a str>,
}

pub fn id_of(v: &Value) -> Option<String> {
    match v.get("id") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

pub(super) fn id(v: &Value) -> Result<String, String> {
    let raw = id_of(v).ok_or("no id")?;
    LeadId::parse(&raw).map(|l| l.as_str().to_string())
}

/// A text value; null, empty and Zoho's "-None-" picklist placeholder mean no value.
pub(super) fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => {
            let t = s.trim();
            (!t.is_empty() && t != "-None-").then(|| t.to_string())
        }
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub(super) fn stamp(v: &Value, key: &str) -> Result<Option<Stamp>, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Stamp::parse(s).map(Some).map_err(|e| format!("{key}: {e}")),
        Some(other) => Err(format!("{key}: expected a datetime, got {other}")),
    }
}

pub(super) fn required_stamp(v: &Value, key: &str) -> Result<Stamp, String> {
    stamp(v, key)?.ok_or_else(|| format!("{key} is missing"))
}

/// A user lookup (`{name, id, email}`); a plain text field is taken as a name.
pub(super) fn lookup(v: &Value, key: &str) -> Option<UserRef> {
    match v.get(key)? {
        Value::Object(o) => {
            let id = o
                .get("id")
                .and_then(|i| i.as_str().map(str::to_string).or_else(|| i.as_u64().map(|n| n.to_string())))?;
            let name = o
                .get("name")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .unwrap_or(&id)
                .to_string();
            Some(UserRef { id, name })
        }
        Value::String(s) if !s.trim().is_empty() => {
            Some(UserRef { id: s.trim().to_string(), name: s.trim().to_string() })
        }
        _ => None,
    }
}

pub(super) fn flag(v: &Value, key: &str) -> bool {
    matches!(v.get(key), Some(Value::Bool(true))) || matches!(v.get(key), Some(Value::String(s)) if s == "true")
}

pub fn lead(v: &Value, f: &LeadFields) -> Result<CrmLead, String> {
    let id = LeadId::parse(&id_of(v).ok_or("no id")?)?;
    let modified_at = required_stamp(v, "Modified_Time")?;
    // Created_Time is never null in Zoho; if it is, Modified_Time is the best lower bound we have.
    let created_at = stamp(v, "Created_Time")?.unwrap_or(modified_at);
    let first_name = text(v, "First_Name");
    let last_name = text(v, "Last_Name");
    let full_name = text(v, "Full_Name")
        .or_else(|| {
            let joined =
                [first_name.as_deref(), last_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
            (!joined.is_empty()).then_some(joined)
        })
        .unwrap_or_else(|| "(no name)".to_string());
    let appointment_field = match f.appointment {
        None => None,
        Some(key) => match v.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => Some(match NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
                Ok(d) => FieldValue::Date(d),
                Err(_) => FieldValue::DateTime(Stamp::parse(s).map_err(|e| format!("{key}: {e}"))?),
            }),
            Some(other) => return Err(format!("{key}: expected a date, got {other}")),
        },
    };
    Ok(CrmLead {
        id,
        first_name,
        last_name,
        full_name,
        company: text(v, "Company"),
        email: text(v, "Email"),
        phone: text(v, "Phone"),
        lead_source: text(v, "Lead_Source"),
        stage: text(v, f.stage),
        locator: lookup(v, f.locator),
        converted: flag(v, "Converted__s"),
        created_at,
        modified_at,
        appointment_field,
    })
}

pub fn user(v: &Value) -> Result<(CrmUser, Option<Stamp>), String> {
    let id = id_of(v).filter(|s| !s.is_empty()).ok_or("no id")?;
    let name = text(v, "full_name")
        .or_else(|| {
            let j = [text(v, "first_name"), text(v, "last_name")].into_iter().flatten().collect::<Vec<_>>().join(" ");
            (!j.is_empty()).then_some(j)
        })
        .unwrap_or_else(|| id.clone());
    let modified = stamp(v, "Modified_Time").unwrap_or(None);
    let user = CrmUser {
        id,
        name,
        email: text(v, "email"),
        status: text(v, "status"),
        role_id: lookup_id(v, "role"),
        reporting_to_id: lookup_id(v, "Reporting_To"),
    };
    Ok((user, modified))
}

/// The id of a `{name, id}` lookup when it is a Zoho id; anything else (a bare string, a
/// number, an object without a usable id) is no value: a user's role must not be guessed.
fn lookup_id(v: &Value, key: &str) -> Option<String> {
    let raw = id_of(v.get(key)?)?;
    LeadId::parse(&raw).ok().map(|l| l.as_str().to_string())
}

/// A role of `/settings/roles`: `{id, name, display_label, reporting_to: {name, id} | null}`.
/// A role whose parent cannot be read is refused rather than put at the top of the tree,
/// where it would widen a manager's team.
pub fn role(v: &Value) -> Result<CrmRole, String> {
    let id = id(v)?;
    let name = text(v, "name").or_else(|| text(v, "display_label")).ok_or("no name")?;
    let reporting_to = match v.get("reporting_to") {
        None | Some(Value::Null) => None,
        Some(p @ Value::Object(_)) => {
            let parent = id_of(p).ok_or("reporting_to has no id")?;
            Some(LeadId::parse(&parent).map_err(|e| format!("reporting_to: {e}"))?.as_str().to_string())
        }
        Some(other) => return Err(format!("reporting_to: expected {{name, id}} or null, got {other}")),
    };
    if reporting_to.as_deref() == Some(id.as_str()) {
        return Err("the role reports to itself".into());
    }
    Ok(CrmRole { id, name: crate::crm::error::one_line(&name), reporting_to })
}

pub fn deleted(v: &Value) -> Result<(String, Option<Stamp>), String> {
    let id = id(v)?;
    let at = stamp(v, "deleted_time")?;
    Ok((id, at))
}

pub fn event(v: &Value) -> Result<(AppointmentChange, Stamp), String> {
    let zid = id(v)?;
    let key = format!("Events:{zid}");
    let modified = required_stamp(v, "Modified_Time")?;
    let module = text(v, "$se_module");
    let lead = v.get("What_Id").and_then(id_of);
    let (Some("Leads"), Some(lead)) = (module.as_deref(), lead) else {
        return Ok((AppointmentChange::Remove(key), modified));
    };
    if flag(v, "$event_cancelled") {
        return Ok((AppointmentChange::Remove(key), modified));
    }
    let lead_id = LeadId::parse(&lead)?;
    let start = required_stamp(v, "Start_DateTime")?;
    Ok((
        AppointmentChange::Upsert(CrmAppointment {
            id: key,
            lead_id,
            title: text(v, "Event_Title"),
            start,
            end: stamp(v, "End_DateTime")?,
            all_day: flag(v, "All_day"),
            status: None,
        }),
        modified,
    ))
}

pub fn appointment(v: &Value) -> Result<(AppointmentChange, Stamp), String> {
    let zid = id(v)?;
    let key = format!("Appointments__s:{zid}");
    let modified = required_stamp(v, "Modified_Time")?;
    let status = text(v, "Status");
    let target = v.get("Appointment_For");
    let module = target.and_then(|t| t.get("module")).and_then(|m| m.get("api_name")).and_then(Value::as_str);
    let lead = target.and_then(id_of);
    let (Some("Leads"), Some(lead)) = (module, lead) else {
        return Ok((AppointmentChange::Remove(key), modified));
    };
    if status.as_deref() == Some("Cancelled") {
        return Ok((AppointmentChange::Remove(key), modified));
    }
    let lead_id = LeadId::parse(&lead)?;
    let start = required_stamp(v, "Appointment_Start_Time")?;
    Ok((
        AppointmentChange::Upsert(CrmAppointment {
            id: key,
            lead_id,
            title: text(v, "Appointment_Name"),
            start,
            end: stamp(v, "Appointment_End_Time")?,
            all_day: false,
            status,
        }),
        modified,
    ))
}

/// The stage-field changes in one timeline entry (an entry can change several fields).
pub fn stage_changes(e: &Value, lead: &LeadId, stage_field: &str) -> Result<Vec<CrmStageChange>, String> {
    let Some(history) = e.get("field_history").and_then(Value::as_array) else {
        return Ok(vec![]);
    };
    let relevant: Vec<&Value> =
        history.iter().filter(|h| h.get("api_name").and_then(Value::as_str) == Some(stage_field)).collect();
    if relevant.is_empty() {
        return Ok(vec![]);
    }
    let entry_id = id_of(e).ok_or("timeline entry without id")?;
    let at = required_stamp(e, "audited_time").map_err(|r| format!("timeline entry {entry_id}: {r}"))?;
    let by = e.get("done_by").and_then(|d| d.get("name")).and_then(Value::as_str).map(str::to_string);
    Ok(relevant
        .into_iter()
        .map(|h| {
            let val = h.get("_value");
            let side = |k: &str| val.and_then(|v| text(v, k));
            let hid = id_of(h).unwrap_or_default();
            CrmStageChange {
                id: if hid.is_empty() { entry_id.clone() } else { format!("{entry_id}:{hid}") },
                lead_id: lead.clone(),
                at,
                from: side("old"),
                to: side("new"),
                by: by.clone(),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn a_users_role_and_manager_are_read_only_when_they_are_ids() {
        let (u, _) = super::user(&json!({"id": "1", "full_name": "A",
            "role": {"name": "CEO", "id": "3652397000900000001"}, "Reporting_To": {"name": "B", "id": 3652397000000000002u64}}))
        .unwrap();
        assert_eq!(u.role_id.as_deref(), Some("3652397000900000001"));
        assert_eq!(u.reporting_to_id.as_deref(), Some("3652397000000000002"));
        for hostile in [json!("CEO"), json!({"name": "CEO"}), json!({"id": "../../etc"}), json!([1]), json!(null)] {
            let (u, _) =
                super::user(&json!({"id": "1", "full_name": "A", "role": hostile, "Reporting_To": hostile})).unwrap();
            assert_eq!((u.role_id, u.reporting_to_id), (None, None), "{hostile}");
        }
    }
}
