//! A small sales org worked by hand (shared by tests/sales_kpi.rs, tests/sales_views.rs and
//! commands/tests/cli_sales.rs), a seeded generator of larger ones, and `fill`, which writes an
//! org into a store through the store's own upserts.
//!
//! Business zone America/New_York; "now" is Monday 16 Nov 2026, 12:00 there (17:00 UTC). Users:
//! Ann (u1) and Bob (u2) report to Maya (u3), their manager. The expected numbers are in the
//! tests, with the arithmetic.
#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use panopticon::crm::{CrmAppointment, CrmLead, CrmStageChange, CrmUser, UserRef};
use panopticon::domain::LeadId;
use panopticon::people::Directory;
use panopticon::rules::StageName;
use panopticon::sales::kpi::LeadFact;
use panopticon::sales::{
    Account, Activity, ActivityKind, Contact, Deal, DealCategory, DealStage, RecordRef, Related, SalesData, StageInfo,
};
use panopticon::store::{self, ChangeSource, Connection};
use panopticon::time::Stamp;

pub fn tz() -> Tz {
    chrono_tz::America::New_York
}

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 16, 17, 0, 0).unwrap()
}

pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// An instant; a bare date is noon UTC that day.
pub fn t(s: &str) -> Stamp {
    if s.len() == 10 {
        Stamp::parse(&format!("{s}T12:00:00+00:00")).unwrap()
    } else {
        Stamp::parse(s).unwrap()
    }
}

pub fn user(id: &str) -> UserRef {
    let name = match id {
        "u1" => "Ann Lee",
        "u2" => "Bob Ray",
        "u3" => "Maya Chen",
        other => other,
    };
    UserRef { id: id.into(), name: name.into() }
}

pub fn directory() -> Directory {
    let u = |id: &str, email: &str, boss: Option<&str>| CrmUser {
        id: id.into(),
        name: user(id).name,
        email: Some(email.into()),
        status: Some("active".into()),
        role_id: None,
        reporting_to_id: boss.map(str::to_string),
    };
    Directory {
        users: vec![u("u1", "ann@x.test", Some("u3")), u("u2", "bob@x.test", Some("u3")), u("u3", "maya@x.test", None)],
        roles: vec![],
    }
}

/// The demo org's stages (see common16): sequence, probability, category.
pub fn stage_meta() -> Vec<StageInfo> {
    use DealCategory::*;
    [
        ("Qualification", 1, 10, Open),
        ("Needs Analysis", 2, 20, Open),
        ("Value Proposition", 3, 40, Open),
        ("Id. Decision Makers", 4, 60, Open),
        ("Proposal/Price Quote", 5, 75, Open),
        ("Negotiation/Review", 6, 90, Open),
        ("Closed Won", 7, 100, Won),
        ("Closed Lost", 8, 0, Lost),
        ("Closed Lost to Competition", 9, 0, Lost),
    ]
    .into_iter()
    .map(|(stage, sequence, p, category)| StageInfo {
        pipeline: None,
        stage: stage.into(),
        sequence,
        probability: Some(p),
        category,
        forecast_category: None,
    })
    .collect()
}

pub struct DealSpec<'a> {
    pub id: &'a str,
    pub owner: &'a str,
    pub stage: &'a str,
    pub amount: i64,
    pub probability: Option<u8>,
    pub closing: Option<&'a str>,
    pub created: &'a str,
    pub source: Option<&'a str>,
    pub pipeline: &'a str,
}

pub fn deal(s: DealSpec) -> Deal {
    Deal {
        id: s.id.into(),
        name: format!("Deal {}", s.id),
        stage: s.stage.into(),
        pipeline: Some(s.pipeline.into()),
        amount: Some(s.amount),
        probability: s.probability,
        expected_revenue: None,
        closing_date: s.closing.map(d),
        account: Some(RecordRef { id: format!("A{}", s.id), name: format!("Acme {}", s.id) }),
        contact: None,
        lead_source: s.source.map(str::to_string),
        owner: Some(user(s.owner)),
        kind: None,
        created_at: t(s.created),
        modified_at: t(s.created),
    }
}

pub fn row(deal: &str, n: u32, stage: &str, at: &str) -> DealStage {
    DealStage {
        id: format!("{deal}-h{n}"),
        deal_id: deal.into(),
        stage: stage.into(),
        at: t(at),
        amount: None,
        probability: None,
        closing_date: None,
        by: Some("Ann Lee".into()),
    }
}

const STD: &str = "Standard (Standard)";

/// The hand-worked org's sales side.
pub fn sales() -> SalesData {
    let spec = |id, owner, stage, amount, probability, closing, created, source, pipeline| {
        deal(DealSpec { id, owner, stage, amount, probability, closing, created, source, pipeline })
    };
    let deals = vec![
        spec("D1", "u1", "Negotiation/Review", 1_000_000, None, Some("2026-11-20"), "2026-10-01", Some("Web"), STD),
        spec("D2", "u1", "Qualification", 500_000, Some(30), Some("2026-12-15"), "2026-11-02", Some("Referral"), STD),
        spec(
            "D3",
            "u2",
            "Proposal/Price Quote",
            2_000_000,
            None,
            Some("2026-11-10"),
            "2026-09-15",
            Some("Web"),
            "Renewals",
        ),
        spec("D4", "u1", "Closed Won", 800_000, None, Some("2026-11-05"), "2026-10-06", Some("Web"), STD),
        spec("D5", "u2", "Closed Won", 1_200_000, None, None, "2026-10-01", Some("Web"), STD),
        spec("D6", "u2", "Closed Lost", 400_000, None, Some("2026-11-12"), "2026-10-20", Some("Web"), STD),
        spec("D7", "u1", "Closed Won", 600_000, None, Some("2026-10-10"), "2026-09-30", Some("Referral"), STD),
        spec(
            "D8",
            "u2",
            "Closed Won",
            200_000,
            None,
            Some("2026-11-15"),
            "2026-11-01T14:00:00+00:00",
            Some("Referral"),
            STD,
        ),
        spec("D9", "u1", "Value Proposition", 100_000, None, Some("2026-10-01"), "2026-09-01", None, STD),
    ];
    let stages = vec![
        row("D4", 1, "Qualification", "2026-10-06"),
        row("D4", 2, "Closed Won", "2026-11-05"),
        row("D5", 1, "Needs Analysis", "2026-10-01T15:00:00+00:00"),
        // 23:30 on 31 October in New York: won in October, not November.
        row("D5", 2, "Closed Won", "2026-10-31T23:30:00-04:00"),
        row("D6", 1, "Value Proposition", "2026-10-20"),
        row("D6", 2, "Closed Lost", "2026-11-12"),
        row("D7", 1, "Qualification", "2026-09-30"),
        row("D7", 2, "Closed Won", "2026-10-10"),
    ];
    let act = |id: &str, kind, owner: &str| Activity {
        id: id.into(),
        kind,
        subject: format!("Activity {id}"),
        owner: Some(user(owner)),
        what: Some(Related { module: "Deals".into(), id: "D1".into(), name: Some("Deal D1".into()) }),
        who: None,
        at: None,
        due: None,
        status: None,
        completed_at: None,
        call_type: None,
        duration_secs: None,
        created_at: t("2026-10-01"),
        modified_at: t("2026-10-01"),
    };
    let call = |id, owner, call_type: &str, status: Option<&str>, at: &str| Activity {
        call_type: Some(call_type.into()),
        status: status.map(str::to_string),
        at: Some(t(at)),
        ..act(id, ActivityKind::Call, owner)
    };
    let meeting = |id, owner, at: &str| Activity { at: Some(t(at)), ..act(id, ActivityKind::Meeting, owner) };
    let task = |id, owner, due: &str, done: Option<&str>| Activity {
        due: Some(d(due)),
        status: Some(if done.is_some() { "Completed" } else { "Not Started" }.into()),
        completed_at: done.map(t),
        ..act(id, ActivityKind::Task, owner)
    };
    let activities = vec![
        call("Calls:1", "u1", "Outbound", Some("Completed"), "2026-11-05T15:00:00+00:00"),
        call("Calls:2", "u1", "Outbound", Some("Scheduled"), "2026-11-20T15:00:00+00:00"),
        call("Calls:3", "u2", "Inbound", None, "2026-11-16T13:00:00+00:00"),
        call("Calls:4", "u2", "Missed", None, "2026-11-06T15:00:00+00:00"),
        call("Calls:5", "u1", "Inbound", None, "2026-11-16T20:00:00+00:00"),
        meeting("Events:6", "u1", "2026-11-10T15:00:00+00:00"),
        meeting("Events:7", "u2", "2026-11-18T15:00:00+00:00"),
        task("Tasks:8", "u1", "2026-11-04", Some("2026-11-04T12:00:00+00:00")),
        task("Tasks:9", "u2", "2026-11-12", None),
        task("Tasks:10", "u2", "2026-11-20", None),
        task("Tasks:11", "u1", "2026-11-01", Some("2026-10-31T10:00:00+00:00")),
    ];
    let accounts = vec![Account {
        id: "AD1".into(),
        name: "Acme D1".into(),
        owner: Some(user("u1")),
        industry: Some("Solar".into()),
        modified_at: t("2026-10-01"),
    }];
    let contacts = vec![Contact {
        id: "C1".into(),
        name: "José García".into(),
        email: Some("jose@acme.test".into()),
        account: Some(RecordRef { id: "AD1".into(), name: "Acme D1".into() }),
        owner: Some(user("u1")),
        modified_at: t("2026-10-01"),
    }];
    SalesData { deals, stages, activities, accounts, contacts, stage_meta: stage_meta() }
}

pub fn lead(
    id: &str,
    owner: &str,
    created: &str,
    source: Option<&str>,
    stage: &str,
    appointed: bool,
    reached: &[&str],
) -> LeadFact {
    LeadFact {
        id: id.into(),
        name: format!("Lead {id}"),
        company: Some(format!("Co {id}")),
        stage: Some(stage.into()),
        lead_source: source.map(str::to_string),
        owner_id: Some(owner.into()),
        owner_name: Some(user(owner).name),
        created_at: t(created),
        converted: false,
        appointed,
        reached: reached.iter().map(|s| StageName::from(*s)).collect(),
    }
}

/// The hand-worked org's leads.
pub fn leads() -> Vec<LeadFact> {
    vec![
        // 23:30 on 31 October in New York: an October lead.
        lead("1001", "u2", "2026-11-01T03:30:00+00:00", Some("Web"), "New", true, &[]),
        lead("1002", "u1", "2026-11-01", Some("Web"), "Green - Approved", true, &["Appt Set", "Green - Approved"]),
        lead("1003", "u1", "2026-11-03", Some("Web"), "New", false, &["Appt Set", "New"]),
        lead("1004", "u2", "2026-11-10", Some("Referral"), "Delivered", true, &["Delivered"]),
        lead("1005", "u1", "2026-11-16", None, "Follow Up", true, &[]),
        lead("1006", "u2", "2026-10-05", Some("Web"), "New", true, &[]),
    ]
}

/// Writes an org into the store through the store's upserts, in one transaction.
pub fn fill(conn: &Connection, data: &SalesData, leads: &[LeadFact], dir: &Directory) {
    let tx = conn.unchecked_transaction().unwrap();
    for u in &dir.users {
        store::upsert_user(&tx, u).unwrap();
    }
    for d in &data.deals {
        store::upsert_deal(&tx, d).unwrap();
        let rows: Vec<DealStage> = data.stages.iter().filter(|s| s.deal_id == d.id).cloned().collect();
        store::replace_deal_stages(&tx, &d.id, &rows).unwrap();
    }
    for a in &data.activities {
        store::upsert_activity(&tx, a).unwrap();
    }
    for a in &data.accounts {
        store::upsert_account(&tx, a).unwrap();
    }
    for c in &data.contacts {
        store::upsert_contact(&tx, c).unwrap();
    }
    store::replace_stage_meta(&tx, &data.stage_meta).unwrap();
    for l in leads {
        let id = LeadId::parse(&l.id).unwrap();
        store::upsert_lead(
            &tx,
            &CrmLead {
                id: id.clone(),
                first_name: None,
                last_name: None,
                full_name: l.name.clone(),
                company: l.company.clone(),
                email: None,
                phone: None,
                lead_source: l.lead_source.clone(),
                stage: l.stage.clone(),
                locator: l
                    .owner_id
                    .as_ref()
                    .map(|o| UserRef { id: o.clone(), name: l.owner_name.clone().unwrap_or_default() }),
                converted: l.converted,
                created_at: l.created_at,
                modified_at: l.created_at,
                appointment_field: None,
            },
        )
        .unwrap();
        if l.appointed {
            store::upsert_appointment(
                &tx,
                &CrmAppointment {
                    id: format!("Events:a{}", l.id),
                    lead_id: id.clone(),
                    title: None,
                    start: l.created_at,
                    end: None,
                    all_day: false,
                    status: None,
                },
            )
            .unwrap();
        }
        for (i, s) in l.reached.iter().enumerate() {
            let change = CrmStageChange {
                id: format!("c{}-{i}", l.id),
                lead_id: id.clone(),
                at: Stamp::from_utc(l.created_at.utc() + chrono::Duration::hours(i as i64 + 1)),
                from: None,
                to: Some(s.to_string()),
                by: None,
            };
            store::insert_change(&tx, &change, ChangeSource::Timeline).unwrap();
        }
    }
    tx.commit().unwrap();
}

mod generated;
#[allow(unused_imports)]
pub use generated::*;
