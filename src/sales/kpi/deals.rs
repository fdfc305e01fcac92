//! The deal KPIs. Each function's doc comment is its definition. A deal counts when its owner,
//! lead source and pipeline pass the `Filter`; amounts are the deal's `Amount` (a deal without
//! one counts as a deal, adding 0).

use chrono::{Duration, NaiveDate};

use super::book::Book;
use super::{ratio, weigh, Filter};
use crate::sales::period::Period;
use crate::sales::{Deal, DealCategory};
use crate::time::Stamp;

fn passes(f: &Filter, d: &Deal) -> bool {
    f.allows_owner(d.owner.as_ref().map(|u| u.id.as_str()))
        && f.allows_source(d.lead_source.as_deref())
        && f.allows_pipeline(d.pipeline.as_deref())
}

/// Open deals in one stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageValue {
    pub stage: String,
    /// The stage's order in the pipeline (unknown stages last).
    pub sequence: u32,
    pub deals: u64,
    pub amount: i64,
    pub weighted: i64,
}

/// **Pipeline value / weighted pipeline by stage**: the open deals (their stage's category is
/// Open) per current stage — how many, Σ amount, and Σ amount × the deal's own probability
/// (falling back to its stage's default; 0 when neither is known). Now, not in a period.
/// Stages in pipeline order.
pub fn pipeline_by_stage(book: &Book, f: &Filter) -> Vec<StageValue> {
    let mut out: Vec<StageValue> = Vec::new();
    for (_, d, x) in book.deals_with_facts() {
        if x.category != DealCategory::Open || !passes(f, d) {
            continue;
        }
        let amount = d.amount.unwrap_or(0);
        let w = weigh(amount, x.probability.unwrap_or(0) as f64);
        match out.iter_mut().find(|s| s.stage == d.stage) {
            Some(s) => {
                s.deals += 1;
                s.amount += amount;
                s.weighted += w;
            }
            None => {
                out.push(StageValue { stage: d.stage.clone(), sequence: x.sequence, deals: 1, amount, weighted: w })
            }
        }
    }
    out.sort_by(|a, b| (a.sequence, &a.stage).cmp(&(b.sequence, &b.stage)));
    out
}

/// Pipeline totals: deals, amount, weighted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pipeline {
    pub deals: u64,
    pub amount: i64,
    pub weighted: i64,
}

/// **Pipeline value at an instant** (the scorecard's previous value): the deals that existed at
/// `at` and whose stage then (per stage history, `Book::state_at`) was open — Σ amount then,
/// and Σ amount × that stage's default probability.
pub fn pipeline_at(book: &Book, f: &Filter, at: &Stamp) -> Pipeline {
    let mut p = Pipeline::default();
    for (i, d, _) in book.deals_with_facts() {
        if !passes(f, d) {
            continue;
        }
        let Some((stage, amount)) = book.state_at(i, at) else { continue };
        let m = book.stages.meaning(d.pipeline.as_deref(), stage);
        if m.category != DealCategory::Open {
            continue;
        }
        let amount = amount.unwrap_or(0);
        p.deals += 1;
        p.amount += amount;
        p.weighted += weigh(amount, m.probability.unwrap_or(0) as f64);
    }
    p
}

/// The pipeline now, summed over stages.
pub fn pipeline_now(book: &Book, f: &Filter) -> Pipeline {
    pipeline_by_stage(book, f).iter().fold(Pipeline::default(), |p, s| Pipeline {
        deals: p.deals + s.deals,
        amount: p.amount + s.amount,
        weighted: p.weighted + s.weighted,
    })
}

/// Deals closed in a period.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Closed {
    pub won: u64,
    pub won_amount: i64,
    pub lost: u64,
    pub lost_amount: i64,
    /// Days from creation to the won day of each won deal (local days), in deal order.
    pub cycle_days: Vec<i64>,
}

impl Closed {
    /// **Win rate**: won ÷ (won + lost), of the deals closed in the period.
    pub fn win_rate(&self) -> Option<f64> {
        ratio(self.won, self.won + self.lost)
    }

    /// **Average deal size**: Σ amount of the deals won in the period ÷ their number.
    pub fn average_won(&self) -> Option<i64> {
        (self.won > 0).then(|| (self.won_amount as f64 / self.won as f64).round() as i64)
    }

    /// **Sales cycle length (mean)**: the mean of the days from creation to the won day of the
    /// deals won in the period.
    pub fn cycle_mean(&self) -> Option<f64> {
        (!self.cycle_days.is_empty()).then(|| self.cycle_days.iter().sum::<i64>() as f64 / self.cycle_days.len() as f64)
    }

    /// **Sales cycle length (median)**: the middle of those days (the mean of the two middle
    /// ones for an even count).
    pub fn cycle_median(&self) -> Option<f64> {
        let mut v = self.cycle_days.clone();
        if v.is_empty() {
            return None;
        }
        v.sort_unstable();
        let n = v.len();
        Some(if n % 2 == 1 { v[n / 2] as f64 } else { (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0 })
    }
}

/// **Won revenue / deals won / deals lost in the period**: the deals whose stage is Won (or
/// Lost) per the stage metadata and whose closing day — the closing date, or the history's
/// entry into that stage when the closing date is missing — falls in the period.
pub fn closed_in(book: &Book, f: &Filter, period: &Period) -> Closed {
    let mut c = Closed::default();
    for (_, d, x) in book.deals_with_facts() {
        let Some(day) = x.closed_on else { continue };
        if !period.contains(day) || !passes(f, d) {
            continue;
        }
        match x.category {
            DealCategory::Won => {
                c.won += 1;
                c.won_amount += d.amount.unwrap_or(0);
                c.cycle_days.push((day - x.created_on).num_days().max(0));
            }
            DealCategory::Lost => {
                c.lost += 1;
                c.lost_amount += d.amount.unwrap_or(0);
            }
            DealCategory::Open => {}
        }
    }
    c
}

/// **Sales velocity** (money per day): open deals × win rate × average deal size ÷ mean sales
/// cycle length in days. `None` when any factor is unknown or the cycle is 0 days.
pub fn velocity(open_deals: u64, closed: &Closed) -> Option<f64> {
    let (rate, size, cycle) = (closed.win_rate()?, closed.average_won()?, closed.cycle_mean()?);
    (cycle > 0.0).then(|| open_deals as f64 * rate * size as f64 / cycle)
}

/// **Deals closing in the next 7 days**: open deals whose closing date is `today` or one of the
/// 6 days after it, soonest first (then largest).
pub fn closing_soon<'a>(book: &'a Book, f: &Filter, today: NaiveDate) -> Vec<&'a Deal> {
    let end = today + Duration::days(7);
    let mut v: Vec<&Deal> = book
        .deals_with_facts()
        .filter(|(_, d, x)| {
            x.category == DealCategory::Open && d.closing_date.is_some_and(|c| today <= c && c < end) && passes(f, d)
        })
        .map(|(_, d, _)| d)
        .collect();
    v.sort_by_key(|d| (d.closing_date, std::cmp::Reverse(d.amount)));
    v
}

/// **Top deals**: the open deals with the largest amounts (ties by closing date, then id),
/// at most `n`.
pub fn top_open<'a>(book: &'a Book, f: &Filter, n: usize) -> Vec<&'a Deal> {
    let key = |d: &&'a Deal| (std::cmp::Reverse(d.amount.unwrap_or(0)), d.closing_date, d.id.as_str());
    let mut v: Vec<&Deal> = book
        .deals_with_facts()
        .filter(|(_, d, x)| x.category == DealCategory::Open && passes(f, d))
        .map(|(_, d, _)| d)
        .collect();
    // The first n found in linear time, then only those sorted: thousands of open deals, ten shown.
    if n > 0 && v.len() > n {
        v.select_nth_unstable_by(n - 1, |a, b| key(a).cmp(&key(b)));
    }
    v.truncate(n);
    v.sort_by(|a, b| key(a).cmp(&key(b)));
    v
}

/// Whether `d` passes `f` (owner, source, pipeline): for views listing deals.
pub fn deal_passes(f: &Filter, d: &Deal) -> bool {
    passes(f, d)
}
