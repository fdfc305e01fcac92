//! **deals**: the deals in scope — open ones, and those won or lost in the period — narrowed by
//! stage, owner, closing dates and amount, sorted and paged.

use chrono::NaiveDate;
use serde::Serialize;

use super::rows::{money, DealRow, PeriodOut};
use super::{filter_for, SalesContext, SalesQuery, SalesSnapshot};
use crate::people::Scope;
use crate::sales::kpi::deals::deal_passes;
use crate::sales::{Cents, DealCategory};
use crate::views::csv_line;
use crate::views::text::{col, render, Align, Cell};

/// How the deals are ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DealSort {
    /// Largest first.
    #[default]
    Amount,
    /// Soonest closing first (no date last).
    Closing,
    /// Pipeline order (earliest stage first), then largest.
    Stage,
    /// By owner name, then largest.
    Owner,
    /// Most recently changed in the CRM first (what moved lately).
    Recent,
    /// Furthest stage first (nearest to closing), then largest: Discord's "Furthest stage".
    Furthest,
}

impl DealSort {
    pub const ALL: [DealSort; 6] =
        [DealSort::Amount, DealSort::Closing, DealSort::Stage, DealSort::Owner, DealSort::Recent, DealSort::Furthest];

    pub fn name(self) -> &'static str {
        match self {
            DealSort::Amount => "amount",
            DealSort::Closing => "closing",
            DealSort::Stage => "stage",
            DealSort::Owner => "owner",
            DealSort::Recent => "recent",
            DealSort::Furthest => "furthest",
        }
    }

    pub fn parse(text: &str) -> Option<DealSort> {
        DealSort::ALL.into_iter().find(|s| s.name().eq_ignore_ascii_case(text.trim()))
    }
}

/// The deals list's own filters, on top of the query's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DealsFilter {
    /// Only these stages (any case); empty: every stage.
    pub stages: Vec<String>,
    /// Closing date within these days, both included.
    pub closing: Option<(NaiveDate, NaiveDate)>,
    pub min_amount: Option<Cents>,
    pub max_amount: Option<Cents>,
    pub sort: DealSort,
    /// From 0.
    pub page: usize,
    /// Rows per page (at least 1).
    pub per_page: usize,
}

impl DealsFilter {
    pub const DEFAULT_PER_PAGE: usize = 25;
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DealsView {
    pub view: &'static str,
    pub query: SalesQuery,
    pub period: PeriodOut,
    pub currency: String,
    /// Deals that pass every filter (all pages).
    pub total: usize,
    /// Σ amount over all pages, in currency units.
    pub total_amount: f64,
    pub page: usize,
    pub pages: usize,
    pub sort: DealSort,
    pub deals: Vec<DealRow>,
}

pub fn build(snap: &SalesSnapshot, ctx: &SalesContext, scope: &Scope, q: &SalesQuery, df: &DealsFilter) -> DealsView {
    let f = filter_for(snap, ctx, scope, q);
    let period = ctx.period(q);
    let mut picked: Vec<(usize, &crate::sales::Deal)> = snap
        .book
        .deals_with_facts()
        .filter(|(_, d, x)| {
            let shown = match x.category {
                DealCategory::Open => true,
                _ => x.closed_on.is_some_and(|c| period.contains(c)),
            };
            shown
                && deal_passes(&f, d)
                && (df.stages.is_empty() || df.stages.iter().any(|s| s.eq_ignore_ascii_case(&d.stage)))
                && df.closing.is_none_or(|(a, b)| d.closing_date.is_some_and(|c| a <= c && c <= b))
                && df.min_amount.is_none_or(|m| d.amount.is_some_and(|a| a >= m))
                && df.max_amount.is_none_or(|m| d.amount.is_some_and(|a| a <= m))
        })
        .map(|(i, d, _)| (i, d))
        .collect();
    let amount = |d: &crate::sales::Deal| std::cmp::Reverse(d.amount.unwrap_or(i64::MIN));
    match df.sort {
        DealSort::Amount => picked.sort_by(|a, b| (amount(a.1), &a.1.id).cmp(&(amount(b.1), &b.1.id))),
        DealSort::Closing => picked.sort_by(|a, b| {
            (a.1.closing_date.is_none(), a.1.closing_date, amount(a.1), &a.1.id).cmp(&(
                b.1.closing_date.is_none(),
                b.1.closing_date,
                amount(b.1),
                &b.1.id,
            ))
        }),
        DealSort::Stage => picked.sort_by(|a, b| {
            let s = |i: usize| snap.book.facts(i).sequence;
            (s(a.0), &a.1.stage, amount(a.1), &a.1.id).cmp(&(s(b.0), &b.1.stage, amount(b.1), &b.1.id))
        }),
        DealSort::Recent => picked.sort_by(|a, b| {
            let t = |d: &crate::sales::Deal| std::cmp::Reverse(d.modified_at.utc());
            (t(a.1), amount(a.1), &a.1.id).cmp(&(t(b.1), amount(b.1), &b.1.id))
        }),
        DealSort::Furthest => picked.sort_by(|a, b| {
            let s = |i: usize| std::cmp::Reverse(snap.book.facts(i).sequence);
            (s(a.0), &a.1.stage, amount(a.1), &a.1.id).cmp(&(s(b.0), &b.1.stage, amount(b.1), &b.1.id))
        }),
        // The lowered names once per deal, not once per comparison.
        DealSort::Owner => picked.sort_by_cached_key(|(_, d)| {
            let o = d.owner.as_ref().map(|u| u.name.to_lowercase());
            (o.is_none(), o, amount(d), d.id.clone())
        }),
    }
    let per = df.per_page.max(1);
    let total = picked.len();
    let pages = total.div_ceil(per).max(1);
    let page = df.page.min(pages - 1);
    let total_amount = picked.iter().map(|(_, d)| d.amount.unwrap_or(0)).sum::<i64>();
    let deals = picked
        .iter()
        .skip(page * per)
        .take(per)
        .map(|&(i, d)| {
            let x = snap.book.facts(i);
            DealRow::of(d, x.category, x.probability)
        })
        .collect();
    DealsView {
        view: "deals",
        query: q.clone(),
        period: PeriodOut::of(&period),
        currency: ctx.sales.currency.clone(),
        total,
        total_amount: total_amount as f64 / 100.0,
        page,
        pages,
        sort: df.sort,
        deals,
    }
}

/// Deals as a text table.
pub fn deal_table(rows: &[DealRow], currency: &str, color: bool) -> String {
    let cols = [
        col("Deal", Align::Left, 32),
        col("Stage", Align::Left, 24),
        col("Owner", Align::Left, 20),
        col("Amount", Align::Right, 16),
        col("Prob", Align::Right, 4),
        col("Closing", Align::Left, 10),
        col("Id", Align::Left, 20),
    ];
    let rows: Vec<Vec<Cell>> = rows
        .iter()
        .map(|d| {
            vec![
                d.name.as_str().into(),
                d.stage.as_str().into(),
                d.owner.clone().unwrap_or_else(|| "—".into()).into(),
                money(d.amount.map(|a| (a * 100.0).round() as i64), currency).into(),
                d.probability.map(|p| format!("{p}%")).unwrap_or_else(|| "—".into()).into(),
                d.closing_date.map(|c| c.to_string()).unwrap_or_else(|| "—".into()).into(),
                d.id.as_str().into(),
            ]
        })
        .collect();
    render(&cols, &rows, color)
}

impl DealsView {
    pub fn table(&self, color: bool) -> String {
        let mut out = format!(
            "DEALS — open, and closed in {}: {} deal{}, {} (page {} of {})\n\n",
            self.period.label,
            self.total,
            if self.total == 1 { "" } else { "s" },
            money(Some((self.total_amount * 100.0).round() as i64), &self.currency),
            self.page + 1,
            self.pages
        );
        if self.deals.is_empty() {
            out.push_str("No deal matches.\n");
        } else {
            out.push_str(&deal_table(&self.deals, &self.currency, color));
        }
        out
    }

    pub fn csv(&self) -> String {
        let mut out = csv_line(&DealRow::CSV_HEADER.map(String::from));
        for d in &self.deals {
            out.push_str(&csv_line(&d.csv_fields()));
        }
        out
    }
}
