//! `appointed_leads`: each appointed lead as lists of quiet leads read it (the lean columns,
//! the latest appointment, the last stage change). Triggers keep it
//! (migrations/0006_appointed_leads.sql); here is how to check it against the tables it is
//! derived from, and rebuild it.

use rusqlite::Connection;

use super::Result;

/// How many leads' rows differ from what the tables give (missing, extra or different). Zero
/// unless something wrote around the triggers.
pub fn appointed_drift(conn: &Connection) -> Result<u64> {
    Ok(conn.query_row(
        "SELECT (SELECT count(*) FROM (SELECT * FROM appointed_leads EXCEPT SELECT * FROM appointed_leads_of))
              + (SELECT count(*) FROM (SELECT * FROM appointed_leads_of EXCEPT SELECT * FROM appointed_leads))",
        [],
        |r| r.get(0),
    )?)
}

/// Recomputes every row from the tables, in one transaction.
pub fn rebuild_appointed(conn: &Connection) -> Result<()> {
    let tx = conn.unchecked_transaction()?;
    tx.execute_batch("DELETE FROM appointed_leads; INSERT INTO appointed_leads SELECT * FROM appointed_leads_of;")?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn exec(c: &Connection, sql: &str) {
        c.execute_batch(sql).unwrap();
    }

    /// latest_start, latest_timed, latest_all_day, last_change_at, stage, converted.
    type Row = (String, Option<String>, Option<String>, Option<String>, Option<String>, i64);

    fn row(c: &Connection, lead: &str) -> Option<Row> {
        c.query_row(
            "SELECT latest_start, latest_timed, latest_all_day, last_change_at, stage, converted
             FROM appointed_leads WHERE id = ?1",
            [lead],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .ok()
    }

    fn lead(c: &Connection, id: &str, stage: &str) {
        c.execute(
            "INSERT INTO leads(id, full_name, stage, created_at, created_offset, modified_at, modified_offset)
             VALUES (?1, 'N', ?2, '2026-01-01T00:00:00Z', 0, '2026-01-01T00:00:00Z', 0)",
            [id, stage],
        )
        .unwrap();
    }

    fn appointment(c: &Connection, id: &str, lead: &str, start: &str, all_day: bool) {
        c.execute(
            "INSERT INTO appointments(id, lead_id, start_at, start_offset, all_day) VALUES (?1, ?2, ?3, 0, ?4)",
            rusqlite::params![id, lead, start, all_day],
        )
        .unwrap();
    }

    fn change(c: &Connection, id: &str, lead: &str, at: &str) {
        c.execute(
            "INSERT INTO stage_changes(id, lead_id, changed_at, changed_offset, to_stage, source)
             VALUES (?1, ?2, ?3, 0, 'X', 'timeline')",
            [id, lead, at],
        )
        .unwrap();
    }

    /// The triggers recompute one lead: the view must seek that lead's rows, not group them all.
    #[test]
    fn one_leads_row_is_computed_by_seeks() {
        let dir = tempfile::tempdir().unwrap();
        let c = Store::open(&dir.path().join("r.db")).unwrap().connect().unwrap();
        let mut st = c.prepare("EXPLAIN QUERY PLAN SELECT * FROM appointed_leads_of WHERE id IN ('a', 'b')").unwrap();
        let plan: Vec<String> = st.query_map([], |r| r.get::<_, String>(3)).unwrap().map(|r| r.unwrap()).collect();
        assert!(plan.iter().any(|p| p.starts_with("SEARCH a ")), "{plan:?}");
        assert!(!plan.iter().any(|p| p.starts_with("SCAN a ") || p.starts_with("SCAN l ")), "{plan:?}");
    }

    /// A database from before the table gets it filled from what it holds.
    #[test]
    fn the_migration_fills_it_from_the_data_already_held() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            let c = Connection::open(&path).unwrap();
            for sql in [
                include_str!("../../migrations/0001_init.sql"),
                include_str!("../../migrations/0002_view_indexes.sql"),
                include_str!("../../migrations/0003_digests.sql"),
                include_str!("../../migrations/0004_view_key.sql"),
                include_str!("../../migrations/0005_history_due.sql"),
            ] {
                c.execute_batch(sql).unwrap();
            }
            c.pragma_update(None, "user_version", 5).unwrap();
            lead(&c, "L1", "Appt Set");
            lead(&c, "L2", "New");
            appointment(&c, "E:1", "L1", "2026-03-01T15:00:00Z", false);
            appointment(&c, "E:2", "L1", "2026-03-04T00:00:00Z", true);
            appointment(&c, "E:3", "orphan", "2026-03-02T15:00:00Z", false);
            change(&c, "S:1", "L1", "2026-03-02T10:00:00Z");
        }
        let c = Store::open(&path).unwrap().connect().unwrap();
        let t = |s: &str| Some(s.to_string());
        assert_eq!(
            row(&c, "L1"),
            Some((
                "2026-03-04T00:00:00Z".into(),
                t("2026-03-01T15:00:00Z"),
                t("2026-03-04T00:00:00Z"),
                t("2026-03-02T10:00:00Z"),
                t("Appt Set"),
                0
            ))
        );
        assert_eq!(row(&c, "L2"), None, "no appointment, no row");
        let orphan: bool =
            c.query_row("SELECT has_lead FROM appointed_leads WHERE id = 'orphan'", [], |r| r.get(0)).unwrap();
        assert!(!orphan);
        assert_eq!(appointed_drift(&c).unwrap(), 0);
    }

    /// Every kind of write the triggers answer, each followed by the row a person would expect
    /// and by the check against the view.
    #[test]
    fn every_write_keeps_a_leads_row_as_the_tables_give_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("r.db")).unwrap();
        let c = store.connect().unwrap();
        let t = |s: &str| Some(s.to_string());

        // An appointment before its lead: a row with no stage yet.
        appointment(&c, "E:1", "L1", "2026-03-01T15:00:00Z", false);
        assert_eq!(
            row(&c, "L1"),
            Some(("2026-03-01T15:00:00Z".into(), t("2026-03-01T15:00:00Z"), None, None, None, 0))
        );
        lead(&c, "L1", "Appt Set");
        appointment(&c, "E:2", "L1", "2026-03-05T00:00:00Z", true);
        assert_eq!(
            row(&c, "L1"),
            Some((
                "2026-03-05T00:00:00Z".into(),
                t("2026-03-01T15:00:00Z"),
                t("2026-03-05T00:00:00Z"),
                None,
                t("Appt Set"),
                0
            ))
        );
        change(&c, "S:1", "L1", "2026-03-02T10:00:00Z");
        change(&c, "S:2", "L1", "2026-02-01T10:00:00Z");
        assert_eq!(row(&c, "L1").unwrap().3, t("2026-03-02T10:00:00Z"));
        // Moved earlier, then to another lead, then deleted: each time the max is recomputed.
        exec(&c, "UPDATE appointments SET start_at = '2026-02-20T00:00:00Z' WHERE id = 'E:2'");
        assert_eq!(row(&c, "L1").unwrap().0, "2026-03-01T15:00:00Z");
        lead(&c, "L2", "New");
        exec(&c, "UPDATE leads SET full_name = 'Renamed', history_synced_modified_at = 'h' WHERE id = 'L1'");
        let shown: (String, String) = c
            .query_row("SELECT full_name, history_synced_modified_at FROM appointed_leads WHERE id = 'L1'", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(shown, ("Renamed".into(), "h".into()));
        exec(&c, "UPDATE appointments SET lead_id = 'L2' WHERE id = 'E:1'");
        assert_eq!(row(&c, "L1").unwrap().1, None);
        assert_eq!(row(&c, "L2").unwrap().4, t("New"));
        exec(&c, "DELETE FROM stage_changes WHERE id = 'S:1'");
        assert_eq!(row(&c, "L1").unwrap().3, t("2026-02-01T10:00:00Z"));
        exec(&c, "UPDATE stage_changes SET lead_id = 'L2' WHERE id = 'S:2'");
        assert_eq!((row(&c, "L1").unwrap().3, row(&c, "L2").unwrap().3), (None, t("2026-02-01T10:00:00Z")));
        exec(&c, "UPDATE leads SET stage = 'Dead', converted = 1 WHERE id = 'L1'");
        assert_eq!((row(&c, "L1").unwrap().4, row(&c, "L1").unwrap().5), (t("Dead"), 1));
        exec(&c, "DELETE FROM leads WHERE id = 'L1'");
        assert_eq!((row(&c, "L1").unwrap().4, row(&c, "L1").unwrap().5), (None, 0));
        exec(&c, "DELETE FROM appointments WHERE id = 'E:2'");
        assert_eq!(row(&c, "L1"), None, "a lead with no appointment left has no row");
        assert_eq!(appointed_drift(&c).unwrap(), 0);

        // Written around the triggers: the check sees it and a rebuild mends it.
        exec(&c, "DELETE FROM appointed_leads; INSERT INTO appointed_leads(id, latest_start, has_lead, converted) VALUES ('ghost', 'x', 0, 0)");
        assert_eq!(appointed_drift(&c).unwrap(), 2);
        rebuild_appointed(&c).unwrap();
        assert_eq!(appointed_drift(&c).unwrap(), 0);
        assert_eq!(row(&c, "L2").unwrap().0, "2026-03-01T15:00:00Z");
    }
}
