//! The sync's history debt as data: which leads' stage history is still owed (`history_due`),
//! and what "open" and "appointed" meant when that set was written (`history_due_rules`).
//!
//! A run's candidates are the set plus what the run itself changed, found by primary key —
//! so a run that changed nothing reads no lead beyond the set, whatever the size of the org.

use rusqlite::{Connection, OptionalExtension};

use super::Result;

/// The fingerprint `history_due` was written under; `None` before the first run that keeps it.
pub fn history_due_rules(conn: &Connection) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT fingerprint FROM history_due_rules WHERE id = 1", [], |r| r.get(0)).optional()?)
}

pub fn set_history_due_rules(conn: &Connection, fingerprint: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO history_due_rules(id, fingerprint) VALUES (1, ?1)
         ON CONFLICT(id) DO UPDATE SET fingerprint = excluded.fingerprint",
        [fingerprint],
    )?;
    Ok(())
}

/// Where a run looks for leads whose timeline it may have to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CandidateScope {
    /// `history_due` and this run's changed leads and appointments: the usual run.
    DueAndChanged,
    /// Every stored lead: `history_due` was written under other rules, or never.
    Every,
    /// A full run: every lead it listed, lagging or not.
    Listed,
    /// A full run: the lead records Zoho sent that could not be read (kept as they were).
    Unreadable,
}

/// An appointed lead whose history may be owed, with what decides whether it is open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryCandidate {
    pub id: String,
    pub stage: Option<String>,
    pub converted: bool,
}

/// The SQL for `history_candidates`. Reads the run's scratch tables (`store::staging`) for
/// what it changed; public to the crate so a test can check its query plan.
pub(crate) fn candidates_sql(scope: CandidateScope) -> String {
    let which = match scope {
        CandidateScope::DueAndChanged => {
            "l.id IN (SELECT lead_id FROM history_due
                      UNION SELECT id FROM temp.run_listed_leads
                      UNION SELECT lead_id FROM temp.run_appointments WHERE lead_id IS NOT NULL) AND"
        }
        CandidateScope::Every => "",
        CandidateScope::Listed => "l.id IN (SELECT id FROM temp.run_listed_leads) AND",
        CandidateScope::Unreadable => "l.id IN (SELECT id FROM temp.run_unreadable_leads) AND",
    };
    let lagging = match scope {
        CandidateScope::Listed => "",
        _ => "(l.history_synced_modified_at IS NULL OR l.history_synced_modified_at <> l.modified_at) AND",
    };
    format!(
        "SELECT l.id, l.stage, l.converted FROM leads l
         WHERE {which} {lagging} EXISTS (SELECT 1 FROM appointments a WHERE a.lead_id = l.id)
         ORDER BY l.id"
    )
}

/// Stored appointed leads in `scope` whose history is unknown or older than the lead (every one
/// in a full run), by id. Whether each is open is the rules' call, made by the caller.
pub fn history_candidates(conn: &Connection, scope: CandidateScope) -> Result<Vec<HistoryCandidate>> {
    let mut st = conn.prepare(&candidates_sql(scope))?;
    let rows = st.query_map([], |r| Ok(HistoryCandidate { id: r.get(0)?, stage: r.get(1)?, converted: r.get(2)? }))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Rewrites `history_due` as what this run wanted and did not read (a refused timeline): those
/// are the leads the next run must try again.
pub fn rewrite_history_due(conn: &Connection) -> Result<()> {
    conn.execute("DELETE FROM history_due", [])?;
    conn.execute(
        "INSERT INTO history_due(lead_id)
         SELECT w.lead_id FROM temp.run_wanted w
         WHERE w.lead_id NOT IN (SELECT lead_id FROM temp.run_read)
           AND EXISTS (SELECT 1 FROM leads l WHERE l.id = w.lead_id)",
        [],
    )?;
    Ok(())
}

/// The leads a run still owes, by id.
pub fn history_due(conn: &Connection) -> Result<Vec<String>> {
    let mut st = conn.prepare("SELECT lead_id FROM history_due ORDER BY lead_id")?;
    let rows = st.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The usual run's candidates come by primary key: no step of its plan walks the leads.
    #[test]
    fn a_usual_run_finds_its_candidates_without_scanning_the_leads() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(&dir.path().join("t.db")).unwrap();
        let conn = store.connect().unwrap();
        crate::store::staging::create(&conn).unwrap();
        let plan = |scope| -> Vec<String> {
            let mut st = conn.prepare(&format!("EXPLAIN QUERY PLAN {}", candidates_sql(scope))).unwrap();
            let rows = st.query_map([], |r| r.get::<_, String>(3)).unwrap();
            rows.map(|r| r.unwrap()).collect()
        };
        let usual = plan(CandidateScope::DueAndChanged);
        assert!(usual.iter().any(|s| s.starts_with("SEARCH l USING")), "{usual:?}");
        assert!(!usual.iter().any(|s| s.starts_with("SCAN l")), "a scan of every lead: {usual:?}");
        // The recompute is the one that may walk them all.
        let every = plan(CandidateScope::Every);
        assert!(every.iter().any(|s| s.starts_with("SCAN l")), "{every:?}");
    }
}
