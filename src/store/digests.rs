//! Digest days: claimed before sending, marked sent after (exactly once per day).

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::Result;
use crate::time::utc_text;

/// A claim older than this, never marked sent, is taken to be from a crashed instance.
pub const STALE_CLAIM_MINUTES: i64 = 10;

/// Whether a claim made at `claimed_at` (stored text) is old enough, at `now`, to be taken for
/// a crashed claimant's; a claim time that does not parse counts as old. The personal DMs and
/// the subscriptions' sends judge their claims by it.
pub(super) fn abandoned(claimed_at: &str, now: DateTime<Utc>) -> bool {
    DateTime::parse_from_rfc3339(claimed_at)
        .map(|t| now - t.with_timezone(&Utc) > chrono::Duration::minutes(STALE_CLAIM_MINUTES))
        .unwrap_or(true)
}

/// What trying to claim a day found.
#[derive(Debug, PartialEq, Eq)]
pub enum Claim {
    /// The day is ours to send.
    Ours,
    /// Already sent (by us or another instance).
    Sent,
    /// Another instance claimed it recently and is presumably sending.
    Busy,
    /// Claimed long ago and never sent: the claimant probably crashed. Look in the channel
    /// before sending again (`take_over`).
    Abandoned { by: String },
}

/// What a digest said, kept for the next one's comparisons.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DigestRecord {
    pub date: String,
    pub stale: u64,
    pub at_risk: u64,
    pub today: u64,
    pub stuck: u64,
    pub stale_ids: Vec<String>,
    pub at_risk_ids: Vec<String>,
}

/// Claims `date` for `instance` at `now`, in one immediate transaction (so two racing
/// schedulers are serialized by SQLite and exactly one wins).
pub fn claim_digest(conn: &mut Connection, date: NaiveDate, instance: &str, now: DateTime<Utc>) -> Result<Claim> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let row: Option<(String, String, String)> = tx
        .query_row("SELECT state, claimed_by, claimed_at FROM digests WHERE date = ?1", [date.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let out = match row {
        None => {
            tx.execute(
                "INSERT INTO digests(date, state, claimed_by, claimed_at) VALUES (?1, 'claimed', ?2, ?3)",
                params![date.to_string(), instance, utc_text(now)],
            )?;
            Claim::Ours
        }
        Some((state, _, _)) if state == "sent" => Claim::Sent,
        Some((_, by, _)) if by == instance => Claim::Ours,
        Some((_, by, at)) => {
            let age = DateTime::parse_from_rfc3339(&at).map(|t| now - t.with_timezone(&Utc)).unwrap_or_default();
            if age > chrono::Duration::minutes(STALE_CLAIM_MINUTES) {
                Claim::Abandoned { by }
            } else {
                Claim::Busy
            }
        }
    };
    tx.commit()?;
    Ok(out)
}

/// Takes over an abandoned claim (after checking the channel holds no digest for the day).
pub fn take_over_digest(conn: &Connection, date: NaiveDate, instance: &str, now: DateTime<Utc>) -> Result<bool> {
    Ok(conn.execute(
        "UPDATE digests SET claimed_by = ?2, claimed_at = ?3 WHERE date = ?1 AND state = 'claimed'",
        params![date.to_string(), instance, utc_text(now)],
    )? == 1)
}

pub fn mark_digest_sent(conn: &Connection, r: &DigestRecord, message_id: &str, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE digests SET state = 'sent', sent_at = ?2, message_id = ?3, stale = ?4, at_risk = ?5, today = ?6,
                stuck = ?7, stale_ids = ?8, at_risk_ids = ?9
         WHERE date = ?1",
        params![
            r.date,
            utc_text(now),
            message_id,
            r.stale as i64,
            r.at_risk as i64,
            r.today as i64,
            r.stuck as i64,
            r.stale_ids.join(","),
            r.at_risk_ids.join(",")
        ],
    )?;
    Ok(())
}

/// Whether `date` is sent, or claimed recently enough that someone is sending it.
pub fn digest_in_hand(conn: &Connection, date: NaiveDate, now: DateTime<Utc>) -> Result<bool> {
    let row: Option<(String, String)> = conn
        .query_row("SELECT state, claimed_at FROM digests WHERE date = ?1", [date.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    Ok(match row {
        None => false,
        Some((state, _)) if state == "sent" => true,
        Some((_, at)) => DateTime::parse_from_rfc3339(&at)
            .map(|t| now - t.with_timezone(&Utc) <= chrono::Duration::minutes(STALE_CLAIM_MINUTES))
            .unwrap_or(false),
    })
}

/// The last digest sent before `date`.
pub fn previous_digest(conn: &Connection, date: NaiveDate) -> Result<Option<DigestRecord>> {
    let ids = |s: String| s.split(',').filter(|x| !x.is_empty()).map(str::to_string).collect();
    Ok(conn
        .query_row(
            "SELECT date, stale, at_risk, today, stuck, stale_ids, at_risk_ids FROM digests
             WHERE state = 'sent' AND date < ?1 ORDER BY date DESC LIMIT 1",
            [date.to_string()],
            |r| {
                Ok(DigestRecord {
                    date: r.get(0)?,
                    stale: r.get::<_, Option<i64>>(1)?.unwrap_or(0) as u64,
                    at_risk: r.get::<_, Option<i64>>(2)?.unwrap_or(0) as u64,
                    today: r.get::<_, Option<i64>>(3)?.unwrap_or(0) as u64,
                    stuck: r.get::<_, Option<i64>>(4)?.unwrap_or(0) as u64,
                    stale_ids: ids(r.get(5)?),
                    at_risk_ids: ids(r.get(6)?),
                })
            },
        )
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn two_schedulers_racing_send_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("d.db")).unwrap();
        let date = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        for round in 0..20 {
            let day = date + chrono::Duration::days(round);
            let handles: Vec<_> = (0..2)
                .map(|i| {
                    let store = store.clone();
                    std::thread::spawn(move || {
                        let mut c = store.connect().unwrap();
                        claim_digest(&mut c, day, &format!("instance-{i}"), t("2026-11-23T13:00:00Z")).unwrap()
                    })
                })
                .collect();
            let got: Vec<Claim> = handles.into_iter().map(|h| h.join().unwrap()).collect();
            assert_eq!(got.iter().filter(|c| **c == Claim::Ours).count(), 1, "round {round}: {got:?}");
            assert_eq!(got.iter().filter(|c| **c == Claim::Busy).count(), 1, "round {round}: {got:?}");
        }
    }

    #[test]
    fn sent_claimed_and_abandoned_days() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("d.db")).unwrap();
        let mut c = store.connect().unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let at = t("2026-11-23T13:00:00Z");
        assert_eq!(claim_digest(&mut c, day, "a", at).unwrap(), Claim::Ours);
        assert!(digest_in_hand(&c, day, at).unwrap(), "a fresh claim is in hand");
        // b restarts 20 minutes later and finds a's claim never completed.
        let later = at + chrono::Duration::minutes(20);
        assert!(!digest_in_hand(&c, day, later).unwrap());
        assert_eq!(claim_digest(&mut c, day, "b", later).unwrap(), Claim::Abandoned { by: "a".into() });
        assert!(take_over_digest(&c, day, "b", later).unwrap());
        let rec = DigestRecord {
            date: day.to_string(),
            stale: 4,
            stale_ids: vec!["1".into(), "2".into()],
            ..Default::default()
        };
        mark_digest_sent(&c, &rec, "m1", later).unwrap();
        assert_eq!(claim_digest(&mut c, day, "a", later).unwrap(), Claim::Sent);
        let next = day + chrono::Duration::days(1);
        let prev = previous_digest(&c, next).unwrap().unwrap();
        assert_eq!((prev.stale, prev.stale_ids.len()), (4, 2));
        assert_eq!(previous_digest(&c, day).unwrap(), None);
    }
}
