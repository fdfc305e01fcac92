//! The sales side of the sync against the sandbox on 127.0.0.1: deals with their stage history,
//! calls, tasks, meetings, accounts, contacts and the stage mapping stored row for row as the
//! org has them; incremental runs after every kind of edit; the API-call minimum (a run with
//! nothing new, stage history only for the deals that moved); faults, hostile records and a
//! failure mid-run leaving the last good data.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::NaiveDate;
use common::*;
use panopticon::sales::SalesData;
use panopticon::store;
use panopticon::time::utc_text;
use panopticon_sandbox::sales::DEAL_STAGES;
use panopticon_sandbox::{generate, Fault, FaultRule, Org, SalesSpec, Spec};

fn sales_spec() -> Spec {
    Spec { sales: SalesSpec { deals: 60, activities: 300, accounts: 20, contacts: 40 }, ..spec(200, 50, 150) }
}

/// deal id → (name, stage, pipeline, amount in cents, probability, closing, account, contact, owner, modified UTC)
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

/// Everything the sales side of the database should hold for this org, compared as text.
#[derive(Debug, PartialEq)]
struct SalesTruth {
    deals: BTreeMap<String, DealTruth>,
    /// deal id → [(row id, stage, UTC)], oldest first
    history: BTreeMap<String, Vec<(String, String, String)>>,
    /// "Calls:<id>" … → (subject, owner id, done)
    activities: BTreeMap<String, (String, Option<String>, bool)>,
    accounts: BTreeMap<String, (String, Option<String>)>,
    contacts: BTreeMap<String, (String, Option<String>, Option<String>)>,
    /// (stage, sequence, probability, category)
    meta: Vec<(String, u32, Option<u8>, String)>,
}

fn org_truth(o: &Org) -> SalesTruth {
    let deals = o
        .deals()
        .into_iter()
        .map(|d| {
            let truth = (
                d.name.clone(),
                d.stage.clone(),
                d.pipeline.clone(),
                d.amount.map(|a| (a * 100.0).round() as i64),
                Some(d.probability),
                d.closing,
                d.account.as_ref().map(|a| a.id.clone()),
                d.contact.as_ref().map(|c| c.id.clone()),
                Some(d.owner_id.clone()),
                utc_text(d.modified),
            );
            (d.id.clone(), truth)
        })
        .collect();
    let history = o
        .deals()
        .into_iter()
        .map(|d| {
            let rows = o.deal_history(&d.id).iter().map(|r| (r.id.clone(), r.stage.clone(), utc_text(r.at))).collect();
            (d.id.clone(), rows)
        })
        .collect();
    let mut activities = BTreeMap::new();
    for c in o.calls() {
        let done = c.status.as_deref() == Some("Completed") || (c.call_type == "Inbound" && c.duration_secs > 0);
        activities.insert(format!("Calls:{}", c.id), (c.subject.clone(), Some(c.owner_id.clone()), done));
    }
    for t in &o.tasks {
        activities.insert(format!("Tasks:{}", t.id), (t.subject.clone(), Some(t.owner_id.clone()), t.closed.is_some()));
    }
    // Every Event is a meeting (lead appointments too); its end is when it is done.
    for e in o.events.values() {
        activities.insert(format!("Events:{}", e.id), (e.title.clone(), e.owner_id.clone(), true));
    }
    let accounts =
        o.accounts().into_iter().map(|a| (a.id.clone(), (a.name.clone(), Some(a.owner_id.clone())))).collect();
    let contacts = o
        .contacts()
        .into_iter()
        .map(|c| (c.id.clone(), (c.full_name(), c.account.as_ref().map(|a| a.id.clone()), Some(c.owner_id.clone()))))
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

fn load(env: &Env) -> SalesData {
    store::load_sales(&env.conn()).unwrap()
}

fn stored_truth(env: &Env) -> SalesTruth {
    let s = load(env);
    let deals = s
        .deals
        .iter()
        .map(|d| {
            let truth = (
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
            (d.id.clone(), truth)
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

fn assert_sales_match(env: &Env) {
    let want = env.sandbox.org(|o| org_truth(o));
    let got = stored_truth(env);
    assert_eq!(got.deals, want.deals);
    assert_eq!(got.history, want.history);
    assert_eq!(got.activities, want.activities);
    assert_eq!(got.accounts, want.accounts);
    assert_eq!(got.contacts, want.contacts);
    assert_eq!(got.meta, want.meta);
}

/// The deals whose Stage_History the sandbox was asked for since the last `clear_requests`.
fn history_reads(env: &Env) -> Vec<String> {
    let mut ids: Vec<String> = env
        .paths()
        .into_iter()
        .filter(|p| p.contains("/Stage_History?"))
        .map(|p| p.split('/').nth(4).unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_sync_stores_the_sales_side_row_for_row() {
    let env = Env::new(generate(&sales_spec())).await;
    let r = env.sync().await.unwrap();
    assert!(r.skipped.is_empty(), "{:?}", r.skipped);
    assert_sales_match(&env);
    assert_matches_org(&env);
    let deals = env.sandbox.org(|o| o.deals().len());
    assert!(deals >= 60 && r.deals as usize == deals, "{} of {deals}", r.deals);
    // Every deal is new: each one's history read once, and the stage mapping once.
    assert_eq!(r.deal_histories as usize, deals);
    assert_eq!(r.calls["Stage_History"] as usize, deals);
    assert_eq!(r.calls["settings/fields"], 1);
    assert_eq!((r.accounts, r.contacts), (20, 40));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_with_nothing_new_costs_one_not_modified_per_listing() {
    let env = Env::new(generate(&sales_spec())).await;
    env.sync().await.unwrap();
    let before = load(&env);
    env.sandbox.clear_requests();
    let r = env.sync().await.unwrap();
    assert_eq!(load(&env), before);
    assert_eq!((r.deals, r.activities, r.accounts, r.contacts, r.deal_histories), (0, 0, 0, 0, 0));
    let api: Vec<String> = env.paths().into_iter().filter(|p| p.contains("/crm/")).collect();
    // Lead side 5; Deals, Calls, Tasks, Events, Accounts, Contacts and their /deleted 12.
    assert_eq!(api.len(), 17, "{api:#?}");
    assert!(api.iter().all(|p| p.ends_with(" 304")), "{api:#?}");
    assert!(!r.calls.contains_key("Stage_History") && !r.calls.contains_key("settings/fields"), "{:?}", r.calls);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incremental_sync_follows_every_kind_of_edit_and_reads_history_only_for_moved_deals() {
    let env = Env::new(generate(&sales_spec())).await;
    env.sync().await.unwrap();
    let (moved, reowned, deleted, task, call, new_deal, new_owner) = env.sandbox.org(|o| {
        let new_owner = o.users[3].id.clone();
        let open: Vec<String> =
            o.deals().into_iter().filter(|d| !d.stage.starts_with("Closed")).map(|d| d.id.clone()).collect();
        o.set_deal_stage(&open[0], "Closed Won", 1);
        // Owner and amount change, stage does not: no history read.
        o.edit_deal(&open[1], |d| {
            d.owner_id = new_owner.clone();
            d.amount = Some(777.77);
        });
        o.delete_deal(&open[2]);
        let task = o.tasks.iter().find(|t| t.closed.is_none()).unwrap().id.clone();
        o.complete_task(&task);
        let call = o.calls()[0].id.clone();
        o.delete_activity("Calls", &call);
        let acc = o.add_account("Newco", Some("Retail"), 2);
        let closing = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        let deal =
            o.add_deal("Newco pantry", "Qualification", "Renewals", Some(1234.5), closing, 2, Some(&acc), None, None);
        (open[0].clone(), open[1].clone(), open[2].clone(), task, call, deal, new_owner)
    });
    env.sandbox.clear_requests();
    let r = env.sync().await.unwrap();
    assert!(r.skipped.is_empty(), "{:?}", r.skipped);
    assert_sales_match(&env);
    let mut want = vec![moved.clone(), new_deal.clone()];
    want.sort();
    assert_eq!(history_reads(&env), want, "only the moved and the new deal");
    assert_eq!(r.calls["settings/fields"], 1, "deals changed: the mapping is read again");
    let s = load(&env);
    let d = |id: &str| s.deals.iter().find(|d| d.id == id).cloned();
    assert_eq!(d(&moved).unwrap().stage, "Closed Won");
    assert_eq!(s.stages.iter().rev().find(|r| r.deal_id == moved).unwrap().stage, "Closed Won");
    assert_eq!(d(&reowned).unwrap().owner.unwrap().id, new_owner);
    assert_eq!(d(&reowned).unwrap().amount, Some(77_777));
    assert!(d(&deleted).is_none() && !s.stages.iter().any(|r| r.deal_id == deleted));
    assert!(s.activities.iter().find(|a| a.id == format!("Tasks:{task}")).unwrap().completed_at.is_some());
    assert!(!s.activities.iter().any(|a| a.id == format!("Calls:{call}")));
    assert_eq!(d(&new_deal).unwrap().amount, Some(123_450));
    // 3 deals written (moved, re-owned, new) + 1 deleted; the completed task and the deleted
    // call; the new account; the histories of the moved and the new deal.
    assert_eq!((r.deals, r.activities, r.accounts, r.deal_histories), (4, 2, 1, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_deals_are_skipped_with_their_reasons_and_the_rest_syncs() {
    let env = Env::new(generate(&sales_spec())).await;
    let ids = env.sandbox.org(|o| o.add_hostile_deals());
    let r = env.sync().await.unwrap();
    let named: Vec<String> = r.skipped.iter().map(|s| s.to_string()).collect();
    assert_eq!(r.skipped.len(), 3, "{named:#?}");
    assert!(named.iter().any(|s| s.contains(&ids[0]) && s.contains("Amount: expected a number")), "{named:#?}");
    assert!(named.iter().any(|s| s.contains(&ids[1]) && s.contains("0 to 100")), "{named:#?}");
    assert!(named.iter().any(|s| s.contains("Deals record without id")), "{named:#?}");
    let s = load(&env);
    let held = |id: &String| s.deals.iter().find(|d| &d.id == id);
    assert!(held(&ids[0]).is_none() && held(&ids[1]).is_none());
    // Control characters and a 10 kB name are data: kept as sent, the views escape them.
    assert_eq!(held(&ids[2]).unwrap().stage, "Negotiation\u{0007}/Review\u{202E}\u{1b}[2J");
    assert_eq!(held(&ids[3]).unwrap().name.len(), 10 * 1024);
    assert_eq!(s.deals.len(), env.sandbox.org(|o| o.deals().len()) - 3);
    assert_eq!(store::last_run(&env.conn()).unwrap().unwrap().skipped, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_history_is_skipped_and_owed_to_the_next_run() {
    let env = Env::new(generate(&sales_spec())).await;
    env.sync().await.unwrap();
    let (moved, other) = env.sandbox.org(|o| {
        let open: Vec<String> =
            o.deals().into_iter().filter(|d| !d.stage.starts_with("Closed")).map(|d| d.id.clone()).collect();
        o.set_deal_stage(&open[0], "Negotiation/Review", 0);
        (open[0].clone(), open[1].clone())
    });
    // Deleted in Zoho after the listing, before its history is read: Zoho answers 400.
    let gone = moved.clone();
    env.sandbox.before_request("/Stage_History", 0, move |o| {
        o.delete_deal(&gone);
    });
    let r = env.sync().await.unwrap();
    assert!(
        r.skipped.iter().any(|s| s.endpoint == "Stage_History" && s.id.as_deref() == Some(moved.as_str())),
        "{:?}",
        r.skipped
    );
    assert_eq!(store::deal_history_due(&env.conn()).unwrap(), vec![moved.clone()]);
    // The next run learns the deal is gone: deleted with what it owed, nothing read for it.
    env.sandbox.clear_requests();
    env.sync().await.unwrap();
    assert!(store::deal_history_due(&env.conn()).unwrap().is_empty());
    assert!(history_reads(&env).is_empty());
    assert!(!load(&env).deals.iter().any(|d| d.id == moved) && load(&env).deals.iter().any(|d| d.id == other));
    assert_sales_match(&env);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_anywhere_fail_the_run_and_keep_the_last_good_data() {
    let cases: Vec<(&str, FaultRule, &str)> = vec![
        ("server down on Deals", FaultRule::new(Fault::ServerError).on("/Deals").always(), "server error 500"),
        (
            "history mid-run",
            FaultRule::new(Fault::ServerError).on("/Stage_History").after(1).always(),
            "server error 500",
        ),
        ("garbled Calls", FaultRule::new(Fault::MalformedJson).on("/Calls").always(), "not valid JSON"),
        ("Contacts/deleted", FaultRule::new(Fault::BadGateway).on("/Contacts/deleted").always(), "502"),
    ];
    for (name, fault, expect) in cases {
        let mut env = Env::new(generate(&sales_spec())).await;
        env.zoho.timeout = Duration::from_millis(400);
        env.zoho.max_retries = 1;
        env.sync().await.unwrap();
        env.sandbox.org(|o| {
            let ids: Vec<String> = o.deals().into_iter().take(5).map(|d| d.id.clone()).collect();
            for id in &ids {
                o.set_deal_stage(id, "Closed Lost", 0);
            }
            o.delete_deal(&ids[4]);
            let c = o.calls()[0].id.clone();
            o.delete_activity("Calls", &c);
            o.add_contact("Ada", "Byron", None, 1);
        });
        let (before, leads) = (load(&env), env.fingerprint());
        env.sandbox.inject(fault);
        let err = env.sync().await.expect_err(name).to_string();
        assert!(err.contains(expect), "{name}: {err}");
        assert!(
            !err.contains(panopticon_sandbox::CREDENTIALS[1]) && !err.contains(panopticon_sandbox::CREDENTIALS[2]),
            "{name}: {err}"
        );
        assert_eq!(load(&env), before, "{name}: the sales data changed");
        assert_eq!(env.fingerprint(), leads, "{name}: the lead data changed");
        assert!(!store::last_run(&env.conn()).unwrap().unwrap().ok, "{name}");
        env.sandbox.clear_faults();
        env.sync().await.unwrap();
        assert_sales_match(&env);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_faults_and_an_expired_token_end_in_a_correct_sync() {
    for (name, rule) in [
        ("429", FaultRule::new(Fault::TooManyRequests { retry_after: Some(1) }).on("/Deals").times(1)),
        ("5xx", FaultRule::new(Fault::ServerError).on("/Stage_History").times(2)),
        ("token expiry", FaultRule::new(Fault::ExpireTokens).on("/Tasks").times(1)),
    ] {
        let env = Env::new(generate(&sales_spec())).await;
        env.sandbox.inject(rule);
        let r = env.sync().await.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(r.skipped.is_empty(), "{name}: {:?}", r.skipped);
        assert_sales_match(&env);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_run_reconciles_behind_the_mass_delete_guard() {
    let env = Env::new(generate(&sales_spec())).await;
    env.sync().await.unwrap();
    // Gone from Zoho without a trace in /deleted (purged from the recycle bin): a full run finds out.
    let few = env.sandbox.org(|o| {
        let id = o.deals()[0].id.clone();
        o.sales.deals.remove(&id);
        id
    });
    let r = env.sync_full().await.unwrap();
    // Every listed deal is written again, but only a change is counted: the one gone.
    assert_eq!(r.deals, 1, "{}", r.sales_summary());
    assert!(!load(&env).deals.iter().any(|d| d.id == few));
    assert_sales_match(&env);
    // Most of them vanishing at once is refused, and nothing changes.
    let before = load(&env);
    env.sandbox.org(|o| {
        let ids: Vec<String> = o.sales.accounts.keys().take(15).cloned().collect();
        for id in ids {
            o.sales.accounts.remove(&id);
        }
    });
    let err = env.sync_full().await.unwrap_err().to_string();
    assert!(err.contains("refusing to delete 15 of the 20 Accounts"), "{err}");
    assert_eq!(load(&env), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stage_mapping_refused_is_a_warning_and_the_stored_one_stays() {
    let env = Env::new(generate(&sales_spec())).await;
    env.sync().await.unwrap();
    assert_eq!(load(&env).stage_meta.len(), DEAL_STAGES.len());
    env.sandbox.set_granted_scopes(
        "ZohoCRM.modules.leads.READ ZohoCRM.modules.deals.READ ZohoCRM.modules.calls.READ ZohoCRM.modules.tasks.READ \
         ZohoCRM.modules.events.READ ZohoCRM.modules.accounts.READ ZohoCRM.modules.contacts.READ ZohoCRM.users.READ",
    );
    env.sandbox.org(|o| {
        let id = o.deals()[0].id.clone();
        o.edit_deal(&id, |d| d.amount = Some(1.0));
    });
    let r = env.sync().await.unwrap();
    assert!(
        r.warnings.iter().any(|w| w.contains("ZohoCRM.settings.fields.READ") && w.contains("kept")),
        "{:?}",
        r.warnings
    );
    assert_eq!(load(&env).stage_meta.len(), DEAL_STAGES.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_module_the_token_may_not_read_is_kept_with_a_warning_even_by_a_full_run() {
    let env = Env::new(generate(&sales_spec())).await;
    env.sync().await.unwrap();
    let before = load(&env);
    // A refresh token from before the sales side: no Deals scope (everything else granted).
    env.sandbox.set_granted_scopes(
        "ZohoCRM.modules.leads.READ ZohoCRM.modules.calls.READ ZohoCRM.modules.tasks.READ ZohoCRM.modules.events.READ \
         ZohoCRM.modules.accounts.READ ZohoCRM.modules.contacts.READ ZohoCRM.settings.fields.READ ZohoCRM.users.READ",
    );
    for full in [false, true] {
        let r = if full { env.sync_full().await } else { env.sync().await }.unwrap();
        let w = r
            .warnings
            .iter()
            .find(|w| w.starts_with("Deals were not read"))
            .unwrap_or_else(|| panic!("{:?}", r.warnings));
        assert!(w.contains("ZohoCRM.modules.deals.READ") && w.contains("the Deals held here are kept"), "{w}");
        assert_eq!(load(&env).deals, before.deals, "full: {full}");
        assert_eq!(load(&env).stages, before.stages, "full: {full}");
    }
    assert_matches_org(&env);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stage_mapping_is_read_again_after_a_day_even_when_no_deal_changed() {
    let env = Env::new(generate(&sales_spec())).await;
    env.sync().await.unwrap();
    let read_at = |hours: i64| {
        let t = panopticon::time::utc_text(chrono::Utc::now() - chrono::Duration::hours(hours));
        store::set_watermark(&env.conn(), store::STAGE_META_READ, &t).unwrap();
    };
    read_at(23);
    let r = env.sync().await.unwrap();
    assert!(!r.calls.contains_key("settings/fields"), "fresh: not read, {:?}", r.calls);
    read_at(25);
    let r = env.sync().await.unwrap();
    assert_eq!(r.calls.get("settings/fields"), Some(&1), "a day old: read once more");
    assert_eq!(r.api_calls(), 18);
    let r = env.sync().await.unwrap();
    assert!(!r.calls.contains_key("settings/fields"), "and fresh again: {:?}", r.calls);
}
