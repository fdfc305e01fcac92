//! The one harness for the binary's tests and benchmarks, after zero2prod's `spawn_app`: a
//! config file builder, the sandbox and a database synced from it, the `panopticon` binary run
//! with a clean environment, and the real bot started against the fake Discord.
//!
//! Test files take it with `mod support;`, benchmarks with
//! `#[path = "../tests/support/mod.rs"] mod support;`. Each uses a part of it, so the parts a
//! given file leaves unused are not dead code.
#![allow(dead_code, unused_imports)]

pub mod bin;
pub mod bot;
pub mod config;
pub mod fake_discord;

use std::path::Path;

use panopticon::config::{AppointmentSource, RulesConfig};
use panopticon::crm::zoho::ZohoClient;
use panopticon::store::Store;
use panopticon::sync::{self, NoProgress, SyncSettings};
use panopticon_sandbox::{generate, Sandbox, Spec};

pub use bin::{panopticon, panopticon_std, run, text, BIN};
pub use config::ConfigFile;

/// The sandbox serving the org `spec` generates, on 127.0.0.1.
pub async fn sandbox(spec: &Spec) -> Sandbox {
    Sandbox::start(generate(spec)).await.expect("the sandbox starts")
}

/// The database at `db`, synced from the sandbox in this process through the real client
/// (appointments from Events, the default rules), as the bot and the benchmarks start from.
pub async fn synced_store(sb: &Sandbox, db: &Path) -> Store {
    let store = Store::open(db).expect("the database opens");
    let client = ZohoClient::new(
        &panopticon::config::ZohoConfig::local(&sb.url(), panopticon_sandbox::CREDENTIALS),
        AppointmentSource::Events,
    )
    .expect("the client builds");
    let settings = SyncSettings {
        crm: panopticon::config::CrmKind::Zoho,
        appointments: AppointmentSource::Events,
        rules: RulesConfig::default(),
        concurrency: 5,
        keep_runs_days: panopticon::store::DEFAULT_KEEP_DAYS,
    };
    sync::run(&store, &client, &settings, false, &NoProgress).await.expect("the sync runs");
    store
}

/// A manager's team as the synced tables say, computed here in SQL apart from the code under
/// test: the users in roles below the manager's, and everyone who reports to them (directly or
/// not), with the manager.
pub fn team_in_crm(conn: &panopticon::store::Connection, manager: &str) -> Vec<String> {
    conn.prepare(
        "WITH RECURSIVE below(id) AS (
             SELECT id FROM crm_roles WHERE reporting_to = (SELECT role_id FROM users WHERE id = ?1)
             UNION SELECT r.id FROM crm_roles r JOIN below b ON r.reporting_to = b.id),
         reports(id) AS (
             SELECT ?1 UNION SELECT u.id FROM users u JOIN reports p ON u.reporting_to_id = p.id)
         SELECT id FROM users WHERE role_id IN (SELECT id FROM below) UNION SELECT id FROM reports",
    )
    .expect("the team query")
    .query_map([manager], |r| r.get(0))
    .expect("the team")
    .map(|r| r.expect("a user id"))
    .collect()
}
