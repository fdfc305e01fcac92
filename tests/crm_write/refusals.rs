//! What Zoho refuses, and that nothing changes when it does: a lead edited after the stamp,
//! each lock, a validation rule, an inactive user, a missing scope — and, driven with raw
//! requests, the shapes the client never sends, to prove the sandbox answers as Zoho does.

use panopticon::actions::{ActionKind, Scopes};
use panopticon::crm::{CrmWriter, WriteError};
use panopticon_sandbox::org::Lock;
use serde_json::{json, Value};

use super::{note, W};

fn refused(r: Result<panopticon::crm::WriteAck, WriteError>) -> (String, String, Option<String>) {
    match r {
        Err(WriteError::Refused { code, reason, field }) => (code, reason, field),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lead_edited_in_zoho_after_the_stamp_is_a_conflict_and_nothing_changes() {
    let w = W::new().await;
    let stamp = w.stamp();
    // Someone moves the lead on in Zoho after Panopticon read it.
    w.sandbox.org(|o| o.set_stage(w.lead.as_str(), "Contacted", 1));
    let edited = w.stamp();
    let r = w.client.set_locator(&w.lead, &w.other, stamp).await;
    assert!(matches!(r, Err(WriteError::Conflict)), "{r:?}");
    assert_eq!(w.owner_now(), Some(w.owner.clone()));
    assert_eq!(w.stamp(), edited);
    assert!(w.sandbox.org(|o| o.workflow_runs.is_empty()));
    // Zoho's answer was HTTP 412.
    assert!(w.sandbox.requests().iter().any(|r| r.method == "PUT" && r.status == 412));

    // Reassigned in Zoho meanwhile: the same, and Zoho's choice of owner stands.
    let stamp = w.stamp();
    w.sandbox.org(|o| o.reassign_lead(w.lead.as_str(), &w.other));
    let third = w.sandbox.org(|o| {
        o.users.iter().find(|u| u.status == "active" && u.id != w.other && u.id != w.owner).unwrap().id.clone()
    });
    let r = w.client.set_locator(&w.lead, &third, stamp).await;
    assert!(matches!(r, Err(WriteError::Conflict)), "{r:?}");
    assert_eq!(w.owner_now(), Some(w.other.clone()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_lock_is_refused_with_zohos_message_and_nothing_changes() {
    let w = W::new().await;
    let cases = [
        (Lock::Locked, "RECORD_LOCKED", "You cannot perform this operation as the record is locked."),
        (Lock::NotApproved, "NOT_APPROVED", "Cannot update record that is not approved yet"),
        (Lock::Blueprint, "RECORD_IN_BLUEPRINT", "The record is in blue print"),
    ];
    for (lock, code, message) in cases {
        w.sandbox.org(|o| o.lock(w.lead.as_str(), lock));
        let (c, reason, _) = refused(w.client.set_locator(&w.lead, &w.other, w.stamp()).await);
        assert_eq!((c.as_str(), reason.as_str()), (code, message));
        let (c, _, _) = refused(w.client.add_note(&w.lead, &note("x", "Panopticon ref 1111111111111111")).await);
        assert_eq!(c, code);
        assert_eq!(w.owner_now(), Some(w.owner.clone()));
        assert!(w.sandbox.org(|o| o.notes_of(w.lead.as_str()).is_empty()));
    }
    w.sandbox.org(|o| o.unlock(w.lead.as_str()));
    w.client.set_locator(&w.lead, &w.other, w.stamp()).await.unwrap();
    assert_eq!(w.owner_now(), Some(w.other.clone()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_validation_rule_and_an_inactive_user_are_refused_naming_the_field() {
    let w = W::new().await;
    let inactive = w.inactive_user();
    let (code, reason, field) = refused(w.client.set_locator(&w.lead, &inactive, w.stamp()).await);
    assert_eq!(
        (code.as_str(), reason.as_str(), field.as_deref()),
        ("INVALID_DATA", "the id given seems to be invalid", Some("Owner"))
    );
    w.sandbox.org(|o| o.add_validation_rule("Leads", "Owner", "Leads under audit keep their owner"));
    let (code, reason, field) = refused(w.client.set_locator(&w.lead, &w.other, w.stamp()).await);
    assert_eq!(
        (code.as_str(), reason.as_str(), field.as_deref()),
        ("INVALID_DATA", "Leads under audit keep their owner", Some("Owner"))
    );
    assert_eq!(w.owner_now(), Some(w.owner.clone()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_scope_is_named_and_the_grant_is_reported() {
    let w = W::new().await;
    assert_eq!(w.client.scopes().await.unwrap(), Scopes::parse("ZohoCRM.modules.ALL ZohoCRM.users.READ"));
    assert!(ActionKind::ALL.iter().all(|k| Scopes::parse("ZohoCRM.modules.ALL").missing(*k).is_none()));

    let grant = "ZohoCRM.modules.leads.ALL ZohoCRM.modules.notes.READ ZohoCRM.modules.tasks.ALL ZohoCRM.users.READ";
    w.sandbox.set_granted_scopes(grant);
    let fresh = super::client(&w.sandbox, std::time::Duration::from_secs(5));
    let scopes = fresh.scopes().await.unwrap();
    assert_eq!(scopes, Scopes::parse(grant));
    assert_eq!(scopes.missing(ActionKind::Note), Some("ZohoCRM.modules.notes.CREATE"));
    assert_eq!(scopes.missing(ActionKind::Reassign), None);
    match fresh.add_note(&w.lead, &note("x", "Panopticon ref 2222222222222222")).await {
        Err(WriteError::MissingScope { scope }) => assert_eq!(scope, "ZohoCRM.modules.notes.CREATE"),
        other => panic!("{other:?}"),
    }
    assert!(w.sandbox.org(|o| o.notes_of(w.lead.as_str()).is_empty()));
    // What the grant covers still works.
    fresh.set_locator(&w.lead, &w.other, w.stamp()).await.unwrap();
}

/// A raw access token from the sandbox, for requests the client never makes.
async fn raw_token(http: &reqwest::Client, url: &str) -> String {
    let [id, secret, refresh] = panopticon_sandbox::CREDENTIALS;
    let body = format!("grant_type=refresh_token&client_id={id}&client_secret={secret}&refresh_token={refresh}");
    let reply: Value = http
        .post(format!("{url}/oauth/v2/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    reply["access_token"].as_str().unwrap().to_string()
}

async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = http.request(method, url).header("Authorization", format!("Zoho-oauthtoken {token}"));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_answers_the_shapes_the_client_never_sends_as_zoho_does() {
    let w = W::new().await;
    let http = reqwest::Client::new();
    let base = format!("{}/crm/v7", w.sandbox.url());
    let tok = raw_token(&http, &w.sandbox.url()).await;
    let lead = w.lead.as_str();
    use reqwest::Method;

    // An update without an id.
    let (status, body) =
        call(&http, Method::PUT, format!("{base}/Leads"), &tok, Some(json!({"data": [{"Company": "X"}]}))).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["data"][0],
        json!({"code": "MANDATORY_NOT_FOUND", "details": {"api_name": "id", "json_path": "$.data[0].id"}, "message": "required field not found", "status": "error"})
    );
    // Two records, one good and one unknown: per-record results in input order, HTTP 202.
    let (status, body) = call(&http, Method::PUT, format!("{base}/Leads"), &tok, Some(json!({"data": [{"id": lead, "Company": "Renamed"}, {"id": "3652397000999999999", "Company": "Y"}], "trigger": []}))).await;
    assert_eq!(status, 202);
    assert_eq!(
        (body["data"][0]["message"].as_str(), body["data"][1]["code"].as_str()),
        (Some("record updated"), Some("INVALID_DATA"))
    );
    assert_eq!(w.sandbox.org(|o| o.leads[lead].company.clone()).as_deref(), Some("Renamed"));
    assert!(w.sandbox.org(|o| o.workflow_runs.is_empty()), "trigger [] runs no automation");
    // An unknown field, an unparsable If-Unmodified-Since.
    let (status, body) = call(
        &http,
        Method::PUT,
        format!("{base}/Leads/{lead}"),
        &tok,
        Some(json!({"data": [{"Locator__c": {"id": w.other}}]})),
    )
    .await;
    assert_eq!((status, body["data"][0]["details"]["api_name"].as_str()), (400, Some("Locator__c")));
    let resp = http
        .put(format!("{base}/Leads/{lead}"))
        .header("Authorization", format!("Zoho-oauthtoken {tok}"))
        .header("If-Unmodified-Since", "Fri, 20 Nov 2026 14:00:00 GMT")
        .json(&json!({"data": [{"Company": "Z"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    assert_eq!(resp.json::<Value>().await.unwrap()["code"], "INVALID_DATA");

    // A note without content; a note in the older Parent_Id shape.
    let (status, body) = call(
        &http,
        Method::POST,
        format!("{base}/Notes"),
        &tok,
        Some(json!({"data": [{"Note_Title": "t", "Parent_Id": {"module": {"api_name": "Leads"}, "id": lead}}]})),
    )
    .await;
    assert_eq!(
        (status, body["data"][0]["code"].as_str(), body["data"][0]["details"]["api_name"].as_str()),
        (400, Some("MANDATORY_NOT_FOUND"), Some("Note_Content"))
    );
    let (status, body) = call(
        &http,
        Method::POST,
        format!("{base}/Notes"),
        &tok,
        Some(json!({"data": [{"Note_Content": "old shape", "Parent_Id": lead, "se_module": "Leads"}]})),
    )
    .await;
    assert_eq!((status, body["data"][0]["message"].as_str()), (201, Some("record added")));
    let (status, body) = call(&http, Method::POST, format!("{base}/Notes"), &tok, Some(json!({"data": [{"Note_Content": "x", "Parent_Id": {"module": {"api_name": "Leads"}, "id": "3652397000999999999"}}]}))).await;
    assert_eq!((status, body["data"][0]["message"].as_str()), (400, Some("the related id given seems to be invalid")));
    // Notes are read with `fields` only.
    let (status, body) = call(&http, Method::GET, format!("{base}/Leads/{lead}/Notes"), &tok, None).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("REQUIRED_PARAM_MISSING")));
    let (status, body) =
        call(&http, Method::GET, format!("{base}/Leads/{lead}/Notes?fields=Note_Content"), &tok, None).await;
    assert_eq!((status, body["data"][0]["Note_Content"].as_str()), (200, Some("old shape")));

    // A task: What_Id without $se_module, a subject too long, then a good one.
    let (status, body) = call(
        &http,
        Method::POST,
        format!("{base}/Tasks"),
        &tok,
        Some(json!({"data": [{"Subject": "s", "What_Id": {"id": lead}}]})),
    )
    .await;
    assert_eq!((status, body["data"][0]["details"]["api_name"].as_str()), (400, Some("$se_module")));
    let (status, body) =
        call(&http, Method::POST, format!("{base}/Tasks"), &tok, Some(json!({"data": [{"Subject": "s".repeat(256)}]})))
            .await;
    assert_eq!((status, body["data"][0]["code"].as_str()), (400, Some("INVALID_DATA")));
    let (status, body) = call(
        &http,
        Method::POST,
        format!("{base}/Tasks"),
        &tok,
        Some(json!({"data": [{"Subject": "s", "Due_Date": "2026-11-24"}]})),
    )
    .await;
    assert_eq!((status, body["data"][0]["details"]["$approval_state"].as_str()), (201, Some("approved")));
    // No activity for the lead yet (that task is unlinked): 204.
    let (status, _) = call(
        &http,
        Method::GET,
        format!("{base}/Leads/{lead}/Activities_Chronological_View?fields=Subject"),
        &tok,
        None,
    )
    .await;
    assert_eq!(status, 204);
}
