//! View models: what each screen shows, computed from the store through the rules.
//!
//! `Snapshot` is the store read once; `LeadRow` is one appointed lead as every view shows it
//! (the JSON contract of DESIGN.md §6). Text, JSON and CSV forms live beside each view.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::RulesConfig;
use crate::rules::{self, Change, Facts, Status};
use crate::store::{self, StoredLead, SyncRun};
use crate::time::Stamp;

/// Everything the views read, loaded in one go.
pub struct Snapshot {
    pub leads: Vec<StoredLead>,
    pub appointments: HashMap<String, Vec<Stamp>>,
    pub changes: HashMap<String, Vec<Change>>,
    pub last_run: Option<SyncRun>,
    pub last_good_run: Option<SyncRun>,
}

impl Snapshot {
    pub fn load(conn: &rusqlite::Connection) -> store::Result<Snapshot> {
        let appointments = store::appointments_by_lead(conn)?
            .into_iter()
            .map(|(k, v)| (k, v.into_iter().map(|a| a.start).collect()))
            .collect();
        let changes = store::changes_by_lead(conn)?
            .into_iter()
            .map(|(k, v)| {
                (k, v.into_iter().map(|c| Change { at: c.change.at, from: c.change.from, to: c.change.to }).collect())
            })
            .collect();
        Ok(Snapshot {
            leads: store::all_leads(conn)?,
            appointments,
            changes,
            last_run: store::last_run(conn)?,
            last_good_run: store::last_good_run(conn)?,
        })
    }
}

/// One appointed lead with its verdict: the row of every list view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LeadRow {
    pub id: String,
    pub name: String,
    pub company: Option<String>,
    pub stage: Option<String>,
    pub locator: Option<String>,
    /// The reference appointment (latest at or before as_of), or the next one if none passed.
    pub appointment_at: Option<String>,
    pub days_since_appointment: Option<i64>,
    pub last_stage_change_at: Option<String>,
    pub days_in_stage: i64,
    pub status: Status,
    pub stuck_in_green: bool,
}

/// Applies the rules to every appointed lead in the snapshot.
pub fn assess_all(s: &Snapshot, as_of: DateTime<Utc>, rules: &RulesConfig) -> Vec<LeadRow> {
    let empty_c: Vec<Change> = Vec::new();
    let mut rows: Vec<LeadRow> = s
        .leads
        .iter()
        // A lead created after as_of did not exist then.
        .filter(|l| l.created_at.utc() <= as_of)
        .filter_map(|l| {
            let appts = s.appointments.get(l.id.as_str())?;
            let changes = s.changes.get(l.id.as_str()).unwrap_or(&empty_c);
            let f = Facts {
                stage: l.stage.as_deref(),
                converted: l.converted,
                created_at: l.created_at,
                appointments: appts,
                changes,
            };
            let a = rules::assess(&f, as_of, rules)?;
            Some(LeadRow {
                id: l.id.to_string(),
                name: l.full_name.clone(),
                company: l.company.clone(),
                stage: a.stage,
                locator: l.locator.as_ref().map(|u| u.name.clone()),
                appointment_at: a.reference_appointment.or(a.next_appointment).map(|s| s.to_string()),
                days_since_appointment: a.days_since_appointment,
                last_stage_change_at: a.last_stage_change_at.map(|s| s.to_string()),
                days_in_stage: a.days_in_stage,
                status: a.status,
                stuck_in_green: a.stuck_in_green,
            })
        })
        .collect();
    // Most overdue first, then by name for a stable order.
    rows.sort_by(|a, b| {
        a.status
            .urgency()
            .cmp(&b.status.urgency())
            .then(b.days_since_appointment.cmp(&a.days_since_appointment))
            .then(a.name.cmp(&b.name))
            .then(a.id.cmp(&b.id))
    });
    rows
}

/// Pads or cuts `s` to exactly `w` display columns (by chars; wide glyphs are rare in names).
pub fn fit(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n <= w {
        format!("{s}{}", " ".repeat(w - n))
    } else {
        let mut out: String = s.chars().take(w.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// A plain table of leads: the demo's first view (the full views come with `report`).
pub fn plain_table(rows: &[&LeadRow]) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{} {} {} {} {:>5} {:>5}\n",
        fit("Lead", 24),
        fit("Company", 26),
        fit("Stage", 16),
        fit("Locator", 18),
        "Days",
        "InStg"
    ));
    for r in rows {
        out.push_str(&format!(
            "{} {} {} {} {:>5} {:>5}\n",
            fit(&r.name, 24),
            fit(r.company.as_deref().unwrap_or("—"), 26),
            fit(r.stage.as_deref().unwrap_or("—"), 16),
            fit(r.locator.as_deref().unwrap_or("(no locator)"), 18),
            r.days_since_appointment.map(|d| d.to_string()).unwrap_or_default(),
            r.days_in_stage
        ));
    }
    out
}
