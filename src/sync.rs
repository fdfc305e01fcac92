//! CRM → store, incremental and atomic.
//!
//! A run has two halves. First it reads: users, changed leads, deleted leads, changed and
//! deleted appointments, then the stage timeline of exactly the leads that need it. Then it
//! writes everything in one SQLite transaction. If anything fails before the commit, the
//! database is as it was, and the failure is recorded in `sync_runs` with its error. An
//! `Interrupt` (SIGTERM, Ctrl-C) stops a run at any point before the commit, just as cleanly.
//!
//! A full run deletes what the CRM no longer lists, so it is guarded: an empty or cut-short
//! listing must not wipe the local copy. Past a small share it refuses unless told otherwise.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::time::Instant;

use chrono::Utc;
use futures::StreamExt;

use crate::config::{AppointmentSource, Config, RulesConfig};
use crate::crm::{
    AppointmentChange, CallCounts, CrmAppointment, CrmError, CrmLead, CrmSource, CrmStageChange, FieldValue, Skipped,
};
use crate::domain::LeadId;
use crate::store::{self, Store, StoreError, SyncRun};
use crate::time::{utc_text, Stamp};

mod guard;
mod interrupt;
mod write;

pub use guard::is_mass_delete;
pub use interrupt::Interrupt;

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
    #[error(
        "refusing to delete {gone} of the {held} {what} held here: Zoho listed {listed} in this full sync \
         (an empty or cut-short reply?). Nothing was changed. If they really were deleted in Zoho, run \
         `panopticon sync --full --allow-mass-delete`"
    )]
    MassDelete { what: &'static str, gone: usize, held: usize, listed: usize },
    /// Stopped by a signal before the commit: nothing was written.
    #[error("interrupted by {0}")]
    Interrupted(String),
}

/// How to run: full or incremental, what a full run may delete, and how to stop it.
#[derive(Clone, Default)]
pub struct RunOptions {
    pub full: bool,
    /// Let a full run delete more than `is_mass_delete` allows.
    pub allow_mass_delete: bool,
    pub interrupt: Interrupt,
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
    /// Days of sync runs and digests kept; older ones are pruned in each sync's transaction.
    pub keep_runs_days: u32,
}

impl SyncSettings {
    /// The one place a sync's settings are read from the configuration.
    pub fn from_config(cfg: &Config) -> SyncSettings {
        SyncSettings {
            appointments: cfg.appointments.clone(),
            rules: cfg.rules.clone(),
            concurrency: cfg.zoho.concurrency,
            keep_runs_days: cfg.keep_runs_days,
        }
    }
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
    /// Full runs: stored leads Zoho no longer lists, to delete.
    gone_leads: Vec<String>,
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
    run_with(store, crm, settings, &RunOptions { full, ..RunOptions::default() }, progress).await
}

/// `run`, with the options a person can set: the mass-delete guard and an interrupt.
pub async fn run_with<C: CrmSource>(
    store: &Store,
    crm: &C,
    settings: &SyncSettings,
    opts: &RunOptions,
    progress: &dyn Progress,
) -> Result<SyncReport, SyncError> {
    let full = opts.full;
    let started = Utc::now();
    let clock = Instant::now();
    crm.take_calls();
    let result = tokio::select! {
        r = pull(store, crm, settings, opts, progress) => r,
        why = opts.interrupt.wait() => Err(SyncError::Interrupted(why)),
    };
    let calls = crm.take_calls();
    let outcome = match result {
        Ok(pulled) => {
            progress.phase("Writing", None);
            let store2 = store.clone();
            let settings2 = settings.clone();
            let calls2 = calls.clone();
            let interrupt = opts.interrupt.clone();
            // Awaited to the end even when interrupted: the write itself aborts its
            // transaction, and only its result says whether the commit happened.
            tokio::task::spawn_blocking(move || {
                write::write(&store2, &settings2, pulled, full, started, clock, calls2, &interrupt)
            })
            .await
            .map_err(|e| SyncError::Task(e.to_string()))
            .and_then(|r| r)
        }
        Err(e) => Err(e),
    };
    let outcome = outcome.map_err(|e| match (e, opts.interrupt.reason()) {
        (SyncError::Interrupted(why), _) => SyncError::Interrupted(why),
        // An SQLite statement stopped by the interrupt fails with "interrupted": say why.
        (SyncError::Store(_), Some(why)) => SyncError::Interrupted(why),
        (SyncError::Store(e), None) => SyncError::Store(e.in_file(store.path())),
        (e, _) => e,
    });
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
    opts: &RunOptions,
    progress: &dyn Progress,
) -> Result<Pulled, SyncError> {
    let full = opts.full;
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
    if full {
        // Checked before any further call: an empty listing (204) must not wipe the copy.
        p.gone_leads = guard::gone_leads(store, &p.leads, &p.skipped, opts.allow_mass_delete)?;
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
            if full {
                guard::check_appointments_kept(store, &p.appointment_changes, opts.allow_mass_delete)?;
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
        let (changes, skipped) = match r {
            Ok(x) => x,
            // Zoho refuses the timeline of a lead it no longer has (400 INVALID_DATA): one lead's
            // refusal skips that lead — its history stays as it was, to be read again next run.
            Err(CrmError::Api { status: 400, code, message, .. }) => {
                p.skipped.push(Skipped {
                    endpoint: "__timeline".into(),
                    id: Some(id.to_string()),
                    reason: format!(
                        "Zoho refused this lead's stage history ({code}: {message}); deleted in Zoho? \
                         Its stored history is kept"
                    ),
                });
                continue;
            }
            Err(e) => return Err(e.into()),
        };
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
            // A full run did not list it: it is gone from Zoho and about to be deleted here, and
            // Zoho would refuse its timeline.
            (None, Some(_)) if full => continue,
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
