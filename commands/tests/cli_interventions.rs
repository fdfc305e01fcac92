//! `panopticon report interventions` on a database synced from the sandbox, with interventions
//! recorded through the store API: a nudge answered five hours later moves its locator's
//! numbers by exactly that; table, JSON and CSV agree; a hostile locator name is defused in CSV.

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use panopticon::alerts::{Intervention, Kind};
use panopticon::store::{record_intervention, Store};
use panopticon_sandbox::Spec;
use serde_json::Value;
use support::{run, ConfigFile};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 14, 0, 0).unwrap()
}

const AS_OF: &str = "2026-11-20T09:00:00-05:00";

async fn json(config: &std::path::Path, args: &[&str]) -> Value {
    let (code, out, err) = run(config, args).await;
    assert_eq!(code, Some(0), "{err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn row<'a>(doc: &'a Value, locator: &str) -> &'a Value {
    doc["rows"].as_array().unwrap().iter().find(|r| r["locator"] == locator).unwrap_or_else(|| panic!("{locator}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interventions_report_counts_recorded_follow_ups() {
    let sb = support::sandbox(&Spec { seed: 8, ..Spec::demo(now()) }).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let config = ConfigFile::sandbox(&sb, &db).write(&dir.path().join("config.toml"));
    let out = run(&config, &["sync"]).await;
    assert!(out.0 == Some(0), "{}", out.1);

    // A stale lead (no stage change since its appointment): its wait is open until acted on.
    let stale = json(&config, &["report", "stale", "--format", "json", "--as-of", AS_OF]).await;
    let lead = &stale["rows"][0];
    let (id, locator) = (lead["id"].as_str().unwrap(), lead["locator"].as_str().unwrap().to_string());
    let appointment: DateTime<Utc> = lead["appointment_at"].as_str().unwrap().parse().unwrap();
    let report = ["report", "interventions", "--format", "json", "--as-of", AS_OF];
    let before = json(&config, &report).await;
    assert_eq!(before["view"], "interventions");
    assert!(before["last_sync_at"].is_string() && before["as_of"].is_string());
    assert_eq!(before["weeks"].as_array().unwrap().len(), 8);
    assert_eq!(before["total"]["response"]["count"], 0, "no nudge yet");
    let b = &row(&before, &locator)["to_intervention"];

    // Nudged 30 h after the appointment, answered 5 h later; and a nudge on another lead under
    // a hostile locator name, never answered.
    {
        let store = Store::open(&db).unwrap();
        let conn = store.connect().unwrap();
        let mut nudge = Intervention::new(Kind::Nudge, id, "Cleo Coord", appointment + Duration::hours(30));
        nudge.locator = Some(locator.clone());
        let nudge_id = record_intervention(&conn, &nudge).unwrap();
        let mut answer = Intervention::new(Kind::FollowedUp, id, &locator, appointment + Duration::hours(35));
        answer.answers = Some(nudge_id);
        answer.locator = Some(locator.clone());
        record_intervention(&conn, &answer).unwrap();
        let other = stale["rows"][1]["id"].as_str().unwrap();
        let mut hostile = Intervention::new(Kind::Nudge, other, "Cleo Coord", now() - Duration::hours(10));
        hostile.locator = Some("=HYPERLINK(\"http://evil\",\"x\")".into());
        record_intervention(&conn, &hostile).unwrap();
    }
    let after = json(&config, &report).await;
    let a = &row(&after, &locator)["to_intervention"];
    // The stale lead's open wait ended at the nudge: one more acted on, one fewer open.
    assert_eq!(a["count"], b["count"]);
    assert_eq!(a["answered"].as_u64().unwrap(), b["answered"].as_u64().unwrap() + 1);
    assert_eq!(a["open"].as_u64().unwrap(), b["open"].as_u64().unwrap() - 1);
    let r = &row(&after, &locator)["response"];
    assert_eq!((r["count"].as_u64(), r["answered"].as_u64(), r["open"].as_u64()), (Some(1), Some(1), Some(0)));
    assert_eq!(r["median_hours"], 5.0);
    assert_eq!(r["median"], "5 h");
    let t = &after["total"]["response"];
    assert_eq!(
        (t["count"].as_u64(), t["open"].as_u64(), t["oldest_open_hours"].as_f64()),
        (Some(2), Some(1), Some(10.0))
    );
    // This week's nudge (the hostile one, 19 Nov) is in this week's trend.
    let weeks = after["weeks"].as_array().unwrap();
    assert_eq!(weeks[7]["week"], "2026-W47");
    assert!(weeks[7]["response"]["count"].as_u64().unwrap() >= 1);

    // --locator narrows the rows to that locator.
    let only =
        json(&config, &["report", "interventions", "--format", "json", "--as-of", AS_OF, "--locator", &locator]).await;
    assert_eq!(only["rows"].as_array().unwrap().len(), 1);
    assert_eq!(only["total"]["response"]["median_hours"], 5.0);

    let (code, table, err) = run(&config, &["report", "interventions", "--as-of", AS_OF]).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(table.starts_with("FOLLOW-UP — "), "{table}");
    let line = table.lines().find(|l| l.starts_with(&locator)).unwrap();
    assert!(line.trim_end().ends_with("5 h"), "{line}");
    assert!(table.contains("2026-W47"), "{table}");

    let (code, csv, err) = run(&config, &["report", "interventions", "--format", "csv", "--as-of", AS_OF]).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(csv.starts_with("locator,appointments,acted_on,open,median_hours_to_intervention,"), "{csv}");
    assert!(csv.contains("\n\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",0,0,0,,,,1,0,1,,\n"), "{csv}");
    assert!(!csv.contains("\n=") && !csv.contains(",="), "no live formula: {csv}");
    let mine = csv.lines().find(|l| l.starts_with(&format!("{locator},"))).unwrap();
    assert!(mine.ends_with(",1,1,0,5.0,5.0"), "{mine}");
}
