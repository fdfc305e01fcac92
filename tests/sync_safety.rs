//! The sync's safety nets against the sandbox: a full run that would wipe the local copy is
//! refused, a lead Zoho no longer has does not fail the run, history Zoho cannot give back is
//! never dropped, and an interrupted run changes nothing and is recorded.

mod common;

use std::sync::Arc;

use common::*;
use panopticon::config::AppointmentSource;
use panopticon::store::{self, ChangeSource};
use panopticon::sync::{self, Interrupt, NoProgress, Progress, RunOptions, SyncError};
use panopticon_sandbox::{generate, Fault, FaultRule};

/// Removes a lead the way a purge past the recycle bin does: gone from the list and from
/// /deleted, while meetings still name it (Zoho does not always take them along).
fn purge(env: &Env, id: &str) {
    env.sandbox.org(|o| {
        o.leads.remove(id);
        o.version += 1;
    });
}

fn open_appointed_ids(env: &Env) -> Vec<String> {
    env.sandbox.org(|o| {
        let t = truth(o, &env.settings.appointments);
        open_appointed(o, &t, &env.settings.rules).into_iter().collect()
    })
}

fn last_run(env: &Env) -> store::SyncRun {
    store::last_run(&env.conn()).unwrap().unwrap()
}

async fn full_with(env: &Env, opts: RunOptions) -> Result<sync::SyncReport, SyncError> {
    sync::run_with(&env.store, &env.client(), &env.settings, &opts, &NoProgress).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_leads_list_does_not_wipe_the_local_copy() {
    let env = Env::new(generate(&spec(300, 100, 250))).await;
    env.sync().await.unwrap();
    let before = env.fingerprint();

    // Zoho answers the Leads list with 204 (nothing): a full run would delete all 300.
    env.sandbox.inject(FaultRule::new(Fault::NoContent).on("/v7/Leads").times(1));
    let e = env.sync_full().await.unwrap_err().to_string();
    assert!(e.contains("refusing to delete 300 of the 300 leads held here: Zoho listed 0"), "{e}");
    assert!(e.contains("Nothing was changed") && e.contains("--allow-mass-delete"), "{e}");
    assert_eq!(env.fingerprint(), before, "the data is untouched");
    let run = last_run(&env);
    assert!(!run.ok && run.full && run.error.as_deref() == Some(e.as_str()), "the refusal is recorded: {run:?}");

    // The same with the Events list: every appointment would go.
    env.sandbox.inject(FaultRule::new(Fault::NoContent).on("/v7/Events").times(1));
    let e = env.sync_full().await.unwrap_err().to_string();
    assert!(e.contains("refusing to delete") && e.contains("appointments held here: Zoho listed 0"), "{e}");
    assert_eq!(env.fingerprint(), before);

    // Purged for real, a few at a time, a full run deletes without asking…
    let ids: Vec<String> = env.sandbox.org(|o| o.leads.keys().cloned().collect());
    for id in &ids[..3] {
        purge(&env, id);
    }
    assert_eq!(env.sync_full().await.unwrap().deleted, 3);
    // …but a third of the org at once needs the flag, and then it goes.
    for id in &ids[3..103] {
        purge(&env, id);
    }
    let before = env.fingerprint();
    let e = env.sync_full().await.unwrap_err().to_string();
    assert!(e.contains("refusing to delete 100 of the 297 leads"), "{e}");
    assert_eq!(env.fingerprint(), before);
    let r = full_with(&env, RunOptions { full: true, allow_mass_delete: true, ..RunOptions::default() }).await.unwrap();
    assert_eq!(r.deleted, 100);
    assert_matches_org(&env);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_sync_skips_the_timeline_of_leads_zoho_no_longer_has() {
    let env = Env::with_source(generate(&spec(300, 100, 250)), AppointmentSource::Events).await;
    env.sync().await.unwrap();
    let open = open_appointed_ids(&env);
    let gone = &open[0];
    purge(&env, gone);
    env.sandbox.clear_requests();
    let r = env.sync_full().await.unwrap();
    assert_eq!(r.deleted, 1);
    assert!(store::get_lead(&env.conn(), gone).unwrap().is_none());
    assert!(
        !env.paths().iter().any(|p| p.contains(&format!("/{gone}/__timeline"))),
        "no timeline read for a lead the full listing did not have"
    );
    assert_matches_org(&env);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_timeline_skips_that_lead_not_the_run() {
    let env = Env::new(generate(&spec(300, 100, 250))).await;
    env.sync().await.unwrap();
    let open = open_appointed_ids(&env);
    let moved = &open[0];
    // A lead we hold whose history was never read (it had no appointment) gets a meeting and
    // is then purged, the meeting left behind: the incremental run sees the meeting and asks
    // for the lead's timeline — which Zoho refuses with 400 INVALID_DATA.
    let gone = &env.sandbox.org(|o| {
        let t = truth(o, &AppointmentSource::Events);
        let appointed: std::collections::BTreeSet<&String> = t.appointments.values().map(|(l, _)| l).collect();
        o.leads.values().find(|l| !appointed.contains(&l.id) && l.status.as_deref() == Some("New")).unwrap().id.clone()
    });
    let history_before = store::changes_of(&env.conn(), gone).unwrap();
    env.sandbox.org(|o| {
        let at = o.now + chrono::Duration::days(2);
        o.add_appointment(gone, at);
        o.set_stage(moved, "Proposal", 1);
        o.advance(chrono::Duration::minutes(5));
    });
    purge(&env, gone);
    let r = env.sync().await.unwrap();
    let named: Vec<String> = r.skipped.iter().map(|s| s.to_string()).collect();
    assert_eq!(named.len(), 1, "{named:?}");
    assert!(named[0].contains(&format!("__timeline record {gone}")) && named[0].contains("INVALID_DATA"), "{named:?}");
    assert!(last_run(&env).warnings.contains(gone.as_str()), "the warning is kept in sync_runs");
    // The rest of the run went on: the other lead's new stage and history are in.
    let c = env.conn();
    assert_eq!(store::get_lead(&c, moved).unwrap().unwrap().stage.as_deref(), Some("Proposal"));
    assert!(store::changes_of(&c, moved).unwrap().iter().any(|s| s.change.to.as_deref() == Some("Proposal")));
    assert_eq!(store::changes_of(&c, gone).unwrap(), history_before, "the skipped lead's history is kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_sync_keeps_history_zoho_cannot_give_back() {
    let env = Env::new(generate(&spec(300, 100, 250))).await;
    env.sync().await.unwrap();
    let open = open_appointed_ids(&env);
    let silent = &open[0];
    let forgotten = &env.sandbox.org(|o| {
        open[1..].iter().find(|id| o.timeline.get(id.as_str()).is_some_and(|t| !t.is_empty())).unwrap().clone()
    });
    // A stage change made without a timeline entry (an import): only the sync saw it.
    env.sandbox.org(|o| {
        o.set_stage_silently(silent, "Nurture");
        o.advance(chrono::Duration::minutes(5));
    });
    env.sync().await.unwrap();
    let observed = |env: &Env| -> Vec<(Option<String>, Option<String>)> {
        store::changes_of(&env.conn(), silent)
            .unwrap()
            .into_iter()
            .filter(|s| s.source == ChangeSource::Observed)
            .map(|s| (s.change.from, s.change.to))
            .collect()
    };
    let seen = observed(&env);
    assert_eq!(seen.len(), 1, "the silent change was observed: {seen:?}");
    assert_eq!(seen[0].1.as_deref(), Some("Nurture"));
    // A later change that the timeline does record, and a timeline entry Zoho no longer
    // returns (its timeline keeps a limited history).
    let dropped = env.sandbox.org(|o| {
        o.set_stage(silent, "Proposal", 2);
        o.timeline.get_mut(forgotten.as_str()).unwrap().remove(0).id
    });
    let stored_forgotten = store::changes_of(&env.conn(), forgotten).unwrap();
    assert!(stored_forgotten.iter().any(|s| s.change.id.split(':').next() == Some(dropped.as_str())));

    env.sync_full().await.unwrap();
    assert_eq!(observed(&env), seen, "the observed change survives a full sync");
    let c = env.conn();
    let now_silent: Vec<Option<String>> =
        store::changes_of(&c, silent).unwrap().into_iter().map(|s| s.change.to).collect();
    assert_eq!(now_silent.last().cloned().flatten().as_deref(), Some("Proposal"));
    assert_eq!(store::changes_of(&c, forgotten).unwrap(), stored_forgotten, "history Zoho forgot is kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_observed_change_the_timeline_explains_is_not_kept_twice() {
    let env = Env::new(generate(&spec(300, 100, 250))).await;
    env.sync().await.unwrap();
    // An open lead without appointments: its stage changes are observed, its timeline unread.
    let lead = env.sandbox.org(|o| {
        let t = truth(o, &AppointmentSource::Events);
        let appointed: std::collections::BTreeSet<&String> = t.appointments.values().map(|(l, _)| l).collect();
        o.leads.values().find(|l| !appointed.contains(&l.id) && l.status.as_deref() == Some("New")).unwrap().id.clone()
    });
    env.sandbox.org(|o| {
        o.set_stage(&lead, "Follow Up", 1);
        o.advance(chrono::Duration::minutes(5));
    });
    env.sync().await.unwrap();
    let changes = |env: &Env| -> Vec<(ChangeSource, Option<String>)> {
        let all = store::changes_of(&env.conn(), &lead).unwrap();
        all.into_iter()
            .filter(|s| s.change.to.as_deref() == Some("Follow Up"))
            .map(|s| (s.source, s.change.to))
            .collect()
    };
    assert_eq!(changes(&env), vec![(ChangeSource::Observed, Some("Follow Up".to_string()))]);
    // Booked: now its timeline is read, and it holds the same change, earlier and exact.
    env.sandbox.org(|o| {
        let at = o.now + chrono::Duration::days(1);
        o.add_appointment(&lead, at);
        o.advance(chrono::Duration::minutes(5));
    });
    env.sync().await.unwrap();
    assert_eq!(changes(&env), vec![(ChangeSource::Timeline, Some("Follow Up".to_string()))]);
}

/// Triggers the interrupt when the run reaches a phase, as a signal arriving then would.
struct StopAt(&'static str, Interrupt);
impl Progress for StopAt {
    fn phase(&self, name: &str, _: Option<u64>) {
        if name == self.0 {
            self.1.trigger("SIGTERM");
        }
    }
    fn advance(&self, _: u64) {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_run_changes_nothing_and_is_recorded() {
    let env = Env::new(generate(&spec(300, 100, 250))).await;
    env.sync().await.unwrap();
    env.sandbox.org(|o| {
        let ids: Vec<String> = o.leads.keys().take(20).cloned().collect();
        for id in &ids {
            o.set_stage(id, "Proposal", 1);
        }
        o.advance(chrono::Duration::minutes(5));
    });
    let before = env.fingerprint();
    for phase in ["Leads", "Stage history", "Writing"] {
        let interrupt = Interrupt::new();
        let opts = RunOptions { interrupt: interrupt.clone(), ..RunOptions::default() };
        let stop = Arc::new(StopAt(phase, interrupt));
        let e = sync::run_with(&env.store, &env.client(), &env.settings, &opts, stop.as_ref()).await.unwrap_err();
        assert!(matches!(e, SyncError::Interrupted(_)), "{phase}: {e}");
        assert_eq!(e.to_string(), "interrupted by SIGTERM");
        assert_eq!(env.fingerprint(), before, "interrupted at {phase}: nothing written");
        let run = last_run(&env);
        assert_eq!((run.ok, run.error.as_deref()), (false, Some("interrupted by SIGTERM")), "{phase}");
    }
    // The next run does the work.
    assert_eq!(env.sync().await.unwrap().updated, 20);
}

/// Triggers the interrupt shortly after the write starts, as a signal arriving mid-write would.
struct StopWhileWriting(Interrupt);
impl Progress for StopWhileWriting {
    fn phase(&self, name: &str, _: Option<u64>) {
        if name == "Writing" {
            let i = self.0.clone();
            std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(2));
                i.trigger("SIGTERM");
            });
        }
    }
    fn advance(&self, _: u64) {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signal_during_the_write_rolls_it_back() {
    // A first sync of 4,000 leads: its write takes far longer than the 2 ms before the signal.
    let env = Env::new(generate(&spec(4_000, 900, 2_500))).await;
    let before = env.fingerprint();
    let interrupt = Interrupt::new();
    let opts = RunOptions { interrupt: interrupt.clone(), ..RunOptions::default() };
    let e = sync::run_with(&env.store, &env.client(), &env.settings, &opts, &StopWhileWriting(interrupt))
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), "interrupted by SIGTERM");
    assert_eq!(env.fingerprint(), before, "nothing of the write is left");
    assert_eq!(last_run(&env).error.as_deref(), Some("interrupted by SIGTERM"));
    env.sync().await.unwrap();
    assert_matches_org(&env);
}
