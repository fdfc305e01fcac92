//! The write-back engine (`actions::run::perform`, `settle_pending`) against the Zoho sandbox
//! through the real client: each action lands in the sandbox's org exactly once and is read
//! back from there; a lead edited in Zoho between view and click is a conflict that writes
//! nothing and stores the fresh copy; locks and validation rules are refusals carrying Zoho's
//! words; a repeated key writes once; a write whose answer came too late is found by its
//! marker; an action a crash left pending is settled by reading back; and who may do what is
//! decided before any request.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use panopticon::actions::run::{perform, settle_pending, Actor, Ask, Outcome, RunError, GRACE};
use panopticon::actions::{Action, ActionKey, ActionKind, DueDate, NoteText, Person, State, Subject};
use panopticon::crm::{CrmWriter, NewNote};
use panopticon::domain::LeadId;
use panopticon::people::{Access, Role, Scope};
use panopticon::store::{begin_action, get_lead, ActionRecord, Via};
use panopticon_sandbox::org::Lock;
use panopticon_sandbox::{generate, Fault, FaultRule};

use common::{spec, Env};

/// A synced org, a lead with an active owner, and another active user to hand it to.
async fn setup() -> (Env, String, Person, Person) {
    let env = Env::new(generate(&spec(80, 40, 40))).await;
    env.sync().await.expect("the sync runs");
    let (lead, owner, other) = env.sandbox.org(|o| {
        let active: Vec<_> = o.users.iter().filter(|u| u.status == "active").cloned().collect();
        let lead = o
            .leads
            .values()
            .find(|l| !l.converted && l.owner_id.as_ref().is_some_and(|id| active.iter().any(|u| &u.id == id)))
            .expect("a lead with an active owner")
            .clone();
        let owner = active.iter().find(|u| Some(&u.id) == lead.owner_id.as_ref()).unwrap().clone();
        let other = active.iter().find(|u| u.id != owner.id).expect("another active user").clone();
        (lead.id, owner, other)
    });
    let person = |u: &panopticon_sandbox::org::SUser| Person { id: u.id.clone(), name: u.full_name() };
    (env, lead, person(&owner), person(&other))
}

fn coordinator() -> Actor {
    Actor {
        discord: Some(42),
        name: "Cora Coord".into(),
        via: Via::Discord,
        access: Access { role: Role::Coordinator, crm_user: None, scope: Scope::Everyone },
    }
}

fn ask(lead: &str, action: Action) -> Ask {
    Ask { key: ActionKey::new(), lead: LeadId::parse(lead).unwrap(), action, seen_modified: None }
}

fn note(text: &str) -> Action {
    Action::Note { text: NoteText::parse(text).unwrap() }
}

/// Requests that write (POST or PUT) to the CRM API.
fn writes(env: &Env) -> usize {
    env.sandbox
        .requests()
        .iter()
        .filter(|r| (r.method == "POST" || r.method == "PUT") && r.path.contains("/crm/"))
        .count()
}

async fn run(env: &Env, actor: &Actor, a: &Ask) -> Result<Outcome, RunError> {
    perform(&env.store, &env.client(), true, actor, a, Utc::now()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_action_lands_in_zoho_and_the_local_copy_follows_a_reassign() {
    let (env, lead, owner, other) = setup().await;
    let o = run(&env, &coordinator(), &ask(&lead, Action::Reassign { to: other.clone() })).await.unwrap();
    let Outcome::Done { record, again: false } = &o else { panic!("{o:?}") };
    assert_eq!((record.state, record.from.as_ref(), record.to.as_ref()), (State::Done, Some(&owner), Some(&other)));
    assert_eq!(env.sandbox.org(|o| o.lead(&lead).unwrap().owner_id.clone()), Some(other.id.clone()));
    let local = get_lead(&env.conn(), &lead).unwrap().unwrap();
    assert_eq!(local.locator.map(|u| u.id), Some(other.id.clone()), "the views show the new owner at once");

    let o =
        run(&env, &coordinator(), &ask(&lead, note("Called twice, \"no answer\" — trying Monday 📞"))).await.unwrap();
    let Outcome::Done { record, .. } = &o else { panic!("{o:?}") };
    let notes = env.sandbox.org(|o| o.notes_of(&lead).into_iter().cloned().collect::<Vec<_>>());
    assert_eq!(notes.len(), 1);
    assert!(notes[0].content.starts_with("Called twice, \"no answer\" — trying Monday 📞"), "{}", notes[0].content);
    assert!(notes[0].content.contains(&record.key.marker()), "{}", notes[0].content);
    assert_eq!(record.crm_id.as_deref(), Some(notes[0].id.as_str()));

    let due = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let task =
        Action::Task { subject: Subject::parse("Call back").unwrap(), due: DueDate::parse("2026-12-01", due).unwrap() };
    let o = run(&env, &coordinator(), &ask(&lead, task)).await.unwrap();
    assert!(matches!(o, Outcome::Done { again: false, .. }), "{o:?}");
    let tasks = env.sandbox.org(|o| o.tasks_of(&lead).into_iter().cloned().collect::<Vec<_>>());
    assert_eq!(tasks.len(), 1);
    assert_eq!(
        (tasks[0].subject.as_str(), tasks[0].due, tasks[0].owner_id.as_str()),
        ("Call back", Some(due), other.id.as_str())
    );
    assert!(tasks[0].description.as_deref().unwrap_or("").contains(&o.record().key.marker()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lead_edited_in_zoho_after_it_was_shown_is_a_conflict_that_writes_nothing() {
    let (env, lead, owner, other) = setup().await;
    // Someone moves the lead in Zoho after the sync stored it (and so after it was shown).
    env.sandbox.org(|o| {
        o.edit_lead(&lead, |l| l.status = Some("Contacted".into()));
    });
    env.sandbox.clear_requests();
    let o = run(&env, &coordinator(), &ask(&lead, Action::Reassign { to: other })).await.unwrap();
    let Outcome::Conflict { record, fresh: Some(fresh) } = &o else { panic!("{o:?}") };
    assert_eq!((record.state, record.code.as_deref()), (State::Conflict, Some("ALREADY_MODIFIED")));
    assert_eq!(env.sandbox.org(|o| o.lead(&lead).unwrap().owner_id.clone()), Some(owner.id), "nothing written");
    let zoho_modified = env.sandbox.org(|o| o.lead(&lead).unwrap().modified);
    assert_eq!(fresh.modified_at.utc(), zoho_modified, "the fresh copy is what Zoho has");
    let local = get_lead(&env.conn(), &lead).unwrap().unwrap();
    assert_eq!((local.stage.as_deref(), local.modified_at.utc()), (Some("Contacted"), zoho_modified), "and is stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locks_and_validation_rules_are_refusals_in_zohos_words() {
    let (env, lead, _, other) = setup().await;
    env.sandbox.org(|o| o.lock(&lead, Lock::Locked));
    let o = run(&env, &coordinator(), &ask(&lead, note("hello"))).await.unwrap();
    let Outcome::Refused(r) = &o else { panic!("{o:?}") };
    assert_eq!(r.code.as_deref(), Some("RECORD_LOCKED"));
    assert_eq!(r.reason.as_deref(), Some("You cannot perform this operation as the record is locked."));
    assert!(env.sandbox.org(|o| o.notes_of(&lead).is_empty()));

    env.sandbox.org(|o| {
        o.unlock(&lead);
        o.add_validation_rule("Leads", "Owner", "Leads are assigned by the round robin only");
    });
    let o = run(&env, &coordinator(), &ask(&lead, Action::Reassign { to: other.clone() })).await.unwrap();
    let Outcome::Refused(r) = &o else { panic!("{o:?}") };
    assert_eq!(r.code.as_deref(), Some("INVALID_DATA"));
    assert!(r.reason.as_deref().unwrap_or("").contains("Leads are assigned by the round robin only"), "{r:?}");
    assert_ne!(env.sandbox.org(|o| o.lead(&lead).unwrap().owner_id.clone()), Some(other.id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_key_twice_writes_once() {
    let (env, lead, _, _) = setup().await;
    env.sandbox.clear_requests();
    let a = ask(&lead, note("once"));
    let first = run(&env, &coordinator(), &a).await.unwrap();
    assert!(matches!(first, Outcome::Done { again: false, .. }), "{first:?}");
    let second = run(&env, &coordinator(), &a).await.unwrap();
    assert!(matches!(second, Outcome::Done { again: true, .. }), "{second:?}");
    assert_eq!(writes(&env), 1);
    assert_eq!(env.sandbox.org(|o| o.notes_of(&lead).len()), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_whose_answer_came_too_late_is_found_by_its_marker() {
    let (mut env, lead, _, _) = setup().await;
    env.zoho.timeout = Duration::from_millis(600);
    env.sandbox.inject(FaultRule {
        path_contains: Some("/Notes".into()),
        ..FaultRule::new(Fault::LateReply(Duration::from_secs(2)))
    });
    let o = run(&env, &coordinator(), &ask(&lead, note("late"))).await.unwrap();
    let Outcome::Done { record, again: false } = &o else { panic!("{o:?}") };
    let notes = env.sandbox.org(|o| o.notes_of(&lead).into_iter().cloned().collect::<Vec<_>>());
    assert_eq!(notes.len(), 1, "exactly one note, never a second write");
    assert_eq!(record.crm_id.as_deref(), Some(notes[0].id.as_str()));
    let log = env.sandbox.requests();
    assert!(log.iter().any(|r| r.method == "GET" && r.path.ends_with("/Notes")), "found by reading back: {log:?}");
}

/// A pending note as a crash leaves it: recorded, called, never resolved.
fn pending_note(lead: &str, asked: chrono::DateTime<Utc>) -> ActionRecord {
    ActionRecord {
        id: 0,
        key: ActionKey::new(),
        lead_id: lead.into(),
        lead_name: "the lead".into(),
        kind: ActionKind::Note,
        by_discord: Some(42),
        by_name: "Cora Coord".into(),
        via: Via::Discord,
        from: None,
        to: None,
        body: Some("before the crash".into()),
        due: None,
        seen_modified: None,
        requested_at: asked,
        state: State::Pending,
        crm_id: None,
        code: None,
        reason: None,
        resolved_at: None,
        attempts: 1,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_a_crash_left_pending_are_settled_by_reading_back() {
    let (env, lead, _, _) = setup().await;
    let old = Utc::now() - GRACE - chrono::Duration::minutes(1);
    let written = pending_note(&lead, old);
    let lost = pending_note(&lead, old);
    let recent = pending_note(&lead, Utc::now());
    for r in [&written, &lost, &recent] {
        begin_action(&mut env.conn(), r).unwrap();
    }
    // The first one reached Zoho before the crash; the second did not.
    let id = LeadId::parse(&lead).unwrap();
    let content = format!("before the crash\n\n({})", written.key.marker());
    env.client().add_note(&id, &NewNote { title: "n".into(), content }).await.unwrap();

    let settled = settle_pending(&env.store, &env.client(), Utc::now()).await.unwrap();
    let states: Vec<(String, State)> = settled.iter().map(|o| (o.record().key.to_string(), o.record().state)).collect();
    assert_eq!(states, [(written.key.to_string(), State::Done), (lost.key.to_string(), State::Failed)]);
    assert!(settled[1].record().reason.as_deref().unwrap_or("").contains("nothing was written"), "{settled:?}");
    assert_eq!(env.sandbox.org(|o| o.notes_of(&lead).len()), 1, "settling never writes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_may_act_is_decided_before_any_request() {
    let (env, lead, owner, other) = setup().await;
    env.sandbox.clear_requests();
    let member = Actor {
        discord: Some(7),
        name: "Mel Member".into(),
        via: Via::Discord,
        access: Access {
            role: Role::Member,
            crm_user: Some(owner.id.clone()),
            scope: Scope::Owners(BTreeSet::from([owner.id.clone()])),
        },
    };
    let o = run(&env, &member, &ask(&lead, Action::Reassign { to: other.clone() })).await.unwrap();
    let Outcome::Denied(r) = &o else { panic!("{o:?}") };
    assert_eq!(r.reason.as_deref(), Some("members do not reassign leads"));

    let manager = Actor {
        access: Access {
            role: Role::Manager,
            crm_user: Some(other.id.clone()),
            scope: Scope::Owners(BTreeSet::from([other.id.clone()])),
        },
        ..member
    };
    let e = run(&env, &manager, &ask(&lead, note("not my team's"))).await.unwrap_err();
    assert!(matches!(e, RunError::NoSuchLead(_)), "{e:?}");
    assert!(env.sandbox.requests().is_empty(), "{:?}", env.sandbox.requests());
    assert_eq!(env.sandbox.org(|o| o.lead(&lead).unwrap().owner_id.clone()), Some(owner.id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_scope_is_a_refusal_naming_it_and_nothing_is_sent() {
    let (env, lead, _, _) = setup().await;
    env.sandbox.set_granted_scopes("ZohoCRM.modules.leads.ALL ZohoCRM.modules.events.READ ZohoCRM.users.READ");
    env.sandbox.clear_requests();
    let o = run(&env, &coordinator(), &ask(&lead, note("no scope for me"))).await.unwrap();
    let Outcome::Refused(r) = &o else { panic!("{o:?}") };
    assert_eq!(r.code.as_deref(), Some("OAUTH_SCOPE_MISMATCH"));
    assert!(r.reason.as_deref().unwrap_or("").contains("ZohoCRM.modules.notes.CREATE"), "{r:?}");
    assert_eq!(writes(&env), 0);
    assert!(env.sandbox.org(|o| o.notes_of(&lead).is_empty()));
}
