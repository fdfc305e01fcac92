//! `LeadRow`: one appointed lead with the rules' verdict on it, the row every list view shows
//! (the JSON contract of DESIGN.md §6), and the assessment that makes it from a snapshot.

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};

use super::snapshot::{SnapLead, Snapshot};
use crate::config::RulesConfig;
use crate::rules::{self, Change, Facts, Status};
use crate::time::Stamp;

/// Serializes a stamp as Zoho text (`2026-11-09T14:30:00-05:00`), or null: every view's times in JSON.
pub(super) fn ser_stamp<S: Serializer>(v: &Option<Stamp>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(t) => s.serialize_str(&t.to_string()),
        None => s.serialize_none(),
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
    /// For an upcoming lead the next appointment (the one that makes it upcoming); otherwise
    /// the reference appointment (latest at or before as_of), or the next one if none passed.
    /// An all-day appointment is given as the first instant of its own date in the business
    /// zone, so its date reads right in any zone (rule 9).
    #[serde(serialize_with = "ser_stamp")]
    pub appointment_at: Option<Stamp>,
    /// Whether `appointment_at` is an all-day appointment (its time of day means nothing).
    pub appointment_all_day: bool,
    pub days_since_appointment: Option<i64>,
    #[serde(serialize_with = "ser_stamp")]
    pub last_stage_change_at: Option<Stamp>,
    /// `null` when unknown: the lead was closed before its history was ever read.
    pub days_in_stage: Option<i64>,
    pub status: Status,
    pub stuck_in_green: bool,
    #[serde(serialize_with = "ser_stamp")]
    pub next_appointment_at: Option<Stamp>,
    /// Snoozed at `as_of`: still counted, left out of alerts, marked SNOOZED.
    pub snoozed: bool,
    /// When the snooze ends; `null` while snoozed means until the next appointment.
    #[serde(serialize_with = "ser_stamp")]
    pub snoozed_until: Option<Stamp>,
    pub snooze_reason: Option<String>,
}

/// Applies the rules to every appointed lead in the snapshot, in lead id order (each view
/// sorts what it shows).
pub fn assess_all(s: &Snapshot, as_of: DateTime<Utc>, rules: &RulesConfig) -> Vec<LeadRow> {
    s.leads.iter().filter_map(|l| assess_lead(l, as_of, rules)).collect()
}

/// One lead's row at `as_of`; `None` if it did not exist yet (created after as_of).
pub fn assess_lead(l: &SnapLead, as_of: DateTime<Utc>, rules: &RulesConfig) -> Option<LeadRow> {
    if l.created_at.utc() > as_of {
        return None;
    }
    let f = Facts {
        stage: l.stage.as_deref(),
        converted: l.converted,
        created_at: l.created_at,
        appointments: &l.starts,
        changes: &l.changes,
        history_known: l.history_known,
    };
    let a = rules::assess(&f, as_of, rules)?;
    // Rule 9: an upcoming lead shows the appointment that makes it upcoming.
    let shown = if a.status == Status::Upcoming { a.next_appointment } else { a.reference_appointment };
    let shown = shown.or(a.next_appointment);
    let tz = rules.timezone;
    let snooze = l.snooze_at(as_of);
    Some(LeadRow {
        id: l.id.clone(),
        name: l.name.clone(),
        company: l.company.clone(),
        stage: a.stage,
        locator: l.locator.clone(),
        appointment_at: shown.map(|x| x.at(tz)),
        appointment_all_day: shown.is_some_and(|x| x.all_day),
        days_since_appointment: a.days_since_appointment,
        last_stage_change_at: a.last_stage_change_at,
        days_in_stage: a.days_in_stage,
        status: a.status,
        stuck_in_green: a.stuck_in_green,
        next_appointment_at: a.next_appointment.map(|x| x.at(tz)),
        snoozed: snooze.is_some(),
        snoozed_until: snooze.and_then(|s| s.until).map(Stamp::from_utc),
        snooze_reason: snooze.map(|s| s.reason.clone()),
    })
}

/// When a lead first entered one of `stages`, at or before `as_of`, per its stage history.
pub fn first_entry(changes: &[Change], stages: &[String], as_of: DateTime<Utc>) -> Option<Stamp> {
    changes
        .iter()
        .filter(|c| c.at.utc() <= as_of && c.to.as_deref().is_some_and(|s| stages.iter().any(|x| x == s)))
        .map(|c| c.at)
        .min()
}
