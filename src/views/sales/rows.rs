//! What every sales view shares: the deal and lead rows, the period as JSON shows it, money as
//! people read it, and which targets apply to a filter.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::Serialize;

use super::{SalesContext, SalesSnapshot};
use crate::config::TargetWho;
use crate::people::Scope;
use crate::sales::kpi::{Filter, LeadFact};
use crate::sales::period::Period;
use crate::sales::{Cents, Deal, DealCategory};

/// Money for text forms: the currency, thousands separated, whole units ("$12,345"; "-$5";
/// "—" when unknown). Cents are rounded half away from zero.
pub fn money(cents: Option<Cents>, currency: &str) -> String {
    let Some(c) = cents else { return "—".into() };
    let units = (c as f64 / 100.0).round() as i64;
    let digits = units.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{}{currency}{grouped}", if units < 0 { "-" } else { "" })
}

/// Cents as the JSON's currency units (12345 cents → 123.45).
pub fn units(cents: Cents) -> f64 {
    cents as f64 / 100.0
}

/// A period as JSON shows it: both ends included.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PeriodOut {
    /// The preset's key (`this-month`…, `custom`).
    pub preset: &'static str,
    pub label: String,
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl PeriodOut {
    pub fn of(p: &Period) -> PeriodOut {
        PeriodOut { preset: p.preset.key(), label: p.describe(), first: p.from, last: p.last() }
    }
}

/// One deal as every list shows it. Amounts in currency units.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DealRow {
    pub id: String,
    pub name: String,
    pub stage: String,
    /// open, won or lost.
    pub category: &'static str,
    pub pipeline: Option<String>,
    pub owner: Option<String>,
    pub owner_id: Option<String>,
    pub account: Option<String>,
    pub amount: Option<f64>,
    /// The deal's probability, else its stage's (percent).
    pub probability: Option<u8>,
    pub closing_date: Option<NaiveDate>,
    pub lead_source: Option<String>,
}

impl DealRow {
    pub fn of(d: &Deal, category: DealCategory, probability: Option<u8>) -> DealRow {
        DealRow {
            id: d.id.clone(),
            name: d.name.clone(),
            stage: d.stage.clone(),
            category: category.name(),
            pipeline: d.pipeline.clone(),
            owner: d.owner.as_ref().map(|u| u.name.clone()),
            owner_id: d.owner.as_ref().map(|u| u.id.clone()),
            account: d.account.as_ref().map(|a| a.name.clone()),
            amount: d.amount.map(units),
            probability,
            closing_date: d.closing_date,
            lead_source: d.lead_source.clone(),
        }
    }

    /// A deal of the snapshot, with what the book knows of it.
    pub fn from_book(snap: &SalesSnapshot, d: &Deal) -> DealRow {
        match snap.book.index_of(&d.id) {
            Some(i) => {
                let x = snap.book.facts(i);
                DealRow::of(d, x.category, x.probability)
            }
            None => DealRow::of(d, DealCategory::Open, d.probability),
        }
    }

    pub const CSV_HEADER: [&'static str; 11] = [
        "id",
        "name",
        "stage",
        "category",
        "pipeline",
        "owner",
        "account",
        "amount",
        "probability",
        "closing_date",
        "lead_source",
    ];

    pub fn csv_fields(&self) -> Vec<String> {
        let o = |s: &Option<String>| s.clone().unwrap_or_default();
        vec![
            self.id.clone(),
            self.name.clone(),
            self.stage.clone(),
            self.category.into(),
            o(&self.pipeline),
            o(&self.owner),
            o(&self.account),
            self.amount.map(|a| format!("{a:.2}")).unwrap_or_default(),
            self.probability.map(|p| p.to_string()).unwrap_or_default(),
            self.closing_date.map(|d| d.to_string()).unwrap_or_default(),
            o(&self.lead_source),
        ]
    }
}

/// One lead as a drill-down shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LeadRow {
    pub id: String,
    pub name: String,
    pub company: Option<String>,
    pub stage: Option<String>,
    pub lead_source: Option<String>,
    pub owner: Option<String>,
    pub created: NaiveDate,
}

impl LeadRow {
    pub fn of(l: &LeadFact, created: NaiveDate) -> LeadRow {
        LeadRow {
            id: l.id.clone(),
            name: l.name.clone(),
            company: l.company.clone(),
            stage: l.stage.clone(),
            lead_source: l.lead_source.clone(),
            owner: l.owner_name.clone().or_else(|| l.owner_id.clone()),
            created,
        }
    }

    pub const CSV_HEADER: [&'static str; 7] = ["id", "name", "company", "stage", "lead_source", "owner", "created"];

    pub fn csv_fields(&self) -> Vec<String> {
        let o = |s: &Option<String>| s.clone().unwrap_or_default();
        vec![
            self.id.clone(),
            self.name.clone(),
            o(&self.company),
            o(&self.stage),
            o(&self.lead_source),
            o(&self.owner),
            self.created.to_string(),
        ]
    }
}

/// Which `[[targets]]` apply to a filter: a target applies when the people it covers are
/// exactly the people the filter counts — the org's for everyone, an owner's for that owner
/// alone, a team's for that team. With a lead source or pipeline filter none applies (targets
/// are set per person, not per source or pipeline).
pub fn target_applies(snap: &SalesSnapshot, ctx: &SalesContext, f: &Filter) -> impl Fn(&TargetWho) -> bool {
    let plain = f.lead_source.is_none() && f.pipeline.is_none();
    let people: Option<BTreeSet<String>> = match &f.scope {
        Scope::Everyone => None,
        Scope::Owners(ids) => Some(ids.clone()),
    };
    let resolve = |typed: &str| -> Vec<String> {
        let found: Vec<String> = snap.directory.find_user(typed).into_iter().map(|u| u.id.clone()).collect();
        if !found.is_empty() {
            return found;
        }
        snap.known_owners()
            .into_iter()
            .filter(|(id, name)| id == typed.trim() || name.eq_ignore_ascii_case(typed.trim()))
            .map(|(id, _)| id)
            .collect()
    };
    let owners: Vec<(TargetWho, BTreeSet<String>)> = ctx
        .sales
        .targets
        .iter()
        .filter_map(|t| match &t.who {
            TargetWho::Org => None,
            TargetWho::Owner(o) => Some((t.who.clone(), resolve(o).into_iter().collect())),
            TargetWho::Team(m) => {
                let set = resolve(m).first().map(|id| snap.directory.team(id, ctx.teams)).unwrap_or_default();
                Some((t.who.clone(), set))
            }
        })
        .collect();
    move |who: &TargetWho| {
        plain
            && match (who, &people) {
                (TargetWho::Org, None) => true,
                (TargetWho::Org, Some(_)) | (_, None) => false,
                (w, Some(p)) => owners.iter().any(|(x, set)| x == w && !set.is_empty() && set == p),
            }
    }
}
