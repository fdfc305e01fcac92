//! The sales side's truth with Salesforce ids: deals with their history, calls, tasks,
//! meetings, accounts, contacts and the stage mapping, as the org has them, beside what the
//! database holds.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use panopticon::store;
use panopticon::time::utc_text;
use panopticon_sandbox::sales::DEAL_STAGES;
use panopticon_sandbox::salesforce::sf_id;
use panopticon_sandbox::Org;

use crate::harness::{event, user, SfEnv};

type DealTruth = (
    String,
    String,
    Option<String>,
    Option<i64>,
    Option<u8>,
    Option<NaiveDate>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

#[derive(Debug, PartialEq)]
pub struct SalesTruth {
    pub deals: BTreeMap<String, DealTruth>,
    pub history: BTreeMap<String, Vec<(String, String, String)>>,
    pub activities: BTreeMap<String, (String, Option<String>, bool)>,
    pub accounts: BTreeMap<String, (String, Option<String>)>,
    pub contacts: BTreeMap<String, (String, Option<String>, Option<String>)>,
    pub meta: Vec<(String, u32, Option<u8>, String)>,
}

pub fn deal(id: &str) -> String {
    sf_id("006", id)
}
fn account(id: &str) -> String {
    sf_id("001", id)
}
fn contact(id: &str) -> String {
    sf_id("003", id)
}
pub fn task(id: &str) -> String {
    sf_id("00T", id)
}

pub fn org_truth(o: &Org) -> SalesTruth {
    let deals = o
        .deals()
        .into_iter()
        .map(|d| {
            let t = (
                d.name.clone(),
                d.stage.clone(),
                None,
                d.amount.map(|a| (a * 100.0).round() as i64),
                Some(d.probability),
                d.closing,
                d.account.as_ref().map(|a| account(&a.id)),
                d.contact.as_ref().map(|c| contact(&c.id)),
                Some(user(&d.owner_id)),
                utc_text(d.modified),
            );
            (deal(&d.id), t)
        })
        .collect();
    let history = o
        .deals()
        .into_iter()
        .map(|d| {
            let rows =
                o.deal_history(&d.id).iter().map(|r| (sf_id("008", &r.id), r.stage.clone(), utc_text(r.at))).collect();
            (deal(&d.id), rows)
        })
        .collect();
    let mut activities = BTreeMap::new();
    for c in o.calls() {
        // A call without a status (Zoho's Inbound and Missed) is served as a logged call —
        // Status 'Completed' — when it was saved after it happened, else as an open Task.
        let done = c.status.as_deref().map_or(c.start <= c.modified, |s| s == "Completed");
        activities.insert(format!("Calls:{}", task(&c.id)), (c.subject.clone(), Some(user(&c.owner_id)), done));
    }
    for t in &o.tasks {
        activities
            .insert(format!("Tasks:{}", task(&t.id)), (t.subject.clone(), Some(user(&t.owner_id)), t.closed.is_some()));
    }
    for e in o.events.values() {
        activities.insert(format!("Events:{}", event(&e.id)), (e.title.clone(), e.owner_id.as_deref().map(user), true));
    }
    let accounts =
        o.accounts().into_iter().map(|a| (account(&a.id), (a.name.clone(), Some(user(&a.owner_id))))).collect();
    let contacts = o
        .contacts()
        .into_iter()
        .map(|c| (contact(&c.id), (c.full_name(), c.account.as_ref().map(|a| account(&a.id)), Some(user(&c.owner_id)))))
        .collect();
    let meta = DEAL_STAGES
        .iter()
        .map(|s| {
            let cat = match s.forecast_type {
                "Closed Won" => "won",
                "Closed Lost" => "lost",
                _ => "open",
            };
            (s.name.to_string(), s.sequence, Some(s.probability), cat.to_string())
        })
        .collect();
    SalesTruth { deals, history, activities, accounts, contacts, meta }
}

pub fn stored_truth(env: &SfEnv) -> SalesTruth {
    let s = store::load_sales(&env.conn()).unwrap();
    let deals = s
        .deals
        .iter()
        .map(|d| {
            let t = (
                d.name.clone(),
                d.stage.clone(),
                d.pipeline.clone(),
                d.amount,
                d.probability,
                d.closing_date,
                d.account.as_ref().map(|a| a.id.clone()),
                d.contact.as_ref().map(|c| c.id.clone()),
                d.owner.as_ref().map(|o| o.id.clone()),
                d.modified_at.utc_text(),
            );
            (d.id.clone(), t)
        })
        .collect();
    let mut history: BTreeMap<String, Vec<(String, String, String)>> =
        s.deals.iter().map(|d| (d.id.clone(), Vec::new())).collect();
    for r in &s.stages {
        history.entry(r.deal_id.clone()).or_default().push((r.id.clone(), r.stage.clone(), r.at.utc_text()));
    }
    let activities = s
        .activities
        .iter()
        .map(|a| (a.id.clone(), (a.subject.clone(), a.owner.as_ref().map(|o| o.id.clone()), a.completed_at.is_some())))
        .collect();
    let accounts =
        s.accounts.iter().map(|a| (a.id.clone(), (a.name.clone(), a.owner.as_ref().map(|o| o.id.clone())))).collect();
    let contacts = s
        .contacts
        .iter()
        .map(|c| {
            (
                c.id.clone(),
                (c.name.clone(), c.account.as_ref().map(|a| a.id.clone()), c.owner.as_ref().map(|o| o.id.clone())),
            )
        })
        .collect();
    let mut meta: Vec<_> = s
        .stage_meta
        .iter()
        .map(|m| (m.stage.clone(), m.sequence, m.probability, m.category.name().to_string()))
        .collect();
    meta.sort_by_key(|m| m.1);
    SalesTruth { deals, history, activities, accounts, contacts, meta }
}

pub fn assert_sales_match(env: &SfEnv) {
    let want = env.sandbox.org(|o| org_truth(o));
    let got = stored_truth(env);
    assert_eq!(got.deals, want.deals, "deals");
    assert_eq!(got.history, want.history, "deal histories");
    let differ: Vec<_> = want
        .activities
        .iter()
        .filter(|(k, v)| got.activities.get(*k) != Some(v))
        .map(|(k, v)| (k, v, got.activities.get(k)))
        .chain(got.activities.iter().filter(|(k, _)| !want.activities.contains_key(*k)).map(|(k, v)| (k, v, None)))
        .take(5)
        .collect();
    assert!(differ.is_empty(), "activities (key, want, got): {differ:#?}");
    assert_eq!(got.accounts, want.accounts, "accounts");
    assert_eq!(got.contacts, want.contacts, "contacts");
    assert_eq!(got.meta, want.meta, "stage mapping");
}
