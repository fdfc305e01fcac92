//! The sales subcommands' flags: the query every sales view shares, the deals list's own
//! filters (parsed here into the engine's `DealsFilter`, with errors a person can act on), and
//! search's words.

use chrono::NaiveDate;
use clap::Args;
use panopticon::sales::Cents;
use panopticon::views::sales::{DealSort, DealsFilter, QueryFlags};

use super::super::values::{self, Named};
use super::super::Failure;

/// Whose deals, which period: every sales view takes these.
#[derive(Args, Debug, Default)]
pub struct QueryArgs {
    /// today, this-week, last-week, this-month, last-month, qtd, last-quarter, ytd, or a range
    /// 2026-01-01..2026-03-31 (both days included; in [rules] timezone). Default: this-month.
    #[arg(long, value_name = "P")]
    period: Option<String>,
    /// Only this CRM user's records (id, email or name).
    #[arg(long, value_name = "USER", conflicts_with = "team")]
    owner: Option<String>,
    /// Only this manager's team (the manager's CRM id, email or name; the role hierarchy,
    /// Reporting_To and [teams]).
    #[arg(long, value_name = "MANAGER")]
    team: Option<String>,
    /// Only deals and leads with this lead source.
    #[arg(long, value_name = "SOURCE")]
    source: Option<String>,
    /// Only deals in this pipeline.
    #[arg(long, value_name = "PIPELINE")]
    pipeline: Option<String>,
}

impl QueryArgs {
    pub fn flags(&self) -> QueryFlags {
        QueryFlags {
            period: self.period.clone(),
            owner: self.owner.clone(),
            team: self.team.clone(),
            source: self.source.clone(),
            pipeline: self.pipeline.clone(),
        }
    }
}

impl Named for DealSort {
    fn names() -> Vec<&'static str> {
        DealSort::ALL.iter().map(|s| s.name()).collect()
    }
    fn parse(s: &str) -> Option<DealSort> {
        DealSort::parse(s)
    }
}

/// The most rows a page of deals may have.
pub const MAX_LIMIT: usize = 1000;

#[derive(Args, Debug)]
pub struct DealsArgs {
    #[command(flatten)]
    pub query: QueryArgs,
    /// Only deals in this stage (repeatable; any case).
    #[arg(long, value_name = "S")]
    stage: Vec<String>,
    /// Closing date in this range, both days included: 2026-11-01..2026-11-30.
    #[arg(long, value_name = "FROM..TO")]
    closing: Option<String>,
    /// Amount at least this (in the currency: 5000, 5,000 or 5000.50).
    #[arg(long, value_name = "AMOUNT")]
    min_amount: Option<String>,
    /// Amount at most this.
    #[arg(long, value_name = "AMOUNT")]
    max_amount: Option<String>,
    /// Order: amount (largest first, the default), closing (soonest), stage (pipeline order),
    /// owner, recent (last changed first), furthest (latest stage first).
    #[arg(long, value_name = "KEY", value_parser = values::of::<DealSort>())]
    sort: Option<DealSort>,
    /// Deals per page (1–1000). Default: 25.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=MAX_LIMIT as i64))]
    limit: Option<u32>,
    /// Which page, from 1.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    page: Option<u32>,
}

/// An amount typed in the currency, as cents.
fn amount(flag: &str, typed: &str) -> Result<Cents, Failure> {
    let t: String = typed.trim().chars().filter(|c| *c != ',' && *c != '_').collect();
    let bad = || Failure::input(format!("{flag}: '{}' is not an amount (e.g. 5000 or 5000.50)", typed.trim()));
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    if whole.is_empty()
        || whole.len() > 13
        || frac.len() > 2
        || !whole.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let cents = format!("{frac:0<2}");
    Ok(whole.parse::<i64>().map_err(|_| bad())? * 100 + cents.parse::<i64>().map_err(|_| bad())?)
}

fn range(typed: &str) -> Result<(NaiveDate, NaiveDate), Failure> {
    let bad = |why: String| Failure::input(format!("--closing: {why}"));
    let (a, b) = typed
        .split_once("..")
        .ok_or_else(|| bad(format!("'{}' is not a range: use FROM..TO, e.g. 2026-11-01..2026-11-30", typed.trim())))?;
    let day = |s: &str| {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map_err(|_| bad(format!("'{}' is not a date (YYYY-MM-DD)", s.trim())))
    };
    let (a, b) = (day(a)?, day(b)?);
    if b < a {
        return Err(bad(format!("the range ends ({b}) before it starts ({a})")));
    }
    Ok((a, b))
}

impl DealsArgs {
    /// The deals list's own filters, checked.
    pub fn filter(&self) -> Result<DealsFilter, Failure> {
        let min_amount = self.min_amount.as_deref().map(|a| amount("--min-amount", a)).transpose()?;
        let max_amount = self.max_amount.as_deref().map(|a| amount("--max-amount", a)).transpose()?;
        if let (Some(a), Some(b)) = (min_amount, max_amount) {
            if b < a {
                return Err(Failure::input("--max-amount is below --min-amount"));
            }
        }
        Ok(DealsFilter {
            stages: self.stage.iter().map(|s| s.trim().to_string()).collect(),
            closing: self.closing.as_deref().map(range).transpose()?,
            min_amount,
            max_amount,
            sort: self.sort.unwrap_or_default(),
            page: self.page.map(|p| p as usize - 1).unwrap_or(0),
            per_page: self.limit.map(|l| l as usize).unwrap_or(DealsFilter::DEFAULT_PER_PAGE),
        })
    }
}

#[derive(Args, Debug)]
pub struct SearchArgs {
    /// Words that start the name (any case, accents ignored), or an id.
    #[arg(value_name = "QUERY")]
    pub query: String,
    /// The most records listed (1–500).
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=500))]
    pub limit: u32,
}
