//! The follow-up KPIs of DESIGN.md §6b, pure: *time to intervention* (an appointment → the
//! first thing anyone did about the lead) and *locator response time* (a nudge → its answer),
//! each wait either ended or still open at `as_of`, summed up per locator, overall and by ISO
//! week. The views read the snapshot and the interventions, call these, and show the numbers.
//!
//! The edges, decided once here:
//! - Only appointments at or before `as_of` are measured, and only those of a lead that was not
//!   closed at the time (the caller says which: `KpiAppointment::open`).
//! - A wait ends at the first of: an intervention on the lead (`Kind::is_intervention`) *at or
//!   after* the appointment; a stage change *strictly after* it (as rule 5 reads "progressed");
//!   or a *later* appointment of the same lead. A rebooking is somebody's follow-up: the earlier
//!   appointment's wait ends when the later one is due, and counts as answered (the later one
//!   then waits on its own). Two appointments at the same instant do not end each other.
//! - A nudge's wait ends at the first of: an answer to it (`answers` = the nudge's id,
//!   `Kind::is_answer`) at or after the nudge; a stage change of its lead strictly after it.
//!   Another nudge does not answer a nudge.
//! - Nothing after `as_of` counts: a wait ended later is open at `as_of`, with its age so far.
//!   Open waits are never dropped: they are counted (`open`), with the oldest one's age.
//! - Medians and means are over the ended waits; an even count's median is the mean of the
//!   middle two (whole seconds, rounded down).

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::Intervention;

/// One appointment as the KPI reads it: where the rules place it, and whether the lead was
/// open (not closed) then.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KpiAppointment {
    pub at: DateTime<Utc>,
    pub open: bool,
}

/// One appointed lead as the KPIs read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KpiLead {
    pub id: String,
    /// Its locator (the one its appointments are counted under).
    pub locator: Option<String>,
    pub appointments: Vec<KpiAppointment>,
    /// When its stage changed, any order.
    pub changes: Vec<DateTime<Utc>>,
}

/// One measured wait: from `start` until `end`, or still open (`None`) at the moment asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wait {
    pub lead_id: String,
    pub locator: Option<String>,
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
}

impl Wait {
    /// How long it lasted, or (open) how long it has lasted at `as_of`.
    pub fn length(&self, as_of: DateTime<Utc>) -> Duration {
        self.end.unwrap_or(as_of) - self.start
    }
}

/// Ordering of events at one instant, so "at or after" and "strictly after" come out right:
/// a stage change at the instant of an appointment is not after it; an intervention is.
const CHANGE: u8 = 0;
const START: u8 = 1;
const ACT: u8 = 2;

/// Time to intervention: one wait per open past appointment, oldest first (then by lead).
pub fn times_to_intervention(leads: &[KpiLead], interventions: &[Intervention], as_of: DateTime<Utc>) -> Vec<Wait> {
    let mut acts: HashMap<&str, Vec<DateTime<Utc>>> = HashMap::new();
    for i in interventions.iter().filter(|i| i.kind.is_intervention() && i.at <= as_of) {
        acts.entry(i.lead_id.as_str()).or_default().push(i.at);
    }
    let mut out = Vec::new();
    for l in leads {
        // One sweep over the lead's timeline: (when, what, open appointment?).
        let mut events: Vec<(DateTime<Utc>, u8, bool)> = Vec::new();
        events.extend(l.appointments.iter().filter(|a| a.at <= as_of).map(|a| (a.at, START, a.open)));
        events.extend(l.changes.iter().filter(|c| **c <= as_of).map(|c| (*c, CHANGE, false)));
        events.extend(acts.get(l.id.as_str()).into_iter().flatten().map(|t| (*t, ACT, false)));
        events.sort();
        let mut pending: Vec<usize> = Vec::new();
        for (t, what, open) in events {
            // Every wait still pending started at or before `t`; a later start, a change or an
            // act ends those that started strictly before (acts: at the same instant too).
            pending.retain(|&k: &usize| {
                let w: &mut Wait = &mut out[k];
                let ends = w.start < t || what == ACT;
                if ends {
                    w.end = Some(t);
                }
                !ends
            });
            if what == START && open {
                pending.push(out.len());
                out.push(Wait { lead_id: l.id.clone(), locator: l.locator.clone(), start: t, end: None });
            }
        }
    }
    out.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.lead_id.cmp(&b.lead_id)));
    out
}

/// Locator response time: one wait per nudge at or before `as_of`, oldest first. The locator
/// is the nudge's own (the lead's at the time), else the lead's now.
pub fn response_times(leads: &[KpiLead], interventions: &[Intervention], as_of: DateTime<Utc>) -> Vec<Wait> {
    let by_id: HashMap<&str, &KpiLead> = leads.iter().map(|l| (l.id.as_str(), l)).collect();
    // Every event, in time order: (when, what, nudge id it is or answers, lead).
    let mut events: Vec<(DateTime<Utc>, u8, i64, &str)> = Vec::new();
    for i in interventions.iter().filter(|i| i.at <= as_of) {
        if i.kind == super::Kind::Nudge {
            events.push((i.at, START, i.id, &i.lead_id));
        } else if let Some(n) = i.answers.filter(|_| i.kind.is_answer()) {
            events.push((i.at, ACT, n, &i.lead_id));
        }
    }
    let nudged: std::collections::BTreeSet<&str> =
        interventions.iter().filter(|i| i.kind == super::Kind::Nudge).map(|i| i.lead_id.as_str()).collect();
    for lead in &nudged {
        for c in by_id.get(lead).map(|l| l.changes.as_slice()).unwrap_or_default() {
            if *c <= as_of {
                events.push((*c, CHANGE, 0, lead));
            }
        }
    }
    events.sort();
    let locator_of: HashMap<i64, Option<String>> = interventions
        .iter()
        .filter(|i| i.kind == super::Kind::Nudge)
        .map(|i| (i.id, i.locator.clone().or_else(|| by_id.get(i.lead_id.as_str()).and_then(|l| l.locator.clone()))))
        .collect();
    let mut out: Vec<Wait> = Vec::new();
    let mut pending_by_nudge: HashMap<i64, usize> = HashMap::new();
    let mut pending_by_lead: HashMap<&str, Vec<(i64, usize)>> = HashMap::new();
    for (t, what, id, lead) in events {
        match what {
            START => {
                pending_by_nudge.insert(id, out.len());
                pending_by_lead.entry(lead).or_default().push((id, out.len()));
                let locator = locator_of.get(&id).cloned().flatten();
                out.push(Wait { lead_id: lead.to_string(), locator, start: t, end: None });
            }
            ACT => {
                if let Some(k) = pending_by_nudge.remove(&id) {
                    out[k].end = Some(t);
                }
            }
            _ => {
                // A stage change ends every nudge of the lead still waiting (all started before:
                // changes sort first at an instant).
                for (n, k) in pending_by_lead.remove(lead).unwrap_or_default() {
                    if pending_by_nudge.remove(&n).is_some() {
                        out[k].end = Some(t);
                    }
                }
            }
        }
    }
    out.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.lead_id.cmp(&b.lead_id)));
    out
}

/// A set of waits summed up. Lengths in whole seconds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub count: u64,
    pub answered: u64,
    pub open: u64,
    pub median_secs: Option<i64>,
    pub mean_secs: Option<i64>,
    /// The oldest open wait's age at `as_of`.
    pub oldest_open_secs: Option<i64>,
}

/// Sums up `waits` at `as_of`.
pub fn summarize<'a>(waits: impl IntoIterator<Item = &'a Wait>, as_of: DateTime<Utc>) -> Summary {
    let mut ended: Vec<i64> = Vec::new();
    let mut s = Summary::default();
    for w in waits {
        s.count += 1;
        let secs = w.length(as_of).num_seconds().max(0);
        if w.end.is_some() {
            ended.push(secs);
        } else {
            s.open += 1;
            s.oldest_open_secs = Some(s.oldest_open_secs.map_or(secs, |o| o.max(secs)));
        }
    }
    s.answered = ended.len() as u64;
    ended.sort_unstable();
    let n = ended.len();
    if n > 0 {
        s.median_secs = Some(if n % 2 == 1 { ended[n / 2] } else { (ended[n / 2 - 1] + ended[n / 2]).div_euclid(2) });
        s.mean_secs = Some(ended.iter().sum::<i64>().div_euclid(n as i64));
    }
    s
}

/// The Monday of the ISO week `t` falls in, in the business zone.
pub fn week_of(t: DateTime<Utc>, tz: Tz) -> NaiveDate {
    let d = t.with_timezone(&tz).date_naive();
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

/// The Mondays of the last `n` ISO weeks up to `as_of`'s own, oldest first.
pub fn last_weeks(as_of: DateTime<Utc>, tz: Tz, n: usize) -> Vec<NaiveDate> {
    let this = week_of(as_of, tz);
    (0..n).rev().map(|k| this - Duration::weeks(k as i64)).collect()
}

/// A length as people read it: "35 min", "5 h", "1 d 4 h" (rounded to the hour past one hour).
pub fn length_text(secs: i64) -> String {
    let secs = secs.max(0);
    if secs < 3600 {
        return format!("{} min", secs / 60);
    }
    let hours = (secs + 1800) / 3600;
    match (hours / 24, hours % 24) {
        (0, h) => format!("{h} h"),
        (d, 0) => format!("{d} d"),
        (d, h) => format!("{d} d {h} h"),
    }
}

/// A length given in hours (as the views carry medians) in words, or "—" for none.
pub fn hours_text(hours: Option<f64>) -> String {
    hours.map(|h| length_text((h * 3600.0).round() as i64)).unwrap_or_else(|| "—".into())
}

#[cfg(test)]
mod tests;
