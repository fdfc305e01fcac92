//! The write half of a run: one blocking thread that owns the connection and a single
//! IMMEDIATE transaction for the whole run, applying pages as the pull sends them.
//!
//! The pull streams pages through a bounded channel, so memory stays flat however big the
//! org: a page waits in the channel only until the writer takes it. Nothing is committed until
//! the pull says it is finished; a failure, an interrupt or a pull that stops (the channel
//! closes without `Finish`) drops the transaction, so the database is exactly as it was.
//!
//! The trade-off: the write lock is held for the whole run, network time included. Readers
//! (the bot's views, reports) are not blocked — the database is in WAL mode — but another
//! writer (a second `panopticon sync` from another process) waits on the connection's busy
//! timeout (30 s, `Store::connect`) and fails past it; the bot claims its digest between its
//! own syncs (`kit/digest.rs`) for that reason. Before streaming, the lock was held only for the
//! final write, but the whole pull sat in memory until then.

use chrono::Utc;
use std::collections::{BTreeMap, HashSet};
use tokio::sync::{mpsc, oneshot};

use super::reconcile::reconcile;
use super::sales::{self, SalesMsg, SalesWriter};
use super::{apply, roles, usage, Job, SyncError, SyncReport, SyncSettings, MARKS};
use crate::config::AppointmentSource;
use crate::crm::{
    ApiUsage, AppointmentChange, CallCounts, CrmAppointment, CrmError, CrmLead, CrmStageChange, CrmUser, FieldValue,
    Skipped,
};
use crate::domain::LeadId;
use crate::people::DirRole;
use crate::store::{self, staging, ChangeSource, Connection, SyncRun, Upserted};
use crate::time::{utc_text, Stamp};

/// What the pull sends the writer, in the order it happens.
pub(super) enum ToWriter {
    Users(Vec<CrmUser>, Vec<Skipped>),
    /// Whether any user listed so far was new or differed from the copy held.
    UsersChanged(oneshot::Sender<bool>),
    /// The CRM's whole role tree, read this run.
    Roles(Vec<DirRole>, Vec<Skipped>),
    /// The roles could not be read: the stored ones stay, and the run warns.
    RolesUnread(CrmError),
    Leads(Vec<CrmLead>, Vec<Skipped>),
    DeletedLeads(Vec<LeadId>, Vec<Skipped>),
    Appointments(Vec<AppointmentChange>, Vec<Skipped>),
    DeletedAppointments(Vec<String>, Vec<Skipped>),
    /// The CRM's delete log no longer reached back to the last sync: every lead (appointment)
    /// it still has. Held ones not among them are deleted once the listings are complete.
    LeadSurvivors(Vec<LeadId>),
    AppointmentSurvivors(Vec<String>),
    /// Every listing is complete: apply what needed all of it, and answer with the leads whose
    /// timeline to read (or drop the answer and fail: a guard refused, say).
    Listed(oneshot::Sender<Vec<LeadId>>),
    /// One lead's timeline, read whole.
    Timeline(LeadId, Vec<CrmStageChange>, Vec<Skipped>),
    /// A lead whose timeline Zoho refused: skipped, and owed to the next run.
    Refused(Skipped),
    /// The sales side (`sales`).
    Sales(SalesMsg),
    /// The pull is done: commit.
    Finish {
        watermarks: BTreeMap<&'static str, String>,
        calls: CallCounts,
        /// The CRM's own count of API calls, when it reports one.
        usage: Option<ApiUsage>,
    },
}

/// The watermarks a run starts from (`None` for each in a full run).
pub(super) type Marks = BTreeMap<&'static str, Option<String>>;

/// What the pull needs from the database before it reads anything.
pub(super) struct Start {
    pub marks: Marks,
    /// Read the roles even if the users did not change (`roles::due`).
    pub roles_due: bool,
    /// Read the stage metadata even if no deal changed (`sales::meta_due`).
    pub meta_due: bool,
}

/// Skipped records are reported per source in this order, whatever order the pages came in.
const USERS: usize = 0;
const ROLES: usize = 1;
const LEADS: usize = 2;
const LEADS_DELETED: usize = 3;
const APPTS: usize = 4;
const APPTS_DELETED: usize = 5;
const TIMELINE: usize = 6;

/// The writer's state within its transaction.
struct Writer<'a> {
    conn: &'a Connection,
    job: &'a Job,
    report: SyncReport,
    skipped: [Vec<Skipped>; 7],
    /// Roles were stored before this run (for the warning when they cannot be read).
    roles_stored: bool,
    /// This run replaced the role tree (its time is remembered at the end).
    roles_read: bool,
    sales: SalesWriter,
    /// Set when a deletions read asked for a reconcile (`reconcile`).
    lead_survivors: Option<HashSet<String>>,
    appointment_survivors: Option<HashSet<String>>,
    users_changed: bool,
}

/// Runs on a blocking thread until the pull finishes (commit) or stops (rollback).
pub(super) fn run(
    job: Job,
    rx: mpsc::Receiver<ToWriter>,
    ready: oneshot::Sender<Start>,
) -> Result<SyncReport, SyncError> {
    let mut conn = job.store.connect()?;
    job.interrupt.attach(Some(conn.get_interrupt_handle()));
    let result = run_in(&mut conn, &job, rx, ready);
    job.interrupt.attach(None);
    result
}

fn run_in(
    conn: &mut Connection,
    job: &Job,
    mut rx: mpsc::Receiver<ToWriter>,
    ready: oneshot::Sender<Start>,
) -> Result<SyncReport, SyncError> {
    job.interrupt.check()?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    staging::create(&tx)?;
    let mut marks = Marks::new();
    let sales_keys = sales::MARKS.into_iter().flat_map(|(_, k, d)| [k, d]);
    for key in MARKS.into_iter().chain(sales_keys) {
        marks.insert(key, if job.full { None } else { store::watermark(&tx, key)? });
    }
    let meta_due = sales::meta_due(&tx, job.full, job.started)?;
    let first = !job.full && marks[super::W_LEADS].is_none();
    let roles_due = roles::due(&tx, job.full, job.started)?;
    let mut w = Writer {
        conn: &tx,
        job,
        report: SyncReport { full: job.full, first, ..SyncReport::default() },
        skipped: Default::default(),
        roles_stored: store::roles_stored(&tx)?,
        roles_read: false,
        sales: SalesWriter::new(&tx, job.full, job.allow_mass_delete, job.settings.crm_name())?,
        lead_survivors: None,
        appointment_survivors: None,
        users_changed: false,
    };
    // A pull that is gone already shows as a closed channel below.
    let _ = ready.send(Start { marks, roles_due, meta_due });
    let mut finish = None;
    while let Some(msg) = rx.blocking_recv() {
        // SQLite's own interrupt only stops a statement in progress; between the many short
        // ones here, this is what stops the write promptly.
        job.interrupt.check()?;
        match msg {
            ToWriter::Finish { watermarks, calls, usage } => {
                finish = Some((watermarks, calls, usage));
                break;
            }
            msg => w.apply(msg)?,
        }
    }
    let Some((watermarks, calls, usage)) = finish else {
        // The pull failed or was stopped: dropping the transaction rolls everything back.
        return Err(match job.interrupt.reason() {
            Some(why) => SyncError::Interrupted(why),
            None => SyncError::Task("the sync stopped reading before the end; nothing was written".into()),
        });
    };
    let report = w.finish(watermarks, calls, usage)?;
    // The last moment to stop; after the commit the run is done.
    job.interrupt.check()?;
    tx.commit()?;
    Ok(report)
}

impl Writer<'_> {
    fn apply(&mut self, msg: ToWriter) -> Result<(), SyncError> {
        match msg {
            ToWriter::Users(users, skipped) => {
                self.skipped[USERS].extend(skipped);
                let held: std::collections::HashMap<String, CrmUser> =
                    store::all_users(self.conn)?.into_iter().map(|u| (u.id.clone(), u)).collect();
                for u in &users {
                    self.users_changed |= held.get(&u.id) != Some(u);
                    store::upsert_user(self.conn, u)?;
                }
            }
            ToWriter::Roles(list, skipped) => {
                self.skipped[ROLES].extend(skipped);
                // Every org has at least one role: a reply with none readable replaces nothing.
                if list.is_empty() {
                    let e =
                        CrmError::Malformed { endpoint: "settings/roles".into(), detail: "no readable role".into() };
                    self.report.warnings.push(roles::warning(&e, self.roles_stored));
                } else {
                    store::replace_roles(self.conn, &list)?;
                    self.roles_read = true;
                }
            }
            ToWriter::UsersChanged(answer) => {
                // A pull that stopped meanwhile shows as a closed channel next.
                let _ = answer.send(self.users_changed);
            }
            ToWriter::RolesUnread(e) => self.report.warnings.push(roles::warning(&e, self.roles_stored)),
            ToWriter::Leads(leads, skipped) => {
                for id in skipped.iter().filter_map(|s| s.id.as_deref()) {
                    // A record Zoho sent but we could not read is still there: not gone.
                    staging::note_unreadable_lead(self.conn, id)?;
                }
                self.skipped[LEADS].extend(skipped);
                for l in &leads {
                    self.job.interrupt.check()?;
                    self.lead(l)?;
                }
            }
            ToWriter::DeletedLeads(ids, skipped) => {
                self.skipped[LEADS_DELETED].extend(skipped);
                for id in &ids {
                    staging::stage_deleted_lead(self.conn, id.as_str())?;
                }
            }
            ToWriter::Appointments(changes, skipped) => {
                self.skipped[APPTS].extend(skipped);
                for c in &changes {
                    staging::stage_appointment(self.conn, c)?;
                }
            }
            ToWriter::DeletedAppointments(ids, skipped) => {
                self.skipped[APPTS_DELETED].extend(skipped);
                for id in &ids {
                    staging::stage_deleted_appointment(self.conn, id)?;
                }
            }
            ToWriter::LeadSurvivors(ids) => {
                self.lead_survivors = Some(ids.into_iter().map(|id| id.to_string()).collect());
            }
            ToWriter::AppointmentSurvivors(ids) => self.appointment_survivors = Some(ids.into_iter().collect()),
            ToWriter::Listed(answer) => {
                self.reconcile()?;
                let wanted = apply::listings_done(self.conn, self.job, &mut self.report)?;
                // A pull that stopped meanwhile shows as a closed channel next.
                let _ = answer.send(wanted);
            }
            ToWriter::Timeline(lead, changes, skipped) => {
                self.skipped[TIMELINE].extend(skipped);
                self.history(&lead, &changes)?;
            }
            ToWriter::Refused(s) => self.skipped[TIMELINE].push(s),
            ToWriter::Sales(msg) => self.sales.apply(self.conn, msg, &mut self.report)?,
            ToWriter::Finish { .. } => {}
        }
        Ok(())
    }

    /// The reconciles a deletions read asked for: the gone leads and appointments are staged
    /// as deleted, so they go with the run's other deletions.
    fn reconcile(&mut self) -> Result<(), SyncError> {
        let (crm, allow) = (self.job.settings.crm_name(), self.job.allow_mass_delete);
        if let Some(survivors) = self.lead_survivors.take() {
            let r = reconcile(staging::held_lead_ids(self.conn)?, &survivors, crm, "Leads", allow)?;
            for id in &r.gone {
                staging::stage_deleted_lead(self.conn, id)?;
            }
            self.report.warnings.push(r.warning);
        }
        if let Some(survivors) = self.appointment_survivors.take() {
            let held = staging::held_module_appointment_ids(self.conn)?;
            let r = reconcile(held, &survivors, crm, "appointments", allow)?;
            for id in &r.gone {
                staging::stage_deleted_appointment(self.conn, id)?;
            }
            self.report.warnings.push(r.warning);
        }
        Ok(())
    }

    /// Upserts a listed lead (and, for `[appointments] source = "field"`, stages its appointment).
    fn lead(&mut self, l: &CrmLead) -> Result<(), SyncError> {
        staging::note_listed_lead(self.conn, l.id.as_str())?;
        match store::upsert_lead(self.conn, l)? {
            Upserted::Created => self.report.created += 1,
            Upserted::Unchanged => {}
            Upserted::Updated { old_stage } => {
                self.report.updated += 1;
                if old_stage != l.stage {
                    // The stage moved and, unless this run's timeline of the lead says when
                    // (`history` takes it back then), the edit time is the best bound we have:
                    // it is never earlier than the real change. A change made without a
                    // timeline entry (an import, history tracking off) stays observed.
                    let c = CrmStageChange {
                        id: format!("observed:{}:{}", l.id, l.modified_at.utc_text()),
                        lead_id: l.id.clone(),
                        at: l.modified_at,
                        from: old_stage,
                        to: l.stage.clone(),
                        by: None,
                    };
                    if store::insert_change(self.conn, &c, ChangeSource::Observed)? {
                        self.report.stage_changes += 1;
                        staging::note_observed(self.conn, &c)?;
                    }
                }
            }
        }
        if let AppointmentSource::Field(_) = self.job.settings.appointments {
            // The appointment is the lead's own field: derived from the lead just read.
            staging::stage_appointment(self.conn, &field_appointment(l, &self.job.settings))?;
        }
        Ok(())
    }

    /// Merges one lead's timeline, read this run.
    fn history(&mut self, lead: &LeadId, changes: &[CrmStageChange]) -> Result<(), SyncError> {
        self.job.interrupt.check()?;
        let Some(modified_at) = store::lead_modified_at(self.conn, lead.as_str())? else {
            self.skipped[TIMELINE].push(Skipped {
                endpoint: "__timeline".into(),
                id: Some(lead.to_string()),
                reason: "lead vanished during the sync".into(),
            });
            return Ok(());
        };
        if let Some((id, at, to)) = staging::observed_of(self.conn, lead.as_str())? {
            // The timeline accounts for the new stage when its last change up to this edit
            // lands on it: then the observation was never needed.
            let knows = changes.iter().rev().find(|c| c.at <= at).is_some_and(|c| c.to == to);
            if knows && store::delete_change(self.conn, &id)? {
                self.report.stage_changes -= 1;
            }
        }
        if !changes.is_empty() {
            self.report.stage_changes += store::merge_history(self.conn, lead.as_str(), changes)? as u64;
        }
        store::set_history_synced(self.conn, lead.as_str(), &modified_at)?;
        staging::note_read(self.conn, lead.as_str())?;
        self.report.timeline_reads += 1;
        Ok(())
    }

    /// Everything but the commit: the history debt left, watermarks, the run's record.
    fn finish(
        self,
        watermarks: BTreeMap<&'static str, String>,
        calls: CallCounts,
        usage: Option<ApiUsage>,
    ) -> Result<SyncReport, SyncError> {
        let Writer { conn, job, mut report, skipped, roles_read, sales, .. } = self;
        store::rewrite_history_due(conn)?;
        store::set_history_due_rules(conn, &apply::rules_fingerprint(&job.settings))?;
        if job.full {
            store::clear_watermarks(conn)?;
        }
        for (k, v) in &watermarks {
            store::set_watermark(conn, k, v)?;
        }
        if roles_read {
            store::set_roles_read_at(conn, job.started)?;
        }
        if let Some(u) = usage {
            usage::store_usage(conn, u, Utc::now())?;
        }
        let skipped: Vec<Skipped> = skipped.into_iter().flatten().chain(sales.finish(conn, job.started)?).collect();
        for s in &skipped {
            tracing::warn!(target: "panopticon::sync", "skipped {s}");
        }
        for w in &report.warnings {
            tracing::warn!(target: "panopticon::sync", "{w}");
        }
        report.calls = calls;
        report.skipped = skipped;
        report.duration_ms = job.clock.elapsed().as_millis() as u64;
        let r = &report;
        store::insert_run(
            conn,
            &SyncRun {
                started_at: utc_text(job.started),
                finished_at: utc_text(Utc::now()),
                full: job.full,
                ok: true,
                error: None,
                created: r.created,
                updated: r.updated,
                deleted: r.deleted,
                stage_changes: r.stage_changes,
                appointments: r.appointments,
                api_calls: r.api_calls(),
                skipped: r.skipped.len() as u64,
                warnings: r
                    .warnings
                    .iter()
                    .cloned()
                    .chain(r.skipped.iter().map(|s| s.to_string()))
                    .collect::<Vec<_>>()
                    .join("\n"),
                duration_ms: r.duration_ms,
                ..SyncRun::default()
            },
        )?;
        // Housekeeping rides on the same transaction: a few cheap DELETEs on small tables.
        store::prune(conn, job.settings.keep_runs_days, Utc::now())?;
        Ok(report)
    }
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
