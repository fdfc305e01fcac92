//! The sales dashboard's view models (issue 16), shared by the CLI (`report deals|dashboard|…`)
//! and Discord: each is built from a `SalesSnapshot` (the store read once and indexed), a
//! `SalesContext` (configuration and the moment), the viewer's `Scope` and a `SalesQuery`, and
//! has a serde form (JSON), a text table and formula-safe CSV.
//!
//! - `query`: `SalesQuery` (period, owner / team, lead source, pipeline), parsed from flags or
//!   typed text and encoded compactly for custom_ids;
//! - `dashboard`, `deals`, `story`, `parties` (account and contact stories), `forecast`, `sources`, `activity`: the views;
//! - `search`: accounts, contacts, deals and leads by name;
//! - `segments`: every chart's segments and the records behind one (drill-down);
//! - `rows`: the deal and lead rows and the money format every view shares.
//!
//! Everything is scoped: the viewer's scope cuts every record before any count, so a rep never
//! sees another rep's deal, even by id.

pub mod activity;
pub mod dashboard;
pub mod deals;
pub mod forecast;
pub mod parties;
pub mod query;
mod rows;
pub mod search;
pub mod segments;
pub mod sources;
pub mod story;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::config::{Config, RulesConfig, SalesConfig};
use crate::people::{Directory, Scope};
use crate::sales::kpi::{Book, Filter, LeadBook, LeadFact};
use crate::sales::period::Period;
use crate::sales::SalesData;
use crate::store;

pub use activity::ActivityView;
pub use dashboard::{DashboardView, Scorecard, Unit};
pub use deals::{DealSort, DealsFilter, DealsView};
pub use forecast::ForecastView;
pub use query::{QueryFlags, SalesQuery, Who};
pub use rows::{money, DealRow, LeadRow, PeriodOut};
pub use search::{search, Hit, HitKind};
pub use segments::{Chart, Segment, SegmentRecords};
pub use sources::SourcesView;
pub use story::DealStory;

/// The sales side read once: deals (indexed: `Book`), every lead (`LeadBook`), the CRM users.
/// The bot keeps one per data version; the CLI loads one per run.
#[derive(Clone, Debug)]
pub struct SalesSnapshot {
    pub book: Book,
    pub leads: LeadBook,
    pub directory: Directory,
    /// Activities by the deal they are about (indexes into `book.data.activities`).
    by_deal: HashMap<String, Vec<usize>>,
    /// The searchable names, folded once.
    folded: search::Folded,
}

impl SalesSnapshot {
    /// Reads the store (one transaction per part) and indexes it for the business zone `tz`.
    pub fn load(conn: &rusqlite::Connection, tz: Tz) -> store::Result<SalesSnapshot> {
        let data = store::load_sales(conn)?;
        let leads = store::lead_facts(conn)?;
        let directory = store::directory(conn)?;
        Ok(SalesSnapshot::new(data, leads, directory, tz))
    }

    /// From data already in memory (tests, the bench, a bot that loaded it).
    pub fn new(data: SalesData, leads: Vec<LeadFact>, directory: Directory, tz: Tz) -> SalesSnapshot {
        let book = Book::new(data, tz);
        let mut by_deal: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, a) in book.data.activities.iter().enumerate() {
            if let Some(w) = a.what.as_ref().filter(|w| w.module == "Deals") {
                by_deal.entry(w.id.clone()).or_default().push(i);
            }
        }
        let leads = LeadBook::new(leads, tz);
        let folded = search::Folded::new(&book, &leads);
        SalesSnapshot { book, leads, directory, by_deal, folded }
    }

    /// The activities about deal `id`, in stored order.
    pub fn activities_of(&self, id: &str) -> impl Iterator<Item = &crate::sales::Activity> {
        self.by_deal.get(id).into_iter().flatten().map(|&i| &self.book.data.activities[i])
    }

    /// Whether there is anything to show at all.
    pub fn is_empty(&self) -> bool {
        self.book.deals().is_empty() && self.leads.all().is_empty() && self.book.data.activities.is_empty()
    }

    /// Every lead source the deals and leads carry, sorted.
    pub fn known_sources(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .book
            .deals()
            .iter()
            .filter_map(|d| d.lead_source.clone())
            .chain(self.leads.all().iter().filter_map(|l| l.lead_source.clone()))
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Every pipeline the deals carry, sorted.
    pub fn known_pipelines(&self) -> Vec<String> {
        let mut v: Vec<String> = self.book.deals().iter().filter_map(|d| d.pipeline.clone()).collect();
        v.extend(self.book.data.stage_meta.iter().filter_map(|m| m.pipeline.clone()));
        v.sort();
        v.dedup();
        v
    }

    /// Every owner the data knows: (CRM user id, name), from the users and the records.
    pub fn known_owners(&self) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> =
            self.directory.users.iter().map(|u| (u.id.clone(), u.name.clone())).collect();
        let mut add = |id: &str, name: &str| {
            if !v.iter().any(|(i, _)| i == id) {
                v.push((id.to_string(), name.to_string()));
            }
        };
        for d in self.book.deals() {
            if let Some(o) = &d.owner {
                add(&o.id, &o.name);
            }
        }
        for l in self.leads.all() {
            if let Some(o) = &l.owner_id {
                add(o, l.owner_name.as_deref().unwrap_or(o));
            }
        }
        v.sort_by(|a, b| (a.1.to_lowercase(), &a.0).cmp(&(b.1.to_lowercase(), &b.0)));
        v
    }
}

/// Everything a sales view needs besides the data.
#[derive(Clone, Debug)]
pub struct SalesContext<'a> {
    pub sales: &'a SalesConfig,
    pub rules: &'a RulesConfig,
    /// `[teams]`: more members for a manager's team.
    pub teams: &'a BTreeMap<String, Vec<String>>,
    /// The moment shown.
    pub now: DateTime<Utc>,
}

impl<'a> SalesContext<'a> {
    pub fn new(cfg: &'a Config, now: DateTime<Utc>) -> SalesContext<'a> {
        SalesContext { sales: &cfg.sales, rules: &cfg.rules, teams: &cfg.people.teams, now }
    }

    pub fn tz(&self) -> Tz {
        self.rules.timezone
    }

    /// Today in the business zone.
    pub fn today(&self) -> NaiveDate {
        self.now.with_timezone(&self.tz()).date_naive()
    }

    /// The query's period, resolved today.
    pub fn period(&self, q: &SalesQuery) -> Period {
        q.preset.resolve(self.today())
    }
}

/// The KPI filter for a viewer's scope and a query: the owner or team asked for narrows the
/// scope (never widens it).
pub fn filter_for(snap: &SalesSnapshot, ctx: &SalesContext, scope: &Scope, q: &SalesQuery) -> Filter {
    let f = Filter { scope: scope.clone(), lead_source: q.lead_source.clone(), pipeline: q.pipeline.clone() };
    match &q.who {
        Who::All => f,
        Who::Owner(id) => f.narrowed(&[id.clone()].into()),
        Who::Team(manager) => f.narrowed(&snap.directory.team(manager, ctx.teams)),
    }
}
