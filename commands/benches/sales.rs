//! Sales dashboard benchmark (issue 16): `cargo bench -p panopticon-commands --bench sales`.
//!
//! Writes a generated org — 100,000 leads, 50,000 deals (4 stage-history rows each on
//! average), 500,000 activities (tests/sales_org's seeded generator) — into a store through the
//! store's own upserts, then measures:
//! - the cold load: `SalesSnapshot::load` (the store read and indexed), once per data version;
//! - every sales view computed from the loaded snapshot (warm, as the bot keeps it), median and
//!   worst of 15 runs, for everyone and for one rep.
//!
//! `PANOPTICON_BENCH_DB=path` keeps the database between runs (built if missing). Prints a
//! Markdown table for docs/BENCHMARKS.md.

#[path = "../../tests/sales_org/mod.rs"]
mod sales_org;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use panopticon::config::Config;
use panopticon::people::Scope;
use panopticon::sales::period::Preset;
use panopticon::store::Store;
use panopticon::views::sales::{
    activity, dashboard, deals, forecast, search, segments, sources, story, DealSort, DealsFilter, SalesContext,
    SalesQuery, SalesSnapshot, Segment,
};

const RUNS: usize = 15;

fn stats(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (ms(v[v.len() / 2]), ms(*v.last().expect("runs")))
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, f64) {
    let mut v = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        std::hint::black_box(f());
        v.push(t.elapsed());
    }
    stats(v)
}

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = std::env::var_os("PANOPTICON_BENCH_DB")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("sales.db"));
    let tz = sales_org::tz();
    if !db.exists() {
        let t = Instant::now();
        let (data, leads) = sales_org::generated(2026, 50_000, 100_000, 500_000);
        let store = Store::open(&db).expect("store");
        let conn = store.connect().expect("connection");
        sales_org::fill(&conn, &data, &leads, &sales_org::directory());
        eprintln!("built the database in {:.1} s", t.elapsed().as_secs_f64());
    }
    let store = Store::open(&db).expect("store");
    let conn = store.connect().expect("connection");
    let mut rows: Vec<(String, &str, (f64, f64))> = Vec::new();
    rows.push((
        "cold load: `SalesSnapshot::load` (store read and indexed)".into(),
        "",
        time(5, || SalesSnapshot::load(&conn, tz).expect("load")),
    ));
    let snap = SalesSnapshot::load(&conn, tz).expect("load");
    let counts =
        (snap.book.deals().len(), snap.book.data.stages.len(), snap.book.data.activities.len(), snap.leads.all().len());
    eprintln!("deals {}, history rows {}, activities {}, leads {}", counts.0, counts.1, counts.2, counts.3);
    let text = "[zoho]\nclient_id = \"x\"\n[rules]\ntimezone = \"America/New_York\"\n\
                [[targets]]\nperiod = \"month\"\nvalue = 500000\n";
    let cfg = Config::from_toml(text, &|_| Some("x".into())).expect("config");
    let ctx = SalesContext::new(&cfg, Utc.with_ymd_and_hms(2026, 11, 20, 14, 0, 0).unwrap());
    let all = Scope::Everyone;
    let rep = Scope::Owners(BTreeSet::from(["u2".to_string()]));
    let month = SalesQuery::default();
    let qtd = SalesQuery { preset: Preset::QuarterToDate, ..SalesQuery::default() };
    let page = DealsFilter { per_page: 25, ..Default::default() };
    let by_stage = DealsFilter { sort: DealSort::Stage, ..page.clone() };
    let deal = snap.book.deals()[snap.book.deals().len() / 2].id.clone();
    let target = "< 50 ms";
    let mut view = |name: &str, f: &mut dyn FnMut()| rows.push((name.to_string(), target, time(RUNS, f)));
    view("dashboard, this month, everyone", &mut || drop(dashboard::build(&snap, &ctx, &all, &month)));
    view("dashboard, quarter to date, everyone", &mut || drop(dashboard::build(&snap, &ctx, &all, &qtd)));
    view("dashboard, this month, one rep", &mut || drop(dashboard::build(&snap, &ctx, &rep, &month)));
    view("deals, by amount, first page", &mut || drop(deals::build(&snap, &ctx, &all, &month, &page)));
    view("deals, by stage, first page", &mut || drop(deals::build(&snap, &ctx, &all, &month, &by_stage)));
    view("forecast", &mut || drop(forecast::build(&snap, &ctx, &all, &month)));
    view("sources (funnel, MQL → SQL)", &mut || drop(sources::build(&snap, &ctx, &all, &qtd)));
    view("activity per person", &mut || drop(activity::build(&snap, &ctx, &all, &month)));
    view("search \"deal 4242\"", &mut || drop(search(&snap, &ctx, "deal 4242", &all, 20)));
    view("deal story", &mut || drop(story::build(&snap, &ctx, &all, &deal)));
    let seg = Segment::Stage("Qualification".into());
    view("drill-down: one pipeline stage's deals", &mut || {
        drop(segments::records(&snap, &ctx, &all, &month, &seg, 25))
    });
    println!("| what | target | median | worst |");
    println!("|---|---|---|---|");
    for (name, target, (median, worst)) in rows {
        println!("| {name} | {target} | {median:.1} ms | {worst:.1} ms |");
    }
}
