//! Per-endpoint watermarks for incremental sync.

use rusqlite::{params, Connection, OptionalExtension};

use super::Result;

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
