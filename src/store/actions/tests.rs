//! The action record: begun once per key, resolved once, reflected in the lead's copy.

use super::*;
use crate::crm::{CrmLead, UserRef};
use crate::domain::LeadId;
use crate::store::{get_lead, upsert_lead, Store};
use crate::time::Stamp;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn lead(owner: (&str, &str), modified: &str) -> CrmLead {
    CrmLead {
        id: LeadId::parse("7001").unwrap(),
        first_name: Some("Ada".into()),
        last_name: Some("Ray".into()),
        full_name: "Ada Ray".into(),
        company: Some("Acme".into()),
        email: None,
        phone: None,
        lead_source: None,
        stage: Some("Appointment Set".into()),
        locator: Some(UserRef { id: owner.0.into(), name: owner.1.into() }),
        converted: false,
        created_at: Stamp::parse("2026-11-01T09:00:00-05:00").unwrap(),
        modified_at: Stamp::parse(modified).unwrap(),
        appointment_field: None,
    }
}

fn reassign(key: &ActionKey) -> ActionRecord {
    ActionRecord {
        id: 0,
        key: key.clone(),
        lead_id: "7001".into(),
        lead_name: "Ada Ray".into(),
        kind: ActionKind::Reassign,
        by_discord: Some(42),
        by_name: "Cora Coord".into(),
        via: Via::Discord,
        from: Some(Person { id: "u1".into(), name: "Bo Diaz".into() }),
        to: Some(Person { id: "u2".into(), name: "Cy Eng".into() }),
        body: None,
        due: None,
        seen_modified: Some("2026-11-20T10:00:00-05:00".into()),
        requested_at: t("2026-11-22T15:00:00Z"),
        state: State::Pending,
        crm_id: None,
        code: None,
        reason: None,
        resolved_at: None,
        attempts: 0,
    }
}

#[test]
fn a_key_is_begun_once_and_resolved_once_with_the_lead_reflected() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("a.db")).unwrap();
    let mut c = store.connect().unwrap();
    upsert_lead(&c, &lead(("u1", "Bo Diaz"), "2026-11-20T10:00:00-05:00")).unwrap();
    let key = ActionKey::new();
    let v0 = actions_version(&c).unwrap();

    let Begun::New(rec) = begin_action(&mut c, &reassign(&key)).unwrap() else { panic!("first begin is new") };
    assert!(rec.id > 0);
    assert_eq!(rec.state, State::Pending);
    assert_eq!(rec.to, Some(Person { id: "u2".into(), name: "Cy Eng".into() }));
    let v1 = actions_version(&c).unwrap();
    assert_ne!(v0, v1);
    // A second click with the same key finds the same record, still pending.
    let Begun::Existing(again) = begin_action(&mut c, &reassign(&key)).unwrap() else { panic!("same key") };
    assert_eq!(again, rec);
    count_attempt(&c, rec.id).unwrap();

    let fresh = lead(("u2", "Cy Eng"), "2026-11-22T10:00:01-05:00");
    let done = Resolution {
        state: State::Done,
        crm_id: Some("7001".into()),
        code: None,
        reason: None,
        at: t("2026-11-22T15:00:02Z"),
    };
    assert!(resolve_action(&mut c, rec.id, &done, Reflect::Lead(&fresh)).unwrap());
    let stored = get_lead(&c, "7001").unwrap().unwrap();
    assert_eq!(stored.locator, Some(UserRef { id: "u2".into(), name: "Cy Eng".into() }));
    assert_eq!(stored.modified_at, Stamp::parse("2026-11-22T10:00:01-05:00").unwrap());
    assert_ne!(actions_version(&c).unwrap(), v1, "a resolution moves the version");

    // Resolving again (a late second resolver) changes nothing.
    let failed = Resolution { state: State::Failed, reason: Some("late".into()), ..done.clone() };
    assert!(!resolve_action(&mut c, rec.id, &failed, Reflect::Locator(&Person { id: "u9".into(), name: "X".into() }))
        .unwrap());
    let back = action_by_key(&c, &key).unwrap().unwrap();
    assert_eq!((back.state, back.attempts, back.crm_id.as_deref()), (State::Done, 1, Some("7001")));
    assert_eq!(back.resolved_at, Some(t("2026-11-22T15:00:02Z")));
    assert_eq!(get_lead(&c, "7001").unwrap().unwrap().locator.map(|u| u.id).as_deref(), Some("u2"));
}

#[test]
fn locator_only_reflection_and_the_audit_filters() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("a.db")).unwrap();
    let mut c = store.connect().unwrap();
    upsert_lead(&c, &lead(("u1", "Bo Diaz"), "2026-11-20T10:00:00-05:00")).unwrap();
    let first = match begin_action(&mut c, &reassign(&ActionKey::new())).unwrap() {
        Begun::New(r) => r,
        Begun::Existing(_) => panic!("new key"),
    };
    let r = Resolution { state: State::Done, crm_id: None, code: None, reason: None, at: t("2026-11-22T15:01:00Z") };
    resolve_action(&mut c, first.id, &r, Reflect::Locator(&Person { id: "u2".into(), name: "Cy Eng".into() })).unwrap();
    assert_eq!(get_lead(&c, "7001").unwrap().unwrap().locator.map(|u| u.name).as_deref(), Some("Cy Eng"));

    let mut note = reassign(&ActionKey::new());
    note.kind = ActionKind::Note;
    note.to = None;
    note.body = Some("called, no answer".into());
    note.by_discord = None;
    note.by_name = "cli:ann".into();
    note.via = Via::Cli;
    note.requested_at = t("2026-11-23T09:00:00Z");
    note.state = State::Denied;
    note.reason = Some("members may not".into());
    // A settled record (denied here) is begun like any other: its key finds it again.
    begin_action(&mut c, &note).unwrap();
    let mut task = reassign(&ActionKey::new());
    task.kind = ActionKind::Task;
    task.lead_id = "7002".into();
    task.due = NaiveDate::from_ymd_opt(2026, 11, 30);
    task.requested_at = t("2026-11-24T09:00:00Z");
    begin_action(&mut c, &task).unwrap();

    let all = audit(&c, &AuditFilter::default()).unwrap();
    let kinds: Vec<_> = all.iter().map(|a| (a.kind, a.state)).collect();
    assert_eq!(
        kinds,
        vec![
            (ActionKind::Task, State::Pending),
            (ActionKind::Note, State::Denied),
            (ActionKind::Reassign, State::Done)
        ],
        "newest first"
    );
    assert_eq!(all[0].due, NaiveDate::from_ymd_opt(2026, 11, 30));
    assert_eq!(all[1].via, Via::Cli);
    let lead_only = audit(&c, &AuditFilter { lead: Some("7001".into()), ..Default::default() }).unwrap();
    assert_eq!(lead_only.len(), 2);
    let by = audit(&c, &AuditFilter { by_discord: Some(42), ..Default::default() }).unwrap();
    assert_eq!(by.iter().map(|a| a.kind).collect::<Vec<_>>(), vec![ActionKind::Task, ActionKind::Reassign]);
    let cy = audit(&c, &AuditFilter { crm_user: Some("u2".into()), limit: 1, ..Default::default() }).unwrap();
    assert_eq!(cy.len(), 1);
    let since = audit(&c, &AuditFilter { since: Some(t("2026-11-23T00:00:00Z")), ..Default::default() }).unwrap();
    assert_eq!(since.len(), 2);
    let denied = audit(&c, &AuditFilter { state: Some(State::Denied), ..Default::default() }).unwrap();
    assert_eq!(denied[0].body.as_deref(), Some("called, no answer"));
    assert_eq!(pending_actions(&c).unwrap().len(), 1);
    assert_eq!(actions_of_lead(&c, "7001").unwrap().len(), 2);

    // Retention keeps pending ones whatever their age.
    assert_eq!(prune_actions(&c, t("2027-01-01T00:00:00Z")).unwrap(), 2);
    assert_eq!(audit(&c, &AuditFilter::default()).unwrap().len(), 1);
}
