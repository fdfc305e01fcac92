//! The Salesforce test harness: the generated org served by the Salesforce sandbox, a fresh
//! database, the real Salesforce client, and the truth computed from the org with every id
//! mapped forward to the 18-character id the sandbox serves it under (`sf_id`).
#![allow(dead_code)]

use std::collections::BTreeMap;

use panopticon::config::{AppointmentSource, CrmKind, RulesConfig, SalesforceConfig};
use panopticon::crm::salesforce::SalesforceClient;
use panopticon::store::{self, Store};
use panopticon::sync::{self, NoProgress, RunOptions, SyncError, SyncReport, SyncSettings};
use panopticon::time::utc_text;
use panopticon_sandbox::salesforce::{sf_id, SalesforceSandbox, CREDENTIALS};
use panopticon_sandbox::Org;
use tempfile::TempDir;

use crate::common::{self, HistoryTruth, Truth};

pub struct SfEnv {
    pub sandbox: SalesforceSandbox,
    pub store: Store,
    pub dir: TempDir,
    pub cfg: SalesforceConfig,
    pub settings: SyncSettings,
}

impl SfEnv {
    pub async fn new(org: Org) -> SfEnv {
        let sandbox = SalesforceSandbox::start(org).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("p.db")).unwrap();
        let cfg = SalesforceConfig::local(&sandbox.url(), CREDENTIALS);
        let settings = SyncSettings {
            crm: CrmKind::Salesforce,
            appointments: AppointmentSource::Events,
            rules: RulesConfig::default(),
            concurrency: 4,
            keep_runs_days: store::DEFAULT_KEEP_DAYS,
        };
        SfEnv { sandbox, store, dir, cfg, settings }
    }

    pub fn client(&self) -> SalesforceClient {
        SalesforceClient::new(&self.cfg, self.settings.appointments.clone()).unwrap()
    }

    pub async fn sync(&self) -> Result<SyncReport, SyncError> {
        sync::run(&self.store, &self.client(), &self.settings, false, &NoProgress).await
    }

    pub async fn sync_with(&self, opts: RunOptions) -> Result<SyncReport, SyncError> {
        sync::run_with(&self.store, &self.client(), &self.settings, &opts, &NoProgress).await
    }

    pub fn conn(&self) -> rusqlite::Connection {
        self.store.connect().unwrap()
    }

    pub fn fingerprint(&self) -> String {
        store::dump(&self.conn()).unwrap()
    }

    /// Data requests the sandbox saw (`/services/data/…`), as "METHOD path?query status".
    pub fn data_paths(&self) -> Vec<String> {
        self.sandbox
            .requests()
            .into_iter()
            .filter(|r| r.path.starts_with("/services/data/"))
            .map(|r| format!("{} {}?{} {}", r.method, r.path, r.query, r.status))
            .collect()
    }
}

pub fn lead(id: &str) -> String {
    sf_id("00Q", id)
}
pub fn user(id: &str) -> String {
    sf_id("005", id)
}
pub fn event(id: &str) -> String {
    sf_id("00U", id)
}

/// The lead side's truth with Salesforce ids.
pub fn truth(org: &Org) -> Truth {
    let t = common::truth(org, &AppointmentSource::Events);
    let leads = t
        .leads
        .into_iter()
        .map(|(id, (name, company, stage, owner, owner_name, conv, modified))| {
            (lead(&id), (name, company, stage, owner.as_deref().map(user), owner_name, conv, modified))
        })
        .collect();
    let appointments = t
        .appointments
        .into_iter()
        .map(|(k, (l, start))| (format!("Events:{}", event(k.trim_start_matches("Events:"))), (lead(&l), start)))
        .collect();
    let users = t.users.into_iter().map(|(id, name)| (user(&id), name)).collect();
    Truth { leads, appointments, users }
}

/// What the database holds, in the truth's shape.
pub fn stored(env: &SfEnv) -> Truth {
    let c = env.conn();
    let mut leads = BTreeMap::new();
    let mut st = c
        .prepare("SELECT id, full_name, company, stage, locator_id, locator_name, converted, modified_at FROM leads")
        .unwrap();
    let mut rows = st.query([]).unwrap();
    while let Some(r) = rows.next().unwrap() {
        let v = (
            r.get(1).unwrap(),
            r.get(2).unwrap(),
            r.get(3).unwrap(),
            r.get(4).unwrap(),
            r.get(5).unwrap(),
            r.get(6).unwrap(),
            r.get(7).unwrap(),
        );
        leads.insert(r.get(0).unwrap(), v);
    }
    let mut appointments = BTreeMap::new();
    let mut st = c.prepare("SELECT id, lead_id, start_at FROM appointments").unwrap();
    let mut rows = st.query([]).unwrap();
    while let Some(r) = rows.next().unwrap() {
        appointments.insert(r.get(0).unwrap(), (r.get(1).unwrap(), r.get(2).unwrap()));
    }
    let users = store::all_users(&c).unwrap().into_iter().map(|u| (u.id, u.name)).collect();
    assert_eq!(store::appointed_drift(&c).unwrap(), 0, "appointed_leads differs from the tables");
    Truth { leads, appointments, users }
}

/// The database equals the org: leads, appointments, users, roles, and the stage history of
/// every open appointed lead, row for row.
pub fn assert_matches_org(env: &SfEnv) {
    let (t, histories, roles) = env.sandbox.org(|o| {
        let zt = common::truth(o, &AppointmentSource::Events);
        let open = common::open_appointed(o, &zt, &env.settings.rules);
        let h: BTreeMap<String, Vec<HistoryTruth>> = open
            .iter()
            .map(|id| {
                let rows = o
                    .stage_history(id)
                    .into_iter()
                    .map(|(eid, at, from, to)| (sf_id("017", &eid), utc_text(at), from, to));
                (lead(id), rows.collect())
            })
            .collect();
        let roles: Vec<(String, String, Option<String>)> = o
            .roles
            .iter()
            .map(|r| (sf_id("00E", &r.id), r.name.clone(), r.reporting_to.as_deref().map(|p| sf_id("00E", p))))
            .collect();
        (truth(o), h, roles)
    });
    let s = stored(env);
    assert_eq!(s.leads.len(), t.leads.len(), "lead count");
    for (id, want) in &t.leads {
        assert_eq!(s.leads.get(id), Some(want), "lead {id}");
    }
    assert_eq!(s.appointments, t.appointments, "appointments");
    assert_eq!(s.users, t.users, "users");
    let c = env.conn();
    for (id, want) in &histories {
        let got: Vec<HistoryTruth> = store::changes_of(&c, id)
            .unwrap()
            .into_iter()
            .filter(|c| c.source == store::ChangeSource::Timeline)
            .map(|c| (c.change.id, utc_text(c.change.at.utc()), c.change.from, c.change.to))
            .collect();
        assert_eq!(&got, want, "stage history of lead {id}");
    }
    let mut want_roles = roles;
    want_roles.sort();
    let mut st = c.prepare("SELECT id, name, reporting_to FROM crm_roles ORDER BY id").unwrap();
    let got_roles: Vec<(String, String, Option<String>)> =
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect();
    assert_eq!(got_roles, want_roles, "roles");
}
