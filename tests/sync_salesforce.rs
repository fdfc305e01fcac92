//! The sync against the Salesforce sandbox on 127.0.0.1, through the real Salesforce client —
//! the bar the Zoho sync meets (`sync_sandbox`, `sync_sales`, `sync_safety`): the org row for
//! row, incremental runs after every kind of edit, a no-change run's exact calls, the missed
//! delete log reconciled (and the guard refusing a mass delete), every fault leaving the last
//! good data and saying so, and no secret in an error or the database.

mod common;
#[path = "sync_salesforce/harness.rs"]
mod harness;
#[path = "sync_salesforce/sales_truth.rs"]
mod sales_truth;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::NaiveDate;
use harness::*;
use panopticon::store;
use panopticon::sync::{RunOptions, SyncError};
use panopticon_sandbox::salesforce::{SfFault, SfFaultRule, CLIENT_SECRET, REFRESH_TOKEN};
use panopticon_sandbox::{generate, SalesSpec, Spec};
use sales_truth::*;

fn sales_spec() -> Spec {
    Spec { sales: SalesSpec { deals: 60, activities: 300, accounts: 20, contacts: 40 }, ..common::spec(500, 250, 400) }
}

/// Lets the org's clock move on, so the next run's delete log has a window to read.
fn later(env: &SfEnv, minutes: i64) {
    env.sandbox.org(|o| o.advance(chrono::Duration::minutes(minutes)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_sync_reproduces_the_org_row_for_row() {
    let env = SfEnv::new(generate(&sales_spec())).await;
    let r = env.sync().await.unwrap();
    assert!(r.skipped.is_empty(), "{:?}", r.skipped);
    assert_matches_org(&env);
    assert_sales_match(&env);
    assert_eq!(r.created, 500);
    // Stage histories come 200 leads (opportunities) to a query, not one request each.
    let open = env.sandbox.org(|o| {
        let t = common::truth(o, &panopticon::config::AppointmentSource::Events);
        common::open_appointed(o, &t, &env.settings.rules).len()
    });
    let lead_history =
        env.data_paths().iter().filter(|p| p.contains("FROM+LeadHistory") || p.contains("FROM%20LeadHistory")).count();
    assert_eq!(r.timeline_reads as usize, open);
    assert_eq!(lead_history, open.div_ceil(200), "LeadHistory queries for {open} leads");
    let deals = env.sandbox.org(|o| o.deals().len());
    assert_eq!(r.deal_histories as usize, deals);
    // The API usage Salesforce reported is kept for /status.
    let usage = panopticon::sync::stored_api_usage(&env.conn()).unwrap().unwrap();
    assert_eq!((usage.used, usage.max), (env.sandbox.api_usage(), 15_000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_with_nothing_new_costs_one_query_per_listing_and_one_delete_log_read_each() {
    let env = SfEnv::new(generate(&sales_spec())).await;
    env.sync().await.unwrap();
    let before = env.fingerprint();
    let sales_before = store::load_sales(&env.conn()).unwrap();
    later(&env, 10);
    env.sandbox.clear_requests();
    let r = env.sync().await.unwrap();
    assert_eq!((r.created, r.updated, r.deleted, r.stage_changes, r.appointments), (0, 0, 0, 0, 0));
    // The 2-minute overlap re-sends the records at the newest SystemModstamp: the same
    // versions, neither written nor counted, no history read, nothing changed.
    assert_eq!((r.deals, r.activities, r.accounts, r.contacts), (0, 0, 0, 0), "{}", r.sales_summary());
    assert_eq!(r.deal_histories, 0);
    // Only the delete logs' watermarks moved on (to the org's later clock).
    let data = |dump: &str| dump.lines().filter(|l| !l.starts_with("sync_state|")).collect::<Vec<_>>().join("\n");
    assert_eq!(data(&env.fingerprint()), data(&before));
    let moved: Vec<String> = env.fingerprint().lines().filter(|l| !before.contains(*l)).map(String::from).collect();
    // (the dump shows text as bytes: eight delete logs — Leads, appointments and six sales ones)
    assert!(moved.len() == 8 && moved.iter().all(|l| l.starts_with("sync_state|")), "{moved:#?}");
    assert_eq!(store::load_sales(&env.conn()).unwrap(), sales_before);
    let calls: BTreeMap<&str, u64> = r.calls.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    println!("no-change calls: {calls:?}");
    assert_eq!(calls, expected_no_change_calls(), "{:#?}", env.data_paths());
    assert_eq!(r.api_calls() as usize, env.data_paths().len(), "{:#?}", env.data_paths());
}

/// The API-call minimum of a run with nothing new, per endpoint: one query per listing
/// (Users; Lead; Event twice — the leads' appointments and the meetings; Opportunity; Task
/// twice — calls and tasks; Account; Contact) and one delete-log read per listed object.
fn expected_no_change_calls() -> BTreeMap<&'static str, u64> {
    BTreeMap::from([
        ("User", 1),
        ("Lead", 1),
        ("Lead/deleted", 1),
        ("Event", 2),
        ("Event/deleted", 2),
        ("Opportunity", 1),
        ("Opportunity/deleted", 1),
        ("Task", 2),
        ("Task/deleted", 2),
        ("Account", 1),
        ("Account/deleted", 1),
        ("Contact", 1),
        ("Contact/deleted", 1),
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incremental_sync_follows_edits_deletes_conversions_and_owner_changes() {
    let env = SfEnv::new(generate(&sales_spec())).await;
    env.sync().await.unwrap();
    let (open, new_owner) = env.sandbox.org(|o| {
        let t = common::truth(o, &panopticon::config::AppointmentSource::Events);
        let open: Vec<String> = common::open_appointed(o, &t, &env.settings.rules).into_iter().collect();
        (open, o.users[3].id.clone())
    });
    let (moved, deleted, converted, edited, reowned) = (&open[0], &open[1], &open[2], &open[3], &open[4]);
    let (new_lead, moved_deal, gone_deal, done_task) = env.sandbox.org(|o| {
        o.set_stage(moved, "Proposal", 1);
        o.delete_lead(deleted);
        o.convert_lead(converted);
        o.edit_lead(edited, |l| l.company = Some("Renamed Café & Co".into()));
        o.reassign_lead(reowned, &new_owner);
        let new_lead = o.add_lead("Zoë", "Ångström", "東京 Vending Hub", 2);
        let past = o.now - chrono::Duration::days(2);
        o.add_appointment(&new_lead, past);
        let deals: Vec<String> =
            o.deals().into_iter().filter(|d| !d.stage.starts_with("Closed")).map(|d| d.id.clone()).collect();
        o.set_deal_stage(&deals[0], "Closed Won", 1);
        o.delete_deal(&deals[1]);
        let t = o.tasks.iter().find(|t| t.closed.is_none()).unwrap().id.clone();
        o.complete_task(&t);
        o.add_account("Newco", Some("Retail"), 2);
        o.advance(chrono::Duration::minutes(5));
        (new_lead, deals[0].clone(), deals[1].clone(), t)
    });
    let r = env.sync().await.unwrap();
    assert!(r.skipped.is_empty(), "{:?}", r.skipped);
    assert_matches_org(&env);
    assert_sales_match(&env);
    assert_eq!((r.created, r.deleted), (1, 1));
    let c = env.conn();
    assert!(store::get_lead(&c, &lead(deleted)).unwrap().is_none());
    assert!(store::get_lead(&c, &lead(converted)).unwrap().unwrap().converted);
    assert_eq!(store::get_lead(&c, &lead(reowned)).unwrap().unwrap().locator.map(|u| u.id), Some(user(&new_owner)));
    assert!(store::get_lead(&c, &lead(&new_lead)).unwrap().is_some());
    let s = store::load_sales(&c).unwrap();
    assert_eq!(s.deals.iter().find(|d| d.id == deal(&moved_deal)).unwrap().stage, "Closed Won");
    assert!(!s.deals.iter().any(|d| d.id == deal(&gone_deal)));
    let t = s.activities.iter().find(|a| a.id == format!("Tasks:{}", task(&done_task))).unwrap();
    assert!(t.completed_at.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missed_delete_log_is_reconciled_and_the_run_says_so() {
    let env = SfEnv::new(generate(&sales_spec())).await;
    env.sync().await.unwrap();
    let (gone_lead, gone_deal) = env.sandbox.org(|o| {
        let l = o.leads.keys().next().unwrap().clone();
        o.delete_lead(&l);
        let d = o.deals()[0].id.clone();
        o.delete_deal(&d);
        (l, d)
    });
    // Sixteen days without a sync: the 15-day delete log no longer reaches back.
    later(&env, 16 * 24 * 60);
    let r = env.sync().await.unwrap();
    let c = env.conn();
    assert!(store::get_lead(&c, &lead(&gone_lead)).unwrap().is_none());
    assert!(!store::load_sales(&c).unwrap().deals.iter().any(|d| d.id == deal(&gone_deal)));
    assert_matches_org(&env);
    assert_sales_match(&env);
    let held = env.sandbox.org(|o| o.leads.len());
    let want = format!(
        "Salesforce's delete log no longer reaches back to the last sync (Leads): checked all {held} ids it still has \
         against the {} held here; 1 deleted",
        held + 1
    );
    assert!(r.warnings.contains(&want), "{:#?}", r.warnings);
    assert!(r.warnings.iter().any(|w| w.contains("(Deals)") && w.ends_with("; 1 deleted")), "{:#?}", r.warnings);
    // The warning is kept with the run, for /status and the log.
    assert!(store::last_run(&c).unwrap().unwrap().warnings.contains(&want));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconcile_that_would_delete_most_leads_is_refused_and_changes_nothing() {
    let env = SfEnv::new(generate(&common::spec(200, 50, 150))).await;
    env.sync().await.unwrap();
    let before = env.fingerprint();
    env.sandbox.org(|o| {
        let ids: Vec<String> = o.leads.keys().take(60).cloned().collect();
        for id in &ids {
            o.delete_lead(id);
        }
    });
    env.sandbox.purge_deleted();
    later(&env, 10);
    let e = env.sync().await.unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, SyncError::MassDelete { .. }), "{text}");
    assert!(
        text.starts_with("refusing to delete 60 of the 200 Leads held here: Salesforce listed 140 as still there"),
        "{text}"
    );
    assert!(text.contains("If they really were deleted in Salesforce"), "{text}");
    assert_eq!(env.fingerprint(), before, "a refused reconcile changes nothing");
    // Told to, it goes ahead.
    let opts = RunOptions { full: true, allow_mass_delete: true, ..RunOptions::default() };
    env.sync_with(opts).await.unwrap();
    assert_matches_org(&env);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_faults_end_in_a_correct_sync() {
    for (name, rule) in [
        ("expired session", SfFaultRule::new(SfFault::ExpireTokens).on("/query")),
        ("503 once", SfFaultRule::new(SfFault::ServerUnavailable).on("/query").times(2)),
        ("503 html", SfFaultRule::new(SfFault::UnavailableHtml).after(3)),
        ("500 once", SfFaultRule::new(SfFault::UnknownException).after(5)),
        ("concurrent limit", SfFaultRule::new(SfFault::ConcurrentRequestsLimit).after(2)),
        ("query timeout", SfFaultRule::new(SfFault::QueryTimeout).after(4)),
        ("dropped connection", SfFaultRule::new(SfFault::DropConnection).after(1)),
    ] {
        let env = SfEnv::new(generate(&sales_spec())).await;
        env.sandbox.set_max_page(200);
        env.sandbox.inject(rule);
        let r = env.sync().await.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(r.skipped.is_empty(), "{name}: {:?}", r.skipped);
        assert_matches_org(&env);
        assert_sales_match(&env);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_cursor_restarts_its_query() {
    let env = SfEnv::new(generate(&sales_spec())).await;
    env.sandbox.set_max_page(200);
    env.sandbox.inject(SfFaultRule::new(SfFault::InvalidQueryLocator).on("/query/"));
    env.sync().await.unwrap();
    assert_matches_org(&env);
    assert_sales_match(&env);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persistent_faults_fail_cleanly_keep_the_last_good_data_and_say_so() {
    let cases: Vec<(&str, SfFaultRule, &str)> = vec![
        ("server down", SfFaultRule::new(SfFault::ServerUnavailable).on("/query").always(), "Salesforce"),
        ("html 503", SfFaultRule::new(SfFault::UnavailableHtml).always(), "Salesforce"),
        ("500", SfFaultRule::new(SfFault::UnknownException).on("/sobjects/Opportunity/deleted").always(), "Salesforce"),
        ("daily limit", SfFaultRule::new(SfFault::TotalRequestsLimit).after(3).always(), "TotalRequests"),
        ("not for REST", SfFaultRule::new(SfFault::SessionNotForRest).always(), "REST API"),
        ("sessions always expire", SfFaultRule::new(SfFault::ExpireTokens).always(), "Salesforce"),
        ("malformed JSON", SfFaultRule::new(SfFault::MalformedJson).on("/query").always(), "Salesforce"),
        ("slow", SfFaultRule::new(SfFault::Slow(Duration::from_secs(30))).on("/query").after(4).always(), "Salesforce"),
        (
            "redirect",
            SfFaultRule::new(SfFault::RedirectTo("http://127.0.0.1:9".into())).after(2).always(),
            "Salesforce",
        ),
        ("dropped", SfFaultRule::new(SfFault::DropConnection).on("/sobjects/Contact/deleted").always(), "Salesforce"),
    ];
    let env = SfEnv::new(generate(&sales_spec())).await;
    env.sync().await.unwrap();
    let good = env.fingerprint();
    for (name, rule, says) in cases {
        // Something changed, so a run that got through would write.
        env.sandbox.org(|o| {
            let id = o.leads.keys().next().unwrap().clone();
            o.edit_lead(&id, |l| l.company = Some(format!("Edited for {name}")));
            o.advance(chrono::Duration::minutes(5));
        });
        env.sandbox.clear_faults();
        env.sandbox.inject(rule);
        let e = env.sync().await.expect_err(name);
        let text = e.to_string();
        assert!(text.contains(says), "{name}: {text}");
        assert!(!text.contains("Zoho"), "{name} names Zoho: {text}");
        for secret in secrets(&env) {
            assert!(!text.contains(&secret), "{name}: a secret in the error");
        }
        assert_eq!(env.fingerprint(), good, "{name}: the last good data changed");
        let last = store::last_run(&env.conn()).unwrap().unwrap();
        assert!(!last.ok && last.error.as_deref() == Some(text.as_str()), "{name}: {last:?}");
    }
    env.sandbox.clear_faults();
    env.sync().await.unwrap();
    assert_matches_org(&env);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_refused_are_a_warning_and_the_stored_ones_stay() {
    let env = SfEnv::new(generate(&common::spec(100, 30, 80))).await;
    env.sync().await.unwrap();
    let roles =
        |env: &SfEnv| -> i64 { env.conn().query_row("SELECT count(*) FROM crm_roles", [], |r| r.get(0)).unwrap() };
    let held = roles(&env);
    assert!(held > 0);
    env.sandbox.refuse_roles(true);
    env.sandbox.org(|o| {
        let u = o.users[1].id.clone();
        o.rename_user(&u, "Renamed", "User");
    });
    later(&env, 5);
    let r = env.sync().await.unwrap();
    assert!(r.warnings.iter().any(|w| w.contains("roles were not read")), "{:#?}", r.warnings);
    assert_eq!(roles(&env), held);
}

/// Every secret in play: the client secret, the refresh token and each access token issued.
fn secrets(env: &SfEnv) -> Vec<String> {
    let mut s = vec![CLIENT_SECRET.to_string(), REFRESH_TOKEN.to_string()];
    s.extend(env.sandbox.issued_tokens());
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_the_database() {
    let env = SfEnv::new(generate(&sales_spec())).await;
    env.sync().await.unwrap();
    env.sandbox.inject(SfFaultRule::new(SfFault::ExpireTokens));
    later(&env, 5);
    env.sync().await.unwrap();
    env.sandbox.inject(SfFaultRule::new(SfFault::SessionNotForRest).always());
    env.sync().await.unwrap_err();
    let tokens = env.sandbox.issued_tokens();
    assert!(tokens.len() >= 2, "a refresh happened: {}", tokens.len());
    drop(env.conn());
    let mut bytes = Vec::new();
    for suffix in ["", "-wal"] {
        if let Ok(b) = std::fs::read(format!("{}{suffix}", env.store.path().display())) {
            bytes.extend(b);
        }
    }
    let text = String::from_utf8_lossy(&bytes);
    for s in secrets(&env) {
        assert!(!text.contains(&s), "secret {:.8}… in the database", s);
    }
}

#[test]
fn the_dates_in_this_file_are_the_harness_clock() {
    // The harness's org is made at common::now(); a date-only check would drift otherwise.
    assert_eq!(common::now().date_naive(), NaiveDate::from_ymd_opt(2026, 11, 20).unwrap());
}

/// The API-call minimum of a first sync, measured (docs/BENCHMARKS.md, "Salesforce sync"): a
/// listing costs a query plus one `nextRecordsUrl` per further page (Salesforce serves 500–2,000
/// records a page for the asked 2,000), stage histories one query per 200 leads or
/// opportunities, the role tree and the stage mapping one query each. Prints the table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_sync_costs_the_api_call_minimum() {
    let spec = Spec {
        sales: SalesSpec { deals: 1_000, activities: 6_000, accounts: 300, contacts: 600 },
        ..Spec::scaled(2026, 10_000, common::now())
    };
    let env = SfEnv::new(generate(&spec)).await;
    let (counts, open, deals, rows) = env.sandbox.org(|o| {
        let t = common::truth(o, &panopticon::config::AppointmentSource::Events);
        let open = common::open_appointed(o, &t, &env.settings.rules);
        let lead_rows: usize = open.iter().map(|l| o.stage_history(l).len()).sum();
        let deal_rows: usize = o.deals().iter().map(|d| o.deal_history(&d.id).len()).sum();
        let open = open.len();
        let counts: BTreeMap<&'static str, usize> = BTreeMap::from([
            ("User", o.users.len()),
            ("Lead", o.leads.len()),
            ("Event", o.events.len()),
            ("Opportunity", o.deals().len()),
            ("Task", o.calls().len() + o.tasks.len()),
            ("Account", o.accounts().len()),
            ("Contact", o.contacts().len()),
        ]);
        (counts, open, o.deals().len(), [("LeadHistory", lead_rows), ("OpportunityHistory", deal_rows)])
    });
    let t0 = std::time::Instant::now();
    let r = env.sync().await.unwrap();
    let took = t0.elapsed();
    let made: BTreeMap<&str, u64> = r.calls.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    // The least a first sync can make: one query per listing at 2,000 a page (Event and Task
    // are each listed twice: appointments and meetings; calls and tasks), 200 ids per history
    // query, one for the roles and one for the stage mapping; no delete log (nothing to ask).
    let pages = |n: usize| (n as u64).div_ceil(2_000).max(1);
    let mut minimum: BTreeMap<&str, u64> = counts.iter().map(|(k, n)| (*k, pages(*n))).collect();
    *minimum.get_mut("Event").unwrap() *= 2;
    *minimum.get_mut("Task").unwrap() = env.sandbox.org(|o| pages(o.calls().len()) + pages(o.tasks.len()));
    // A history query pages too when its 200 records have more than a page of rows.
    let batches = |n: usize, rows: usize| (n as u64).div_ceil(200).max(pages(rows));
    minimum.insert("LeadHistory", batches(open, rows[0].1));
    minimum.insert("OpportunityHistory", batches(deals, rows[1].1));
    minimum.insert("UserRole", 1);
    minimum.insert("OpportunityStage", 1);
    println!("\n| endpoint | records (rows) | calls made | minimum |\n|---|---|---|---|");
    for (k, min) in &minimum {
        let row = rows.iter().find(|(r, _)| r == k).map(|(_, n)| format!("({n})"));
        let records = counts.get(k).map(|n| n.to_string()).or(row).unwrap_or_default();
        println!("| {k} | {records} | {} | {min} |", made.get(k).copied().unwrap_or(0));
    }
    let (total, least): (u64, u64) = (made.values().sum(), minimum.values().sum());
    println!(
        "| **total** | | {total} | {least} |\nfirst sync {:.1} s (debug build); {open} open appointed leads",
        took.as_secs_f64()
    );
    // Nothing but the listed endpoints was called; histories and the small reads are at their minimum.
    assert_eq!(made.keys().collect::<Vec<_>>(), minimum.keys().collect::<Vec<_>>(), "{made:?}");
    for k in ["UserRole", "OpportunityStage"] {
        assert_eq!(made[k], minimum[k], "{k}");
    }
    // A listing's (a history query's) pages follow Salesforce's page sizes: at least 500 a page.
    for (k, n) in counts.iter().map(|(k, n)| (*k, *n)).chain(rows) {
        let queries = match k {
            "Event" | "Task" => 2,
            "LeadHistory" => (open as u64).div_ceil(200),
            "OpportunityHistory" => (deals as u64).div_ceil(200),
            _ => 1,
        };
        assert!(
            made[k] >= minimum[k] && made[k] <= (n as u64).div_ceil(500) + queries,
            "{k}: {} calls for {n}",
            made[k]
        );
    }
}
