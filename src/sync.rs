//! CRM → store, incremental and atomic.
//!
//! A run has two halves. First it reads: users, changed leads, deleted leads, changed and
//! deleted appointments, then the stage timeline of exactly the leads that need it. Then it
//! writes everything in one SQLite transaction. If anything fails before the commit, the
//! database is as it was, and the failure is recorded in `sync_runs` with its error.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::time::Instant;

use chrono::Utc;
use futures::StreamExt;

use crate::config::{AppointmentSource, RulesConfig};
use crate::crm::{
    AppointmentChange, CallCounts, CrmAppointment, CrmError, CrmLead, CrmSource, CrmStageChange, FieldValue, Skipped,
};
use crate::domain::LeadId;
use crate::store::{self, ChangeSource, Store, StoreError, SyncRun, Upserted};
use crate::time::{utc_text, Stamp};

/// Watermark keys in `sync_state`.
const W_USERS: &str = "users";
const W_LEADS: &str = "Leads";
const W_LEADS_DELETED: &str = "Leads/deleted";
const W_APPTS: &str = "appointments";
const W_APPTS_DELETED: &str = "appointments/deleted";

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{0}")]
    Crm(#[from] CrmError),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("sync task failed: {0}")]
    Task(String),
}

impl From<rusqlite::Error> for SyncError {
    fn from(e: rusqlite::Error) -> Self {
        SyncError::Store(StoreError::Sql(e))
    }
}

/// What a sync needs besides the CRM and the store.
#[derive(Clone, Debug)]
pub struct SyncSettings {
    pub appointments: AppointmentSource,
    pub rules: RulesConfig,
    /// Timeline reads in flight (the transport caps requests anyway).
    pub concurrency: usize,
}

/// Progress of a run, for a progress bar. Phases come in order; `total` is known for some.
pub trait Progress: Send + Sync {
    fn phase(&self, name: &str, total: Option<u64>);
    fn advance(&self, done: u64);
}

pub struct NoProgress;
impl Progress for NoProgress {
    fn phase(&self, _: &str, _: Option<u64>) {}
    fn advance(&self, _: u64) {}
}

/// What one successful run changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub full: bool,
    /// No earlier run had left a watermark: everything was read.
    pub first: bool,
    pub created: u64,
    pub updated: u64,
    pub deleted: u64,
    pub stage_changes: u64,
    pub appointments: u64,
    pub timeline_reads: u64,
    pub calls: CallCounts,
    pub skipped: Vec<Skipped>,
    pub duration_ms: u64,
}

impl SyncReport {
    pub fn api_calls(&self) -> u64 {
        self.calls.values().sum()
    }
}

impl fmt::Display for SyncReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} sync: {} created, {} updated, {} deleted, {} stage changes, {} appointments, {} API calls, {:.1} s",
            if self.full {
                "Full"
            } else if self.first {
                "First"
            } else {
                "Incremental"
            },
            self.created,
            self.updated,
            self.deleted,
            self.stage_changes,
            self.appointments,
            self.api_calls(),
            self.duration_ms as f64 / 1000.0
        )?;
        if !self.skipped.is_empty() {
            write!(f, " — {} unreadable records skipped", self.skipped.len())?;
        }
        Ok(())
    }
}

/// Everything read from the CRM in one run, ready to be written.
#[derive(Default)]
struct Pulled {
    users: Vec<crate::crm::CrmUser>,
    leads: Vec<CrmLead>,
    deleted_leads: Vec<LeadId>,
    appointment_changes: Vec<AppointmentChange>,
    deleted_appointments: Vec<String>,
    histories: Vec<(LeadId, Vec<CrmStageChange>)>,
    first: bool,
    watermarks: BTreeMap<&'static str, String>,
    skipped: Vec<Skipped>,
}

/// Runs one sync. A failure is recorded in `sync_runs` and returned; the data is untouched.
pub async fn run<C: CrmSource>(
    store: &Store,
    crm: &C,
    settings: &SyncSettings,
    full: bool,
    progress: &dyn Progress,
) -> Result<SyncReport, SyncError> {
    let started = Utc::now();
    let clock = Instant::now();
    crm.take_calls();
    let result = pull(store, crm, settings, full, progress).await;
    let calls = crm.take_calls();
    let outcome = match result {
        Ok(pulled) => {
            progress.phase("Writing", None);
            let store2 = store.clone();
            let settings2 = settings.clone();
            let calls2 = calls.clone();
            tokio::task::spawn_blocking(move || write(&store2, &settings2, pulled, full, started, clock, calls2))
                .await
                .map_err(|e| SyncError::Task(e.to_string()))
                .and_then(|r| r)
        }
        Err(e) => Err(e),
    };
    if let Err(e) = &outcome {
        let failed = SyncRun {
            started_at: utc_text(started),
            finished_at: utc_text(Utc::now()),
            full,
            ok: false,
            error: Some(e.to_string()),
            api_calls: calls.values().sum(),
            duration_ms: clock.elapsed().as_millis() as u64,
            ..SyncRun::default()
        };
        let store2 = store.clone();
        // Recording the failure must not hide it: if even that write fails, log and go on.
        let recorded =
            tokio::task::spawn_blocking(move || store2.connect().and_then(|c| store::insert_run(&c, &failed))).await;
        if !matches!(recorded, Ok(Ok(_))) {
            tracing::error!(target: "panopticon::sync", "could not record the failed sync run");
        }
        tracing::warn!(target: "panopticon::sync", error = %e, "sync failed; the last good data is unchanged");
    }
    outcome
}

async fn pull<C: CrmSource>(
    store: &Store,
    crm: &C,
    settings: &SyncSettings,
    full: bool,
    progress: &dyn Progress,
) -> Result<Pulled, SyncError> {
    // Read the watermarks up front: a SQLite connection must not be held across an await
    // (it is not Sync, and the bot runs syncs on a multi-threaded runtime).
    let marks: BTreeMap<&str, Option<String>> = {
        let conn = store.connect()?;
        let mut m = BTreeMap::new();
        for key in [W_USERS, W_LEADS, W_LEADS_DELETED, W_APPTS, W_APPTS_DELETED] {
            m.insert(key, if full { None } else { store::watermark(&conn, key)? });
        }
        m
    };
    let mark = |key: &str| -> Result<Option<String>, SyncError> { Ok(marks.get(key).cloned().flatten()) };
    let mut p = Pulled { first: !full && marks[W_LEADS].is_none(), ..Pulled::default() };

    progress.phase("Users", None);
    let users = crm.fetch_users(mark(W_USERS)?.as_deref()).await?;
    p.users = users.items;
    p.skipped.extend(users.skipped);
    if let Some(w) = users.next_watermark {
        p.watermarks.insert(W_USERS, w);
    }

    progress.phase("Leads", None);
    let leads = crm.fetch_leads(mark(W_LEADS)?.as_deref(), &|n| progress.advance(n as u64)).await?;
    p.leads = leads.items;
    p.skipped.extend(leads.skipped);
    if let Some(w) = leads.next_watermark {
        p.watermarks.insert(W_LEADS, w);
    }

    progress.phase("Deleted leads", None);
    if !full {
        let deleted = crm.fetch_deleted_leads(mark(W_LEADS_DELETED)?.as_deref()).await?;
        p.deleted_leads = deleted.items;
        p.skipped.extend(deleted.skipped);
        if let Some(w) = deleted.next_watermark {
            p.watermarks.insert(W_LEADS_DELETED, w);
        }
    }

    match &settings.appointments {
        AppointmentSource::Field(_) => {
            // The appointment is the lead's own field: derive it from the leads just read.
            for l in &p.leads {
                p.appointment_changes.push(field_appointment(l, settings));
            }
        }
        _ => {
            progress.phase("Appointments", None);
            let appts = crm.fetch_appointments(mark(W_APPTS)?.as_deref(), &|n| progress.advance(n as u64)).await?;
            p.appointment_changes = appts.items;
            p.skipped.extend(appts.skipped);
            if let Some(w) = appts.next_watermark {
                p.watermarks.insert(W_APPTS, w);
            }
            if !full {
                let deleted = crm.fetch_deleted_appointments(mark(W_APPTS_DELETED)?.as_deref()).await?;
                p.deleted_appointments = deleted.items;
                p.skipped.extend(deleted.skipped);
                if let Some(w) = deleted.next_watermark {
                    p.watermarks.insert(W_APPTS_DELETED, w);
                }
            }
        }
    }

    let wanted = {
        let conn = store.connect()?;
        leads_needing_history(&conn, &p, settings, full)?
    };
    progress.phase("Stage history", Some(wanted.len() as u64));
    let mut reads = futures::stream::iter(wanted.into_iter().map(|id| async move {
        let r = crm.fetch_stage_history(&id).await;
        (id, r)
    }))
    .buffer_unordered(settings.concurrency.max(1) * 2);
    let mut done = 0u64;
    while let Some((id, r)) = reads.next().await {
        let (changes, skipped) = r?;
        p.skipped.extend(skipped);
        p.histories.push((id, changes));
        done += 1;
        progress.advance(done);
    }
    Ok(p)
}

fn field_appointment(l: &CrmLead, settings: &SyncSettings) -> AppointmentChange {
    let id = format!("field:{}", l.id);
    let start = match &l.appointment_field {
        None => return AppointmentChange::Remove(id),
        Some(FieldValue::DateTime(s)) => (*s, false),
        // A date-only field means "that day": midnight in the business zone.
        Some(FieldValue::Date(d)) => (Stamp::start_of_day(*d, settings.rules.timezone), true),
    };
    AppointmentChange::Upsert(CrmAppointment {
        id,
        lead_id: l.id.clone(),
        title: None,
        start: start.0,
        end: None,
        all_day: start.1,
        status: None,
    })
}

/// The leads whose timeline this run must read: appointed and not closed after this run's
/// changes, whose history is unknown or older than their Modified_Time — and no others.
fn leads_needing_history(
    conn: &rusqlite::Connection,
    p: &Pulled,
    settings: &SyncSettings,
    full: bool,
) -> Result<Vec<LeadId>, SyncError> {
    let deleted: HashSet<&str> = p.deleted_leads.iter().map(LeadId::as_str).collect();
    // Stored appointed leads whose history lags their record.
    let mut candidates: HashSet<String> = store::leads_needing_history(conn)?.into_iter().collect();
    let changed = !(p.leads.is_empty()
        && p.appointment_changes.is_empty()
        && p.deleted_appointments.is_empty()
        && deleted.is_empty());

    // Which leads have an appointment once this run is applied. Without changes the store
    // already says so (the query above only returns appointed leads).
    let appointed: Option<HashSet<String>> = if changed || full {
        let mut appt_lead = store::appointment_leads(conn)?;
        if full && !matches!(settings.appointments, AppointmentSource::Field(_)) {
            // A full run replaces every module appointment with what was just read.
            appt_lead.retain(|id, _| id.starts_with("field:"));
        }
        for id in &p.deleted_appointments {
            appt_lead.remove(id);
        }
        for c in &p.appointment_changes {
            match c {
                AppointmentChange::Upsert(a) => {
                    candidates.insert(a.lead_id.to_string());
                    appt_lead.insert(a.id.clone(), a.lead_id.to_string());
                }
                AppointmentChange::Remove(id) => {
                    appt_lead.remove(id);
                }
            }
        }
        candidates.extend(p.leads.iter().map(|l| l.id.to_string()));
        Some(appt_lead.into_values().collect())
    } else {
        None
    };

    let ids: Vec<&str> = candidates.iter().map(String::as_str).filter(|id| !deleted.contains(id)).collect();
    let stored = store::lead_sync_states(conn, &ids)?;
    let fetched: HashMap<&str, &CrmLead> = p.leads.iter().map(|l| (l.id.as_str(), l)).collect();
    let mut out = Vec::new();
    for id in ids {
        if appointed.as_ref().is_some_and(|a| !a.contains(id)) {
            continue;
        }
        let history = stored.get(id).and_then(|s| s.history_synced_modified_at.clone());
        let (stage, converted, modified) = match (fetched.get(id), stored.get(id)) {
            (Some(l), _) => (l.stage.clone(), l.converted, l.modified_at.utc_text()),
            (None, Some(s)) => (s.stage.clone(), s.converted, s.modified_at.clone()),
            // An appointment for a lead we don't hold (yet): no history to read.
            (None, None) => continue,
        };
        let closed = converted || settings.rules.is_closed_stage(stage.as_deref());
        let lagging = full || history.as_deref() != Some(modified.as_str());
        if !closed && lagging {
            if let Ok(l) = LeadId::parse(id) {
                out.push(l);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn write(
    store: &Store,
    settings: &SyncSettings,
    p: Pulled,
    full: bool,
    started: chrono::DateTime<Utc>,
    clock: Instant,
    calls: CallCounts,
) -> Result<SyncReport, SyncError> {
    let mut conn = store.connect()?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut r = SyncReport { full, first: p.first, calls, ..SyncReport::default() };
    let mut skipped = p.skipped;

    for u in &p.users {
        store::upsert_user(&tx, u)?;
    }

    let histories: HashMap<&str, &Vec<CrmStageChange>> = p.histories.iter().map(|(id, c)| (id.as_str(), c)).collect();
    let mut present: HashSet<&str> = HashSet::new();
    for l in &p.leads {
        present.insert(l.id.as_str());
        match store::upsert_lead(&tx, l)? {
            Upserted::Created => r.created += 1,
            Upserted::Unchanged => {}
            Upserted::Updated { old_stage } => {
                r.updated += 1;
                let timeline_knows = histories.get(l.id.as_str()).is_some_and(|h| !h.is_empty());
                if old_stage != l.stage && !timeline_knows {
                    // The stage moved and no timeline tells us when: the edit time is the best
                    // bound we have, and it is never earlier than the real change.
                    let c = CrmStageChange {
                        id: format!("observed:{}:{}", l.id, l.modified_at.utc_text()),
                        lead_id: l.id.clone(),
                        at: l.modified_at,
                        from: old_stage,
                        to: l.stage.clone(),
                        by: None,
                    };
                    if store::insert_change(&tx, &c, ChangeSource::Observed)? {
                        r.stage_changes += 1;
                    }
                }
            }
        }
    }
    if full {
        // A full run is the whole truth: what the CRM no longer lists is gone.
        for id in store::all_lead_ids(&tx)? {
            if !present.contains(id.as_str()) && store::delete_lead(&tx, &id)? {
                r.deleted += 1;
            }
        }
    }
    for id in &p.deleted_leads {
        if store::delete_lead(&tx, id.as_str())? {
            r.deleted += 1;
        }
    }

    if full && !matches!(settings.appointments, AppointmentSource::Field(_)) {
        let live: HashSet<&str> = p
            .appointment_changes
            .iter()
            .filter_map(|c| match c {
                AppointmentChange::Upsert(a) => Some(a.id.as_str()),
                AppointmentChange::Remove(_) => None,
            })
            .collect();
        for id in store::appointment_leads(&tx)?.into_keys() {
            if !live.contains(id.as_str()) && store::delete_appointment(&tx, &id)? {
                r.appointments += 1;
            }
        }
    }
    let deleted_leads: HashSet<&str> = p.deleted_leads.iter().map(LeadId::as_str).collect();
    for c in &p.appointment_changes {
        match c {
            AppointmentChange::Upsert(a) if deleted_leads.contains(a.lead_id.as_str()) => {}
            AppointmentChange::Upsert(a) => {
                if store::upsert_appointment(&tx, a)? {
                    r.appointments += 1;
                }
            }
            AppointmentChange::Remove(id) => {
                if store::delete_appointment(&tx, id)? {
                    r.appointments += 1;
                }
            }
        }
    }
    for id in &p.deleted_appointments {
        if store::delete_appointment(&tx, id)? {
            r.appointments += 1;
        }
    }

    for (lead, changes) in &p.histories {
        let Some(state) = store::lead_sync_states(&tx, &[lead.as_str()])?.remove(lead.as_str()) else {
            skipped.push(Skipped {
                endpoint: "__timeline".into(),
                id: Some(lead.to_string()),
                reason: "lead vanished during the sync".into(),
            });
            continue;
        };
        if !changes.is_empty() {
            r.stage_changes += store::replace_history(&tx, lead.as_str(), changes)? as u64;
        }
        store::set_history_synced(&tx, lead.as_str(), &state.modified_at)?;
        r.timeline_reads += 1;
    }

    if full {
        store::clear_watermarks(&tx)?;
    }
    for (k, v) in &p.watermarks {
        store::set_watermark(&tx, k, v)?;
    }

    for s in &skipped {
        tracing::warn!(target: "panopticon::sync", "skipped {s}");
    }
    r.skipped = skipped;
    r.duration_ms = clock.elapsed().as_millis() as u64;
    store::insert_run(
        &tx,
        &SyncRun {
            started_at: utc_text(started),
            finished_at: utc_text(Utc::now()),
            full,
            ok: true,
            error: None,
            created: r.created,
            updated: r.updated,
            deleted: r.deleted,
            stage_changes: r.stage_changes,
            appointments: r.appointments,
            api_calls: r.api_calls(),
            skipped: r.skipped.len() as u64,
            warnings: r.skipped.iter().map(|s| s.to_string()).collect::<Vec<_>>().join("\n"),
            duration_ms: r.duration_ms,
            ..SyncRun::default()
        },
    )?;
    tx.commit()?;
    Ok(r)
}
