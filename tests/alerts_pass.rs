//! Transition alerts on a synced org, walked through four weeks in six-hour steps across the
//! autumn DST change: every lead is announced once per appointment and tier, every stale or at-risk
//! lead is announced by the pass that first sees it, and a snoozed lead is quiet until its snooze
//! ends.

mod common;

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use common::*;
use panopticon::alerts::{self, Intervention, Kind, Snooze, Tier};
use panopticon::config::RulesConfig;
use panopticon::rules::Status;
use panopticon::store;
use panopticon::views::{assess_lead, Snapshot};
use panopticon_sandbox::generate;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

type Key = (String, String, Tier);

/// One pass at `as_of` against what was announced: what it would announce.
fn pass(s: &Snapshot, rules: &RulesConfig, as_of: DateTime<Utc>, said: &HashSet<Key>) -> Vec<Key> {
    let now = alerts::current(s, as_of, rules, &Tier::ALL);
    alerts::fresh(now, |l, k, t| said.contains(&(l.to_string(), k.to_string(), t)))
        .into_iter()
        .map(|t| (t.lead_id, t.key, t.tier))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_transition_is_announced_once_and_on_time_across_dst() {
    let env = Env::new(generate(&spec(700, 160, 480))).await;
    env.sync().await.unwrap();
    let snap = Snapshot::load(&env.conn()).unwrap();
    let rules = RulesConfig { timezone: chrono_tz::America::New_York, ..RulesConfig::default() };
    let mut said: HashSet<Key> = HashSet::new();
    // When each key was first announced, to check the hand-picked case below.
    let mut when: BTreeMap<Key, DateTime<Utc>> = BTreeMap::new();
    let start = at("2026-10-24T12:00:00Z");
    let mut t = start;
    let mut steps = 0;
    while t <= at("2026-11-20T12:00:00Z") {
        let news = pass(&snap, &rules, t, &said);
        for k in &news {
            assert!(said.insert(k.clone()), "{k:?} announced twice (at {t})");
            when.insert(k.clone(), t);
        }
        // Nothing is said twice: the same moment again (a restart, a re-sync) has no news.
        assert!(pass(&snap, &rules, t, &said).is_empty(), "a second pass at {t} found news");
        // Everything late now has been said, under the key the rows give.
        for l in &snap.leads {
            let Some(row) = assess_lead(l, t, &rules) else { continue };
            for tier in alerts::pass::tiers_of(&row) {
                let key = (row.id.clone(), alerts::pass::key_of(&row, tier), tier);
                assert!(said.contains(&key), "{key:?} is {tier} at {t} but was never announced");
            }
        }
        t += Duration::hours(6);
        steps += 1;
    }
    assert!(steps > 100 && said.len() > 20, "the walk saw too little: {} announcements", said.len());
    // Each at-risk or stale key is one of the lead's own appointments (as the rows give them):
    // never a moment of the pass, so DST cannot make a second key for the same appointment.
    for (lead, key, tier) in &said {
        let l = snap.lead(lead).unwrap();
        if *tier != Tier::StuckGreen {
            let tz = rules.timezone;
            let keys: HashSet<String> = l.starts.iter().map(|a| a.at(tz).utc_text()).collect();
            assert!(keys.contains(key), "{lead}: {key} is not one of its appointments");
        }
    }
    // A lead that went at risk and then stale inside the walk: one alert each, each at the
    // first six-hourly pass after it crossed.
    // (A lead already at risk when the walk starts crossed before it: its first pass is the
    // walk's first step, whatever the hour it crossed, so it cannot show "the first pass after".)
    let crossed = said
        .iter()
        .filter(|(_, _, t)| *t == Tier::Stale)
        .find(|(l, k, _)| when.get(&(l.clone(), k.clone(), Tier::AtRisk)).is_some_and(|&at| at > start))
        .expect("some lead went at risk, then stale, during the walk")
        .clone();
    let risk = (crossed.0.clone(), crossed.1.clone(), Tier::AtRisk);
    let (risk_at, stale_at) = (when[&risk], when[&crossed]);
    let l = snap.lead(&crossed.0).unwrap();
    let status = |t| assess_lead(l, t, &rules).unwrap().status;
    assert_eq!(status(risk_at), Status::AtRisk);
    assert_ne!(status(risk_at - Duration::hours(6)), Status::AtRisk, "announced at the first pass");
    assert_eq!(status(stale_at), Status::Stale);
    assert_eq!(status(stale_at - Duration::hours(6)), Status::AtRisk);
    assert_eq!((stale_at - risk_at).num_days(), 2, "default thresholds: at risk on day 5, stale on day 7");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snoozed_lead_is_quiet_until_its_snooze_ends() {
    let env = Env::new(generate(&spec(700, 160, 480))).await;
    env.sync().await.unwrap();
    let rules = RulesConfig::default();
    let t0 = at("2026-11-20T14:00:00Z");
    let snap = Snapshot::load(&env.conn()).unwrap();
    let stale = alerts::current(&snap, t0, &rules, &[Tier::Stale]);
    let lead = stale.first().expect("a stale lead").lead_id.clone();
    let l = snap.lead(&lead).unwrap();
    let mut rec = Intervention::new(Kind::Snooze, &lead, "Ann Coord", t0);
    rec.until = Some(t0 + Duration::days(3));
    rec.note = Some("Owner on holiday".into());
    let s = Snooze {
        until: rec.until,
        reason: "Owner on holiday".into(),
        by_name: "Ann Coord".into(),
        at: t0,
        stage: l.stage.clone(),
        appointment: l.latest_appointment_key(),
    };
    store::snooze_lead(&mut env.conn(), &rec, &s).unwrap();
    let snap = Snapshot::load(&env.conn()).unwrap();
    let ids = |t| alerts::current(&snap, t, &rules, &Tier::ALL).into_iter().map(|x| x.lead_id).collect::<Vec<_>>();
    assert!(!ids(t0 + Duration::hours(1)).contains(&lead), "snoozed: left out of alerts");
    // Still counted and marked in every list.
    let row = assess_lead(snap.lead(&lead).unwrap(), t0 + Duration::hours(1), &rules).unwrap();
    assert_eq!(
        (row.status, row.snoozed, row.snooze_reason.as_deref()),
        (Status::Stale, true, Some("Owner on holiday"))
    );
    assert_eq!(row.snoozed_until.map(|u| u.utc()), rec.until);
    assert!(ids(t0 + Duration::days(3)).contains(&lead), "the snooze ended at its expiry");
    let row = assess_lead(snap.lead(&lead).unwrap(), t0 + Duration::days(3), &rules).unwrap();
    assert!(!row.snoozed && row.snoozed_until.is_none());
}
