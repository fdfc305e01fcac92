//! What a run applies once every listing is complete: a full run's guards and deletions, the
//! deleted leads and appointments, the staged appointment changes — in the order a run always
//! applied them — and then the choice of the leads whose timeline to read.

use super::{guard, Job, SyncError, SyncReport, SyncSettings};
use crate::config::AppointmentSource;
use crate::crm::AppointmentChange;
use crate::domain::LeadId;
use crate::store::{self, staging, CandidateScope, Connection};

/// Applies what needed the whole listing and returns the leads whose timeline to read:
/// appointed and open after this run's changes, whose history is unknown or older than their
/// Modified_Time (every such one in a full run) — and no others. Each is noted as wanted, so
/// that one the run does not read is owed to the next (`history_due`).
pub(super) fn listings_done(conn: &Connection, job: &Job, r: &mut SyncReport) -> Result<Vec<LeadId>, SyncError> {
    let full = job.full;
    let module = !matches!(job.settings.appointments, AppointmentSource::Field(_));
    if full {
        // Checked before any timeline read: an empty listing (204) must not wipe the copy.
        let gone = guard::gone_leads(conn, r.created, job.allow_mass_delete, job.settings.crm_name())?;
        if module {
            guard::check_appointments_kept(conn, job.allow_mass_delete, job.settings.crm_name())?;
        }
        // A full run is the whole truth: what the CRM no longer lists is gone.
        for id in &gone {
            job.interrupt.check()?;
            if store::delete_lead(conn, id)? {
                r.deleted += 1;
            }
        }
    }
    for id in staging::staged_deleted_leads(conn)? {
        job.interrupt.check()?;
        if store::delete_lead(conn, &id)? {
            r.deleted += 1;
        }
    }
    if full && module {
        for id in staging::appointments_not_live(conn)? {
            if store::delete_appointment(conn, &id)? {
                r.appointments += 1;
            }
        }
    }
    // Appointments that still name a deleted lead (Zoho may leave them behind) are not kept,
    // nor, in a full run (it lists every lead Zoho has), those naming a lead it did not list.
    staging::for_each_staged_appointment(conn, full, |c, dropped| {
        job.interrupt.check()?;
        let changed = match c {
            AppointmentChange::Upsert(_) if dropped => false,
            AppointmentChange::Upsert(a) => store::upsert_appointment(conn, &a)?,
            AppointmentChange::Remove(id) => store::delete_appointment(conn, &id)?,
        };
        r.appointments += changed as u64;
        Ok::<_, SyncError>(())
    })?;
    for id in staging::staged_deleted_appointments(conn)? {
        if store::delete_appointment(conn, &id)? {
            r.appointments += 1;
        }
    }
    job.interrupt.check()?;

    let scope = if full {
        CandidateScope::Listed
    } else if store::history_due_rules(conn)?.as_deref() == Some(rules_fingerprint(&job.settings).as_str()) {
        CandidateScope::DueAndChanged
    } else {
        // What "open" or "appointed" means changed (or was never recorded): find the debt the
        // slow way, once; this run then keeps it.
        CandidateScope::Every
    };
    let open = |c: &store::HistoryCandidate| !(c.converted || job.settings.rules.is_closed_stage(c.stage.as_deref()));
    let mut wanted = Vec::new();
    for c in store::history_candidates(conn, scope)?.iter().filter(|c| open(c)) {
        if let Ok(id) = crate::domain::LeadId::stored(&c.id) {
            staging::note_wanted(conn, &c.id)?;
            wanted.push(id);
        }
    }
    if full {
        // A lead Zoho sent but we could not read is kept as it was; its timeline is read once
        // its record is readable again. Until then it is owed.
        for c in store::history_candidates(conn, CandidateScope::Unreadable)?.iter().filter(|c| open(c)) {
            staging::note_wanted(conn, &c.id)?;
        }
    }
    Ok(wanted)
}

/// What `history_due` depends on besides the data: which stages are closed, that a converted
/// lead is closed, and where appointments come from. Stored with the set; a change of any of
/// them makes the next run recompute it.
pub(super) fn rules_fingerprint(settings: &SyncSettings) -> String {
    let mut closed: Vec<&str> = settings.rules.closed_stages.iter().map(String::as_str).collect();
    closed.sort_unstable();
    closed.dedup();
    format!("v1; converted leads are closed; closed stages {closed:?}; appointments from {:?}", settings.appointments)
}
