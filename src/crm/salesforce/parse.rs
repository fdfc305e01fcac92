//! Salesforce records (as the SOQL in `soql` selects them) into the seam's types: users, roles,
//! leads, lead appointments (Events) and lead stage history. The sales side is `sales_parse`.

use serde_json::Value;

use super::fields::{any_text, flag, id, opt_date, opt_id, opt_stamp, opt_text, rel_name, stamp, text};
use crate::crm::{AppointmentChange, CrmAppointment, CrmLead, CrmRole, CrmStageChange, CrmUser, FieldValue, UserRef};
use crate::domain::LeadId;
use crate::time::Stamp;

/// What a lead listing reads besides the fixed fields.
pub struct LeadFields<'a> {
    pub stage: &'a str,
    pub locator: &'a str,
    /// The relationship of the locator (`Owner` for `OwnerId`, `X__r` for `X__c`).
    pub locator_rel: Option<String>,
    pub appointment: Option<&'a str>,
}

/// `OwnerId` → `Owner`, `Closer__c` → `Closer__r`; another field has no relationship to name.
pub fn relationship_of(field: &str) -> Option<String> {
    if let Some(base) = field.strip_suffix("__c") {
        Some(format!("{base}__r"))
    } else {
        field.strip_suffix("Id").filter(|b| !b.is_empty()).map(String::from)
    }
}

pub fn user(v: &Value) -> Result<(CrmUser, Stamp), String> {
    let id = id(v)?;
    let name = match opt_text(v, "Name")? {
        Some(n) => n,
        None => {
            [opt_text(v, "FirstName")?, opt_text(v, "LastName")?].into_iter().flatten().collect::<Vec<_>>().join(" ")
        }
    };
    if name.is_empty() {
        return Err("no Name".into());
    }
    let active = match v.get("IsActive") {
        Some(Value::Bool(b)) => *b,
        None | Some(Value::Null) => true,
        Some(_) => return Err("IsActive is not true/false".into()),
    };
    let u = CrmUser {
        id,
        name,
        email: opt_text(v, "Email")?,
        status: Some(if active { "active" } else { "inactive" }.to_string()),
        role_id: opt_id(v, "UserRoleId")?,
        reporting_to_id: opt_id(v, "ManagerId")?,
    };
    Ok((u, stamp(v, "SystemModstamp")?))
}

pub fn role(v: &Value) -> Result<CrmRole, String> {
    Ok(CrmRole { id: id(v)?, name: text(v, "Name")?, reporting_to: opt_id(v, "ParentRoleId")? })
}

pub fn lead(v: &Value, f: &LeadFields) -> Result<CrmLead, String> {
    let id = LeadId::salesforce(&id(v)?)?;
    let first_name = opt_text(v, "FirstName")?;
    let last_name = opt_text(v, "LastName")?;
    let full_name = match opt_text(v, "Name")? {
        Some(n) => n,
        None => [first_name.clone(), last_name.clone()].into_iter().flatten().collect::<Vec<_>>().join(" "),
    };
    let locator = match opt_id(v, f.locator)? {
        Some(uid) => {
            let name = match &f.locator_rel {
                Some(rel) => rel_name(v, rel)?,
                None => None,
            };
            Some(UserRef { name: name.unwrap_or_else(|| uid.clone()), id: uid })
        }
        None => None,
    };
    let appointment_field = match f.appointment {
        Some(key) => field_value(v, key)?,
        None => None,
    };
    Ok(CrmLead {
        id,
        first_name,
        last_name,
        full_name,
        company: opt_text(v, "Company")?,
        email: opt_text(v, "Email")?,
        phone: opt_text(v, "Phone")?,
        lead_source: opt_text(v, "LeadSource")?,
        stage: any_text(v, f.stage)?,
        locator,
        converted: flag(v, "IsConverted")?,
        created_at: stamp(v, "CreatedDate")?,
        modified_at: stamp(v, "SystemModstamp")?,
        appointment_field,
    })
}

/// A date field (`2026-11-20`) or a dateTime field, told apart by its text.
fn field_value(v: &Value, key: &str) -> Result<Option<FieldValue>, String> {
    match opt_text(v, key)? {
        None => Ok(None),
        Some(s) if s.len() == 10 => Ok(opt_date(v, key)?.map(FieldValue::Date)),
        Some(_) => Ok(opt_stamp(v, key)?.map(FieldValue::DateTime)),
    }
}

/// An Event as a lead appointment: one whose `WhoId` is a lead; any other is `Remove` (it may
/// have been moved off a lead we hold). Returns the change and its SystemModstamp.
pub fn event(v: &Value) -> Result<(AppointmentChange, Stamp), String> {
    let eid = id(v)?;
    let key = format!("Events:{eid}");
    let modified = stamp(v, "SystemModstamp")?;
    let who = opt_id(v, "WhoId")?;
    let Some(lead) = who.filter(|w| w.starts_with("00Q")) else {
        return Ok((AppointmentChange::Remove(key), modified));
    };
    let all_day = flag(v, "IsAllDayEvent")?;
    let start = match opt_stamp(v, "StartDateTime")? {
        Some(s) => s,
        // An all-day event may carry only its date: it starts at midnight UTC, as Salesforce
        // stores all-day events.
        None => match opt_date(v, "ActivityDate")? {
            Some(d) => Stamp::from_utc(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()),
            None => return Err("no StartDateTime".into()),
        },
    };
    let a = CrmAppointment {
        id: key,
        lead_id: LeadId::salesforce(&lead)?,
        title: opt_text(v, "Subject")?,
        start,
        end: opt_stamp(v, "EndDateTime")?,
        all_day,
        status: None,
    };
    Ok((AppointmentChange::Upsert(a), modified))
}

/// One `LeadHistory` row of the stage field.
pub fn lead_history(v: &Value) -> Result<CrmStageChange, String> {
    Ok(CrmStageChange {
        id: id(v)?,
        lead_id: LeadId::salesforce(&text(v, "LeadId")?)?,
        at: stamp(v, "CreatedDate")?,
        from: any_text(v, "OldValue")?,
        to: any_text(v, "NewValue")?,
        by: rel_name(v, "CreatedBy")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_lead_page_record_from_the_reference_reads_whole() {
        // Reference §13, with the fields the listing selects.
        let v = json!({
            "attributes": {"type": "Lead", "url": "/services/data/v66.0/sobjects/Lead/00Qxx000001AbcdEAC"},
            "Id": "00Qxx000001AbcdEAC", "FirstName": "Ana", "LastName": "Lima", "Name": "Ana Lima",
            "Company": null, "Email": null, "Phone": null, "LeadSource": "Web",
            "Status": "Working - Contacted", "OwnerId": "005xx000001X8UzAAK",
            "Owner": {"attributes": {"type": "User", "url": "/services/data/v66.0/sobjects/User/005xx000001X8UzAAK"}, "Name": "Rui Costa"},
            "IsConverted": false, "CreatedDate": "2026-11-02T14:05:00.000+0000",
            "SystemModstamp": "2026-11-21T14:05:00.000+0000", "Appointment_Date__c": "2026-11-25"
        });
        let f = LeadFields {
            stage: "Status",
            locator: "OwnerId",
            locator_rel: relationship_of("OwnerId"),
            appointment: Some("Appointment_Date__c"),
        };
        let l = lead(&v, &f).unwrap();
        assert_eq!(l.full_name, "Ana Lima");
        assert_eq!(l.stage.as_deref(), Some("Working - Contacted"));
        assert_eq!(l.locator, Some(UserRef { id: "005xx000001X8UzAAK".into(), name: "Rui Costa".into() }));
        assert_eq!(l.appointment_field, Some(FieldValue::Date(chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap())));
        assert_eq!(l.modified_at, Stamp::parse("2026-11-21T14:05:00Z").unwrap());
        assert_eq!(relationship_of("Closer__c").as_deref(), Some("Closer__r"));
        // A hostile owner relationship is a reason, not a panic.
        let mut bad = v.clone();
        bad["Owner"] = json!("Rui");
        assert_eq!(lead(&bad, &f).unwrap_err(), "Owner is text, not a record");
    }

    #[test]
    fn an_event_off_a_lead_is_a_removal() {
        let base = json!({"Id": "00U000000000001AAA", "WhoId": "003000000000001AAA", "SystemModstamp": "2026-11-21T14:05:00.000+0000",
            "StartDateTime": "2026-11-25T10:00:00.000+0000", "IsAllDayEvent": false});
        assert_eq!(event(&base).unwrap().0, AppointmentChange::Remove("Events:00U000000000001AAA".into()));
        let mut on_lead = base.clone();
        on_lead["WhoId"] = json!("00Q000000000001AAA");
        let AppointmentChange::Upsert(a) = event(&on_lead).unwrap().0 else { panic!("not an upsert") };
        assert_eq!(a.lead_id.as_str(), "00Q000000000001AAA");
        assert_eq!(a.start, Stamp::parse("2026-11-25T10:00:00Z").unwrap());
    }

    #[test]
    fn users_say_active_or_inactive() {
        let v = json!({"Id": "005000000000001AAA", "Name": "Rui Costa", "IsActive": false, "UserRoleId": null, "ManagerId": null, "SystemModstamp": "2026-11-21T14:05:00.000+0000"});
        let (u, _) = user(&v).unwrap();
        assert_eq!(u.status.as_deref(), Some("inactive"));
        assert!(!u.active());
    }
}
