//! Housekeeping: the database's logs are kept for a bounded time, and `panopticon maintain`
//! folds the space they leave back into the file.
//!
//! The log-like tables are `sync_runs` (one row per sync, every 15 minutes or so) and `digests`
//! (one row per day). Both keep `[storage] keep_runs_days` days — plus, whatever its age, the
//! last good run (the data's age is measured from it) and the last digest sent (tomorrow's ▲/▼
//! compares with it). The sync applies this in its own transaction; `maintain` applies it too,
//! then `PRAGMA optimize`, `VACUUM` and a WAL checkpoint, so the file shrinks back.
//!
//! The write-back audit (`actions`) is kept `[actions] keep_days` (forever when unset), and
//! pruned by `maintain` only: an audit is read rarely and grows by hand-made actions, so a weekly
//! prune is plenty. Pending actions stay whatever their age (`prune_actions`).

use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection};

use super::{Result, Store};
use crate::time::utc_text;

/// Days of sync runs and digests kept when the config does not say (`[storage] keep_runs_days`).
pub const DEFAULT_KEEP_DAYS: u32 = 90;

/// Rows removed by one pruning.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    pub runs: u64,
    pub digests: u64,
    /// Subscription sends (each subscription keeps its last, which its schedule counts from).
    pub sends: u64,
    /// Resolved write-back actions past `[actions] keep_days` (by `maintain` only).
    pub actions: u64,
}

/// Deletes sync runs, digests and subscription sends older than `keep_days` before `now`, except the last good run
/// and the last digest sent. Cheap: both tables are small and this runs after every sync.
pub fn prune(conn: &Connection, keep_days: u32, now: DateTime<Utc>) -> Result<Pruned> {
    let cutoff = now - Duration::days(i64::from(keep_days));
    let runs = conn.execute(
        "DELETE FROM sync_runs WHERE finished_at < ?1
           AND id IS NOT (SELECT max(id) FROM sync_runs WHERE ok = 1)",
        params![utc_text(cutoff)],
    )?;
    let digests = conn.execute(
        "DELETE FROM digests WHERE date < ?1
           AND date IS NOT (SELECT max(date) FROM digests WHERE state = 'sent')",
        params![cutoff.date_naive().to_string()],
    )?;
    let sends = conn.execute(
        "DELETE FROM subscription_sends WHERE slot < ?1 AND state != 'claimed'
           AND slot < (SELECT max(s.slot) FROM subscription_sends s
                       WHERE s.subscription_id = subscription_sends.subscription_id AND s.state != 'claimed')",
        params![utc_text(cutoff)],
    )?;
    Ok(Pruned { runs: runs as u64, digests: digests as u64, sends: sends as u64, actions: 0 })
}

/// What `maintain` did.
#[derive(Clone, Copy, Debug)]
pub struct Maintained {
    pub pruned: Pruned,
    /// Rows of `appointed_leads` that differed from the tables and were recomputed (0 normally).
    pub appointed_mended: u64,
    /// The database and its WAL, before and after.
    pub bytes_before: u64,
    pub bytes_after: u64,
}

/// Prunes (the audit of actions only with `keep_actions_days`), lets SQLite refresh its query
/// statistics, rewrites the file without free pages and empties the WAL. Safe while the bot
/// runs: readers keep reading, a sync waits its turn.
pub fn maintain(
    store: &Store,
    keep_days: u32,
    keep_actions_days: Option<u32>,
    now: DateTime<Utc>,
) -> Result<Maintained> {
    let bytes_before = store.size_bytes();
    let conn = store.connect()?;
    let mut pruned = prune(&conn, keep_days, now)?;
    if let Some(days) = keep_actions_days {
        pruned.actions = super::prune_actions(&conn, now - Duration::days(i64::from(days)))? as u64;
    }
    // Derived rows the triggers keep; a file written around them (by hand, say) is mended here.
    let drift = super::appointed_drift(&conn)?;
    if drift > 0 {
        super::rebuild_appointed(&conn)?;
    }
    conn.execute_batch("PRAGMA optimize; VACUUM;")?;
    // TRUNCATE: the WAL file goes back to zero bytes, so the size reported is the real one.
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    drop(conn);
    Ok(Maintained { pruned, appointed_mended: drift, bytes_before, bytes_after: store.size_bytes() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{
        claim_digest, claim_subscription_send, count_runs, finish_subscription_send, insert_run, last_good_run,
        last_subscription_slot, mark_digest_sent, subscribe, DigestRecord, SubscriptionKind, SyncRun,
    };

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn run(ok: bool, finished: &str) -> SyncRun {
        SyncRun { started_at: finished.into(), finished_at: finished.into(), ok, ..SyncRun::default() }
    }

    #[test]
    fn old_runs_and_digests_go_but_the_last_good_ones_stay() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("r.db")).unwrap();
        let mut c = store.connect().unwrap();
        let good = insert_run(&c, &run(true, "2026-01-10T10:00:00Z")).unwrap();
        insert_run(&c, &run(false, "2026-01-11T10:00:00Z")).unwrap();
        insert_run(&c, &run(false, "2026-11-01T10:00:00Z")).unwrap();
        for (day, sent) in [("2026-01-05", true), ("2026-01-06", true), ("2026-11-02", false)] {
            let date = day.parse().unwrap();
            claim_digest(&mut c, date, "a", at("2026-01-01T00:00:00Z")).unwrap();
            if sent {
                let rec = DigestRecord { date: day.into(), ..DigestRecord::default() };
                mark_digest_sent(&c, &rec, "m", at("2026-01-01T00:00:00Z")).unwrap();
            }
        }
        // A subscription sent in January and February, and one sent only in January.
        let jan = at("2026-01-05T13:00:00Z");
        let sub = subscribe(&c, 42, SubscriptionKind::TeamDigest, None, jan).unwrap();
        let other = subscribe(&c, 43, SubscriptionKind::TeamDigest, None, jan).unwrap();
        for (id, slot) in [(sub, jan), (sub, at("2026-02-05T13:00:00Z")), (other, jan)] {
            claim_subscription_send(&mut c, id, slot, "a", slot).unwrap();
            finish_subscription_send(&c, id, slot, true, "m", slot).unwrap();
        }
        let now = at("2026-11-20T12:00:00Z");
        let pruned = prune(&c, 90, now).unwrap();
        // The failed January run goes; the good one stays, being the last good one. Each
        // subscription keeps its last send, however old (its schedule counts from it).
        assert_eq!(pruned, Pruned { runs: 1, digests: 1, sends: 1, actions: 0 });
        assert_eq!(last_subscription_slot(&c, other).unwrap().as_deref(), Some("2026-01-05T13:00:00Z"));
        assert_eq!(count_runs(&c).unwrap(), 2);
        assert_eq!(last_good_run(&c).unwrap().map(|r| r.id), Some(good));
        let days: Vec<String> = c
            .prepare("SELECT date FROM digests ORDER BY date")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(days, ["2026-01-06", "2026-11-02"], "the last digest sent stays for the next one's ▲/▼");
        // A newer good run: the old one is now just old.
        insert_run(&c, &run(true, "2026-11-19T10:00:00Z")).unwrap();
        assert_eq!(prune(&c, 90, now).unwrap().runs, 1);
        assert_eq!(count_runs(&c).unwrap(), 2);
    }

    #[test]
    fn maintain_prunes_the_audit_past_keep_days_but_never_a_pending_action() {
        use crate::actions::{ActionKey, ActionKind, State};
        use crate::store::{audit, begin_action, ActionRecord, AuditFilter, Via};
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("a.db")).unwrap();
        let mut c = store.connect().unwrap();
        let action = |asked: &str, state: State| ActionRecord {
            id: 0,
            key: ActionKey::new(),
            lead_id: "1".into(),
            lead_name: format!("{state} at {asked}"),
            kind: ActionKind::Note,
            by_discord: None,
            by_name: "cli:ann".into(),
            via: Via::Cli,
            from: None,
            to: None,
            body: Some("n".into()),
            due: None,
            seen_modified: None,
            requested_at: at(asked),
            state,
            crm_id: None,
            code: None,
            reason: None,
            resolved_at: (state != State::Pending).then(|| at(asked)),
            attempts: 1,
        };
        for (asked, state) in [
            ("2025-01-01T00:00:00Z", State::Done),
            ("2025-01-02T00:00:00Z", State::Refused),
            ("2025-01-03T00:00:00Z", State::Pending),
            ("2026-11-01T00:00:00Z", State::Done),
        ] {
            begin_action(&mut c, &action(asked, state)).unwrap();
        }
        drop(c);
        let now = at("2026-11-20T12:00:00Z");
        assert_eq!(maintain(&store, 90, None, now).unwrap().pruned.actions, 0, "unset: kept forever");
        assert_eq!(maintain(&store, 90, Some(365), now).unwrap().pruned.actions, 2);
        let left: Vec<String> = audit(&store.connect().unwrap(), &AuditFilter::default())
            .unwrap()
            .into_iter()
            .map(|r| r.lead_name)
            .collect();
        assert_eq!(left, ["done at 2026-11-01T00:00:00Z", "pending at 2025-01-03T00:00:00Z"]);
    }

    #[test]
    fn maintain_gives_the_space_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("m.db")).unwrap();
        let c = store.connect().unwrap();
        let warnings = "x".repeat(4_000);
        for i in 0..500 {
            let finished = format!("2025-01-01T00:{:02}:{:02}Z", i / 60, i % 60);
            insert_run(&c, &SyncRun { warnings: warnings.clone(), ..run(false, &finished) }).unwrap();
        }
        drop(c);
        let m = maintain(&store, 30, None, at("2026-11-20T12:00:00Z")).unwrap();
        assert_eq!(m.pruned.runs, 500);
        assert!(m.bytes_after < m.bytes_before / 4, "{} → {} bytes", m.bytes_before, m.bytes_after);
        let c = store.connect().unwrap();
        assert_eq!(count_runs(&c).unwrap(), 0);
        let check: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(check, "ok");
    }
}
