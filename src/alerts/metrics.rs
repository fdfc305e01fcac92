//! The values `[[alerts.threshold]]` rules watch, read from the snapshot's rows at a moment:
//! counts of stale, at-risk and stuck leads (over the team and per locator), and this month's
//! conversion to green. Pure: the pass feeds them to `Threshold::evaluate`.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use super::Metric;
use crate::config::RulesConfig;
use crate::rules::Status;
use crate::views::{LeadRow, SnapLead};

/// The values of `metric` at the moment the rows were assessed at: one `(None, v)` for a team
/// metric, one `(Some(locator), v)` per locator for a per-locator one (every locator with an
/// appointed lead, so a locator back to zero recovers). Empty when there is nothing to measure
/// (no appointment this month for the conversion), so no rule fires on a value of nothing.
pub fn values(
    metric: Metric,
    rows: &[LeadRow],
    leads: &[SnapLead],
    as_of: DateTime<Utc>,
    rules: &RulesConfig,
) -> Vec<(Option<String>, f64)> {
    let count = |pred: &dyn Fn(&LeadRow) -> bool| rows.iter().filter(|r| pred(r)).count() as f64;
    match metric {
        Metric::Stale => vec![(None, count(&|r| r.status == Status::Stale))],
        Metric::AtRisk => vec![(None, count(&|r| r.status == Status::AtRisk))],
        Metric::StuckGreen => vec![(None, count(&|r| r.stuck_in_green && r.status != Status::Closed))],
        Metric::LocatorStale => {
            let mut per: BTreeMap<String, f64> = BTreeMap::new();
            for r in rows {
                let Some(l) = r.locator.as_deref() else { continue };
                *per.entry(l.to_string()).or_default() += f64::from(u8::from(r.status == Status::Stale));
            }
            per.into_iter().map(|(l, v)| (Some(l), v)).collect()
        }
        Metric::GreenConversionMonth => {
            green_conversion_month(leads, as_of, rules).map(|c| vec![(None, c.percent())]).unwrap_or_default()
        }
    }
}

/// This month's conversion to green, as counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conversion {
    /// Appointments counted (the denominator).
    pub appointments: usize,
    /// Of those, the ones whose lead reached a green stage after them.
    pub converted: usize,
}

impl Conversion {
    pub fn percent(&self) -> f64 {
        100.0 * self.converted as f64 / self.appointments as f64
    }
}

/// **green_conversion_month**, precisely: take every appointment (of every appointed lead)
/// whose start is in the current local month of `as_of` in the business zone — from the 1st,
/// 00:00 local, up to `as_of` itself (future appointments this month are not counted yet). An
/// all-day appointment counts by its own date. Each such appointment counts once in the
/// denominator (a lead with two appointments this month counts twice). It is *converted* when
/// its lead entered a green stage (`[rules] green_stages`) strictly after the appointment's
/// start and at or before `as_of` — a lead already green before the appointment does not count
/// unless it entered green again after it. The value is converted ÷ counted × 100; `None` when
/// no appointment counts (the 1st of the month at 00:10, say), so no rule fires on nothing.
pub fn green_conversion_month(leads: &[SnapLead], as_of: DateTime<Utc>, rules: &RulesConfig) -> Option<Conversion> {
    let tz = rules.timezone;
    let today = as_of.with_timezone(&tz).date_naive();
    let first = NaiveDate::from_ymd_opt(today.year(), today.month(), 1)?;
    let mut c = Conversion { appointments: 0, converted: 0 };
    for l in leads {
        for a in &l.starts {
            let start = a.at(tz).utc();
            let date = a.date(tz);
            if date < first || start > as_of {
                continue;
            }
            c.appointments += 1;
            let green_after = l.changes.iter().any(|ch| {
                let t = ch.at.utc();
                t > start && t <= as_of && rules.is_green_stage(ch.to.as_deref())
            });
            c.converted += usize::from(green_after);
        }
    }
    (c.appointments > 0).then_some(c)
}
