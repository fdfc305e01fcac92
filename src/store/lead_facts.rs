//! A lean scan of every lead for the sales KPIs (issue 16): the columns the lead KPIs read,
//! whether it has an appointment, and the stages its changes went into — three passes in one
//! read transaction, not the views' per-lead snapshot (which holds appointed leads only).

use std::collections::HashMap;

use rusqlite::Connection;

use super::leads::LOCATOR_SHOWN;
use super::Result;
use crate::rules::StageName;
use crate::sales::kpi::LeadFact;
use crate::time::Stamp;

/// Every lead, with its appointments' existence and its reached stages, in id order.
pub fn lead_facts(conn: &Connection) -> Result<Vec<LeadFact>> {
    let tx = conn.unchecked_transaction()?;
    let mut leads = Vec::new();
    {
        let mut st = tx.prepare(&format!(
            "SELECT l.id, l.full_name, l.company, l.stage, l.lead_source, l.locator_id, {LOCATOR_SHOWN},
                    l.created_at, l.created_offset, l.converted,
                    EXISTS (SELECT 1 FROM appointments a WHERE a.lead_id = l.id)
             FROM leads l LEFT JOIN users u ON u.id = l.locator_id ORDER BY l.id"
        ))?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let created: String = r.get(7)?;
            let created_at = Stamp::from_parts(&created, r.get(8)?)
                .map_err(|e| rusqlite::Error::FromSqlConversionFailure(7, rusqlite::types::Type::Text, e.into()))?;
            leads.push(LeadFact {
                id: r.get(0)?,
                name: r.get(1)?,
                company: r.get(2)?,
                stage: r.get(3)?,
                lead_source: r.get(4)?,
                owner_id: r.get(5)?,
                owner_name: r.get(6)?,
                created_at,
                converted: r.get(9)?,
                appointed: r.get(10)?,
                reached: Vec::new(),
            });
        }
    }
    // A dozen stage names across many changes: one shared copy of each.
    let mut names: HashMap<String, StageName> = HashMap::new();
    let mut at = 0usize;
    {
        let mut st = tx.prepare(
            "SELECT lead_id, to_stage FROM stage_changes INDEXED BY stage_changes_scan
             WHERE to_stage IS NOT NULL ORDER BY lead_id, changed_at",
        )?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let lead: String = r.get(0)?;
            let to: String = r.get(1)?;
            // Both in id order: walk along; a change of a lead not stored is skipped.
            while at < leads.len() && leads[at].id < lead {
                at += 1;
            }
            if at < leads.len() && leads[at].id == lead {
                let name = names.entry(to.clone()).or_insert_with(|| to.as_str().into()).clone();
                leads[at].reached.push(name);
            }
        }
    }
    tx.finish()?;
    Ok(leads)
}
