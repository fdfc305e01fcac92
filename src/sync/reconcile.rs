//! The reconcile a deletions read asks for when the CRM's delete log no longer reaches back to
//! the last sync (Salesforce keeps it 15 days): the CRM then names every id it still has
//! (`Fetched::survivors`), and each record held here and not among them is gone — behind the
//! same mass-delete guard as a full run, since a cut-short id listing would otherwise wipe the
//! copy. The run says what it did in its warnings.

use std::collections::HashSet;

use super::{guard, SyncError};

/// What a reconcile of one table decided.
pub(super) struct Reconciled {
    /// The held ids the CRM no longer has, to delete in this run.
    pub gone: Vec<String>,
    /// The run's warning, saying the delete log was missed and what the reconcile did.
    pub warning: String,
}

/// The held ids not among `survivors`; refuses (nothing changes) past the mass-delete guard
/// unless `allow`. `what` names the table in the CRM's words ("Leads", "Events", "Deals"…).
pub(super) fn reconcile(
    held: impl IntoIterator<Item = String>,
    survivors: &HashSet<String>,
    crm: &'static str,
    what: &'static str,
    allow: bool,
) -> Result<Reconciled, SyncError> {
    let mut held_count = 0usize;
    let mut gone = Vec::new();
    for id in held {
        held_count += 1;
        if !survivors.contains(&id) {
            gone.push(id);
        }
    }
    gone.sort_unstable();
    if guard::is_mass_delete(held_count, gone.len()) && !allow {
        return Err(SyncError::MassDelete {
            crm,
            what,
            gone: gone.len(),
            held: held_count,
            listed: survivors.len(),
            listing: "as still there",
        });
    }
    let warning = format!(
        "{crm}'s delete log no longer reaches back to the last sync ({what}): checked all {} ids it still has \
         against the {held_count} held here; {} deleted",
        survivors.len(),
        gone.len()
    );
    Ok(Reconciled { gone, warning })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn deletes_what_the_crm_no_longer_has_and_says_so() {
        let held = ids(&["a", "b", "c"]).into_iter().chain((0..30).map(|i| format!("k{i}")));
        let survivors: HashSet<String> =
            ids(&["a", "c", "new"]).into_iter().chain((0..30).map(|i| format!("k{i}"))).collect();
        let r = reconcile(held, &survivors, "Salesforce", "Leads", false).unwrap();
        assert_eq!(r.gone, ids(&["b"]));
        assert_eq!(
            r.warning,
            "Salesforce's delete log no longer reaches back to the last sync (Leads): checked all 33 ids it still \
             has against the 33 held here; 1 deleted"
        );
    }

    #[test]
    fn an_empty_id_listing_is_refused_unless_allowed() {
        let e = reconcile(ids(&["a", "b"]), &HashSet::new(), "Salesforce", "Leads", false).err().unwrap();
        assert_eq!(
            e.to_string(),
            "refusing to delete 2 of the 2 Leads held here: Salesforce listed 0 as still there (an empty or \
             cut-short reply?). Nothing was changed. If they really were deleted in Salesforce, run `panopticon \
             sync --full --allow-mass-delete`"
        );
        let r = reconcile(ids(&["a", "b"]), &HashSet::new(), "Salesforce", "Leads", true).unwrap();
        assert_eq!(r.gone, ids(&["a", "b"]));
    }
}
