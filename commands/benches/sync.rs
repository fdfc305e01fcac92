//! Sync benchmark: `cargo bench -p panopticon-commands --bench sync`.
//!
//! Serves a 100,000-lead org (20,000 appointed, 60,000 events) from the sandbox in this
//! process and runs the real `panopticon sync` binary against it as a child, so the child's
//! peak memory is the client's alone. Measures a full sync and a no-change sync, and compares
//! the API calls made with the minimum Zoho's paging allows plus the timeline reads the rules
//! require. Prints a Markdown table for docs/BENCHMARKS.md.
//!
//! Smaller runs: `PANOPTICON_BENCH_LEADS=20000 cargo bench -p panopticon-commands --bench sync`.

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::TimeZone;
use panopticon::config::RulesConfig;
use panopticon_sandbox::{generate, Sandbox, Spec};
use support::ConfigFile;

struct Run {
    wall: Duration,
    peak_rss_mb: f64,
    stdout: String,
}

/// Runs the binary. Its peak memory is the `peak memory N MB` it reports itself (VmHWM):
/// wait4's ru_maxrss would include this process's memory, inherited at exec through vfork.
fn run_child(config: &Path) -> Run {
    let start = Instant::now();
    let mut child = support::panopticon_std(config)
        .arg("sync")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .expect("start panopticon");
    let mut stdout = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).expect("read stdout");
        s
    });
    let status = child.wait().expect("wait");
    let wall = start.elapsed();
    let stdout = reader.join().expect("reader");
    assert!(status.success(), "sync failed:\n{stdout}");
    let peak_rss_mb = stdout
        .split("peak memory ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("the sync reports its peak memory");
    Run { wall, peak_rss_mb, stdout }
}

/// "API calls: Events 300, Leads 500, …" → map.
fn calls(stdout: &str) -> BTreeMap<String, u64> {
    let line = stdout.lines().find(|l| l.starts_with("API calls: ")).expect("calls line");
    line.trim_start_matches("API calls: ")
        .split(", ")
        .filter_map(|kv| kv.rsplit_once(' ').map(|(k, v)| (k.to_string(), v.parse().expect("count"))))
        .collect()
}

fn main() {
    let leads: usize = std::env::var("PANOPTICON_BENCH_LEADS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let spec = Spec::scaled(2026, leads, chrono::Utc.with_ymd_and_hms(2026, 11, 20, 13, 0, 0).unwrap());
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let gen_start = Instant::now();
    let org = generate(&spec);
    eprintln!("generated {} leads, {} events in {:?}", org.leads.len(), org.events.len(), gen_start.elapsed());

    // The minimum calls: every list at 200 a page, one call per empty endpoint, and one
    // timeline read per open appointed lead (each has well under 200 entries).
    let rules = RulesConfig::default();
    let appointed: BTreeSet<&str> = org.event_appointments().into_iter().map(|(_, l)| l).collect();
    let open = org
        .leads
        .values()
        .filter(|l| appointed.contains(l.id.as_str()) && !l.converted && !rules.is_closed_stage(l.status.as_deref()))
        .count() as u64;
    let pages = |n: usize| (n as u64).div_ceil(200).max(1);
    let minimum: BTreeMap<String, u64> = [
        ("users".to_string(), pages(org.users.len())),
        ("Leads".to_string(), pages(org.leads.len())),
        ("Leads/deleted".to_string(), pages(org.deleted.iter().filter(|d| d.module == "Leads").count())),
        ("Events".to_string(), pages(org.events.len())),
        ("Events/deleted".to_string(), 1),
        ("__timeline".to_string(), open),
    ]
    .into_iter()
    .collect();

    let sb = rt.block_on(Sandbox::start(org)).expect("sandbox");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = ConfigFile::sandbox(&sb, &dir.path().join("bench.db")).write(&dir.path().join("config.toml"));

    let full = run_child(&config);
    print!("{}", full.stdout);
    let idle = run_child(&config);
    print!("{}", idle.stdout);
    let full_calls = calls(&full.stdout);
    let idle_calls = calls(&idle.stdout);

    let machine = format!(
        "{} cores, {}",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|c| c.lines().find(|l| l.starts_with("model name")).map(|l| l
                .split(':')
                .nth(1)
                .unwrap_or("")
                .trim()
                .to_string()))
            .unwrap_or_default()
    );
    let made: u64 = full_calls.values().sum();
    let least: u64 = minimum.values().sum();
    println!("\n### Sync: {} leads, {} appointed, {} events ({machine})\n", leads, spec.appointed, spec.events);
    println!("| run | wall time (process) | peak RSS | API calls |");
    println!("|---|---|---|---|");
    println!("| full sync | {:.2} s | {:.0} MB | {} |", full.wall.as_secs_f64(), full.peak_rss_mb, made);
    println!(
        "| no-change sync | {:.0} ms | {:.0} MB | {} |",
        idle.wall.as_secs_f64() * 1000.0,
        idle.peak_rss_mb,
        idle_calls.values().sum::<u64>()
    );
    println!("\n| endpoint | calls made (full) | minimum | no-change calls |");
    println!("|---|---|---|---|");
    for (k, min) in &minimum {
        println!(
            "| {k} | {} | {min} | {} |",
            full_calls.get(k).copied().unwrap_or(0),
            idle_calls.get(k).copied().unwrap_or(0)
        );
    }
    println!("| **total** | {made} | {least} | |");
    println!("\nFull sync made {:.2}% more calls than the minimum.", (made as f64 / least as f64 - 1.0) * 100.0);
    drop(sb);
}
