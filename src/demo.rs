//! `panopticon demo`: the whole pipeline on built-in data, no credentials.
//!
//! The caller serves a generated org from a sandbox on 127.0.0.1 (its own crate: the engine
//! ships no server) — the Zoho face, or with `--crm salesforce` the Salesforce face of the same
//! org — and hands over where it is; this syncs it through the real client of that CRM into a
//! fresh SQLite file and hands back the store and the configuration for the views.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::config::{AppointmentSource, Config, CrmKind, SalesforceConfig, ZohoConfig};
use crate::store::Store;
use crate::sync::{self, Progress, SyncReport, SyncSettings};

pub struct Demo {
    pub store: Store,
    pub report: SyncReport,
    /// The sandbox's clock when the org was made: the demo's "now".
    pub as_of: DateTime<Utc>,
    /// Every default, the CRM at the sandbox, the database in the output folder: what the views
    /// are shown with (`Context::new`).
    pub config: Config,
}

/// Every default, plus org-wide monthly targets so the dashboard shows its gauges.
const DEMO_CONFIG: &str = "[zoho]\nclient_id = \"demo\"\n\n\
    [[targets]]\nperiod = \"month\"\nvalue = 250000\n\n\
    [[targets]]\nmetric = \"deals_won\"\nperiod = \"month\"\nvalue = 5\n\n\
    [[targets]]\nmetric = \"new_leads\"\nperiod = \"month\"\nvalue = 150\n\n\
    [[targets]]\nmetric = \"calls\"\nperiod = \"month\"\nvalue = 30\n";

/// Where the demo's org is served, and how the real client signs in there.
pub enum DemoCrm {
    Zoho(ZohoConfig),
    Salesforce(SalesforceConfig),
}

/// Syncs the org served at `crm` (made at `as_of`) into `out_dir/panopticon-demo.db`, replacing
/// any earlier demo database there.
pub async fn run(out_dir: &Path, crm: DemoCrm, as_of: DateTime<Utc>, progress: &dyn Progress) -> anyhow::Result<Demo> {
    std::fs::create_dir_all(out_dir)?;
    let db_path = out_dir.join("panopticon-demo.db");
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", db_path.display()));
        if p.exists() {
            std::fs::remove_file(&p)?;
        }
    }
    let mut config = Config::from_toml(DEMO_CONFIG, &|_| None)?;
    match crm {
        DemoCrm::Zoho(zoho) => config.zoho = zoho,
        DemoCrm::Salesforce(sf) => {
            config.crm = CrmKind::Salesforce;
            config.salesforce = Some(sf);
        }
    }
    config.appointments = AppointmentSource::Events;
    config.storage_path = db_path.clone();
    let client = crate::crm::connect(&config)?;
    let store = Store::open(&db_path)?;
    let report = sync::run(&store, &client, &SyncSettings::from_config(&config), false, progress).await?;
    Ok(Demo { store, report, as_of, config })
}
