//! Zoho JSON → the sales types (deals, their stage history, calls, tasks, meetings, accounts,
//! contacts, the stage metadata). Built on `parse`'s helpers (ids, text, stamps, lookups), with
//! the same rule: lenient where Zoho is (null, missing, "-None-"), strict where a wrong guess
//! would corrupt a number a person trusts — money, probabilities, dates, ids. A record that
//! fails is skipped with its reason; the rest of the listing goes on.

use chrono::{Duration, NaiveDate};
use serde_json::Value;

use super::parse::{id, lookup, required_stamp, stamp, text};
use crate::sales::{
    Account, Activity, ActivityKind, Cents, Contact, Deal, DealCategory, DealStage, RecordRef, Related, SalesModule,
    SalesRecord, StageInfo,
};
use crate::time::Stamp;

/// Amounts past this (a quadrillion) are not a deal a person made: a unit mix-up or garbage,
/// and past it cents would lose precision in the sums.
const MAX_MONEY: f64 = 1e15;

/// A currency field in whole cents, rounded half away from zero from the decimal text Zoho
/// sent (not from a float, so 0.125 is 13 cents, never 12). Null or missing is no value; a
/// string, a boolean or an amount past `MAX_MONEY` is refused.
fn money(v: &Value, key: &str) -> Result<Option<Cents>, String> {
    let n = match v.get(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n,
        Some(other) => return Err(format!("{key}: expected a number, got {other}")),
    };
    let f = n.as_f64().ok_or_else(|| format!("{key}: {n} is not a number"))?;
    if !f.is_finite() || f.abs() > MAX_MONEY {
        return Err(format!("{key}: {n} is beyond any real amount (more than 10^15)"));
    }
    let text = n.to_string();
    if text.contains(['e', 'E']) {
        return Ok(Some((f * 100.0).round() as Cents));
    }
    let (neg, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let whole: i64 = whole.parse().map_err(|_| format!("{key}: {n} is not a number"))?;
    let fd: Vec<i64> = frac.bytes().map(|b| i64::from(b - b'0')).chain([0, 0, 0]).take(3).collect();
    let cents = whole * 100 + fd[0] * 10 + fd[1] + i64::from(fd[2] >= 5);
    Ok(Some(if neg { -cents } else { cents }))
}

/// A probability in percent: a whole number 0–100, or no value.
fn percent(v: &Value, key: &str) -> Result<Option<u8>, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .filter(|p| *p <= 100)
            .map(|p| Some(p as u8))
            .ok_or_else(|| format!("{key}: {n} is not a percentage from 0 to 100")),
        Some(other) => Err(format!("{key}: expected a number from 0 to 100, got {other}")),
    }
}

/// A date field (`yyyy-MM-dd`).
fn date(v: &Value, key: &str) -> Result<Option<NaiveDate>, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map(Some)
            .map_err(|_| format!("{key}: '{s}' is not a date (yyyy-MM-dd)")),
        Some(other) => Err(format!("{key}: expected a date, got {other}")),
    }
}

/// A record lookup (`{"name","id"}`); anything without an id is no value.
fn record_ref(v: &Value, key: &str) -> Option<RecordRef> {
    lookup(v, key).map(|u| RecordRef { id: u.id, name: u.name })
}

/// What an activity is about: `What_Id` with `$se_module` beside it.
fn related(v: &Value) -> Option<Related> {
    let module = text(v, "$se_module")?;
    let r = v.get("What_Id")?;
    let id = super::parse::id_of(r)?;
    let name = r.get("name").and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    Some(Related { module, id, name })
}

/// Created_Time is never null in Zoho; if it is, Modified_Time is the best lower bound.
fn times(v: &Value) -> Result<(Stamp, Stamp), String> {
    let modified = required_stamp(v, "Modified_Time")?;
    Ok((stamp(v, "Created_Time")?.unwrap_or(modified), modified))
}

pub fn deal(v: &Value) -> Result<Deal, String> {
    let id = id(v)?;
    let (created_at, modified_at) = times(v)?;
    Ok(Deal {
        name: text(v, "Deal_Name").unwrap_or_else(|| "(no name)".into()),
        stage: text(v, "Stage").ok_or("no Stage")?,
        pipeline: text(v, "Pipeline"),
        amount: money(v, "Amount")?,
        probability: percent(v, "Probability")?,
        expected_revenue: money(v, "Expected_Revenue")?,
        closing_date: date(v, "Closing_Date")?,
        account: record_ref(v, "Account_Name"),
        contact: record_ref(v, "Contact_Name"),
        lead_source: text(v, "Lead_Source"),
        owner: lookup(v, "Owner"),
        kind: text(v, "Type"),
        created_at,
        modified_at,
        id,
    })
}

/// One row of a deal's `Stage_History` related list.
pub fn stage_row(v: &Value, deal_id: &str) -> Result<DealStage, String> {
    let by = v.get("Modified_By").and_then(|b| b.get("name")).and_then(Value::as_str);
    Ok(DealStage {
        id: id(v)?,
        deal_id: deal_id.to_string(),
        stage: text(v, "Stage").ok_or("no Stage")?,
        at: required_stamp(v, "Modified_Time")?,
        amount: money(v, "Amount")?,
        probability: percent(v, "Probability")?,
        closing_date: date(v, "Closing_Date")?,
        by: by.map(str::trim).filter(|s| !s.is_empty()).map(str::to_string),
    })
}

/// The parts every activity shares.
fn activity(v: &Value, kind: ActivityKind, subject_key: &str) -> Result<Activity, String> {
    let zid = id(v)?;
    let (created_at, modified_at) = times(v)?;
    Ok(Activity {
        id: kind.module().stored_id(&zid),
        kind,
        subject: text(v, subject_key).unwrap_or_else(|| "(no subject)".into()),
        owner: lookup(v, "Owner"),
        what: related(v),
        who: record_ref(v, "Who_Id"),
        at: None,
        due: None,
        status: None,
        completed_at: None,
        call_type: None,
        duration_secs: None,
        created_at,
        modified_at,
    })
}

/// A call's length: `Call_Duration_in_seconds`, else `Call_Duration` (`HH:mm`, or `mm:ss` as
/// some orgs show it — either way minutes are not guessed beyond what the text says).
fn call_duration(v: &Value) -> Result<Option<u32>, String> {
    match v.get("Call_Duration_in_seconds") {
        Some(Value::Number(n)) => {
            return n
                .as_u64()
                .and_then(|s| u32::try_from(s).ok())
                .map(Some)
                .ok_or_else(|| format!("Call_Duration_in_seconds: {n} is not a duration"))
        }
        Some(Value::String(s)) if !s.trim().is_empty() => {
            return s.trim().parse().map(Some).map_err(|_| format!("Call_Duration_in_seconds: '{s}' is not a duration"))
        }
        _ => {}
    }
    let Some(s) = text(v, "Call_Duration") else { return Ok(None) };
    let parts: Option<Vec<u32>> = s.split(':').map(|p| p.parse().ok()).collect();
    match parts.as_deref() {
        Some([h, m]) if *m < 60 => Ok(Some(h * 3600 + m * 60)),
        _ => Err(format!("Call_Duration: '{s}' is not HH:mm")),
    }
}

/// A call is done when its outgoing status says Completed, or when it is an Inbound call with
/// a duration (logged after it happened). A Missed call was not made; a Scheduled one not yet.
/// `completed_at` is when it ended (start + duration).
pub fn call(v: &Value) -> Result<Activity, String> {
    let mut a = activity(v, ActivityKind::Call, "Subject")?;
    a.at = stamp(v, "Call_Start_Time")?;
    a.call_type = text(v, "Call_Type");
    a.duration_secs = call_duration(v)?;
    a.status = text(v, "Outgoing_Call_Status");
    let inbound = a.call_type.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("Inbound"));
    let done = a.status.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("Completed"))
        || (inbound && a.duration_secs.is_some_and(|d| d > 0));
    if done {
        let start = a.at.ok_or("a completed call without Call_Start_Time")?;
        let ended = start.original() + Duration::seconds(i64::from(a.duration_secs.unwrap_or(0)));
        a.completed_at = Some(Stamp::from_fixed(ended));
    }
    Ok(a)
}

/// A task is done at its `Closed_Time`; one marked Completed without it (an import) is taken
/// as done at its last edit, the latest it can have been.
pub fn task(v: &Value) -> Result<Activity, String> {
    let mut a = activity(v, ActivityKind::Task, "Subject")?;
    a.due = date(v, "Due_Date")?;
    a.status = text(v, "Status");
    a.completed_at = match stamp(v, "Closed_Time")? {
        Some(t) => Some(t),
        None if a.status.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("Completed")) => Some(a.modified_at),
        None => None,
    };
    Ok(a)
}

/// A meeting (any Event). Its `completed_at` is when it ends (its end, else its start), even
/// when that is still ahead: an incremental sync does not read a meeting again when its time
/// passes (Zoho answers 304, nothing was edited), so "done" is decided by whoever reads it,
/// against their own now — `completed_at <= now`, the same test that holds for calls and tasks.
pub fn meeting(v: &Value) -> Result<Activity, String> {
    let mut a = activity(v, ActivityKind::Meeting, "Event_Title")?;
    a.at = Some(required_stamp(v, "Start_DateTime")?);
    a.completed_at = stamp(v, "End_DateTime")?.or(a.at);
    Ok(a)
}

pub fn account(v: &Value) -> Result<Account, String> {
    Ok(Account {
        id: id(v)?,
        name: text(v, "Account_Name").unwrap_or_else(|| "(no name)".into()),
        owner: lookup(v, "Owner"),
        industry: text(v, "Industry"),
        modified_at: required_stamp(v, "Modified_Time")?,
    })
}

pub fn contact(v: &Value) -> Result<Contact, String> {
    let joined = [text(v, "First_Name"), text(v, "Last_Name")].into_iter().flatten().collect::<Vec<_>>().join(" ");
    Ok(Contact {
        id: id(v)?,
        name: text(v, "Full_Name").or((!joined.is_empty()).then_some(joined)).unwrap_or_else(|| "(no name)".into()),
        email: text(v, "Email"),
        account: record_ref(v, "Account_Name"),
        owner: lookup(v, "Owner"),
        modified_at: required_stamp(v, "Modified_Time")?,
    })
}

/// One record of `module`, with its Modified_Time (for the watermark).
pub fn record(module: SalesModule, v: &Value) -> Result<(SalesRecord, Stamp), String> {
    Ok(match module {
        SalesModule::Deals => deal(v).map(|d| (d.modified_at, SalesRecord::Deal(d)))?,
        SalesModule::Calls => call(v).map(|a| (a.modified_at, SalesRecord::Activity(a)))?,
        SalesModule::Tasks => task(v).map(|a| (a.modified_at, SalesRecord::Activity(a)))?,
        SalesModule::Events => meeting(v).map(|a| (a.modified_at, SalesRecord::Activity(a)))?,
        SalesModule::Accounts => account(v).map(|a| (a.modified_at, SalesRecord::Account(a)))?,
        SalesModule::Contacts => contact(v).map(|c| (c.modified_at, SalesRecord::Contact(c)))?,
    })
    .map(|(m, r)| (r, m))
}

/// The fields a listing of `module` asks for (`panopticon doctor` asks for the same).
pub fn fields(module: SalesModule) -> &'static str {
    match module {
        SalesModule::Deals => {
            "Deal_Name,Stage,Pipeline,Amount,Probability,Expected_Revenue,Closing_Date,Account_Name,Contact_Name,\
             Lead_Source,Owner,Type,Created_Time,Modified_Time"
        }
        SalesModule::Calls => {
            "Subject,Call_Type,Call_Start_Time,Call_Duration,Call_Duration_in_seconds,Outgoing_Call_Status,What_Id,\
             $se_module,Who_Id,Owner,Created_Time,Modified_Time"
        }
        SalesModule::Tasks => {
            "Subject,Due_Date,Status,Priority,What_Id,$se_module,Who_Id,Owner,Closed_Time,Created_Time,Modified_Time"
        }
        SalesModule::Events => {
            "Event_Title,Start_DateTime,End_DateTime,All_day,What_Id,$se_module,Who_Id,Owner,Created_Time,\
             Modified_Time"
        }
        SalesModule::Accounts => "Account_Name,Owner,Industry,Modified_Time",
        SalesModule::Contacts => "Full_Name,First_Name,Last_Name,Email,Account_Name,Owner,Modified_Time",
    }
}

/// One value of the `Stage` picklist (`settings/fields?module=Deals`): the org-wide mapping.
pub fn stage_info(v: &Value) -> Result<StageInfo, String> {
    let stage = text(v, "actual_value").or_else(|| text(v, "display_value")).ok_or("no actual_value")?;
    let sequence = v
        .get("sequence_number")
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| format!("stage {stage}: no sequence_number"))?;
    let forecast = text(v, "forecast_type").ok_or_else(|| format!("stage {stage}: no forecast_type"))?;
    let category = DealCategory::from_zoho(&forecast)
        .ok_or_else(|| format!("stage {stage}: forecast_type '{forecast}' is not Open, Closed Won or Closed Lost"))?;
    Ok(StageInfo {
        pipeline: None,
        probability: percent(v, "probability").map_err(|e| format!("stage {stage}: {e}"))?,
        forecast_category: v.get("forecast_category").and_then(|c| text(c, "name")),
        category,
        sequence,
        stage,
    })
}

#[cfg(test)]
#[path = "sales_parse_tests.rs"]
mod tests;
