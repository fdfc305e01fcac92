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
use panopticon::crm::{AppointmentChange, CrmError, CrmLead, CrmSource, Pages, SalesSource, Skipped};
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

async fn leads(c: &SalesforceClient, since: Option<&str>) -> Result<(Vec<CrmLead>, Vec<Skipped>, usize, Option<String>), CrmError> {
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
        let owners = sb.org(|o| o.users.iter().map(|u| (sf_id("005", &u.id), format!("{} {}", u.first_name, u.last_name))).collect::<Vec<_>>());
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
    let lead_events = sb.org(|o| o.events.values().filter(|e| e.what.as_ref().is_some_and(|w| w.module == "Leads")).count());
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
