//! What the sync, views and scaling benchmarks share: running the release `panopticon` as a child and
//! reading its summary (wall time, its own peak memory, API calls per endpoint), the fewest
//! API calls an org can be read with, `report stale` timed as a whole process, and the
//! machine's description for the tables.
//!
//! A bench takes it with `#[path = "common/mod.rs"] mod common;` beside its `mod support;`
//! (this module runs the binary through the harness). Each bench uses a part of it.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use panopticon::config::RulesConfig;
use panopticon_sandbox::Org;

use crate::support;

/// Zoho's records per list page.
pub const PER_PAGE: u64 = 200;

/// One `panopticon sync` process.
pub struct Run {
    pub wall: Duration,
    pub peak_mb: f64,
    pub stdout: String,
}

impl Run {
    /// "API calls: Events 300, Leads 500, …" → endpoint → calls.
    pub fn calls(&self) -> BTreeMap<String, u64> {
        let line = self.stdout.lines().find(|l| l.starts_with("API calls: ")).expect("the sync prints its calls");
        line.trim_start_matches("API calls: ")
            .split(", ")
            .filter_map(|kv| kv.rsplit_once(' ').map(|(k, v)| (k.to_string(), v.parse().expect("a count"))))
            .collect()
    }

    pub fn total_calls(&self) -> u64 {
        self.calls().values().sum()
    }

    /// The `N created` of the summary: how many leads this run added.
    pub fn created(&self) -> u64 {
        self.stdout
            .split(" created")
            .next()
            .and_then(|s| s.rsplit(' ').next())
            .and_then(|n| n.parse().ok())
            .expect("the sync reports what it created")
    }
}

/// Runs `panopticon sync` and waits for it. Its peak memory is the `peak memory N MB` it reports
/// itself (VmHWM): wait4's ru_maxrss would include this process's memory, inherited at exec
/// through vfork.
pub fn sync(config: &Path) -> Run {
    let start = Instant::now();
    let mut child = support::panopticon_std(config)
        .arg("sync")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
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
    let peak_mb = stdout
        .split("peak memory ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("the sync reports its peak memory");
    Run { wall, peak_mb, stdout }
}

/// The fewest calls that read `org` from nothing (or, for a batch of new records, the calls an
/// incremental run needs for them): every list at 200 a page, one call for an endpoint with
/// nothing new, and one timeline read per open appointed lead — the leads the rules say need
/// history (appointed, not closed, history unknown), each with well under 200 entries.
pub fn minimum_calls(org: &Org, rules: &RulesConfig) -> BTreeMap<String, u64> {
    let appointed: BTreeSet<&str> = org.event_appointments().into_iter().map(|(_, l)| l).collect();
    let open = org
        .leads
        .values()
        .filter(|l| appointed.contains(l.id.as_str()) && !l.converted && !rules.is_closed_stage(l.status.as_deref()))
        .count() as u64;
    let pages = |n: usize| (n as u64).div_ceil(PER_PAGE).max(1);
    let deleted = |module: &str| org.deleted.iter().filter(|d| d.module == module).count();
    [
        ("users", pages(org.users.len())),
        // The role tree, once, when there are users to read it for (a batch of leads has none).
        ("settings/roles", u64::from(!org.users.is_empty())),
        ("Leads", pages(org.leads.len())),
        ("Leads/deleted", pages(deleted("Leads"))),
        ("Events", pages(org.events.len())),
        ("Events/deleted", pages(deleted("Events"))),
        ("__timeline", open),
    ]
    .into_iter()
    .chain(sales_minimum(org, pages, deleted))
    .filter(|(_, v)| *v > 0)
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// The sales side's least calls (issue 16): a page per 200 records of each module (Events is
/// already counted once above: one listing could serve appointments and meetings alike), its
/// `/deleted`, one `Stage_History` read per deal (a first sync knows none), and the stage
/// mapping once. Nothing when the org has no deals.
fn sales_minimum(org: &Org, pages: impl Fn(usize) -> u64, deleted: impl Fn(&str) -> usize) -> Vec<(&'static str, u64)> {
    if org.deals().is_empty() {
        return Vec::new();
    }
    let history: u64 = org.deals().iter().map(|d| pages(org.deal_history(&d.id).len())).sum();
    vec![
        ("Deals", pages(org.deals().len())),
        ("Deals/deleted", pages(deleted("Deals"))),
        ("Calls", pages(org.calls().len())),
        ("Calls/deleted", pages(deleted("Calls"))),
        ("Tasks", pages(org.tasks.len())),
        ("Tasks/deleted", pages(deleted("Tasks"))),
        ("Accounts", pages(org.accounts().len())),
        ("Accounts/deleted", pages(deleted("Accounts"))),
        ("Contacts", pages(org.contacts().len())),
        ("Contacts/deleted", pages(deleted("Contacts"))),
        ("Stage_History", history),
        ("settings/fields", 1),
    ]
}

/// `panopticon report stale --format json`, run `runs` times as a script would run it.
pub struct Timed {
    pub median: Duration,
    pub worst: Duration,
    /// Peak memory of the process, when `/usr/bin/time` is there to measure it.
    pub peak_mb: Option<f64>,
}

/// Times `report stale --format json` as whole processes. Peak memory comes from
/// `/usr/bin/time -f %M`, whose child is forked from a small process (not from this one).
pub fn report_stale(config: &Path, runs: usize) -> Timed {
    let gnu_time = Path::new("/usr/bin/time").exists();
    let mut walls = Vec::with_capacity(runs);
    let mut peak_kb: Option<u64> = None;
    for _ in 0..runs.max(1) {
        let mut report = if gnu_time {
            let mut c = std::process::Command::new("/usr/bin/time");
            support::bin::clean_env(&mut c).args(["-f", "%M", support::BIN, "--config"]).arg(config);
            c
        } else {
            support::panopticon_std(config)
        };
        let t = Instant::now();
        let out = report.args(["report", "stale", "--format", "json"]).output().expect("run report");
        walls.push(t.elapsed());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        if gnu_time {
            let kb = String::from_utf8_lossy(&out.stderr).lines().last().and_then(|l| l.trim().parse().ok());
            peak_kb = peak_kb.max(kb);
        }
    }
    walls.sort();
    Timed {
        median: walls[walls.len() / 2],
        worst: *walls.last().expect("runs"),
        peak_mb: peak_kb.map(|kb| kb as f64 / 1024.0),
    }
}

/// "2 cores, AMD EPYC …", for the tables' headings.
pub fn machine() -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    format!("{} cores, {model}", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0))
}
