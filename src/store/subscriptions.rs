//! Subscriptions (migration 0008): what each person chose to receive and when, and each
//! scheduled send claimed before it goes (exactly once per subscription and slot, like the
//! digest's days).

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::digests::{abandoned, Claim};
use super::{Result, StoreError};
use crate::time::utc_text;

/// What one can subscribe to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionKind {
    /// The team digest, in one's DMs.
    TeamDigest,
    /// One's own new alerts, in one's DMs.
    MyAlerts,
    /// The locator report (weekly by default).
    WeeklyLocators,
}

impl SubscriptionKind {
    pub const ALL: [SubscriptionKind; 3] =
        [SubscriptionKind::TeamDigest, SubscriptionKind::MyAlerts, SubscriptionKind::WeeklyLocators];

    pub const fn as_str(self) -> &'static str {
        match self {
            SubscriptionKind::TeamDigest => "team_digest",
            SubscriptionKind::MyAlerts => "my_alerts",
            SubscriptionKind::WeeklyLocators => "weekly_locators",
        }
    }

    pub fn parse(s: &str) -> Option<SubscriptionKind> {
        SubscriptionKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One person's subscription.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    pub id: i64,
    pub discord_id: u64,
    pub kind: SubscriptionKind,
    /// A cron schedule in the business zone, as written; `None`: with each alerts pass.
    pub schedule: Option<String>,
    pub created_at: String,
}

fn read(r: &rusqlite::Row) -> rusqlite::Result<(i64, String, String, Option<String>, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn finish(
    (id, discord, kind, schedule, created_at): (i64, String, String, Option<String>, String),
) -> Result<Subscription> {
    let discord_id = discord.parse().map_err(|_| StoreError::Corrupt(format!("subscriber '{discord}'")))?;
    let kind = SubscriptionKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("subscription '{kind}'")))?;
    Ok(Subscription { id, discord_id, kind, schedule, created_at })
}

fn query(conn: &Connection, sql_where: &str, args: impl rusqlite::Params) -> Result<Vec<Subscription>> {
    let mut st =
        conn.prepare(&format!("SELECT id, discord_id, kind, schedule, created_at FROM subscriptions {sql_where}"))?;
    let rows = st.query_map(args, read)?;
    rows.map(|r| finish(r?)).collect()
}

/// Subscribes `discord` to `kind` on `schedule` (replacing the schedule of an existing one, which
/// keeps its id and so its sends). The subscription's id.
pub fn subscribe(
    conn: &Connection,
    discord: u64,
    kind: SubscriptionKind,
    schedule: Option<&str>,
    now: DateTime<Utc>,
) -> Result<i64> {
    Ok(conn.query_row(
        "INSERT INTO subscriptions(discord_id, kind, schedule, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(discord_id, kind) DO UPDATE SET schedule = excluded.schedule
         RETURNING id",
        params![discord.to_string(), kind.as_str(), schedule, utc_text(now)],
        |r| r.get(0),
    )?)
}

/// Ends `discord`'s subscription to `kind`; false if there was none.
pub fn unsubscribe(conn: &mut Connection, discord: u64, kind: SubscriptionKind) -> Result<bool> {
    // Its sends go with it, in the same transaction: nothing is left that names a gone id.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let key = params![discord.to_string(), kind.as_str()];
    tx.execute(
        "DELETE FROM subscription_sends WHERE subscription_id IN
             (SELECT id FROM subscriptions WHERE discord_id = ?1 AND kind = ?2)",
        key,
    )?;
    let gone = tx.execute("DELETE FROM subscriptions WHERE discord_id = ?1 AND kind = ?2", key)? == 1;
    tx.commit()?;
    Ok(gone)
}

/// One person's subscriptions.
pub fn subscriptions_of(conn: &Connection, discord: u64) -> Result<Vec<Subscription>> {
    query(conn, "WHERE discord_id = ?1 ORDER BY kind", [discord.to_string()])
}

/// Every subscription (of one kind, or all).
pub fn subscriptions(conn: &Connection, kind: Option<SubscriptionKind>) -> Result<Vec<Subscription>> {
    match kind {
        Some(k) => query(conn, "WHERE kind = ?1 ORDER BY id", [k.as_str()]),
        None => query(conn, "ORDER BY id", []),
    }
}

/// Claims the send of subscription `id` for the scheduled instant `slot`, in one immediate
/// transaction. `Claim::Sent` means done (sent or skipped).
pub fn claim_subscription_send(
    conn: &mut Connection,
    id: i64,
    slot: DateTime<Utc>,
    instance: &str,
    now: DateTime<Utc>,
) -> Result<Claim> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let row: Option<(String, String, String)> = tx
        .query_row(
            "SELECT state, claimed_by, claimed_at FROM subscription_sends WHERE subscription_id = ?1 AND slot = ?2",
            params![id, utc_text(slot)],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let out = match row {
        None => {
            tx.execute(
                "INSERT INTO subscription_sends(subscription_id, slot, state, claimed_by, claimed_at)
                 VALUES (?1, ?2, 'claimed', ?3, ?4)",
                params![id, utc_text(slot), instance, utc_text(now)],
            )?;
            Claim::Ours
        }
        Some((state, _, _)) if state != "claimed" => Claim::Sent,
        Some((_, by, _)) if by == instance => Claim::Ours,
        Some((_, by, at)) => {
            if abandoned(&at, now) {
                tx.execute(
                    "UPDATE subscription_sends SET claimed_by = ?3, claimed_at = ?4 WHERE subscription_id = ?1 AND slot = ?2",
                    params![id, utc_text(slot), instance, utc_text(now)],
                )?;
                Claim::Abandoned { by }
            } else {
                Claim::Busy
            }
        }
    };
    tx.commit()?;
    Ok(out)
}

/// Marks a claimed send done: sent with its message id, or skipped (`message_id` = why).
pub fn finish_subscription_send(
    conn: &Connection,
    id: i64,
    slot: DateTime<Utc>,
    sent: bool,
    message_id: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    conn.execute(
        "UPDATE subscription_sends SET state = ?3, message_id = ?4, sent_at = ?5 WHERE subscription_id = ?1 AND slot = ?2",
        params![id, utc_text(slot), if sent { "sent" } else { "skipped" }, message_id, utc_text(now)],
    )?;
    Ok(())
}

/// The last slot of subscription `id` that was sent or skipped (the schedule's next slot is after it).
pub fn last_subscription_slot(conn: &Connection, id: i64) -> Result<Option<String>> {
    Ok(conn.query_row(
        "SELECT MAX(slot) FROM subscription_sends WHERE subscription_id = ?1 AND state != 'claimed'",
        [id],
        |r| r.get(0),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn subscribe_replace_list_and_claim_each_slot_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.db")).unwrap();
        let mut c = store.connect().unwrap();
        let now = t("2026-11-23T13:00:00Z");
        let id = subscribe(&c, 42, SubscriptionKind::TeamDigest, Some("0 8 * * MON-FRI"), now).unwrap();
        assert_eq!(subscribe(&c, 42, SubscriptionKind::TeamDigest, Some("30 7 * * *"), now).unwrap(), id);
        subscribe(&c, 42, SubscriptionKind::MyAlerts, None, now).unwrap();
        subscribe(&c, 7, SubscriptionKind::MyAlerts, None, now).unwrap();
        let mine = subscriptions_of(&c, 42).unwrap();
        assert_eq!(mine.len(), 2);
        assert_eq!(mine.iter().find(|s| s.id == id).unwrap().schedule.as_deref(), Some("30 7 * * *"));
        assert_eq!(subscriptions(&c, Some(SubscriptionKind::MyAlerts)).unwrap().len(), 2);

        let slot = t("2026-11-23T12:30:00Z");
        assert_eq!(claim_subscription_send(&mut c, id, slot, "a", now).unwrap(), Claim::Ours);
        assert_eq!(claim_subscription_send(&mut c, id, slot, "b", now).unwrap(), Claim::Busy);
        let later = now + chrono::Duration::minutes(20);
        assert_eq!(claim_subscription_send(&mut c, id, slot, "b", later).unwrap(), Claim::Abandoned { by: "a".into() });
        assert_eq!(last_subscription_slot(&c, id).unwrap(), None);
        finish_subscription_send(&c, id, slot, true, "m1", later).unwrap();
        assert_eq!(claim_subscription_send(&mut c, id, slot, "a", later).unwrap(), Claim::Sent);
        assert_eq!(last_subscription_slot(&c, id).unwrap().as_deref(), Some("2026-11-23T12:30:00Z"));

        assert!(unsubscribe(&mut c, 42, SubscriptionKind::MyAlerts).unwrap());
        assert!(!unsubscribe(&mut c, 42, SubscriptionKind::MyAlerts).unwrap());
        assert_eq!(subscriptions_of(&c, 42).unwrap().len(), 1);
        // The digest subscription goes with its sends, and a new one never reuses its id.
        assert!(unsubscribe(&mut c, 42, SubscriptionKind::TeamDigest).unwrap());
        let n: i64 = c.query_row("SELECT COUNT(*) FROM subscription_sends", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 0);
        assert!(subscribe(&c, 42, SubscriptionKind::TeamDigest, None, now).unwrap() > id);
    }
}
