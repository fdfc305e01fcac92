//! The org's sales records as plain data (reference/zoho-api-more.md §1–5): deals with their
//! stage history, calls, accounts, contacts, and the Deals `Stage` picklist. Tasks stay in
//! `Org::tasks` and meetings in `Org::events`, one store per Zoho module; `crate::sales` edits,
//! serves and generates these.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value};

use super::Related;

/// One stage of the Deals `Stage` picklist: what `/settings/fields?module=Deals` serves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StageDef {
    pub name: &'static str,
    pub sequence: u32,
    /// The stage's default probability; a deal entering it takes this one.
    pub probability: u8,
    /// Zoho's `forecast_type` (the deal category): `Open`, `Closed Won` or `Closed Lost`.
    pub forecast_type: &'static str,
    /// Zoho's forecast category: `Pipeline`, `Closed` or `Omitted`.
    pub forecast_category: &'static str,
}

const fn stage(
    name: &'static str,
    sequence: u32,
    probability: u8,
    forecast_type: &'static str,
    forecast_category: &'static str,
) -> StageDef {
    StageDef { name, sequence, probability, forecast_type, forecast_category }
}

/// The org's deal stages in pipeline order (the contract's table).
pub const DEAL_STAGES: &[StageDef] = &[
    stage("Qualification", 1, 10, "Open", "Pipeline"),
    stage("Needs Analysis", 2, 20, "Open", "Pipeline"),
    stage("Value Proposition", 3, 40, "Open", "Pipeline"),
    stage("Id. Decision Makers", 4, 60, "Open", "Pipeline"),
    stage("Proposal/Price Quote", 5, 75, "Open", "Pipeline"),
    stage("Negotiation/Review", 6, 90, "Open", "Pipeline"),
    stage("Closed Won", 7, 100, "Closed Won", "Closed"),
    stage("Closed Lost", 8, 0, "Closed Lost", "Omitted"),
    stage("Closed Lost to Competition", 9, 0, "Closed Lost", "Omitted"),
];

/// The org's pipelines.
pub const PIPELINES: &[&str] = &["Standard (Standard)", "Renewals"];

/// The stage called `name`, if the picklist has it.
pub fn stage_def(name: &str) -> Option<&'static StageDef> {
    DEAL_STAGES.iter().find(|s| s.name == name)
}

/// One row of a deal's stage history (`Stage_History`): the stage the deal entered at `at`,
/// with the amount, probability and closing date it had then, and who moved it.
#[derive(Clone, Debug, PartialEq)]
pub struct SDealStage {
    pub id: String,
    pub stage: String,
    pub amount: Option<f64>,
    pub probability: u8,
    pub closing: Option<NaiveDate>,
    pub at: DateTime<Utc>,
    /// The user who moved it (a user id).
    pub by_id: String,
}

#[derive(Clone, Debug)]
pub struct SDeal {
    pub id: String,
    pub name: String,
    pub stage: String,
    pub pipeline: Option<String>,
    /// In the org's currency, whole units with cents as decimals (Zoho's JSON number).
    pub amount: Option<f64>,
    pub probability: u8,
    pub closing: Option<NaiveDate>,
    pub account: Option<Related>,
    pub contact: Option<Related>,
    pub lead_source: Option<String>,
    /// Zoho's `Type`: New Business or Existing Business.
    pub kind: Option<String>,
    pub owner_id: String,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    /// Oldest first; the last row is the deal's current stage.
    pub history: Vec<SDealStage>,
    /// Raw JSON values that replace rendered fields: how hostile deals are planted.
    pub overrides: Map<String, Value>,
}

impl SDeal {
    /// Zoho's system-computed expected revenue: amount × probability.
    pub fn expected_revenue(&self) -> Option<f64> {
        self.amount.map(|a| (a * f64::from(self.probability)).round() / 100.0)
    }
}

/// A call (`Calls`). Outbound calls carry `Outgoing_Call_Status` (Scheduled or Completed);
/// Inbound and Missed calls have none.
#[derive(Clone, Debug)]
pub struct SCall {
    pub id: String,
    pub subject: String,
    /// Inbound, Outbound or Missed.
    pub call_type: String,
    pub start: DateTime<Utc>,
    pub duration_secs: u32,
    pub status: Option<String>,
    pub what: Option<Related>,
    pub who: Option<Related>,
    pub owner_id: String,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct SAccount {
    pub id: String,
    pub name: String,
    pub industry: Option<String>,
    pub owner_id: String,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct SContact {
    pub id: String,
    pub first_name: Option<String>,
    pub last_name: String,
    pub email: Option<String>,
    pub account: Option<Related>,
    pub owner_id: String,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
}

impl SContact {
    pub fn full_name(&self) -> String {
        match &self.first_name {
            Some(f) => format!("{f} {}", self.last_name),
            None => self.last_name.clone(),
        }
    }
}

/// The sales records of an org, by id.
#[derive(Clone, Debug, Default)]
pub struct Sales {
    pub deals: BTreeMap<String, SDeal>,
    pub calls: BTreeMap<String, SCall>,
    pub accounts: BTreeMap<String, SAccount>,
    pub contacts: BTreeMap<String, SContact>,
}
