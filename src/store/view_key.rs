//! The key that signs the bot's view states (custom_ids): 32 random bytes, made on first use
//! and kept in the database, so ids stay valid across restarts and every instance sharing the
//! database signs alike. It is never logged and never leaves this table except into the MAC.

use rusqlite::{Connection, OptionalExtension};

use super::{Result, StoreError};

/// The key's bytes, generated and stored if the database has none yet.
pub fn view_key_bytes(conn: &Connection) -> Result<[u8; 32]> {
    if let Some(k) = read(conn)? {
        return Ok(k);
    }
    let mut fresh = [0u8; 32];
    getrandom::getrandom(&mut fresh).map_err(|e| {
        StoreError::Corrupt(format!("could not draw a random key for signing views (the system's random source: {e})"))
    })?;
    // Two processes may race here: the first insert wins, and both read the winner back.
    let tx = conn.unchecked_transaction()?;
    tx.execute(
        "INSERT OR IGNORE INTO view_key (id, key, created_at) VALUES (1, ?1, ?2)",
        rusqlite::params![fresh.as_slice(), chrono::Utc::now().to_rfc3339()],
    )?;
    tx.commit()?;
    read(conn)?.ok_or_else(|| StoreError::Corrupt("the view key vanished right after it was stored".into()))
}

fn read(conn: &Connection) -> Result<Option<[u8; 32]>> {
    let blob: Option<Vec<u8>> = conn.query_row("SELECT key FROM view_key WHERE id = 1", [], |r| r.get(0)).optional()?;
    match blob {
        None => Ok(None),
        Some(b) => <[u8; 32]>::try_from(b.as_slice())
            .map(Some)
            .map_err(|_| StoreError::Corrupt("the view key in the database is not 32 bytes".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_once_then_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        let store = crate::store::Store::open(&path).unwrap();
        let a = view_key_bytes(&store.connect().unwrap()).unwrap();
        let b = view_key_bytes(&store.connect().unwrap()).unwrap();
        assert_eq!(a, b, "the same key on every load");
        assert_ne!(a, [0; 32]);
        let other = crate::store::Store::open(&dir.path().join("other.db")).unwrap();
        assert_ne!(view_key_bytes(&other.connect().unwrap()).unwrap(), a, "each database its own key");
    }
}
