//! **dashboard**: the scorecards (value, previous period, target), the open pipeline by stage,
//! lead volume by week, the deals closing in the next 7 days and the top open deals.

use chrono::NaiveDate;
use serde::Serialize;

use super::rows::{money, target_applies, units, DealRow, PeriodOut};
use super::{filter_for, SalesContext, SalesQuery, SalesSnapshot};
use crate::config::TargetMetric;
use crate::people::Scope;
use crate::sales::kpi::targets::target_for;
use crate::sales::kpi::{activity, deals, leads, Filter};
use crate::sales::period::Period;
use crate::views::csv_line;
use crate::views::text::{col, render, Align, Cell};

/// How many deals the top-deals and closing-soon lists show.
pub const LISTED: usize = 10;

/// What a scorecard's numbers are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Currency units.
    Money,
    Count,
    /// A share from 0 to 1.
    Ratio,
    Days,
    /// Currency units per day.
    MoneyPerDay,
}

/// One number on the dashboard.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scorecard {
    pub key: &'static str,
    pub label: &'static str,
    pub value: Option<f64>,
    /// The same KPI over the previous period (`Period::previous`; for the pipeline, as it stood
    /// when this period began).
    pub previous: Option<f64>,
    pub target: Option<f64>,
    pub unit: Unit,
}

impl Scorecard {
    /// The value as people read it.
    pub fn show(&self, v: Option<f64>, currency: &str) -> String {
        let Some(v) = v else { return "—".into() };
        match self.unit {
            Unit::Money => money(Some((v * 100.0).round() as i64), currency),
            Unit::MoneyPerDay => format!("{}/day", money(Some((v * 100.0).round() as i64), currency)),
            Unit::Count => format!("{v:.0}"),
            Unit::Ratio => format!("{:.0}%", v * 100.0),
            Unit::Days => format!("{v:.1} d"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StageRow {
    pub stage: String,
    pub deals: u64,
    pub amount: f64,
    pub weighted: f64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WeekRow {
    /// The week's Monday.
    pub week: NaiveDate,
    pub leads: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DashboardView {
    pub view: &'static str,
    pub query: SalesQuery,
    pub period: PeriodOut,
    pub previous_period: PeriodOut,
    pub currency: String,
    pub scorecards: Vec<Scorecard>,
    pub pipeline: Vec<StageRow>,
    pub lead_weeks: Vec<WeekRow>,
    pub closing_soon: Vec<DealRow>,
    pub top_deals: Vec<DealRow>,
}

/// Every scorecard's value for one period.
struct Values {
    pipeline: deals::Pipeline,
    closed: deals::Closed,
    new_leads: u64,
    mql_sql: leads::Qualified,
    calls: u64,
    meetings: u64,
}

fn values(snap: &SalesSnapshot, ctx: &SalesContext, f: &Filter, p: &Period, pipeline: deals::Pipeline) -> Values {
    let sales = ctx.sales;
    let people = snap.book.activity.per_person(f, p, ctx.tz(), ctx.now);
    let t = activity::total(&people);
    Values {
        pipeline,
        closed: deals::closed_in(&snap.book, f, p),
        new_leads: leads::new_leads(&snap.leads, f, p),
        mql_sql: leads::mql_sql(&snap.leads, f, p, &sales.mql_stages, &sales.sql_stages),
        calls: t.calls,
        meetings: t.meetings,
    }
}

pub fn build(snap: &SalesSnapshot, ctx: &SalesContext, scope: &Scope, q: &SalesQuery) -> DashboardView {
    let f = filter_for(snap, ctx, scope, q);
    let period = ctx.period(q);
    let prev = period.previous();
    let tz = ctx.tz();
    let stages = deals::pipeline_by_stage(&snap.book, &f);
    let now_pipe = stages.iter().fold(deals::Pipeline::default(), |p, s| deals::Pipeline {
        deals: p.deals + s.deals,
        amount: p.amount + s.amount,
        weighted: p.weighted + s.weighted,
    });
    let cur = values(snap, ctx, &f, &period, now_pipe);
    let old = values(snap, ctx, &f, &prev, deals::pipeline_at(&snap.book, &f, &period.instants(tz).0));
    let applies = target_applies(snap, ctx, &f);
    let target = |m: TargetMetric| target_for(&ctx.sales.targets, m, &period, &applies);
    let card = |key, label, unit, get: &dyn Fn(&Values) -> Option<f64>, target: Option<f64>| Scorecard {
        key,
        label,
        value: get(&cur),
        previous: get(&old),
        target,
        unit,
    };
    let scorecards = vec![
        card("pipeline", "Open pipeline", Unit::Money, &|v| Some(units(v.pipeline.amount)), None),
        card("weighted_pipeline", "Weighted pipeline", Unit::Money, &|v| Some(units(v.pipeline.weighted)), None),
        card(
            "won_revenue",
            "Won revenue",
            Unit::Money,
            &|v| Some(units(v.closed.won_amount)),
            target(TargetMetric::WonRevenue),
        ),
        card("deals_won", "Deals won", Unit::Count, &|v| Some(v.closed.won as f64), target(TargetMetric::DealsWon)),
        card("win_rate", "Win rate", Unit::Ratio, &|v| v.closed.win_rate(), None),
        card("average_deal", "Average deal size", Unit::Money, &|v| v.closed.average_won().map(units), None),
        card("cycle_median", "Sales cycle (median)", Unit::Days, &|v| v.closed.cycle_median(), None),
        card("cycle_mean", "Sales cycle (mean)", Unit::Days, &|v| v.closed.cycle_mean(), None),
        card(
            "velocity",
            "Sales velocity",
            Unit::MoneyPerDay,
            &|v| deals::velocity(v.pipeline.deals, &v.closed).map(|c| c / 100.0),
            None,
        ),
        card("new_leads", "New leads", Unit::Count, &|v| Some(v.new_leads as f64), target(TargetMetric::NewLeads)),
        card("mql_sql", "MQL → SQL", Unit::Ratio, &|v| v.mql_sql.rate(), None),
        card("calls", "Calls made", Unit::Count, &|v| Some(v.calls as f64), target(TargetMetric::Calls)),
        card("meetings", "Meetings held", Unit::Count, &|v| Some(v.meetings as f64), target(TargetMetric::Meetings)),
    ];
    let row = |d: &crate::sales::Deal| DealRow::from_book(snap, d);
    DashboardView {
        view: "dashboard",
        query: q.clone(),
        period: PeriodOut::of(&period),
        previous_period: PeriodOut::of(&prev),
        currency: ctx.sales.currency.clone(),
        scorecards,
        pipeline: stages
            .into_iter()
            .map(|s| StageRow { stage: s.stage, deals: s.deals, amount: units(s.amount), weighted: units(s.weighted) })
            .collect(),
        lead_weeks: leads::volume_by_week(&snap.leads, &f, &period)
            .into_iter()
            .map(|(week, leads)| WeekRow { week, leads })
            .collect(),
        closing_soon: deals::closing_soon(&snap.book, &f, ctx.today()).into_iter().take(LISTED).map(row).collect(),
        top_deals: deals::top_open(&snap.book, &f, LISTED).into_iter().map(row).collect(),
    }
}

impl DashboardView {
    pub fn scorecard(&self, key: &str) -> Option<&Scorecard> {
        self.scorecards.iter().find(|s| s.key == key)
    }

    pub fn table(&self, color: bool) -> String {
        let cur = &self.currency;
        let mut out = format!("SALES DASHBOARD — {} (vs {})\n\n", self.period.label, self.previous_period.label);
        let cols = [
            col("KPI", Align::Left, 24),
            col("Value", Align::Right, 20),
            col("Previous", Align::Right, 20),
            col("Target", Align::Right, 16),
        ];
        let rows: Vec<Vec<Cell>> = self
            .scorecards
            .iter()
            .map(|s| {
                let target = match s.unit {
                    Unit::Money => s.target.map(|t| money(Some((t * 100.0).round() as i64), cur)),
                    _ => s.target.map(|t| format!("{t:.0}")),
                };
                vec![
                    s.label.into(),
                    s.show(s.value, cur).into(),
                    s.show(s.previous, cur).into(),
                    target.unwrap_or_else(|| "—".into()).into(),
                ]
            })
            .collect();
        out.push_str(&render(&cols, &rows, color));
        out.push_str("\nOpen pipeline by stage\n");
        let cols = [
            col("Stage", Align::Left, 28),
            col("Deals", Align::Right, 7),
            col("Amount", Align::Right, 16),
            col("Weighted", Align::Right, 16),
        ];
        let rows: Vec<Vec<Cell>> = self
            .pipeline
            .iter()
            .map(|s| {
                vec![
                    s.stage.as_str().into(),
                    s.deals.to_string().into(),
                    money(Some((s.amount * 100.0).round() as i64), cur).into(),
                    money(Some((s.weighted * 100.0).round() as i64), cur).into(),
                ]
            })
            .collect();
        out.push_str(&render(&cols, &rows, color));
        out.push_str("\nNew leads by week\n");
        let cols = [col("Week of", Align::Left, 10), col("Leads", Align::Right, 7)];
        let rows: Vec<Vec<Cell>> =
            self.lead_weeks.iter().map(|w| vec![w.week.to_string().into(), w.leads.to_string().into()]).collect();
        out.push_str(&render(&cols, &rows, color));
        for (title, list) in [("Closing in the next 7 days", &self.closing_soon), ("Top open deals", &self.top_deals)] {
            out.push_str(&format!("\n{title}\n"));
            if list.is_empty() {
                out.push_str("(none)\n");
            } else {
                out.push_str(&super::deals::deal_table(list, cur, color));
            }
        }
        out
    }

    /// The scorecards as CSV (the lists have their own views).
    pub fn csv(&self) -> String {
        let mut out = csv_line(&["kpi", "label", "unit", "value", "previous", "target"].map(String::from));
        let n = |v: Option<f64>| v.map(|v| format!("{}", (v * 10000.0).round() / 10000.0)).unwrap_or_default();
        for s in &self.scorecards {
            let unit = serde_json::to_value(s.unit).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
            out.push_str(&csv_line(&[s.key.into(), s.label.into(), unit, n(s.value), n(s.previous), n(s.target)]));
        }
        out
    }
}
