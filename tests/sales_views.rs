//! The sales view models (issue 16) over the hand-worked org (`sales_org`): what the dashboard,
//! deals list, deal story, forecast, sources and activity views say, scoped per viewer; the
//! query's parsing and its custom_id form; search; chart segments and their records; the
//! snapshot read back from a store filled through the store's upserts.

mod sales_org;

use std::collections::BTreeSet;

use panopticon::config::{Config, Target, TargetMetric, TargetPeriod, TargetWho};
use panopticon::people::Scope;
use panopticon::sales::period::Preset;
use panopticon::store::Store;
use panopticon::views::sales::{
    activity, dashboard, deals, forecast, query::ENCODED_MAX, search, segments, sources, story, Chart, DealSort,
    DealsFilter, HitKind, QueryFlags, SalesContext, SalesQuery, SalesSnapshot, Segment, SegmentRecords, Who,
};
use sales_org::*;

fn snap() -> SalesSnapshot {
    SalesSnapshot::new(sales(), leads(), directory(), tz())
}

fn config() -> Config {
    let text = "[zoho]\nclient_id = \"1000.ABC\"\n[rules]\ntimezone = \"America/New_York\"\n";
    let mut cfg = Config::from_toml(text, &|_| Some("x".into())).unwrap();
    cfg.sales.targets = vec![
        Target { metric: TargetMetric::WonRevenue, period: TargetPeriod::Month, value: 30_000.0, who: TargetWho::Org },
        Target {
            metric: TargetMetric::WonRevenue,
            period: TargetPeriod::Month,
            value: 9_000.0,
            who: TargetWho::Owner("ann@x.test".into()),
        },
        Target {
            metric: TargetMetric::Calls,
            period: TargetPeriod::Quarter,
            value: 92.0,
            who: TargetWho::Team("Maya Chen".into()),
        },
    ];
    cfg
}

fn rep(id: &str) -> Scope {
    Scope::Owners(BTreeSet::from([id.to_string()]))
}

fn value(v: &panopticon::views::sales::DashboardView, key: &str) -> (Option<f64>, Option<f64>, Option<f64>) {
    let s = v.scorecard(key).unwrap_or_else(|| panic!("no scorecard {key}"));
    (s.value, s.previous, s.target)
}

#[test]
fn dashboard_scorecards_previous_and_targets() {
    let (s, cfg) = (snap(), config());
    let ctx = SalesContext::new(&cfg, now());
    let v = dashboard::build(&s, &ctx, &Scope::Everyone, &SalesQuery::default());
    assert_eq!((v.period.label.as_str(), v.previous_period.label.as_str()), ("1–16 Nov 2026", "1–16 Oct 2026"));
    // Pipeline now 36,000 / weighted 25,900; when November began 43,000 / 26,800 (sales_kpi).
    assert_eq!(value(&v, "pipeline"), (Some(36_000.0), Some(43_000.0), None));
    assert_eq!(value(&v, "weighted_pipeline"), (Some(25_900.0), Some(26_800.0), None));
    // Won 10,000 against the org's 30,000 for November × 16/30 days = 16,000; October 1–16: 6,000.
    assert_eq!(value(&v, "won_revenue"), (Some(10_000.0), Some(6_000.0), Some(16_000.0)));
    assert_eq!(value(&v, "deals_won"), (Some(2.0), Some(1.0), None));
    assert_eq!(value(&v, "win_rate"), (Some(2.0 / 3.0), Some(1.0), None));
    assert_eq!(value(&v, "average_deal"), (Some(5_000.0), Some(6_000.0), None));
    assert_eq!(value(&v, "cycle_median"), (Some(22.0), Some(10.0), None));
    // New leads 4 (1–16 Nov) vs 1 (lead 1006, 5 Oct); MQL → SQL 2 of 4.
    assert_eq!(value(&v, "new_leads"), (Some(4.0), Some(1.0), None));
    assert_eq!(value(&v, "mql_sql").0, Some(0.5));
    // Calls made: Ann's call 1 and Bob's call 3.
    assert_eq!(value(&v, "calls").0, Some(2.0));
    let velocity = value(&v, "velocity").0.unwrap();
    assert!((velocity - 606.06).abs() < 0.01, "{velocity}");
    let stages: Vec<&str> = v.pipeline.iter().map(|r| r.stage.as_str()).collect();
    assert_eq!(stages, ["Qualification", "Value Proposition", "Proposal/Price Quote", "Negotiation/Review"]);
    assert_eq!(v.lead_weeks.iter().map(|w| w.leads).collect::<Vec<_>>(), [1, 1, 1, 1]);
    assert_eq!(v.closing_soon.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(), ["D1"]);
    let table = v.table(false);
    assert!(table.contains("Won revenue") && table.contains("$10,000") && table.contains("$16,000"), "{table}");
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json["scorecards"][2]["key"], "won_revenue");
    assert_eq!(json["scorecards"][2]["unit"], "money");
    assert_eq!(json["query"]["period"], "this-month");
    assert!(v.csv().starts_with("kpi,label,unit,value,previous,target\n"));
}

#[test]
fn each_viewer_sees_their_own_numbers_and_targets() {
    let (s, cfg) = (snap(), config());
    let ctx = SalesContext::new(&cfg, now());
    let q = SalesQuery::default();
    // Ann: her own month target (named by email) 9,000 × 16/30 = 4,800; won D4 8,000.
    let ann = dashboard::build(&s, &ctx, &rep("u1"), &q);
    assert_eq!(value(&ann, "won_revenue"), (Some(8_000.0), Some(6_000.0), Some(4_800.0)));
    assert_eq!(value(&ann, "pipeline").0, Some(16_000.0));
    // Bob has no target of his own, and never sees the org's.
    let bob = dashboard::build(&s, &ctx, &rep("u2"), &q);
    assert_eq!(value(&bob, "won_revenue"), (Some(2_000.0), Some(0.0), None));
    // Maya's team by query: her team's calls target, a quarter's 92 over Q4's 92 days, for
    // 1–16 Nov: 16. An executive asking for Ann gets Ann's numbers and target.
    let team = SalesQuery { who: Who::Team("u3".into()), ..SalesQuery::default() };
    let maya = dashboard::build(&s, &ctx, &Scope::Everyone, &team);
    assert_eq!(value(&maya, "calls"), (Some(2.0), Some(0.0), Some(16.0)));
    let for_ann = SalesQuery { who: Who::Owner("u1".into()), ..SalesQuery::default() };
    assert_eq!(value(&dashboard::build(&s, &ctx, &Scope::Everyone, &for_ann), "won_revenue").2, Some(4_800.0));
    // Bob asking for Ann's deals sees none: a query narrows a scope, never widens it.
    assert_eq!(value(&dashboard::build(&s, &ctx, &rep("u2"), &for_ann), "pipeline").0, Some(0.0));
}

#[test]
fn a_deal_outside_the_scope_is_no_such_deal() {
    let (s, cfg) = (snap(), config());
    let ctx = SalesContext::new(&cfg, now());
    assert!(story::build(&s, &ctx, &rep("u2"), "D1").is_none());
    assert!(story::build(&s, &ctx, &rep("u1"), "nope").is_none());
    let st = story::build(&s, &ctx, &rep("u1"), "D1").unwrap();
    assert_eq!(st.deal.name, "Deal D1");
    // Every activity in the org is about D1.
    assert_eq!(st.activities.len(), 11);
    assert_eq!(st.account.as_ref().map(|a| a.detail.clone()), Some(Some("Solar".into())));
    let won = story::build(&s, &ctx, &Scope::Everyone, "D4").unwrap();
    // Qualification 6 Oct noon → Closed Won 5 Nov noon = 30 days; then to now (16 Nov 17:00) = 11.
    assert_eq!(
        won.history.iter().map(|h| (h.stage.as_str(), h.days)).collect::<Vec<_>>(),
        [("Qualification", 30), ("Closed Won", 11)]
    );
    assert!(won.table(false).contains("Stage history"));
    // Search never finds it either.
    assert!(search(&s, &ctx, "Deal D1", &rep("u2"), 10).iter().all(|h| h.id != "D1"));
}

#[test]
fn deals_list_filters_sorts_and_pages() {
    let (s, cfg) = (snap(), config());
    let ctx = SalesContext::new(&cfg, now());
    let q = SalesQuery::default();
    let ids = |df: &DealsFilter| -> Vec<String> {
        deals::build(&s, &ctx, &Scope::Everyone, &q, df).deals.into_iter().map(|d| d.id).collect()
    };
    let all = DealsFilter { per_page: 25, ..Default::default() };
    // Open: D1, D2, D3, D9; closed in 1–16 Nov: D4, D6, D8 — largest first.
    assert_eq!(ids(&all), ["D3", "D1", "D4", "D2", "D6", "D8", "D9"]);
    let closing = DealsFilter { sort: DealSort::Closing, ..all.clone() };
    assert_eq!(ids(&closing), ["D9", "D4", "D3", "D6", "D8", "D1", "D2"]);
    let by_stage = DealsFilter { stages: vec!["closed won".into()], ..all.clone() };
    assert_eq!(ids(&by_stage), ["D4", "D8"]);
    let range = DealsFilter {
        min_amount: Some(400_000),
        max_amount: Some(1_000_000),
        closing: Some((d("2026-11-01"), d("2026-11-30"))),
        ..all.clone()
    };
    assert_eq!(ids(&range), ["D1", "D4", "D6"]);
    let page = DealsFilter { per_page: 3, page: 2, ..all.clone() };
    let v = deals::build(&s, &ctx, &Scope::Everyone, &q, &page);
    assert_eq!((v.total, v.pages, v.page, v.deals.len()), (7, 3, 2, 1));
    // A page past the end shows the last.
    let past = DealsFilter { per_page: 3, page: 99, ..all };
    assert_eq!(deals::build(&s, &ctx, &Scope::Everyone, &q, &past).page, 2);
}

#[test]
fn csv_is_formula_safe() {
    let mut data = sales();
    data.deals[0].name = "=HYPERLINK(\"http://x\",\"y\")".into();
    let s = SalesSnapshot::new(data, leads(), directory(), tz());
    let cfg = config();
    let ctx = SalesContext::new(&cfg, now());
    let v = deals::build(
        &s,
        &ctx,
        &Scope::Everyone,
        &SalesQuery::default(),
        &DealsFilter { per_page: 25, ..Default::default() },
    );
    let csv = v.csv();
    assert!(csv.contains("\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""), "{csv}");
    assert!(
        csv.starts_with("id,name,stage,category,pipeline,owner,account,amount,probability,closing_date,lead_source\n")
    );
}

#[test]
fn forecast_sources_and_activity_views() {
    let (s, cfg) = (snap(), config());
    let ctx = SalesContext::new(&cfg, now());
    let q = SalesQuery::default();
    let f = forecast::build(&s, &ctx, &Scope::Everyone, &q);
    // November: D1, D3 and the overdue D9: 31,000; weighted 9,000 + 15,000 + 400 = 24,400;
    // too few closed deals anywhere, so historical = metadata: D1 90%, D3 75%, D9 40% = 24,400.
    // December: D2 5,000; weighted at its own 30% = 1,500, historical at Qualification's 10% = 500.
    type Month<'a> = (&'a str, u64, u64, f64, f64, f64, Option<f64>);
    let m: Vec<Month> = f
        .months
        .iter()
        .take(2)
        .map(|m| (m.label.as_str(), m.deals, m.overdue, m.amount, m.weighted, m.historical, m.target))
        .collect();
    assert_eq!(
        m,
        [
            ("Nov 2026", 3, 1, 31_000.0, 24_400.0, 24_400.0, Some(30_000.0)),
            ("Dec 2026", 1, 0, 5_000.0, 1_500.0, 500.0, Some(30_000.0))
        ]
    );
    assert!(f.rates.iter().all(|r| r.source == "metadata"));
    let src = sources::build(&s, &ctx, &Scope::Everyone, &q);
    assert_eq!((src.overall.leads, src.overall.appointment, src.overall.green, src.overall.delivered), (4, 3, 2, 1));
    assert_eq!(src.sources.iter().map(|r| r.label()).collect::<Vec<_>>(), ["Web", "Referral", "(no source)"]);
    assert_eq!((src.mql_sql.mql, src.mql_sql.sql), (4, 2));
    assert_eq!(src.previous_overall.leads, 1);
    let a = activity::build(&s, &ctx, &Scope::Everyone, &q);
    assert_eq!(
        a.people.iter().map(|p| (p.name.as_str(), p.calls, p.tasks_overdue)).collect::<Vec<_>>(),
        [("Ann Lee", 1, 0), ("Bob Ray", 1, 1)]
    );
    assert_eq!((a.total.calls, a.total.meetings, a.total.tasks_completed), (2, 1, 1));
    assert!(a.table(false).contains("Bob Ray"));
}

#[test]
fn query_parses_flags_and_survives_a_custom_id() {
    let s = snap();
    let flags = QueryFlags {
        period: Some("2026-01-01..2026-03-31".into()),
        owner: Some("ann@x.test".into()),
        source: Some("referral".into()),
        pipeline: Some("renewals".into()),
        ..Default::default()
    };
    let q = SalesQuery::parse(&flags, &s).unwrap();
    assert_eq!(q.who, Who::Owner("u1".into()));
    assert_eq!((q.lead_source.as_deref(), q.pipeline.as_deref()), (Some("Referral"), Some("Renewals")));
    let code = q.encode();
    assert!(code.len() <= ENCODED_MAX, "{code}");
    assert_eq!(SalesQuery::decode(&code, &s).unwrap(), q);
    let team = SalesQuery { preset: Preset::LastQuarter, who: Who::Team("u3".into()), ..SalesQuery::default() };
    assert_eq!(SalesQuery::decode(&team.encode(), &s).unwrap(), team);
    // Bad input is an error that says what to do, never a panic.
    let bad = |f: QueryFlags| SalesQuery::parse(&f, &s).unwrap_err();
    assert!(bad(QueryFlags { period: Some("fortnight".into()), ..Default::default() }).contains("--period"));
    assert!(bad(QueryFlags { owner: Some("Zed".into()), ..Default::default() }).contains("no CRM user"));
    assert!(bad(QueryFlags { owner: Some("u1".into()), team: Some("u3".into()), ..Default::default() })
        .contains("not both"));
    assert!(bad(QueryFlags { source: Some("Billboard".into()), ..Default::default() }).contains("Referral, Web"));
    for junk in [
        "",
        "x",
        "this-month.o.",
        "this-month.zzzz..",
        "this-month.offffffff..",
        "99999999-1.....",
        &"a".repeat(200),
        "qtd.\u{e9}..",
    ] {
        assert!(SalesQuery::decode(junk, &s).is_err(), "{junk}");
    }
}

#[test]
fn search_ignores_case_and_accents() {
    let (s, cfg) = (snap(), config());
    let ctx = SalesContext::new(&cfg, now());
    let hits = search(&s, &ctx, "jose GARC", &Scope::Everyone, 10);
    assert_eq!(hits.iter().map(|h| (h.kind, h.id.as_str())).collect::<Vec<_>>(), [(HitKind::Contact, "C1")]);
    let hits = search(&s, &ctx, "acme", &Scope::Everyone, 10);
    assert_eq!(hits.iter().map(|h| h.kind).collect::<Vec<_>>(), [HitKind::Account]);
    // Leads by name or company; limited.
    assert_eq!(search(&s, &ctx, "co 100", &Scope::Everyone, 3).len(), 3);
    assert_eq!(search(&s, &ctx, "lead 1004", &rep("u1"), 10).len(), 0);
    assert_eq!(search(&s, &ctx, "lead 1004", &rep("u2"), 10)[0].kind, HitKind::Lead);
    assert!(search(&s, &ctx, "  --  ", &Scope::Everyone, 10).is_empty());
}

#[test]
fn segments_drill_down_to_their_records() {
    let (s, cfg) = (snap(), config());
    let ctx = SalesContext::new(&cfg, now());
    let q = SalesQuery::default();
    let segs = segments::segments(&s, &ctx, &Scope::Everyone, &q, Chart::Pipeline);
    assert_eq!(segs.len(), 4);
    for (seg, _) in &segs {
        assert_eq!(Segment::decode(&seg.encode(), &s).unwrap(), *seg);
        assert!(seg.encode().len() <= 12);
    }
    let rows = |seg: &Segment, scope: &Scope| segments::records(&s, &ctx, scope, &q, seg, 10);
    match rows(&Segment::Stage("Negotiation/Review".into()), &Scope::Everyone) {
        SegmentRecords::Deals { total, rows } => assert_eq!((total, rows[0].id.as_str()), (1, "D1")),
        other => panic!("{other:?}"),
    }
    // The November forecast bar holds the overdue D9 too.
    match rows(&Segment::Month(d("2026-11-01")), &Scope::Everyone) {
        SegmentRecords::Deals { rows, .. } => {
            assert_eq!(rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["D3", "D1", "D9"])
        }
        other => panic!("{other:?}"),
    }
    match rows(&Segment::Source(Some("Web".into())), &rep("u1")) {
        SegmentRecords::Leads { rows, .. } => {
            assert_eq!(rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["1003", "1002"])
        }
        other => panic!("{other:?}"),
    }
    match rows(&Segment::Person(Some("u2".into())), &Scope::Everyone) {
        SegmentRecords::Activities { rows, .. } => {
            assert_eq!(rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["Calls:3", "Tasks:9"])
        }
        other => panic!("{other:?}"),
    }
    // Bob's activity is not Ann's to see.
    match rows(&Segment::Person(Some("u2".into())), &rep("u1")) {
        SegmentRecords::Activities { total, .. } => assert_eq!(total, 0),
        other => panic!("{other:?}"),
    }
    let weeks = segments::segments(&s, &ctx, &Scope::Everyone, &q, Chart::LeadWeeks);
    assert_eq!(weeks[0].0, Segment::Week(d("2026-10-26")));
    assert!(Segment::decode("w20261027", &s).is_err(), "a week starts on Monday");
}

#[test]
fn the_store_gives_back_what_was_written() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("p.db")).unwrap();
    let conn = store.connect().unwrap();
    fill(&conn, &sales(), &leads(), &directory());
    let loaded = SalesSnapshot::load(&conn, tz()).unwrap();
    let cfg = config();
    let ctx = SalesContext::new(&cfg, now());
    let q = SalesQuery::default();
    let a = serde_json::to_value(dashboard::build(&loaded, &ctx, &Scope::Everyone, &q)).unwrap();
    let b = serde_json::to_value(dashboard::build(&snap(), &ctx, &Scope::Everyone, &q)).unwrap();
    assert_eq!(a, b);
    let a = serde_json::to_value(sources::build(&loaded, &ctx, &Scope::Everyone, &q)).unwrap();
    let b = serde_json::to_value(sources::build(&snap(), &ctx, &Scope::Everyone, &q)).unwrap();
    assert_eq!(a, b);
}
