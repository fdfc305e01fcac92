//! Personal morning DMs: one per member per day, claimed before sending and marked after, like
//! the team digest's days (`digests.rs`), so restarts and several instances send each once.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::digests::{abandoned, Claim};
use super::Result;
use crate::time::utc_text;

/// How a member's day ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PersonalDone {
    /// Sent: the DM's message id.
    Sent(String),
    /// Not sent, and not to be tried again that day: why, in words (nothing needed them, or
    /// Discord refused the DM). Kept in `message_id`, which a skipped day has no other use for.
    Skipped(String),
}

/// Claims `date`'s DM to `discord` for `instance`, in one immediate transaction (two racing
/// schedulers are serialized by SQLite and exactly one wins). `Claim::Sent` means done: sent
/// or skipped.
pub fn claim_personal_digest(
    conn: &mut Connection,
    date: NaiveDate,
    discord: u64,
    instance: &str,
    now: DateTime<Utc>,
) -> Result<Claim> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let key = (date.to_string(), discord.to_string());
    let row: Option<(String, String, String)> = tx
        .query_row(
            "SELECT state, claimed_by, claimed_at FROM personal_digests WHERE date = ?1 AND discord_id = ?2",
            params![key.0, key.1],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let out = match row {
        None => {
            tx.execute(
                "INSERT INTO personal_digests(date, discord_id, state, claimed_by, claimed_at)
                 VALUES (?1, ?2, 'claimed', ?3, ?4)",
                params![key.0, key.1, instance, utc_text(now)],
            )?;
            Claim::Ours
        }
        Some((state, _, _)) if state != "claimed" => Claim::Sent,
        Some((_, by, _)) if by == instance => Claim::Ours,
        Some((_, by, at)) if abandoned(&at, now) => Claim::Abandoned { by },
        Some(_) => Claim::Busy,
    };
    tx.commit()?;
    Ok(out)
}

/// Takes over an abandoned claim (after looking in the member's DMs for a message already sent).
pub fn take_over_personal_digest(
    conn: &Connection,
    date: NaiveDate,
    discord: u64,
    instance: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    Ok(conn.execute(
        "UPDATE personal_digests SET claimed_by = ?3, claimed_at = ?4
         WHERE date = ?1 AND discord_id = ?2 AND state = 'claimed'",
        params![date.to_string(), discord.to_string(), instance, utc_text(now)],
    )? == 1)
}

/// Records how `date`'s DM to `discord` ended.
pub fn mark_personal_digest(
    conn: &Connection,
    date: NaiveDate,
    discord: u64,
    done: &PersonalDone,
    now: DateTime<Utc>,
) -> Result<()> {
    let (state, note) = match done {
        PersonalDone::Sent(id) => ("sent", id),
        PersonalDone::Skipped(why) => ("skipped", why),
    };
    conn.execute(
        "UPDATE personal_digests SET state = ?3, sent_at = ?4, message_id = ?5 WHERE date = ?1 AND discord_id = ?2",
        params![date.to_string(), discord.to_string(), state, utc_text(now), note],
    )?;
    Ok(())
}

/// How `date`'s DM to `discord` ended (`None`: not yet, or never tried).
pub fn personal_digest_done(conn: &Connection, date: NaiveDate, discord: u64) -> Result<Option<PersonalDone>> {
    let row: Option<(String, Option<String>)> = conn
        .query_row(
            "SELECT state, message_id FROM personal_digests WHERE date = ?1 AND discord_id = ?2",
            params![date.to_string(), discord.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row.and_then(|(state, note)| match state.as_str() {
        "sent" => Some(PersonalDone::Sent(note.unwrap_or_default())),
        "skipped" => Some(PersonalDone::Skipped(note.unwrap_or_default())),
        _ => None,
    }))
}

/// Whether every opted-in member present today is done for `date`, or being sent to (a claim
/// younger than `STALE_CLAIM_MINUTES`). The scheduler asks this besides the team digest, so a
/// restart between the team digest and the DMs still sends the DMs.
pub fn personal_digests_in_hand(conn: &Connection, date: NaiveDate, now: DateTime<Utc>) -> Result<bool> {
    let mut st = conn.prepare(
        "SELECT d.state, d.claimed_at FROM people p
         LEFT JOIN personal_digests d ON d.date = ?1 AND d.discord_id = p.discord_id
         WHERE p.personal_digest = 1 AND p.left_at IS NULL",
    )?;
    let rows =
        st.query_map([date.to_string()], |r| Ok((r.get::<_, Option<String>>(0)?, r.get::<_, Option<String>>(1)?)))?;
    for row in rows {
        match row? {
            (None, _) => return Ok(false),
            (Some(state), Some(at)) if state == "claimed" && abandoned(&at, now) => return Ok(false),
            _ => {}
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{link, set_personal_digest, Store, STALE_CLAIM_MINUTES};

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn two_schedulers_racing_send_each_member_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("d.db")).unwrap();
        for member in 0..20u64 {
            let handles: Vec<_> = (0..2)
                .map(|i| {
                    let store = store.clone();
                    std::thread::spawn(move || {
                        let mut c = store.connect().unwrap();
                        claim_personal_digest(
                            &mut c,
                            day(),
                            member,
                            &format!("instance-{i}"),
                            t("2026-11-23T13:00:00Z"),
                        )
                        .unwrap()
                    })
                })
                .collect();
            let got: Vec<Claim> = handles.into_iter().map(|h| h.join().unwrap()).collect();
            assert_eq!(got.iter().filter(|c| **c == Claim::Ours).count(), 1, "member {member}: {got:?}");
            assert_eq!(got.iter().filter(|c| **c == Claim::Busy).count(), 1, "member {member}: {got:?}");
        }
    }

    #[test]
    fn sent_skipped_and_abandoned_days_per_member() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("d.db")).unwrap();
        let mut c = store.connect().unwrap();
        let at = t("2026-11-23T13:00:00Z");
        assert_eq!(claim_personal_digest(&mut c, day(), 1, "a", at).unwrap(), Claim::Ours);
        assert_eq!(claim_personal_digest(&mut c, day(), 2, "a", at).unwrap(), Claim::Ours);
        // Another member, or the same member another day, is a claim of its own.
        assert_eq!(claim_personal_digest(&mut c, day().succ_opt().unwrap(), 1, "b", at).unwrap(), Claim::Ours);
        assert_eq!(claim_personal_digest(&mut c, day(), 1, "b", at).unwrap(), Claim::Busy);
        mark_personal_digest(&c, day(), 1, &PersonalDone::Sent("m1".into()), at).unwrap();
        let closed = PersonalDone::Skipped("Discord refused the DM (50007)".into());
        mark_personal_digest(&c, day(), 2, &closed, at).unwrap();
        assert_eq!(claim_personal_digest(&mut c, day(), 1, "b", at).unwrap(), Claim::Sent);
        assert_eq!(claim_personal_digest(&mut c, day(), 2, "b", at).unwrap(), Claim::Sent, "a refusal is not retried");
        assert_eq!(personal_digest_done(&c, day(), 1).unwrap(), Some(PersonalDone::Sent("m1".into())));
        assert_eq!(personal_digest_done(&c, day(), 2).unwrap(), Some(closed));
        // A claim never completed is taken over after the stale-claim time, not before.
        assert_eq!(claim_personal_digest(&mut c, day(), 3, "a", at).unwrap(), Claim::Ours);
        let later = at + chrono::Duration::minutes(STALE_CLAIM_MINUTES + 1);
        assert_eq!(claim_personal_digest(&mut c, day(), 3, "b", later).unwrap(), Claim::Abandoned { by: "a".into() });
        assert!(take_over_personal_digest(&c, day(), 3, "b", later).unwrap());
        assert_eq!(claim_personal_digest(&mut c, day(), 3, "b", later).unwrap(), Claim::Ours);
        assert_eq!(personal_digest_done(&c, day(), 3).unwrap(), None);
    }

    #[test]
    fn in_hand_once_every_opted_in_present_member_is_done_or_being_sent() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("d.db")).unwrap();
        let mut c = store.connect().unwrap();
        let at = t("2026-11-23T13:00:00Z");
        assert!(personal_digests_in_hand(&c, day(), at).unwrap(), "nobody opted in: nothing to send");
        c.execute("INSERT INTO users(id, name) VALUES ('u1', 'Ann Lee'), ('u2', 'Bo Chen')", []).unwrap();
        link(&mut c, 1, "u1", "test", at).unwrap().unwrap();
        link(&mut c, 2, "u2", "test", at).unwrap().unwrap();
        assert!(personal_digests_in_hand(&c, day(), at).unwrap(), "linked but not opted in");
        assert!(set_personal_digest(&mut c, 1, true, at).unwrap());
        assert!(!personal_digests_in_hand(&c, day(), at).unwrap());
        assert_eq!(claim_personal_digest(&mut c, day(), 1, "a", at).unwrap(), Claim::Ours);
        assert!(personal_digests_in_hand(&c, day(), at).unwrap(), "a fresh claim is in hand");
        let later = at + chrono::Duration::minutes(STALE_CLAIM_MINUTES + 1);
        assert!(!personal_digests_in_hand(&c, day(), later).unwrap(), "an abandoned claim is not");
        mark_personal_digest(&c, day(), 1, &PersonalDone::Skipped("nothing".into()), later).unwrap();
        assert!(personal_digests_in_hand(&c, day(), later).unwrap());
        // A member away from the guild is not waited for.
        assert!(set_personal_digest(&mut c, 2, true, at).unwrap());
        crate::store::set_away(&mut c, 2, true, at).unwrap();
        assert!(personal_digests_in_hand(&c, day(), later).unwrap());
    }
}
