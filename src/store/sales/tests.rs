//! The sales tables written and read back whole.
use super::*;
use crate::store::Store;

fn t(s: &str) -> Stamp {
    Stamp::parse(s).unwrap()
}

fn sample() -> SalesData {
    let owner = Some(UserRef { id: "u1".into(), name: "Ann Lee".into() });
    let deal = Deal {
        id: "d1".into(),
        name: "Acme renewal".into(),
        stage: "Negotiation/Review".into(),
        pipeline: Some("Standard (Standard)".into()),
        amount: Some(1_234_567),
        probability: Some(90),
        expected_revenue: Some(1_111_110),
        closing_date: NaiveDate::from_ymd_opt(2026, 12, 15),
        account: Some(RecordRef { id: "a1".into(), name: "Acme".into() }),
        contact: Some(RecordRef { id: "c1".into(), name: "Bo Diaz".into() }),
        lead_source: Some("Web".into()),
        owner: owner.clone(),
        kind: Some("Existing Business".into()),
        created_at: t("2026-10-01T09:00:00-04:00"),
        modified_at: t("2026-11-20T16:30:00-05:00"),
    };
    let stage = DealStage {
        id: "h1".into(),
        deal_id: "d1".into(),
        stage: "Qualification".into(),
        at: t("2026-10-01T09:00:00-04:00"),
        amount: Some(1_000_000),
        probability: Some(10),
        closing_date: NaiveDate::from_ymd_opt(2026, 12, 31),
        by: Some("Ann Lee".into()),
    };
    let activity = Activity {
        id: "Tasks:t1".into(),
        kind: ActivityKind::Task,
        subject: "Send proposal".into(),
        owner: owner.clone(),
        what: Some(Related { module: "Deals".into(), id: "d1".into(), name: Some("Acme renewal".into()) }),
        who: None,
        at: None,
        due: NaiveDate::from_ymd_opt(2026, 11, 25),
        status: Some("Completed".into()),
        completed_at: Some(t("2026-11-21T10:00:00+05:30")),
        call_type: None,
        duration_secs: None,
        created_at: t("2026-11-01T08:00:00Z"),
        modified_at: t("2026-11-21T10:00:00+05:30"),
    };
    let account = Account {
        id: "a1".into(),
        name: "Acme".into(),
        owner: owner.clone(),
        industry: None,
        modified_at: t("2026-01-01T00:00:00Z"),
    };
    let contact = Contact {
        id: "c1".into(),
        name: "Bo Diaz".into(),
        email: Some("bo@acme.test".into()),
        account: Some(RecordRef { id: "a1".into(), name: "Acme".into() }),
        owner,
        modified_at: t("2026-01-02T00:00:00Z"),
    };
    let meta = StageInfo {
        pipeline: None,
        stage: "Closed Won".into(),
        sequence: 7,
        probability: Some(100),
        category: DealCategory::Won,
        forecast_category: Some("Closed".into()),
    };
    SalesData {
        deals: vec![deal],
        stages: vec![stage],
        activities: vec![activity],
        accounts: vec![account],
        contacts: vec![contact],
        stage_meta: vec![meta],
    }
}

#[test]
fn what_is_written_is_read_back_whole() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.db")).unwrap();
    let conn = store.connect().unwrap();
    let s = sample();
    upsert_deal(&conn, &s.deals[0]).unwrap();
    replace_deal_stages(&conn, "d1", &s.stages).unwrap();
    upsert_activity(&conn, &s.activities[0]).unwrap();
    upsert_account(&conn, &s.accounts[0]).unwrap();
    upsert_contact(&conn, &s.contacts[0]).unwrap();
    replace_stage_meta(&conn, &s.stage_meta).unwrap();
    assert_eq!(load_sales(&conn).unwrap(), s);
    let (stage, _, synced) = deal_marks(&conn, "d1").unwrap().unwrap();
    assert_eq!(stage, "Negotiation/Review");
    assert!(synced.is_some(), "the history read is marked at the deal's Modified_Time");
    // Deleting a deal takes its history with it.
    assert_eq!(delete_deals(&conn, &["d1".into(), "gone".into()]).unwrap(), 1);
    let after = load_sales(&conn).unwrap();
    assert!(after.deals.is_empty() && after.stages.is_empty());
    assert_eq!(delete_sales_records(&conn, SalesModule::Tasks, &["Tasks:t1".into()]).unwrap(), 1);
    assert_eq!(delete_sales_records(&conn, SalesModule::Accounts, &["a1".into()]).unwrap(), 1);
    assert_eq!(delete_sales_records(&conn, SalesModule::Contacts, &["c1".into()]).unwrap(), 1);
    assert_eq!(load_sales(&conn).unwrap().stage_meta.len(), 1);
}

#[test]
fn owed_history_is_kept_until_read() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.db")).unwrap();
    let conn = store.connect().unwrap();
    let s = sample();
    upsert_deal(&conn, &s.deals[0]).unwrap();
    owe_deal_history(&conn, "d1").unwrap();
    owe_deal_history(&conn, "d1").unwrap();
    assert_eq!(deal_history_due(&conn).unwrap(), vec!["d1".to_string()]);
    replace_deal_stages(&conn, "d1", &[]).unwrap();
    assert!(deal_history_due(&conn).unwrap().is_empty());
}
