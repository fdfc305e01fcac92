//! The write-back wire on Salesforce (issue 17): the real Salesforce client writing to the
//! Salesforce sandbox on 127.0.0.1 — what lands in the org (the owner, a note as a completed
//! Task, a follow-up Task), what Salesforce refuses and in which words, what a lost answer
//! becomes (never a second write), the session renewed once and no more, and no token in any
//! error a person reads.

use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use panopticon::actions::Scopes;
use panopticon::config::{AppointmentSource, SalesforceConfig};
use panopticon::crm::salesforce::SalesforceClient;
use panopticon::crm::{CrmWriter, NewNote, NewTask, WriteError};
use panopticon::domain::LeadId;
use panopticon::time::Stamp;
use panopticon_sandbox::org::Lock;
use panopticon_sandbox::salesforce::{
    sf_id, SalesforceSandbox, SfFault, SfFaultRule, CLIENT_SECRET, CREDENTIALS, QUEUE_ORG_ID, REFRESH_TOKEN,
};
use panopticon_sandbox::{generate, SalesSpec, Spec};

struct W {
    sandbox: SalesforceSandbox,
    client: SalesforceClient,
    /// The lead's org id and Salesforce id, its owner's org id, another active user's.
    lead_org: String,
    lead: LeadId,
    owner: String,
    other: String,
}

impl W {
    async fn new() -> W {
        let org = generate(&Spec {
            seed: 17,
            leads: 12,
            appointed: 4,
            events: 4,
            locators: 5,
            now: Utc.with_ymd_and_hms(2026, 11, 20, 14, 0, 0).unwrap(),
            user_tz: chrono_tz::America::New_York,
            appointments_module: false,
            sales: SalesSpec::none(),
        });
        let sandbox = SalesforceSandbox::start(org).await.unwrap();
        let client = client(&sandbox, Duration::from_secs(5));
        let (lead_org, owner, other) = sandbox.org(|o| {
            let l = o.leads.values().find(|l| !l.converted && l.owner_id.is_some()).expect("a lead");
            let owner = l.owner_id.clone().unwrap();
            let other =
                o.users.iter().find(|u| u.status == "active" && u.id != owner).expect("another user").id.clone();
            (l.id.clone(), owner, other)
        });
        let lead = LeadId::salesforce(&sf_id("00Q", &lead_org)).unwrap();
        W { sandbox, client, lead_org, lead, owner, other }
    }

    /// The lead's SystemModstamp as the sync stored it.
    fn stamp(&self) -> Stamp {
        Stamp::from_utc(self.sandbox.org(|o| o.leads[&self.lead_org].modified))
    }

    fn owner_now(&self) -> Option<String> {
        self.sandbox.org(|o| o.leads[&self.lead_org].owner_id.clone())
    }

    /// Requests with this method whose path contains `part`.
    fn sent(&self, method: &str, part: &str) -> usize {
        self.sandbox.requests().iter().filter(|r| r.method == method && r.path.contains(part)).count()
    }

    fn tasks(&self) -> Vec<panopticon_sandbox::org::STask> {
        self.sandbox.org(|o| o.tasks_of(&self.lead_org).into_iter().cloned().collect())
    }
}

fn client(sandbox: &SalesforceSandbox, timeout: Duration) -> SalesforceClient {
    let mut cfg = SalesforceConfig::local(&sandbox.url(), CREDENTIALS);
    cfg.timeout = timeout;
    SalesforceClient::new(&cfg, AppointmentSource::Events).unwrap()
}

fn user(org_id: &str) -> String {
    sf_id("005", org_id)
}

/// The error as a person reads it must carry no secret the sandbox handed out or holds.
fn no_secret(w: &W, text: &str) {
    for secret in w.sandbox.issued_tokens().iter().map(String::as_str).chain([REFRESH_TOKEN, CLIENT_SECRET]) {
        assert!(!text.contains(secret), "a secret leaked into: {text}");
    }
}

fn refused(e: WriteError) -> (String, String, Option<String>) {
    match e {
        WriteError::Refused { code, reason, field } => (code, reason, field),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_reassign_lands_and_stays_with_the_new_owner() {
    let w = W::new().await;
    let ack = w.client.set_locator(&w.lead, &user(&w.other), w.stamp()).await.unwrap();
    assert_eq!(ack.id, w.lead.as_str());
    // Sforce-Auto-Assign: FALSE kept the org's assignment rule from handing it to the queue.
    assert_eq!(w.owner_now(), Some(w.other.clone()));
    assert_eq!(w.sent("PATCH", "/sobjects/Lead/"), 1);
    let lead = w.client.read_lead(&w.lead).await.unwrap().expect("the lead");
    assert_eq!(lead.locator.map(|u| u.id), Some(user(&w.other)));
    assert_eq!(lead.modified_at.utc(), w.sandbox.org(|o| o.leads[&w.lead_org].modified));
}

#[tokio::test]
async fn without_the_auto_assign_header_the_assignment_rule_takes_the_lead() {
    // What the header is for: the same PATCH sent without it lands on the queue.
    let w = W::new().await;
    let token = raw_token(&w).await;
    let r = reqwest::Client::new()
        .patch(format!("{}/services/data/v62.0/sobjects/Lead/{}", w.sandbox.url(), w.lead))
        .bearer_auth(token)
        .json(&serde_json::json!({"OwnerId": user(&w.other)}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(w.owner_now().as_deref(), Some(QUEUE_ORG_ID));
}

#[tokio::test]
async fn a_lead_changed_since_it_was_read_is_a_conflict_and_nothing_is_written() {
    let w = W::new().await;
    let seen = w.stamp();
    w.sandbox.org(|o| o.edit_lead(&w.lead_org, |l| l.status = Some("Contacted".into())));
    let e = w.client.set_locator(&w.lead, &user(&w.other), seen).await.unwrap_err();
    assert!(matches!(e, WriteError::Conflict), "{e:?}");
    assert_eq!(w.owner_now(), Some(w.owner.clone()));
    // Read again, the lead is as Salesforce has it now, and a write with that stamp lands.
    let fresh = w.client.read_lead(&w.lead).await.unwrap().unwrap();
    assert_eq!(fresh.stage.as_deref(), Some("Contacted"));
    w.client.set_locator(&w.lead, &user(&w.other), fresh.modified_at).await.unwrap();
    assert_eq!(w.owner_now(), Some(w.other.clone()));
}

#[tokio::test]
async fn refusals_carry_salesforce_s_code_reason_and_field() {
    let w = W::new().await;
    w.sandbox.org(|o| o.lock(&w.lead_org, Lock::NotApproved));
    let (code, reason, _) = refused(w.client.set_locator(&w.lead, &user(&w.other), w.stamp()).await.unwrap_err());
    assert_eq!((code.as_str(), reason.as_str()), ("ENTITY_IS_LOCKED", "the entity is locked for editing"));

    w.sandbox.org(|o| {
        o.unlock(&w.lead_org);
        o.add_validation_rule("Leads", "Owner", "Leads are assigned by the\nround robin only");
    });
    let e = w.client.set_locator(&w.lead, &user(&w.other), w.stamp()).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "Leads are assigned by the round robin only (FIELD_CUSTOM_VALIDATION_EXCEPTION, field OwnerId)",
        "one line, with the rule's own words and the field"
    );
    w.sandbox.org(|o| o.validation_rules.clear());

    let bad_owner = sf_id("005", "999");
    let (code, _, field) = refused(w.client.set_locator(&w.lead, &bad_owner, w.stamp()).await.unwrap_err());
    assert_eq!((code.as_str(), field.as_deref()), ("INVALID_CROSS_REFERENCE_KEY", Some("OwnerId")));

    let gone = LeadId::salesforce(&sf_id("00Q", "999")).unwrap();
    let (code, _, _) = refused(w.client.set_locator(&gone, &user(&w.other), w.stamp()).await.unwrap_err());
    assert_eq!(code, "NOT_FOUND");
    assert!(w.client.read_lead(&gone).await.unwrap().is_none());

    w.sandbox.org(|o| o.convert_lead(&w.lead_org));
    let (code, _, _) = refused(w.client.set_locator(&w.lead, &user(&w.other), w.stamp()).await.unwrap_err());
    assert_eq!(code, "CANNOT_UPDATE_CONVERTED_LEAD");
    assert_eq!(w.owner_now(), Some(w.owner.clone()), "nothing was written by any of them");
    assert_eq!(w.sent("PATCH", "/sobjects/Lead/"), 5, "each sent once, none retried");
}

#[tokio::test]
async fn a_note_is_a_completed_task_on_the_lead_found_again_by_its_marker() {
    let w = W::new().await;
    // As after a sync: the client has heard the org's clock (its Date header).
    w.client.read_lead(&w.lead).await.unwrap();
    let note =
        NewNote { title: "Note from Cora".into(), content: "Called twice 📞\n\nPanopticon ref 0123abcd".into() };
    let ack = w.client.add_note(&w.lead, &note).await.unwrap();
    let tasks = w.tasks();
    assert_eq!(tasks.len(), 1);
    let t = &tasks[0];
    assert_eq!(ack.id, sf_id("00T", &t.id));
    assert_eq!((t.subject.as_str(), t.status.as_str()), ("Note from Cora", "Completed"));
    assert_eq!(t.description.as_deref(), Some(note.content.as_str()));
    assert_eq!(t.due, Some(NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()), "dated the org's today");
    assert!(t.closed.is_some(), "completed when written");
    assert_eq!(w.client.find_note(&w.lead, "Panopticon ref 0123abcd").await.unwrap(), Some(ack.id));
    assert_eq!(w.client.find_note(&w.lead, "Panopticon ref ffffffff").await.unwrap(), None);
}

#[tokio::test]
async fn a_follow_up_is_an_open_task_for_the_owner() {
    let w = W::new().await;
    let task = NewTask {
        subject: "Call back".into(),
        due: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
        owner_id: user(&w.owner),
        description: "Follow up.\n\nPanopticon ref 99aa".into(),
    };
    let ack = w.client.create_task(&w.lead, &task).await.unwrap();
    let tasks = w.tasks();
    assert_eq!(tasks.len(), 1);
    let t = &tasks[0];
    assert_eq!(
        (t.subject.as_str(), t.due, t.owner_id.as_str(), t.status.as_str(), t.priority.as_deref()),
        ("Call back", Some(task.due), w.owner.as_str(), "Not Started", Some("Normal"))
    );
    assert!(t.closed.is_none());
    assert_eq!(w.client.find_task(&w.lead, "Panopticon ref 99aa").await.unwrap(), Some(ack.id));

    let inactive =
        w.sandbox.org(|o| o.users.iter().find(|u| u.status != "active").expect("a disabled user").id.clone());
    let e = w.client.create_task(&w.lead, &NewTask { owner_id: user(&inactive), ..task }).await.unwrap_err();
    assert_eq!(refused(e).2.as_deref(), Some("OwnerId"));
    assert_eq!(w.tasks().len(), 1, "nothing more written");
}

#[tokio::test]
async fn a_lost_answer_is_uncertain_and_never_sent_again() {
    let w = W::new().await;
    for fault in
        [SfFault::ServerUnavailable, SfFault::UnknownException, SfFault::UnavailableHtml, SfFault::DropConnection]
    {
        w.sandbox.clear_requests();
        w.sandbox.inject(SfFaultRule::new(fault.clone()).on("/sobjects/Task"));
        let note = NewNote { title: "n".into(), content: "lost".into() };
        let e = w.client.add_note(&w.lead, &note).await.unwrap_err();
        assert!(matches!(e, WriteError::Uncertain { .. }), "{fault:?}: {e:?}");
        no_secret(&w, &e.to_string());
        assert_eq!(w.sent("POST", "/sobjects/Task"), 1, "{fault:?}: sent once");
    }
    w.sandbox.inject(SfFaultRule::new(SfFault::ServerUnavailable).on("/sobjects/Lead/"));
    let e = w.client.set_locator(&w.lead, &user(&w.other), w.stamp()).await.unwrap_err();
    assert!(matches!(e, WriteError::Uncertain { .. }), "{e:?}");
    assert_eq!(w.sent("PATCH", "/sobjects/Lead/"), 1);
    assert!(w.tasks().is_empty());
}

#[tokio::test]
async fn a_write_with_no_answer_in_time_is_uncertain_and_not_sent_again() {
    let w = W::new().await;
    let impatient = client(&w.sandbox, Duration::from_millis(300));
    w.sandbox.inject(SfFaultRule::new(SfFault::Slow(Duration::from_secs(2))).on("/sobjects/Task"));
    let task = NewTask {
        subject: "Call back".into(),
        due: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
        owner_id: user(&w.owner),
        description: "Panopticon ref 77".into(),
    };
    let e = impatient.create_task(&w.lead, &task).await.unwrap_err();
    match &e {
        WriteError::Uncertain { detail } => assert!(detail.contains("no answer within"), "{detail}"),
        other => panic!("{other:?}"),
    }
    no_secret(&w, &e.to_string());
    let calls = panopticon::crm::CrmSource::take_calls(&impatient);
    assert_eq!(calls.get("Task/create"), Some(&1), "sent once: {calls:?}");
}

#[tokio::test]
async fn what_certainly_did_not_run_is_sent_again_once() {
    let w = W::new().await;
    // Too many requests at once: refused before it ran.
    w.sandbox.inject(SfFaultRule::new(SfFault::ConcurrentRequestsLimit).on("/sobjects/Lead/"));
    w.client.set_locator(&w.lead, &user(&w.other), w.stamp()).await.unwrap();
    assert_eq!((w.sent("PATCH", "/sobjects/Lead/"), w.owner_now()), (2, Some(w.other.clone())));
    // An expired session: one new sign-in, the write sent again and landing once.
    w.sandbox.clear_requests();
    w.sandbox.inject(SfFaultRule::new(SfFault::ExpireTokens).on("/sobjects/Task"));
    let note = NewNote { title: "n".into(), content: "after a new session".into() };
    w.client.add_note(&w.lead, &note).await.unwrap();
    assert_eq!((w.sent("POST", "/sobjects/Task"), w.sent("POST", "/oauth2/token"), w.tasks().len()), (2, 1, 1));
}

#[tokio::test]
async fn a_session_refused_after_one_renewal_is_not_sent_and_names_no_token() {
    let w = W::new().await;
    w.client.scopes().await.unwrap();
    w.sandbox.inject(SfFaultRule::new(SfFault::ExpireTokens).on("/sobjects/Lead/").times(2));
    let e = w.client.set_locator(&w.lead, &user(&w.other), w.stamp()).await.unwrap_err();
    assert!(matches!(e, WriteError::NotSent(_)), "{e:?}");
    assert_eq!(w.sent("PATCH", "/sobjects/Lead/"), 2, "one renewal, no loop");
    no_secret(&w, &e.to_string());

    // A session Salesforce will not take for the REST API: no renewal at all.
    w.sandbox.clear_requests();
    w.sandbox.inject(SfFaultRule::new(SfFault::SessionNotForRest).on("/sobjects/Task"));
    let e = w.client.add_note(&w.lead, &NewNote { title: "n".into(), content: "c".into() }).await.unwrap_err();
    assert!(matches!(e, WriteError::NotSent(_)), "{e:?}");
    assert!(e.to_string().contains("not valid for use with the REST API"), "{e}");
    assert_eq!((w.sent("POST", "/sobjects/Task"), w.sent("POST", "/oauth2/token")), (1, 0));
    no_secret(&w, &e.to_string());

    // A refresh token Salesforce no longer takes: the error says what to do, not the token.
    w.sandbox.reject_refresh_token(true);
    w.sandbox.expire_tokens();
    let e = w.client.set_locator(&w.lead, &user(&w.other), w.stamp()).await.unwrap_err();
    assert!(matches!(e, WriteError::NotSent(_)), "{e:?}");
    no_secret(&w, &e.to_string());
    assert_eq!(w.owner_now(), Some(w.owner.clone()));
    assert!(w.tasks().is_empty());
}

#[tokio::test]
async fn the_api_scope_offers_every_action() {
    let w = W::new().await;
    assert_eq!(w.client.scopes().await.unwrap(), Scopes::Unknown);
}

/// An access token fetched by hand, for requests the client never makes.
async fn raw_token(w: &W) -> String {
    let reply: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/services/oauth2/token", w.sandbox.url()))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", REFRESH_TOKEN),
            ("client_id", CREDENTIALS[0]),
            ("client_secret", CLIENT_SECRET),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    reply["access_token"].as_str().unwrap().to_string()
}

/// Sends a write by hand: the status and the first error's code (empty on success).
async fn raw(
    w: &W,
    token: &str,
    method: reqwest::Method,
    rest: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let mut req = reqwest::Client::new()
        .request(method, format!("{}/services/data/v62.0/{rest}", w.sandbox.url()))
        .bearer_auth(token)
        .header("Content-Type", "application/json")
        .body(body.to_string());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let v: serde_json::Value = r.json().await.unwrap_or(serde_json::Value::Null);
    (status, v[0]["errorCode"].as_str().unwrap_or("").to_string())
}

/// A hand-made request (method, path after the version, headers, body) and the status and
/// error code it must get.
type Case<'a> = (reqwest::Method, String, Vec<(&'a str, &'a str)>, String, (u16, &'a str));

#[tokio::test]
async fn shapes_the_client_never_sends_are_refused_as_salesforce_would() {
    let w = W::new().await;
    let t = raw_token(&w).await;
    let lead = format!("sobjects/Lead/{}", w.lead);
    let post = reqwest::Method::POST;
    let patch = reqwest::Method::PATCH;
    let who = w.lead.as_str();
    let cases: Vec<Case> = vec![
        (patch.clone(), lead.clone(), vec![], r#"{"Rating__c":"Hot"}"#.into(), (400, "INVALID_FIELD")),
        (patch.clone(), lead.clone(), vec![], "not json".into(), (400, "JSON_PARSER_ERROR")),
        (
            patch.clone(),
            lead.clone(),
            vec![("If-Unmodified-Since", "yesterday")],
            "{}".into(),
            (400, "INVALID_HEADER_TYPE"),
        ),
        (patch.clone(), lead.clone(), vec![], r#"{"LastName":null}"#.into(), (400, "REQUIRED_FIELD_MISSING")),
        (patch.clone(), format!("sobjects/Account/{}", sf_id("001", "1")), vec![], "{}".into(), (400, "NOT_SUPPORTED")),
        (
            post.clone(),
            "sobjects/Task".into(),
            vec![],
            format!(r#"{{"WhoId":"{who}","Color__c":"red"}}"#),
            (400, "INVALID_FIELD"),
        ),
        (
            post.clone(),
            "sobjects/Task".into(),
            vec![],
            format!(r#"{{"WhoId":"{who}","ActivityDate":"24/11/2026"}}"#),
            (400, "JSON_PARSER_ERROR"),
        ),
        (
            post.clone(),
            "sobjects/Task".into(),
            vec![],
            format!(r#"{{"WhoId":"{who}","Status":"Done-ish"}}"#),
            (400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
        ),
        (
            post.clone(),
            "sobjects/Task".into(),
            vec![],
            format!(r#"{{"WhoId":"{who}","WhatId":"{}"}}"#, sf_id("001", "1")),
            (400, "FIELD_INTEGRITY_EXCEPTION"),
        ),
        (
            post.clone(),
            "sobjects/Task".into(),
            vec![],
            format!(r#"{{"WhoId":"{}"}}"#, sf_id("00Q", "999")),
            (400, "INVALID_CROSS_REFERENCE_KEY"),
        ),
    ];
    for (method, rest, headers, body, want) in cases {
        let got = raw(&w, &t, method, &rest, &headers, &body).await;
        assert_eq!((got.0, got.1.as_str()), want, "{rest} {body}");
    }
    assert!(w.tasks().is_empty());
    assert_eq!(w.owner_now(), Some(w.owner.clone()));

    // A status change through the API leaves the history row field history tracking keeps.
    let before = w.sandbox.org(|o| o.timeline.get(&w.lead_org).map_or(0, Vec::len));
    let ok = raw(&w, &t, patch, &lead, &[("Sforce-Auto-Assign", "FALSE")], r#"{"Status":"Working - Contacted"}"#).await;
    assert_eq!(ok, (204, String::new()));
    let after = w.sandbox.org(|o| o.timeline[&w.lead_org].clone());
    assert_eq!(after.len(), before + 1);
    let last = after.last().unwrap();
    assert_eq!(last.changes[0].2.as_deref(), Some("Working - Contacted"));
    // A task on a converted lead is refused too.
    w.sandbox.org(|o| o.convert_lead(&w.lead_org));
    let got = raw(&w, &t, post, "sobjects/Task", &[], &format!(r#"{{"WhoId":"{who}"}}"#)).await;
    assert_eq!(got, (400, "CANNOT_UPDATE_CONVERTED_LEAD".to_string()));
}
