//! **Forecast** by closing month: the open deals expected to close in the current month and
//! the five after it, two ways side by side, with each month's target.
//!
//! - A deal counts in the month of its closing date. An *overdue* open deal (closing date
//!   before the current month) counts in the current month: it is still open, so it is still
//!   expected, late. Open deals closing after the six months, or with no closing date, are
//!   left out.
//! - **Weighted pipeline** = Σ amount × the deal's probability (its own, else its stage's).
//! - **Historical conversion** = Σ amount × the org's measured win rate from the deal's current
//!   stage: of the deals that were ever in that stage (per stage history, or in it now) and are
//!   closed now, the share that is won. A stage with fewer than 5 such closed deals
//!   (`book::MIN_CLOSED_FOR_RATE`) falls back to its metadata probability. The rate is measured
//!   over the whole org, whoever looks: a rep's few deals would say little.

use chrono::{Datelike, Months, NaiveDate};

use super::kpi::book::{Book, RateSource};
use super::kpi::deals::deal_passes;
use super::kpi::{weigh, Filter};
use super::period::{Period, Preset};
use super::DealCategory;

/// How many months the forecast shows, the current one first.
pub const MONTHS: usize = 6;

/// One closing month of the forecast.
#[derive(Clone, Debug, PartialEq)]
pub struct ForecastMonth {
    /// The month's first day.
    pub month: NaiveDate,
    pub deals: u64,
    /// Σ amount (unweighted).
    pub amount: i64,
    /// Σ amount × probability.
    pub weighted: i64,
    /// Σ amount × measured conversion from the deal's stage.
    pub historical: i64,
    /// The month's won-revenue target, when one is set.
    pub target: Option<f64>,
    /// Deals from earlier months counted here (overdue), in the current month only.
    pub overdue: u64,
}

/// The whole month starting on `first`, as a period.
pub fn month_period(first: NaiveDate) -> Period {
    let last = first + Months::new(1) - chrono::Duration::days(1);
    Preset::Custom { first, last }.resolve(first)
}

/// The forecast (see the module's definition) over the deals `f` passes, on `today`; `target`
/// gives a month's won-revenue target.
pub fn forecast(
    book: &Book,
    f: &Filter,
    today: NaiveDate,
    target: impl Fn(&Period) -> Option<f64>,
) -> Vec<ForecastMonth> {
    let first = today.with_day(1).expect("day 1 exists");
    let mut months: Vec<ForecastMonth> = (0..MONTHS as u32)
        .map(|i| {
            let month = first + Months::new(i);
            ForecastMonth {
                month,
                deals: 0,
                amount: 0,
                weighted: 0,
                historical: 0,
                target: target(&month_period(month)),
                overdue: 0,
            }
        })
        .collect();
    let end = first + Months::new(MONTHS as u32);
    for (_, d, x) in book.deals_with_facts() {
        if x.category != DealCategory::Open || !deal_passes(f, d) {
            continue;
        }
        let Some(closing) = d.closing_date else { continue };
        if closing >= end {
            continue;
        }
        let i = if closing < first {
            0
        } else {
            ((closing.year() - first.year()) * 12 + closing.month() as i32 - first.month() as i32) as usize
        };
        let amount = d.amount.unwrap_or(0);
        let (rate, _) = book.conversion_percent(d.pipeline.as_deref(), &d.stage);
        let m = &mut months[i];
        m.deals += 1;
        m.overdue += u64::from(closing < first);
        m.amount += amount;
        m.weighted += weigh(amount, x.probability.unwrap_or(0) as f64);
        m.historical += weigh(amount, rate);
    }
    months
}

/// Each stage's conversion as the forecast uses it, for showing beside it: (stage, percent,
/// where it came from, closed deals measured).
pub fn stage_rates(book: &Book) -> Vec<(String, f64, RateSource, u32)> {
    let mut names: Vec<(u32, String, Option<String>)> =
        book.data.stage_meta.iter().map(|m| (m.sequence, m.stage.clone(), m.pipeline.clone())).collect();
    for d in book.deals() {
        if !names.iter().any(|(_, s, _)| *s == d.stage) {
            names.push((u32::MAX, d.stage.clone(), d.pipeline.clone()));
        }
    }
    names.sort();
    names.dedup_by(|a, b| a.1 == b.1);
    names
        .into_iter()
        .filter(|(_, s, p)| book.stages.category(p.as_deref(), s) == DealCategory::Open)
        .map(|(_, s, p)| {
            let (rate, source) = book.conversion_percent(p.as_deref(), &s);
            let closed = book.stage_rate(&s).closed;
            (s, rate, source, closed)
        })
        .collect()
}
