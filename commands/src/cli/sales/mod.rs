//! `panopticon report deals|dashboard|forecast|sources|activity|search`: the sales dashboard
//! (issue 16) on the command line, as a table, JSON or CSV. Each is a subcommand of `report`
//! beside the lead views, with the query flags every sales view shares (`--period`, `--owner`,
//! `--team`, `--source`, `--pipeline`) and its own; names are checked against the data and a
//! bad one is exit 2 with what would fit. The CLI is an operator's: it sees every owner.

mod args;

use clap::Subcommand;
use panopticon::config::Config;
use panopticon::people::Scope;
use panopticon::store::Store;
use panopticon::views::input;
use panopticon::views::sales::{
    activity, dashboard, deals, forecast, search, sources, ActivityView, DashboardView, DealsView, ForecastView, Hit,
    SalesContext, SalesQuery, SalesSnapshot, SourcesView,
};
use panopticon::views::Context;
use serde::Serialize;

use super::out::{emit, Format, Report};
use super::Failure;
pub use args::{DealsArgs, QueryArgs, SearchArgs};

/// The sales views, as `report` subcommands.
#[derive(Subcommand, Debug)]
pub enum SalesView {
    /// Sales scorecards (pipeline, won revenue vs target, win rate, deal size, cycle, velocity,
    /// leads, MQL→SQL, calls, meetings) against the previous period, pipeline by stage, leads by
    /// week, deals closing in 7 days, top deals
    Dashboard(QueryArgs),
    /// Deals: the open ones and those closed in the period, filtered, sorted and paged
    Deals(DealsArgs),
    /// Open deals by closing month for six months: weighted pipeline and historical conversion
    /// side by side, with the month's target
    Forecast(QueryArgs),
    /// Leads created in the period by lead source: lead → appointment → green → delivered, and
    /// MQL → SQL
    Sources(QueryArgs),
    /// Per person: calls made, meetings held, tasks completed in the period; tasks overdue now
    Activity(QueryArgs),
    /// Find accounts, contacts, deals and leads by name (any case, accents ignored)
    Search(SearchArgs),
}

/// `report search`'s answer.
#[derive(Serialize)]
struct SearchView {
    view: &'static str,
    query: String,
    hits: Vec<Hit>,
}

pub fn run(cfg: &Config, view: SalesView, as_of: Option<&str>, format: Format, color: bool) -> Result<(), Failure> {
    // Typed values that need no data are checked first: bad input is bad whatever the store.
    let deals_filter = match &view {
        SalesView::Deals(a) => Some(a.filter()?),
        _ => None,
    };
    if let SalesView::Search(s) = &view {
        if panopticon::views::sales::search::fold(&s.query).trim().is_empty() {
            return Err(Failure::input("search: give a name (letters or digits) to look for"));
        }
    }
    let now = chrono::Utc::now();
    let at = match as_of {
        Some(t) => input::parse_as_of(t, cfg.rules.timezone, now)?,
        None => now,
    };
    if !cfg.storage_path.exists() {
        return Err(Failure::input(format!(
            "there is no database at {}: run `panopticon sync` first",
            cfg.storage_path.display()
        )));
    }
    let store = Store::open_read_only(&cfg.storage_path)?;
    let conn = store.connect()?;
    let snap = SalesSnapshot::load(&conn, cfg.rules.timezone).map_err(|e| e.in_file(&cfg.storage_path))?;
    if snap.is_empty() {
        return Err(Failure::input("the database has no sales data yet: run `panopticon sync` first"));
    }
    let sctx = SalesContext::new(cfg, at);
    let ctx = Context::new(cfg, at, now);
    let all = Scope::Everyone;
    let query = |a: &QueryArgs| SalesQuery::parse(&a.flags(), &snap).map_err(Failure::input);
    match view {
        SalesView::Dashboard(a) => emit(format, &dashboard::build(&snap, &sctx, &all, &query(&a)?), &ctx, color),
        SalesView::Deals(a) => {
            let df = deals_filter.unwrap_or_default();
            emit(format, &deals::build(&snap, &sctx, &all, &query(&a.query)?, &df), &ctx, color)
        }
        SalesView::Forecast(a) => emit(format, &forecast::build(&snap, &sctx, &all, &query(&a)?), &ctx, color),
        SalesView::Sources(a) => emit(format, &sources::build(&snap, &sctx, &all, &query(&a)?), &ctx, color),
        SalesView::Activity(a) => emit(format, &activity::build(&snap, &sctx, &all, &query(&a)?), &ctx, color),
        SalesView::Search(s) => {
            let hits = panopticon::views::sales::search::with_people(&snap, &sctx, &s.query, &all, s.limit as usize);
            emit(format, &SearchView { view: "search", query: s.query.clone(), hits }, &ctx, color)
        }
    }
}

impl Report for DashboardView {
    fn table(&self, _: &Context, color: bool) -> String {
        DashboardView::table(self, color)
    }
    fn csv(&self) -> String {
        DashboardView::csv(self)
    }
}

impl Report for DealsView {
    fn table(&self, _: &Context, color: bool) -> String {
        DealsView::table(self, color)
    }
    fn csv(&self) -> String {
        DealsView::csv(self)
    }
}

impl Report for ForecastView {
    fn table(&self, _: &Context, color: bool) -> String {
        ForecastView::table(self, color)
    }
    fn csv(&self) -> String {
        ForecastView::csv(self)
    }
}

impl Report for SourcesView {
    fn table(&self, _: &Context, color: bool) -> String {
        SourcesView::table(self, color)
    }
    fn csv(&self) -> String {
        SourcesView::csv(self)
    }
}

impl Report for ActivityView {
    fn table(&self, _: &Context, color: bool) -> String {
        ActivityView::table(self, color)
    }
    fn csv(&self) -> String {
        ActivityView::csv(self)
    }
}

impl Report for SearchView {
    fn table(&self, _: &Context, color: bool) -> String {
        search::table(&self.hits, color)
    }
    fn csv(&self) -> String {
        search::csv(&self.hits)
    }
}
