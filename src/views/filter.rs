//! Which rows a view shows (`Filter`) and in what order (`SortKey`).

use chrono::NaiveDate;
use chrono_tz::Tz;

use super::row::LeadRow;
use crate::rules::Status;

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
