//! View models: what each screen shows, computed from the store through the rules.
//!
//! `Snapshot` is the store read once; `LeadRow` is one appointed lead as every view shows it
//! (the JSON contract of DESIGN.md §6). Each view (`list`, `calendar`, `lead`, `pipeline`,
//! `locators`) builds a model from a snapshot and a `Context`, and renders it as a text
//! table, JSON and CSV. Discord, the CLI and the digest all show these same models.

pub mod calendar;
mod csv;
pub mod input;
pub mod lead;
pub mod list;
pub mod locators;
pub mod pipeline;
pub mod state;
pub mod table;

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Serialize, Serializer};

use crate::config::RulesConfig;
use crate::rules::{self, Appointment, Change, Facts, StageName, Status};
use crate::store::{self, SyncRun};
use crate::time::{utc_text, Stamp};

pub use csv::{csv_field, csv_line};

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

/// Everything a view needs besides the data.
#[derive(Clone, Debug)]
pub struct Context<'a> {
    pub as_of: DateTime<Utc>,
    /// The wall clock, for the age of the data (as_of may be in the past).
    pub now: DateTime<Utc>,
    pub rules: &'a RulesConfig,
    /// Warn when the last good sync is older than this.
    pub max_sync_age: Duration,
    /// Base of links to records in Zoho, e.g. `https://crm.zoho.com/crm`.
    pub crm_url: String,
}

impl Context<'_> {
    pub fn tz(&self) -> Tz {
        self.rules.timezone
    }
    pub fn today(&self) -> NaiveDate {
        self.as_of.with_timezone(&self.tz()).date_naive()
    }
}

/// What every view says about itself and the data behind it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Header {
    pub view: String,
    pub as_of: String,
    pub last_sync_at: Option<String>,
    /// Set when the data may be wrong: the last sync failed, or is too old, or never ran.
    pub warning: Option<String>,
    pub filters: Vec<String>,
}

impl Header {
    pub fn new(view: &str, s: &Snapshot, ctx: &Context, filters: Vec<String>) -> Header {
        Header {
            view: view.to_string(),
            as_of: crate::time::zoho_text(ctx.as_of.with_timezone(&ctx.tz()).fixed_offset()),
            last_sync_at: s.last_good_run.as_ref().map(|r| r.finished_at.clone()),
            warning: sync_warning(s.last_run.as_ref(), s.last_good_run.as_ref(), ctx),
            filters,
        }
    }

    /// The warning and filter lines under a text view's title.
    pub fn notes(&self) -> String {
        let mut out = String::new();
        if let Some(w) = &self.warning {
            out.push_str(&format!("⚠ {w}\n"));
        }
        for f in &self.filters {
            out.push_str(&format!("Filter: {f}\n"));
        }
        out
    }

    /// "as of Sat 21 Nov 2026 08:00 EST · synced 5 min ago", for text forms.
    pub fn describe(&self, ctx: &Context) -> String {
        let local = ctx.as_of.with_timezone(&ctx.tz());
        format!("as of {} · {}", local.format("%a %d %b %Y %H:%M %Z"), self.synced(ctx))
    }

    /// "last sync 5 min ago", or "never synced".
    pub fn synced(&self, ctx: &Context) -> String {
        match self.last_sync_at.as_deref().and_then(|t| DateTime::parse_from_rfc3339(t).ok()) {
            Some(t) => format!("last sync {} ago", age(ctx.now - t.with_timezone(&Utc))),
            None => "never synced".to_string(),
        }
    }
}

/// A rate as people read it: "12%", or "—" when there is nothing to divide.
pub fn percent(r: Option<f64>) -> String {
    r.map(|r| format!("{:.0}%", r * 100.0)).unwrap_or_else(|| "—".into())
}

/// "3 min", "5 h", "2 days".
pub fn age(d: chrono::Duration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..=89 => format!("{s} s"),
        90..=5399 => format!("{} min", (s + 30) / 60),
        5400..=172_799 => format!("{} h", (s + 1800) / 3600),
        _ => format!("{} days", (s + 43_200) / 86_400),
    }
}

fn sync_warning(last: Option<&SyncRun>, good: Option<&SyncRun>, ctx: &Context) -> Option<String> {
    let good_at = good.and_then(|g| DateTime::parse_from_rfc3339(&g.finished_at).ok()).map(|t| t.with_timezone(&Utc));
    let kept = match good_at {
        Some(t) => format!("showing data from {} ago", age(ctx.now - t)),
        None => "there is no synced data".to_string(),
    };
    if let Some(l) = last.filter(|l| !l.ok) {
        let first_line = l.error.as_deref().unwrap_or("unknown error").lines().next().unwrap_or_default().to_string();
        return Some(format!("The last sync failed ({first_line}); {kept}."));
    }
    match good_at {
        None => Some("No sync has run yet: run `panopticon sync`.".into()),
        Some(t) if (ctx.now - t).to_std().unwrap_or_default() > ctx.max_sync_age => {
            Some(format!("The data is {} old: the last sync was {}.", age(ctx.now - t), utc_text(t)))
        }
        Some(_) => None,
    }
}

fn ser_stamp<S: Serializer>(v: &Option<Stamp>, s: S) -> Result<S::Ok, S::Error> {
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
    })
}

/// Which rows a view shows. Empty lists mean "any".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub stages: Vec<String>,
    pub locators: Vec<String>,
    pub statuses: Vec<Status>,
    /// Appointment date range, inclusive, in the business zone.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// The name shown for a lead without a locator; also accepted as a filter value.
pub const NO_LOCATOR: &str = "(no locator)";

impl Filter {
    pub fn matches(&self, r: &LeadRow, tz: Tz) -> bool {
        self.matches_but_dates(r) && {
            let date = r.appointment_at.map(|a| a.date_in(tz));
            let from_ok = self.from.is_none_or(|f| date.is_some_and(|d| d >= f));
            let to_ok = self.to.is_none_or(|t| date.is_some_and(|d| d <= t));
            from_ok && to_ok
        }
    }

    /// Stage, locator and status only: the calendar has its own period instead of dates.
    pub fn matches_but_dates(&self, r: &LeadRow) -> bool {
        let stage_ok = self.stages.is_empty() || r.stage.as_ref().is_some_and(|s| self.stages.contains(s));
        let loc = r.locator.as_deref().unwrap_or(NO_LOCATOR);
        let loc_ok = self.locators.is_empty() || self.locators.iter().any(|l| l == loc);
        let status_ok = self.statuses.is_empty() || self.statuses.contains(&r.status);
        stage_ok && loc_ok && status_ok
    }

    /// "stage = Appt Set, Follow Up", … for headers.
    pub fn describe(&self) -> Vec<String> {
        let mut v = Vec::new();
        if !self.stages.is_empty() {
            v.push(format!("stage = {}", self.stages.join(", ")));
        }
        if !self.locators.is_empty() {
            v.push(format!("locator = {}", self.locators.join(", ")));
        }
        if !self.statuses.is_empty() {
            v.push(format!("status = {}", self.statuses.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")));
        }
        match (self.from, self.to) {
            (Some(f), Some(t)) => v.push(format!("appointment {f} – {t}")),
            (Some(f), None) => v.push(format!("appointment from {f}")),
            (None, Some(t)) => v.push(format!("appointment until {t}")),
            (None, None) => {}
        }
        v
    }
}

/// Orders for list views.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    /// Most urgent status first, then most days since the appointment.
    Staleness,
    /// Most days since the appointment first.
    DaysSince,
    /// Latest appointment first.
    Appointment,
    Stage,
    Locator,
    Name,
    /// Longest in stage first.
    DaysInStage,
}

impl SortKey {
    pub const NAMES: &'static [&'static str] =
        &["staleness", "days-since", "appointment", "stage", "locator", "name", "days-in-stage"];

    pub fn parse(s: &str) -> Option<SortKey> {
        Some(match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "staleness" | "status" => SortKey::Staleness,
            "days-since" | "days" | "overdue" => SortKey::DaysSince,
            "appointment" | "date" => SortKey::Appointment,
            "stage" => SortKey::Stage,
            "locator" => SortKey::Locator,
            "name" => SortKey::Name,
            "days-in-stage" => SortKey::DaysInStage,
            _ => return None,
        })
    }

    pub fn sort(self, rows: &mut [LeadRow]) {
        // Ties always fall back to name then id, so every order is total and stable.
        let tie = |a: &LeadRow, b: &LeadRow| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id));
        let days = |r: &LeadRow| std::cmp::Reverse(r.days_since_appointment);
        rows.sort_by(|a, b| match self {
            SortKey::Staleness => {
                a.status.urgency().cmp(&b.status.urgency()).then_with(|| days(a).cmp(&days(b))).then_with(|| tie(a, b))
            }
            SortKey::DaysSince => days(a).cmp(&days(b)).then_with(|| tie(a, b)),
            SortKey::Appointment => b.appointment_at.cmp(&a.appointment_at).then_with(|| tie(a, b)),
            SortKey::Stage => a.stage.cmp(&b.stage).then_with(|| days(a).cmp(&days(b))).then_with(|| tie(a, b)),
            SortKey::Locator => a.locator.cmp(&b.locator).then_with(|| days(a).cmp(&days(b))).then_with(|| tie(a, b)),
            SortKey::Name => tie(a, b),
            SortKey::DaysInStage => b.days_in_stage.cmp(&a.days_in_stage).then_with(|| tie(a, b)),
        });
    }
}

/// When a lead first entered one of `stages`, at or before `as_of`, per its stage history.
pub fn first_entry(changes: &[Change], stages: &[String], as_of: DateTime<Utc>) -> Option<Stamp> {
    changes
        .iter()
        .filter(|c| c.at.utc() <= as_of && c.to.as_deref().is_some_and(|s| stages.iter().any(|x| x == s)))
        .map(|c| c.at)
        .min()
}

/// A local date-time for text forms: "2026-11-09 14:30".
pub fn local(t: &Stamp, tz: Tz) -> String {
    t.utc().with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

/// At most `max` items joined by `sep`, then "+N more" for the rest: a cut list always says
/// what it left out.
pub fn join_capped<I: IntoIterator<Item = String>>(items: I, max: usize, sep: &str) -> String {
    let mut shown = Vec::new();
    let mut more = 0usize;
    for item in items {
        if shown.len() < max {
            shown.push(item);
        } else {
            more += 1;
        }
    }
    if more > 0 {
        shown.push(format!("+{more} more"));
    }
    shown.join(sep)
}
