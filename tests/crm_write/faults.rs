//! Lost and retried calls: a write whose answer comes too late is `Uncertain` and then found by
//! its marker; a 429 is retried and writes once; a 5xx is never retried; an expired token is
//! refreshed once; an unreachable server is `NotSent`. No error ever shows an access token.

use std::time::Duration;

use panopticon::crm::{CrmWriter, WriteError};
use panopticon_sandbox::{Fault, FaultRule};

use super::{note, task, W};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_that_comes_too_late_is_uncertain_and_the_write_is_found_by_its_marker() {
    let w = W::new().await;
    let impatient = super::client(&w.sandbox, Duration::from_millis(800));
    w.sandbox.inject(FaultRule::new(Fault::LateReply(Duration::from_secs(3))).on("/Notes").times(1));
    let marker = "Panopticon ref 3333333333333333";
    let r = impatient.add_note(&w.lead, &note("Left a voicemail.", marker)).await;
    assert!(matches!(&r, Err(WriteError::Uncertain { .. })), "{r:?}");
    assert!(r.unwrap_err().to_string().contains("no answer"));
    // It landed all the same, once, and the read-back finds it.
    let notes = w.sandbox.org(|o| o.notes_of(w.lead.as_str()).into_iter().map(|n| n.id.clone()).collect::<Vec<_>>());
    assert_eq!(notes.len(), 1);
    assert_eq!(impatient.find_note(&w.lead, marker).await.unwrap(), Some(notes[0].clone()));

    w.sandbox.inject(FaultRule::new(Fault::LateReply(Duration::from_secs(3))).on("/Tasks").times(1));
    let marker = "Panopticon ref 4444444444444444";
    let r = impatient.create_task(&w.lead, &task(&w, "Send the brochure", marker)).await;
    assert!(matches!(&r, Err(WriteError::Uncertain { .. })), "{r:?}");
    let tasks = w.sandbox.org(|o| o.tasks_of(w.lead.as_str()).into_iter().map(|t| t.id.clone()).collect::<Vec<_>>());
    assert_eq!(tasks.len(), 1);
    assert_eq!(impatient.find_task(&w.lead, marker).await.unwrap(), Some(tasks[0].clone()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_is_retried_and_writes_exactly_once() {
    let w = W::new().await;
    w.sandbox.inject(FaultRule::new(Fault::TooManyRequests { retry_after: None }).on("/Notes").times(1));
    w.client.add_note(&w.lead, &note("Retry me.", "Panopticon ref 5555555555555555")).await.unwrap();
    assert_eq!(w.sandbox.org(|o| o.notes_of(w.lead.as_str()).len()), 1);
    let posts: Vec<u16> = w
        .sandbox
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/Notes"))
        .map(|r| r.status)
        .collect();
    assert_eq!(posts, vec![429, 201]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_error_is_uncertain_and_never_retried() {
    let w = W::new().await;
    w.sandbox.inject(FaultRule::new(Fault::ServerError).on("/Leads/").times(1));
    let r = w.client.set_locator(&w.lead, &w.other, w.stamp()).await;
    match &r {
        Err(WriteError::Uncertain { detail }) => assert!(detail.contains("500"), "{detail}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(w.owner_now(), Some(w.owner.clone()), "the sandbox applied nothing for its 500");
    let puts = w.sandbox.requests().iter().filter(|r| r.method == "PUT").count();
    assert_eq!(puts, 1);
    // A dropped connection is just as uncertain.
    w.sandbox.inject(FaultRule::new(Fault::DropConnection).on("/Tasks").times(1));
    let r = w.client.create_task(&w.lead, &task(&w, "x", "Panopticon ref 6666666666666666")).await;
    assert!(matches!(r, Err(WriteError::Uncertain { .. })), "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_refreshed_once_and_the_write_lands_once() {
    let w = W::new().await;
    w.client.read_lead(&w.lead).await.unwrap();
    assert_eq!(w.sandbox.tokens_issued(), 1);
    w.sandbox.inject(FaultRule::new(Fault::ExpireTokens).on("/Notes").times(1));
    w.client.add_note(&w.lead, &note("After expiry.", "Panopticon ref 7777777777777777")).await.unwrap();
    assert_eq!(w.sandbox.tokens_issued(), 2);
    assert_eq!(w.sandbox.org(|o| o.notes_of(w.lead.as_str()).len()), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_is_not_sent_and_no_error_shows_a_token() {
    let w = W::new().await;
    let mut errors: Vec<String> = Vec::new();
    // The API server refuses connections (the sign-in server answers): certainly not sent.
    let mut cfg = super::cfg(&w.sandbox, Duration::from_secs(2));
    cfg.api_domain = "http://127.0.0.1:9".into();
    let offline = panopticon::crm::zoho::ZohoClient::new(&cfg, panopticon::config::AppointmentSource::Events).unwrap();
    match offline.add_note(&w.lead, &note("x", "Panopticon ref 8888888888888888")).await {
        Err(e @ WriteError::NotSent(_)) => errors.push(e.to_string()),
        other => panic!("{other:?}"),
    }
    // Every other kind of failure, for the token check.
    w.sandbox.inject(FaultRule::new(Fault::ServerError).on("/Notes").times(1));
    errors.push(w.client.add_note(&w.lead, &note("x", "m")).await.unwrap_err().to_string());
    w.sandbox.org(|o| o.lock(w.lead.as_str(), panopticon_sandbox::org::Lock::Locked));
    errors.push(w.client.set_locator(&w.lead, &w.other, w.stamp()).await.unwrap_err().to_string());
    w.sandbox.inject(FaultRule::new(Fault::RedirectTo("http://127.0.0.1:9".into())).on("/Tasks").times(1));
    errors.push(w.client.create_task(&w.lead, &task(&w, "x", "m")).await.unwrap_err().to_string());
    w.sandbox.set_granted_scopes("ZohoCRM.users.READ");
    errors.push(w.client.create_task(&w.lead, &task(&w, "x", "m")).await.unwrap_err().to_string());
    let tokens = w.sandbox.issued_tokens();
    assert!(!tokens.is_empty());
    for e in &errors {
        assert!(tokens.iter().all(|t| !e.contains(t.as_str())), "{e}");
    }
    assert!(errors[0].contains("could not be reached"), "{}", errors[0]);
    assert!(errors[3].contains("redirect"), "{}", errors[3]);
    assert!(errors[4].contains("ZohoCRM.modules.tasks.CREATE"), "{}", errors[4]);
}
