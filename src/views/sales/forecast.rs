//! **forecast**: the open deals by closing month (this month and the five after; overdue deals
//! in this month), weighted pipeline and historical conversion side by side with each month's
//! won-revenue target; and the per-stage conversion rates used. Definitions:
//! `sales::forecast`.

use chrono::NaiveDate;
use serde::Serialize;

use super::rows::{money, target_applies, units};
use super::{filter_for, SalesContext, SalesQuery, SalesSnapshot};
use crate::config::TargetMetric;
use crate::people::Scope;
use crate::sales::forecast;
use crate::sales::kpi::book::RateSource;
use crate::sales::kpi::targets::target_for;
use crate::views::csv_line;
use crate::views::text::{col, render, Align, Cell};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MonthRow {
    /// The month's first day.
    pub month: NaiveDate,
    /// "Nov 2026".
    pub label: String,
    pub deals: u64,
    pub overdue: u64,
    pub amount: f64,
    pub weighted: f64,
    pub historical: f64,
    pub target: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RateRow {
    pub stage: String,
    /// Percent expected to be won from this stage.
    pub percent: f64,
    /// `measured` (≥ 5 closed deals were in it) or `metadata` (its probability).
    pub source: &'static str,
    pub closed_deals: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ForecastView {
    pub view: &'static str,
    pub query: SalesQuery,
    pub currency: String,
    pub months: Vec<MonthRow>,
    pub rates: Vec<RateRow>,
}

/// The forecast from today (the query's period is not used: the forecast always looks ahead).
pub fn build(snap: &SalesSnapshot, ctx: &SalesContext, scope: &Scope, q: &SalesQuery) -> ForecastView {
    let f = filter_for(snap, ctx, scope, q);
    let applies = target_applies(snap, ctx, &f);
    let months = forecast::forecast(&snap.book, &f, ctx.today(), |p| {
        target_for(&ctx.sales.targets, TargetMetric::WonRevenue, p, &applies)
    });
    ForecastView {
        view: "forecast",
        query: q.clone(),
        currency: ctx.sales.currency.clone(),
        months: months
            .into_iter()
            .map(|m| MonthRow {
                month: m.month,
                label: m.month.format("%b %Y").to_string(),
                deals: m.deals,
                overdue: m.overdue,
                amount: units(m.amount),
                weighted: units(m.weighted),
                historical: units(m.historical),
                target: m.target,
            })
            .collect(),
        rates: forecast::stage_rates(&snap.book)
            .into_iter()
            .map(|(stage, percent, source, closed_deals)| RateRow {
                stage,
                percent: (percent * 10.0).round() / 10.0,
                source: match source {
                    RateSource::Measured => "measured",
                    RateSource::Metadata => "metadata",
                },
                closed_deals,
            })
            .collect(),
    }
}

impl ForecastView {
    pub fn table(&self, color: bool) -> String {
        let m = |v: f64| money(Some((v * 100.0).round() as i64), &self.currency);
        let mut out = "FORECAST — open deals by closing month (overdue ones in the first)\n\n".to_string();
        let cols = [
            col("Month", Align::Left, 8),
            col("Deals", Align::Right, 16),
            col("Amount", Align::Right, 16),
            col("Weighted", Align::Right, 16),
            col("Historical", Align::Right, 16),
            col("Target", Align::Right, 16),
        ];
        let rows: Vec<Vec<Cell>> = self
            .months
            .iter()
            .map(|r| {
                let deals =
                    if r.overdue > 0 { format!("{} ({} late)", r.deals, r.overdue) } else { r.deals.to_string() };
                vec![
                    r.label.as_str().into(),
                    deals.into(),
                    m(r.amount).into(),
                    m(r.weighted).into(),
                    m(r.historical).into(),
                    r.target.map(m).unwrap_or_else(|| "—".into()).into(),
                ]
            })
            .collect();
        out.push_str(&render(&cols, &rows, color));
        out.push_str("\nConversion by stage (historical)\n");
        let cols = [
            col("Stage", Align::Left, 28),
            col("Won", Align::Right, 6),
            col("From", Align::Left, 8),
            col("Closed", Align::Right, 7),
        ];
        let rows: Vec<Vec<Cell>> = self
            .rates
            .iter()
            .map(|r| {
                vec![
                    r.stage.as_str().into(),
                    format!("{:.0}%", r.percent).into(),
                    r.source.into(),
                    r.closed_deals.to_string().into(),
                ]
            })
            .collect();
        out.push_str(&render(&cols, &rows, color));
        out
    }

    pub fn csv(&self) -> String {
        let mut out =
            csv_line(&["month", "deals", "overdue", "amount", "weighted", "historical", "target"].map(String::from));
        for r in &self.months {
            out.push_str(&csv_line(&[
                r.month.to_string(),
                r.deals.to_string(),
                r.overdue.to_string(),
                format!("{:.2}", r.amount),
                format!("{:.2}", r.weighted),
                format!("{:.2}", r.historical),
                r.target.map(|t| format!("{t:.2}")).unwrap_or_default(),
            ]));
        }
        out
    }
}
