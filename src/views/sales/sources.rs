//! **sources**: the lead → appointment → green → delivered funnel of the leads created in the
//! period, overall and per lead source, with MQL → SQL; the previous period's beside it.

use serde::Serialize;

use super::rows::PeriodOut;
use super::{filter_for, SalesContext, SalesQuery, SalesSnapshot};
use crate::people::Scope;
use crate::sales::kpi::leads::{self, FunnelStages};
use crate::views::csv_line;
use crate::views::text::{col, percent, render, Align, Cell};

/// The label of leads with no source.
pub const NO_SOURCE: &str = "(no source)";

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FunnelRow {
    /// The lead source (`None`: leads with none; the overall row is `sources.overall`).
    pub source: Option<String>,
    pub leads: u64,
    pub appointment: u64,
    pub green: u64,
    pub delivered: u64,
    pub to_appointment: Option<f64>,
    pub to_green: Option<f64>,
    pub to_delivered: Option<f64>,
    /// Lead → delivered.
    pub overall: Option<f64>,
}

impl FunnelRow {
    fn of(source: Option<String>, f: &leads::Funnel) -> FunnelRow {
        let [a, g, d] = f.steps();
        FunnelRow {
            source,
            leads: f.leads,
            appointment: f.appointment,
            green: f.green,
            delivered: f.delivered,
            to_appointment: a,
            to_green: g,
            to_delivered: d,
            overall: f.overall(),
        }
    }

    pub fn label(&self) -> &str {
        self.source.as_deref().unwrap_or(NO_SOURCE)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Qualification {
    pub leads: u64,
    pub mql: u64,
    pub sql: u64,
    pub rate: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SourcesView {
    pub view: &'static str,
    pub query: SalesQuery,
    pub period: PeriodOut,
    pub previous_period: PeriodOut,
    pub overall: FunnelRow,
    pub previous_overall: FunnelRow,
    pub sources: Vec<FunnelRow>,
    pub mql_sql: Qualification,
    pub previous_mql_sql: Qualification,
}

pub fn build(snap: &SalesSnapshot, ctx: &SalesContext, scope: &Scope, q: &SalesQuery) -> SourcesView {
    let f = filter_for(snap, ctx, scope, q);
    let period = ctx.period(q);
    let prev = period.previous();
    let st = FunnelStages { green: &ctx.rules.green_stages, delivered: &ctx.rules.delivered_stages };
    let (all, by) = leads::funnel(&snap.leads, &f, &period, st);
    let (old, _) = leads::funnel(&snap.leads, &f, &prev, st);
    let qual = |p| {
        let m = leads::mql_sql(&snap.leads, &f, p, &ctx.sales.mql_stages, &ctx.sales.sql_stages);
        Qualification { leads: m.leads, mql: m.mql, sql: m.sql, rate: m.rate() }
    };
    SourcesView {
        view: "sources",
        query: q.clone(),
        period: PeriodOut::of(&period),
        previous_period: PeriodOut::of(&prev),
        overall: FunnelRow::of(None, &all),
        previous_overall: FunnelRow::of(None, &old),
        sources: by.iter().map(|(s, fu)| FunnelRow::of(s.clone(), fu)).collect(),
        mql_sql: qual(&period),
        previous_mql_sql: qual(&prev),
    }
}

impl SourcesView {
    pub fn table(&self, color: bool) -> String {
        let mut out =
            format!("LEAD SOURCES — leads created {} (vs {})\n\n", self.period.label, self.previous_period.label);
        let cols = [
            col("Source", Align::Left, 28),
            col("Leads", Align::Right, 7),
            col("Appt", Align::Right, 7),
            col("Green", Align::Right, 7),
            col("Delivered", Align::Right, 9),
            col("→Appt", Align::Right, 6),
            col("→Green", Align::Right, 6),
            col("→Deliv", Align::Right, 6),
            col("Overall", Align::Right, 7),
        ];
        let row = |label: &str, r: &FunnelRow| -> Vec<Cell> {
            vec![
                label.into(),
                r.leads.to_string().into(),
                r.appointment.to_string().into(),
                r.green.to_string().into(),
                r.delivered.to_string().into(),
                percent(r.to_appointment).into(),
                percent(r.to_green).into(),
                percent(r.to_delivered).into(),
                percent(r.overall).into(),
            ]
        };
        let mut rows: Vec<Vec<Cell>> = self.sources.iter().map(|r| row(r.label(), r)).collect();
        rows.push(row("All sources", &self.overall));
        rows.push(row("Previous period", &self.previous_overall));
        out.push_str(&render(&cols, &rows, color));
        let (m, p) = (&self.mql_sql, &self.previous_mql_sql);
        out.push_str(&format!(
            "\nMQL → SQL: {} of {} MQLs ({}) — previous period {} of {} ({})\n",
            m.sql,
            m.mql,
            percent(m.rate),
            p.sql,
            p.mql,
            percent(p.rate)
        ));
        out
    }

    pub fn csv(&self) -> String {
        let mut out = csv_line(&["source", "leads", "appointment", "green", "delivered"].map(String::from));
        for r in self.sources.iter().chain([&self.overall]) {
            let label = if std::ptr::eq(r, &self.overall) { "All sources" } else { r.label() };
            out.push_str(&csv_line(&[
                label.to_string(),
                r.leads.to_string(),
                r.appointment.to_string(),
                r.green.to_string(),
                r.delivered.to_string(),
            ]));
        }
        out
    }
}
