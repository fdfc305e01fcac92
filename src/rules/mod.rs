//! The rules of staleness (DESIGN.md §3): pure functions over plain data, no I/O.
//!
//! Every number a person sees — in Discord, the CLI, the digest, the images — comes from
//! `assess`. Days are calendar days in the business time zone (or business days, if
//! configured), so a 23:30 appointment belongs to the day it happened on, wherever the CRM
//! user's clock was. An all-day appointment has no time at all: it belongs to its own date
//! (see `Appointment`).

pub mod days;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::config::RulesConfig;
use crate::time::Stamp;

/// Where an appointed lead stands at `as_of`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// In a closed stage or converted: never stale.
    Closed,
    /// An appointment is still ahead: someone is on it.
    Upcoming,
    /// The stage moved after the last appointment.
    Progressed,
    /// The appointment passed recently; no move yet, but not overdue.
    Awaiting,
    /// Past the at-risk threshold.
    AtRisk,
    /// Past the stale threshold.
    Stale,
}

impl Status {
    pub const ALL: [Status; 6] =
        [Status::Stale, Status::AtRisk, Status::Awaiting, Status::Progressed, Status::Upcoming, Status::Closed];

    /// Every name of a status, in one table: the compiler asks for a row when a status is added.
    /// (id: JSON, CSV, `--status`, select values; word: in a sentence and a Discord choice;
    /// label: a chip, a table's urgent cells, a list's title; letter: a calendar card.)
    const fn names(self) -> StatusNames {
        let (id, word, label, letter) = match self {
            Status::Stale => ("stale", "stale", "STALE", "S"),
            Status::AtRisk => ("at_risk", "at risk", "AT RISK", "R"),
            Status::Awaiting => ("awaiting", "awaiting", "AWAITING", "A"),
            Status::Progressed => ("progressed", "progressed", "PROGRESSED", "P"),
            Status::Upcoming => ("upcoming", "upcoming", "UPCOMING", "U"),
            Status::Closed => ("closed", "closed", "CLOSED", "C"),
        };
        StatusNames { id, word, label, letter }
    }

    /// The name in data: JSON, CSV, `--status at_risk`.
    pub const fn as_str(self) -> &'static str {
        self.names().id
    }

    /// The status in a sentence: "at risk", "stale".
    pub const fn word(self) -> &'static str {
        self.names().word
    }

    /// The status shouted, as a chip or a title says it: "AT RISK", "STALE".
    pub const fn label(self) -> &'static str {
        self.names().label
    }

    /// One letter, for places too small for a word: "R", "S".
    pub const fn letter(self) -> &'static str {
        self.names().letter
    }

    pub fn parse(s: &str) -> Option<Status> {
        let norm = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Status::ALL.into_iter().find(|st| st.as_str() == norm)
    }

    /// How urgent, for sorting: stale first.
    pub fn urgency(self) -> u8 {
        match self {
            Status::Stale => 0,
            Status::AtRisk => 1,
            Status::Awaiting => 2,
            Status::Progressed => 3,
            Status::Upcoming => 4,
            Status::Closed => 5,
        }
    }
}

/// A row of `Status::names`.
struct StatusNames {
    id: &'static str,
    word: &'static str,
    label: &'static str,
    letter: &'static str,
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One appointment, as the rules need it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Appointment {
    /// As the CRM sent it. For an all-day appointment Zoho sends midnight in the API user's
    /// zone (`2026-11-23T00:00:00+05:30`): the instant means nothing, the wall date does.
    pub start: Stamp,
    pub all_day: bool,
}

impl Appointment {
    pub fn timed(start: Stamp) -> Appointment {
        Appointment { start, all_day: false }
    }

    pub fn all_day(start: Stamp) -> Appointment {
        Appointment { start, all_day: true }
    }

    /// The calendar date it belongs to in the business zone `tz`. A timed appointment's date is
    /// its instant's date in `tz` (23:30 stays on its day); an all-day one's is its wall date in
    /// the offset it was sent with, whatever the zones — Zoho's midnight at +05:30 is still
    /// the 23rd, though it is the 22nd in New York.
    pub fn date(&self, tz: Tz) -> NaiveDate {
        if self.all_day {
            self.start.original().date_naive()
        } else {
            self.start.date_in(tz)
        }
    }

    /// The instant the rules place it at. An all-day appointment takes the first instant of
    /// its date in the business zone: on its own day it is today's (past, 0 days since), never
    /// "upcoming" until some foreign midnight, and any stage change that day counts after it.
    pub fn at(&self, tz: Tz) -> Stamp {
        if self.all_day {
            Stamp::start_of_day(self.date(tz), tz)
        } else {
            self.start
        }
    }
}

/// A stage name. Shared, because a hundred thousand changes name the same dozen stages.
pub type StageName = std::sync::Arc<str>;

/// One stage change, as the rules need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub at: Stamp,
    pub from: Option<StageName>,
    pub to: Option<StageName>,
}

/// Everything the rules know about one lead.
#[derive(Clone, Debug)]
pub struct Facts<'a> {
    /// The lead's stage now (as last synced).
    pub stage: Option<&'a str>,
    pub converted: bool,
    pub created_at: Stamp,
    /// Appointments, any order.
    pub appointments: &'a [Appointment],
    /// Stage changes, any order.
    pub changes: &'a [Change],
    /// Whether the lead's stage history was read. When it was not (Panopticon reads the
    /// timeline of open appointed leads only), "no change known" does not mean "no change".
    pub history_known: bool,
}

/// The verdict on one appointed lead at `as_of`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assessment {
    pub status: Status,
    /// The stage the lead was in at `as_of` (its current stage when `as_of` is now).
    pub stage: Option<String>,
    /// The latest appointment at or before `as_of` (rule 4), placed by `Appointment::at`.
    pub reference_appointment: Option<Appointment>,
    /// The earliest appointment after `as_of` (what makes an upcoming lead upcoming).
    pub next_appointment: Option<Appointment>,
    pub days_since_appointment: Option<i64>,
    pub last_stage_change_at: Option<Stamp>,
    /// `None` when no change is known and the history was never read: unknown, not zero.
    pub days_in_stage: Option<i64>,
    pub stuck_in_green: bool,
}

/// The changes in the order they happened, whatever order they came in.
///
/// Zoho stamps changes to the second, and a workflow can move a lead twice in one second
/// (New → Appt Set → Appt Not Acknowledged). Within an instant the changes form a chain: one
/// whose `from` is another's `to` came after it. Remaining ties (no chain) are broken by the
/// stage names, so the order — and every verdict built on it — is total and independent of
/// how the changes were stored.
pub fn in_order(changes: &[Change]) -> Vec<&Change> {
    let mut sorted: Vec<&Change> = changes.iter().collect();
    sorted.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| (&a.from, &a.to).cmp(&(&b.from, &b.to))));
    let mut out = Vec::with_capacity(sorted.len());
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j < sorted.len() && sorted[j].at.utc() == sorted[i].at.utc() {
            j += 1;
        }
        let mut group: Vec<&Change> = sorted[i..j].to_vec();
        while !group.is_empty() {
            // The chain's head: a change no other change of this instant leads into.
            let head = (0..group.len())
                .find(|&k| !group.iter().enumerate().any(|(m, o)| m != k && o.to.is_some() && o.to == group[k].from))
                .unwrap_or(0);
            out.push(group.remove(head));
        }
        i = j;
    }
    out
}

/// The stage a lead was in at `as_of`: the `from` of the first change after it, if any.
fn stage_at(f: &Facts, as_of: DateTime<Utc>) -> Option<String> {
    // Usually nothing happened after as_of: skip ordering this lead's history.
    if f.changes.iter().all(|c| c.at.utc() <= as_of) {
        return f.stage.map(str::to_string);
    }
    match in_order(f.changes).into_iter().find(|c| c.at.utc() > as_of) {
        Some(c) => c.from.as_deref().map(str::to_string),
        None => f.stage.map(str::to_string),
    }
}

/// Applies the rules of DESIGN.md §3. Returns `None` for a lead with no appointment at all:
/// the rules speak only of appointed leads.
pub fn assess(f: &Facts, as_of: DateTime<Utc>, rules: &RulesConfig) -> Option<Assessment> {
    if f.appointments.is_empty() {
        return None;
    }
    let tz = rules.timezone;
    // Rule 1: "today" is a calendar date in the business zone.
    let today = as_of.with_timezone(&tz).date_naive();
    let count = |from: NaiveDate| days::between(from, today, rules);

    let stage = stage_at(f, as_of);
    let last_change = f.changes.iter().filter(|c| c.at.utc() <= as_of).max_by_key(|c| c.at).map(|c| c.at);
    // Rule 8: days in stage, from the last change (or creation when the history is known to
    // hold no change).
    let stage_since = last_change.or(f.history_known.then_some(f.created_at));
    let days_in_stage = stage_since.map(|s| count(s.date_in(tz)).max(0));

    // Rule 9: each appointment at its own place in time (all-day ones at the start of their
    // date); ties broken by the stamp as sent and the flag, so the choice is independent of
    // input order.
    let key = |a: &Appointment| (a.at(tz), a.start, a.all_day);
    let reference = f.appointments.iter().filter(|a| a.at(tz).utc() <= as_of).max_by_key(|a| key(a)).copied();
    let next = f.appointments.iter().filter(|a| a.at(tz).utc() > as_of).min_by_key(|a| key(a)).copied();
    let days_since = reference.map(|a| count(a.date(tz)));

    // Rule 7, independent of the status.
    let stuck_in_green = rules.is_green_stage(stage.as_deref())
        && stage_since.is_some_and(|s| days::calendar(s.date_in(tz), today) >= rules.green_stuck_days as i64);

    let status = if f.converted || rules.is_closed_stage(stage.as_deref()) {
        // Rule 2.
        Status::Closed
    } else if next.is_some() {
        // Rule 3.
        Status::Upcoming
    } else {
        let a = reference.expect("appointments exist and none is after as_of").at(tz);
        // Rule 5: any stage change strictly after A and at or before as_of.
        let progressed = f.changes.iter().any(|c| c.at.utc() > a.utc() && c.at.utc() <= as_of);
        if progressed {
            Status::Progressed
        } else {
            // Rule 6, with the thresholds of the lead's stage.
            let t = rules.thresholds_for(stage.as_deref());
            let d = days_since.expect("reference exists");
            if d >= t.stale_days as i64 {
                Status::Stale
            } else if d >= t.at_risk_days as i64 {
                Status::AtRisk
            } else {
                Status::Awaiting
            }
        }
    };
    Some(Assessment {
        status,
        stage,
        reference_appointment: reference,
        next_appointment: next,
        days_since_appointment: days_since,
        last_stage_change_at: last_change,
        days_in_stage,
        stuck_in_green,
    })
}

#[cfg(test)]
mod tests;
