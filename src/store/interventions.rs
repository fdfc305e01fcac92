//! Interventions and snoozes (migration 0008): every nudge, answer, snooze and escalation, kept
//! forever; and each lead's current snooze. A snooze and its record are written in one
//! transaction, so neither exists without the other.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};

use super::{Result, StoreError};
use crate::alerts::{Intervention, Kind, Snooze};
use crate::time::utc_text;

const COLUMNS: &str =
    "id, at, lead_id, kind, by_discord, by_name, owner_id, locator, appointment, note, answers, until";

fn instant(s: Option<String>) -> Result<Option<DateTime<Utc>>> {
    s.map(|s| {
        DateTime::parse_from_rfc3339(&s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| StoreError::Corrupt(format!("time '{s}' in interventions")))
    })
    .transpose()
}

fn read(r: &Row) -> rusqlite::Result<(Intervention, String, Option<String>, Option<String>)> {
    let at: String = r.get(1)?;
    let kind: String = r.get(3)?;
    let until: Option<String> = r.get(11)?;
    let by: Option<String> = r.get(4)?;
    let i = Intervention {
        id: r.get(0)?,
        at: DateTime::<Utc>::MIN_UTC,
        lead_id: r.get(2)?,
        kind: Kind::Nudge,
        by_discord: by.and_then(|b| b.parse().ok()),
        by_name: r.get(5)?,
        owner_id: r.get(6)?,
        locator: r.get(7)?,
        appointment: r.get(8)?,
        note: r.get(9)?,
        answers: r.get(10)?,
        until: None,
    };
    Ok((i, kind, Some(at), until))
}

fn finish((mut i, kind, at, until): (Intervention, String, Option<String>, Option<String>)) -> Result<Intervention> {
    i.kind = Kind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("intervention kind '{kind}'")))?;
    i.at = instant(at)?.unwrap_or(i.at);
    i.until = instant(until)?;
    Ok(i)
}

fn query(conn: &Connection, sql_where: &str, args: impl rusqlite::Params) -> Result<Vec<Intervention>> {
    let mut st = conn.prepare(&format!("SELECT {COLUMNS} FROM interventions {sql_where}"))?;
    let rows = st.query_map(args, read)?;
    rows.map(|r| finish(r?)).collect()
}

fn insert(conn: &Connection, i: &Intervention) -> Result<i64> {
    conn.execute(
        "INSERT INTO interventions(at, lead_id, kind, by_discord, by_name, owner_id, locator, appointment, note,
                                   answers, until)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            utc_text(i.at),
            i.lead_id,
            i.kind.as_str(),
            i.by_discord.map(|d| d.to_string()),
            i.by_name,
            i.owner_id,
            i.locator,
            i.appointment,
            i.note,
            i.answers,
            i.until.map(utc_text),
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Records an intervention (not a snooze: see `snooze_lead`); its id.
pub fn record_intervention(conn: &Connection, i: &Intervention) -> Result<i64> {
    insert(conn, i)
}

/// Records an escalation unless the lead was already escalated for that appointment (the
/// unique index decides, so two instances cannot both escalate). `Some(id)` when this one did.
pub fn record_escalation(conn: &Connection, i: &Intervention) -> Result<Option<i64>> {
    debug_assert_eq!(i.kind, Kind::Escalation);
    let n = conn.execute(
        "INSERT OR IGNORE INTO interventions(at, lead_id, kind, by_discord, by_name, owner_id, locator,
                                             appointment, note)
         VALUES (?1, ?2, 'escalation', ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            utc_text(i.at),
            i.lead_id,
            i.by_discord.map(|d| d.to_string()),
            i.by_name,
            i.owner_id,
            i.locator,
            i.appointment,
            i.note
        ],
    )?;
    Ok((n == 1).then(|| conn.last_insert_rowid()))
}

/// Snoozes a lead: its record (`i`, kind `Snooze`, with `until` and the reason in `note`) and
/// its current snooze, replacing any earlier one, in one transaction. The record's id.
pub fn snooze_lead(conn: &mut Connection, i: &Intervention, s: &Snooze) -> Result<i64> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let id = insert(&tx, i)?;
    tx.execute(
        "INSERT OR REPLACE INTO snoozes(lead_id, until, reason, by_name, at, stage, appointment, intervention_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![i.lead_id, s.until.map(utc_text), s.reason, s.by_name, utc_text(s.at), s.stage, s.appointment, id],
    )?;
    tx.commit()?;
    Ok(id)
}

/// Lifts a lead's snooze by hand (recording `i`, kind `Unsnooze`); false if it had none.
pub fn unsnooze_lead(conn: &mut Connection, i: &Intervention) -> Result<bool> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let had = tx.execute("DELETE FROM snoozes WHERE lead_id = ?1", [&i.lead_id])? == 1;
    if had {
        insert(&tx, i)?;
    }
    tx.commit()?;
    Ok(had)
}

/// Every lead's recorded snooze (expired ones too: `Snooze::holds` decides), by lead id.
pub fn snoozes(conn: &Connection) -> Result<Vec<(String, Snooze)>> {
    let mut st = conn.prepare("SELECT lead_id, until, reason, by_name, at, stage, appointment FROM snoozes")?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, Option<String>>(5)?,
            r.get::<_, Option<String>>(6)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (lead, until, reason, by_name, at, stage, appointment) = row?;
        let at = instant(Some(at))?.unwrap_or(DateTime::<Utc>::MIN_UTC);
        out.push((lead, Snooze { until: instant(until)?, reason, by_name, at, stage, appointment }));
    }
    Ok(out)
}

/// One lead's interventions, oldest first.
pub fn interventions_of(conn: &Connection, lead: &str) -> Result<Vec<Intervention>> {
    query(conn, "WHERE lead_id = ?1 ORDER BY at, id", [lead])
}

/// Every intervention at or after `from` (all with `None`), oldest first: what the KPIs read.
pub fn interventions_since(conn: &Connection, from: Option<DateTime<Utc>>) -> Result<Vec<Intervention>> {
    match from {
        Some(f) => query(conn, "WHERE at >= ?1 ORDER BY at, id", [utc_text(f)]),
        None => query(conn, "ORDER BY at, id", []),
    }
}

/// One intervention by id (a nudge's answer buttons carry it).
pub fn intervention(conn: &Connection, id: i64) -> Result<Option<Intervention>> {
    let mut st = conn.prepare(&format!("SELECT {COLUMNS} FROM interventions WHERE id = ?1"))?;
    st.query_row([id], read).optional()?.map(finish).transpose()
}

/// The highest intervention id (0 when none): the bot reloads its snapshot when it moves, so a
/// snooze shows at once.
pub fn last_intervention_id(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT COALESCE(MAX(id), 0) FROM interventions", [], |r| r.get(0))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn records_read_back_as_written_and_escalate_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("i.db")).unwrap();
        let mut c = store.connect().unwrap();
        let mut nudge = Intervention::new(Kind::Nudge, "7", "Ann Coord", t("2026-11-20T14:00:00Z"));
        nudge.by_discord = Some(42);
        nudge.owner_id = Some("u1".into());
        nudge.locator = Some("Bo Diaz".into());
        nudge.appointment = Some("2026-11-10T15:00:00Z".into());
        nudge.id = record_intervention(&c, &nudge).unwrap();
        let mut answer = Intervention::new(Kind::FollowedUp, "7", "Bo Diaz", t("2026-11-20T16:00:00Z"));
        answer.answers = Some(nudge.id);
        answer.note = Some("Called, booked a revisit".into());
        answer.id = record_intervention(&c, &answer).unwrap();
        assert_eq!(interventions_of(&c, "7").unwrap(), vec![nudge.clone(), answer.clone()]);
        assert_eq!(intervention(&c, nudge.id).unwrap(), Some(nudge.clone()));
        assert_eq!(interventions_since(&c, Some(t("2026-11-20T15:00:00Z"))).unwrap(), vec![answer]);

        let mut esc = Intervention::new(Kind::Escalation, "7", "Panopticon", t("2026-11-23T14:00:00Z"));
        esc.appointment = Some("2026-11-10T15:00:00Z".into());
        assert!(record_escalation(&c, &esc).unwrap().is_some());
        assert!(record_escalation(&c, &esc).unwrap().is_none(), "once per appointment");
        esc.appointment = Some("2026-11-25T15:00:00Z".into());
        assert!(record_escalation(&c, &esc).unwrap().is_some(), "a new appointment may escalate again");

        let mut sn = Intervention::new(Kind::Snooze, "7", "Bo Diaz", t("2026-11-21T14:00:00Z"));
        sn.until = Some(t("2026-11-24T14:00:00Z"));
        sn.note = Some("Owner on holiday".into());
        let s = Snooze {
            until: sn.until,
            reason: "Owner on holiday".into(),
            by_name: "Bo Diaz".into(),
            at: sn.at,
            stage: Some("Appt Set".into()),
            appointment: Some("2026-11-10T15:00:00Z".into()),
        };
        let before = last_intervention_id(&c).unwrap();
        snooze_lead(&mut c, &sn, &s).unwrap();
        assert!(last_intervention_id(&c).unwrap() > before);
        assert_eq!(snoozes(&c).unwrap(), vec![("7".to_string(), s)]);
        let lift = Intervention::new(Kind::Unsnooze, "7", "Ann Coord", t("2026-11-22T14:00:00Z"));
        assert!(unsnooze_lead(&mut c, &lift).unwrap());
        assert!(!unsnooze_lead(&mut c, &lift).unwrap(), "nothing left to lift: nothing recorded");
        assert!(snoozes(&c).unwrap().is_empty());
        let kinds: Vec<Kind> = interventions_of(&c, "7").unwrap().iter().map(|i| i.kind).collect();
        assert_eq!(kinds.iter().filter(|k| **k == Kind::Unsnooze).count(), 1);
        assert_eq!(kinds[2..4], [Kind::Snooze, Kind::Unsnooze], "oldest first: {kinds:?}");
    }
}
