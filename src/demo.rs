//! `panopticon demo`: the whole pipeline on built-in data, no credentials.
//!
//! Generates a realistic org, serves it from the sandbox on 127.0.0.1, syncs it through the
//! real Zoho client into a fresh SQLite file, and hands back the store for the views.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::config::{AppointmentSource, DataCenter, RulesConfig};
use crate::crm::sandbox::{generate, Sandbox, Spec};
use crate::crm::zoho::ZohoClient;
use crate::store::Store;
use crate::sync::{self, Progress, SyncReport, SyncSettings};

pub struct Demo {
    pub store: Store,
    pub report: SyncReport,
    /// The sandbox's clock when the org was made: the demo's "now".
    pub as_of: DateTime<Utc>,
    pub rules: RulesConfig,
    pub crm_url: String,
}

pub async fn run(out_dir: &Path, now: DateTime<Utc>, progress: &dyn Progress) -> anyhow::Result<Demo> {
    std::fs::create_dir_all(out_dir)?;
    let db_path = out_dir.join("panopticon-demo.db");
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", db_path.display()));
        if p.exists() {
            std::fs::remove_file(&p)?;
        }
    }
    let sandbox = Sandbox::start(generate(&Spec::demo(now))).await?;
    let client = ZohoClient::new(&sandbox.zoho_config(), AppointmentSource::Events)?;
    let store = Store::open(&db_path)?;
    let rules = RulesConfig::default();
    let settings = SyncSettings {
        appointments: AppointmentSource::Events,
        rules: rules.clone(),
        concurrency: 5,
        keep_runs_days: crate::store::DEFAULT_KEEP_DAYS,
    };
    let report = sync::run(&store, &client, &settings, false, progress).await?;
    let as_of = sandbox.org(|o| o.now);
    Ok(Demo { store, report, as_of, rules, crm_url: format!("{}/crm", DataCenter::Us.crm_url()) })
}
