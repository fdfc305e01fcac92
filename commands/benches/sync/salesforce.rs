//! The sync bench's Salesforce mode (`PANOPTICON_BENCH_CRM=salesforce`): the same generated org
//! served by the Salesforce sandbox, `panopticon sync` with `[crm] kind = "salesforce"` as a
//! child, a full and a no-change run, and the calls made against the minimum a Salesforce sync
//! can read the org with (docs/BENCHMARKS.md, "Salesforce sync").

use std::collections::{BTreeMap, BTreeSet};
use std::process::Stdio;
use std::time::Instant;

use panopticon::config::RulesConfig;
use panopticon_sandbox::salesforce::{SalesforceSandbox, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN};
use panopticon_sandbox::{Org, Spec};

use crate::common::{self, Run};
use crate::support::{self, ConfigFile};

/// Records a SOQL page holds at most (the client asks for 2,000), and ids per history query.
const PAGE: u64 = 2_000;
const HISTORY_BATCH: u64 = 200;

/// The fewest calls a first Salesforce sync reads `org` with: one query per 2,000 records of each
/// listing (Event and Task are each listed twice), one per 200 leads or opportunities for their
/// stage history, one each for the role tree and the stage mapping; no delete-log read.
fn minimum(org: &Org, rules: &RulesConfig) -> BTreeMap<String, u64> {
    let pages = |n: usize| (n as u64).div_ceil(PAGE).max(1);
    let open = common::minimum_calls(org, rules).get("__timeline").copied().unwrap_or(0);
    let mut m = BTreeMap::from([
        ("User", pages(org.users.len())),
        ("UserRole", 1),
        ("Lead", pages(org.leads.len())),
        ("Event", 2 * pages(org.events.len())),
        ("LeadHistory", open.div_ceil(HISTORY_BATCH)),
    ]);
    if !org.deals().is_empty() {
        m.extend([
            ("Opportunity", pages(org.deals().len())),
            ("OpportunityHistory", (org.deals().len() as u64).div_ceil(HISTORY_BATCH)),
            ("OpportunityStage", 1),
            ("Task", pages(org.calls().len()) + pages(org.tasks.len())),
            ("Account", pages(org.accounts().len())),
            ("Contact", pages(org.contacts().len())),
        ]);
    }
    m.into_iter().filter(|(_, v)| *v > 0).map(|(k, v)| (k.to_string(), v)).collect()
}

/// `panopticon sync` against the Salesforce sandbox, as `common::sync` runs it for Zoho.
fn sync(config: &std::path::Path) -> Run {
    let start = Instant::now();
    let out = support::panopticon_std(config)
        .env("SALESFORCE_CLIENT_SECRET", CLIENT_SECRET)
        .env("SALESFORCE_REFRESH_TOKEN", REFRESH_TOKEN)
        .arg("sync")
        .stderr(Stdio::inherit())
        .output()
        .expect("start panopticon");
    let wall = start.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "sync failed:\n{stdout}");
    let peak_mb = stdout
        .split("peak memory ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("the sync reports its peak memory");
    Run { wall, peak_mb, stdout }
}

pub fn main(rt: &tokio::runtime::Runtime, org: Org, spec: &Spec) {
    let least = minimum(&org, &RulesConfig::default());
    let sb = rt.block_on(SalesforceSandbox::start(org)).expect("sandbox");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = ConfigFile::offline(&dir.path().join("bench.db"))
        .then(&format!(
            "[crm]\nkind = \"salesforce\"\n[salesforce]\nlogin_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\n",
            sb.url()
        ))
        .write(&dir.path().join("config.toml"));
    let full = sync(&config);
    print!("{}", full.stdout);
    // The org's clock moves on, so the no-change run reads each delete log as a real one would.
    sb.org(|o| o.advance(chrono::Duration::minutes(10)));
    let idle = sync(&config);
    print!("{}", idle.stdout);
    let (made, idle_calls) = (full.calls(), idle.calls());
    let total: u64 = made.values().sum();
    let minimum: u64 = least.values().sum();
    println!(
        "\n### Salesforce sync: {} leads, {} appointed, {} events; {} deals, {} activities ({})\n",
        spec.leads,
        spec.appointed,
        spec.events,
        spec.sales.deals,
        spec.sales.activities,
        common::machine()
    );
    println!("| run | wall time (process) | peak RSS | API calls |\n|---|---|---|---|");
    println!("| full sync | {:.2} s | {:.0} MB | {total} |", full.wall.as_secs_f64(), full.peak_mb);
    println!(
        "| no-change sync | {:.0} ms | {:.0} MB | {} |",
        idle.wall.as_secs_f64() * 1000.0,
        idle.peak_mb,
        idle.total_calls()
    );
    println!("\n| endpoint | calls made (full) | minimum | no-change calls |\n|---|---|---|---|");
    for k in least.keys().chain(made.keys()).chain(idle_calls.keys()).collect::<BTreeSet<_>>() {
        let get = |m: &BTreeMap<String, u64>| m.get(k).copied().unwrap_or(0);
        println!("| {k} | {} | {} | {} |", get(&made), get(&least), get(&idle_calls));
    }
    println!("| **total** | {total} | {minimum} | |");
    println!("\nFull sync made {:.2}% more calls than the minimum.", (total as f64 / minimum as f64 - 1.0) * 100.0);
}
