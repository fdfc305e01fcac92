//! `panopticon report dashboard|deals|forecast|sources|activity|search` against a store filled
//! through the store's upserts with the hand-worked org (tests/sales_org): the JSON fields and
//! numbers, the table and CSV forms, and bad input answered with exit code 2 and what to do.

#[path = "../../tests/sales_org/mod.rs"]
mod sales_org;
mod support;

use std::path::PathBuf;

use panopticon::store::Store;
use serde_json::Value;
use support::{run, ConfigFile};

/// "Now" for every run: noon on Monday 16 Nov 2026 in New York (the org's now).
const AS_OF: &str = "--as-of=2026-11-16T12:00";

struct Setup {
    _dir: tempfile::TempDir,
    config: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    {
        let store = Store::open(&db).unwrap();
        let conn = store.connect().unwrap();
        sales_org::fill(&conn, &sales_org::sales(), &sales_org::leads(), &sales_org::directory());
    }
    let config = ConfigFile::offline(&db)
        .then(
            "[rules]\ntimezone = \"America/New_York\"\n\
             [[targets]]\nperiod = \"month\"\nvalue = 30000\n",
        )
        .write(&dir.path().join("config.toml"));
    Setup { _dir: dir, config }
}

async fn json(s: &Setup, args: &[&str]) -> Value {
    let mut all = vec!["report", AS_OF, "--format", "json"];
    all.extend_from_slice(args);
    let (code, out, err) = run(&s.config, &all).await;
    assert_eq!(code, Some(0), "{args:?}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

async fn fails(s: &Setup, args: &[&str]) -> String {
    let mut all = vec!["report", AS_OF];
    all.extend_from_slice(args);
    let (code, out, err) = run(&s.config, &all).await;
    assert_eq!(code, Some(2), "{args:?} should be refused: {out}{err}");
    assert!(out.is_empty(), "{out}");
    err
}

fn card<'a>(v: &'a Value, key: &str) -> &'a Value {
    v["scorecards"].as_array().unwrap().iter().find(|c| c["key"] == key).unwrap_or_else(|| panic!("{key}"))
}

#[tokio::test]
async fn dashboard_json_and_table() {
    let s = setup();
    let v = json(&s, &["dashboard"]).await;
    assert_eq!(v["view"], "dashboard");
    assert_eq!(v["period"]["label"], "1–16 Nov 2026");
    // The numbers worked by hand in tests/sales_kpi.rs; the target is 30,000 × 16/30.
    let won = card(&v, "won_revenue");
    assert_eq!(
        (won["value"].as_f64(), won["previous"].as_f64(), won["target"].as_f64()),
        (Some(10_000.0), Some(6_000.0), Some(16_000.0))
    );
    assert_eq!(card(&v, "pipeline")["value"].as_f64(), Some(36_000.0));
    assert_eq!(card(&v, "new_leads")["value"].as_f64(), Some(4.0));
    assert_eq!(v["closing_soon"][0]["id"], "D1");
    // Narrowed to Ann, by name.
    let ann = json(&s, &["dashboard", "--owner", "Ann Lee"]).await;
    assert_eq!(card(&ann, "pipeline")["value"].as_f64(), Some(16_000.0));
    assert_eq!(ann["query"]["who"], serde_json::json!({"kind": "owner", "id": "u1"}));
    // The table a person reads.
    let (code, out, err) = run(&s.config, &["report", AS_OF, "dashboard"]).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("SALES DASHBOARD — 1–16 Nov 2026 (vs 1–16 Oct 2026)"), "{out}");
    assert!(out.contains("Won revenue") && out.contains("$10,000") && out.contains("$16,000"), "{out}");
}

#[tokio::test]
async fn deals_filters_sort_and_csv() {
    let s = setup();
    let v = json(&s, &["deals", "--sort", "closing", "--limit", "3", "--page", "2"]).await;
    assert_eq!((v["total"].as_u64(), v["pages"].as_u64(), v["page"].as_u64()), (Some(7), Some(3), Some(1)));
    let ids: Vec<&str> = v["deals"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["D6", "D8", "D1"]);
    let v =
        json(&s, &["deals", "--min-amount", "4,000", "--max-amount", "10000", "--closing", "2026-11-01..2026-11-30"])
            .await;
    let ids: Vec<&str> = v["deals"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["D1", "D4", "D6"]);
    let v = json(&s, &["deals", "--stage", "closed won", "--source", "REFERRAL"]).await;
    assert_eq!(v["deals"][0]["id"], "D8");
    assert_eq!(v["total"], 1);
    let (code, out, _) = run(&s.config, &["report", AS_OF, "--format", "csv", "deals", "--pipeline", "renewals"]).await;
    assert_eq!(code, Some(0));
    assert_eq!(
        out,
        "id,name,stage,category,pipeline,owner,account,amount,probability,closing_date,lead_source\n\
         D3,Deal D3,Proposal/Price Quote,open,Renewals,Bob Ray,Acme D3,20000.00,75,2026-11-10,Web\n"
    );
}

#[tokio::test]
async fn forecast_sources_activity_search() {
    let s = setup();
    let f = json(&s, &["forecast"]).await;
    assert_eq!(f["months"][0]["label"], "Nov 2026");
    assert_eq!(f["months"][0]["weighted"].as_f64(), Some(24_400.0));
    assert_eq!(f["months"][0]["target"].as_f64(), Some(30_000.0));
    let src = json(&s, &["sources"]).await;
    assert_eq!(src["overall"]["leads"], 4);
    assert_eq!(src["sources"][0]["source"], "Web");
    assert_eq!(src["mql_sql"]["rate"].as_f64(), Some(0.5));
    let a = json(&s, &["activity", "--team", "maya@x.test"]).await;
    assert_eq!(a["total"]["calls"], 2);
    assert_eq!(a["people"][1]["tasks_overdue"], 1);
    let hits = json(&s, &["search", "jose garcia"]).await;
    assert_eq!(hits["hits"][0]["id"], "C1");
    assert_eq!(hits["hits"][0]["kind"], "contact");
    let (code, out, _) = run(&s.config, &["report", "search", "nobody here"]).await;
    assert_eq!((code, out.as_str()), (Some(0), "Nothing found.\n"));
}

#[tokio::test]
async fn bad_input_is_exit_2_with_what_to_do() {
    let s = setup();
    assert!(fails(&s, &["dashboard", "--period", "fortnight"]).await.contains("this-month"));
    assert!(fails(&s, &["dashboard", "--owner", "Zed"]).await.contains("no CRM user has the id, email or name 'Zed'"));
    assert!(fails(&s, &["dashboard", "--source", "Billboard"]).await.contains("Referral, Web"));
    assert!(fails(&s, &["forecast", "--pipeline", "Nope"]).await.contains("Renewals"));
    assert!(fails(&s, &["deals", "--min-amount", "lots"]).await.contains("--min-amount: 'lots' is not an amount"));
    assert!(fails(&s, &["deals", "--closing", "2026-12-01..2026-11-01"]).await.contains("ends"));
    assert!(fails(&s, &["deals", "--sort", "size"]).await.contains("amount"));
    assert!(fails(&s, &["deals", "--limit", "0"]).await.contains("--limit"));
    assert!(fails(&s, &["dashboard", "--owner", "u1", "--team", "u3"]).await.contains("cannot be used with"));
    assert!(fails(&s, &["search", "--"]).await.contains("search"));
    assert!(fails(&s, &["search", "!!"]).await.contains("give a name"));
    // Help that helps.
    let (code, out, _) = run(&s.config, &["report", "deals", "--help"]).await;
    assert_eq!(code, Some(0));
    for flag in [
        "--period",
        "--owner",
        "--team",
        "--source",
        "--pipeline",
        "--stage",
        "--closing",
        "--min-amount",
        "--sort",
        "--limit",
    ] {
        assert!(out.contains(flag), "{flag} in {out}");
    }
    let (_, out, _) = run(&s.config, &["report", "--help"]).await;
    assert!(out.contains("dashboard") && out.contains("forecast") && out.contains("search"), "{out}");
    // No database: exit 2 and how to make one.
    let dir = tempfile::tempdir().unwrap();
    let config = ConfigFile::offline(&dir.path().join("none.db")).write(&dir.path().join("c.toml"));
    let (code, _, err) = run(&config, &["report", "dashboard"]).await;
    assert_eq!(code, Some(2));
    assert!(err.contains("panopticon sync"), "{err}");
}
