//! Scaling benchmark: `cargo bench -p panopticon-commands --bench scale`.
//!
//! Shows how each cost grows with the org: at 10,000, 100,000 and 500,000 leads (the sync
//! bench's proportions: a fifth appointed, three events per five leads, seed 2026) it runs the
//! release `panopticon` as a child of this process, which serves the org from the sandbox on
//! 127.0.0.1, and measures the sync that brought in the newest leads, a no-change sync,
//! `report stale --format json` as a whole process, and the database's size on disk. It prints
//! one Markdown table with a growth column for docs/BENCHMARKS.md ("Scaling").
//!
//! Zoho lists at most 100,000 records per listing, so no first sync can read a bigger org (and
//! the client must not try): an org past that is grown as a real one is, by
//! `panopticon_sandbox::growth` — the first 100,000 leads are synced, then each further
//! 100,000 (with their meetings and history) are saved after that run and read by an
//! incremental one. At such a size the table reports the last of those rounds.
//!
//! Other sizes: `PANOPTICON_BENCH_SIZES=10000,100000 cargo bench -p panopticon-commands --bench scale`;
//! smaller rounds (to try the growth quickly): `PANOPTICON_BENCH_ROUND=2000`.

#[path = "common/mod.rs"]
mod common;
#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use panopticon::config::RulesConfig;
use panopticon::store::Store;
use panopticon_sandbox::{generate, growth, Sandbox, Spec};
use support::ConfigFile;

/// Zoho's cap on the records one listing can reach (`PAGINATION_LIMIT_EXCEEDED` past it).
const LISTING_CAP: usize = 100_000;

/// `report stale` runs per size; the median is reported.
const REPORT_RUNS: usize = 7;

/// No-change syncs per size; the median is reported (the machine is shared and noisy).
const IDLE_RUNS: usize = 3;

/// Everything measured at one size.
struct Point {
    leads: usize,
    /// How many syncs built the database: 1 is a first (full) sync of the whole org.
    rounds: usize,
    /// The sync that read the newest leads (the only one, or the last growth round).
    sync: common::Run,
    sync_minimum: u64,
    /// The no-change sync with the median wall time.
    idle: common::Run,
    /// How many of the (last) no-change sync's calls Zoho answered `304 Not Modified`.
    idle_not_modified: usize,
    report: common::Timed,
    db_bytes: u64,
    /// Generating, serving, syncing and measuring this size.
    took: Duration,
}

fn main() {
    let (sizes, round) = match sizes().and_then(|s| round().map(|r| (s, r))) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let started = Instant::now();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let points: Vec<Point> = sizes.iter().map(|&leads| measure(&rt, leads, round)).collect();
    print_table(&points, started.elapsed());
}

/// `PANOPTICON_BENCH_SIZES` (leads, comma-separated), 10k, 100k and 500k by default.
fn sizes() -> Result<Vec<usize>, String> {
    let Ok(raw) = std::env::var("PANOPTICON_BENCH_SIZES") else {
        return Ok(vec![10_000, 100_000, 500_000]);
    };
    raw.split(',')
        .map(|s| s.trim().replace('_', ""))
        .map(|s| match s.parse::<usize>() {
            Ok(n) if n >= 10 => Ok(n),
            _ => Err(format!(
                "PANOPTICON_BENCH_SIZES={raw}: '{s}' is not a number of leads (at least 10); \
                 write sizes like 10000,100000"
            )),
        })
        .collect()
}

/// `PANOPTICON_BENCH_ROUND`: the most new leads one sync reads, up to Zoho's cap (the default).
fn round() -> Result<usize, String> {
    let Ok(raw) = std::env::var("PANOPTICON_BENCH_ROUND") else {
        return Ok(LISTING_CAP);
    };
    match raw.trim().replace('_', "").parse::<usize>() {
        Ok(n) if (10..=LISTING_CAP).contains(&n) => Ok(n),
        _ => Err(format!("PANOPTICON_BENCH_ROUND={raw}: give a number of leads from 10 to {LISTING_CAP}")),
    }
}

fn measure(rt: &tokio::runtime::Runtime, leads: usize, round: usize) -> Point {
    let started = Instant::now();
    let rules = RulesConfig::default();
    let spec = Spec::scaled(2026, leads, Utc.with_ymd_and_hms(2026, 11, 20, 13, 0, 0).unwrap());
    let rounds = leads.div_ceil(round);
    let (first, batches) = growth::split(generate(&spec), rounds);
    eprintln!("{leads} leads: generated in {:?}, {rounds} sync round(s)", started.elapsed());

    let mut minimum = common::minimum_calls(&first, &rules);
    let sb = rt.block_on(Sandbox::start(first)).expect("the sandbox starts");
    // Every sync process refreshes its token once; Zoho's 10 in 10 minutes would stop a long run.
    sb.set_refresh_limit(1_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("scale.db");
    let config = ConfigFile::sandbox(&sb, &db).write(&dir.path().join("config.toml"));

    let mut sync = common::sync(&config);
    eprint!("  round 1: {}", sync.stdout);
    for (i, batch) in batches.into_iter().enumerate() {
        minimum = common::minimum_calls(&batch, &rules);
        sb.org(|o| o.admit(batch));
        sync = common::sync(&config);
        eprint!("  round {}: {}", i + 2, sync.stdout);
    }
    let mut idles = Vec::with_capacity(IDLE_RUNS);
    for _ in 0..IDLE_RUNS {
        sb.clear_requests();
        let idle = common::sync(&config);
        eprint!("  no change: {}", idle.stdout);
        idles.push(idle);
    }
    idles.sort_by_key(|r| r.wall);
    let idle = idles.swap_remove(IDLE_RUNS / 2);
    let idle_calls: Vec<_> = sb.requests().into_iter().filter(|r| r.path.starts_with("/crm/")).collect();
    let idle_not_modified = idle_calls.iter().filter(|r| r.status == 304).count();
    for r in idle_calls.iter().filter(|r| r.status != 304) {
        eprintln!("  no change: {} {}?{} answered {}", r.method, r.path, r.query, r.status);
    }
    // The org is no longer needed, and at 500k it is a good part of this process's memory.
    drop(sb);

    let report = common::report_stale(&ConfigFile::offline(&db).write(&dir.path().join("offline.toml")), REPORT_RUNS);
    let store = Store::open(&db).expect("the database opens");
    // The size a person would see at rest: the WAL folded into the file, as `maintain` does
    // (without its VACUUM, which would hide how the sync leaves the file).
    store
        .connect()
        .expect("a connection")
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .expect("checkpoint");
    Point {
        leads,
        rounds,
        sync_minimum: minimum.values().sum(),
        sync,
        idle,
        idle_not_modified,
        report,
        db_bytes: store.size_bytes(),
        took: started.elapsed(),
    }
}

/// 123456 → "123,456".
fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn duration(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{:.0} ms", d.as_secs_f64() * 1000.0)
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

fn print_table(points: &[Point], took: Duration) {
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return;
    };
    // Growth from the smallest size to the largest, and with three sizes or more also from the
    // one before the largest: the sync rows at 100k and 500k both read 100,000 new leads, so
    // that column shows what the leads already held cost.
    let mut against: Vec<&Point> = Vec::new();
    if points.len() > 1 {
        against.push(first);
    }
    if points.len() > 2 {
        against.push(&points[points.len() - 2]);
    }
    let row = |what: &str, cell: &dyn Fn(&Point) -> String, value: &dyn Fn(&Point) -> f64| {
        let cells: Vec<String> = points.iter().map(cell).collect();
        let ratios: String = against
            .iter()
            .map(|p| match (value(p), value(last)) {
                (a, b) if a > 0.0 => format!(" ×{:.1} |", b / a),
                _ => " — |".into(),
            })
            .collect();
        println!("| {what} | {} |{ratios}", cells.join(" | "));
    };

    println!("\n### Scaling ({}, {})\n", common::machine(), Utc::now().format("%Y-%m-%d"));
    let heads: Vec<String> = points.iter().map(|p| format!("{} leads", thousands(p.leads as u64))).collect();
    let growth: String = against
        .iter()
        .map(|p| format!(" ×({}/{}) |", thousands(last.leads as u64), thousands(p.leads as u64)))
        .collect();
    println!("| | {} |{growth}", heads.join(" | "));
    println!("|---|{}", "---|".repeat(points.len() + against.len()));
    row(
        "sync of the newest leads",
        &|p| {
            if p.rounds == 1 {
                "first sync".into()
            } else {
                format!("round {} of {}", p.rounds, p.rounds)
            }
        },
        &|_| 0.0,
    );
    row("… leads it created", &|p| thousands(p.sync.created()), &|p| p.sync.created() as f64);
    row("… wall time", &|p| duration(p.sync.wall), &|p| p.sync.wall.as_secs_f64());
    row("… peak memory", &|p| format!("{:.0} MB", p.sync.peak_mb), &|p| p.sync.peak_mb);
    row(
        "… API calls made (minimum)",
        &|p| format!("{} ({})", thousands(p.sync.total_calls()), thousands(p.sync_minimum)),
        &|p| p.sync.total_calls() as f64,
    );
    row(&format!("no-change sync: wall time, median of {IDLE_RUNS}"), &|p| duration(p.idle.wall), &|p| {
        p.idle.wall.as_secs_f64()
    });
    row("… peak memory", &|p| format!("{:.0} MB", p.idle.peak_mb), &|p| p.idle.peak_mb);
    row("… API calls (answered 304)", &|p| format!("{} ({})", p.idle.total_calls(), p.idle_not_modified), &|p| {
        p.idle.total_calls() as f64
    });
    row(
        &format!("`report stale --format json`, whole process: median of {REPORT_RUNS}"),
        &|p| duration(p.report.median),
        &|p| p.report.median.as_secs_f64(),
    );
    row("… peak memory", &|p| p.report.peak_mb.map(|m| format!("{m:.0} MB")).unwrap_or_else(|| "—".into()), &|p| {
        p.report.peak_mb.unwrap_or(0.0)
    });
    row("database on disk (file + WAL, after a checkpoint)", &|p| format!("{:.1} MB", p.db_bytes as f64 / 1e6), &|p| {
        p.db_bytes as f64
    });
    println!();
    for p in points {
        println!(
            "{} leads: {} sync(s) to build, {} worst `report stale`, measured in {:.0} s.",
            thousands(p.leads as u64),
            p.rounds,
            duration(p.report.worst),
            p.took.as_secs_f64()
        );
    }
    println!("Whole benchmark: {:.1} min.", took.as_secs_f64() / 60.0);
}
