//! The sales side of the CRM (issue 16): deals and their stage history, calls, tasks and
//! meetings, accounts and contacts, and what each deal stage means (probability, won / lost /
//! open). These are the values the CRM client produces, the store keeps and the KPIs read —
//! one set of types from wire to chart, each field already parsed.
//!
//! Money is kept in cents (`i64`): a sum over fifty thousand deals must come out to the cent,
//! whatever order it is added in.

pub mod forecast;
pub mod kpi;
pub mod period;

use chrono::NaiveDate;

use crate::crm::UserRef;
use crate::time::Stamp;

/// Whole cents. Zoho sends currency as a JSON number with up to 9 decimals; it is rounded to
/// the cent once, when read.
pub type Cents = i64;

/// A lookup to another record (`{"name","id"}` in Zoho).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordRef {
    pub id: String,
    pub name: String,
}

/// One deal (Zoho `Deals`; Salesforce `Opportunity`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deal {
    pub id: String,
    pub name: String,
    pub stage: String,
    /// `None` when the CRM has no pipelines enabled.
    pub pipeline: Option<String>,
    pub amount: Option<Cents>,
    /// The deal's own probability in percent (0–100); may differ from its stage's default.
    pub probability: Option<u8>,
    /// Zoho's system-computed amount × probability.
    pub expected_revenue: Option<Cents>,
    pub closing_date: Option<NaiveDate>,
    pub account: Option<RecordRef>,
    pub contact: Option<RecordRef>,
    pub lead_source: Option<String>,
    pub owner: Option<UserRef>,
    /// Zoho's `Type` (New Business / Existing Business…).
    pub kind: Option<String>,
    pub created_at: Stamp,
    pub modified_at: Stamp,
}

/// One row of a deal's stage history (Zoho's `Stage_History` related list): the stage the deal
/// entered at `at`, with the amount, probability and closing date it had then.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DealStage {
    pub id: String,
    pub deal_id: String,
    pub stage: String,
    pub at: Stamp,
    pub amount: Option<Cents>,
    pub probability: Option<u8>,
    pub closing_date: Option<NaiveDate>,
    /// Who moved it (a CRM user's name), when the CRM says.
    pub by: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActivityKind {
    Call,
    Task,
    Meeting,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 3] = [ActivityKind::Call, ActivityKind::Task, ActivityKind::Meeting];

    /// The stored and JSON name.
    pub fn name(self) -> &'static str {
        match self {
            ActivityKind::Call => "call",
            ActivityKind::Task => "task",
            ActivityKind::Meeting => "meeting",
        }
    }

    pub fn parse(text: &str) -> Option<ActivityKind> {
        ActivityKind::ALL.into_iter().find(|k| k.name() == text)
    }

    /// The CRM module it comes from.
    pub fn module(self) -> SalesModule {
        match self {
            ActivityKind::Call => SalesModule::Calls,
            ActivityKind::Task => SalesModule::Tasks,
            ActivityKind::Meeting => SalesModule::Events,
        }
    }
}

/// What an activity is about (`What_Id` + `$se_module` in Zoho): a lead, a deal, an account…
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    /// The CRM module's API name (`Leads`, `Deals`, `Accounts`…).
    pub module: String,
    pub id: String,
    /// The record's name when the CRM sent it.
    pub name: Option<String>,
}

/// A call, task or meeting. Ids are unique across kinds: `Calls:<id>`, `Tasks:<id>`, `Events:<id>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Activity {
    pub id: String,
    pub kind: ActivityKind,
    pub subject: String,
    pub owner: Option<UserRef>,
    pub what: Option<Related>,
    /// The contact it is with (`Who_Id`), when any.
    pub who: Option<RecordRef>,
    /// When it happens: a call's start, a meeting's start. `None` for a task.
    pub at: Option<Stamp>,
    /// A task's due date.
    pub due: Option<NaiveDate>,
    /// The CRM's status text as sent (a task's `Status`, a call's `Outgoing_Call_Status`…).
    pub status: Option<String>,
    /// Done: a task's `Closed_Time` (or status Completed), a completed call, a meeting that
    /// has ended. `None` while open.
    pub completed_at: Option<Stamp>,
    /// A call's type (Inbound / Outbound / Missed).
    pub call_type: Option<String>,
    pub duration_secs: Option<u32>,
    pub created_at: Stamp,
    pub modified_at: Stamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub name: String,
    pub owner: Option<UserRef>,
    pub industry: Option<String>,
    pub modified_at: Stamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub account: Option<RecordRef>,
    pub owner: Option<UserRef>,
    pub modified_at: Stamp,
}

/// Where a deal in a stage stands: Zoho's *deal category* (formerly forecast type).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DealCategory {
    Open,
    Won,
    Lost,
}

impl DealCategory {
    pub fn name(self) -> &'static str {
        match self {
            DealCategory::Open => "open",
            DealCategory::Won => "won",
            DealCategory::Lost => "lost",
        }
    }

    pub fn parse(text: &str) -> Option<DealCategory> {
        [DealCategory::Open, DealCategory::Won, DealCategory::Lost].into_iter().find(|c| c.name() == text)
    }

    /// Zoho's `forecast_type` ("Open", "Closed Won", "Closed Lost"); anything else is unknown.
    pub fn from_zoho(forecast_type: &str) -> Option<DealCategory> {
        match forecast_type.trim().to_ascii_lowercase().as_str() {
            "open" => Some(DealCategory::Open),
            "closed won" | "won" => Some(DealCategory::Won),
            "closed lost" | "lost" => Some(DealCategory::Lost),
            _ => None,
        }
    }
}

/// What one deal stage means, from the CRM's stage–probability mapping. Stages may differ per
/// pipeline; `pipeline: None` is the org-wide mapping (the `Stage` field's picklist).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageInfo {
    pub pipeline: Option<String>,
    /// The stage's actual value (what deals carry).
    pub stage: String,
    /// Order in the pipeline, from 1.
    pub sequence: u32,
    /// The stage's default probability (a deal may override it).
    pub probability: Option<u8>,
    pub category: DealCategory,
    /// Zoho's forecast category name (Pipeline / Closed / Omitted), when sent.
    pub forecast_category: Option<String>,
}

/// The sales modules the sync reads besides leads and appointments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SalesModule {
    Deals,
    Calls,
    Tasks,
    /// Every meeting, not only lead appointments.
    Events,
    Accounts,
    Contacts,
}

impl SalesModule {
    pub const ALL: [SalesModule; 6] = [
        SalesModule::Deals,
        SalesModule::Calls,
        SalesModule::Tasks,
        SalesModule::Events,
        SalesModule::Accounts,
        SalesModule::Contacts,
    ];

    /// Whether its records are activities (stored together, ids prefixed with the module).
    pub fn is_activity(self) -> bool {
        matches!(self, SalesModule::Calls | SalesModule::Tasks | SalesModule::Events)
    }

    /// The id a record of this module is stored under: `Calls:<id>` for an activity (ids are
    /// unique only within a module), the CRM's id otherwise.
    pub fn stored_id(self, crm_id: &str) -> String {
        if self.is_activity() {
            format!("{}:{crm_id}", self.api_name())
        } else {
            crm_id.to_string()
        }
    }

    /// Zoho's module API name, also the sync's watermark key and call-count endpoint.
    pub fn api_name(self) -> &'static str {
        match self {
            SalesModule::Deals => "Deals",
            SalesModule::Calls => "Calls",
            SalesModule::Tasks => "Tasks",
            SalesModule::Events => "Events",
            SalesModule::Accounts => "Accounts",
            SalesModule::Contacts => "Contacts",
        }
    }
}

/// One record of a sales module, as a listing yields it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SalesRecord {
    Deal(Deal),
    Activity(Activity),
    Account(Account),
    Contact(Contact),
}

/// The whole synced sales side, as the KPIs read it: loaded once per data version and shared.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SalesData {
    pub deals: Vec<Deal>,
    /// Every deal's stage history, by deal id then time, oldest first.
    pub stages: Vec<DealStage>,
    pub activities: Vec<Activity>,
    pub accounts: Vec<Account>,
    pub contacts: Vec<Contact>,
    pub stage_meta: Vec<StageInfo>,
}
