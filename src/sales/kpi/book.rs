//! `Book`: the synced sales data indexed once per load, as the bot keeps it. Each deal's
//! category, effective probability, local creation day and closing day are worked out here
//! once, its stage history is a slice found by index, and the per-stage measured win rates
//! (the forecast's historical conversion) are counted over the whole org — so every KPI query
//! afterwards is one pass over plain rows, with no time-zone conversion per row.

use std::collections::HashMap;

use chrono::NaiveDate;
use chrono_tz::Tz;

use super::activity::ActivityIndex;
use super::stages::Stages;
use crate::sales::{Deal, DealCategory, DealStage, SalesData};
use crate::time::Stamp;

/// Below this many closed deals that were ever in a stage, the stage's measured win rate is
/// not trusted: its metadata probability stands in.
pub const MIN_CLOSED_FOR_RATE: u32 = 5;

/// What the book worked out once about one deal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DealFacts {
    pub category: DealCategory,
    /// The deal's own probability, else its stage's default; `None` when neither is known.
    pub probability: Option<u8>,
    /// The day it was created, in the business zone.
    pub created_on: NaiveDate,
    /// For a won or lost deal, the day it closed: its closing date, or (when the deal has none)
    /// the day its history shows it entering its current won / lost stage. `None` for an open
    /// deal, or a closed one with neither.
    pub closed_on: Option<NaiveDate>,
    /// Order of its current stage in the pipeline (unknown stages last).
    pub sequence: u32,
}

/// A stage's measured conversion: of the deals that were ever in it and are closed now, how
/// many were won.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StageRate {
    pub closed: u32,
    pub won: u32,
}

/// Where a stage's conversion rate came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateSource {
    /// Measured on at least `MIN_CLOSED_FOR_RATE` closed deals.
    Measured,
    /// Too few closed deals: the stage's metadata probability.
    Metadata,
}

#[derive(Clone, Debug)]
pub struct Book {
    pub data: SalesData,
    pub stages: Stages,
    pub tz: Tz,
    facts: Vec<DealFacts>,
    /// Each deal's stage history: a range of `data.stages` (which is sorted by deal, then time).
    history: Vec<(usize, usize)>,
    by_id: HashMap<String, usize>,
    rates: HashMap<String, StageRate>,
    /// The activities by time (`ActivityIndex`).
    pub activity: ActivityIndex,
}

impl Book {
    pub fn new(mut data: SalesData, tz: Tz) -> Book {
        data.deals.sort_by(|a, b| a.id.cmp(&b.id));
        data.stages.sort_by(|a, b| (&a.deal_id, a.at.utc(), &a.id).cmp(&(&b.deal_id, b.at.utc(), &b.id)));
        let stages = Stages::new(&data.stage_meta);
        let by_id: HashMap<String, usize> = data.deals.iter().enumerate().map(|(i, d)| (d.id.clone(), i)).collect();
        let mut history = vec![(0, 0); data.deals.len()];
        let mut start = 0;
        while start < data.stages.len() {
            let deal = &data.stages[start].deal_id;
            let mut end = start + 1;
            while end < data.stages.len() && &data.stages[end].deal_id == deal {
                end += 1;
            }
            if let Some(&i) = by_id.get(deal) {
                history[i] = (start, end);
            }
            start = end;
        }
        let facts = data
            .deals
            .iter()
            .zip(&history)
            .map(|(d, &(a, b))| facts_of(d, &data.stages[a..b], &stages, tz))
            .collect::<Vec<_>>();
        let mut rates: HashMap<String, StageRate> = HashMap::new();
        for (i, d) in data.deals.iter().enumerate() {
            let f = &facts[i];
            if f.category == DealCategory::Open {
                continue;
            }
            let (a, b) = history[i];
            let mut seen: Vec<&str> = data.stages[a..b].iter().map(|s| s.stage.as_str()).collect();
            seen.push(d.stage.as_str());
            seen.sort_unstable();
            seen.dedup();
            for s in seen {
                let r = rates.entry(s.to_string()).or_default();
                r.closed += 1;
                r.won += u32::from(f.category == DealCategory::Won);
            }
        }
        let activity = ActivityIndex::new(&data.activities);
        Book { data, stages, tz, facts, history, by_id, rates, activity }
    }

    pub fn deals(&self) -> &[Deal] {
        &self.data.deals
    }

    pub fn facts(&self, i: usize) -> &DealFacts {
        &self.facts[i]
    }

    /// Deals with what the book knows of each, in id order.
    pub fn deals_with_facts(&self) -> impl Iterator<Item = (usize, &Deal, &DealFacts)> {
        self.data.deals.iter().zip(&self.facts).enumerate().map(|(i, (d, f))| (i, d, f))
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// Deal `i`'s stage history, oldest first.
    pub fn history(&self, i: usize) -> &[DealStage] {
        let (a, b) = self.history[i];
        &self.data.stages[a..b]
    }

    /// The org's measured conversion from `stage` (every deal, whatever the viewer's scope).
    pub fn stage_rate(&self, stage: &str) -> StageRate {
        self.rates.get(stage).copied().unwrap_or_default()
    }

    /// The share (0–100) of deals now in `stage` expected to be won: the measured rate from
    /// that stage when at least `MIN_CLOSED_FOR_RATE` closed deals were ever in it, else the
    /// stage's metadata probability (0 when the metadata has none).
    pub fn conversion_percent(&self, pipeline: Option<&str>, stage: &str) -> (f64, RateSource) {
        let r = self.stage_rate(stage);
        if r.closed >= MIN_CLOSED_FOR_RATE {
            (100.0 * r.won as f64 / r.closed as f64, RateSource::Measured)
        } else {
            (self.stages.meaning(pipeline, stage).probability.unwrap_or(0) as f64, RateSource::Metadata)
        }
    }

    /// Deal `i` as it stood at instant `at`: its stage and amount then. `None` when it did not
    /// exist yet. The stage is the last history row at or before `at`; with no row that early,
    /// the first row's (the stage it was created in); with no history at all, its current stage
    /// (assumed unchanged).
    pub fn state_at(&self, i: usize, at: &Stamp) -> Option<(&str, Option<i64>)> {
        let d = &self.data.deals[i];
        if d.created_at.utc() > at.utc() {
            return None;
        }
        let h = self.history(i);
        let row = h.iter().rev().find(|s| s.at.utc() <= at.utc()).or_else(|| h.first());
        Some(match row {
            Some(s) => (s.stage.as_str(), s.amount.or(d.amount)),
            None => (d.stage.as_str(), d.amount),
        })
    }
}

fn facts_of(d: &Deal, history: &[DealStage], stages: &Stages, tz: Tz) -> DealFacts {
    let m = stages.meaning(d.pipeline.as_deref(), &d.stage);
    let closed_on = match m.category {
        DealCategory::Open => None,
        c => d.closing_date.or_else(|| {
            // The last time it entered a stage of its current category (won again after a
            // reopen counts from the last time).
            history
                .iter()
                .rev()
                .find(|s| stages.category(d.pipeline.as_deref(), &s.stage) == c)
                .map(|s| s.at.date_in(tz))
        }),
    };
    DealFacts {
        category: m.category,
        probability: d.probability.or(m.probability),
        created_on: d.created_at.date_in(tz),
        closed_on,
        sequence: m.sequence,
    }
}
