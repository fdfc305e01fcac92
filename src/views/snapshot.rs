//! The store read once for the views: the appointed leads a view needs (every one, or only
//! those that can be in its answer: `Need`) with their appointments and stage changes inline,
//! plus stage counts, the sync record and the recorded interventions, in one read transaction.

use super::need::Need;
use crate::alerts::{Intervention, Snooze};
use crate::config::RulesConfig;
use crate::people::Scope;
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
    /// The owning CRM user's id: what a member's scope is decided on (`people::Scope`).
    pub owner_id: Option<String>,
    pub converted: bool,
    pub created_at: Stamp,
    pub history_known: bool,
    /// Oldest first.
    pub appointments: Vec<SnapAppointment>,
    /// The appointments as the rules take them, in the same order as `appointments`.
    pub starts: Vec<Appointment>,
    /// Oldest first. A `Need::Quiet` load holds only what the rules read at its moment: the
    /// changes from the last one at or before it on.
    pub changes: Vec<Change>,
    /// Its recorded snooze, if any (whether it still holds depends on the moment: `snooze_at`).
    pub snooze: Option<Snooze>,
}

impl SnapLead {
    /// The latest appointment's start (UTC text), past or future: a snooze ends when it changes.
    pub fn latest_appointment_key(&self) -> Option<String> {
        self.appointments.iter().map(|a| a.start).max().map(|s| s.utc_text())
    }

    /// Its snooze, if it holds at `now` (not expired; same stage, same latest appointment).
    pub fn snooze_at(&self, now: chrono::DateTime<chrono::Utc>) -> Option<&Snooze> {
        let s = self.snooze.as_ref()?;
        s.holds(now, self.stage.as_deref(), self.latest_appointment_key().as_deref()).then_some(s)
    }

    pub fn snoozed_at(&self, now: chrono::DateTime<chrono::Utc>) -> bool {
        self.snooze_at(now).is_some()
    }
}

/// Everything the views read, loaded in one go: the appointed leads, each with its
/// appointments and stage changes, plus stage counts over all leads and the sync record.
pub struct Snapshot {
    /// The appointed leads it was loaded for (`need`), in id order.
    pub leads: Vec<SnapLead>,
    /// Which leads it holds: a view must be given a snapshot loaded for its own need.
    pub need: Need,
    /// Leads per current stage, over all leads (appointed or not), converted excluded. Loaded
    /// for `Need::All` only (the pipeline counts them); empty otherwise.
    pub stage_counts: Vec<(Option<String>, u64)>,
    pub converted: u64,
    /// The counts above per owner: (owner id, stage, converted, leads), for `within`.
    owner_counts: Vec<store::OwnerStageCount>,
    pub last_run: Option<SyncRun>,
    pub last_good_run: Option<SyncRun>,
    /// Whether any lead has an appointment (with a narrow need, `leads` may be empty anyway).
    any_appointed: bool,
    /// Every recorded intervention, oldest first (the follow-up KPIs read them). Loaded for
    /// `Need::All` only; empty otherwise. The bot's cache reloads when a new one is recorded.
    pub interventions: Vec<Intervention>,
}

impl Snapshot {
    /// Every appointed lead: what the bot caches and the pipeline and locators need.
    pub fn load(conn: &rusqlite::Connection) -> store::Result<Snapshot> {
        Snapshot::load_for(conn, &Need::All, &RulesConfig::default())
    }

    /// The leads `need` asks for (the rules place its bounds in time).
    pub fn load_for(conn: &rusqlite::Connection, need: &Need, rules: &RulesConfig) -> store::Result<Snapshot> {
        // One read transaction: a sync committing halfway through must not mix two states.
        let tx = conn.unchecked_transaction()?;
        let scope = need.scope(rules);
        let mut leads = Vec::new();
        // A dozen stage names across a hundred thousand changes: share them (a short list
        // searched in order beats hashing each name).
        let mut names: Vec<StageName> = Vec::new();
        let mut intern = |s: Option<&str>| {
            s.map(|s| match names.iter().find(|n| &***n == s) {
                Some(n) => n.clone(),
                None => {
                    let n: StageName = s.into();
                    names.push(n.clone());
                    n
                }
            })
        };
        let mut keep = |l: store::LeanLead| {
            leads.push(SnapLead {
                id: l.id.to_string(),
                name: l.name.to_string(),
                company: l.company.map(str::to_string),
                stage: l.stage.map(str::to_string),
                locator: l.locator.map(str::to_string),
                owner_id: l.owner_id.map(str::to_string),
                converted: l.converted,
                created_at: l.created_at,
                history_known: l.history_known,
                appointments: Vec::new(),
                starts: Vec::new(),
                changes: Vec::new(),
                snooze: None,
            });
        };
        match (need, &scope) {
            (Need::All, _) => store::scan_appointed_leads(&tx, &mut keep)?,
            (_, Some(scope)) => store::scan_leads_in(&tx, scope, &mut keep)?,
            (_, None) => {}
        }
        // The scans give id order already (this then costs one pass); `find` relies on it.
        leads.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        // Both scans come grouped by lead, in the leads' own order (id): follow along with a
        // cursor, and look a lead up by id only when the rows are not where it expects.
        let mut cursor = 0usize;
        let mut slot = |lead: &str, leads: &[SnapLead]| {
            if leads.get(cursor).is_some_and(|l| l.id == lead) {
                return Some(cursor);
            }
            if leads.get(cursor + 1).is_some_and(|l| l.id == lead) {
                cursor += 1;
                return Some(cursor);
            }
            let found = find(leads, lead);
            if let Some(i) = found {
                cursor = i;
            }
            found
        };
        // Every lead's rows in one pass over each table, or a seek per lead when few are needed.
        let ids = narrow_ids(need, &leads);
        let mut appointment = |lead: &str, start, all_day, title: Option<&str>| {
            if let Some(i) = slot(lead, &leads) {
                leads[i].appointments.push(SnapAppointment { start, all_day, title: title.map(str::to_string) });
            }
        };
        match &ids {
            None => store::scan_appointments(&tx, &mut appointment)?,
            Some(ids) => store::scan_appointments_of(&tx, ids, &mut appointment)?,
        }
        let mut change = |lead: &str, at, from: Option<&str>, to: Option<&str>| {
            if let Some(i) = slot(lead, &leads) {
                leads[i].changes.push(Change { at, from: intern(from), to: intern(to) });
            }
        };
        match &ids {
            None => store::scan_stage_changes(&tx, &mut change)?,
            Some(ids) => store::scan_stage_changes_of(&tx, ids, need.history_from().as_deref(), &mut change)?,
        }
        for l in &mut leads {
            l.starts = l.appointments.iter().map(SnapAppointment::rules).collect();
        }
        // A few snoozes at most, against many leads: a seek each.
        for (lead, snooze) in store::snoozes(&tx)? {
            if let Some(i) = find(&leads, &lead) {
                leads[i].snooze = Some(snooze);
            }
        }
        let all = *need == Need::All;
        let last_good_run = store::last_good_run(&tx)?;
        let any_appointed = !leads.is_empty() || (!all && last_good_run.is_none() && store::any_appointed_lead(&tx)?);
        let owner_counts = if all { store::owner_stage_counts(&tx)? } else { Vec::new() };
        let interventions = if all { store::interventions_since(&tx, None)? } else { Vec::new() };
        let (stage_counts, converted) = totals(owner_counts.iter());
        let snapshot = Snapshot {
            leads,
            need: need.clone(),
            stage_counts,
            converted,
            owner_counts,
            last_run: store::last_run(&tx)?,
            last_good_run,
            any_appointed,
            interventions,
        };
        tx.finish()?;
        Ok(snapshot)
    }

    /// What `scope` may see of this snapshot: its leads, and counts over its owners' leads.
    /// Every view a member is shown is built from this, so lists, pages, filters, counts and
    /// charts all stop at the same line.
    pub fn within(&self, scope: &Scope) -> Snapshot {
        let leads: Vec<SnapLead> = match scope {
            Scope::Everyone => self.leads.clone(),
            Scope::Owners(_) => self.leads.iter().filter(|l| scope.allows(l.owner_id.as_deref())).cloned().collect(),
        };
        let owner_counts: Vec<_> =
            self.owner_counts.iter().filter(|(owner, ..)| scope.allows(owner.as_deref())).cloned().collect();
        let (stage_counts, converted) = totals(owner_counts.iter());
        // Interventions on the leads it may see (and, for a lead no longer appointed, on its
        // owners' leads by the owner recorded at the time).
        let interventions = match scope {
            Scope::Everyone => self.interventions.clone(),
            Scope::Owners(_) => self
                .interventions
                .iter()
                .filter(|i| match find(&leads, &i.lead_id) {
                    Some(_) => true,
                    None => self.lead(&i.lead_id).is_none() && scope.allows(i.owner_id.as_deref()),
                })
                .cloned()
                .collect(),
        };
        Snapshot {
            interventions,
            leads,
            need: self.need.clone(),
            stage_counts,
            converted,
            owner_counts,
            last_run: self.last_run.clone(),
            last_good_run: self.last_good_run.clone(),
            any_appointed: self.any_appointed,
        }
    }

    /// True when no sync has ever succeeded: there is nothing to show.
    pub fn is_empty(&self) -> bool {
        self.last_good_run.is_none() && !self.any_appointed
    }

    pub fn lead(&self, id: &str) -> Option<&SnapLead> {
        find(&self.leads, id).map(|i| &self.leads[i])
    }

    pub fn changes_of(&self, lead: &str) -> &[Change] {
        self.lead(lead).map(|l| l.changes.as_slice()).unwrap_or(&[])
    }

    /// Every stage name the data knows, sorted (a snapshot of every lead: `Need::All`).
    pub fn known_stages(&self, rules: &RulesConfig) -> Vec<String> {
        let mut v: Vec<String> = self.stage_counts.iter().filter_map(|(s, _)| s.clone()).collect();
        v.extend(self.leads.iter().filter_map(|l| l.stage.clone()));
        with_rules_stages(v, rules)
    }

    /// Every locator name among appointed leads, sorted (a snapshot of every lead: `Need::All`).
    pub fn known_locators(&self) -> Vec<String> {
        sorted(self.leads.iter().filter_map(|l| l.locator.clone()).collect())
    }
}

/// What `known_stages` and `known_locators` of a full snapshot give, read straight from the
/// store: for a process that loads only what its view needs and is given a stage or locator.
pub fn known_names(conn: &rusqlite::Connection, rules: &RulesConfig) -> store::Result<(Vec<String>, Vec<String>)> {
    Ok((with_rules_stages(store::known_stage_names(conn)?, rules), sorted(store::appointed_locator_names(conn)?)))
}

fn with_rules_stages(mut v: Vec<String>, rules: &RulesConfig) -> Vec<String> {
    v.extend(rules.closed_stages.iter().chain(&rules.green_stages).chain(&rules.delivered_stages).cloned());
    sorted(v)
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

/// The ids of a narrow load's leads as a JSON array, for the store's per-lead seeks (none for
/// `Need::Header`); `None` when every lead was read (one pass over each table is then cheaper).
fn narrow_ids(need: &Need, leads: &[SnapLead]) -> Option<String> {
    if *need == Need::All {
        return None;
    }
    let ids: Vec<&str> = leads.iter().map(|l| l.id.as_str()).collect();
    Some(serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into()))
}

/// The lead with id `id` in `leads`, which are sorted by id.
fn find(leads: &[SnapLead], id: &str) -> Option<usize> {
    leads.binary_search_by(|l| l.id.as_str().cmp(id)).ok()
}

/// Leads per stage (converted left out) and converted leads, summed over owners.
fn totals<'a>(counts: impl Iterator<Item = &'a store::OwnerStageCount>) -> (Vec<(Option<String>, u64)>, u64) {
    let mut per_stage: std::collections::BTreeMap<Option<String>, u64> = std::collections::BTreeMap::new();
    let mut converted = 0;
    for (_, stage, conv, n) in counts {
        if *conv {
            converted += n;
        } else {
            *per_stage.entry(stage.clone()).or_default() += n;
        }
    }
    (per_stage.into_iter().collect(), converted)
}
