//! Same answers on either CRM (issue 17): one generated org with sales, cloned and served by
//! both sandboxes, synced by `panopticon sync` through each real client, then every view as
//! `panopticon report <view> --format json`. The JSON must be identical once each CRM's record
//! ids are replaced by placeholders in order of first appearance (and record links, which
//! point into each CRM, and when each sync ran are set aside; an instant is compared in UTC, since Zoho writes it in the
//! user's offset and Salesforce in UTC): one number off anywhere fails it.

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::TimeZone;
use panopticon_sandbox::salesforce::{SalesforceSandbox, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN};
use panopticon_sandbox::{generate, Org, SalesSpec, Sandbox, Spec};
use serde_json::Value;
use support::{panopticon as command, text, ConfigFile};

/// Noon in New York on the org's day: every view is asked for this moment.
const AS_OF: &str = "--as-of=2026-11-20T09:00";

fn org() -> Org {
    let now = chrono::Utc.with_ymd_and_hms(2026, 11, 20, 14, 0, 0).unwrap();
    let spec = Spec {
        sales: SalesSpec { deals: 80, activities: 400, accounts: 25, contacts: 50 },
        ..Spec::scaled(7, 600, now)
    };
    let mut org = generate(&spec);
    // Calls whose meaning differs in the two CRMs' shapes: an inbound call later today (not
    // made yet), a missed call and an inbound one that happened (Zoho gives none of them a
    // status; Salesforce's Task always has one).
    org.add_call("Inbound, later today", "Inbound", now + chrono::Duration::hours(3), 0, None, 0);
    org.add_call("Missed this morning", "Missed", now - chrono::Duration::hours(3), 0, None, 1);
    org.add_call("Inbound this morning", "Inbound", now - chrono::Duration::hours(2), 300, None, 1);
    org
}

const TAIL: &str = "[rules]\ntimezone = \"America/New_York\"\n[[targets]]\nperiod = \"month\"\nvalue = 250000\n";

fn zoho_config(sb: &Sandbox, dir: &Path) -> PathBuf {
    ConfigFile::sandbox(sb, &dir.join("zoho.db")).then(TAIL).write(&dir.join("zoho.toml"))
}

fn salesforce_config(sb: &SalesforceSandbox, dir: &Path) -> PathBuf {
    ConfigFile::offline(&dir.join("sf.db"))
        .then(&format!(
            "{TAIL}[crm]\nkind = \"salesforce\"\n[salesforce]\nlogin_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\n\
             [salesforce.fields]\npipeline = \"Pipeline__c\"\n",
            sb.url()
        ))
        .write(&dir.join("sf.toml"))
}

async fn run(cfg: &Path, args: &[&str]) -> String {
    let out = command(cfg)
        .env("SALESFORCE_CLIENT_SECRET", CLIENT_SECRET)
        .env("SALESFORCE_REFRESH_TOKEN", REFRESH_TOKEN)
        .args(args)
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{args:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// One CRM's answers with its ids replaced: each id gets the next placeholder the first time it
/// is seen, so the same record in the same place reads the same on both sides.
#[derive(Default)]
struct Ids(HashMap<String, String>);

impl Ids {
    fn placeholder(&mut self, id: &str) -> String {
        let n = self.0.len();
        self.0.entry(id.to_string()).or_insert_with(|| format!("<id{n}>")).clone()
    }

    /// A record id of either CRM: Zoho's long digit strings, Salesforce's 15/18-character ids
    /// with a known key prefix; "Events:<id>"-style stored ids keep their prefix.
    fn normalize_text(&mut self, s: &str) -> String {
        if let Some((module, rest)) = s.split_once(':') {
            if module.chars().all(|c| c.is_ascii_alphabetic()) && is_id(rest) {
                return format!("{module}:{}", self.placeholder(rest));
            }
        }
        if is_id(s) {
            return self.placeholder(s);
        }
        s.to_string()
    }

    fn normalize(&mut self, v: &Value) -> Value {
        match v {
            Value::String(s) if s.starts_with("http") => Value::String("<link>".into()),
            // The same instant: Zoho writes times in the user's offset, Salesforce in UTC.
            Value::String(s) if chrono::DateTime::parse_from_rfc3339(s).is_ok() => {
                let t = chrono::DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&chrono::Utc);
                Value::String(t.to_rfc3339())
            }
            Value::String(s) => Value::String(self.normalize_text(s)),
            Value::Array(a) => Value::Array(a.iter().map(|x| self.normalize(x)).collect()),
            // When each sync ran is the wall clock of this test, not the data.
            Value::Object(m) => Value::Object(
                m.iter().filter(|(k, _)| *k != "last_sync_at").map(|(k, x)| (k.clone(), self.normalize(x))).collect(),
            ),
            other => other.clone(),
        }
    }
}

fn is_id(s: &str) -> bool {
    let zoho = s.len() >= 15 && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
    let prefixes = ["00Q", "005", "006", "001", "003", "00T", "00U", "00E", "00G", "017", "008"];
    let salesforce =
        s.len() == 18 && s.bytes().all(|b| b.is_ascii_alphanumeric()) && prefixes.iter().any(|p| s.starts_with(p));
    zoho || salesforce
}

/// The first difference between two JSON values, as a path and both sides.
fn first_difference(path: &str, a: &Value, b: &Value) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                let (va, vb) = (x.get(k).unwrap_or(&Value::Null), y.get(k).unwrap_or(&Value::Null));
                if let Some(d) = first_difference(&format!("{path}.{k}"), va, vb) {
                    return Some(d);
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().find_map(|(i, (va, vb))| first_difference(&format!("{path}[{i}]"), va, vb))
        }
        _ if a == b => None,
        _ => Some(format!("{path}: Zoho {a} ≠ Salesforce {b}")),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_report_is_the_same_on_zoho_and_salesforce() {
    let org = org();
    let zoho = Sandbox::start(org.clone()).await.unwrap();
    let salesforce = SalesforceSandbox::start(org).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (zc, sc) = (zoho_config(&zoho, dir.path()), salesforce_config(&salesforce, dir.path()));
    let zs = run(&zc, &["sync"]).await;
    let ss = run(&sc, &["sync"]).await;
    // The same data went in: the same counts, whatever the calls.
    let counts = |s: &str| s.lines().next().unwrap_or("").split(", ").take(5).collect::<Vec<_>>().join(", ");
    assert_eq!(counts(&zs), counts(&ss), "{zs}\n{ss}");

    let views: Vec<Vec<&str>> = vec![
        vec!["stale"],
        vec!["at-risk"],
        vec!["leads"],
        vec!["calendar", "--period", "month"],
        vec!["pipeline"],
        vec!["locators"],
        vec!["dashboard"],
        vec!["deals"],
        vec!["forecast"],
        vec!["sources"],
        vec!["activity"],
        vec!["search", "Smith"],
    ];
    let (mut zi, mut si) = (Ids::default(), Ids::default());
    let mut compared = 0;
    for view in &views {
        let mut args = vec!["report", AS_OF, "--format", "json"];
        args.extend(view.iter().copied());
        let z: Value = serde_json::from_str(&run(&zc, &args).await).unwrap();
        let s: Value = serde_json::from_str(&run(&sc, &args).await).unwrap();
        let (z, s) = (zi.normalize(&z), si.normalize(&s));
        if let Some(d) = first_difference(view[0], &z, &s) {
            panic!("{view:?} differs at {d}");
        }
        compared += 1;
    }
    // One lead's own view, the first stale lead on each side.
    let first_stale = |cfg: PathBuf| async move {
        let v: Value = serde_json::from_str(&run(&cfg, &["report", AS_OF, "--format", "json", "stale"]).await).unwrap();
        v["rows"][0]["id"].as_str().expect("a stale lead").to_string()
    };
    let (zl, sl) = (first_stale(zc.clone()).await, first_stale(sc.clone()).await);
    let z: Value = serde_json::from_str(&run(&zc, &["report", AS_OF, "--format", "json", "lead", &zl]).await).unwrap();
    let s: Value = serde_json::from_str(&run(&sc, &["report", AS_OF, "--format", "json", "lead", &sl]).await).unwrap();
    if let Some(d) = first_difference("lead", &zi.normalize(&z), &si.normalize(&s)) {
        panic!("lead view differs at {d}");
    }
    assert_eq!(compared, views.len());
    assert!(zi.0.len() > 100, "ids were seen and replaced: {}", zi.0.len());
    assert_eq!(zi.0.len(), si.0.len(), "as many distinct records named on each side");
}
