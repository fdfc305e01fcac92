//! The generated org's sales side: accounts, contacts, deals that move through the stage
//! picklist in order (some skip a stage; lost ones drop out at any stage; won and lost ones
//! closed in the past with their whole history; open ones spread over the stages with closing
//! dates in the coming months, some overdue), and calls, tasks and meetings around them. Drawn
//! from its own random stream after the lead side, so adding it changed no lead of any seed.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::Map;

use super::{SAccount, SCall, SContact, SDeal, SDealStage, DEAL_STAGES, PIPELINES};
use crate::names::{FIRST, LAST, PLACES, PREFIX, SOURCES};
use crate::org::{Org, Related, SDeleted, SEvent, STask};
use crate::rng::Rng;

/// How big the sales side is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SalesSpec {
    pub deals: usize,
    /// Calls, tasks and meetings together (about 5 : 3 : 2).
    pub activities: usize,
    pub accounts: usize,
    pub contacts: usize,
}

impl SalesSpec {
    /// No sales side (the lead-only orgs the older tests and benchmarks use).
    pub fn none() -> SalesSpec {
        SalesSpec::default()
    }

    /// The demo's: enough to fill every sales view believably.
    pub fn demo() -> SalesSpec {
        SalesSpec { deals: 120, activities: 800, accounts: 40, contacts: 90 }
    }

    /// The benchmark's: a big org's sales side.
    pub fn benchmark() -> SalesSpec {
        SalesSpec { deals: 50_000, activities: 500_000, accounts: 10_000, contacts: 20_000 }
    }
}

const INDUSTRIES: &[&str] = &["Manufacturing", "Healthcare", "Education", "Hospitality", "Retail", "Logistics"];
const PRODUCTS: &[&str] = &["Snack machines", "Coffee service", "Micro market", "Cold drinks", "Office pantry"];
const CALL_SUBJECTS: &[&str] = &["Discovery call", "Follow-up call", "Pricing questions", "Check-in", "Demo recap"];
const TASK_SUBJECTS: &[&str] =
    &["Send proposal", "Prepare quote", "Follow up by email", "Book site survey", "Update contract"];
const MEETING_TITLES: &[&str] =
    &["Site survey", "Proposal review", "Kick-off meeting", "Tasting session", "Contract signing"];
const OPEN_TASK_STATUSES: &[&str] = &["Not Started", "In Progress", "Waiting for input", "Deferred"];
const PRIORITIES: &[&str] = &["High", "Highest", "Low", "Lowest", "Normal"];

/// A business-hours instant (8:00–18:00 local in `tz`) on a day `lo..=hi` days from `base`.
fn business_time(rng: &mut Rng, base: DateTime<Utc>, (lo, hi): (i64, i64), tz: Tz) -> DateTime<Utc> {
    let day = base + Duration::days(rng.range(lo, hi));
    let date = day.with_timezone(&tz).date_naive();
    let minutes = rng.range(8 * 4, 18 * 4 - 1) as u32 * 15;
    let naive = date.and_time(NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0).expect("valid time"));
    tz.from_local_datetime(&naive).earliest().map(|t| t.with_timezone(&Utc)).unwrap_or(day)
}

/// Where a deal ends up.
#[derive(Clone, Copy, PartialEq)]
enum Outcome {
    Won,
    Lost,
    Open,
}

/// The stages a deal passes through, as indices of `DEAL_STAGES`: in order from the first,
/// an intermediate one skipped now and then, ending at its current stage.
fn path(rng: &mut Rng, outcome: Outcome) -> Vec<usize> {
    // The last open stage it reaches (0 = Qualification … 5 = Negotiation/Review); lost deals
    // drop out early more often than late.
    let reach = match outcome {
        Outcome::Won => 5,
        Outcome::Lost => [0, 0, 1, 1, 2, 2, 3, 4, 5][rng.below(9) as usize],
        Outcome::Open => [0, 1, 1, 2, 2, 3, 3, 4, 4, 5][rng.below(10) as usize],
    };
    let mut stages: Vec<usize> = (0..=reach).filter(|&i| i == 0 || i == reach || !rng.chance(0.12)).collect();
    match outcome {
        Outcome::Won => stages.push(6),
        Outcome::Lost => stages.push(if rng.chance(0.3) { 8 } else { 7 }),
        Outcome::Open => {}
    }
    stages
}

/// `n` strictly increasing instants from `from` to `to` (the first is `from`), a minute apart at
/// least.
fn spread(rng: &mut Rng, n: usize, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let span = (to - from).num_minutes().max(n as i64);
    let mut offsets: Vec<i64> = (1..n).map(|_| rng.range(1, span)).collect();
    offsets.sort_unstable();
    let mut out = vec![from];
    for o in offsets {
        let prev = *out.last().expect("non-empty");
        out.push((from + Duration::minutes(o)).max(prev + Duration::minutes(1)));
    }
    out
}

/// Fills `org`'s sales side as `spec` says, owned by `owners` (user ids), with `seed`'s stream.
pub fn fill(org: &mut Org, spec: &SalesSpec, seed: u64, owners: &[String]) {
    if owners.is_empty() {
        return;
    }
    let mut rng = Rng::new(seed ^ 0x5A1E_5A1E_5A1E_5A1E);
    let now = org.now;
    let past = now - Duration::minutes(1);
    let tz = org.user_tz;
    let admin = org.api_user().map(|u| u.id.clone()).unwrap_or_else(|| owners[0].clone());

    let mut accounts: Vec<Related> = Vec::with_capacity(spec.accounts);
    for i in 0..spec.accounts {
        let id = org.new_id();
        let name = format!("{} {} {}", rng.pick(PREFIX), rng.pick(PLACES), ["Inc", "Ltd", "Group", "& Co"][i % 4]);
        let created = past - Duration::days(rng.range(480, 900));
        let modified = (created + Duration::days(rng.range(0, 400))).min(past);
        let owner_id = rng.pick(owners).clone();
        let industry = Some(rng.pick(INDUSTRIES).to_string());
        accounts.push(Related { module: "Accounts".into(), id: id.clone(), name: name.clone() });
        org.sales.accounts.insert(id.clone(), SAccount { id, name, industry, owner_id, created, modified });
    }

    let mut contacts: Vec<(Related, Option<usize>)> = Vec::with_capacity(spec.contacts);
    for i in 0..spec.contacts {
        let id = org.new_id();
        let first = rng.pick(FIRST).to_string();
        let last = rng.pick(LAST).to_string();
        let at = (!accounts.is_empty()).then(|| rng.below(accounts.len() as u64) as usize);
        let created = past - Duration::days(rng.range(300, 800));
        let c = SContact {
            id: id.clone(),
            email: Some(format!(
                "{}.{}{i}@example.com",
                first.to_lowercase(),
                last.to_lowercase().replace([' ', '\''], "")
            )),
            first_name: Some(first),
            last_name: last,
            account: at.map(|a| accounts[a].clone()),
            owner_id: rng.pick(owners).clone(),
            created,
            modified: (created + Duration::days(rng.range(0, 300))).min(past),
        };
        contacts.push((Related { module: "Contacts".into(), id: id.clone(), name: c.full_name() }, at));
        org.sales.contacts.insert(id, c);
    }

    // Each account's first contact: a deal's contact there.
    let mut first_contact: Vec<Option<usize>> = vec![None; accounts.len()];
    for (i, (_, at)) in contacts.iter().enumerate() {
        if let Some(a) = at {
            first_contact[*a].get_or_insert(i);
        }
    }
    let mut deals: Vec<(Related, String)> = Vec::with_capacity(spec.deals);
    for i in 0..spec.deals {
        let id = org.new_id();
        let created = business_time(&mut rng, now, (-455, -1), tz).min(past);
        let age_days = (now - created).num_days();
        // Old deals have mostly closed; young ones are mostly still open.
        let roll = rng.below(100);
        let mut outcome = match (age_days > 100, roll) {
            (true, 0..=37) | (false, 0..=14) => Outcome::Won,
            (true, 38..=84) | (false, 15..=29) => Outcome::Lost,
            _ => Outcome::Open,
        };
        let closed_at = created + Duration::days(rng.range(12, 110)) + Duration::minutes(rng.range(0, 600));
        if outcome != Outcome::Open && closed_at >= past {
            outcome = Outcome::Open;
        }
        let stages = path(&mut rng, outcome);
        let last_at = match outcome {
            Outcome::Open => (created + Duration::days(rng.range(0, 90))).min(past),
            _ => closed_at,
        };
        let times = spread(&mut rng, stages.len(), created, last_at.max(created));
        let closing = match outcome {
            Outcome::Open => (now + Duration::days(rng.range(-25, 92))).with_timezone(&tz).date_naive(),
            _ => times.last().expect("a deal has a stage").with_timezone(&tz).date_naive(),
        };
        let amount = {
            let u = rng.below(10_000) as f64 / 10_000.0;
            ((2_000.0 + 78_000.0 * u * u) / 50.0).round() * 50.0
        };
        let owner_id = rng.pick(owners).clone();
        let account = (!accounts.is_empty()).then(|| rng.below(accounts.len() as u64) as usize);
        let contact = account.and_then(|a| first_contact[a]).map(|c| contacts[c].0.clone());
        let account = account.map(|a| accounts[a].clone());
        let renewal = rng.chance(0.2);
        let base = account
            .as_ref()
            .map(|a| a.name.clone())
            .unwrap_or_else(|| format!("{} {}", rng.pick(PREFIX), rng.pick(PLACES)));
        let name = if renewal {
            format!("{base} – renewal {}", closing.format("%Y"))
        } else {
            format!("{base} – {}", rng.pick(PRODUCTS))
        };
        let history: Vec<SDealStage> = stages
            .iter()
            .zip(&times)
            .map(|(&s, &at)| SDealStage {
                id: org.new_id(),
                stage: DEAL_STAGES[s].name.into(),
                amount: Some(amount),
                probability: DEAL_STAGES[s].probability,
                closing: Some(closing),
                at,
                by_id: if rng.chance(0.9) { owner_id.clone() } else { admin.clone() },
            })
            .collect();
        let last = history.last().expect("a deal has a stage");
        let mut probability = last.probability;
        if outcome == Outcome::Open && rng.chance(0.1) {
            // A rep's own estimate, off the stage default.
            probability = (i64::from(probability) + rng.range(-10, 10)).clamp(5, 95) as u8;
        }
        let modified = (last.at + Duration::hours(rng.range(0, 72))).min(past);
        let deal = SDeal {
            id: id.clone(),
            name: name.clone(),
            stage: last.stage.clone(),
            pipeline: Some(PIPELINES[usize::from(renewal)].into()),
            amount: Some(amount),
            probability,
            closing: Some(closing),
            account,
            contact,
            // Every source appears even in a small org.
            lead_source: Some(SOURCES.get(i).unwrap_or_else(|| rng.pick(SOURCES)).to_string()),
            kind: Some(if renewal { "Existing Business" } else { "New Business" }.into()),
            owner_id: owner_id.clone(),
            created,
            modified,
            history,
            overrides: Map::new(),
        };
        deals.push((Related { module: "Deals".into(), id: id.clone(), name }, owner_id));
        org.sales.deals.insert(id, deal);
    }

    // What an activity is about: mostly a deal (by its owner), else an account.
    let about = |rng: &mut Rng| -> (Option<Related>, String) {
        if !deals.is_empty() && rng.chance(0.75) {
            let (d, owner) = rng.pick(&deals).clone();
            (Some(d), owner)
        } else {
            let a = (!accounts.is_empty()).then(|| rng.pick(&accounts).clone());
            (a, rng.pick(owners).clone())
        }
    };
    let who = |rng: &mut Rng| (!contacts.is_empty() && rng.chance(0.5)).then(|| rng.pick(&contacts).0.clone());
    let calls = spec.activities / 2;
    let tasks = spec.activities * 3 / 10;
    let meetings = spec.activities - calls - tasks;
    for _ in 0..calls {
        let id = org.new_id();
        let start = business_time(&mut rng, now, (-455, 12), tz);
        let call_type = match rng.below(10) {
            0..=6 => "Outbound",
            7 | 8 => "Inbound",
            _ => "Missed",
        };
        let status = (call_type == "Outbound").then(|| if start > now { "Scheduled" } else { "Completed" }.to_string());
        let duration_secs = if call_type == "Missed" || start > now { 0 } else { rng.range(60, 1_800) as u32 };
        let (what, owner_id) = about(&mut rng);
        let created = (start - Duration::days(rng.range(0, 5))).min(past);
        let modified = if start < past { (start + Duration::minutes(rng.range(5, 90))).min(past) } else { created };
        let c = SCall {
            id: id.clone(),
            subject: rng.pick(CALL_SUBJECTS).to_string(),
            call_type: call_type.into(),
            start,
            duration_secs,
            status,
            what,
            who: who(&mut rng),
            owner_id,
            created,
            modified: modified.max(created),
        };
        org.sales.calls.insert(id, c);
    }
    let today = now.with_timezone(&tz).date_naive();
    for _ in 0..tasks {
        let id = org.new_id();
        let due = today + Duration::days(rng.range(-400, 30));
        let overdue_by = (today - due).num_days().max(0);
        let created = business_time(&mut rng, now, (-overdue_by - 20, -overdue_by - 1), tz).min(past);
        // Past due: mostly done, the rest overdue; due ahead: mostly open.
        let done = if due < today { rng.chance(0.8) } else { rng.chance(0.1) };
        let closed = done.then(|| (created + Duration::hours(rng.range(1, 24 * 20))).min(past));
        let (what, owner_id) = about(&mut rng);
        let t = STask {
            id,
            subject: rng.pick(TASK_SUBJECTS).to_string(),
            due: Some(due),
            status: if done { "Completed".into() } else { rng.pick(OPEN_TASK_STATUSES).to_string() },
            owner_id,
            what,
            who: who(&mut rng),
            priority: Some(rng.pick(PRIORITIES).to_string()),
            description: None,
            closed,
            created,
            modified: closed.unwrap_or(created),
        };
        org.tasks.push(t);
    }
    for _ in 0..meetings {
        let id = org.new_id();
        let start = business_time(&mut rng, now, (-455, 30), tz);
        let (what, owner_id) = about(&mut rng);
        let created = (start - Duration::days(rng.range(1, 14))).min(past);
        let e = SEvent {
            id: id.clone(),
            title: rng.pick(MEETING_TITLES).to_string(),
            start,
            end: start + Duration::minutes(rng.range(2, 6) * 15),
            all_day: false,
            what,
            who: who(&mut rng),
            owner_id: Some(owner_id),
            created,
            modified: created,
            overrides: Map::new(),
        };
        org.events.insert(id, e);
    }

    // The recycle bin: a few of each module.
    let bins = [("Deals", spec.deals / 60), ("Calls", calls / 150), ("Tasks", tasks / 150), ("Events", meetings / 150)];
    let bins = bins.into_iter().chain([("Accounts", spec.accounts / 40), ("Contacts", spec.contacts / 45)]);
    for (module, n) in bins {
        for _ in 0..n.max(usize::from(spec.deals > 0)) {
            let id = org.new_id();
            let name = format!("{} {}", rng.pick(PREFIX), rng.pick(PLACES));
            let deleted = past - Duration::days(rng.range(1, 60));
            org.deleted.push(SDeleted { module: module.into(), id, name, deleted });
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::generate::{generate, Spec};
    use crate::sales::stage_def;

    fn demo(seed: u64) -> Org {
        generate(&Spec { seed, ..Spec::demo(Utc.with_ymd_and_hms(2026, 11, 20, 13, 0, 0).unwrap()) })
    }

    fn category(stage: &str) -> &'static str {
        stage_def(stage).map(|s| s.forecast_type).unwrap_or("?")
    }

    #[test]
    fn histories_are_believable() {
        let org = demo(42);
        let today = org.now.with_timezone(&org.user_tz).date_naive();
        assert_eq!(org.deals().len(), 120);
        for d in org.deals() {
            let h = &d.history;
            assert_eq!(h.last().map(|r| r.stage.as_str()), Some(d.stage.as_str()), "{}: ends in its stage", d.id);
            assert!(h.windows(2).all(|w| w[0].at < w[1].at), "{}: times increase", d.id);
            let seq: Vec<u32> = h.iter().map(|r| stage_def(&r.stage).expect("a picklist stage").sequence).collect();
            assert!(seq.windows(2).all(|w| w[0] < w[1]), "{}: stages in order {seq:?}", d.id);
            assert!(h[0].at >= d.created && d.modified >= h[h.len() - 1].at && d.modified < org.now, "{}", d.id);
            let amount = d.amount.expect("every deal has an amount");
            assert!((2_000.0..=80_000.0).contains(&amount), "{}: {amount}", d.id);
            if category(&d.stage) != "Open" {
                assert_eq!(seq[0], 1, "{}: a closed deal's whole history", d.id);
                assert!(d.closing.is_some_and(|c| c <= today), "{}: closed in the past", d.id);
            }
        }
        let won = org.deals().into_iter().filter(|d| category(&d.stage) == "Closed Won").count();
        let lost = org.deals().into_iter().filter(|d| category(&d.stage) == "Closed Lost").count();
        let open: Vec<&SDeal> = org.deals().into_iter().filter(|d| category(&d.stage) == "Open").collect();
        assert!(won >= 15 && lost >= 15 && open.len() >= 20, "won {won}, lost {lost}, open {}", open.len());
        assert!(open.iter().any(|d| d.closing.is_some_and(|c| c < today)), "some open deals are overdue");
        assert!(
            open.iter().any(|d| d.closing.is_some_and(|c| c > today + Duration::days(45))),
            "some close months ahead"
        );
        let open_stages: BTreeSet<&str> = open.iter().map(|d| d.stage.as_str()).collect();
        assert!(open_stages.len() >= 5, "{open_stages:?}");
        // Lost deals drop out at several stages: the forecast's per-stage conversion has data.
        let dropped_from: BTreeSet<&str> = org
            .deals()
            .into_iter()
            .filter(|d| category(&d.stage) == "Closed Lost")
            .map(|d| d.history[d.history.len() - 2].stage.as_str())
            .collect();
        assert!(dropped_from.len() >= 4, "{dropped_from:?}");
        let sources: BTreeSet<&str> = org.deals().iter().filter_map(|d| d.lead_source.as_deref()).collect();
        assert_eq!(sources.len(), SOURCES.len());
        let owners: BTreeSet<&str> = org.deals().iter().map(|d| d.owner_id.as_str()).collect();
        assert!(owners.len() >= 5, "{owners:?}");
        assert_eq!((org.accounts().len(), org.contacts().len()), (40, 90));
    }

    #[test]
    fn activities_are_believable() {
        let org = demo(42);
        let calls = org.calls();
        let sales_meetings = org.meetings().into_iter().filter(|e| MEETING_TITLES.contains(&e.title.as_str())).count();
        assert_eq!((calls.len(), org.tasks.len(), sales_meetings), (400, 240, 160));
        assert!(org.events.values().all(|e| e.owner_id.is_some()), "every meeting has an owner");
        let past_outbound = calls.iter().filter(|c| c.call_type == "Outbound" && c.start < org.now);
        assert!(past_outbound.clone().count() > 200);
        assert!(past_outbound.into_iter().all(|c| c.status.as_deref() == Some("Completed") && c.duration_secs > 0));
        assert!(calls.iter().filter(|c| c.call_type != "Outbound").all(|c| c.status.is_none()));
        let today = org.now.with_timezone(&org.user_tz).date_naive();
        let overdue = org.tasks.iter().filter(|t| t.status != "Completed" && t.due.is_some_and(|d| d < today)).count();
        assert!(overdue > 10, "{overdue}");
        assert!(org.tasks.iter().all(|t| (t.status == "Completed") == t.closed.is_some()));
        assert!(org
            .meetings()
            .iter()
            .all(|e| e.owner_id.is_some() && e.what.as_ref().is_some_and(|w| w.module != "Leads")));
        let all_times_settled = calls.iter().all(|c| c.created <= c.modified && c.modified < org.now)
            && org.tasks.iter().all(|t| t.created <= t.modified && t.modified < org.now);
        assert!(all_times_settled);
        for m in ["Deals", "Calls", "Tasks", "Events", "Accounts", "Contacts"] {
            assert!(!org.deleted_of(m).is_empty(), "{m} has deleted records");
        }
    }

    #[test]
    fn same_seed_same_sales_and_the_leads_untouched() {
        let key = |o: &Org| {
            o.deals()
                .iter()
                .map(|d| (d.id.clone(), d.stage.clone(), d.amount.map(f64::to_bits), d.history.len()))
                .collect::<Vec<_>>()
        };
        assert_eq!(key(&demo(42)), key(&demo(42)));
        assert_ne!(key(&demo(42)), key(&demo(7)));
        let spec = Spec::demo(Utc.with_ymd_and_hms(2026, 11, 20, 13, 0, 0).unwrap());
        let leads =
            |o: &Org| o.leads.values().map(|l| (l.id.clone(), l.status.clone(), l.modified)).collect::<Vec<_>>();
        let without = generate(&Spec { sales: SalesSpec::none(), ..spec.clone() });
        assert_eq!(leads(&generate(&spec)), leads(&without));
        assert!(without.deals().is_empty() && without.calls().is_empty());
    }

    /// The benchmark's size; run by hand (`--ignored`): a few seconds in release.
    #[test]
    #[ignore]
    fn the_benchmark_spec_generates() {
        let spec = Spec {
            sales: SalesSpec::benchmark(),
            ..Spec::scaled(1, 1_000, Utc.with_ymd_and_hms(2026, 11, 20, 13, 0, 0).unwrap())
        };
        let started = std::time::Instant::now();
        let org = generate(&spec);
        let rows: usize = org.deals().iter().map(|d| d.history.len()).sum();
        eprintln!("benchmark sales side in {:?}: {rows} history rows", started.elapsed());
        assert_eq!(org.deals().len(), 50_000);
        assert!((150_000..=250_000).contains(&rows), "{rows}");
        let meetings = org.meetings().into_iter().filter(|e| MEETING_TITLES.contains(&e.title.as_str())).count();
        assert_eq!(org.calls().len() + org.tasks.len() + meetings, 500_000);
    }
}
