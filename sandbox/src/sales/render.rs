//! How the sales side is drawn as Zoho JSON (reference/zoho-api-more.md §1–5; the fields each
//! module knows are in `crate::render`, with the lead side's): lookups as
//! `{name, id}`, `Owner` as `{name, id, email}`, dates as `yyyy-MM-dd`, currency as JSON
//! numbers, and the overrides hostile deals carry.

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::{SAccount, SCall, SContact, SDeal, SDealStage, DEAL_STAGES};
use crate::org::{Org, STask};
use crate::render::{owner, related, zt};

fn date(d: Option<chrono::NaiveDate>) -> Value {
    d.map(|d| json!(d.format("%Y-%m-%d").to_string())).unwrap_or(Value::Null)
}

fn time(org: &Org, t: Option<DateTime<Utc>>) -> Value {
    t.map(|t| zt(org, t)).unwrap_or(Value::Null)
}

/// Zoho's currency: a JSON number with at most two decimals here.
fn money(a: Option<f64>) -> Value {
    a.map(|a| json!((a * 100.0).round() / 100.0)).unwrap_or(Value::Null)
}

/// `{id, <asked fields>}` with `field` drawing each one (null when unset or unknown).
fn record(id: &str, fields: &[&str], field: impl Fn(&str) -> Value) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), json!(id));
    for f in fields {
        m.insert(f.to_string(), field(f));
    }
    m
}

pub(crate) fn deal(org: &Org, d: &SDeal, fields: &[&str]) -> Value {
    let mut m = record(&d.id, fields, |f| match f {
        "Deal_Name" => json!(d.name),
        "Stage" => json!(d.stage),
        "Pipeline" => json!(d.pipeline),
        "Amount" => money(d.amount),
        "Probability" => json!(d.probability),
        "Expected_Revenue" => money(d.expected_revenue()),
        "Closing_Date" => date(d.closing),
        "Account_Name" => related(&d.account),
        "Contact_Name" => related(&d.contact),
        "Lead_Source" => json!(d.lead_source),
        "Owner" => owner(org, &d.owner_id),
        "Type" => json!(d.kind),
        "Created_Time" => zt(org, d.created),
        "Modified_Time" => zt(org, d.modified),
        _ => Value::Null,
    });
    for (k, v) in &d.overrides {
        m.insert(k.clone(), v.clone());
    }
    // A null `id` override plants a record with no id at all, as the client must survive.
    if m.get("id").is_some_and(Value::is_null) {
        m.remove("id");
    }
    Value::Object(m)
}

/// One `Stage_History` row; unknown fields come back null (the related list's habit).
pub(crate) fn stage_row(org: &Org, row: &SDealStage, fields: &[&str]) -> Value {
    let expected = row.amount.map(|a| (a * f64::from(row.probability)).round() / 100.0);
    Value::Object(record(&row.id, fields, |f| match f {
        "Stage" => json!(row.stage),
        "Amount" => money(row.amount),
        "Probability" => json!(row.probability),
        "Expected_Revenue" => money(expected),
        "Closing_Date" | "Close_Date" => date(row.closing),
        "Modified_Time" | "Last_Modified_Time" => zt(org, row.at),
        "Modified_By" => json!({"name": org.user_name(&row.by_id), "id": row.by_id}),
        _ => Value::Null,
    }))
}

pub(crate) fn call(org: &Org, c: &SCall, fields: &[&str]) -> Value {
    Value::Object(record(&c.id, fields, |f| match f {
        "Subject" => json!(c.subject),
        "Call_Type" => json!(c.call_type),
        "Call_Start_Time" => zt(org, c.start),
        "Call_Duration" => json!(format!("{:02}:{:02}", c.duration_secs / 60, c.duration_secs % 60)),
        "Call_Duration_in_seconds" => json!(c.duration_secs),
        "Outgoing_Call_Status" => json!(c.status),
        "What_Id" => related(&c.what),
        "$se_module" => json!(c.what.as_ref().map(|w| &w.module)),
        "Who_Id" => related(&c.who),
        "Owner" => owner(org, &c.owner_id),
        "Created_Time" => zt(org, c.created),
        "Modified_Time" => zt(org, c.modified),
        _ => Value::Null,
    }))
}

pub(crate) fn task(org: &Org, t: &STask, fields: &[&str]) -> Value {
    Value::Object(record(&t.id, fields, |f| match f {
        "Subject" => json!(t.subject),
        "Due_Date" => date(t.due),
        "Status" => json!(t.status),
        "Priority" => json!(t.priority),
        "What_Id" => related(&t.what),
        "$se_module" => json!(t.what.as_ref().map(|w| &w.module)),
        "Who_Id" => related(&t.who),
        "Owner" => owner(org, &t.owner_id),
        "Closed_Time" => time(org, t.closed),
        "Description" => json!(t.description),
        "Created_Time" => zt(org, t.created),
        "Modified_Time" => zt(org, t.modified),
        _ => Value::Null,
    }))
}

pub(crate) fn account(org: &Org, a: &SAccount, fields: &[&str]) -> Value {
    Value::Object(record(&a.id, fields, |f| match f {
        "Account_Name" => json!(a.name),
        "Owner" => owner(org, &a.owner_id),
        "Industry" => json!(a.industry),
        "Created_Time" => zt(org, a.created),
        "Modified_Time" => zt(org, a.modified),
        _ => Value::Null,
    }))
}

pub(crate) fn contact(org: &Org, c: &SContact, fields: &[&str]) -> Value {
    Value::Object(record(&c.id, fields, |f| match f {
        "Full_Name" => json!(c.full_name()),
        "First_Name" => json!(c.first_name),
        "Last_Name" => json!(c.last_name),
        "Email" => json!(c.email),
        "Account_Name" => related(&c.account),
        "Owner" => owner(org, &c.owner_id),
        "Created_Time" => zt(org, c.created),
        "Modified_Time" => zt(org, c.modified),
        _ => Value::Null,
    }))
}

/// The Deals `Stage` field's `pick_list_values`: the org-wide stage–probability mapping.
pub(crate) fn stage_pick_list() -> Value {
    let forecast_ids = |name: &str| match name {
        "Pipeline" => "3652397000000161001",
        "Closed" => "3652397000000161003",
        _ => "3652397000000161005",
    };
    DEAL_STAGES
        .iter()
        .enumerate()
        .map(|(i, st)| {
            json!({
                "actual_value": st.name,
                "display_value": if st.name == "Id. Decision Makers" { "Identify Decision Makers" } else { st.name },
                "sequence_number": st.sequence,
                "probability": st.probability,
                "forecast_type": st.forecast_type,
                "forecast_category": {"name": st.forecast_category, "id": forecast_ids(st.forecast_category)},
                "id": format!("36523970000001620{i:02}"),
                "type": "used",
                "colour_code": null,
            })
        })
        .collect()
}
