//! The write-back engine (`actions::run::perform`, `settle_pending`) on Salesforce: the
//! Salesforce sandbox synced through the real Salesforce client, then each action written
//! through it — the reassign, the note (a completed Task) and the follow-up Task land in the org
//! once; a lead edited in Salesforce after the sync is a conflict that writes nothing and
//! stores the fresh copy; a lock is a refusal in Salesforce's words; and a write whose answer
//! was lost is read back — found when it landed, failed (never re-sent) when it did not.

use chrono::{NaiveDate, TimeZone, Utc};
use panopticon::actions::run::{perform, settle_pending, Actor, Ask, Outcome, RunError, GRACE};
use panopticon::actions::{Action, ActionKey, DueDate, NoteText, Person, State, Subject};
use panopticon::config::{AppointmentSource, CrmKind, RulesConfig, SalesforceConfig};
use panopticon::crm::salesforce::SalesforceClient;
use panopticon::domain::LeadId;
use panopticon::people::{Access, Role, Scope};
use panopticon::store::{get_lead, Store, Via};
use panopticon::sync::{self, NoProgress, SyncSettings};
use panopticon_sandbox::org::{Lock, STask};
use panopticon_sandbox::salesforce::{sf_id, SalesforceSandbox, SfFault, SfFaultRule, CREDENTIALS};
use panopticon_sandbox::{generate, SalesSpec, Spec};
use tempfile::TempDir;

struct Env {
    sandbox: SalesforceSandbox,
    store: Store,
    _dir: TempDir,
    client: SalesforceClient,
    /// The lead's org id, its owner and another active user (as Salesforce names them).
    lead_org: String,
    owner: Person,
    other: Person,
}

impl Env {
    /// A synced org and a lead with an active owner.
    async fn new() -> Env {
        let org = generate(&Spec {
            seed: 17,
            leads: 60,
            appointed: 30,
            events: 30,
            locators: 6,
            now: Utc.with_ymd_and_hms(2026, 11, 20, 14, 0, 0).unwrap(),
            user_tz: chrono_tz::America::New_York,
            appointments_module: false,
            sales: SalesSpec::none(),
        });
        let sandbox = SalesforceSandbox::start(org).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("p.db")).unwrap();
        let client =
            SalesforceClient::new(&SalesforceConfig::local(&sandbox.url(), CREDENTIALS), AppointmentSource::Events)
                .unwrap();
        let settings = SyncSettings {
            crm: CrmKind::Salesforce,
            appointments: AppointmentSource::Events,
            rules: RulesConfig::default(),
            concurrency: 4,
            keep_runs_days: panopticon::store::DEFAULT_KEEP_DAYS,
        };
        sync::run(&store, &client, &settings, false, &NoProgress).await.expect("the sync runs");
        let (lead_org, owner, other) = sandbox.org(|o| {
            let active: Vec<_> = o.users.iter().filter(|u| u.status == "active").cloned().collect();
            let lead = o
                .leads
                .values()
                .find(|l| !l.converted && l.owner_id.as_ref().is_some_and(|id| active.iter().any(|u| &u.id == id)))
                .expect("a lead with an active owner")
                .clone();
            let owner = active.iter().find(|u| Some(&u.id) == lead.owner_id.as_ref()).unwrap().clone();
            let other = active.iter().find(|u| u.id != owner.id).expect("another active user").clone();
            let person = |u: &panopticon_sandbox::org::SUser| Person { id: sf_id("005", &u.id), name: u.full_name() };
            (lead.id, person(&owner), person(&other))
        });
        Env { sandbox, store, _dir: dir, client, lead_org, owner, other }
    }

    fn lead(&self) -> String {
        sf_id("00Q", &self.lead_org)
    }

    fn owner_now(&self) -> Option<String> {
        self.sandbox.org(|o| o.leads[&self.lead_org].owner_id.clone()).map(|id| sf_id("005", &id))
    }

    fn tasks(&self) -> Vec<STask> {
        self.sandbox.org(|o| o.tasks_of(&self.lead_org).into_iter().cloned().collect())
    }

    fn writes(&self) -> usize {
        let log = self.sandbox.requests();
        log.iter().filter(|r| (r.method == "POST" || r.method == "PATCH") && r.path.contains("/sobjects/")).count()
    }

    async fn run(&self, a: &Ask) -> Result<Outcome, RunError> {
        perform(&self.store, &self.client, true, &coordinator(), a, Utc::now()).await
    }
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
    Ask { key: ActionKey::new(), lead: LeadId::salesforce(lead).unwrap(), action, seen_modified: None }
}

fn note(text: &str) -> Action {
    Action::Note { text: NoteText::parse(text).unwrap() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_action_lands_in_salesforce_once_and_the_local_copy_follows_a_reassign() {
    let env = Env::new().await;
    let lead = env.lead();
    let o = env.run(&ask(&lead, Action::Reassign { to: env.other.clone() })).await.unwrap();
    let Outcome::Done { record, again: false } = &o else { panic!("{o:?}") };
    assert_eq!((record.from.as_ref(), record.to.as_ref()), (Some(&env.owner), Some(&env.other)));
    assert_eq!(env.owner_now(), Some(env.other.id.clone()), "not taken by the assignment rule");
    let local = get_lead(&env.store.connect().unwrap(), &lead).unwrap().unwrap();
    assert_eq!(local.locator.map(|u| u.id), Some(env.other.id.clone()), "the views show the new owner at once");

    let o = env.run(&ask(&lead, note("Called twice, \"no answer\" — trying Monday 📞"))).await.unwrap();
    let Outcome::Done { record, .. } = &o else { panic!("{o:?}") };
    let tasks = env.tasks();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].status, "Completed", "a note is a completed Task");
    let body = tasks[0].description.clone().unwrap_or_default();
    assert!(body.starts_with("Called twice, \"no answer\" — trying Monday 📞"), "{body}");
    assert!(body.contains(&record.key.marker()), "{body}");
    assert_eq!(record.crm_id.as_deref(), Some(sf_id("00T", &tasks[0].id).as_str()));

    let due = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let task =
        Action::Task { subject: Subject::parse("Call back").unwrap(), due: DueDate::parse("2026-12-01", due).unwrap() };
    let o = env.run(&ask(&lead, task)).await.unwrap();
    assert!(matches!(o, Outcome::Done { again: false, .. }), "{o:?}");
    let tasks = env.tasks();
    assert_eq!(tasks.len(), 2);
    let t = &tasks[1];
    assert_eq!((t.subject.as_str(), t.due, t.status.as_str()), ("Call back", Some(due), "Not Started"));
    assert_eq!(Some(sf_id("005", &t.owner_id)), env.owner_now(), "for the lead's (new) owner");
    assert!(t.description.as_deref().unwrap_or("").contains(&o.record().key.marker()));
    assert_eq!(env.writes(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lead_edited_in_salesforce_after_the_sync_is_a_conflict_that_writes_nothing() {
    let env = Env::new().await;
    let lead = env.lead();
    env.sandbox.org(|o| o.edit_lead(&env.lead_org, |l| l.status = Some("Contacted".into())));
    env.sandbox.clear_requests();
    let o = env.run(&ask(&lead, Action::Reassign { to: env.other.clone() })).await.unwrap();
    let Outcome::Conflict { record, fresh: Some(fresh) } = &o else { panic!("{o:?}") };
    assert_eq!(record.state, State::Conflict);
    assert_eq!(
        record.reason.as_deref(),
        Some("the lead changed in Salesforce after it was shown; nothing was written"),
        "the audit names the CRM it talks to"
    );
    assert_eq!(env.owner_now(), Some(env.owner.id.clone()), "nothing written");
    let modified = env.sandbox.org(|o| o.leads[&env.lead_org].modified);
    assert_eq!((fresh.stage.as_deref(), fresh.modified_at.utc()), (Some("Contacted"), modified), "the fresh copy");
    assert_eq!(env.writes(), 1, "one PATCH, answered 412, not sent again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_lead_is_a_refusal_in_salesforce_s_words() {
    let env = Env::new().await;
    env.sandbox.org(|o| o.lock(&env.lead_org, Lock::NotApproved));
    let o = env.run(&ask(&env.lead(), Action::Reassign { to: env.other.clone() })).await.unwrap();
    let Outcome::Refused(r) = &o else { panic!("{o:?}") };
    assert_eq!(
        (r.code.as_deref(), r.reason.as_deref()),
        (Some("ENTITY_IS_LOCKED"), Some("the entity is locked for editing"))
    );
    assert_eq!(env.owner_now(), Some(env.owner.id.clone()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_that_landed_without_an_answer_is_found_by_reading_back() {
    let env = Env::new().await;
    let lead = env.lead();
    // The note lands, then the answer is lost (a 503 after the write): the hook writes what
    // Salesforce would have, the fault eats the reply.
    let a = ask(&lead, note("landed, answer lost"));
    let marker = a.key.marker();
    let lead_org = env.lead_org.clone();
    env.sandbox.before_request("/sobjects/Task", 0, move |o| {
        let id = o.new_id();
        let now = o.now;
        let name = o.leads[&lead_org].full_name().unwrap_or_default();
        o.tasks.push(STask {
            id,
            subject: "Note".into(),
            due: None,
            status: "Completed".into(),
            owner_id: o.users[0].id.clone(),
            what: Some(panopticon_sandbox::org::Related { module: "Leads".into(), id: lead_org, name }),
            who: None,
            priority: Some("Normal".into()),
            description: Some(format!("landed, answer lost\n\n{marker}")),
            closed: Some(now),
            created: now,
            modified: now,
        });
    });
    env.sandbox.inject(SfFaultRule::new(SfFault::ServerUnavailable).on("/sobjects/Task"));
    env.sandbox.clear_requests();
    let o = env.run(&a).await.unwrap();
    let Outcome::Done { record, again: false } = &o else { panic!("{o:?}") };
    let tasks = env.tasks();
    assert_eq!(tasks.len(), 1, "exactly one note, never a second write");
    assert_eq!(record.crm_id.as_deref(), Some(sf_id("00T", &tasks[0].id).as_str()));
    assert_eq!(env.writes(), 1);
    assert!(env.sandbox.requests().iter().any(|r| r.method == "GET" && r.path.ends_with("/query")), "read back");

    // The reassign lands and its answer is lost (a 500): the lead's owner says it landed.
    let other_org = env
        .sandbox
        .org(|o| o.users.iter().find(|u| sf_id("005", &u.id) == env.other.id).map(|u| u.id.clone()).unwrap());
    let lead_org = env.lead_org.clone();
    env.sandbox.before_request("/sobjects/Lead/", 0, move |o| {
        o.reassign_lead(&lead_org, &other_org);
    });
    env.sandbox.inject(SfFaultRule::new(SfFault::UnknownException).on("/sobjects/Lead/"));
    let o = env.run(&ask(&lead, Action::Reassign { to: env.other.clone() })).await.unwrap();
    assert!(matches!(o, Outcome::Done { again: false, .. }), "{o:?}");
    assert_eq!(env.owner_now(), Some(env.other.id.clone()));
    assert_eq!(env.writes(), 2, "the reassign was sent once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_that_did_not_land_stays_pending_then_fails_without_a_second_write() {
    let env = Env::new().await;
    env.sandbox.inject(SfFaultRule::new(SfFault::ServerUnavailable).on("/sobjects/Task"));
    env.sandbox.clear_requests();
    let asked = Utc::now();
    let o =
        perform(&env.store, &env.client, true, &coordinator(), &ask(&env.lead(), note("lost")), asked).await.unwrap();
    let Outcome::Unconfirmed(r) = &o else { panic!("{o:?}") };
    assert_eq!(r.state, State::Pending, "sent, no answer, not found yet");

    let later = asked + GRACE + chrono::Duration::minutes(1);
    let settled = settle_pending(&env.store, &env.client, later).await.unwrap();
    assert_eq!(settled.len(), 1);
    let rec = settled[0].record();
    assert_eq!(rec.state, State::Failed);
    assert!(rec.reason.as_deref().unwrap_or("").starts_with("Salesforce did not answer"), "{rec:?}");
    assert!(rec.reason.as_deref().unwrap_or("").contains("nothing was written"), "{rec:?}");
    assert!(env.tasks().is_empty());
    assert_eq!(env.writes(), 1, "settling reads; it never writes");
}
