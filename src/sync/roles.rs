//! When a run reads the CRM's role tree, and what it says when it cannot. The roles change
//! rarely and cost a call, so a run reads them only when the users changed (a new user or a
//! user moved to another role usually comes with a new role), when none are stored, or when
//! the last read is a day old — a sync with nothing new stays at its five calls.

use chrono::{DateTime, Duration, Utc};

use crate::crm::CrmError;
use crate::store::{self, Connection, StoreError};

/// How old the stored role tree may get before a run reads it again anyway.
fn max_age() -> Duration {
    Duration::hours(24)
}

/// Whether this run reads the roles whatever the users listing says: a full run, none stored,
/// or read more than `max_age` ago (or at a time ahead of this clock, which is not to be trusted).
pub(super) fn due(conn: &Connection, full: bool, now: DateTime<Utc>) -> Result<bool, StoreError> {
    if full || !store::roles_stored(conn)? {
        return Ok(true);
    }
    Ok(stale(store::roles_read_at(conn)?, now))
}

/// Whether something read whole at `read` (the roles, the stage mapping) is due again: never
/// read, read more than `max_age` ago, or at a time ahead of this clock (not to be trusted).
pub(super) fn stale(read: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    read.is_none_or(|t| t > now || now - t > max_age())
}

/// The run's warning when the roles could not be read: the run goes on with the stored ones.
pub(super) fn warning(e: &CrmError, stored: bool) -> String {
    let kept = if stored {
        "the roles read before are kept"
    } else {
        "no roles are stored yet, so managers' teams come from Reporting_To and [teams] only"
    };
    match e {
        CrmError::Api { code, .. } if code == "OAUTH_SCOPE_MISMATCH" => format!(
            "the CRM's roles were not read: the refresh token lacks ZohoCRM.settings.roles.READ (add it and \
             generate a new refresh token, see README, Setting up); {kept}"
        ),
        CrmError::Api { code, .. } if code == "NO_PERMISSION" => {
            format!("the CRM's roles were not read: the Zoho user behind the refresh token may not read roles; {kept}")
        }
        e => format!("the CRM's roles were not read ({e}); {kept}"),
    }
}
