//! How the sandbox draws its org as Zoho JSON: datetimes in the API user's offset, the fields
//! each module knows, `null` for unset ones, and the overrides tests plant.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

use super::org::{Org, Related, STimelineEntry};

pub(super) fn zt(org: &Org, t: DateTime<Utc>) -> Value {
    // Zoho's time text: seconds, and the offset as +hh:mm (never Z).
    Value::String(t.with_timezone(&org.user_tz).fixed_offset().to_rfc3339_opts(SecondsFormat::Secs, false))
}

fn opt(v: &Option<String>) -> Value {
    v.as_ref().map(|s| Value::String(s.clone())).unwrap_or(Value::Null)
}

/// A user lookup as Zoho writes `Owner`: `{name, id, email}`.
pub(super) fn owner(org: &Org, id: &str) -> Value {
    let u = org.users.iter().find(|u| u.id == id);
    json!({"name": u.map(|u| u.full_name()), "id": id, "email": u.map(|u| u.email.clone())})
}

pub(super) fn related(r: &Option<Related>) -> Value {
    r.as_ref().map(|r| json!({"name": r.name, "id": r.id})).unwrap_or(Value::Null)
}

const LEAD_FIELDS: &[&str] = &[
    "First_Name",
    "Last_Name",
    "Full_Name",
    "Company",
    "Email",
    "Phone",
    "Lead_Source",
    "Lead_Status",
    "Owner",
    "Created_Time",
    "Modified_Time",
    "Converted__s",
    "Converted_Date_Time",
    "Appointment_At",
    "Appointment_Date",
    "Rating",
    "Industry",
    "Designation",
    "City",
    "State",
    "Description",
    "Salutation",
    "Mobile",
    "Website",
];
const EVENT_FIELDS: &[&str] = &[
    "Event_Title",
    "Start_DateTime",
    "End_DateTime",
    "All_day",
    "What_Id",
    "$se_module",
    "Who_Id",
    "Modified_Time",
    "Created_Time",
    "Owner",
    "Venue",
    "$event_cancelled",
    "Participants",
];
const APPOINTMENT_FIELDS: &[&str] = &[
    "Appointment_Name",
    "Appointment_Start_Time",
    "Appointment_End_Time",
    "Appointment_For",
    "Status",
    "Modified_Time",
    "Owner",
    "Service_Name",
    "Location",
];

const DEAL_FIELDS: &[&str] = &[
    "Deal_Name",
    "Stage",
    "Pipeline",
    "Amount",
    "Probability",
    "Expected_Revenue",
    "Closing_Date",
    "Account_Name",
    "Contact_Name",
    "Lead_Source",
    "Owner",
    "Type",
    "Next_Step",
    "Description",
    "Created_Time",
    "Modified_Time",
];
const CALL_FIELDS: &[&str] = &[
    "Subject",
    "Call_Type",
    "Call_Start_Time",
    "Call_Duration",
    "Call_Duration_in_seconds",
    "Outgoing_Call_Status",
    "Call_Purpose",
    "What_Id",
    "$se_module",
    "Who_Id",
    "Owner",
    "Description",
    "Created_Time",
    "Modified_Time",
];
const TASK_FIELDS: &[&str] = &[
    "Subject",
    "Due_Date",
    "Status",
    "Priority",
    "What_Id",
    "$se_module",
    "Who_Id",
    "Owner",
    "Closed_Time",
    "Description",
    "Created_Time",
    "Modified_Time",
];
const ACCOUNT_FIELDS: &[&str] = &["Account_Name", "Owner", "Industry", "Created_Time", "Modified_Time"];
const CONTACT_FIELDS: &[&str] =
    &["Full_Name", "First_Name", "Last_Name", "Email", "Account_Name", "Owner", "Created_Time", "Modified_Time"];

pub(super) fn known_fields(module: &str) -> Option<&'static [&'static str]> {
    match module {
        "Leads" => Some(LEAD_FIELDS),
        "Events" => Some(EVENT_FIELDS),
        "Appointments__s" => Some(APPOINTMENT_FIELDS),
        "Deals" => Some(DEAL_FIELDS),
        "Calls" => Some(CALL_FIELDS),
        "Tasks" => Some(TASK_FIELDS),
        "Accounts" => Some(ACCOUNT_FIELDS),
        "Contacts" => Some(CONTACT_FIELDS),
        _ => None,
    }
}

pub(super) fn render_lead(org: &Org, id: &str, fields: &[&str]) -> Value {
    let l = &org.leads[id];
    let mut m = Map::new();
    m.insert("id".into(), json!(l.id));
    for f in fields {
        let v = match *f {
            "First_Name" => opt(&l.first_name),
            "Last_Name" => opt(&l.last_name),
            "Full_Name" => opt(&l.full_name()),
            "Company" => opt(&l.company),
            "Email" => opt(&l.email),
            "Phone" => opt(&l.phone),
            "Lead_Source" => opt(&l.lead_source),
            "Lead_Status" => opt(&l.status),
            "Owner" => l.owner_id.as_deref().map(|o| owner(org, o)).unwrap_or(Value::Null),
            "Created_Time" => zt(org, l.created),
            "Modified_Time" => zt(org, l.modified),
            "Converted__s" => json!(l.converted),
            "Converted_Date_Time" => l.converted_at.map(|t| zt(org, t)).unwrap_or(Value::Null),
            "Appointment_At" => l.appointment_at.map(|t| zt(org, t)).unwrap_or(Value::Null),
            "Appointment_Date" => l
                .appointment_at
                .map(|t| json!(t.with_timezone(&org.user_tz).date_naive().to_string()))
                .unwrap_or(Value::Null),
            _ => Value::Null,
        };
        m.insert(f.to_string(), v);
    }
    for (k, v) in &l.overrides {
        m.insert(k.clone(), v.clone());
    }
    Value::Object(m)
}

pub(super) fn render_event(org: &Org, id: &str, fields: &[&str]) -> Value {
    let e = &org.events[id];
    let mut m = Map::new();
    m.insert("id".into(), json!(e.id));
    for f in fields {
        let v = match *f {
            "Event_Title" => json!(e.title),
            "Start_DateTime" => zt(org, e.start),
            "End_DateTime" => zt(org, e.end),
            "All_day" => json!(e.all_day),
            "What_Id" => related(&e.what),
            "$se_module" => e.what.as_ref().map(|w| json!(w.module)).unwrap_or(Value::Null),
            "Who_Id" => related(&e.who),
            "Owner" => e.owner_id.as_deref().map(|o| owner(org, o)).unwrap_or(Value::Null),
            "Created_Time" => zt(org, e.created),
            "Modified_Time" => zt(org, e.modified),
            "$event_cancelled" => json!(false),
            _ => Value::Null,
        };
        m.insert(f.to_string(), v);
    }
    for (k, v) in &e.overrides {
        m.insert(k.clone(), v.clone());
    }
    Value::Object(m)
}

pub(super) fn render_appointment(org: &Org, id: &str, fields: &[&str]) -> Value {
    let a = &org.appointments[id];
    let mut m = Map::new();
    m.insert("id".into(), json!(a.id));
    for f in fields {
        let v = match *f {
            "Appointment_Name" => json!(a.name),
            "Appointment_Start_Time" => zt(org, a.start),
            "Appointment_End_Time" => zt(org, a.end),
            "Appointment_For" => a
                .target
                .as_ref()
                .map(|t| json!({"module": {"api_name": t.module, "id": "3652397000000002175"}, "name": t.name, "id": t.id}))
                .unwrap_or(Value::Null),
            "Status" => json!(a.status),
            "Modified_Time" => zt(org, a.modified),
            _ => Value::Null,
        };
        m.insert(f.to_string(), v);
    }
    Value::Object(m)
}

pub(super) fn render_deleted(org: &Org, idx: &str) -> Value {
    let i: usize = idx.parse().expect("deleted index");
    let d = &org.deleted[i];
    json!({
        "deleted_by": {"name": "Chris Alvarez", "id": "3652397000000000100"},
        "id": d.id,
        "display_name": d.name,
        "type": "recycle",
        "created_by": {"name": "Chris Alvarez", "id": "3652397000000000100"},
        "deleted_time": zt(org, d.deleted),
    })
}

pub(super) fn render_entry(org: &Org, lead_id: &str, e: &STimelineEntry) -> Value {
    let name = org.leads.get(lead_id).and_then(|l| l.full_name()).unwrap_or_default();
    let history: Vec<Value> = e
        .changes
        .iter()
        .enumerate()
        .map(|(i, (field, old, new))| {
            json!({
                "api_name": field,
                "field_label": field.replace('_', " "),
                "data_type": if field == "Lead_Status" { "picklist" } else { "text" },
                "enable_colour_code": false,
                "pick_list_values": [],
                "_value": {"new": new, "old": old},
                "id": format!("{}{}", &e.id[..e.id.len().saturating_sub(1)], i),
            })
        })
        .collect();
    let mut m = json!({
        "done_by": {"name": e.done_by, "id": e.done_by_id},
        "related_record": null,
        "automation_details": null,
        "record": {"module": {"api_name": "Leads", "id": "3652397000000002175"}, "name": name, "id": lead_id},
        "audited_time": zt(org, e.audited),
        "action": e.action,
        "id": e.id,
        "source": "crm_ui",
        "extension": null,
        "type": "audit",
        "field_history": history,
    });
    if let Value::Object(obj) = &mut m {
        for (k, v) in &e.overrides {
            obj.insert(k.clone(), v.clone());
        }
    }
    m
}
