//! `panopticon report` against a database synced from the sandbox: JSON rows checked one by
//! one against the rules computed independently here from the sandbox's own data, CSV and table
//! forms, and every kind of bad input answered with exit code 2 and a useful message.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::America::New_York;
use panopticon_sandbox::{Org, Sandbox, Spec};
use serde_json::Value;
use support::{run, ConfigFile};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 14, 0, 0).unwrap()
}

struct Setup {
    sb: Sandbox,
    _dir: tempfile::TempDir,
    config: PathBuf,
}

async fn setup() -> Setup {
    let sb = support::sandbox(&Spec { seed: 8, ..Spec::demo(now()) }).await;
    let dir = tempfile::tempdir().unwrap();
    let config = ConfigFile::sandbox(&sb, &dir.path().join("p.db")).write(&dir.path().join("config.toml"));
    let out = run(&config, &["sync"]).await;
    assert!(out.0 == Some(0), "{}", out.1);
    Setup { sb, _dir: dir, config }
}

async fn json(config: &Path, args: &[&str]) -> Value {
    let (code, out, err) = run(config, args).await;
    assert_eq!(code, Some(0), "{err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// What the rules should say, computed here from the org without the engine's code.
#[derive(Debug, PartialEq)]
struct Expect {
    status: &'static str,
    days_since: Option<i64>,
    appointment_utc: DateTime<Utc>,
    days_in_stage: Option<i64>,
    stage: Option<String>,
    stuck: bool,
}

fn date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&New_York).date_naive()
}

/// The sync reads the history of open appointed leads only (DESIGN §4): for the others, no
/// stage change is known, so their days in stage are unknown (`None`), and at a past `as_of`
/// only leads open at sync time can be judged exactly.
fn expected(org: &Org, as_of: DateTime<Utc>) -> BTreeMap<String, Expect> {
    let read = history_read(org);
    expected_with(org, as_of, &read)
}

/// Leads whose timeline the first sync read: appointed and open when it ran (at `now()`).
fn history_read(org: &Org) -> BTreeSet<String> {
    let all: BTreeSet<String> = org.leads.keys().cloned().collect();
    expected_with(org, now(), &all).into_iter().filter(|(_, e)| e.status != "closed").map(|(id, _)| id).collect()
}

fn expected_with(org: &Org, as_of: DateTime<Utc>, read: &BTreeSet<String>) -> BTreeMap<String, Expect> {
    let closed = ["Delivered", "Dead", "Junk Lead", "Lost Lead"];
    let green = ["Green - Approved", "Green - Install Scheduled"];
    let mut starts: BTreeMap<&str, Vec<DateTime<Utc>>> = BTreeMap::new();
    for (e, lead) in org.event_appointments() {
        starts.entry(lead).or_default().push(e.start);
    }
    let today = date(as_of);
    let mut out = BTreeMap::new();
    for (id, s) in starts {
        let l = &org.leads[id];
        if l.created > as_of {
            continue;
        }
        let hist = if read.contains(id) { org.stage_history(id) } else { vec![] };
        let stage = hist.iter().find(|h| h.1 > as_of).map(|h| h.2.clone()).unwrap_or_else(|| l.status.clone());
        let past: Vec<DateTime<Utc>> = s.iter().copied().filter(|t| *t <= as_of).collect();
        let future: Vec<DateTime<Utc>> = s.iter().copied().filter(|t| *t > as_of).collect();
        let reference = past.iter().max().copied();
        let last_change = hist.iter().filter(|h| h.1 <= as_of).map(|h| h.1).max();
        let since = last_change.or(read.contains(id).then_some(l.created));
        let days_in_stage = since.map(|s| (today - date(s)).num_days());
        let days_since = reference.map(|a| (today - date(a)).num_days());
        let is_closed = l.converted || stage.as_deref().is_some_and(|s| closed.contains(&s));
        let status = if is_closed {
            "closed"
        } else if !future.is_empty() {
            "upcoming"
        } else if hist.iter().any(|h| h.1 > reference.unwrap() && h.1 <= as_of) {
            "progressed"
        } else if days_since.unwrap() >= 7 {
            "stale"
        } else if days_since.unwrap() >= 5 {
            "at_risk"
        } else {
            "awaiting"
        };
        let stuck = stage.as_deref().is_some_and(|s| green.contains(&s)) && days_in_stage.is_some_and(|d| d >= 14);
        out.insert(
            id.to_string(),
            Expect {
                status,
                days_since,
                // An upcoming lead shows the appointment that makes it upcoming.
                appointment_utc: if status == "upcoming" { future.iter().min().copied() } else { reference }
                    .or_else(|| future.iter().min().copied())
                    .unwrap(),
                days_in_stage,
                stage,
                stuck,
            },
        );
    }
    out
}

fn check_rows(rows: &[Value], want: &BTreeMap<String, Expect>) -> usize {
    let mut checked = 0;
    for r in rows {
        let id = r["id"].as_str().unwrap();
        let e = want.get(id).unwrap_or_else(|| panic!("lead {id} is not appointed"));
        let at = DateTime::parse_from_rfc3339(r["appointment_at"].as_str().unwrap()).unwrap().with_timezone(&Utc);
        let got = Expect {
            status: match r["status"].as_str().unwrap() {
                "closed" => "closed",
                "upcoming" => "upcoming",
                "progressed" => "progressed",
                "awaiting" => "awaiting",
                "at_risk" => "at_risk",
                "stale" => "stale",
                other => panic!("status {other}"),
            },
            days_since: r["days_since_appointment"].as_i64(),
            appointment_utc: at,
            days_in_stage: r["days_in_stage"].as_i64(),
            stage: r["stage"].as_str().map(String::from),
            stuck: r["stuck_in_green"].as_bool().unwrap(),
        };
        assert_eq!(&got, e, "lead {id}");
        checked += 1;
    }
    checked
}

const CONTRACT: &[&str] = &[
    "id",
    "name",
    "company",
    "stage",
    "locator",
    "appointment_at",
    "days_since_appointment",
    "last_stage_change_at",
    "days_in_stage",
    "status",
    "stuck_in_green",
    "snoozed_until",
    "snooze_reason",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_rows_match_an_independent_computation() {
    let s = setup().await;
    let as_of = "2026-11-20T09:00:00-05:00";
    let want = s.sb.org(|o| expected(o, now()));

    let doc = json(&s.config, &["report", "leads", "--format", "json", "--as-of", as_of]).await;
    for k in ["as_of", "last_sync_at", "total", "rows"] {
        assert!(doc.get(k).is_some(), "document has {k}");
    }
    let rows = doc["rows"].as_array().unwrap();
    for r in rows {
        for k in CONTRACT {
            assert!(r.get(*k).is_some(), "row has {k}: {r}");
        }
    }
    assert_eq!(doc["total"].as_u64().unwrap() as usize, rows.len());
    assert_eq!(rows.len(), want.len(), "every appointed lead, once");
    assert_eq!(check_rows(rows, &want), want.len());

    // The stale list: exactly the stale leads, most overdue first.
    let doc = json(&s.config, &["report", "stale", "--format", "json", "--as-of", as_of]).await;
    let got: Vec<&str> = doc["rows"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    let mut stale: Vec<(&String, &Expect)> = want.iter().filter(|(_, e)| e.status == "stale").collect();
    let name = |id: &str| s.sb.org(|o| o.leads[id].full_name().unwrap_or_else(|| "(no name)".into()));
    stale
        .sort_by(|a, b| b.1.days_since.cmp(&a.1.days_since).then_with(|| name(a.0).cmp(&name(b.0))).then(a.0.cmp(b.0)));
    assert!(stale.len() > 20, "the fixture has stale leads");
    assert_eq!(got, stale.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>());

    let doc = json(&s.config, &["report", "at-risk", "--format", "json", "--as-of", as_of]).await;
    let got: BTreeSet<&str> = doc["rows"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    let at_risk: BTreeSet<&str> =
        want.iter().filter(|(_, e)| e.status == "at_risk").map(|(id, _)| id.as_str()).collect();
    assert_eq!(got, at_risk);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_past_as_of_shows_what_was_stale_then() {
    let s = setup().await;
    // "What was stale last Monday?" — the end of Monday 16 November in New York.
    let monday = New_York.with_ymd_and_hms(2026, 11, 16, 23, 59, 59).unwrap().with_timezone(&Utc);
    let want = s.sb.org(|o| expected(o, monday));
    let doc = json(&s.config, &["report", "leads", "--format", "json", "--as-of", "2026-11-16"]).await;
    let rows = doc["rows"].as_array().unwrap();
    // Leads created after Monday did not exist then.
    assert_eq!(rows.len(), want.len());
    assert_eq!(check_rows(rows, &want), want.len());
    let statuses: BTreeSet<&str> = rows.iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert!(statuses.contains("stale") && statuses.contains("upcoming"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_and_table_forms() {
    let s = setup().await;
    let doc = json(&s.config, &["report", "stale", "--format", "json"]).await;
    let (code, csv, _) = run(&s.config, &["report", "stale", "--format", "csv"]).await;
    assert_eq!(code, Some(0));
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], CONTRACT.join(","));
    assert_eq!(lines.len() - 1, doc["total"].as_u64().unwrap() as usize);
    let ids: Vec<&str> = lines[1..].iter().map(|l| l.split(',').next().unwrap()).collect();
    let json_ids: Vec<&str> = doc["rows"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, json_ids);

    // Piped, the table is plain text: no colour codes.
    let (code, table, _) = run(&s.config, &["report", "stale"]).await;
    assert_eq!(code, Some(0));
    assert!(!table.contains('\x1b'));
    assert!(table.starts_with(&format!("STALE — {} leads as of", doc["total"])));
    for view in ["leads", "calendar", "pipeline", "locators"] {
        let (code, out, err) = run(&s.config, &["report", view, "--format", "csv"]).await;
        assert_eq!(code, Some(0), "{view}: {err}");
        assert!(out.lines().count() > 1, "{view}");
        let (code, out, _) = run(&s.config, &["report", view, "--format", "json"]).await;
        assert_eq!(code, Some(0));
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["view"], view);
        if view == "pipeline" {
            // Appointed leads are some of the leads in every row, converted ones included.
            assert!(v["converted_appointed"].as_u64().unwrap() > 0, "the org has converted appointed leads");
            assert!(v["converted_appointed"].as_u64() <= v["converted"].as_u64());
            for st in v["stages"].as_array().unwrap() {
                assert!(st["appointed"].as_u64() <= st["leads"].as_u64(), "{st}");
            }
        }
    }
    // A lead by a unique piece of its company, and by id.
    let id = json_ids[0];
    let (code, out, err) = run(&s.config, &["report", "lead", id]).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains(&format!("https://crm.zoho.com/crm/tab/Leads/{id}")));
    assert!(out.contains("Stage history"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_exits_2_with_a_useful_message() {
    let s = setup().await;
    let cases: &[(&[&str], &str)] = &[
        (&["report", "stael"], "unrecognized subcommand 'stael'\n\n  tip: a similar subcommand exists: 'stale'"),
        (&["report", "stale", "--stage", "Folow Up"], "did you mean 'Follow Up'"),
        (&["report", "leads", "--locator", "kenji"], "'Kenji Watanabe'"),
        (&["report", "leads", "--status", "stail"], "  tip: a similar value exists: 'stale'"),
        (
            &["report", "leads", "--from", "2026-11-20", "--to", "2026-11-01"],
            "--from 2026-11-20 is after --to 2026-11-01",
        ),
        (&["report", "leads", "--from", "11/20/2026"], "--from '11/20/2026' is not a date"),
        (&["report", "stale", "--as-of", "last monday"], "--as-of 'last monday' is not a time"),
        (&["report", "stale", "--status", "stale"], "unexpected argument '--status' found"),
        (&["report", "leads", "--sort", "dayz"], "invalid value 'dayz' for '--sort <KEY>'"),
        (&["report", "calendar", "--period", "fortnight"], "invalid value 'fortnight' for '--period <P>'"),
        (&["report", "lead"], "the following required arguments were not provided:\n  <ID_OR_NAME>"),
        (&["report", "lead", "zzzz-nobody"], "no lead has the id, name or company"),
        (&["report", "stale", "--format", "xml"], "invalid value 'xml' for '--format <FORMAT>'"),
    ];
    for (args, expect) in cases {
        let (code, out, err) = run(&s.config, args).await;
        assert_eq!(code, Some(2), "{args:?}: {out}{err}");
        assert!(err.contains(expect), "{args:?}: {err}");
        // Plain sentences: never "did you mean 'x'?." glued to the next one.
        assert!(!err.contains("?."), "{args:?}: {err}");
    }
    // A name shared by many leads lists them.
    let (code, _, err) = run(&s.config, &["report", "lead", "a"]).await;
    assert_eq!(code, Some(2));
    assert!(err.contains("matches 10 leads; give the id of one"), "{err}");

    // No database, and an empty one.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("none.db");
    let cfg = ConfigFile::offline(&db).write(&dir.path().join("c.toml"));
    let (code, _, err) = run(&cfg, &["report", "stale"]).await;
    assert_eq!(code, Some(2));
    assert!(err.contains("there is no database") && err.contains("panopticon sync"), "{err}");
    panopticon::store::Store::open(&db).unwrap();
    let (code, _, err) = run(&cfg, &["report", "stale"]).await;
    assert_eq!(code, Some(2));
    assert!(err.contains("the database is empty: run `panopticon sync` first"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn digest_dry_run_prints_the_morning_view() {
    let s = setup().await;
    let as_of = "2026-11-20T08:00";
    let (code, out, err) = run(&s.config, &["digest", "--dry-run", "--as-of", as_of]).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(out.starts_with("MORNING DIGEST — Friday 20 November 2026"), "{out}");
    let stale = json(&s.config, &["report", "stale", "--format", "json", "--as-of", as_of]).await;
    let at_risk = json(&s.config, &["report", "at-risk", "--format", "json", "--as-of", as_of]).await;
    // A view in another case or spelling, and the shared flags before it, are the same report.
    let again = json(&s.config, &["report", "--format", "json", "--as-of", as_of, "At_Risk"]).await;
    assert_eq!(again, at_risk);
    let headline = out.lines().nth(1).unwrap();
    assert!(headline.starts_with(&format!("Stale {} · At risk {} · ", stale["total"], at_risk["total"])), "{headline}");
    assert!(out.contains("STALE — ") && out.contains("AT RISK — ") && out.contains("CALENDAR — "));
    // Posting is always today's digest.
    let (code, _, err) = run(&s.config, &["digest", "--as-of", as_of]).await;
    assert_eq!(code, Some(2));
    assert!(err.contains("--as-of goes with --dry-run"), "{err}");
}
