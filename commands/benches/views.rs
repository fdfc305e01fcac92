//! Views benchmark: `cargo bench -p panopticon-commands --bench views`.
//!
//! Builds a database of 100,000 leads (20,000 appointed) by syncing a generated org from the
//! sandbox, tops its stage history up to 150,000 changes, then measures:
//! - loading the snapshot from SQLite (cold, once per process), every appointed lead and only
//!   what `stale` needs (`Need`);
//! - computing every view from a loaded snapshot (warm), median and worst of several runs;
//! - `panopticon report stale --format json` as a whole process, wall time and peak memory
//!   (peak memory via `/usr/bin/time -f %M`, whose child is forked from a small process).
//!
//! `PANOPTICON_BENCH_LEADS=500000` works too: above Zoho's 100,000-record listing cap an org
//! cannot be synced, so the generated org is written straight into the store (`write_org`).
//!
//! Prints a Markdown table for docs/BENCHMARKS.md.

#[path = "common/mod.rs"]
mod common;
#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use panopticon::config::RulesConfig;
use panopticon::crm::{CrmAppointment, CrmLead, CrmStageChange, CrmUser, UserRef};
use panopticon::domain::LeadId;
use panopticon::store::{self, ChangeSource, Store, SyncRun};
use panopticon::time::{utc_text, Stamp};
use panopticon::views::calendar::{self, Period};
use panopticon::views::list::{self, ListKind};
use panopticon::views::{lead, locators, pipeline, Context, Filter, Need, Snapshot};
use panopticon_sandbox::{generate, Org, Spec};
use support::ConfigFile;

const TARGET_CHANGES: i64 = 150_000;

/// The most records a Zoho listing returns: a bigger org cannot be synced (see `write_org`).
const LISTING_CAP: usize = 100_000;

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
    let rules = RulesConfig::default();

    let t = Instant::now();
    let store = if db.exists() {
        Store::open(&db).expect("store")
    } else if leads > LISTING_CAP {
        let store = Store::open(&db).expect("store");
        write_org(&store, &generate(&Spec::scaled(2026, leads, now)), now);
        store
    } else {
        rt.block_on(async {
            let sb = support::sandbox(&Spec::scaled(2026, leads, now)).await;
            support::synced_store(&sb, &db).await
        })
    };
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
    let stale_need = Need::list(ListKind::Stale, &none, &ctx);
    let (narrow_med, narrow_max) =
        time(5, || Snapshot::load_for(&store.connect().expect("conn"), &stale_need, &rules).expect("load"));
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
    let config = ConfigFile::offline(&db).write(&dir.path().join("config.toml"));
    let report = common::report_stale(&config, 10);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;

    println!(
        "\n### Views: {} leads, {} appointed, {} stage changes ({})\n",
        counts.0,
        counts.1,
        counts.2,
        common::machine()
    );
    println!("| what | median | worst of {runs} |");
    println!("|---|---|---|");
    println!("| load snapshot from SQLite (cold, once per process) | {load_med:.1} ms | {load_max:.1} ms |");
    println!("| load only what `stale` needs (cold, once per process) | {narrow_med:.1} ms | {narrow_max:.1} ms |");
    for (name, (med, max)) in views {
        println!("| view: {name} (warm) | {med:.1} ms | {max:.1} ms |");
    }
    println!(
        "| `report stale --format json`, whole process | {:.0} ms | {:.0} ms |",
        ms(report.median),
        ms(report.worst)
    );
    if let Some(mb) = report.peak_mb {
        println!("\nPeak memory of `report stale --format json`: {mb:.0} MB");
    }
}

/// Bench-only: writes a generated org into the store the way a first sync would leave it,
/// through the store's own writes, for sizes past Zoho's listing cap that no sync can pull.
/// Mirrors the sync's mapping where the views can tell: users by full name, leads with their
/// owner as locator, lead meetings from `Events` ("Events:<id>"), the stage changes of the
/// timelines of appointed leads (the only ones the sync reads) with their history marked read,
/// and one good run. Times carry the API user's offset, as Zoho sends them.
fn write_org(store: &Store, org: &Org, now: chrono::DateTime<Utc>) {
    let t = Instant::now();
    let stamp = |t: chrono::DateTime<Utc>| Stamp::from_fixed(t.with_timezone(&org.user_tz).fixed_offset());
    let mut conn = store.connect().expect("conn");
    let tx = conn.transaction().expect("begin");
    for u in &org.users {
        let user = CrmUser {
            id: u.id.clone(),
            name: u.full_name(),
            email: Some(u.email.clone()),
            status: Some(u.status.clone()),
            role_id: u.role_id.clone(),
            reporting_to_id: u.reporting_to.clone(),
        };
        store::upsert_user(&tx, &user).expect("user");
    }
    let names: std::collections::HashMap<&str, String> =
        org.users.iter().map(|u| (u.id.as_str(), u.full_name())).collect();
    let mut appointed = std::collections::HashSet::new();
    for e in org.events.values() {
        let Some(what) = e.what.as_ref().filter(|w| w.module == "Leads") else { continue };
        let a = CrmAppointment {
            id: format!("Events:{}", e.id),
            lead_id: LeadId::parse(&what.id).expect("lead id"),
            title: Some(e.title.clone()),
            start: stamp(e.start),
            end: Some(stamp(e.end)),
            all_day: e.all_day,
            status: None,
        };
        store::upsert_appointment(&tx, &a).expect("appointment");
        appointed.insert(what.id.as_str());
    }
    for l in org.leads.values() {
        let id = LeadId::parse(&l.id).expect("lead id");
        let lead = CrmLead {
            id: id.clone(),
            first_name: l.first_name.clone(),
            last_name: l.last_name.clone(),
            full_name: l.full_name().unwrap_or_default(),
            company: l.company.clone(),
            email: l.email.clone(),
            phone: l.phone.clone(),
            lead_source: l.lead_source.clone(),
            stage: l.status.clone(),
            locator: l
                .owner_id
                .as_ref()
                .map(|o| UserRef { id: o.clone(), name: names.get(o.as_str()).cloned().unwrap_or_default() }),
            converted: l.converted,
            created_at: stamp(l.created),
            modified_at: stamp(l.modified),
            appointment_field: None,
        };
        store::upsert_lead(&tx, &lead).expect("lead");
        if !appointed.contains(l.id.as_str()) {
            continue;
        }
        for e in org.timeline.get(&l.id).into_iter().flatten() {
            for (_, from, to) in e.changes.iter().filter(|c| c.0 == "Lead_Status") {
                let c = CrmStageChange {
                    id: e.id.clone(),
                    lead_id: id.clone(),
                    at: stamp(e.audited),
                    from: from.clone(),
                    to: to.clone(),
                    by: Some(e.done_by.clone()),
                };
                store::insert_change(&tx, &c, ChangeSource::Timeline).expect("change");
            }
        }
        store::set_history_synced(&tx, &l.id, &utc_text(l.modified)).expect("history");
    }
    let at = utc_text(now);
    let run = SyncRun {
        id: 0,
        started_at: at.clone(),
        finished_at: at,
        full: true,
        ok: true,
        error: None,
        created: org.leads.len() as u64,
        updated: 0,
        deleted: 0,
        stage_changes: 0,
        appointments: 0,
        api_calls: 0,
        skipped: 0,
        warnings: String::new(),
        duration_ms: 0,
    };
    store::insert_run(&tx, &run).expect("run");
    tx.commit().expect("commit");
    eprintln!("wrote {} leads straight into the store in {:?}", org.leads.len(), t.elapsed());
}
