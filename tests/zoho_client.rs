//! The Zoho client under real-world edits, faults and hostile replies, against the sandbox on
//! 127.0.0.1: records that change while pages are read, lists that never end, broken encoding,
//! a flaky or redirecting sign-in server, hostile token replies, and errors sent with HTTP 200.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::*;
use panopticon::config::AppointmentSource;
use panopticon::crm::zoho::ZohoClient;
use panopticon::store;
use panopticon_sandbox::{self as sandbox, generate, Endless, Fault, FaultRule, Org, Sandbox, INVALID_UTF8};

/// Lead ids in the order a Modified_Time-sorted list serves them, and in id order.
fn first_leads(o: &Org, n: usize) -> Vec<String> {
    let mut by_modified: Vec<(chrono::DateTime<chrono::Utc>, String)> =
        o.leads.values().map(|l| (l.modified, l.id.clone())).collect();
    by_modified.sort();
    let mut out: Vec<String> = by_modified.into_iter().take(n).map(|(_, id)| id).collect();
    out.extend(o.leads.keys().take(n).cloned());
    out.sort();
    out.dedup();
    out
}

fn stored_ids(env: &Env) -> BTreeSet<String> {
    stored(env).leads.into_keys().collect()
}

fn org_ids(env: &Env) -> BTreeSet<String> {
    env.sandbox.org(|o| o.leads.keys().cloned().collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leads_edited_between_pages_are_not_lost() {
    let env = Env::new(generate(&spec(600, 150, 450))).await;
    // Between page 1 and page 2 of the first sync, someone edits leads that were on page 1.
    env.sandbox.before_request("/Leads?", 1, |o| {
        for id in first_leads(o, 3) {
            o.edit_lead(&id, |l| l.company = Some("Edited mid-sync".into()));
        }
    });
    env.sync().await.unwrap();
    // Every lead is there after this very run (the edited ones perhaps in their old state)…
    assert_eq!(stored_ids(&env), org_ids(&env));
    // …and the next run brings the edits in: nothing is skipped for good by the watermark.
    env.sync().await.unwrap();
    assert_matches_org(&env);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leads_deleted_between_pages_do_not_hide_others() {
    let env = Env::new(generate(&spec(600, 150, 450))).await;
    env.sandbox.before_request("/Leads?", 1, |o| {
        for id in first_leads(o, 2) {
            o.delete_lead(&id);
        }
    });
    env.sync().await.unwrap();
    assert_eq!(stored_ids(&env), org_ids(&env));
    assert_matches_org(&env);
    // The deletion was noticed once and the list read again: 3 pages, the check, 3 pages, the check.
    let lists = env.paths().into_iter().filter(|p| p.starts_with("GET /crm/v7/Leads?")).count();
    assert_eq!(lists, 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_nothing_moves_a_listing_costs_its_pages_and_one_not_modified_check() {
    let env = Env::new(generate(&spec(600, 150, 450))).await;
    env.sync().await.unwrap();
    assert_matches_org(&env);
    let paths = env.paths();
    let lists = paths.iter().filter(|p| p.starts_with("GET /crm/v7/Leads?")).count();
    assert_eq!(lists, 3, "ceil(600 / 200)");
    // The deletion check asks only for what was deleted since the listing began: 304.
    let checks: Vec<&String> =
        paths.iter().filter(|p| p.starts_with("GET /crm/v7/Leads/deleted?") && p.contains("page=1 ")).collect();
    assert!(checks.iter().any(|p| p.ends_with(" 304")), "{checks:#?}");
    // A one-page listing cannot skip anything and gets no check.
    env.sandbox.org(|o| {
        let id = o.leads.keys().next().unwrap().clone();
        o.set_stage(&id, "Follow Up", 1);
    });
    env.sandbox.clear_requests();
    let r = env.sync().await.unwrap();
    assert_eq!(r.calls.get("Leads"), Some(&1));
    assert_eq!(r.calls.get("Leads/deleted"), Some(&1), "only the sync's own /deleted read");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_edited_between_pages_are_not_lost() {
    let env = Env::new(generate(&spec(400, 150, 500))).await;
    env.sandbox.before_request("/Events?", 1, |o| {
        let mut by_modified: Vec<(chrono::DateTime<chrono::Utc>, String)> =
            o.events.values().map(|e| (e.modified, e.id.clone())).collect();
        by_modified.sort();
        let mut ids: Vec<String> = by_modified.into_iter().take(3).map(|(_, id)| id).collect();
        ids.extend(o.events.keys().take(3).cloned());
        ids.dedup();
        for id in ids {
            let start = o.events[&id].start + chrono::Duration::hours(1);
            o.reschedule_event(&id, start);
        }
    });
    env.sync().await.unwrap();
    let want: BTreeSet<String> =
        env.sandbox.org(|o| truth(o, &AppointmentSource::Events).appointments.into_keys().collect());
    let got: BTreeSet<String> = stored(&env).appointments.into_keys().collect();
    assert_eq!(got, want);
    env.sync().await.unwrap();
    assert_matches_org(&env);
}

/// A listing that never ends stops with a clear error; the data is untouched and recovers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_paging_fails_cleanly() {
    let cases: Vec<(&str, FaultRule, &str)> = vec![
        (
            "more_records forever, with records",
            FaultRule::new(Fault::EndlessPages(Endless::FreshTokens)).on("/Leads").always(),
            "after 500 pages",
        ),
        (
            "the same page token again",
            FaultRule::new(Fault::EndlessPages(Endless::SameToken)).on("/Leads").always(),
            "same page token twice",
        ),
        ("empty pages", FaultRule::new(Fault::EndlessPages(Endless::EmptyPages)).on("/Events").always(), "was empty"),
        (
            "an endless timeline",
            FaultRule::new(Fault::EndlessPages(Endless::SameToken)).on("__timeline").always(),
            "same page token twice",
        ),
        (
            "an empty timeline page",
            FaultRule::new(Fault::EndlessPages(Endless::EmptyPages)).on("__timeline").always(),
            "was empty",
        ),
    ];
    for (name, fault, expect) in cases {
        let env = Env::new(generate(&spec(300, 80, 240))).await;
        env.sync().await.unwrap();
        env.sandbox.org(|o| {
            let ids: Vec<String> = o.leads.keys().take(30).cloned().collect();
            for id in &ids {
                o.set_stage(id, "Follow Up", 0);
            }
        });
        let before = env.fingerprint();
        env.sandbox.inject(fault);
        let err = tokio::time::timeout(Duration::from_secs(120), env.sync())
            .await
            .unwrap_or_else(|_| panic!("{name}: the sync never ended"))
            .expect_err(name)
            .to_string();
        assert!(err.contains(expect) && err.contains("Nothing was changed"), "{name}: {err}");
        assert!(!err.contains('\n'), "{name}: one line: {err}");
        assert_eq!(env.fingerprint(), before, "{name}: the data changed");
        assert!(!store::last_run(&env.conn()).unwrap().unwrap().ok, "{name}");
        env.sandbox.clear_faults();
        env.sync().await.unwrap_or_else(|e| panic!("{name}: recovery: {e}"));
        assert_matches_org(&env);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_with_invalid_utf8_does_not_fail_the_sync() {
    let env = Env::new(generate(&spec(300, 80, 240))).await;
    let bad = env.sandbox.org(|o| {
        let id = o.leads.keys().nth(7).unwrap().clone();
        o.leads.get_mut(&id).unwrap().last_name = Some(format!("Caf{INVALID_UTF8}"));
        id
    });
    let r = env.sync().await.unwrap();
    assert!(r.skipped.is_empty(), "{:?}", r.skipped);
    let c = env.conn();
    assert_eq!(store::count_leads(&c).unwrap(), 300);
    let lead = store::get_lead(&c, &bad).unwrap().unwrap();
    assert!(lead.full_name.ends_with("Caf\u{FFFD}"), "{}", lead.full_name);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_endpoint_is_retried_and_a_hang_is_called_a_timeout() {
    // Two 502s from a proxy, then a token: the sync goes through.
    let env = Env::new(generate(&spec(100, 20, 60))).await;
    env.sandbox.inject(FaultRule::new(Fault::BadGateway).on("/oauth/v2/token").times(2));
    env.sync().await.unwrap();
    assert_matches_org(&env);
    let posts = env.paths().into_iter().filter(|p| p.starts_with("POST /oauth/v2/token")).count();
    assert_eq!(posts, 3);

    // A sign-in server that never answers: an honest message, after the configured retries.
    let mut env = Env::new(generate(&spec(100, 20, 60))).await;
    env.zoho.timeout = Duration::from_millis(300);
    env.zoho.max_retries = 2;
    env.sandbox.inject(FaultRule::new(Fault::Slow(Duration::from_secs(2))).on("/oauth/v2/token").always());
    let err = env.sync().await.unwrap_err().to_string();
    assert_eq!(
        err,
        "Zoho's sign-in server timed out: no answer within 0.3 s (3 tries). Check the network, or try again later."
    );
    // And one that keeps failing.
    let mut env = Env::new(generate(&spec(100, 20, 60))).await;
    env.zoho.max_retries = 0;
    env.sandbox.inject(FaultRule::new(Fault::BadGateway).on("/oauth/v2/token").always());
    let err = env.sync().await.unwrap_err().to_string();
    assert_eq!(
        err,
        "Zoho's sign-in server kept failing (server error 502) (1 try). Try again later; if it lasts, check \
         status.zoho.com."
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_never_follow_a_redirect() {
    let elsewhere = Sandbox::start(generate(&spec(10, 2, 5))).await.unwrap();
    // The sign-in server redirects (307 keeps the method and body: the secret would be re-sent).
    let env = Env::new(generate(&spec(100, 20, 60))).await;
    env.sandbox.inject(FaultRule::new(Fault::RedirectTo(elsewhere.url())).on("/oauth/v2/token").always());
    let err = env.sync().await.unwrap_err().to_string();
    assert!(err.contains("sign-in server") && err.contains("redirect") && err.contains("[zoho]"), "{err}");
    assert!(!err.contains(sandbox::CLIENT_SECRET) && !err.contains(sandbox::REFRESH_TOKEN), "{err}");
    // The API redirects elsewhere: not followed either (the request carries the access token).
    env.sandbox.clear_faults();
    env.sandbox.inject(FaultRule::new(Fault::RedirectTo(elsewhere.url())).on("/Leads").always());
    let err = env.sync().await.unwrap_err().to_string();
    assert!(err.contains("API server") && err.contains("redirect"), "{err}");
    assert!(elsewhere.requests().is_empty(), "the other host was contacted: {:#?}", elsewhere.requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_zoho_hosts_are_refused_unless_local() {
    let sb = Sandbox::start(generate(&spec(10, 2, 5))).await.unwrap();
    let mut cfg = panopticon::config::ZohoConfig::local(&sb.url(), panopticon_sandbox::CREDENTIALS);
    cfg.accounts_url = "http://accounts.zoho.com".into();
    let err = ZohoClient::new(&cfg, AppointmentSource::Events).err().expect("refused").to_string();
    assert!(err.contains("[zoho] accounts_url") && err.contains("https://") && err.contains("unencrypted"), "{err}");
    let mut cfg = panopticon::config::ZohoConfig::local(&sb.url(), panopticon_sandbox::CREDENTIALS);
    cfg.api_domain = "http://www.zohoapis.eu".into();
    let err = ZohoClient::new(&cfg, AppointmentSource::Events).err().expect("refused").to_string();
    assert!(err.contains("[zoho] api_domain"), "{err}");
    for local in ["http://127.0.0.1:9", "http://localhost:9", "http://[::1]:9", "https://accounts.zoho.eu"] {
        let mut cfg = panopticon::config::ZohoConfig::local(&sb.url(), panopticon_sandbox::CREDENTIALS);
        cfg.accounts_url = local.into();
        assert!(ZohoClient::new(&cfg, AppointmentSource::Events).is_ok(), "{local}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_token_lifetimes_do_not_panic() {
    let env = Env::new(generate(&spec(100, 20, 60))).await;
    for expires in
        [serde_json::json!(u64::MAX), serde_json::json!(1e300), serde_json::json!(-5), serde_json::json!("soon")]
    {
        let mut extra = serde_json::Map::new();
        extra.insert("expires_in".into(), expires.clone());
        env.sandbox.set_token_reply_extra(extra);
        env.sync().await.unwrap_or_else(|e| panic!("expires_in {expires}: {e}"));
    }
    assert_matches_org(&env);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_sent_with_http_200_shows_zohos_code_and_message() {
    let env = Env::new(generate(&spec(100, 20, 60))).await;
    env.sync().await.unwrap();
    let before = env.fingerprint();
    env.sandbox.org(|o| {
        let id = o.leads.keys().next().unwrap().clone();
        o.set_stage(&id, "Follow Up", 1);
    });
    env.sandbox.inject(
        FaultRule::new(Fault::ErrorWith200 { code: "NO_PERMISSION".into(), message: "permission denied".into() })
            .on("/Leads")
            .always(),
    );
    let err = env.sync().await.unwrap_err().to_string();
    assert_eq!(
        err,
        "Zoho refused Leads (200 NO_PERMISSION: permission denied) — the Zoho user behind the refresh token \
         cannot read this module"
    );
    assert_eq!(env.fingerprint(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_failures_are_one_plain_line() {
    let mut env = Env::new(generate(&spec(100, 20, 60))).await;
    env.zoho.max_retries = 1;
    env.sandbox.inject(FaultRule::new(Fault::ServerError).on("/users").always());
    let err = env.sync().await.unwrap_err().to_string();
    assert_eq!(
        err,
        "Zoho's API server kept failing (server error 500 INTERNAL_ERROR) while reading the users (2 tries). \
         Try again later; if it lasts, check status.zoho.com."
    );
    let run = store::last_run(&env.conn()).unwrap().unwrap();
    assert_eq!(run.error.as_deref(), Some(err.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_role_records_are_skipped_and_the_rest_read() {
    use panopticon::crm::CrmSource;
    use serde_json::json;
    let mut org = generate(&spec(100, 20, 60));
    let good: Vec<(String, String)> = org.roles.iter().map(|r| (r.id.clone(), r.name.clone())).collect();
    let plant = |org: &mut Org, i: usize, key: &str, v: serde_json::Value| {
        org.roles[i].overrides.insert(key.into(), v);
    };
    let mut extra = org.roles[4].clone();
    extra.id = "3652397000900000077".into();
    extra.name = "\u{1b}[31mEvil\nRole\u{202e}".into();
    org.roles.push(extra);
    let mut twin = org.roles[0].clone();
    twin.name = "A second CEO".into();
    org.roles.push(twin);
    plant(&mut org, 1, "id", json!("not-a-number"));
    plant(&mut org, 2, "reporting_to", json!("CEO"));
    plant(&mut org, 3, "name", json!(null));
    plant(&mut org, 3, "display_label", json!(""));
    let own = org.roles[4].id.clone();
    plant(&mut org, 4, "reporting_to", json!({"name": "itself", "id": own}));
    let env = Env::new(org).await;
    let got = env.client().fetch_roles().await.unwrap();
    let ids: Vec<&str> = got.items.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, [good[0].0.as_str(), "3652397000900000077"], "{got:?}");
    assert_eq!(got.items[1].name, "[31mEvil Role\u{202e}", "control characters never reach the store");
    let reasons: Vec<String> = got.skipped.iter().map(|s| s.to_string()).collect();
    assert_eq!(reasons.len(), 5, "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("not-a-number") && r.contains("is not a Zoho record id")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("reporting_to: expected {name, id} or null")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("no name")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("reports to itself")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("the same role id twice")), "{reasons:?}");

    // Through a sync: the run is ok, the readable roles stored, the others reported.
    let r = env.sync().await.unwrap();
    assert_eq!(r.skipped.iter().filter(|s| s.endpoint == "settings/roles").count(), 5, "{:?}", r.skipped);
    let stored: Vec<String> = store::directory(&env.conn()).unwrap().roles.into_iter().map(|r| r.id).collect();
    assert_eq!(stored.len(), 2, "{stored:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_carry_their_role_and_manager() {
    use panopticon::crm::CrmSource;
    let env = Env::new(generate(&spec(100, 20, 60))).await;
    let users = env.client().fetch_users(None).await.unwrap();
    let want: BTreeSet<(String, Option<String>, Option<String>)> = env
        .sandbox
        .org(|o| o.users.iter().map(|u| (u.id.clone(), u.role_id.clone(), u.reporting_to.clone())).collect());
    let got: BTreeSet<(String, Option<String>, Option<String>)> =
        users.items.into_iter().map(|u| (u.id, u.role_id, u.reporting_to_id)).collect();
    assert_eq!(got, want);
    assert!(got.iter().all(|u| u.1.is_some()), "every generated user has a role: {got:?}");
}
