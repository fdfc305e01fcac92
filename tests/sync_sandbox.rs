//! The real Zoho client and sync against the sandbox on 127.0.0.1: full, incremental,
//! idempotent, and what happens under every fault the sandbox can throw.

mod common;

use std::time::Duration;

use common::*;
use panopticon::config::AppointmentSource;
use panopticon::store;
use panopticon_sandbox::{generate, Fault, FaultRule};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_sync_reproduces_the_org_row_for_row() {
    // 2,300 leads: past the 2,000 that `page` can reach, so page_token paging is exercised.
    let env = Env::new(generate(&spec(2_300, 400, 1_200))).await;
    let r = env.sync().await.unwrap();
    assert_matches_org(&env);
    assert_eq!(r.created, 2_300);
    assert!(r.skipped.is_empty(), "{:?}", r.skipped);

    // Paging followed Zoho's rules: pages 1..10, then tokens; never page 11.
    let lead_calls: Vec<String> = env.paths().into_iter().filter(|p| p.starts_with("GET /crm/v7/Leads?")).collect();
    assert_eq!(lead_calls.len(), 12, "ceil(2300 / 200) list calls: {lead_calls:#?}");
    assert!(lead_calls.iter().any(|p| p.contains("page=10 ") || p.contains("page=10&")));
    assert!(!lead_calls.iter().any(|p| p.contains("page=11")));
    assert!(lead_calls.iter().filter(|p| p.contains("page_token=")).count() == 2);
    assert!(lead_calls.iter().all(|p| p.contains("converted=both") && p.ends_with(" 200")));

    // The timeline was read for exactly the open appointed leads — no other lead.
    let want = env.sandbox.org(|o| open_appointed(o, &truth(o, &AppointmentSource::Events), &env.settings.rules));
    let read: std::collections::BTreeSet<String> = env
        .paths()
        .into_iter()
        .filter(|p| p.contains("__timeline") && p.contains("per_page"))
        .map(|p| p.split('/').nth(4).unwrap().to_string())
        .collect();
    assert_eq!(read, want);
    assert_eq!(r.calls["__timeline"] as usize, want.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_changes_nothing_and_costs_only_not_modified() {
    let env = Env::new(generate(&spec(600, 150, 450))).await;
    env.sync().await.unwrap();
    let before = env.fingerprint();
    env.sandbox.clear_requests();
    let r = env.sync().await.unwrap();
    assert_eq!((r.created, r.updated, r.deleted, r.stage_changes, r.appointments), (0, 0, 0, 0, 0));
    assert_eq!(env.fingerprint(), before);
    // One call per listing, each answered 304 (or 204 when the module is empty): the five of the
    // lead side, and the six sales listings with their /deleted (Events is listed twice: as the
    // leads' appointments and as meetings, see sync/sales.rs).
    let api: Vec<String> = env.paths().into_iter().filter(|p| p.contains("/crm/")).collect();
    assert_eq!(api.len(), 17, "{api:#?}");
    assert!(api.iter().all(|p| p.ends_with(" 304") || p.ends_with(" 204")), "{api:#?}");
    assert_eq!(r.api_calls(), 17);
    assert!(r.calls.iter().all(|(k, n)| *n == if k.starts_with("Events") { 2 } else { 1 }), "{:?}", r.calls);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_sync_follows_edits_deletes_conversions_and_stage_changes() {
    let env = Env::new(generate(&spec(900, 250, 700))).await;
    env.sync().await.unwrap();

    // Pick leads by role from the truth.
    let (open, unappointed) = env.sandbox.org(|o| {
        let t = truth(o, &AppointmentSource::Events);
        let open: Vec<String> = open_appointed(o, &t, &env.settings.rules).into_iter().collect();
        let appointed: std::collections::BTreeSet<&String> = t.appointments.values().map(|(l, _)| l).collect();
        // Unappointed and still open ("New"): a closed lead's history is never read.
        let un: Vec<String> = o
            .leads
            .values()
            .filter(|l| !appointed.contains(&l.id) && l.status.as_deref() == Some("New"))
            .map(|l| l.id.clone())
            .collect();
        (open, un)
    });
    let (moved, deleted, converted, edited) = (&open[0], &open[1], &open[2], &open[3]);
    let (silent, newly_appointed) = (&unappointed[0], &unappointed[1]);
    let (new_lead, rescheduled, removed_event, relinked) = env.sandbox.org(|o| {
        o.set_stage(moved, "Proposal", 1);
        o.delete_lead(deleted);
        o.convert_lead(converted);
        o.edit_lead(edited, |l| l.company = Some("Renamed Café & Co".into()));
        o.set_stage_silently(silent, "Dead");
        let start = o.now + chrono::Duration::days(3);
        o.add_appointment(newly_appointed, start);
        let new_lead = o.add_lead("Zoë", "Ångström", "東京 Vending Hub", 2);
        let past = o.now - chrono::Duration::days(2);
        o.add_appointment(&new_lead, past);
        let evs: Vec<String> = o.event_appointments().iter().map(|(e, _)| e.id.clone()).collect();
        let (a, b, c) = (evs[10].clone(), evs[20].clone(), evs[30].clone());
        o.reschedule_event(&a, o.now + chrono::Duration::days(1));
        o.delete_event(&b);
        o.relink_event_to_account(&c);
        o.advance(chrono::Duration::minutes(5));
        (new_lead, a, b, c)
    });
    env.sandbox.clear_requests();
    let r = env.sync().await.unwrap();
    assert_matches_org(&env);
    assert_eq!(r.created, 1);
    assert_eq!(r.deleted, 1);
    assert!(r.updated >= 5, "{r:?}");

    let c = env.conn();
    // The silent change (no timeline entry) was observed: New → Dead at the edit time.
    let observed = store::changes_of(&c, silent).unwrap();
    assert_eq!(observed.len(), 1);
    assert_eq!(observed[0].source, store::ChangeSource::Observed);
    assert_eq!((observed[0].change.from.as_deref(), observed[0].change.to.as_deref()), (Some("New"), Some("Dead")));
    // The deleted lead took its appointments and history with it.
    assert!(store::get_lead(&c, deleted).unwrap().is_none());
    assert!(store::appointments_of(&c, deleted).unwrap().is_empty());
    assert!(store::changes_of(&c, deleted).unwrap().is_empty());
    // Appointment changes.
    assert!(store::appointment_leads(&c).unwrap().contains_key(&format!("Events:{rescheduled}")));
    assert!(!store::appointment_leads(&c).unwrap().contains_key(&format!("Events:{removed_event}")));
    assert!(!store::appointment_leads(&c).unwrap().contains_key(&format!("Events:{relinked}")));

    // Timeline reads: the moved and edited leads (Modified_Time moved), the newly appointed
    // lead and the new lead (history unknown). Not the converted one (closed now), not the
    // silently changed one (not appointed), not the deleted one.
    let mut read: Vec<String> = env
        .paths()
        .into_iter()
        .filter(|p| p.contains("__timeline"))
        .map(|p| p.split('/').nth(4).unwrap().to_string())
        .collect();
    read.sort();
    let mut want = vec![moved.clone(), edited.clone(), newly_appointed.clone(), new_lead.clone()];
    // A lead whose event moved to an account may have lost its only appointment, and a lead
    // whose event was rescheduled is unchanged: neither needs its history read again.
    want.sort();
    assert_eq!(read, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_resync_drops_what_the_crm_no_longer_lists() {
    let env = Env::new(generate(&spec(400, 100, 300))).await;
    env.sync().await.unwrap();
    // Purged past the recycle bin: gone from the list and from /deleted.
    let gone = env.sandbox.org(|o| {
        let id = o.leads.keys().nth(5).unwrap().clone();
        o.leads.remove(&id);
        o.version += 1;
        id
    });
    let r = env.sync().await.unwrap();
    assert_eq!(r.deleted, 0, "an incremental run cannot see a purge");
    let r = env.sync_full().await.unwrap();
    assert_eq!(r.deleted, 1);
    assert!(store::get_lead(&env.conn(), &gone).unwrap().is_none());
    assert_matches_org(&env);
}

/// Faults the client must ride out: the sync ends correct.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_faults_end_in_a_correct_sync() {
    let cases: Vec<(&str, Vec<FaultRule>)> = vec![
        (
            "429 burst with Retry-After",
            vec![FaultRule::new(Fault::TooManyRequests { retry_after: Some(1) }).after(2).times(2)],
        ),
        (
            "429 burst without Retry-After",
            vec![FaultRule::new(Fault::TooManyRequests { retry_after: None }).on("__timeline").times(4)],
        ),
        ("500s", vec![FaultRule::new(Fault::ServerError).on("/Leads").after(1).times(3)]),
        (
            "slow past the timeout",
            vec![FaultRule::new(Fault::Slow(Duration::from_millis(1500))).on("/Events").times(1)],
        ),
        ("dropped connections", vec![FaultRule::new(Fault::DropConnection).after(3).times(2)]),
        ("malformed JSON", vec![FaultRule::new(Fault::MalformedJson).on("/Leads").times(1)]),
        ("token expiry mid-run", vec![FaultRule::new(Fault::ExpireTokens).after(6).times(1)]),
    ];
    for (name, rules) in cases {
        let mut env = Env::new(generate(&spec(2_100, 120, 300))).await;
        env.zoho.timeout = Duration::from_millis(700);
        for r in rules {
            env.sandbox.inject(r);
        }
        let report = env.sync().await.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_matches_org(&env);
        assert!(report.skipped.is_empty(), "{name}");
        if name == "token expiry mid-run" {
            assert_eq!(env.sandbox.tokens_issued(), 2, "one refresh after INVALID_TOKEN, not one per request");
        }
    }
}

/// Faults that don't heal: the run fails with a clear error and the data is untouched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persistent_faults_fail_cleanly_and_change_nothing() {
    let cases: Vec<(&str, Option<FaultRule>, &str)> = vec![
        ("server down", Some(FaultRule::new(Fault::ServerError).always()), "server error 500"),
        (
            "always slow",
            Some(FaultRule::new(Fault::Slow(Duration::from_millis(900))).on("/Leads").always()),
            "timed out",
        ),
        (
            "connection keeps dropping",
            Some(FaultRule::new(Fault::DropConnection).on("__timeline").always()),
            "connection dropped",
        ),
        ("garbled replies", Some(FaultRule::new(Fault::MalformedJson).on("/Events").always()), "not valid JSON"),
        ("revoked refresh token", None, "ZOHO_REFRESH_TOKEN"),
    ];
    for (name, fault, expect) in cases {
        let mut env = Env::new(generate(&spec(500, 120, 300))).await;
        env.zoho.timeout = Duration::from_millis(400);
        env.zoho.max_retries = 2;
        env.sync().await.unwrap();
        let good = store::last_good_run(&env.conn()).unwrap().unwrap();
        // Something to sync, so a partial write would show.
        env.sandbox.org(|o| {
            let ids: Vec<String> = o.leads.keys().take(40).cloned().collect();
            for id in &ids {
                o.set_stage(id, "Follow Up", 0);
            }
            o.delete_lead(&ids[0]);
        });
        let before = env.fingerprint();
        match fault {
            Some(f) => env.sandbox.inject(f),
            None => env.sandbox.reject_refresh_token(true),
        }
        let err = env.sync().await.expect_err(name).to_string();
        assert!(err.contains(expect), "{name}: {err}");
        assert_eq!(env.fingerprint(), before, "{name}: the data changed");
        let c = env.conn();
        let last = store::last_run(&c).unwrap().unwrap();
        assert!(!last.ok, "{name}");
        assert_eq!(last.error.as_deref(), Some(err.as_str()));
        assert_eq!(store::last_good_run(&c).unwrap().unwrap().id, good.id, "{name}: the last good run is still known");
        assert_eq!(c.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0)).unwrap(), "ok");

        // Once the fault clears, the next run catches up completely.
        env.sandbox.clear_faults();
        env.sandbox.reject_refresh_token(false);
        env.sync().await.unwrap_or_else(|e| panic!("{name}: recovery: {e}"));
        assert_matches_org(&env);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn never_more_token_refreshes_than_zoho_allows() {
    let env = Env::new(generate(&spec(200, 50, 150))).await;
    // Every token dies at once: a naive client would refresh forever and get blocked.
    env.sandbox.inject(FaultRule::new(Fault::ExpireTokens).always());
    let err = env.sync().await.unwrap_err().to_string();
    assert!(err.contains("invalid oauth token") || err.contains("10 refreshes"), "{err}");
    assert!(env.sandbox.tokens_issued() <= 10, "issued {}", env.sandbox.tokens_issued());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_credentials_and_fields_get_actionable_errors() {
    let mut env = Env::new(generate(&spec(100, 20, 60))).await;
    env.zoho.client_id = "1000.WRONG".into();
    let err = env.sync().await.unwrap_err().to_string();
    assert!(err.contains("client_id") && err.contains("invalid_client"), "{err}");

    let mut env = Env::new(generate(&spec(100, 20, 60))).await;
    env.zoho.stage_field = "Lead_Stage".into();
    let err = env.sync().await.unwrap_err().to_string();
    assert!(err.contains("INVALID_DATA") && err.contains("Lead_Stage") && err.contains("[zoho.fields]"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_records_are_skipped_and_named_the_rest_syncs() {
    let org = generate(&spec(300, 80, 240));
    let env = Env::new(org).await;
    let (bad_date, no_id, nulls, bad_event, bad_entry) = env.sandbox.org(|o| {
        let ids: Vec<String> = o.leads.keys().cloned().collect();
        let t = truth(o, &AppointmentSource::Events);
        let open: Vec<String> = open_appointed(o, &t, &env.settings.rules).into_iter().collect();
        let l = |o: &mut panopticon_sandbox::Org, id: &str, k: &str, v: serde_json::Value| {
            o.leads.get_mut(id).unwrap().overrides.insert(k.into(), v);
        };
        l(o, &ids[3], "Modified_Time", serde_json::json!("yesterday-ish"));
        l(o, &ids[4], "id", serde_json::Value::Null);
        // Nulls where Zoho allows them are not errors.
        for k in ["Last_Name", "First_Name", "Full_Name", "Company", "Lead_Status", "Owner"] {
            l(o, &ids[5], k, serde_json::Value::Null);
        }
        let ev = o.event_appointments().iter().map(|(e, _)| e.id.clone()).nth(7).unwrap();
        o.events
            .get_mut(&ev)
            .unwrap()
            .overrides
            .insert("Start_DateTime".into(), serde_json::json!("2026-13-45T99:00:00"));
        let entry_lead = open[0].clone();
        let e = o
            .timeline
            .get_mut(&entry_lead)
            .unwrap()
            .iter_mut()
            .find(|e| e.changes.iter().any(|c| c.0 == "Lead_Status"))
            .unwrap();
        e.overrides.insert("audited_time".into(), serde_json::json!(42));
        (ids[3].clone(), ids[4].clone(), ids[5].clone(), ev, entry_lead)
    });
    let r = env.sync().await.unwrap();
    let named: Vec<String> = r.skipped.iter().map(|s| s.to_string()).collect();
    // The bad event is skipped twice: as a lead's appointment and as a meeting.
    assert_eq!(r.skipped.len(), 5, "{named:#?}");
    assert_eq!(r.skipped.iter().filter(|s| s.endpoint == "Events").count(), 2, "{named:#?}");
    assert!(named.iter().any(|s| s.contains(&bad_date) && s.contains("Modified_Time")), "{named:#?}");
    assert!(named.iter().any(|s| s.contains("without id")), "{named:#?}");
    assert!(named.iter().any(|s| s.contains(&bad_event) && s.contains("Start_DateTime")), "{named:#?}");
    assert!(named.iter().any(|s| s.contains(&bad_entry) && s.contains("audited_time")), "{named:#?}");
    let c = env.conn();
    assert!(store::get_lead(&c, &bad_date).unwrap().is_none());
    assert!(store::get_lead(&c, &no_id).unwrap().is_none());
    let n = store::get_lead(&c, &nulls).unwrap().unwrap();
    assert_eq!((n.full_name.as_str(), n.company, n.stage, n.locator), ("(no name)", None, None, None));
    assert_eq!(store::count_leads(&c).unwrap(), 298);
    // The run says what it skipped.
    let run = store::last_run(&c).unwrap().unwrap();
    assert_eq!(run.skipped, 5);
    assert!(run.warnings.contains(&bad_date));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_appointments_module_is_a_source_too() {
    let env = Env::with_source(generate(&spec(500, 120, 360)), AppointmentSource::Appointments).await;
    env.sync().await.unwrap();
    assert_matches_org(&env);
    let cancelled = env.sandbox.org(|o| {
        let id = o.appointments.values().find(|a| a.status == "Scheduled").unwrap().id.clone();
        o.cancel_appointment(&id);
        id
    });
    env.sync().await.unwrap();
    assert!(!store::appointment_leads(&env.conn()).unwrap().contains_key(&format!("Appointments__s:{cancelled}")));
    assert_matches_org(&env);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_field_on_the_lead_is_a_source_too() {
    let env = Env::with_source(generate(&spec(500, 120, 360)), AppointmentSource::Field("Appointment_At".into())).await;
    let r = env.sync().await.unwrap();
    assert_matches_org(&env);
    // Events are read as meetings only: never with the appointment listing's fields (no Who_Id).
    let events: Vec<String> = env.paths().into_iter().filter(|p| p.contains("/Events?")).collect();
    assert!(!events.is_empty() && events.iter().all(|p| p.contains("Who_Id")), "{events:#?}");
    assert_eq!(r.calls["Events"] as usize, events.len());
    // A date-only field is the start of that day in the business zone.
    let env =
        Env::with_source(generate(&spec(200, 50, 150)), AppointmentSource::Field("Appointment_Date".into())).await;
    env.sync().await.unwrap();
    let c = env.conn();
    let (start, all_day): (String, bool) =
        c.query_row("SELECT start_at, all_day FROM appointments LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert!(all_day);
    // Midnight in New York is 04:00 or 05:00 UTC.
    assert!(start.ends_with("T04:00:00Z") || start.ends_with("T05:00:00Z"), "{start}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_in_flight_never_exceed_the_configured_cap() {
    for cap in [1usize, 3, 5] {
        let mut env = Env::new(generate(&spec(300, 100, 300))).await;
        env.zoho.concurrency = cap;
        env.settings.concurrency = cap;
        // Slow replies make requests overlap, so a missing cap would show.
        env.sandbox.inject(FaultRule::new(Fault::Slow(Duration::from_millis(30))).on("__timeline").always());
        env.sync().await.unwrap();
        let max = env.sandbox.max_in_flight();
        assert!(max <= cap, "cap {cap}: {max} in flight");
        if cap > 1 {
            assert!(max > 1, "cap {cap}: the reads did run in parallel");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_timeline_is_read_page_by_page() {
    let env = Env::new(generate(&spec(200, 60, 180))).await;
    let lead = env.sandbox.org(|o| {
        let t = truth(o, &AppointmentSource::Events);
        let id = open_appointed(o, &t, &env.settings.rules).into_iter().next().unwrap();
        // 450 stage changes: three timeline pages of 200.
        for i in 0..450 {
            o.set_stage(&id, if i % 2 == 0 { "Follow Up" } else { "Proposal" }, i);
        }
        id
    });
    env.sync().await.unwrap();
    assert_matches_org(&env);
    let reads = env.paths().into_iter().filter(|p| p.contains(&format!("{lead}/__timeline"))).count();
    assert_eq!(reads, 3);
    assert!(store::changes_of(&env.conn(), &lead).unwrap().len() > 450);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_access_token_is_refreshed_before_it_expires() {
    let env = Env::new(generate(&spec(100, 20, 60))).await;
    // A 2-second token: the client refreshes once half its life is gone, before Zoho rejects it.
    env.sandbox.set_token_lifetime(2);
    let client = env.client();
    let settings = env.settings.clone();
    let sync = || panopticon::sync::run(&env.store, &client, &settings, false, &panopticon::sync::NoProgress);
    sync().await.unwrap();
    sync().await.unwrap();
    assert_eq!(env.sandbox.tokens_issued(), 1, "a live token is reused");
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    sync().await.unwrap();
    assert_eq!(env.sandbox.tokens_issued(), 2);
    assert!(env.paths().iter().all(|p| !p.ends_with(" 401")), "no request was made with a dying token");
}
