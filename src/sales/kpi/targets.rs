//! **Targets for a period**: `[[targets]]` resolved to any period, by the days it covers.
//!
//! A target is set for a calendar unit (month, quarter, year). For a period, the unit used is
//! the period's own (a month preset → a month target, a quarter preset → a quarter target, year
//! to date → a year target) when one is set, else the finest one set (month, then quarter, then
//! year). The period's target is then Σ over each unit it touches of target × (days of the
//! period in that unit ÷ days in the unit): a whole month gets its month target, a quarter with
//! only monthly targets the sum of its three months, the 1st–14th of a 30-day month 14/30 of
//! the month's target.

use chrono::{Datelike, Months, NaiveDate};

use crate::config::{Target, TargetMetric, TargetPeriod, TargetWho};
use crate::sales::period::{Period, Preset};

/// The unit a preset is naturally measured in.
fn own_unit(preset: Preset) -> TargetPeriod {
    match preset {
        Preset::QuarterToDate | Preset::LastQuarter => TargetPeriod::Quarter,
        Preset::YearToDate => TargetPeriod::Year,
        _ => TargetPeriod::Month,
    }
}

/// The first day of the unit holding `d`.
fn unit_start(unit: TargetPeriod, d: NaiveDate) -> NaiveDate {
    let month0 = match unit {
        TargetPeriod::Month => d.month0(),
        TargetPeriod::Quarter => d.month0() / 3 * 3,
        TargetPeriod::Year => 0,
    };
    NaiveDate::from_ymd_opt(d.year(), month0 + 1, 1).expect("the first of a month exists")
}

/// `value` for each `unit` spread over `period` by days (see the module's definition).
pub fn prorate(value: f64, unit: TargetPeriod, period: &Period) -> f64 {
    let mut total = 0.0;
    let mut start = unit_start(unit, period.from);
    while start < period.to {
        let end = start + Months::new(unit.months());
        let overlap = (end.min(period.to) - start.max(period.from)).num_days();
        total += value * overlap as f64 / (end - start).num_days() as f64;
        start = end;
    }
    total
}

/// The target of `metric` for `period`, over the targets `whose` accepts (summed when several
/// are set for the chosen unit); `None` when none is set.
pub fn target_for(
    targets: &[Target],
    metric: TargetMetric,
    period: &Period,
    whose: impl Fn(&TargetWho) -> bool,
) -> Option<f64> {
    let set: Vec<&Target> = targets.iter().filter(|t| t.metric == metric && whose(&t.who)).collect();
    let own = own_unit(period.preset);
    let unit = if set.iter().any(|t| t.period == own) {
        own
    } else {
        [TargetPeriod::Month, TargetPeriod::Quarter, TargetPeriod::Year]
            .into_iter()
            .find(|u| set.iter().any(|t| t.period == *u))?
    };
    Some(set.iter().filter(|t| t.period == unit).map(|t| prorate(t.value, unit, period)).sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn t(period: TargetPeriod, value: f64) -> Target {
        Target { metric: TargetMetric::WonRevenue, period, value, who: TargetWho::Org }
    }

    #[test]
    fn units_and_proration() {
        let month = [t(TargetPeriod::Month, 3000.0)];
        // November 2026 has 30 days; 1–14 Nov is 14/30 of 3000 = 1400.
        let p = Preset::ThisMonth.resolve(d("2026-11-14"));
        assert_eq!(target_for(&month, TargetMetric::WonRevenue, &p, |_| true), Some(1400.0));
        // Last quarter (Jul–Sep) with only monthly targets: 3 × 3000.
        let q = Preset::LastQuarter.resolve(d("2026-11-14"));
        assert_eq!(target_for(&month, TargetMetric::WonRevenue, &q, |_| true), Some(9000.0));
        // A quarter target wins for a quarter: Q3 has 92 days, all of them.
        let both = [t(TargetPeriod::Month, 3000.0), t(TargetPeriod::Quarter, 10000.0)];
        assert_eq!(target_for(&both, TargetMetric::WonRevenue, &q, |_| true), Some(10000.0));
        // Another metric has none.
        assert_eq!(target_for(&both, TargetMetric::Calls, &q, |_| true), None);
        // A year target for one month of 31 days: 36500 × 31/365 = 3100.
        let year = [t(TargetPeriod::Year, 36500.0)];
        let jan = Preset::LastMonth.resolve(d("2026-02-10"));
        assert_eq!(target_for(&year, TargetMetric::WonRevenue, &jan, |_| true), Some(3100.0));
    }
}
