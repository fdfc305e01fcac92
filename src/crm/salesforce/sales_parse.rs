//! Salesforce's sales objects into the `sales` types: Opportunity (+ OpportunityHistory and
//! OpportunityStage), Task (calls and tasks), Event (meetings), Account and Contact.

use serde_json::Value;

use super::fields::{flag, id, opt_date, opt_id, opt_number, opt_stamp, opt_text, rel_name, stamp, text};
use crate::crm::UserRef;
use crate::sales::{
    Account, Activity, ActivityKind, Cents, Contact, Deal, DealCategory, DealStage, RecordRef, Related, SalesModule,
    SalesRecord, StageInfo,
};
use crate::time::Stamp;

/// Beyond any real amount: a hostile number must not overflow the cents.
const MAX_MONEY: f64 = 1e15;

fn cents(v: &Value, key: &str) -> Result<Option<Cents>, String> {
    match opt_number(v, key)? {
        None => Ok(None),
        Some(f) if f.abs() <= MAX_MONEY => Ok(Some((f * 100.0).round() as Cents)),
        Some(f) => Err(format!("{key}: {f} is beyond any real amount (more than 10^15)")),
    }
}

fn percent(v: &Value, key: &str) -> Result<Option<u8>, String> {
    match opt_number(v, key)? {
        None => Ok(None),
        Some(p) if (0.0..=100.0).contains(&p) => Ok(Some(p.round() as u8)),
        Some(p) => Err(format!("{key}: {p} is not a percentage from 0 to 100")),
    }
}

/// `OwnerId` + `Owner.Name`.
fn owner(v: &Value) -> Result<Option<UserRef>, String> {
    Ok(match opt_id(v, "OwnerId")? {
        Some(id) => Some(UserRef { name: rel_name(v, "Owner")?.unwrap_or_else(|| id.clone()), id }),
        None => None,
    })
}

/// `{X}Id` + `{X}.Name` as a reference.
fn reference(v: &Value, id_key: &str, rel: &str) -> Result<Option<RecordRef>, String> {
    Ok(match opt_id(v, id_key)? {
        Some(id) => Some(RecordRef { name: rel_name(v, rel)?.unwrap_or_default(), id }),
        None => None,
    })
}

/// The module a record id belongs to, by its key prefix.
fn module_of(id: &str) -> &'static str {
    match id.get(..3) {
        Some("00Q") => "Leads",
        Some("006") => "Deals",
        Some("001") => "Accounts",
        Some("003") => "Contacts",
        _ => "Other",
    }
}

pub fn deal(v: &Value, pipeline: Option<&str>) -> Result<Deal, String> {
    Ok(Deal {
        id: id(v)?,
        name: opt_text(v, "Name")?.unwrap_or_else(|| "(no name)".into()),
        stage: text(v, "StageName")?,
        pipeline: match pipeline {
            Some(key) => opt_text(v, key)?,
            None => None,
        },
        amount: cents(v, "Amount")?,
        probability: percent(v, "Probability")?,
        expected_revenue: cents(v, "ExpectedRevenue")?,
        closing_date: opt_date(v, "CloseDate")?,
        account: reference(v, "AccountId", "Account")?,
        contact: reference(v, "ContactId", "Contact")?,
        lead_source: opt_text(v, "LeadSource")?,
        owner: owner(v)?,
        kind: opt_text(v, "Type")?,
        created_at: stamp(v, "CreatedDate")?,
        modified_at: stamp(v, "SystemModstamp")?,
    })
}

pub fn deal_history(v: &Value) -> Result<DealStage, String> {
    Ok(DealStage {
        id: id(v)?,
        deal_id: opt_id(v, "OpportunityId")?.ok_or("no OpportunityId")?,
        stage: text(v, "StageName")?,
        at: stamp(v, "CreatedDate")?,
        amount: cents(v, "Amount")?,
        probability: percent(v, "Probability")?,
        closing_date: opt_date(v, "CloseDate")?,
        by: rel_name(v, "CreatedBy")?,
    })
}

/// One OpportunityStage row; `sequence` is its place in `SortOrder` order, from 1.
pub fn stage_info(v: &Value, sequence: u32) -> Result<StageInfo, String> {
    let closed = flag(v, "IsClosed")?;
    let won = flag(v, "IsWon")?;
    Ok(StageInfo {
        pipeline: None,
        stage: text(v, "ApiName")?,
        sequence,
        probability: percent(v, "DefaultProbability")?,
        category: match (closed, won) {
            (true, true) => DealCategory::Won,
            (true, false) => DealCategory::Lost,
            _ => DealCategory::Open,
        },
        forecast_category: opt_text(v, "ForecastCategoryName")?,
    })
}

/// What every Task and Event shares: who it is for (`WhoId`: a lead is what it is about, a
/// contact is who), what it is about (`WhatId`), its owner and times.
fn activity(v: &Value, kind: ActivityKind) -> Result<Activity, String> {
    let sf_id = id(v)?;
    let who = opt_id(v, "WhoId")?;
    let who_name = rel_name(v, "Who")?;
    let mut what = match opt_id(v, "WhatId")? {
        Some(wid) => Some(Related { module: module_of(&wid).into(), name: rel_name(v, "What")?, id: wid }),
        None => None,
    };
    let mut who_ref = None;
    match who {
        Some(w) if w.starts_with("00Q") && what.is_none() => {
            what = Some(Related { module: "Leads".into(), id: w, name: who_name });
        }
        Some(w) if w.starts_with("00Q") => {}
        Some(w) => who_ref = Some(RecordRef { id: w, name: who_name.unwrap_or_default() }),
        None => {}
    }
    let modified_at = stamp(v, "SystemModstamp")?;
    Ok(Activity {
        id: kind.module().stored_id(&sf_id),
        kind,
        subject: opt_text(v, "Subject")?.unwrap_or_else(|| "(no subject)".into()),
        owner: owner(v)?,
        what,
        who: who_ref,
        at: None,
        due: None,
        status: None,
        completed_at: None,
        call_type: None,
        duration_secs: None,
        created_at: opt_stamp(v, "CreatedDate")?.unwrap_or(modified_at),
        modified_at,
    })
}

/// A Task with `TaskSubtype = 'Call'`: it happened at `CompletedDateTime`.
pub fn call(v: &Value) -> Result<Activity, String> {
    let mut a = activity(v, ActivityKind::Call)?;
    a.at = opt_stamp(v, "CompletedDateTime")?;
    a.status = opt_text(v, "Status")?;
    a.call_type = opt_text(v, "CallType")?;
    a.duration_secs = match opt_number(v, "CallDurationInSeconds")? {
        Some(s) if (0.0..=f64::from(u32::MAX)).contains(&s) => Some(s as u32),
        Some(s) => return Err(format!("CallDurationInSeconds: {s} is not a duration")),
        None => None,
    };
    let done = a.status.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("Completed"));
    if done {
        if let Some(start) = a.at {
            let ended = start.original() + chrono::Duration::seconds(i64::from(a.duration_secs.unwrap_or(0)));
            a.completed_at = Some(Stamp::from_fixed(ended));
        }
    }
    Ok(a)
}

/// Any other Task: due on `ActivityDate`, done at `CompletedDateTime`.
pub fn task(v: &Value) -> Result<Activity, String> {
    let mut a = activity(v, ActivityKind::Task)?;
    a.due = opt_date(v, "ActivityDate")?;
    a.status = opt_text(v, "Status")?;
    a.completed_at = match opt_stamp(v, "CompletedDateTime")? {
        Some(t) => Some(t),
        None if a.status.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("Completed")) => Some(a.modified_at),
        None => None,
    };
    Ok(a)
}

/// Any Event, as a meeting: done when it ends (see the Zoho client's `meeting`).
pub fn meeting(v: &Value) -> Result<Activity, String> {
    let mut a = activity(v, ActivityKind::Meeting)?;
    a.at = Some(stamp(v, "StartDateTime")?);
    a.completed_at = opt_stamp(v, "EndDateTime")?.or(a.at);
    Ok(a)
}

pub fn account(v: &Value) -> Result<Account, String> {
    Ok(Account {
        id: id(v)?,
        name: opt_text(v, "Name")?.unwrap_or_else(|| "(no name)".into()),
        owner: owner(v)?,
        industry: opt_text(v, "Industry")?,
        modified_at: stamp(v, "SystemModstamp")?,
    })
}

pub fn contact(v: &Value) -> Result<Contact, String> {
    let joined =
        [opt_text(v, "FirstName")?, opt_text(v, "LastName")?].into_iter().flatten().collect::<Vec<_>>().join(" ");
    Ok(Contact {
        id: id(v)?,
        name: opt_text(v, "Name")?.or((!joined.is_empty()).then_some(joined)).unwrap_or_else(|| "(no name)".into()),
        email: opt_text(v, "Email")?,
        account: reference(v, "AccountId", "Account")?,
        owner: owner(v)?,
        modified_at: stamp(v, "SystemModstamp")?,
    })
}

/// One record of `module`, with its SystemModstamp (for the watermark).
pub fn record(module: SalesModule, v: &Value, pipeline: Option<&str>) -> Result<(SalesRecord, Stamp), String> {
    let r = match module {
        SalesModule::Deals => SalesRecord::Deal(deal(v, pipeline)?),
        SalesModule::Calls => SalesRecord::Activity(call(v)?),
        SalesModule::Tasks => SalesRecord::Activity(task(v)?),
        SalesModule::Events => SalesRecord::Activity(meeting(v)?),
        SalesModule::Accounts => SalesRecord::Account(account(v)?),
        SalesModule::Contacts => SalesRecord::Contact(contact(v)?),
    };
    Ok((r, stamp(v, "SystemModstamp")?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_call_on_a_lead_is_about_the_lead() {
        let v = json!({"Id": "00T000000000001AAA", "Subject": "Call", "TaskSubtype": "Call", "Status": "Completed",
            "CompletedDateTime": "2026-11-20T09:00:00.000+0000", "CallType": "Outbound", "CallDurationInSeconds": 90,
            "WhoId": "00Q000000000001AAA", "Who": {"attributes": {"type": "Lead"}, "Name": "Ana Lima"}, "WhatId": null, "What": null,
            "OwnerId": "005000000000001AAA", "Owner": {"Name": "Rui Costa"},
            "CreatedDate": "2026-11-20T09:00:00.000+0000", "SystemModstamp": "2026-11-20T09:00:00.000+0000"});
        let a = call(&v).unwrap();
        assert_eq!(a.id, "Calls:00T000000000001AAA");
        assert_eq!(
            a.what,
            Some(Related { module: "Leads".into(), id: "00Q000000000001AAA".into(), name: Some("Ana Lima".into()) })
        );
        assert_eq!(a.completed_at, Some(Stamp::parse("2026-11-20T09:01:30Z").unwrap()));
        let mut bad = v.clone();
        bad["CallDurationInSeconds"] = json!("ninety");
        assert_eq!(call(&bad).unwrap_err(), "CallDurationInSeconds is text, not a number");
    }

    #[test]
    fn stages_and_money() {
        let s = stage_info(
            &json!({"ApiName": "Closed Lost", "IsClosed": true, "IsWon": false, "DefaultProbability": 0}),
            9,
        )
        .unwrap();
        assert_eq!((s.category, s.sequence), (DealCategory::Lost, 9));
        assert_eq!(cents(&json!({"Amount": 1234.565}), "Amount").unwrap(), Some(123457));
        assert!(cents(&json!({"Amount": 1e300}), "Amount").is_err());
    }
}
