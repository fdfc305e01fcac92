//! Render benchmark: `cargo bench -p panopticon --bench render`.
//!
//! Syncs the demo org (3,000 leads) from the sandbox, builds the views, and times rendering
//! each image from its view model (SVG layout + rasterizing + PNG encoding), reporting the
//! median and worst of 15 runs and the PNG size. Prints a Markdown table for
//! docs/BENCHMARKS.md.

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use panopticon::config::{AppointmentSource, RulesConfig};
use panopticon::crm::zoho::ZohoClient;
use panopticon::render::{chart, table, Image, Page};
use panopticon::store::Store;
use panopticon::sync::{self, NoProgress, SyncSettings};
use panopticon::views::calendar::{self, Period};
use panopticon::views::list::{self, ListKind};
use panopticon::views::{lead, locators, pipeline, Context, Filter, Snapshot};
use panopticon_sandbox::{generate, Sandbox, Spec};

fn main() {
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 13, 0, 0).unwrap();
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("r.db")).expect("store");
    let rules = RulesConfig::default();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let sb = Sandbox::start(generate(&Spec::demo(now))).await.expect("sandbox");
        let client = ZohoClient::new(
            &panopticon::config::ZohoConfig::local(&sb.url(), panopticon_sandbox::CREDENTIALS),
            AppointmentSource::Events,
        )
        .expect("client");
        let settings = SyncSettings {
            crm: panopticon::config::CrmKind::Zoho,
            appointments: AppointmentSource::Events,
            rules: rules.clone(),
            concurrency: 5,
            keep_runs_days: panopticon::store::DEFAULT_KEEP_DAYS,
        };
        sync::run(&store, &client, &settings, false, &NoProgress).await.expect("sync");
    });
    let conn = store.connect().expect("conn");
    let s = Snapshot::load(&conn).expect("snapshot");
    let ctx = Context {
        as_of: now,
        now,
        rules: &rules,
        max_sync_age: Duration::from_secs(86_400),
        crm_url: "https://crm.zoho.com/crm".into(),
    };
    let none = Filter::default();
    let stale = list::build(&s, &ctx, ListKind::Stale, &none, None);
    assert!(stale.total >= 25, "a full page");
    let loc = locators::build(&s, &ctx, &none);
    let pipe = pipeline::build(&s, &ctx, &none);
    let month = calendar::build(&s, &ctx, Period::month(ctx.today()), &none);
    let detail = lead::build(&conn, &s, &ctx, &stale.rows[0].id).expect("lead").expect("exists");
    let page = Page::first(25);
    type Case<'a> = (&'a str, &'a str, Box<dyn Fn() -> Image + 'a>);
    let cases: Vec<Case> = vec![
        ("table: stale, 25 rows", "< 30 ms", Box::new(|| table::list(&stale, &ctx, page).expect("render"))),
        ("table: locators", "< 30 ms", Box::new(|| table::locators(&loc, &ctx, page).expect("render"))),
        ("table: lead history", "< 30 ms", Box::new(|| table::lead(&detail, &ctx, page).expect("render"))),
        ("chart: leads per stage", "< 40 ms", Box::new(|| chart::stages(&pipe, &ctx).expect("render"))),
        ("chart: green → delivered funnel", "< 40 ms", Box::new(|| chart::funnel(&pipe, &ctx).expect("render"))),
        ("chart: stale and at risk by locator", "< 40 ms", Box::new(|| chart::locators(&loc, &ctx).expect("render"))),
        ("chart: calendar month", "< 40 ms", Box::new(|| chart::month(&month, &ctx).expect("render"))),
    ];
    println!("\n| image | target | median | worst of 15 | PNG size | pixels |");
    println!("|---|---|---|---|---|---|");
    for (name, target, f) in &cases {
        f(); // warm: fonts parsed once per process
        let mut times: Vec<Duration> = (0..15)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed()
            })
            .collect();
        times.sort();
        let img = f();
        println!(
            "| {name} | {target} | {:.1} ms | {:.1} ms | {} KB | {}×{} |",
            times[7].as_secs_f64() * 1000.0,
            times[14].as_secs_f64() * 1000.0,
            img.png.len().div_ceil(1024),
            img.width,
            img.height
        );
    }
}
