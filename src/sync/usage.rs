//! The CRM's own count of API calls against its daily allowance (Salesforce's
//! `Sforce-Limit-Info`), as the last successful run saw it: kept in `sync_state` as
//! `"used/max at"` and shown by `/status` and `panopticon status`.

use chrono::{DateTime, Utc};

use crate::crm::ApiUsage;
use crate::store::{self, Connection, StoreError, API_USAGE};
use crate::time::utc_text;

/// The last reported API usage and when it was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredUsage {
    pub used: u64,
    pub max: u64,
    pub at: DateTime<Utc>,
}

impl StoredUsage {
    /// "Salesforce API: 1,234 of 15,000 calls used in the last 24 h" — Salesforce counts a
    /// rolling day.
    pub fn line(&self, crm: &str) -> String {
        format!("{crm} API: {} of {} calls used in the last 24 h", grouped(self.used), grouped(self.max))
    }
}

/// Keeps what the CRM reported at the end of a run (inside the run's transaction).
pub(super) fn store_usage(conn: &Connection, usage: ApiUsage, at: DateTime<Utc>) -> Result<(), StoreError> {
    store::set_watermark(conn, API_USAGE, &format!("{}/{} at {}", usage.used, usage.max, utc_text(at)))
}

/// The API usage the last run stored, if any (and readable: an unreadable value is no value).
pub fn stored_api_usage(conn: &Connection) -> Result<Option<StoredUsage>, StoreError> {
    Ok(store::watermark(conn, API_USAGE)?.as_deref().and_then(parse))
}

fn parse(text: &str) -> Option<StoredUsage> {
    let (counts, at) = text.split_once(" at ")?;
    let (used, max) = counts.split_once('/')?;
    Some(StoredUsage {
        used: used.parse().ok()?,
        max: max.parse().ok()?,
        at: DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc),
    })
}

/// 15000 → "15,000".
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_what_it_stored_and_says_it_with_thousands() {
        let u = parse("1234/15000 at 2026-11-20T09:00:00Z").unwrap();
        assert_eq!((u.used, u.max), (1234, 15000));
        assert_eq!(u.line("Salesforce"), "Salesforce API: 1,234 of 15,000 calls used in the last 24 h");
        assert_eq!(grouped(7), "7");
        assert_eq!(grouped(1_000_000), "1,000,000");
        for bad in ["", "12/x at 2026-11-20T09:00:00Z", "1/2", "1/2 at yesterday"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
