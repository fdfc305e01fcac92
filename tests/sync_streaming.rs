//! The sync whose cost grows with what changed: the history a run still owes is kept as data
//! (`history_due`), so a run that changed nothing reads nothing else; pages stream into the
//! run's one transaction, so a run that fails or is stopped mid-stream still changes nothing;
//! the modules are listed side by side within `[zoho] concurrency`; and over random edit
//! sequences the database still equals the org.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::*;
use panopticon::config::AppointmentSource;
use panopticon::store;
use panopticon::sync::{self, Interrupt, Progress, RunOptions, SyncError};
use panopticon_sandbox::{generate, Fault, FaultRule, Org};
use proptest::prelude::*;

/// The `__timeline` requests the sandbox answered since the last `clear_requests`, by lead.
fn timeline_reads(env: &Env) -> Vec<String> {
    let mut ids: Vec<String> = env
        .sandbox
        .requests()
        .into_iter()
        .filter_map(|r| r.path.strip_suffix("/__timeline").and_then(|p| p.rsplit('/').next()).map(str::to_string))
        .collect();
    ids.sort();
    ids
}

fn due(env: &Env) -> Vec<String> {
    store::history_due(&env.conn()).unwrap()
}

fn last_run(env: &Env) -> store::SyncRun {
    store::last_run(&env.conn()).unwrap().unwrap()
}

/// An open appointed lead, and one that has no appointment and is still `New`.
fn open_and_unbooked(env: &Env) -> (String, String) {
    env.sandbox.org(|o| {
        let t = truth(o, &AppointmentSource::Events);
        let open = open_appointed(o, &t, &env.settings.rules).into_iter().next().unwrap();
        let appointed: std::collections::BTreeSet<&String> = t.appointments.values().map(|(l, _)| l).collect();
        let unbooked = o
            .leads
            .values()
            .find(|l| !appointed.contains(&l.id) && l.status.as_deref() == Some("New"))
            .unwrap()
            .id
            .clone();
        (open, unbooked)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_timeline_is_owed_to_the_next_run_and_only_it() {
    let env = Env::new(generate(&spec(300, 100, 250))).await;
    env.sync().await.unwrap();
    assert_eq!(due(&env), Vec::<String>::new(), "a clean first run owes nothing");
    // A lead gets a meeting, then vanishes from Zoho for a while (its timeline refused, 400).
    let (_, lead) = open_and_unbooked(&env);
    let kept = env.sandbox.org(|o| {
        let at = o.now + chrono::Duration::days(2);
        o.add_appointment(&lead, at);
        o.advance(chrono::Duration::minutes(5));
        o.leads.remove(&lead).unwrap()
    });
    let r = env.sync().await.unwrap();
    assert_eq!(r.skipped.len(), 1, "{:?}", r.skipped);
    assert_eq!(due(&env), vec![lead.clone()], "the refused lead is owed");
    // Zoho has it again: the next run, with nothing else changed, reads that timeline and no other.
    env.sandbox.org(|o| {
        o.leads.insert(lead.clone(), kept);
    });
    env.sandbox.clear_requests();
    let r = env.sync().await.unwrap();
    assert_eq!(timeline_reads(&env), vec![lead.clone()]);
    assert_eq!((r.timeline_reads, r.skipped.len()), (1, 0));
    assert_eq!(due(&env), Vec::<String>::new(), "paid");
    assert!(store::get_lead(&env.conn(), &lead).unwrap().unwrap().history_known);
    env.sandbox.clear_requests();
    env.sync().await.unwrap();
    assert_eq!(timeline_reads(&env), Vec::<String>::new(), "and then nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_that_changed_nothing_looks_at_no_lead_beyond_what_is_owed() {
    let mut env = Env::new(generate(&spec(300, 100, 250))).await;
    env.sync().await.unwrap();
    // A lagging open appointed lead that `history_due` does not name (written here behind the
    // sync's back): only a run that walks every lead would find it.
    let (lead, _) = open_and_unbooked(&env);
    env.conn().execute("UPDATE leads SET history_synced_modified_at = NULL WHERE id = ?1", [&lead]).unwrap();
    env.sandbox.clear_requests();
    let r = env.sync().await.unwrap();
    assert_eq!((r.created, r.updated, r.deleted, r.appointments), (0, 0, 0, 0));
    assert_eq!(timeline_reads(&env), Vec::<String>::new(), "no lead was looked at beyond history_due");
    // Other closed stages change what "open" means: the next run finds the debt the slow way,
    // once — and so finds that lead.
    env.settings.rules.closed_stages.push("Archived".into());
    env.sandbox.clear_requests();
    env.sync().await.unwrap();
    assert_eq!(timeline_reads(&env), vec![lead.clone()], "recomputed under the new rules");
    env.sandbox.clear_requests();
    env.sync().await.unwrap();
    assert_eq!(timeline_reads(&env), Vec::<String>::new(), "recomputed once, not every run");
    assert_matches_org(&env);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_that_fails_on_its_last_page_changes_nothing() {
    let env = Env::new(generate(&spec(600, 150, 450))).await;
    env.sync().await.unwrap();
    // 450 edited leads: three pages of changes, the last of which Zoho never delivers.
    env.sandbox.org(|o| {
        let ids: Vec<String> = o.leads.keys().take(450).cloned().collect();
        for id in &ids {
            o.set_stage(id, "Proposal", 1);
        }
        o.advance(chrono::Duration::minutes(5));
    });
    let before = env.fingerprint();
    env.sandbox.inject(FaultRule::new(Fault::ServerError).on("/v7/Leads").after(2).always());
    let e = env.sync().await.unwrap_err();
    assert!(matches!(e, SyncError::Crm(_)), "{e}");
    assert_eq!(env.fingerprint(), before, "two pages were written in the run's transaction, and rolled back");
    let run = last_run(&env);
    assert_eq!((run.ok, run.error), (false, Some(e.to_string())));
    env.sandbox.clear_faults();
    assert_eq!(env.sync().await.unwrap().updated, 450);
    assert_matches_org(&env);
}

/// Triggers the interrupt once the leads listing has handed on its first page.
struct StopAfterFirstPage(Interrupt, AtomicBool);
impl Progress for StopAfterFirstPage {
    fn phase(&self, _: &str, _: Option<u64>) {}
    fn advance(&self, done: u64) {
        if done >= 200 && !self.1.swap(true, Ordering::SeqCst) {
            self.0.trigger("SIGTERM");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupt_mid_stream_changes_nothing_and_is_recorded() {
    let env = Env::new(generate(&spec(600, 150, 450))).await;
    let before = env.fingerprint();
    // Slow pages, so the stop comes while the listing is still streaming.
    env.sandbox.inject(FaultRule::new(Fault::Slow(Duration::from_millis(50))).on("/v7/Leads").always());
    let interrupt = Interrupt::new();
    let opts = RunOptions { interrupt: interrupt.clone(), ..RunOptions::default() };
    let progress = StopAfterFirstPage(interrupt, AtomicBool::new(false));
    let e = sync::run_with(&env.store, &env.client(), &env.settings, &opts, &progress).await.unwrap_err();
    assert_eq!(e.to_string(), "interrupted by SIGTERM");
    assert_eq!(env.fingerprint(), before, "nothing of the first page is left");
    assert_eq!(last_run(&env).error.as_deref(), Some("interrupted by SIGTERM"));
    env.sandbox.clear_faults();
    env.sync().await.unwrap();
    assert_matches_org(&env);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modules_are_listed_side_by_side_within_the_cap() {
    for cap in [1usize, 3] {
        // No meetings, so no timeline reads: whatever overlaps is the listings.
        let mut env = Env::new(generate(&spec(600, 0, 0))).await;
        env.zoho.concurrency = cap;
        env.settings.concurrency = cap;
        for module in ["/v7/Leads", "/v7/Events", "/v7/users"] {
            env.sandbox.inject(FaultRule::new(Fault::Slow(Duration::from_millis(40))).on(module).always());
        }
        env.sync().await.unwrap();
        let max = env.sandbox.max_in_flight();
        assert!(max <= cap, "cap {cap}: {max} in flight");
        if cap > 1 {
            // One listing reads one page at a time: more than one in flight is modules overlapping.
            assert!(max > 1, "cap {cap}: the modules were listed one after another");
        }
        assert_matches_org(&env);
    }
}

/// One edit of the org between two runs.
#[derive(Clone, Debug)]
enum Edit {
    Stage(usize, &'static str),
    Silently(usize, &'static str),
    Rename(usize),
    Convert(usize),
    Delete(usize),
    Book(usize),
    DropMeeting(usize),
    /// The next run is a full one.
    Full,
}

fn edit() -> impl Strategy<Value = Edit> {
    let stage = prop::sample::select(vec!["New", "Appt Set", "Follow Up", "Proposal", "Dead", "Junk Lead"]);
    prop_oneof![
        (any::<usize>(), stage.clone()).prop_map(|(i, s)| Edit::Stage(i, s)),
        (any::<usize>(), stage).prop_map(|(i, s)| Edit::Silently(i, s)),
        any::<usize>().prop_map(Edit::Rename),
        any::<usize>().prop_map(Edit::Convert),
        any::<usize>().prop_map(Edit::Delete),
        any::<usize>().prop_map(Edit::Book),
        any::<usize>().prop_map(Edit::DropMeeting),
        Just(Edit::Full),
    ]
}

/// Applies `e` to the org; returns whether the next run should be full.
fn apply(o: &mut Org, e: &Edit) -> bool {
    let lead = |o: &Org, i: usize| o.leads.keys().nth(i % o.leads.len().max(1)).cloned();
    match e {
        Edit::Stage(i, s) => {
            if let Some(id) = lead(o, *i) {
                o.set_stage(&id, s, 1);
            }
        }
        Edit::Silently(i, s) => {
            if let Some(id) = lead(o, *i) {
                o.set_stage_silently(&id, s);
            }
        }
        Edit::Rename(i) => {
            if let Some(id) = lead(o, *i) {
                o.edit_lead(&id, |l| l.company = Some(format!("Renamed {i}")));
            }
        }
        Edit::Convert(i) => {
            if let Some(id) = lead(o, *i) {
                o.convert_lead(&id);
            }
        }
        Edit::Delete(i) => {
            if let Some(id) = lead(o, *i) {
                o.delete_lead(&id);
            }
        }
        Edit::Book(i) => {
            if let Some(id) = lead(o, *i) {
                let at = o.now + chrono::Duration::days((*i % 20) as i64 - 10);
                o.add_appointment(&id, at);
            }
        }
        Edit::DropMeeting(i) => {
            let ids: Vec<String> = o.events.keys().cloned().collect();
            if !ids.is_empty() {
                o.delete_event(&ids[*i % ids.len()]);
            }
        }
        Edit::Full => return true,
    }
    false
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Whatever happens between runs, each run leaves the org's leads, meetings, users and the
    /// history of every open appointed lead — and owes nothing, as no timeline was refused.
    #[test]
    fn random_edit_sequences_keep_the_database_equal_to_the_org(
        rounds in prop::collection::vec(prop::collection::vec(edit(), 1..6), 1..4)
    ) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async {
            let env = Env::new(generate(&spec(120, 40, 90))).await;
            env.sync().await.unwrap();
            for round in &rounds {
                let full = env.sandbox.org(|o| {
                    let full = round.iter().fold(false, |f, e| apply(o, e) | f);
                    o.advance(chrono::Duration::minutes(5));
                    full
                });
                if full { env.sync_full().await.unwrap() } else { env.sync().await.unwrap() };
                assert_matches_org(&env);
                assert_eq!(due(&env), Vec::<String>::new(), "after {round:?}");
            }
        });
    }
}
