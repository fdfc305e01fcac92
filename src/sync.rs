//! CRM → store, incremental and atomic.
//!
//! A run has two halves that work at once. The pull reads users (and, when they may have
//! changed, the CRM's roles — see `roles`), changed leads, deleted leads,
//! changed and deleted appointments side by side, then the stage timeline of exactly the leads
//! that need it (`history_due` and what this run changed — see `apply`). The writer (`writer`)
//! applies each page as it arrives, inside one SQLite transaction for the whole run, committed
//! only at the end. If anything fails before the commit, the database is as it was, and the
//! failure is recorded in `sync_runs` with its error. An `Interrupt` (SIGTERM, Ctrl-C) stops a
//! run at any point before the commit, just as cleanly.
//!
//! A full run deletes what the CRM no longer lists, so it is guarded: an empty or cut-short
//! listing must not wipe the local copy. Past a small share it refuses unless told otherwise.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use chrono::Utc;
use tokio::sync::{mpsc, oneshot};

use crate::config::{AppointmentSource, Config, CrmKind, RulesConfig};
use crate::crm::{CallCounts, CrmError, CrmSource, Pages, Skipped};
use crate::store::{self, Store, StoreError, SyncRun};
use crate::time::utc_text;

mod apply;
mod guard;
mod history;
mod interrupt;
mod reconcile;
mod roles;
mod sales;
mod usage;
mod writer;

pub use guard::is_mass_delete;
pub use interrupt::Interrupt;
pub use usage::{stored_api_usage, StoredUsage};
use writer::ToWriter;

/// Watermark keys in `sync_state`.
const W_USERS: &str = "users";
const W_LEADS: &str = "Leads";
const W_LEADS_DELETED: &str = "Leads/deleted";
const W_APPTS: &str = "appointments";
const W_APPTS_DELETED: &str = "appointments/deleted";
/// Every watermark key, read by the writer at the start of a run.
const MARKS: [&str; 5] = [W_USERS, W_LEADS, W_LEADS_DELETED, W_APPTS, W_APPTS_DELETED];

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{0}")]
    Crm(#[from] CrmError),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("sync task failed: {0}")]
    Task(String),
    #[error(
        "refusing to delete {gone} of the {held} {what} held here: {crm} listed {listed} {listing} \
         (an empty or cut-short reply?). Nothing was changed. If they really were deleted in {crm}, run \
         `panopticon sync --full --allow-mass-delete`"
    )]
    MassDelete {
        /// The CRM's name as the message says it ("Zoho", "Salesforce").
        crm: &'static str,
        what: &'static str,
        gone: usize,
        held: usize,
        listed: usize,
        /// Which listing: "in this full sync", or a reconcile's "as still there".
        listing: &'static str,
    },
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
    /// Which CRM is read: its name in the run's messages.
    pub crm: CrmKind,
    pub appointments: AppointmentSource,
    pub rules: RulesConfig,
    /// Timeline reads in flight (the transport caps requests anyway).
    pub concurrency: usize,
    /// Days of sync runs and digests kept; older ones are pruned in each sync's transaction.
    pub keep_runs_days: u32,
}

impl SyncSettings {
    /// The CRM's name as the run's messages say it: "Zoho" (as they always have), "Salesforce".
    pub fn crm_name(&self) -> &'static str {
        self.crm.short()
    }

    /// The one place a sync's settings are read from the configuration.
    pub fn from_config(cfg: &Config) -> SyncSettings {
        SyncSettings {
            crm: cfg.crm,
            appointments: cfg.appointments.clone(),
            rules: cfg.rules.clone(),
            concurrency: cfg.salesforce.as_ref().map_or(cfg.zoho.concurrency, |s| s.concurrency),
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
    /// Sales records written or deleted this run, per kind (calls, tasks and meetings are
    /// activities), and the deals whose stage history was read.
    pub deals: u64,
    pub activities: u64,
    pub accounts: u64,
    pub contacts: u64,
    pub deal_histories: u64,
    pub calls: CallCounts,
    pub skipped: Vec<Skipped>,
    /// What the run could not do but went on without (the roles refused, say), one line each.
    pub warnings: Vec<String>,
    pub duration_ms: u64,
}

impl SyncReport {
    pub fn api_calls(&self) -> u64 {
        self.calls.values().sum()
    }

    /// The sales side of the run in one phrase, for the CLI's summary.
    pub fn sales_summary(&self) -> String {
        format!(
            "sales: {} deals, {} activities, {} accounts, {} contacts changed; {} deal histories read",
            self.deals, self.activities, self.accounts, self.contacts, self.deal_histories
        )
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

/// Everything the writer needs besides its messages.
struct Job {
    store: Store,
    settings: SyncSettings,
    full: bool,
    allow_mass_delete: bool,
    started: chrono::DateTime<Utc>,
    clock: Instant,
    interrupt: Interrupt,
}

/// Pages waiting for the writer at most: the backpressure that keeps a run's memory flat
/// (a page is 200 records, so a few MB at most).
const PAGES_IN_FLIGHT: usize = 8;

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
    let (to_writer, pages) = mpsc::channel(PAGES_IN_FLIGHT);
    let (ready, start) = oneshot::channel();
    let job = Job {
        store: store.clone(),
        settings: settings.clone(),
        full,
        allow_mass_delete: opts.allow_mass_delete,
        started,
        clock,
        interrupt: opts.interrupt.clone(),
    };
    let writer = tokio::task::spawn_blocking(move || writer::run(job, pages, ready));
    let pulled = tokio::select! {
        r = pull(crm, settings, full, progress, to_writer, start) => r,
        why = opts.interrupt.wait() => Err(SyncError::Interrupted(why)),
    };
    // Awaited to the end even when the pull failed: the writer rolls its transaction back when
    // the channel closes, and only its result says whether the commit happened.
    let written = writer.await.map_err(|e| SyncError::Task(e.to_string())).and_then(|r| r);
    let outcome = match pulled {
        Ok(_) => written,
        // The pull stopped because the writer did: the writer's error is the one that matters.
        Err(SyncError::Crm(CrmError::Stopped { .. })) => written.and(Err(SyncError::Task("the write stopped".into()))),
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
        let calls = crm.take_calls();
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

/// The writer is gone (it failed, or refused): the pull stops, and the writer's error is reported.
fn writer_gone(what: &str) -> SyncError {
    SyncError::Crm(CrmError::Stopped { endpoint: what.to_string() })
}

/// Hands each page a listing reads to the writer, waiting while the writer is behind.
struct Sink<'a, T> {
    to_writer: &'a mpsc::Sender<ToWriter>,
    wrap: fn(Vec<T>, Vec<Skipped>) -> ToWriter,
    endpoint: &'static str,
    /// Records handed on: for the progress bar (only the leads listing reports them), and for
    /// whether a listing changed anything (the Deals listing decides the stage mapping's read).
    count: AtomicU64,
    progress: Option<&'a dyn Progress>,
}

impl<'a, T> Sink<'a, T> {
    fn new(
        to_writer: &'a mpsc::Sender<ToWriter>,
        endpoint: &'static str,
        wrap: fn(Vec<T>, Vec<Skipped>) -> ToWriter,
    ) -> Self {
        Sink { to_writer, wrap, endpoint, count: AtomicU64::new(0), progress: None }
    }
}

impl<T> Pages<T> for Sink<'_, T> {
    fn page(&self, items: Vec<T>, skipped: Vec<Skipped>) -> impl Future<Output = Result<(), CrmError>> + Send {
        let n = items.len() as u64;
        let msg = (self.wrap)(items, skipped);
        async move {
            self.to_writer.send(msg).await.map_err(|_| CrmError::Stopped { endpoint: self.endpoint.into() })?;
            let total = self.count.fetch_add(n, Ordering::Relaxed) + n;
            if let Some(p) = self.progress {
                p.advance(total);
            }
            Ok(())
        }
    }
}

/// The reading half: every listing side by side (the transport caps requests in flight at
/// `[zoho] concurrency`), each page streamed to the writer; then, once the writer has applied
/// the listings and chosen them, the timelines. Returns when the writer has everything.
async fn pull<C: CrmSource>(
    crm: &C,
    settings: &SyncSettings,
    full: bool,
    progress: &dyn Progress,
    to_writer: mpsc::Sender<ToWriter>,
    start: oneshot::Receiver<writer::Start>,
) -> Result<(), SyncError> {
    let writer::Start { marks, roles_due, meta_due } = start.await.map_err(|_| writer_gone("the database"))?;
    let mark = |key: &str| marks.get(key).cloned().flatten();
    let tx = &to_writer;
    let send = |msg: ToWriter, what: &'static str| async move { tx.send(msg).await.map_err(|_| writer_gone(what)) };
    let module = !matches!(settings.appointments, AppointmentSource::Field(_));

    // One phase for all the listings (they run together); its count is the leads read.
    progress.phase("Leads", None);
    // Each module's /deleted is read after its own listing, so that a record deleted while
    // the listing was read is deleted in this run, as before; the modules run side by side.
    let users = async {
        let f = crm.fetch_users(mark(W_USERS).as_deref()).await?;
        let listed = !f.items.is_empty();
        send(ToWriter::Users(f.items, f.skipped), "users").await?;
        // Whether a user is new or differs from the copy held: a CRM that re-sends the last
        // records for overlap (Salesforce) lists users every run without changing any.
        let changed = listed && {
            let (answer, changed) = oneshot::channel();
            send(ToWriter::UsersChanged(answer), "users").await?;
            changed.await.map_err(|_| writer_gone("users"))?
        };
        // The roles only when they may have changed (see `roles`); a refusal is a warning,
        // the run goes on with the roles it has.
        if changed || roles_due {
            let msg = match crm.fetch_roles().await {
                Ok(r) => ToWriter::Roles(r.items, r.skipped),
                Err(e) => ToWriter::RolesUnread(e),
            };
            send(msg, "settings/roles").await?;
        }
        Ok::<_, SyncError>(f.next_watermark)
    };
    let leads = async {
        let sink = Sink { progress: Some(progress), ..Sink::new(tx, "Leads", ToWriter::Leads) };
        let listed = crm.fetch_leads(mark(W_LEADS).as_deref(), &sink).await?.next_watermark;
        if full {
            return Ok((listed, None));
        }
        let f = crm.fetch_deleted_leads(mark(W_LEADS_DELETED).as_deref()).await?;
        send(ToWriter::DeletedLeads(f.items, f.skipped), "Leads/deleted").await?;
        if let Some(ids) = f.survivors {
            send(ToWriter::LeadSurvivors(ids), "Leads/deleted").await?;
        }
        Ok::<_, SyncError>((listed, f.next_watermark))
    };
    let appointments = async {
        if !module {
            return Ok((None, None));
        }
        let sink = Sink::new(tx, "appointments", ToWriter::Appointments);
        let listed = crm.fetch_appointments(mark(W_APPTS).as_deref(), &sink).await?.next_watermark;
        if full {
            return Ok((listed, None));
        }
        let f = crm.fetch_deleted_appointments(mark(W_APPTS_DELETED).as_deref()).await?;
        send(ToWriter::DeletedAppointments(f.items, f.skipped), "appointments/deleted").await?;
        if let Some(ids) = f.survivors {
            send(ToWriter::AppointmentSurvivors(ids), "appointments/deleted").await?;
        }
        Ok::<_, SyncError>((listed, f.next_watermark))
    };
    let sales = sales::listings(crm, &marks, full, meta_due, tx);
    let (u, (l, dl), (a, da), s) = tokio::try_join!(users, leads, appointments, sales)?;
    let watermarks: BTreeMap<&'static str, String> =
        [(W_USERS, u), (W_LEADS, l), (W_LEADS_DELETED, dl), (W_APPTS, a), (W_APPTS_DELETED, da)]
            .into_iter()
            .chain(s)
            .filter_map(|(k, v)| Some((k, v?)))
            .collect();

    // The writer applies what waited for complete listings (a full run's guard refuses here,
    // before any timeline is read) and chooses the timelines to read.
    progress.phase("Writing", None);
    let (answer, wanted) = oneshot::channel();
    send(ToWriter::Listed(answer), "the listings").await?;
    let wanted = wanted.await.map_err(|_| writer_gone("the listings"))?;
    let deals = sales::wanted(tx).await?;

    history::leads(crm, settings, wanted, tx, progress).await?;
    history::deals(crm, settings, deals, tx, progress).await?;
    let calls = crm.take_calls();
    let usage = crm.api_usage();
    send(ToWriter::Finish { watermarks, calls, usage }, "the end of the run").await?;
    Ok(())
}
