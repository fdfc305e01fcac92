//! The sales KPIs (issue 16): one pure function per KPI over the synced sales data, each with
//! its definition as its doc comment (the README's KPI table says the same words).
//!
//! - `book`: the data indexed once per load (`Book`: each deal's category, won / closed day and
//!   history; the per-stage measured win rates), so a query is one pass over plain rows;
//! - `stages`: what a deal stage means (`Stages`: open / won / lost, probability, order);
//! - `deals`: pipeline, won revenue, win rate, deal size, cycle length, velocity, closing soon,
//!   top deals;
//! - `leads`: lead volume by week, the lead → appointment → green → delivered funnel, MQL → SQL;
//! - `activity`: calls, meetings and tasks per person;
//! - `targets`: `[[targets]]` resolved to a period.
//!
//! Every KPI takes a `Filter` (whose records, which lead source, which pipeline) and, where it
//! is about a span of time, a `Period` of local days in the business zone.

pub mod activity;
pub mod book;
pub mod deals;
pub mod leads;
pub mod stages;
pub mod targets;

use std::collections::BTreeSet;

use crate::people::Scope;

pub use book::Book;
pub use leads::{LeadBook, LeadFact};
pub use stages::Stages;

/// Which records a KPI counts. The owner or team asked for is folded into `scope` (see
/// `Filter::narrowed`), so a rep's filter can never widen past what they may see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    /// Whose records: a deal, lead or activity counts when its owner is allowed.
    pub scope: Scope,
    /// Only deals and leads with this lead source (activities are not filtered by it).
    pub lead_source: Option<String>,
    /// Only deals in this pipeline (leads and activities have none: not filtered by it).
    pub pipeline: Option<String>,
}

impl Filter {
    /// Everything: every owner, source and pipeline.
    pub fn everything() -> Filter {
        Filter { scope: Scope::Everyone, lead_source: None, pipeline: None }
    }

    /// This filter's scope cut down to `owners` (an owner or a team asked for): the owners both
    /// allow.
    pub fn narrowed(mut self, owners: &BTreeSet<String>) -> Filter {
        self.scope = match self.scope {
            Scope::Everyone => Scope::Owners(owners.clone()),
            Scope::Owners(mine) => Scope::Owners(mine.intersection(owners).cloned().collect()),
        };
        self
    }

    pub fn allows_owner(&self, owner: Option<&str>) -> bool {
        self.scope.allows(owner)
    }

    pub fn allows_source(&self, source: Option<&str>) -> bool {
        match &self.lead_source {
            None => true,
            Some(want) => source.is_some_and(|s| s.eq_ignore_ascii_case(want)),
        }
    }

    pub fn allows_pipeline(&self, pipeline: Option<&str>) -> bool {
        match &self.pipeline {
            None => true,
            Some(want) => pipeline.is_some_and(|p| p.eq_ignore_ascii_case(want)),
        }
    }
}

/// `amount × percent / 100`, rounded half away from zero to the cent.
pub fn weigh(amount: i64, percent: f64) -> i64 {
    (amount as f64 * percent / 100.0).round() as i64
}

/// A share, `part / whole`; `None` when there is nothing to divide by.
pub fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}
