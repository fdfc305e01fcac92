//! A narrow load (`Snapshot::load_for` with a view's `Need`) shows exactly what the full
//! snapshot shows: the stale, at-risk and leads lists and the calendar, as JSON, for several
//! synced orgs (seeds, sizes, an API user far east with all-day meetings, hostile text), rules
//! (thresholds per stage, business days and holidays, more closed stages, other zones) and
//! moments (around the DST change, past, future, mid-second).

mod common;

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use common::{now, spec, Env};
use panopticon::config::{RulesConfig, Thresholds};
use panopticon::rules::Status;
use panopticon::views::calendar::{self, Period};
use panopticon::views::list::{self, ListKind};
use panopticon::views::{known_names, Context, Filter, Need, Snapshot};
use panopticon_sandbox::org::STimelineEntry;
use panopticon_sandbox::{generate, Org, Spec};

/// Three generated orgs and a hostile one, each synced into its own database.
async fn orgs() -> Vec<(&'static str, Env)> {
    let mut out = Vec::new();
    let mut scaled = generate(&Spec::scaled(7, 1_500, now()));
    // A few meetings all day, sent as midnights of a zone far from the business zone.
    scaled.user_tz = chrono_tz::Asia::Kolkata;
    all_day_every(&mut scaled, 4);
    out.push(("scaled, all-day", scaled));
    out.push(("small", generate(&Spec { seed: 3, ..spec(400, 120, 300) })));
    let mut east = generate(&Spec { seed: 19, user_tz: chrono_tz::Pacific::Kiritimati, ..spec(600, 200, 420) });
    all_day_every(&mut east, 3);
    out.push(("+14:00, all-day", east));
    let mut hostile = generate(&Spec::scaled(11, 300, now()));
    for l in hostile.leads.values_mut() {
        l.last_name = Some(format!("{}\x1b[2J\u{202E}dcba", l.last_name.clone().unwrap_or_default()));
        l.company = Some("=HYPERLINK(\"http://evil.example\",\"Click\")".into());
    }
    for u in &mut hostile.users {
        u.last_name = "Whit\x1b[8mfield".into();
    }
    out.push(("hostile", hostile));
    let mut envs = Vec::new();
    for (name, org) in out {
        let env = Env::new(org).await;
        env.sync().await.unwrap();
        envs.push((name, env));
    }
    envs
}

/// Makes every `n`th lead meeting an all-day one, starting at midnight in the API user's zone
/// as Zoho sends them; every other one's lead moves a stage three hours after that midnight,
/// which is before the day starts in a business zone further west: not progress.
fn all_day_every(org: &mut Org, n: usize) {
    let tz = org.user_tz;
    let mut moved = Vec::new();
    for (i, e) in
        org.events.values_mut().filter(|e| e.what.as_ref().is_some_and(|w| w.module == "Leads")).step_by(n).enumerate()
    {
        let midnight = e.start.with_timezone(&tz).date_naive().and_hms_opt(0, 0, 0).unwrap();
        e.start = tz.from_local_datetime(&midnight).earliest().unwrap().with_timezone(&Utc);
        e.end = e.start + Duration::days(1);
        e.all_day = true;
        if i % 2 == 0 && e.start + Duration::hours(3) < org.now - Duration::minutes(1) {
            moved.push((e.what.as_ref().unwrap().id.clone(), e.start + Duration::hours(3)));
        }
    }
    for (lead, at) in moved {
        let id = org.new_id();
        let Some(l) = org.leads.get_mut(&lead) else { continue };
        l.modified = l.modified.max(at);
        let entry = STimelineEntry {
            id,
            audited: at,
            done_by: "Chris Alvarez".into(),
            done_by_id: "1".into(),
            action: "updated".into(),
            changes: vec![("Lead_Status".into(), l.status.clone(), Some("Proposal".into()))],
            overrides: Default::default(),
        };
        org.timeline.entry(lead).or_default().push(entry);
    }
}

fn rule_sets() -> Vec<(&'static str, RulesConfig)> {
    let d = RulesConfig::default();
    let per_stage = BTreeMap::from([
        ("Proposal".to_string(), Thresholds { at_risk_days: 2, stale_days: 3 }),
        ("Follow Up".to_string(), Thresholds { at_risk_days: 9, stale_days: 12 }),
    ]);
    let holidays = vec![NaiveDate::from_ymd_opt(2026, 11, 11).unwrap(), NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()];
    let mut closed = d.closed_stages.clone();
    closed.extend(["Follow Up".to_string(), "Appt Not Acknowledged".to_string()]);
    vec![
        ("default", d.clone()),
        ("per stage, business days", RulesConfig { per_stage, business_days: true, holidays, ..d.clone() }),
        (
            "more closed stages, Kolkata",
            RulesConfig { closed_stages: closed, timezone: chrono_tz::Asia::Kolkata, ..d.clone() },
        ),
        ("zero days, Auckland", {
            let zero = Thresholds { at_risk_days: 0, stale_days: 0 };
            RulesConfig { default: zero, timezone: chrono_tz::Pacific::Auckland, ..d }
        }),
    ]
}

fn moments() -> Vec<DateTime<Utc>> {
    let at = |y, m, d, h, min| Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap();
    vec![
        at(2026, 11, 20, 13, 0),
        // New York falls back at 06:00 UTC on 1 November: inside the repeated hour, and after.
        at(2026, 11, 1, 5, 30),
        at(2026, 11, 2, 4, 59),
        // Auckland springs forward on 27 September.
        at(2026, 9, 26, 14, 30),
        at(2026, 11, 20, 13, 0) + Duration::milliseconds(999),
        at(2026, 12, 31, 23, 59),
        at(2025, 6, 1, 0, 0),
    ]
}

fn ctx(rules: &RulesConfig, as_of: DateTime<Utc>) -> Context<'_> {
    Context {
        as_of,
        now: now(),
        rules,
        max_sync_age: std::time::Duration::from_secs(86_400),
        crm_url: "https://crm.zoho.com/crm".into(),
    }
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap()
}

/// Equal JSON, or a failure naming the case and the first line that differs.
fn assert_same<T: serde::Serialize>(got: &T, want: &T, case: &str) {
    let (got, want) = (json(got), json(want));
    if got != want {
        let line = got.lines().zip(want.lines()).position(|(g, w)| g != w).unwrap_or(0);
        let at = |s: &str| s.lines().skip(line.saturating_sub(3)).take(4).collect::<Vec<_>>().join("\n");
        panic!("{case}: the narrow load differs at line {line}:\n{}\nthe full snapshot:\n{}", at(&got), at(&want));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_narrow_load_shows_what_the_full_snapshot_shows() {
    let statuses: Vec<Vec<Status>> = vec![
        vec![],
        vec![Status::Stale],
        vec![Status::AtRisk, Status::Awaiting],
        vec![Status::Progressed],
        vec![Status::Stale, Status::Closed],
    ];
    // Narrow loads that read fewer leads than a full one, and lists that are not empty: the
    // comparison is about something.
    let (mut narrower, mut shown) = (0, 0);
    for (org, env) in orgs().await {
        let conn = env.conn();
        let full = Snapshot::load(&conn).unwrap();
        for (rules_name, rules) in rule_sets() {
            let known = known_names(&conn, &rules).unwrap();
            assert_eq!(known, (full.known_stages(&rules), full.known_locators()), "{org}, {rules_name}");
            for as_of in moments() {
                let ctx = ctx(&rules, as_of);
                let case = format!("{org}, {rules_name}, as of {as_of}");
                for kind in [ListKind::Stale, ListKind::AtRisk, ListKind::Leads] {
                    for wanted in &statuses {
                        let filter = Filter { statuses: wanted.clone(), ..Filter::default() };
                        let need = Need::list(kind, &filter, &ctx);
                        let narrow = Snapshot::load_for(&conn, &need, &rules).unwrap();
                        narrower += usize::from(narrow.leads.len() < full.leads.len());
                        let want = list::build(&full, &ctx, kind, &filter, None);
                        let got = list::build(&narrow, &ctx, kind, &filter, None);
                        shown += usize::from(!want.rows.is_empty());
                        assert_same(&got, &want, &format!("{case}: {kind:?} {wanted:?}"));
                    }
                }
                let today = ctx.today();
                let periods = [
                    Period::day(today),
                    Period::week(today),
                    Period::month(today),
                    Period::range(today - Duration::days(40), today + Duration::days(20)),
                ];
                for period in periods {
                    for wanted in &statuses[..3] {
                        let filter = Filter { statuses: wanted.clone(), ..Filter::default() };
                        let narrow = Snapshot::load_for(&conn, &Need::calendar(&period), &rules).unwrap();
                        let want = calendar::build(&full, &ctx, period, &filter);
                        let got = calendar::build(&narrow, &ctx, period, &filter);
                        assert_same(&got, &want, &format!("{case}: calendar {period:?} {wanted:?}"));
                    }
                }
            }
        }
    }
    assert!(narrower > 500, "only {narrower} narrow loads read fewer leads");
    assert!(shown > 300, "only {shown} lists had rows");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stale_list_reads_a_fraction_of_the_appointed_leads() {
    let env = Env::new(generate(&Spec::scaled(5, 2_000, now()))).await;
    env.sync().await.unwrap();
    let conn = env.conn();
    let rules = RulesConfig::default();
    let ctx = ctx(&rules, Utc.with_ymd_and_hms(2026, 11, 20, 13, 0, 0).unwrap());
    let full = Snapshot::load(&conn).unwrap();
    let narrow = Snapshot::load_for(&conn, &Need::list(ListKind::Stale, &Filter::default(), &ctx), &rules).unwrap();
    let stale = list::build(&full, &ctx, ListKind::Stale, &Filter::default(), None).rows.len();
    // Every stale lead, and not many more: no upcoming, converted, closed or progressed ones.
    assert!(
        narrow.leads.len() >= stale && narrow.leads.len() * 2 < full.leads.len(),
        "{} of {} for {stale} stale",
        narrow.leads.len(),
        full.leads.len()
    );
    // The sync record still comes with it: the header is the same.
    assert_eq!(narrow.last_good_run, full.last_good_run);
    assert!(!narrow.is_empty());
}
