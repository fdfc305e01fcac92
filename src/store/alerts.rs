//! Alert passes and what they announced (migration 0008): a pass claims its items in one
//! immediate transaction — the (lead, appointment, tier) primary key lets exactly one pass, of
//! any instance, take each — posts, then marks itself sent. Threshold alerts keep each rule's
//! last side here too.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::digests::STALE_CLAIM_MINUTES;
use super::Result;
use crate::alerts::Tier;
use crate::time::utc_text;

/// How a pass ended (or that it is under way).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PassState {
    /// Claimed, being posted.
    Claimed,
    Sent,
    /// The first pass ever: what was already late is recorded, not announced.
    Baseline,
    /// Went out in the morning digest.
    Folded,
    /// Nothing to post after all (its items were taken by another pass), or not postable.
    Skipped,
}

impl PassState {
    fn as_str(self) -> &'static str {
        match self {
            PassState::Claimed => "claimed",
            PassState::Sent => "sent",
            PassState::Baseline => "baseline",
            PassState::Folded => "folded",
            PassState::Skipped => "skipped",
        }
    }
}

/// One item a pass claims: lead, key (see `alerts::pass`), tier, owner.
pub type AlertItem<'a> = (&'a str, &'a str, Tier, Option<&'a str>);

/// Whether any pass ever ran (the first is a baseline).
pub fn any_alert_pass(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row("SELECT EXISTS(SELECT 1 FROM alert_passes)", [], |r| r.get(0))?)
}

/// Which of `items` (lead, key, tier) were announced already, in order.
pub fn announced(conn: &Connection, items: &[(&str, &str, Tier)]) -> Result<Vec<bool>> {
    let mut st = conn
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM alerts WHERE lead_id = ?1 AND appointment = ?2 AND tier = ?3)")?;
    let mut out = Vec::with_capacity(items.len());
    for (lead, key, tier) in items {
        out.push(st.query_row(params![lead, key, tier.as_str()], |r| r.get(0))?);
    }
    Ok(out)
}

/// Starts a pass at `as_of` in `state` and takes each of `items` not yet taken, in one immediate
/// transaction (two racing instances are serialized; each item goes to exactly one). Returns the
/// pass id and, per item, whether this pass took it.
pub fn claim_alert_pass(
    conn: &mut Connection,
    as_of: DateTime<Utc>,
    instance: &str,
    state: PassState,
    items: &[AlertItem],
    now: DateTime<Utc>,
) -> Result<(i64, Vec<bool>)> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "INSERT INTO alert_passes(as_of, state, claimed_by, claimed_at) VALUES (?1, ?2, ?3, ?4)",
        params![utc_text(as_of), state.as_str(), instance, utc_text(now)],
    )?;
    let pass = tx.last_insert_rowid();
    let mut taken = Vec::with_capacity(items.len());
    {
        let mut st = tx.prepare_cached(
            "INSERT OR IGNORE INTO alerts(lead_id, appointment, tier, pass_id, owner_id) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (lead, key, tier, owner) in items {
            taken.push(st.execute(params![lead, key, tier.as_str(), pass, owner])? == 1);
        }
    }
    tx.commit()?;
    Ok((pass, taken))
}

/// Ends a pass: sent (with its message), folded, skipped.
pub fn mark_alert_pass(
    conn: &Connection,
    pass: i64,
    state: PassState,
    message_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    conn.execute(
        "UPDATE alert_passes SET state = ?2, message_id = ?3, sent_at = ?4 WHERE id = ?1",
        params![pass, state.as_str(), message_id, utc_text(now)],
    )?;
    Ok(())
}

/// Passes claimed more than the claim timeout ago and never marked: their claimant probably
/// crashed between claiming and posting. (id, claimed_by), oldest first.
pub fn abandoned_alert_passes(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<(i64, String)>> {
    let before = utc_text(now - chrono::Duration::minutes(STALE_CLAIM_MINUTES));
    let mut st = conn
        .prepare("SELECT id, claimed_by FROM alert_passes WHERE state = 'claimed' AND claimed_at < ?1 ORDER BY id")?;
    let rows = st.query_map([before], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Takes over an abandoned pass (after looking in the channel for its message).
pub fn take_over_alert_pass(conn: &Connection, pass: i64, instance: &str, now: DateTime<Utc>) -> Result<bool> {
    Ok(conn.execute(
        "UPDATE alert_passes SET claimed_by = ?2, claimed_at = ?3 WHERE id = ?1 AND state = 'claimed'",
        params![pass, instance, utc_text(now)],
    )? == 1)
}

/// The items a pass took: (lead, key, tier).
pub fn alert_pass_items(conn: &Connection, pass: i64) -> Result<Vec<(String, String, Tier)>> {
    let mut st = conn.prepare("SELECT lead_id, appointment, tier FROM alerts WHERE pass_id = ?1 ORDER BY lead_id")?;
    let rows =
        st.query_map([pass], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (lead, key, tier) = row?;
        let tier = Tier::parse(&tier).ok_or_else(|| super::StoreError::Corrupt(format!("alert tier '{tier}'")))?;
        out.push((lead, key, tier));
    }
    Ok(out)
}

/// Each threshold key's last side (true: crossed).
pub fn threshold_states(conn: &Connection) -> Result<HashMap<String, bool>> {
    let mut st = conn.prepare("SELECT key, crossed FROM threshold_states")?;
    let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Records a threshold key's side now (whether or not it changed: `since` moves only on a change).
pub fn set_threshold_state(
    conn: &Connection,
    key: &str,
    crossed: bool,
    value: f64,
    pass: Option<i64>,
    now: DateTime<Utc>,
) -> Result<()> {
    conn.execute(
        "INSERT INTO threshold_states(key, crossed, value, since, pass_id) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(key) DO UPDATE SET
             since = CASE WHEN crossed = excluded.crossed THEN since ELSE excluded.since END,
             pass_id = CASE WHEN crossed = excluded.crossed THEN pass_id ELSE excluded.pass_id END,
             crossed = excluded.crossed, value = excluded.value",
        params![key, crossed, value, utc_text(now), pass],
    )?;
    Ok(())
}

/// A pass's state by id (for tests and the dry run's "last pass").
pub fn alert_pass_state(conn: &Connection, pass: i64) -> Result<Option<(String, Option<String>)>> {
    Ok(conn
        .query_row("SELECT state, message_id FROM alert_passes WHERE id = ?1", [pass], |r| Ok((r.get(0)?, r.get(1)?)))
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
    fn each_item_is_taken_by_exactly_one_of_two_racing_passes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("a.db")).unwrap();
        let now = t("2026-11-23T15:00:00Z");
        for round in 0..10 {
            let handles: Vec<_> = (0..2)
                .map(|i| {
                    let store = store.clone();
                    std::thread::spawn(move || {
                        let mut c = store.connect().unwrap();
                        let lead = format!("{round}");
                        let items = [(lead.as_str(), "2026-11-10T15:00:00Z", Tier::Stale, None)];
                        claim_alert_pass(&mut c, now, &format!("bot-{i}"), PassState::Claimed, &items, now).unwrap().1
                            [0]
                    })
                })
                .collect();
            let took: Vec<bool> = handles.into_iter().map(|h| h.join().unwrap()).collect();
            assert_eq!(took.iter().filter(|x| **x).count(), 1, "round {round}: {took:?}");
        }
        let c = store.connect().unwrap();
        assert_eq!(
            announced(&c, &[("3", "2026-11-10T15:00:00Z", Tier::Stale), ("3", "2026-11-10T15:00:00Z", Tier::AtRisk)])
                .unwrap(),
            vec![true, false]
        );
    }

    #[test]
    fn abandoned_passes_and_threshold_sides() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("a.db")).unwrap();
        let mut c = store.connect().unwrap();
        let now = t("2026-11-23T15:00:00Z");
        assert!(!any_alert_pass(&c).unwrap());
        let items = [("1", "k", Tier::AtRisk, Some("u1"))];
        let (pass, _) = claim_alert_pass(&mut c, now, "a", PassState::Claimed, &items, now).unwrap();
        assert!(any_alert_pass(&c).unwrap());
        assert!(abandoned_alert_passes(&c, now + chrono::Duration::minutes(5)).unwrap().is_empty());
        let later = now + chrono::Duration::minutes(20);
        assert_eq!(abandoned_alert_passes(&c, later).unwrap(), vec![(pass, "a".to_string())]);
        assert!(take_over_alert_pass(&c, pass, "b", later).unwrap());
        assert_eq!(alert_pass_items(&c, pass).unwrap(), vec![("1".into(), "k".into(), Tier::AtRisk)]);
        mark_alert_pass(&c, pass, PassState::Sent, Some("m1"), later).unwrap();
        assert_eq!(alert_pass_state(&c, pass).unwrap(), Some(("sent".into(), Some("m1".into()))));
        assert!(abandoned_alert_passes(&c, later).unwrap().is_empty());

        set_threshold_state(&c, "stale>20", true, 23.0, Some(pass), now).unwrap();
        set_threshold_state(&c, "stale>20", true, 25.0, None, later).unwrap();
        let since: String =
            c.query_row("SELECT since FROM threshold_states WHERE key = 'stale>20'", [], |r| r.get(0)).unwrap();
        assert_eq!(since, "2026-11-23T15:00:00Z", "still crossed: since stays");
        set_threshold_state(&c, "stale>20", false, 3.0, None, later).unwrap();
        assert_eq!(threshold_states(&c).unwrap().get("stale>20"), Some(&false));
    }
}
