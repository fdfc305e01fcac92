//! The full run's guard: it deletes what Zoho no longer lists, so an empty or cut-short listing
//! (a 204, a redirect to nothing) would wipe the local copy. Past a small share it refuses.

use std::collections::HashSet;

use super::SyncError;
use crate::crm::{AppointmentChange, CrmLead, Skipped};
use crate::store::{self, Store};

/// A full run may delete up to this share of what it holds (10%) without being told to…
const MASS_DELETE_PERCENT: usize = 10;
/// …and always this many (a small org may lose a few records), but never everything it holds.
const MASS_DELETE_FLOOR: usize = 10;

/// Whether deleting `gone` of `held` records needs an explicit `--allow-mass-delete`.
pub fn is_mass_delete(held: usize, gone: usize) -> bool {
    gone > 0 && (gone >= held || gone > MASS_DELETE_FLOOR.max(held * MASS_DELETE_PERCENT / 100))
}

/// The stored leads a full listing no longer has, checked against the guard.
pub(super) fn gone_leads(
    store: &Store,
    listed: &[CrmLead],
    skipped: &[Skipped],
    allow: bool,
) -> Result<Vec<String>, SyncError> {
    let held = store::all_lead_ids(&store.connect()?)?;
    let listed: HashSet<&str> = listed.iter().map(|l| l.id.as_str()).collect();
    // A record Zoho sent but we could not read is still there: not gone.
    let unreadable: HashSet<&str> =
        skipped.iter().filter(|s| s.endpoint == "Leads").filter_map(|s| s.id.as_deref()).collect();
    let gone: Vec<String> =
        held.iter().filter(|id| !listed.contains(id.as_str()) && !unreadable.contains(id.as_str())).cloned().collect();
    if is_mass_delete(held.len(), gone.len()) && !allow {
        return Err(SyncError::MassDelete { what: "leads", gone: gone.len(), held: held.len(), listed: listed.len() });
    }
    Ok(gone)
}

/// A full run replaces every module appointment with what was just listed: refuses when that
/// would drop more than `is_mass_delete` allows (an empty Events reply, say).
pub(super) fn check_appointments_kept(
    store: &Store,
    listed: &[AppointmentChange],
    allow: bool,
) -> Result<(), SyncError> {
    let held: Vec<String> =
        store::appointment_leads(&store.connect()?)?.into_keys().filter(|id| !id.starts_with("field:")).collect();
    let listed: HashSet<&str> = listed
        .iter()
        .map(|c| match c {
            AppointmentChange::Upsert(a) => a.id.as_str(),
            AppointmentChange::Remove(id) => id.as_str(),
        })
        .collect();
    let gone = held.iter().filter(|id| !listed.contains(id.as_str())).count();
    if is_mass_delete(held.len(), gone) && !allow {
        return Err(SyncError::MassDelete { what: "appointments", gone, held: held.len(), listed: listed.len() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::is_mass_delete;

    #[test]
    fn a_small_share_goes_a_large_one_or_everything_needs_the_flag() {
        // (held, gone, needs the flag)
        for (held, gone, mass) in [
            (0, 0, false),
            (300, 0, false),
            (300, 3, false),
            (300, 30, false),
            (300, 31, true),
            (300, 300, true),
            (50, 10, false),
            (50, 11, true),
            (5, 1, false),
            (5, 5, true),
            (1, 1, true),
            (100_000, 10_000, false),
            (100_000, 10_001, true),
        ] {
            assert_eq!(is_mass_delete(held, gone), mass, "{gone} of {held}");
        }
    }
}
