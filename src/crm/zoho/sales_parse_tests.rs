//! The sales parse on JSON in the wire contract's shapes: every field typed, hostile records
//! refused with a reason a person can act on.

use serde_json::{json, Value};

use super::*;

fn t(s: &str) -> Stamp {
    Stamp::parse(s).unwrap()
}

fn deal_json() -> Value {
    json!({"id": "3652397000001000001", "Deal_Name": "Acme \u{7} renewal", "Stage": "Negotiation/Review",
        "Pipeline": "Standard (Standard)", "Amount": 12345.675, "Probability": 90, "Expected_Revenue": 11111.1,
        "Closing_Date": "2026-12-15", "Account_Name": {"name": "Acme", "id": "3652397000002000001"},
        "Contact_Name": null, "Lead_Source": "-None-", "Type": "New Business",
        "Owner": {"name": "Ann Lee", "id": "3652397000000100001", "email": "ann@x.test"},
        "Created_Time": "2026-10-01T09:00:00-04:00", "Modified_Time": "2026-11-20T16:30:00-05:00"})
}

#[test]
fn a_deal_is_read_into_typed_values() {
    let d = deal(&deal_json()).unwrap();
    assert_eq!(d.id, "3652397000001000001");
    // Control characters are data: the views escape them.
    assert_eq!(d.name, "Acme \u{7} renewal");
    assert_eq!(d.amount, Some(1_234_568), "12345.675 rounds half up to the cent");
    assert_eq!(d.expected_revenue, Some(1_111_110));
    assert_eq!(d.probability, Some(90));
    assert_eq!(d.closing_date, NaiveDate::from_ymd_opt(2026, 12, 15));
    assert_eq!(d.account, Some(RecordRef { id: "3652397000002000001".into(), name: "Acme".into() }));
    assert_eq!((d.contact, d.lead_source), (None, None));
    assert_eq!(d.owner.unwrap().name, "Ann Lee");
    assert_eq!(d.modified_at, t("2026-11-20T16:30:00-05:00"));
}

#[test]
fn money_is_rounded_from_its_decimal_text_to_the_cent() {
    for (sent, cents) in [
        (json!(0.125), Some(13)),
        (json!(0.135), Some(14)),
        (json!(-0.125), Some(-13)),
        (json!(1e3), Some(100_000)),
        (json!(7), Some(700)),
        (json!(999_999_999_999_999.0), Some(99_999_999_999_999_900)),
        (json!(null), None),
    ] {
        assert_eq!(money(&json!({ "Amount": sent }), "Amount"), Ok(cents), "{sent}");
    }
}

#[test]
fn hostile_deals_are_refused_with_their_reason() {
    let with = |k: &str, v: Value| {
        let mut d = deal_json();
        d[k] = v;
        deal(&d).unwrap_err()
    };
    assert!(with("Amount", json!("12.50")).contains("Amount: expected a number"));
    assert!(with("Amount", json!(2e15)).contains("beyond any real amount"));
    assert!(with("Probability", json!(101)).contains("not a percentage from 0 to 100"));
    assert!(with("Probability", json!(-5)).contains("not a percentage"));
    assert!(with("Probability", json!(50.5)).contains("not a percentage"));
    assert!(with("Closing_Date", json!("15/12/2026")).contains("not a date"));
    assert!(with("Modified_Time", json!(null)).contains("Modified_Time is missing"));
    assert!(with("Stage", json!(null)).contains("no Stage"));
    assert!(with("id", json!(null)).contains("no id"));
    assert!(with("id", json!("../etc")).contains("not a Zoho record id"));
}

#[test]
fn a_stage_history_row_keeps_what_the_deal_had_then() {
    let r = stage_row(
        &json!({"id": "9001", "Stage": "Qualification", "Amount": 1000, "Probability": 10, "Closing_Date": null,
            "Modified_Time": "2026-10-01T09:00:00-04:00", "Modified_By": {"name": "Ann Lee", "id": "1"}}),
        "77",
    )
    .unwrap();
    assert_eq!((r.id.as_str(), r.deal_id.as_str(), r.stage.as_str()), ("9001", "77", "Qualification"));
    assert_eq!((r.amount, r.probability, r.by.as_deref()), (Some(100_000), Some(10), Some("Ann Lee")));
    assert_eq!(r.at, t("2026-10-01T09:00:00-04:00"));
}

fn call_json(kind: &str, status: Option<&str>) -> Value {
    json!({"id": "501", "Subject": "Intro", "Call_Type": kind, "Call_Start_Time": "2026-11-02T10:00:00+01:00",
        "Call_Duration": "00:10", "Call_Duration_in_seconds": 600, "Outgoing_Call_Status": status,
        "What_Id": {"name": "Acme deal", "id": "77"}, "$se_module": "Deals", "Who_Id": {"name": "Bo", "id": "88"},
        "Owner": {"name": "Ann", "id": "1"}, "Created_Time": "2026-11-01T10:00:00Z",
        "Modified_Time": "2026-11-02T10:20:00+01:00"})
}

#[test]
fn a_call_is_done_when_completed_or_a_logged_inbound_and_never_when_missed() {
    let done = call(&call_json("Outbound", Some("Completed"))).unwrap();
    assert_eq!(done.id, "Calls:501");
    assert_eq!(done.kind, ActivityKind::Call);
    assert_eq!(done.completed_at, Some(t("2026-11-02T10:10:00+01:00")), "start + 600 s");
    assert_eq!(done.what, Some(Related { module: "Deals".into(), id: "77".into(), name: Some("Acme deal".into()) }));
    assert_eq!(done.who, Some(RecordRef { id: "88".into(), name: "Bo".into() }));
    assert_eq!(done.duration_secs, Some(600));
    assert_eq!(call(&call_json("Outbound", Some("Scheduled"))).unwrap().completed_at, None);
    assert!(call(&call_json("Inbound", None)).unwrap().completed_at.is_some());
    assert_eq!(call(&call_json("Missed", None)).unwrap().completed_at, None);
    let mut no_seconds = call_json("Inbound", None);
    no_seconds["Call_Duration_in_seconds"] = json!(null);
    no_seconds["Call_Duration"] = json!("01:30");
    assert_eq!(call(&no_seconds).unwrap().duration_secs, Some(5400));
    no_seconds["Call_Duration"] = json!("ten minutes");
    assert!(call(&no_seconds).unwrap_err().contains("not HH:mm"));
}

#[test]
fn a_task_is_done_at_its_closed_time_or_its_last_edit_when_only_its_status_says_so() {
    let base = json!({"id": "601", "Subject": "Send proposal", "Due_Date": "2026-11-25", "Status": "Not Started",
        "Closed_Time": null, "Created_Time": "2026-11-01T08:00:00Z", "Modified_Time": "2026-11-03T08:00:00Z"});
    let open = task(&base).unwrap();
    assert_eq!(
        (open.id.as_str(), open.due, open.completed_at),
        ("Tasks:601", NaiveDate::from_ymd_opt(2026, 11, 25), None)
    );
    let mut closed = base.clone();
    closed["Status"] = json!("Completed");
    closed["Closed_Time"] = json!("2026-11-02T09:30:00+05:30");
    assert_eq!(task(&closed).unwrap().completed_at, Some(t("2026-11-02T09:30:00+05:30")));
    closed["Closed_Time"] = json!(null);
    assert_eq!(task(&closed).unwrap().completed_at, Some(t("2026-11-03T08:00:00Z")));
    assert_eq!(task(&json!({"id": "602", "Modified_Time": "2026-11-03T08:00:00Z"})).unwrap().subject, "(no subject)");
}

#[test]
fn a_meeting_ends_at_its_end_or_its_start() {
    let m = meeting(&json!({"id": "701", "Event_Title": "Demo", "Start_DateTime": "2026-11-05T15:00:00Z",
        "End_DateTime": "2026-11-05T16:00:00Z", "What_Id": {"name": "L", "id": "5"}, "$se_module": "Leads",
        "Modified_Time": "2026-11-01T08:00:00Z"}))
    .unwrap();
    assert_eq!(
        (m.id.as_str(), m.at, m.completed_at),
        ("Events:701", Some(t("2026-11-05T15:00:00Z")), Some(t("2026-11-05T16:00:00Z")))
    );
    let no_end = meeting(
        &json!({"id": "702", "Start_DateTime": "2026-11-05T15:00:00Z", "Modified_Time": "2026-11-01T08:00:00Z"}),
    )
    .unwrap();
    assert_eq!(no_end.completed_at, no_end.at);
    assert!(meeting(&json!({"id": "703", "Modified_Time": "2026-11-01T08:00:00Z"}))
        .unwrap_err()
        .contains("Start_DateTime"));
}

#[test]
fn accounts_and_contacts_carry_names_and_owners() {
    let a =
        account(&json!({"id": "11", "Account_Name": "Acme", "Industry": "Retail", "Owner": {"name": "Ann", "id": "1"},
        "Modified_Time": "2026-11-01T08:00:00Z"}))
        .unwrap();
    assert_eq!((a.name.as_str(), a.industry.as_deref()), ("Acme", Some("Retail")));
    let c = contact(&json!({"id": "12", "First_Name": "Bo", "Last_Name": "Diaz", "Email": "bo@acme.test",
        "Account_Name": {"name": "Acme", "id": "11"}, "Modified_Time": "2026-11-01T08:00:00Z"}))
    .unwrap();
    assert_eq!((c.name.as_str(), c.account.unwrap().id.as_str(), c.owner), ("Bo Diaz", "11", None));
    let (r, modified) =
        record(SalesModule::Contacts, &json!({"id": "13", "Full_Name": "Cy", "Modified_Time": "2026-11-01T08:00:00Z"}))
            .unwrap();
    assert!(matches!(r, SalesRecord::Contact(c) if c.name == "Cy"));
    assert_eq!(modified, t("2026-11-01T08:00:00Z"));
}

#[test]
fn the_stage_picklist_says_each_stages_probability_and_category() {
    let won = stage_info(&json!({"display_value": "Closed Won", "actual_value": "Closed Won", "sequence_number": 7,
        "probability": 100, "forecast_type": "Closed Won", "forecast_category": {"name": "Closed", "id": "1"}}))
    .unwrap();
    assert_eq!(
        won,
        StageInfo {
            pipeline: None,
            stage: "Closed Won".into(),
            sequence: 7,
            probability: Some(100),
            category: DealCategory::Won,
            forecast_category: Some("Closed".into())
        }
    );
    let odd = stage_info(&json!({"actual_value": "X", "sequence_number": 1, "forecast_type": "Maybe"})).unwrap_err();
    assert!(odd.contains("'Maybe' is not Open, Closed Won or Closed Lost"), "{odd}");
    assert!(stage_info(&json!({"actual_value": "X", "forecast_type": "Open"}))
        .unwrap_err()
        .contains("sequence_number"));
}
