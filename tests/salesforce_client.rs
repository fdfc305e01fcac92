//! The Salesforce client against the Salesforce sandbox on 127.0.0.1: every listing against the
//! org it serves, paging at varying page sizes, the overlapping watermark, each fault of the
//! wire contract (expired and non-REST sessions, both REQUEST_LIMIT_EXCEEDED kinds, expired
//! cursors, 503 JSON and HTML, timeouts, redirects), hostile records, the delete log's window,
//! the JWT sign-in — and no token or secret in any error.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Duration;

use panopticon::config::{AppointmentSource, SalesforceAuth, SalesforceConfig};
use panopticon::crm::salesforce::SalesforceClient;
use panopticon::crm::{AppointmentChange, CrmError, CrmLead, CrmSource, FieldValue, Pages, SalesSource, Skipped};
use panopticon::sales::{SalesModule, SalesRecord};
use panopticon_sandbox::salesforce::{self as sf, sf_id, SalesforceSandbox, SfFault, SfFaultRule};
use panopticon_sandbox::{generate, Org, SalesSpec, Spec};

fn org() -> Org {
    let now = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 20, 14, 0, 0).unwrap();
    let mut spec = Spec::scaled(17, 300, now);
    spec.locators = 6;
    spec.sales = SalesSpec { deals: 120, activities: 400, accounts: 40, contacts: 80 };
    generate(&spec)
}

/// Collects what a listing hands on, page by page.
struct Collect<T>(Mutex<(Vec<T>, Vec<Skipped>, usize)>);

impl<T> Collect<T> {
    fn new() -> Self {
        Collect(Mutex::new((Vec::new(), Vec::new(), 0)))
    }
    fn take(self) -> (Vec<T>, Vec<Skipped>, usize) {
        self.0.into_inner().unwrap()
    }
}

impl<T: Send> Pages<T> for Collect<T> {
    async fn page(&self, items: Vec<T>, skipped: Vec<Skipped>) -> Result<(), CrmError> {
        let mut g = self.0.lock().unwrap();
        g.0.extend(items);
        g.1.extend(skipped);
        g.2 += 1;
        Ok(())
    }
}

fn config(sb: &SalesforceSandbox) -> SalesforceConfig {
    let mut cfg = SalesforceConfig::local(&sb.url(), sf::CREDENTIALS);
    cfg.timeout = Duration::from_millis(800);
    cfg.max_retries = 3;
    cfg
}

fn client(sb: &SalesforceSandbox) -> SalesforceClient {
    SalesforceClient::new(&config(sb), AppointmentSource::Events).unwrap()
}

async fn leads(
    c: &SalesforceClient,
    since: Option<&str>,
) -> Result<(Vec<CrmLead>, Vec<Skipped>, usize, Option<String>), CrmError> {
    let pages = Collect::new();
    let listed = c.fetch_leads(since, &pages).await?;
    let (items, skipped, n) = pages.take();
    Ok((items, skipped, n, listed.next_watermark))
}

fn org_lead_ids(sb: &SalesforceSandbox) -> BTreeSet<String> {
    sb.org(|o| o.leads.keys().map(|k| sf_id("00Q", k)).collect())
}

/// No access token, refresh token or secret anywhere in `text`.
fn assert_no_secret(sb: &SalesforceSandbox, text: &str) {
    for t in sb.issued_tokens() {
        assert!(!text.contains(&t), "a token leaked into: {text}");
    }
    for s in [sf::CLIENT_SECRET, sf::REFRESH_TOKEN] {
        assert!(!text.contains(s), "a secret leaked into: {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_listing_matches_the_org_at_any_page_size() {
    let sb = SalesforceSandbox::start(org()).await.unwrap();
    for max_page in [2000, 137, 64] {
        sb.set_max_page(max_page);
        let c = client(&sb);
        let (items, skipped, pages, mark) = leads(&c, None).await.unwrap();
        assert!(skipped.is_empty(), "{skipped:?}");
        let got: BTreeSet<String> = items.iter().map(|l| l.id.to_string()).collect();
        assert_eq!(got, org_lead_ids(&sb), "page size {max_page}");
        // Served pages vary below the size asked: at least this many, and each one counted.
        assert!(pages >= 300usize.div_ceil(max_page), "page size {max_page}: {pages} pages");
        assert!(mark.is_some());
        // Each lead's owner is named, as Owner.Name sends it.
        let owners = sb.org(|o| {
            o.users
                .iter()
                .map(|u| (sf_id("005", &u.id), format!("{} {}", u.first_name, u.last_name)))
                .collect::<Vec<_>>()
        });
        for l in &items {
            if let Some(loc) = &l.locator {
                assert!(owners.iter().any(|(id, name)| *id == loc.id && *name == loc.name), "{loc:?}");
            }
        }
        assert_eq!(c.take_calls().get("Lead"), Some(&(pages as u64)));
    }
    let c = client(&sb);
    let users = c.fetch_users(None).await.unwrap();
    assert_eq!(users.items.len(), sb.org(|o| o.users.len()));
    let roles = c.fetch_roles().await.unwrap();
    assert_eq!(roles.items.len(), sb.org(|o| o.roles.len()));
    let appts = Collect::new();
    c.fetch_appointments(None, &appts).await.unwrap();
    let (changes, skipped, _) = appts.take();
    assert!(skipped.is_empty(), "{skipped:?}");
    let upserts = changes.iter().filter(|c| matches!(c, AppointmentChange::Upsert(_))).count();
    let lead_events =
        sb.org(|o| o.events.values().filter(|e| e.what.as_ref().is_some_and(|w| w.module == "Leads")).count());
    assert_eq!(upserts, lead_events);
    for module in SalesModule::ALL {
        let got = Collect::<SalesRecord>::new();
        c.fetch_sales(module, None, &got).await.unwrap();
        let (items, skipped, _) = got.take();
        assert!(skipped.is_empty(), "{module:?}: {skipped:?}");
        let want = sb.org(|o| match module {
            SalesModule::Deals => o.sales.deals.len(),
            SalesModule::Calls => o.sales.calls.len(),
            SalesModule::Tasks => o.tasks.len(),
            SalesModule::Events => o.events.len(),
            SalesModule::Accounts => o.sales.accounts.len(),
            SalesModule::Contacts => o.sales.contacts.len(),
        });
        assert_eq!(items.len(), want, "{module:?}");
    }
    let meta = c.fetch_stage_meta().await.unwrap();
    assert!(!meta.items.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn histories_come_two_hundred_to_a_query_with_every_record_answered() {
    let sb = SalesforceSandbox::start(org()).await.unwrap();
    let c = client(&sb);
    let (items, ..) = leads(&c, None).await.unwrap();
    let ids: Vec<_> = items.iter().map(|l| l.id.clone()).collect();
    c.take_calls();
    let mut total = 0;
    for chunk in ids.chunks(c.history_batch()) {
        let (h, skipped) = c.fetch_stage_histories(chunk).await.unwrap();
        assert!(skipped.is_empty(), "{skipped:?}");
        assert_eq!(h.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>(), chunk.to_vec());
        total += h.iter().map(|(_, rows)| rows.len()).sum::<usize>();
    }
    let want = sb.org(|o| {
        o.timeline.values().flatten().flat_map(|e| &e.changes).filter(|(field, ..)| field == "Lead_Status").count()
    });
    assert_eq!(total, want);
    assert_eq!(c.take_calls().get("LeadHistory"), Some(&2), "300 leads, 200 a query");
    assert!(c.history_tracking_on().await.unwrap());
    sb.set_history_tracking(false);
    assert!(!c.history_tracking_on().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watermark_overlaps_two_minutes_and_brings_edits_in() {
    let sb = SalesforceSandbox::start(org()).await.unwrap();
    let c = client(&sb);
    let (_, _, _, mark) = leads(&c, None).await.unwrap();
    let mark = mark.unwrap();
    // The next run asks from two minutes before the newest stamp it saw.
    sb.clear_requests();
    let (again, ..) = leads(&c, Some(&mark)).await.unwrap();
    let newest = chrono::DateTime::parse_from_rfc3339(&mark).unwrap().with_timezone(&chrono::Utc);
    let from = (newest - chrono::Duration::minutes(2)).format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let q = sb.requests().into_iter().find(|r| r.path.ends_with("/query")).unwrap().query;
    let q = url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "q").unwrap().1.to_string();
    assert!(q.contains(&format!("WHERE SystemModstamp > {from} ORDER BY SystemModstamp, Id")), "{q}");
    assert!(again.iter().all(|l| l.modified_at.utc() > newest - chrono::Duration::minutes(2)));
    // An edit after the run is read by the next one.
    let lead = sb.org(|o| o.leads.keys().next().unwrap().clone());
    sb.org(|o| {
        o.now += chrono::Duration::minutes(10);
        o.edit_lead(&lead, |l| l.company = Some("Edited".into()));
    });
    let (edited, _, _, next) = leads(&c, Some(&mark)).await.unwrap();
    let got = edited.iter().find(|l| l.id.as_str() == sf_id("00Q", &lead)).expect("the edited lead is listed");
    assert_eq!(got.company.as_deref(), Some("Edited"));
    assert!(next.unwrap() > mark);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_session_costs_one_new_sign_in_and_a_dead_one_fails() {
    let sb = SalesforceSandbox::start(org()).await.unwrap();
    let c = client(&sb);
    c.fetch_users(None).await.unwrap();
    assert_eq!(sb.tokens_issued(), 1);
    sb.inject(SfFaultRule::new(SfFault::ExpireTokens));
    c.fetch_users(None).await.unwrap();
    assert_eq!(sb.tokens_issued(), 2, "one new sign-in");
    // A session that every new token fails too: one retry, then a clear error.
    sb.inject(SfFaultRule::new(SfFault::ExpireTokens).always());
    let e = c.fetch_users(None).await.unwrap_err().to_string();
    assert_eq!(sb.tokens_issued(), 3, "{e}");
    assert!(e.starts_with("Salesforce refused the users (401 INVALID_SESSION_ID"), "{e}");
    assert_no_secret(&sb, &e);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_not_for_the_rest_api_fails_at_once_without_a_loop() {
    let sb = SalesforceSandbox::start(org()).await.unwrap();
    let c = client(&sb);
    sb.inject(SfFaultRule::new(SfFault::SessionNotForRest).always());
    let e = c.fetch_users(None).await.unwrap_err().to_string();
    assert_eq!(sb.tokens_issued(), 1, "a new token would not cure it: {e}");
    assert_eq!(sb.requests().iter().filter(|r| r.path.contains("/query")).count(), 1);
    assert!(e.contains("not valid for the REST API") && e.contains("`api`"), "{e}");
    assert_no_secret(&sb, &e);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_limit_stops_at_once_and_a_concurrency_limit_is_waited_out() {
    let sb = SalesforceSandbox::start(org()).await.unwrap();
    let c = client(&sb);
    c.fetch_users(None).await.unwrap();
    let used = sb.api_usage();
    assert_eq!(c.api_usage().map(|u| (u.used, u.max)), Some((used, 15000)));
    sb.inject(SfFaultRule::new(SfFault::ConcurrentRequestsLimit).times(2));
    c.fetch_roles().await.unwrap();
    sb.inject(SfFaultRule::new(SfFault::TotalRequestsLimit).always());
    sb.clear_requests();
    let e = c.fetch_users(None).await.unwrap_err().to_string();
    assert_eq!(sb.requests().len(), 1, "not retried: {e}");
    assert!(e.contains("daily API allowance is used up") && e.contains("TotalRequests"), "{e}");
    assert!(e.contains("last reported usage"), "{e}");
    // Reaching the allowance for real reads the same.
    sb.clear_faults();
    sb.set_api_limit(sb.api_usage());
    let e = c.fetch_roles().await.unwrap_err().to_string();
    assert!(e.contains("daily API allowance is used up"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_cursor_restarts_the_query_and_loses_nothing() {
    let sb = SalesforceSandbox::start(org()).await.unwrap();
    sb.set_max_page(50);
    let c = client(&sb);
    sb.clear_requests();
    sb.inject(SfFaultRule::new(SfFault::InvalidQueryLocator).on("/query/").after(2));
    let (items, ..) = leads(&c, None).await.unwrap();
    let got: BTreeSet<String> = items.iter().map(|l| l.id.to_string()).collect();
    assert_eq!(got, org_lead_ids(&sb));
    // One restart, from the newest SystemModstamp read rather than from the start.
    let starts: Vec<String> = sb
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/query"))
        .map(|r| url::form_urlencoded::parse(r.query.as_bytes()).find(|(k, _)| k == "q").unwrap().1.to_string())
        .collect();
    assert_eq!(starts.len(), 2, "{starts:#?}");
    assert!(starts[1].contains("WHERE SystemModstamp >= ") && !starts[0].contains("WHERE"), "{starts:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_and_timeouts_are_retried_then_reported() {
    let sb = SalesforceSandbox::start(org()).await.unwrap();
    let c = client(&sb);
    for fault in [
        SfFault::ServerUnavailable,
        SfFault::UnavailableHtml,
        SfFault::UnknownException,
        SfFault::QueryTimeout,
        SfFault::DropConnection,
        SfFault::MalformedJson,
        SfFault::Slow(Duration::from_secs(2)),
    ] {
        sb.inject(SfFaultRule::new(fault.clone()).times(2));
        let (items, ..) = leads(&c, None).await.unwrap_or_else(|e| panic!("{fault:?}: {e}"));
        assert_eq!(items.len(), 300, "{fault:?}");
        sb.clear_faults();
    }
    sb.inject(SfFaultRule::new(SfFault::UnavailableHtml).always());
    let e = leads(&c, None).await.unwrap_err().to_string();
    assert_eq!(
        e,
        "Salesforce's API server kept failing (server error 503) while reading the Lead records (4 tries). \
         Try again later; if it lasts, check status.salesforce.com."
    );
    sb.clear_faults();
    sb.inject(SfFaultRule::new(SfFault::Slow(Duration::from_secs(2))).always());
    let e = c.fetch_roles().await.unwrap_err().to_string();
    assert!(e.starts_with("Salesforce's API server timed out: no answer within 0.8 s while reading the roles"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_is_never_followed() {
    let sb = SalesforceSandbox::start(org()).await.unwrap();
    let other = SalesforceSandbox::start(org()).await.unwrap();
    let c = client(&sb);
    sb.inject(SfFaultRule::new(SfFault::RedirectTo(other.url())).always());
    let e = c.fetch_users(None).await.unwrap_err().to_string();
    assert!(e.contains("with a redirect") && e.contains("[salesforce] login_url"), "{e}");
    assert!(other.requests().is_empty(), "the token went to the other server");
    assert_no_secret(&sb, &e);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_records_are_skipped_with_their_reason() {
    let sb = SalesforceSandbox::start(org()).await.unwrap();
    let ids: Vec<String> = sb.org(|o| o.leads.keys().take(3).cloned().collect());
    sb.org(|o| {
        o.leads.get_mut(&ids[0]).unwrap().overrides.insert("LastName".into(), serde_json::json!({"x": 1}));
        o.leads.get_mut(&ids[1]).unwrap().overrides.insert("Company".into(), serde_json::json!("Evil\u{1b}[2J"));
        o.leads.get_mut(&ids[2]).unwrap().overrides.insert("IsConverted".into(), serde_json::json!("yes"));
    });
    let c = client(&sb);
    let (items, skipped, ..) = leads(&c, None).await.unwrap();
    assert_eq!(items.len(), 297);
    let reasons: BTreeSet<String> = skipped.iter().map(|s| s.to_string()).collect();
    let want: BTreeSet<String> = [
        format!("Lead record {}: LastName is an object, not text", sf_id("00Q", &ids[0])),
        format!("Lead record {}: Company holds control characters", sf_id("00Q", &ids[1])),
        format!("Lead record {}: IsConverted is text, not true/false", sf_id("00Q", &ids[2])),
    ]
    .into();
    assert_eq!(reasons, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletions_come_from_the_log_until_it_no_longer_reaches_back() {
    let sb = SalesforceSandbox::start(org()).await.unwrap();
    let c = client(&sb);
    leads(&c, None).await.unwrap();
    // The first run starts the log at the server's clock.
    let first = c.fetch_deleted_leads(None).await.unwrap();
    let mark = first.next_watermark.clone().unwrap();
    let gone = sb.org(|o| {
        o.now += chrono::Duration::minutes(5);
        let id = o.leads.keys().next().unwrap().clone();
        o.delete_lead(&id);
        o.now += chrono::Duration::minutes(5);
        id
    });
    leads(&c, None).await.unwrap();
    let d = c.fetch_deleted_leads(Some(&mark)).await.unwrap();
    assert_eq!(d.items.iter().map(|l| l.to_string()).collect::<Vec<_>>(), vec![sf_id("00Q", &gone)]);
    assert!(d.survivors.is_none());
    assert_eq!(c.take_calls().get("Lead/deleted"), Some(&1));
    // Too soon after: no call, the watermark is kept.
    let next = d.next_watermark.unwrap();
    let soon = c.fetch_deleted_leads(Some(&next)).await.unwrap();
    assert!(soon.next_watermark.is_none() && !c.take_calls().contains_key("Lead/deleted"));
    // Twenty days later the log no longer reaches the watermark: every live id instead.
    sb.org(|o| o.now += chrono::Duration::days(20));
    leads(&c, None).await.unwrap();
    let late = c.fetch_deleted_leads(Some(&next)).await.unwrap();
    let survivors: BTreeSet<String> = late.survivors.unwrap().iter().map(|l| l.to_string()).collect();
    assert_eq!(survivors, org_lead_ids(&sb));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwt_sign_in_with_the_sandbox_key_and_a_bad_key_named() {
    let sb = SalesforceSandbox::start(org()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("jwt.pem");
    // The sandbox's key: a throwaway RSA key generated with openssl for tests only.
    std::fs::write(&key, sf::JWT_KEY_PEM).unwrap();
    let mut cfg = config(&sb);
    cfg.auth = SalesforceAuth::Jwt { username: sf::JWT_USERNAME.into(), key_file: key.clone(), audience: sb.url() };
    cfg.client_secret = None;
    cfg.refresh_token = None;
    let c = SalesforceClient::new(&cfg, AppointmentSource::Events).unwrap();
    assert_eq!(c.fetch_users(None).await.unwrap().items.len(), sb.org(|o| o.users.len()));
    // An unknown user is refused with what to check.
    let mut wrong = cfg.clone();
    wrong.auth = SalesforceAuth::Jwt { username: "nobody@x.com".into(), key_file: key.clone(), audience: sb.url() };
    let e = SalesforceClient::new(&wrong, AppointmentSource::Events)
        .unwrap()
        .fetch_users(None)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("Salesforce refused the JWT sign-in (invalid_grant"), "{e}");
    // A key file that is missing or not a key is a config error naming the key.
    std::fs::write(&key, "not a key").unwrap();
    let Err(e) = SalesforceClient::new(&cfg, AppointmentSource::Events) else { panic!("a bad key was accepted") };
    assert!(
        e.to_string().contains("[salesforce] private_key_file") && e.to_string().contains("no PEM RSA private key"),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_refresh_token_and_refused_roles_read_as_what_to_do() {
    let sb = SalesforceSandbox::start(org()).await.unwrap();
    let c = client(&sb);
    sb.refuse_roles(true);
    let e = c.fetch_roles().await.unwrap_err();
    assert!(matches!(&e, CrmError::Api { status: 403, code, .. } if code == "INSUFFICIENT_ACCESS"), "{e}");
    sb.reject_refresh_token(true);
    sb.expire_tokens();
    let e = c.fetch_users(None).await.unwrap_err().to_string();
    assert!(
        e.starts_with("Salesforce rejected the refresh token (invalid_grant") && e.contains("SALESFORCE_REFRESH_TOKEN"),
        "{e}"
    );
    assert_no_secret(&sb, &e);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_appointment_field_on_the_lead_reads_as_a_date_or_a_datetime() {
    let sb = SalesforceSandbox::start(org()).await.unwrap();
    let set: BTreeSet<String> =
        sb.org(|o| o.leads.values().filter(|l| l.appointment_at.is_some()).map(|l| sf_id("00Q", &l.id)).collect());
    assert!(!set.is_empty());
    for (field, date_only) in [("Appointment_At__c", false), ("Appointment_Date__c", true)] {
        let c = SalesforceClient::new(&config(&sb), AppointmentSource::Field(field.into())).unwrap();
        let (items, skipped, ..) = leads(&c, None).await.unwrap();
        assert!(skipped.is_empty(), "{skipped:?}");
        let with: BTreeSet<String> =
            items.iter().filter(|l| l.appointment_field.is_some()).map(|l| l.id.to_string()).collect();
        assert_eq!(with, set, "{field}");
        assert!(items
            .iter()
            .filter_map(|l| l.appointment_field.as_ref())
            .all(|v| matches!(v, FieldValue::Date(_)) == date_only));
        // No Events are read for appointments then.
        let appts = Collect::new();
        c.fetch_appointments(None, &appts).await.unwrap();
        assert!(appts.take().0.is_empty());
    }
    let Err(e) = SalesforceClient::new(&config(&sb), AppointmentSource::Field("Appt__c, Id".into())) else {
        panic!("a field that is not an API name went into the SOQL")
    };
    assert!(e.to_string().contains("[appointments] field"), "{e}");
}
