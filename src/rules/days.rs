//! Counting days between two business-zone dates: calendar days by default, or business days
//! (Monday–Friday minus listed holidays) when `[rules] business_days = true`.

use chrono::{Datelike, NaiveDate, Weekday};

use crate::config::RulesConfig;

/// `to − from` in calendar days (negative when `to` is earlier).
pub fn calendar(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

fn is_business_day(d: NaiveDate, holidays: &[NaiveDate]) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !holidays.contains(&d)
}

/// Business days after `from` up to and including `to`: an appointment on Friday is one
/// business day old on Monday. Negative when `to` is before `from`.
pub fn business(from: NaiveDate, to: NaiveDate, holidays: &[NaiveDate]) -> i64 {
    if to < from {
        return -business(to, from, holidays);
    }
    let span = calendar(from, to);
    // Whole weeks contribute five weekdays each; walk only the remainder.
    let weeks = span / 7;
    let mut n = weeks * 5;
    let mut d = from + chrono::Duration::days(weeks * 7);
    while d < to {
        d = d.succ_opt().expect("date in range");
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            n += 1;
        }
    }
    let holidays_in = holidays.iter().filter(|h| **h > from && **h <= to && is_business_day(**h, &[])).count() as i64;
    n - holidays_in
}

/// Days from `from` to `to` under the configured counting.
pub fn between(from: NaiveDate, to: NaiveDate, rules: &RulesConfig) -> i64 {
    if rules.business_days {
        business(from, to, &rules.holidays)
    } else {
        calendar(from, to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn business_days_skip_weekends_and_holidays() {
        // Fri 2026-11-20 → Mon 2026-11-23: one business day.
        assert_eq!(business(d("2026-11-20"), d("2026-11-23"), &[]), 1);
        assert_eq!(business(d("2026-11-20"), d("2026-11-20"), &[]), 0);
        // Two weeks and a day, Thanksgiving (Thu 2026-11-26) off.
        assert_eq!(business(d("2026-11-20"), d("2026-12-07"), &[]), 11);
        assert_eq!(business(d("2026-11-20"), d("2026-12-07"), &[d("2026-11-26")]), 10);
        // A holiday on a Saturday takes nothing away.
        assert_eq!(business(d("2026-11-20"), d("2026-11-30"), &[d("2026-11-28")]), 6);
        assert_eq!(business(d("2026-11-23"), d("2026-11-20"), &[]), -1);
    }

    #[test]
    fn business_days_match_a_day_by_day_count() {
        let start = d("2026-01-01");
        let holidays = [d("2026-01-19"), d("2026-02-16"), d("2026-05-25")];
        for a in 0..60 {
            for b in a..a + 50 {
                let from = start + chrono::Duration::days(a);
                let to = start + chrono::Duration::days(b);
                let slow = (a + 1..=b)
                    .map(|i| start + chrono::Duration::days(i))
                    .filter(|x| is_business_day(*x, &holidays))
                    .count() as i64;
                assert_eq!(business(from, to, &holidays), slow, "{from} → {to}");
            }
        }
    }
}
