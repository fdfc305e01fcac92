//! The write half of a run: everything pulled, applied in one SQLite transaction (or not at all).

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use chrono::Utc;

use super::{Interrupt, Pulled, SyncError, SyncReport, SyncSettings};
use crate::config::AppointmentSource;
use crate::crm::{AppointmentChange, CallCounts, CrmStageChange, Skipped};
use crate::domain::LeadId;
use crate::store::{self, ChangeSource, Store, SyncRun, Upserted};
use crate::time::utc_text;

#[allow(clippy::too_many_arguments)]
pub(super) fn write(
    store: &Store,
    settings: &SyncSettings,
    p: Pulled,
    full: bool,
    started: chrono::DateTime<Utc>,
    clock: Instant,
    calls: CallCounts,
    interrupt: &Interrupt,
) -> Result<SyncReport, SyncError> {
    let mut conn = store.connect()?;
    interrupt.attach(Some(conn.get_interrupt_handle()));
    let result = write_in(&mut conn, settings, p, full, started, clock, calls, interrupt);
    interrupt.attach(None);
    result
}

#[allow(clippy::too_many_arguments)]
fn write_in(
    conn: &mut rusqlite::Connection,
    settings: &SyncSettings,
    p: Pulled,
    full: bool,
    started: chrono::DateTime<Utc>,
    clock: Instant,
    calls: CallCounts,
    interrupt: &Interrupt,
) -> Result<SyncReport, SyncError> {
    interrupt.check()?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut r = SyncReport { full, first: p.first, calls, ..SyncReport::default() };
    let mut skipped = p.skipped;

    for u in &p.users {
        store::upsert_user(&tx, u)?;
    }

    let histories: HashMap<&str, &Vec<CrmStageChange>> = p.histories.iter().map(|(id, c)| (id.as_str(), c)).collect();
    let mut present: HashSet<&str> = HashSet::new();
    for l in &p.leads {
        // SQLite's own interrupt only stops a statement in progress; between the many short
        // ones here, this is what stops the write promptly.
        interrupt.check()?;
        present.insert(l.id.as_str());
        match store::upsert_lead(&tx, l)? {
            Upserted::Created => r.created += 1,
            Upserted::Unchanged => {}
            Upserted::Updated { old_stage } => {
                r.updated += 1;
                // The timeline accounts for the new stage when its last change up to this edit
                // lands on it; a change made without a timeline entry (an import, history
                // tracking off) is observed even for a lead with earlier history.
                let timeline_knows = histories
                    .get(l.id.as_str())
                    .is_some_and(|h| h.iter().rev().find(|c| c.at <= l.modified_at).is_some_and(|c| c.to == l.stage));
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
    // A full run is the whole truth: what the CRM no longer lists is gone (checked against
    // the mass-delete guard when it was listed).
    for id in &p.gone_leads {
        if !present.contains(id.as_str()) && store::delete_lead(&tx, id)? {
            r.deleted += 1;
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
    // Appointments that still name a deleted lead (Zoho may leave them behind) are not kept.
    let deleted_leads: HashSet<&str> =
        p.deleted_leads.iter().map(LeadId::as_str).chain(p.gone_leads.iter().map(String::as_str)).collect();
    // A full run lists every lead Zoho has: an appointment naming another one is an orphan.
    let unreadable: HashSet<&str> =
        skipped.iter().filter(|s| s.endpoint == "Leads").filter_map(|s| s.id.as_deref()).collect();
    let orphan = |lead: &str| full && !present.contains(lead) && !unreadable.contains(lead);
    for c in &p.appointment_changes {
        interrupt.check()?;
        match c {
            AppointmentChange::Upsert(a)
                if deleted_leads.contains(a.lead_id.as_str()) || orphan(a.lead_id.as_str()) => {}
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
        interrupt.check()?;
        let Some(state) = store::lead_sync_states(&tx, &[lead.as_str()])?.remove(lead.as_str()) else {
            skipped.push(Skipped {
                endpoint: "__timeline".into(),
                id: Some(lead.to_string()),
                reason: "lead vanished during the sync".into(),
            });
            continue;
        };
        if !changes.is_empty() {
            r.stage_changes += store::merge_history(&tx, lead.as_str(), changes)? as u64;
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
    // Housekeeping rides on the same transaction: a few cheap DELETEs on small tables.
    store::prune(&tx, settings.keep_runs_days, Utc::now())?;
    // The last moment to stop; after the commit the run is done.
    interrupt.check()?;
    tx.commit()?;
    Ok(r)
}
