//! The alerts pass decided (`alerts::plan`) on a synced org and on hand-made leads, checked by
//! hand: new items grouped by locator, most urgent first; nothing said twice; the baseline;
//! escalation once, after N days from a nudge or from going stale unacknowledged, at once on a
//! call for help; thresholds crossed and recovered once each; the window held then released;
//! and this month's conversion to green counted by hand.

mod common;

use std::collections::HashSet;
use std::num::NonZeroU64;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveTime, Utc};
use common::*;
use panopticon::alerts::compose::Target;
use panopticon::alerts::metrics::{green_conversion_month, Conversion};
use panopticon::alerts::{self, Intervention, Kind, Known, Metric, Threshold, ThresholdOp, Tier};
use panopticon::config::{AlertsConfig, RulesConfig};
use panopticon::rules::{Appointment, Change, Status};
use panopticon::store;
use panopticon::time::Stamp;
use panopticon::views::list::{self, ListKind};
use panopticon::views::{Context, Filter, SnapAppointment, SnapLead, Snapshot};
use panopticon_sandbox::generate;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Friday 20 Nov 2026, 10:00 in New York: a weekday, inside the default window.
const T: &str = "2026-11-20T15:00:00Z";

fn known(any_pass: bool) -> Known {
    Known { any_pass, ..Known::default() }
}

async fn synced() -> (Env, Snapshot, RulesConfig) {
    let env = Env::new(generate(&spec(700, 160, 480))).await;
    env.sync().await.unwrap();
    let snap = Snapshot::load(&env.conn()).unwrap();
    let rules = RulesConfig { timezone: chrono_tz::America::New_York, ..RulesConfig::default() };
    (env, snap, rules)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_items_grouped_by_locator_said_once_and_the_first_pass_is_a_baseline() {
    let (_env, snap, rules) = synced().await;
    let cfg = AlertsConfig::default();
    let t = at(T);
    let p = alerts::plan(&snap, t, &rules, &cfg, &known(true));
    assert!(p.open && !p.baseline && p.held_until.is_none());
    // Every stale lead of the stale list is a new item (nothing announced yet).
    let ctx = Context {
        as_of: t,
        now: t,
        rules: &rules,
        max_sync_age: std::time::Duration::from_secs(86400),
        crm_url: String::new(),
    };
    let stale = list::build(&snap, &ctx, ListKind::Stale, &Filter::default(), None);
    assert!(stale.total > 3, "the org has stale leads to announce");
    assert_eq!(p.count(Tier::Stale), stale.total);
    // Grouped: one group per locator, each holding only its own leads, and as many as the list
    // counts for that locator.
    let names: HashSet<_> = p.groups.iter().map(|g| g.locator.clone()).collect();
    assert_eq!(names.len(), p.groups.len(), "one group per locator");
    for g in &p.groups {
        assert!(g.items.iter().all(|i| i.row.locator == g.locator));
        let stale_here = g.items.iter().filter(|i| i.tier == Tier::Stale).count();
        let listed = stale.per_locator.iter().find(|c| Some(&c.locator) == g.locator.as_ref()).map_or(0, |c| c.count);
        assert_eq!(stale_here, listed, "{:?}", g.locator);
        // Most urgent first inside a group.
        assert!(g.items.windows(2).all(|w| w[0].tier <= w[1].tier));
    }
    // Groups with a stale item come before groups with none.
    let tops: Vec<Tier> = p.groups.iter().map(|g| g.items[0].tier).collect();
    assert!(tops.windows(2).all(|w| w[0] <= w[1]), "{tops:?}");
    // Said once: with everything announced but one, only that one is new.
    let all: Vec<_> = p.items().map(|i| (i.lead_id.clone(), i.key.clone(), i.tier)).collect();
    let kept = all[0].clone();
    let announced: HashSet<_> = all.iter().skip(1).cloned().collect();
    let again = alerts::plan(&snap, t, &rules, &cfg, &Known { announced, ..known(true) });
    let left: Vec<_> = again.items().map(|i| (i.lead_id.clone(), i.key.clone(), i.tier)).collect();
    assert_eq!(left, vec![kept]);
    // The first pass ever is a baseline: it finds the same items, says nothing else.
    let first = alerts::plan(&snap, t, &rules, &cfg, &known(false));
    assert!(first.baseline && first.escalations.is_empty() && first.thresholds.is_empty());
    assert_eq!(first.items().count(), all.len());
    assert!(first.text(rules.timezone).contains("Baseline: no pass has run yet"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escalation_once_after_n_days_from_a_nudge_or_going_stale_and_at_once_on_need_help() {
    let (env, snap, rules) = synced().await;
    let cfg =
        AlertsConfig { escalate_after_days: 2, escalation_role: NonZeroU64::new(4242), ..AlertsConfig::default() };
    let t = at(T);
    let stale_days = i64::from(rules.default.stale_days);
    // A lead stale for at least 5 days (past its threshold) with the default thresholds.
    let now = alerts::current(&snap, t, &rules, &[Tier::Stale]);
    let old = now
        .iter()
        .find(|x| {
            x.row.days_since_appointment.unwrap() - stale_days >= 5
                && x.row.stage.as_deref().is_some_and(|s| !rules.per_stage.contains_key(s))
        })
        .expect("a lead stale for five days");
    let lead = old.lead_id.clone();
    let appt = old.row.appointment_at.unwrap().utc();
    let escalated_of = |k: &Known| {
        let p = alerts::plan(&snap, t, &rules, &cfg, k);
        p.escalations.into_iter().find(|e| e.lead_id == lead)
    };
    // Stale five days, nobody acknowledged: escalated, to the role (nobody is linked).
    let e = escalated_of(&known(true)).expect("stale 5 days unacknowledged: escalated");
    assert_eq!(e.why, format!("stale {} days with no follow-up", old.row.days_since_appointment.unwrap() - stale_days));
    assert_eq!(e.to, Target::Role { role: 4242 });
    assert_eq!(e.appointment, old.key);
    // Once: an escalation recorded for this appointment ends it.
    let mut done = Intervention::new(Kind::Escalation, &lead, "Panopticon", t - Duration::hours(1));
    done.appointment = Some(old.key.clone());
    assert!(escalated_of(&Known { interventions: vec![done.clone()], ..known(true) }).is_none());
    // And the store holds that line too: a second record is refused.
    let c = env.conn();
    assert!(store::record_escalation(&c, &done).unwrap().is_some());
    assert!(store::record_escalation(&c, &done).unwrap().is_none());
    // Nudged yesterday: the clock restarts at the nudge — not yet (1 day < 2).
    let nudge = |when: DateTime<Utc>| Intervention::new(Kind::Nudge, &lead, "Ann", when);
    let fresh_nudge = Known { interventions: vec![nudge(t - Duration::days(1))], ..known(true) };
    assert!(escalated_of(&fresh_nudge).is_none(), "one day after the nudge");
    let old_nudge = Known { interventions: vec![nudge(t - Duration::days(2))], ..known(true) };
    assert_eq!(escalated_of(&old_nudge).unwrap().why, "still stale 2 days after the first nudge");
    // A nudge from before this appointment does not count (it was about another round).
    let before = Known { interventions: vec![nudge(appt - Duration::days(1))], ..known(true) };
    assert!(escalated_of(&before).unwrap().why.starts_with("stale "), "the old nudge is ignored");
    // Asking for help escalates an at-risk lead at once.
    let risky = alerts::current(&snap, t, &rules, &[Tier::AtRisk]);
    let r = risky.first().expect("an at-risk lead");
    let help = Intervention::new(Kind::NeedHelp, &r.lead_id, "Bo", t - Duration::minutes(5));
    let p = alerts::plan(&snap, t, &rules, &cfg, &Known { interventions: vec![help], ..known(true) });
    let e = p.escalations.iter().find(|e| e.lead_id == r.lead_id).expect("need help: escalated at once");
    assert_eq!((e.status, e.why.as_str()), (Status::AtRisk, "the locator asked for help"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thresholds_cross_and_recover_once_each_and_the_window_holds() {
    let (_env, snap, rules) = synced().await;
    let t = at(T);
    let base = alerts::plan(&snap, t, &rules, &AlertsConfig::default(), &known(true));
    let stale = base.count(Tier::Stale) as f64;
    let rule = |line: f64| AlertsConfig {
        thresholds: vec![Threshold { metric: Metric::Stale, op: ThresholdOp::Above(line) }],
        ..AlertsConfig::default()
    };
    let sides = |crossed: bool, line: f64| {
        let key = format!("stale>{line}");
        Known { threshold_sides: [(key, crossed)].into(), ..known(true) }
    };
    // Above the line of stale - 1: crossed, posted.
    let p = alerts::plan(&snap, t, &rules, &rule(stale - 1.0), &known(true));
    assert_eq!(p.thresholds.len(), 1);
    assert!(p.thresholds[0].crossed);
    assert_eq!(p.thresholds[0].text, format!("Stale leads: {stale} — above the line of {}", stale - 1.0));
    // Recorded as crossed: still crossed says nothing.
    assert!(alerts::plan(&snap, t, &rules, &rule(stale - 1.0), &sides(true, stale - 1.0)).thresholds.is_empty());
    assert_eq!(alerts::plan(&snap, t, &rules, &rule(stale - 1.0), &sides(true, stale - 1.0)).threshold_sides.len(), 1);
    // The line moves above the count (it recovered): posted once, then quiet.
    let p = alerts::plan(&snap, t, &rules, &rule(stale + 5.0), &sides(true, stale + 5.0));
    assert_eq!(p.thresholds.len(), 1);
    assert!(!p.thresholds[0].crossed);
    assert_eq!(p.thresholds[0].text, format!("Stale leads: back to {stale} (line {})", stale + 5.0));
    assert!(alerts::plan(&snap, t, &rules, &rule(stale + 5.0), &sides(false, stale + 5.0)).thresholds.is_empty());

    // Quiet hours 09:00-12:00 New York: held at 10:00 until 12:00, open at 12:00.
    let quiet = AlertsConfig {
        quiet: Some((NaiveTime::from_hms_opt(9, 0, 0).unwrap(), NaiveTime::from_hms_opt(12, 0, 0).unwrap())),
        ..AlertsConfig::default()
    };
    let held = alerts::plan(&snap, t, &rules, &quiet, &known(true));
    assert!(!held.open);
    assert_eq!(held.held_until, Some(at("2026-11-20T17:00:00Z")));
    assert!(held.text(rules.timezone).contains("nothing goes out until Fri 20 Nov 2026 12:00 EST"));
    let released = alerts::plan(&snap, at("2026-11-20T17:00:00Z"), &rules, &quiet, &known(true));
    assert!(released.open && released.held_until.is_none());
    // Saturday is not an alert day: held until Monday 00:00.
    let sat = alerts::plan(&snap, at("2026-11-21T15:00:00Z"), &rules, &AlertsConfig::default(), &known(true));
    assert_eq!(sat.held_until, Some(at("2026-11-23T05:00:00Z")));
}

fn stamp(s: &str) -> Stamp {
    Stamp::parse(s).unwrap()
}

fn lead(id: &str, appts: &[&str], greens: &[(&str, &str)]) -> SnapLead {
    let appointments: Vec<SnapAppointment> =
        appts.iter().map(|a| SnapAppointment { start: stamp(a), all_day: false, title: None }).collect();
    SnapLead {
        id: id.into(),
        name: id.into(),
        company: None,
        stage: None,
        locator: None,
        owner_id: None,
        converted: false,
        created_at: stamp("2026-01-01T00:00:00Z"),
        history_known: true,
        starts: appointments.iter().map(|a| Appointment::timed(a.start)).collect(),
        appointments,
        changes: greens
            .iter()
            .map(|(when, to)| Change { at: stamp(when), from: None, to: Some(Arc::from(*to)) })
            .collect(),
        snooze: None,
    }
}

#[test]
fn green_conversion_this_month_by_hand() {
    let rules = RulesConfig { timezone: chrono_tz::America::New_York, ..RulesConfig::default() };
    let green = rules.green_stages[0].clone();
    let not_green = "Contacted";
    assert!(!rules.is_green_stage(Some(not_green)));
    let as_of = at("2026-11-20T15:00:00Z");
    let leads = vec![
        // Appointment 3 Nov, green on 5 Nov: converted.
        lead("a", &["2026-11-03T15:00:00Z"], &[("2026-11-05T15:00:00Z", &green)]),
        // Appointment 10 Nov, moved to a stage that is not green: not converted.
        lead("b", &["2026-11-10T15:00:00Z"], &[("2026-11-11T15:00:00Z", not_green)]),
        // Green BEFORE its appointment only: not converted.
        lead("c", &["2026-11-12T15:00:00Z"], &[("2026-11-01T15:00:00Z", &green)]),
        // 31 Oct 23:30 New York is 1 Nov UTC: last month locally — not counted.
        lead("d", &["2026-11-01T03:30:00Z"], &[("2026-11-02T15:00:00Z", &green)]),
        // 1 Nov 00:30 New York: this month. Green after as_of: not yet converted.
        lead("e", &["2026-11-01T04:30:00Z"], &[("2026-11-21T15:00:00Z", &green)]),
        // Two appointments this month, green after both: counts twice, converted twice.
        lead("f", &["2026-11-02T15:00:00Z", "2026-11-09T15:00:00Z"], &[("2026-11-16T15:00:00Z", &green)]),
        // An appointment later this month: not counted yet.
        lead("g", &["2026-11-25T15:00:00Z"], &[]),
    ];
    // Counted: a, b, c, e, f×2 = 6; converted: a, f×2 = 3 → 50%.
    let c = green_conversion_month(&leads, as_of, &rules).unwrap();
    assert_eq!(c, Conversion { appointments: 6, converted: 3 });
    assert_eq!(c.percent(), 50.0);
    assert_eq!(green_conversion_month(&leads, at("2026-11-01T04:00:00Z"), &rules), None, "nothing yet this month");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escalation_goes_to_the_nearest_linked_manager() {
    let (env, snap, rules) = synced().await;
    let dir = store::directory(&env.conn()).unwrap();
    let teams = Default::default();
    let t = at(T);
    let cfg = AlertsConfig { escalate_after_days: 2, ..AlertsConfig::default() };
    let p = alerts::plan(&snap, t, &rules, &cfg, &Known { directory: dir.clone(), ..known(true) });
    // A stale lead whose owner has at least two managers above them.
    let (e, managers) = p
        .escalations
        .iter()
        .find_map(|e| {
            let m = dir.managers_of(e.owner_id.as_deref()?, &teams);
            (m.len() >= 2).then_some((e.clone(), m))
        })
        .expect("an escalated lead whose locator has two managers");
    let owner = e.owner_id.clone().unwrap();
    // Nearest first: every one manages the owner, the smallest team first.
    let sizes: Vec<usize> = managers.iter().map(|m| dir.team(m, &teams).len()).collect();
    assert!(managers.iter().all(|m| dir.team(m, &teams).contains(&owner) && *m != owner));
    assert!(sizes.windows(2).all(|w| w[0] <= w[1]), "{sizes:?}");
    // Nobody linked and no role: the nearest manager, named (not mentioned).
    assert!(matches!(&e.to, Target::Manager { crm_id, discord: None, .. } if *crm_id == managers[0]));
    // Only the farther manager linked: they are mentioned.
    let k = Known { mentions: [(managers[1].clone(), 77u64)].into(), directory: dir.clone(), ..known(true) };
    let p = alerts::plan(&snap, t, &rules, &cfg, &k);
    let got = p.escalations.iter().find(|x| x.lead_id == e.lead_id).unwrap();
    assert!(matches!(&got.to, Target::Manager { crm_id, discord: Some(77), .. } if *crm_id == managers[1]));
}
