//! The store read once for the views: every appointed lead with its appointments and stage
//! changes inline, plus stage counts and the sync record, in one read transaction.

use std::collections::HashMap;

use crate::config::RulesConfig;
use crate::rules::{Appointment, Change, StageName};
use crate::store::{self, SyncRun};
use crate::time::Stamp;

/// One appointment, as the views show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapAppointment {
    pub start: Stamp,
    pub all_day: bool,
    pub title: Option<String>,
}

impl SnapAppointment {
    pub fn rules(&self) -> Appointment {
        Appointment { start: self.start, all_day: self.all_day }
    }
}

/// One appointed lead with everything the views need of it, inline.
#[derive(Clone, Debug)]
pub struct SnapLead {
    pub id: String,
    pub name: String,
    pub company: Option<String>,
    pub stage: Option<String>,
    pub locator: Option<String>,
    pub converted: bool,
    pub created_at: Stamp,
    pub history_known: bool,
    /// Oldest first.
    pub appointments: Vec<SnapAppointment>,
    /// The appointments as the rules take them, in the same order as `appointments`.
    pub starts: Vec<Appointment>,
    /// Oldest first.
    pub changes: Vec<Change>,
}

/// Everything the views read, loaded in one go: the appointed leads, each with its
/// appointments and stage changes, plus stage counts over all leads and the sync record.
pub struct Snapshot {
    pub leads: Vec<SnapLead>,
    index: HashMap<String, usize>,
    /// Leads per current stage, over all leads (appointed or not), converted excluded.
    pub stage_counts: Vec<(Option<String>, u64)>,
    pub converted: u64,
    pub last_run: Option<SyncRun>,
    pub last_good_run: Option<SyncRun>,
}

impl Snapshot {
    pub fn load(conn: &rusqlite::Connection) -> store::Result<Snapshot> {
        // One read transaction: a sync committing halfway through must not mix two states.
        let tx = conn.unchecked_transaction()?;
        let mut leads = Vec::new();
        let mut index = HashMap::new();
        // A dozen stage names across a hundred thousand changes: share them.
        let mut names: HashMap<String, StageName> = HashMap::new();
        let mut intern = |s: Option<&str>| {
            s.map(|s| match names.get(s) {
                Some(n) => n.clone(),
                None => {
                    let n: StageName = s.into();
                    names.insert(s.to_string(), n.clone());
                    n
                }
            })
        };
        store::scan_appointed_leads(&tx, |l| {
            index.insert(l.id.to_string(), leads.len());
            leads.push(SnapLead {
                id: l.id.to_string(),
                name: l.name.to_string(),
                company: l.company.map(str::to_string),
                stage: l.stage.map(str::to_string),
                locator: l.locator.map(str::to_string),
                converted: l.converted,
                created_at: l.created_at,
                history_known: l.history_known,
                appointments: Vec::new(),
                starts: Vec::new(),
                changes: Vec::new(),
            });
        })?;
        // Both scans come grouped by lead, oldest first: look each lead up once, not per row.
        let mut current: (String, Option<usize>) = (String::new(), None);
        let mut slot = |lead: &str, index: &HashMap<String, usize>| {
            if current.0 != lead {
                current = (lead.to_string(), index.get(lead).copied());
            }
            current.1
        };
        store::scan_appointments(&tx, |lead, start, all_day, title| {
            if let Some(i) = slot(lead, &index) {
                leads[i].appointments.push(SnapAppointment { start, all_day, title: title.map(str::to_string) });
            }
        })?;
        store::scan_stage_changes(&tx, |lead, at, from, to| {
            if let Some(i) = slot(lead, &index) {
                leads[i].changes.push(Change { at, from: intern(from), to: intern(to) });
            }
        })?;
        for l in &mut leads {
            l.starts = l.appointments.iter().map(SnapAppointment::rules).collect();
        }
        let snapshot = Snapshot {
            leads,
            index,
            stage_counts: store::stage_counts(&tx)?,
            converted: store::count_converted(&tx)?,
            last_run: store::last_run(&tx)?,
            last_good_run: store::last_good_run(&tx)?,
        };
        tx.finish()?;
        Ok(snapshot)
    }

    /// True when no sync has ever succeeded: there is nothing to show.
    pub fn is_empty(&self) -> bool {
        self.last_good_run.is_none() && self.leads.is_empty()
    }

    pub fn lead(&self, id: &str) -> Option<&SnapLead> {
        self.index.get(id).map(|&i| &self.leads[i])
    }

    pub fn changes_of(&self, lead: &str) -> &[Change] {
        self.lead(lead).map(|l| l.changes.as_slice()).unwrap_or(&[])
    }

    /// Every stage name the data knows, sorted.
    pub fn known_stages(&self, rules: &RulesConfig) -> Vec<String> {
        let mut v: Vec<String> = self.stage_counts.iter().filter_map(|(s, _)| s.clone()).collect();
        v.extend(self.leads.iter().filter_map(|l| l.stage.clone()));
        v.extend(rules.closed_stages.iter().chain(&rules.green_stages).chain(&rules.delivered_stages).cloned());
        v.sort();
        v.dedup();
        v
    }

    /// Every locator name among appointed leads, sorted.
    pub fn known_locators(&self) -> Vec<String> {
        let mut v: Vec<String> = self.leads.iter().filter_map(|l| l.locator.clone()).collect();
        v.sort();
        v.dedup();
        v
    }
}
