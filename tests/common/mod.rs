//! Shared harness: a sandbox org, a fresh database, the real client, and the truth to compare.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use chrono::{TimeZone, Utc};
use panopticon::config::{AppointmentSource, RulesConfig, ZohoConfig};
use panopticon::crm::zoho::ZohoClient;
use panopticon::store::{self, Store};
use panopticon::sync::{self, NoProgress, SyncError, SyncReport, SyncSettings};
use panopticon_sandbox::{Org, Sandbox, Spec};
use tempfile::TempDir;

pub fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 14, 0, 0).unwrap()
}

pub fn spec(leads: usize, appointed: usize, events: usize) -> Spec {
    Spec {
        seed: 11,
        leads,
        appointed,
        events,
        locators: 8,
        now: now(),
        user_tz: chrono_tz::America::New_York,
        appointments_module: true,
        sales: panopticon_sandbox::SalesSpec::none(),
    }
}

pub struct Env {
    pub sandbox: Sandbox,
    pub store: Store,
    pub dir: TempDir,
    pub zoho: ZohoConfig,
    pub settings: SyncSettings,
}

impl Env {
    pub async fn new(org: Org) -> Env {
        Env::with_source(org, AppointmentSource::Events).await
    }

    pub async fn with_source(org: Org, source: AppointmentSource) -> Env {
        let sandbox = Sandbox::start(org).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("p.db")).unwrap();
        let zoho = panopticon::config::ZohoConfig::local(&sandbox.url(), panopticon_sandbox::CREDENTIALS);
        let settings = SyncSettings {
            crm: panopticon::config::CrmKind::Zoho,
            appointments: source,
            rules: RulesConfig::default(),
            concurrency: 5,
            keep_runs_days: panopticon::store::DEFAULT_KEEP_DAYS,
        };
        Env { sandbox, store, dir, zoho, settings }
    }

    pub fn client(&self) -> ZohoClient {
        ZohoClient::new(&self.zoho, self.settings.appointments.clone()).unwrap()
    }

    pub async fn sync(&self) -> Result<SyncReport, SyncError> {
        sync::run(&self.store, &self.client(), &self.settings, false, &NoProgress).await
    }

    pub async fn sync_full(&self) -> Result<SyncReport, SyncError> {
        sync::run(&self.store, &self.client(), &self.settings, true, &NoProgress).await
    }

    pub fn conn(&self) -> rusqlite::Connection {
        self.store.connect().unwrap()
    }

    /// Everything the sync writes except its own log: equal fingerprints = equal data.
    pub fn fingerprint(&self) -> String {
        store::dump(&self.conn()).unwrap()
    }

    /// Request paths (with query) the sandbox saw, in order.
    pub fn paths(&self) -> Vec<String> {
        self.sandbox
            .requests()
            .into_iter()
            .map(|r| format!("{} {}?{} {}", r.method, r.path, r.query, r.status))
            .collect()
    }
}

/// (name, company, stage, locator id, locator name, converted, modified UTC)
pub type LeadTruth = (String, Option<String>, Option<String>, Option<String>, Option<String>, bool, String);
/// (timeline entry id, UTC time, from, to)
pub type HistoryTruth = (String, String, Option<String>, Option<String>);

/// What the database should hold for this org: the truth, computed straight from the org.
#[derive(Debug, PartialEq)]
pub struct Truth {
    pub leads: BTreeMap<String, LeadTruth>,
    /// appointment key → (lead id, start UTC)
    pub appointments: BTreeMap<String, (String, String)>,
    pub users: BTreeSet<(String, String)>,
}

fn utc(t: chrono::DateTime<Utc>) -> String {
    panopticon::time::utc_text(t)
}

pub fn truth(org: &Org, source: &AppointmentSource) -> Truth {
    let leads = org
        .leads
        .values()
        .map(|l| {
            let owner = l.owner_id.as_ref().map(|id| (id.clone(), org.user_name(id).unwrap()));
            (
                l.id.clone(),
                (
                    l.full_name().unwrap_or_else(|| "(no name)".into()),
                    l.company.clone(),
                    l.status.clone(),
                    owner.as_ref().map(|o| o.0.clone()),
                    owner.map(|o| o.1),
                    l.converted,
                    utc(l.modified),
                ),
            )
        })
        .collect();
    let appointments = match source {
        AppointmentSource::Events => org
            .event_appointments()
            .into_iter()
            .map(|(e, lead)| (format!("Events:{}", e.id), (lead.to_string(), utc(e.start))))
            .collect(),
        AppointmentSource::Appointments => org
            .appointments
            .values()
            .filter(|a| a.status != "Cancelled")
            .filter_map(|a| match &a.target {
                Some(t) if t.module == "Leads" && org.leads.contains_key(&t.id) => {
                    Some((format!("Appointments__s:{}", a.id), (t.id.clone(), utc(a.start))))
                }
                _ => None,
            })
            .collect(),
        AppointmentSource::Field(_) => org
            .leads
            .values()
            .filter_map(|l| l.appointment_at.map(|t| (format!("field:{}", l.id), (l.id.clone(), utc(t)))))
            .collect(),
    };
    let users = org.users.iter().map(|u| (u.id.clone(), u.full_name())).collect();
    Truth { leads, appointments, users }
}

pub fn stored(env: &Env) -> Truth {
    let c = env.conn();
    let mut leads = BTreeMap::new();
    let mut st = c
        .prepare("SELECT id, full_name, company, stage, locator_id, locator_name, converted, modified_at FROM leads")
        .unwrap();
    let mut rows = st.query([]).unwrap();
    while let Some(r) = rows.next().unwrap() {
        leads.insert(
            r.get(0).unwrap(),
            (
                r.get(1).unwrap(),
                r.get(2).unwrap(),
                r.get(3).unwrap(),
                r.get(4).unwrap(),
                r.get(5).unwrap(),
                r.get(6).unwrap(),
                r.get(7).unwrap(),
            ),
        );
    }
    let appointments = store::appointment_leads(&c)
        .unwrap()
        .into_keys()
        .map(|id| {
            let (lead, start): (String, String) = c
                .query_row("SELECT lead_id, start_at FROM appointments WHERE id = ?1", [&id], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .unwrap();
            (id, (lead, start))
        })
        .collect();
    let users = store::all_users(&c).unwrap().into_iter().map(|u| (u.id, u.name)).collect();
    // The derived per-lead table the quiet lists read is what the tables give, after any run.
    assert_eq!(store::appointed_drift(&c).unwrap(), 0, "appointed_leads differs from the tables");
    Truth { leads, appointments, users }
}

/// Leads the rules care about: appointed (per `truth`) and not closed.
pub fn open_appointed(org: &Org, t: &Truth, rules: &RulesConfig) -> BTreeSet<String> {
    let appointed: BTreeSet<&String> = t.appointments.values().map(|(l, _)| l).collect();
    org.leads
        .values()
        .filter(|l| appointed.contains(&l.id) && !l.converted && !rules.is_closed_stage(l.status.as_deref()))
        .map(|l| l.id.clone())
        .collect()
}

/// The database equals the org: leads, appointments, users, and the stage history of every
/// open appointed lead, row for row.
pub fn assert_matches_org(env: &Env) {
    let (t, open, histories) = env.sandbox.org(|o| {
        let t = truth(o, &env.settings.appointments);
        let open = open_appointed(o, &t, &env.settings.rules);
        let h: BTreeMap<String, Vec<HistoryTruth>> = open
            .iter()
            .map(|id| {
                (
                    id.clone(),
                    o.stage_history(id).into_iter().map(|(eid, at, from, to)| (eid, utc(at), from, to)).collect(),
                )
            })
            .collect();
        (t, open, h)
    });
    let s = stored(env);
    assert_eq!(s.leads.len(), t.leads.len(), "lead count");
    for (id, want) in &t.leads {
        assert_eq!(s.leads.get(id), Some(want), "lead {id}");
    }
    assert_eq!(s.appointments, t.appointments, "appointments");
    assert_eq!(s.users, t.users, "users");
    let c = env.conn();
    for id in &open {
        let got: Vec<HistoryTruth> = store::changes_of(&c, id)
            .unwrap()
            .into_iter()
            .filter(|c| c.source == store::ChangeSource::Timeline)
            .map(|c| {
                (
                    c.change.id.split(':').next().unwrap().to_string(),
                    panopticon::time::utc_text(c.change.at.utc()),
                    c.change.from,
                    c.change.to,
                )
            })
            .collect();
        assert_eq!(&got, &histories[id], "stage history of lead {id}");
    }
}
