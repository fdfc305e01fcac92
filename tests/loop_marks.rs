//! The follow-up loop in the views, on data synced from the sandbox: the lead story lists a
//! lead's interventions in the order they happened (and nothing after its moment), with the
//! snooze holding now; a snoozed lead wears SNOOZED in the list's text and image and carries
//! its snooze in two CSV columns, formula-safe; the counts do not change.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::*;
use panopticon::alerts::{Intervention, Kind, Snooze};
use panopticon::config::RulesConfig;
use panopticon::render::{table, Page};
use panopticon::store;
use panopticon::views::list::{self, ListKind};
use panopticon::views::{lead, Context, Filter, Snapshot};
use panopticon_sandbox::generate;

fn ctx(rules: &RulesConfig, as_of: DateTime<Utc>) -> Context<'_> {
    Context {
        as_of,
        now: as_of,
        rules,
        max_sync_age: std::time::Duration::from_secs(365 * 24 * 3600),
        crm_url: "https://crm.zoho.com/crm".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_story_lists_interventions_in_order_and_a_snooze_is_marked_everywhere_but_counts() {
    let env = Env::new(generate(&spec(300, 80, 200))).await;
    env.sync().await.unwrap();
    let rules = RulesConfig::default();
    let at = now() + Duration::hours(1);
    let c = ctx(&rules, at);
    let before = Snapshot::load(&env.conn()).unwrap();
    let stale = list::build(&before, &c, ListKind::Stale, &Filter::default(), None);
    let target = stale.rows[0].clone();
    let sl = before.lead(&target.id).unwrap();

    // Recorded out of order of time: a nudge, its answer, a snooze, and one after the moment.
    let mut conn = env.conn();
    let t = |h: i64| now() - Duration::hours(h);
    let mut answer = Intervention::new(Kind::FollowedUp, &target.id, "Bo Diaz", t(2));
    answer.note = Some("Called, booked a revisit".into());
    answer.answers = Some(1);
    let mut nudge = Intervention::new(Kind::Nudge, &target.id, "Ann Coord", t(5));
    nudge.locator = target.locator.clone();
    store::record_intervention(&conn, &answer).unwrap();
    let later = Intervention::new(Kind::NeedHelp, &target.id, "Bo Diaz", at + Duration::hours(3));
    store::record_intervention(&conn, &later).unwrap();
    store::record_intervention(&conn, &nudge).unwrap();
    let reason = "=HYPERLINK(\"http://evil\",\"x\")";
    let mut sn = Intervention::new(Kind::Snooze, &target.id, "Bo Diaz", t(1));
    sn.until = Some(now() + Duration::days(3));
    sn.note = Some(reason.into());
    let snooze = Snooze {
        until: sn.until,
        reason: reason.into(),
        by_name: "Bo Diaz".into(),
        at: sn.at,
        stage: sl.stage.clone(),
        appointment: sl.latest_appointment_key(),
    };
    store::snooze_lead(&mut conn, &sn, &snooze).unwrap();

    let s = Snapshot::load(&conn).unwrap();
    let d = lead::build(&conn, &s, &c, &target.id).unwrap().unwrap();
    let kinds: Vec<Kind> = d.interventions.iter().map(|i| i.kind).collect();
    assert_eq!(kinds, [Kind::Nudge, Kind::FollowedUp, Kind::Snooze], "by time, none after the moment");
    let text = d.table(&c, false);
    let follow = text.split("\nFollow-up\n").nth(1).expect("a follow-up section");
    let lines: Vec<&str> = follow.lines().take(3).collect();
    assert!(lines[0].contains("nudged by Ann Coord"), "{text}");
    assert!(lines[1].contains("answered by Bo Diaz: followed up — “Called, booked a revisit”"), "{text}");
    assert!(lines[2].contains("snoozed until") && lines[2].contains("(by Bo Diaz)"), "{text}");
    assert!(text.contains("Snooze:   SNOOZED until"), "{text}");
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["interventions"][1]["kind"], "followed_up");
    assert_eq!(json["snooze"]["reason"], reason);

    // The list: the mark beside the status, the same counts, the snooze in the CSV, defused.
    let after = list::build(&s, &c, ListKind::Stale, &Filter::default(), None);
    assert_eq!((after.total, after.per_locator.clone()), (stale.total, stale.per_locator.clone()));
    let table_text = after.table(&c, false);
    let marked: Vec<&str> = table_text.lines().filter(|l| l.contains("SNOOZED")).collect();
    assert_eq!(marked.len(), 1, "{table_text}");
    assert!(marked[0].starts_with("STALE SNOOZED") && marked[0].contains(target.name.as_str()), "{table_text}");
    let csv = after.csv();
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().ends_with(",status,stuck_in_green,snoozed_until,snooze_reason"));
    let row = csv.lines().find(|l| l.starts_with(&target.id)).unwrap();
    assert!(row.ends_with(",\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\""), "the formula is text: {row}");
    assert!(row.contains(&format!(",{},", sn.until.map(panopticon::time::Stamp::from_utc).unwrap())), "{row}");
    let others: Vec<&str> = csv.lines().skip(1).filter(|l| !l.starts_with(&target.id)).collect();
    assert!(others.iter().all(|l| l.ends_with(",,")), "no snooze on the others");

    // The image: drawn, and kept for a person to look at.
    let img = table::list(&after, &c, Page { index: 0, per_page: 12 }).unwrap();
    assert!(img.svg.contains("SNOOZED"));
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("stale-snoozed.png");
    std::fs::write(&out, &img.png).unwrap();
}
