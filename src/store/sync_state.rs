//! Per-endpoint watermarks for incremental sync, and when the CRM's roles were last read.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::Result;
use crate::time::utc_text;

pub fn watermark(conn: &Connection, endpoint: &str) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT watermark FROM sync_state WHERE endpoint = ?1", [endpoint], |r| r.get(0)).optional()?)
}

pub fn set_watermark(conn: &Connection, endpoint: &str, watermark: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO sync_state(endpoint, watermark) VALUES (?1, ?2)
         ON CONFLICT(endpoint) DO UPDATE SET watermark = excluded.watermark",
        params![endpoint, watermark],
    )?;
    Ok(())
}

pub fn clear_watermarks(conn: &Connection) -> Result<()> {
    conn.execute("DELETE FROM sync_state", [])?;
    Ok(())
}

/// Where the time the CRM's roles were last read is kept (`sync_state`, beside the watermarks:
/// a full run clears both, and reads the roles again).
pub(super) const ROLES_READ: &str = "settings/roles";

/// Where the time the deal stage mapping was last read is kept (`sync_state`, like the roles').
pub const STAGE_META_READ: &str = "settings/fields/Deals";

/// Where the CRM's last reported API usage is kept ("used/max at <time>", see `sync::usage`):
/// the run's own reading, like the roles' read time — not data.
pub const API_USAGE: &str = "api_usage";

/// When the CRM's role tree was last read whole, if ever (and the stored text is readable).
pub fn roles_read_at(conn: &Connection) -> Result<Option<DateTime<Utc>>> {
    read_at(conn, ROLES_READ)
}

/// The time kept under `key` (`ROLES_READ`, `STAGE_META_READ`), if any and readable.
pub fn read_at(conn: &Connection, key: &str) -> Result<Option<DateTime<Utc>>> {
    Ok(watermark(conn, key)?.and_then(|t| DateTime::parse_from_rfc3339(&t).ok()).map(|t| t.with_timezone(&Utc)))
}

pub fn set_roles_read_at(conn: &Connection, at: DateTime<Utc>) -> Result<()> {
    set_watermark(conn, ROLES_READ, &utc_text(at))
}
