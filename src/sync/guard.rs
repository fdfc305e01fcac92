//! The full run's guard: it deletes what the CRM no longer lists, so an empty or cut-short listing
//! (a 204, a redirect to nothing) would wipe the local copy. Past a small share it refuses.

use super::SyncError;
use crate::store::{self, staging, Connection};

/// A full run may delete up to this share of what it holds (10%) without being told to…
const MASS_DELETE_PERCENT: usize = 10;
/// …and always this many (a small org may lose a few records), but never everything it holds.
const MASS_DELETE_FLOOR: usize = 10;

/// How a full run's refusal says which listing it judged.
pub(super) const FULL: &str = "in this full sync";

/// Whether deleting `gone` of `held` records needs an explicit `--allow-mass-delete`.
pub fn is_mass_delete(held: usize, gone: usize) -> bool {
    gone > 0 && (gone >= held || gone > MASS_DELETE_FLOOR.max(held * MASS_DELETE_PERCENT / 100))
}

/// The stored leads a complete full listing did not name, checked against the guard. `created`
/// is how many of the stored leads this run added (all of them listed).
pub(super) fn gone_leads(
    conn: &Connection,
    created: u64,
    allow: bool,
    crm: &'static str,
) -> Result<Vec<String>, SyncError> {
    // A record Zoho sent but we could not read is still there: `unlisted_leads` keeps it.
    let gone = staging::unlisted_leads(conn)?;
    let held = store::count_leads(conn)?.saturating_sub(created) as usize;
    if is_mass_delete(held, gone.len()) && !allow {
        let listed = staging::listed_lead_count(conn)?;
        return Err(SyncError::MassDelete { crm, what: "leads", gone: gone.len(), held, listed, listing: FULL });
    }
    Ok(gone)
}

/// A full run replaces every module appointment with what was just listed: refuses when that
/// would drop more than `is_mass_delete` allows (an empty Events reply, say). The listing is
/// staged, not yet applied, so the stored appointments are still those held before the run.
pub(super) fn check_appointments_kept(conn: &Connection, allow: bool, crm: &'static str) -> Result<(), SyncError> {
    let (held, gone) = staging::module_appointments_unlisted(conn)?;
    if is_mass_delete(held, gone) && !allow {
        let listed = staging::listed_appointment_count(conn)?;
        return Err(SyncError::MassDelete { crm, what: "appointments", gone, held, listed, listing: FULL });
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
