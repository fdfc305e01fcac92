//! Views benchmark: `cargo bench -p panopticon-commands --bench views`.
//!
//! Builds a database of 100,000 leads (20,000 appointed) by syncing a generated org from the
//! sandbox, tops its stage history up to 150,000 changes, then measures:
//! - loading the snapshot from SQLite (cold, once per process);
//! - computing every view from a loaded snapshot (warm), median and worst of several runs;
//! - `panopticon report stale --format json` as a whole process, wall time and peak memory
//!   (peak memory via `/usr/bin/time -f %M`, whose child is forked from a small process).
//!
//! Prints a Markdown table for docs/BENCHMARKS.md.

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use panopticon::config::{AppointmentSource, RulesConfig};
use panopticon::crm::sandbox::{self, generate, Sandbox, Spec};
use panopticon::crm::zoho::ZohoClient;
use panopticon::store::Store;
use panopticon::sync::{self, NoProgress, SyncSettings};
use panopticon::views::calendar::{self, Period};
use panopticon::views::list::{self, ListKind};
use panopticon::views::{lead, locators, pipeline, Context, Filter, Snapshot};

const TARGET_CHANGES: i64 = 150_000;

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
    let leads: usize = std::env::var("PANOPTICON_BENCH_LEADS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 13, 0, 0).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    // PANOPTICON_BENCH_DB=path keeps the database between runs (built if missing).
    let db = std::env::var_os("PANOPTICON_BENCH_DB")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("views.db"));
    let reuse = db.exists();
    let store = Store::open(&db).expect("store");
    let rules = RulesConfig::default();

    let t = Instant::now();
    if !reuse {
        rt.block_on(async {
            let sb = Sandbox::start(generate(&Spec::scaled(2026, leads, now))).await.expect("sandbox");
            let client = ZohoClient::new(&sb.zoho_config(), AppointmentSource::Events).expect("client");
            let settings = SyncSettings {
                appointments: AppointmentSource::Events,
                rules: rules.clone(),
                concurrency: 5,
                keep_runs_days: panopticon::store::DEFAULT_KEEP_DAYS,
            };
            sync::run(&store, &client, &settings, false, &NoProgress).await.expect("sync");
        });
    }
    // Top the history up to 150,000 changes, on appointed leads (the ones every view reads),
    // dated before each lead's first appointment so the verdicts are unchanged.
    let conn = store.connect().expect("conn");
    let have: i64 = conn.query_row("SELECT count(*) FROM stage_changes", [], |r| r.get(0)).expect("count");
    let missing = (TARGET_CHANGES * leads as i64 / 100_000 - have).max(0);
    conn.execute_batch("BEGIN").expect("begin");
    conn.execute(
        "INSERT INTO stage_changes(id, lead_id, changed_at, changed_offset, from_stage, to_stage, changed_by, source)
         SELECT 'bench:' || n || ':' || l.id, l.id, l.created_at, l.created_offset, 'New', 'Contacted', 'Bench', 'observed'
         FROM (SELECT DISTINCT lead_id AS id FROM appointments) a JOIN leads l ON l.id = a.id,
              (WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 10) SELECT n FROM c)
         LIMIT ?1",
        [missing],
    )
    .expect("top up");
    conn.execute_batch("COMMIT").expect("commit");
    let counts: (i64, i64, i64) = conn
        .query_row(
            "SELECT (SELECT count(*) FROM leads), (SELECT count(DISTINCT lead_id) FROM appointments), (SELECT count(*) FROM stage_changes)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("counts");
    eprintln!("database ready in {:?}: {counts:?}", t.elapsed());

    let (load_med, load_max) = time(5, || Snapshot::load(&store.connect().expect("conn")).expect("load"));
    let snap = Snapshot::load(&conn).expect("load");
    let ctx = Context {
        as_of: now,
        now,
        rules: &rules,
        max_sync_age: Duration::from_secs(86_400),
        crm_url: "https://crm.zoho.com/crm".into(),
    };
    let none = Filter::default();
    let stale_id = list::build(&snap, &ctx, ListKind::Stale, &none, None).rows[0].id.clone();
    let runs = 15;
    let views: Vec<(&str, (f64, f64))> = vec![
        ("stale", time(runs, || list::build(&snap, &ctx, ListKind::Stale, &none, None))),
        ("at-risk", time(runs, || list::build(&snap, &ctx, ListKind::AtRisk, &none, None))),
        ("leads", time(runs, || list::build(&snap, &ctx, ListKind::Leads, &none, None))),
        ("calendar (week)", time(runs, || calendar::build(&snap, &ctx, Period::week(ctx.today()), &none))),
        ("calendar (month)", time(runs, || calendar::build(&snap, &ctx, Period::month(ctx.today()), &none))),
        ("pipeline", time(runs, || pipeline::build(&snap, &ctx, &none))),
        ("locators", time(runs, || locators::build(&snap, &ctx, &none))),
        ("lead <id>", time(runs, || lead::build(&conn, &snap, &ctx, &stale_id).expect("lead"))),
        (
            "stale, as table text",
            time(runs, || list::build(&snap, &ctx, ListKind::Stale, &none, None).table(&ctx, false)),
        ),
    ];

    // The whole process, as a script would run it.
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!("[zoho]\nclient_id = \"{}\"\n[storage]\npath = \"{}\"\n", sandbox::CLIENT_ID, db.display()),
    )
    .expect("config");
    let bin = env!("CARGO_BIN_EXE_panopticon");
    let gnu_time = std::path::Path::new("/usr/bin/time").exists();
    let mut walls = Vec::new();
    let mut peak_kb = 0u64;
    for _ in 0..10 {
        let t = Instant::now();
        let out = if gnu_time {
            std::process::Command::new("/usr/bin/time")
                .args(["-f", "%M"])
                .arg(bin)
                .args(["--config"])
                .arg(&config)
                .args(["report", "stale", "--format", "json"])
                .output()
        } else {
            std::process::Command::new(bin)
                .arg("--config")
                .arg(&config)
                .args(["report", "stale", "--format", "json"])
                .output()
        }
        .expect("run report");
        walls.push(t.elapsed());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        if gnu_time {
            let kb =
                String::from_utf8_lossy(&out.stderr).lines().last().and_then(|l| l.trim().parse().ok()).unwrap_or(0);
            peak_kb = peak_kb.max(kb);
        }
    }
    let (wall_med, wall_max) = stats(walls);

    println!(
        "\n### Views: {} leads, {} appointed, {} stage changes ({} cores)\n",
        counts.0,
        counts.1,
        counts.2,
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
    );
    println!("| what | median | worst of {runs} |");
    println!("|---|---|---|");
    println!("| load snapshot from SQLite (cold, once per process) | {load_med:.1} ms | {load_max:.1} ms |");
    for (name, (med, max)) in views {
        println!("| view: {name} (warm) | {med:.1} ms | {max:.1} ms |");
    }
    println!("| `report stale --format json`, whole process | {wall_med:.0} ms | {wall_max:.0} ms |");
    if gnu_time {
        println!("\nPeak memory of `report stale --format json`: {:.0} MB", peak_kb as f64 / 1024.0);
    }
}
