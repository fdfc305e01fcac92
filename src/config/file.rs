//! The config file as written: serde structs that mirror its tables and carry its defaults.
//!
//! Every table rejects unknown keys, so a typo is named rather than silently ignored. A key left
//! out takes its default here (`#[serde(default)]` on each table, with `Default` spelling the
//! values), so the checks in `validate.rs` see one value per key. Keys whose absence means
//! something (a default that depends on another key, an optional id) stay `Option`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

/// The stage picklist of the vending org this tool was built for; override in `[rules]`.
pub const DEFAULT_CLOSED_STAGES: &[&str] = &["Delivered", "Dead", "Junk Lead", "Lost Lead"];
pub const DEFAULT_GREEN_STAGES: &[&str] = &["Green - Approved", "Green - Install Scheduled"];
pub const DEFAULT_DELIVERED_STAGES: &[&str] = &["Delivered"];

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawConfig {
    pub crm: RawCrm,
    pub zoho: RawZoho,
    pub salesforce: super::salesforce::RawSalesforce,
    pub appointments: RawAppointments,
    pub rules: RawRules,
    pub storage: RawStorage,
    pub sync: RawSync,
    pub discord: RawDiscord,
    pub digest: RawDigest,
    pub roles: RawRoles,
    /// `[teams]`: a manager (CRM user id, email or name) → more users on their team.
    pub teams: BTreeMap<String, Vec<String>>,
    pub render: RawRender,
    pub ops: RawOps,
    pub alerts: super::alerts::RawAlerts,
    pub actions: super::actions::RawActions,
    pub sales: super::sales::RawSales,
    pub targets: Vec<super::sales::RawTarget>,
}

/// `[crm]`: which CRM to read; absent means Zoho.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawCrm {
    pub kind: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawRender {
    pub rows_per_image: usize,
    pub fallback_fonts: Vec<PathBuf>,
    pub system_fonts: bool,
}

impl Default for RawRender {
    fn default() -> Self {
        RawRender { rows_per_image: 25, fallback_fonts: Vec::new(), system_fonts: false }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawZoho {
    pub data_center: String,
    /// Unset: the data centre's own.
    pub accounts_url: Option<String>,
    /// Unset: the data centre's own.
    pub api_domain: Option<String>,
    pub api_version: String,
    /// Unset is an error (named there): there is no sensible default.
    pub client_id: Option<String>,
    pub concurrency: usize,
    pub timeout_secs: f64,
    pub max_retries: u32,
    pub retry_base_ms: u64,
    pub fields: RawFields,
}

impl Default for RawZoho {
    fn default() -> Self {
        RawZoho {
            data_center: "us".into(),
            accounts_url: None,
            api_domain: None,
            api_version: "v7".into(),
            client_id: None,
            concurrency: 5,
            timeout_secs: 30.0,
            max_retries: 5,
            retry_base_ms: 500,
            fields: RawFields::default(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawFields {
    pub stage: String,
    pub locator: String,
}

impl Default for RawFields {
    fn default() -> Self {
        RawFields { stage: "Lead_Status".into(), locator: "Owner".into() }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawAppointments {
    pub source: String,
    /// Required when `source = "field"` (checked there).
    pub field: Option<String>,
}

impl Default for RawAppointments {
    fn default() -> Self {
        RawAppointments { source: "events".into(), field: None }
    }
}

/// Per-stage thresholds: both keys are required.
#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub(super) struct RawThresholds {
    pub at_risk_days: u32,
    pub stale_days: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawRules {
    pub timezone: String,
    pub at_risk_days: u32,
    pub stale_days: u32,
    pub closed_stages: Vec<String>,
    pub green_stages: Vec<String>,
    pub delivered_stages: Vec<String>,
    pub green_stuck_days: u32,
    pub business_days: bool,
    pub holidays: Vec<String>,
    pub stage_thresholds: BTreeMap<String, RawThresholds>,
}

impl Default for RawRules {
    fn default() -> Self {
        RawRules {
            timezone: "America/New_York".into(),
            at_risk_days: 5,
            stale_days: 7,
            closed_stages: strings(DEFAULT_CLOSED_STAGES),
            green_stages: strings(DEFAULT_GREEN_STAGES),
            delivered_stages: strings(DEFAULT_DELIVERED_STAGES),
            green_stuck_days: 14,
            business_days: false,
            holidays: Vec::new(),
            stage_thresholds: BTreeMap::new(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawStorage {
    pub path: PathBuf,
    pub keep_runs_days: u32,
}

impl Default for RawStorage {
    fn default() -> Self {
        RawStorage { path: PathBuf::from("panopticon.db"), keep_runs_days: crate::store::DEFAULT_KEEP_DAYS }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawSync {
    pub max_age_hours: f64,
    /// The bot's scheduled sync: `"15m"`, `"90s"`, `"1h"`, minutes as a number, or `0`/`"off"`.
    /// Kept as written (a string or a number) so `validate.rs` can word the error.
    pub every: toml::Value,
    /// `"HH:MM-HH:MM"` in `[rules] timezone`; unset: all day.
    pub hours: Option<String>,
    /// Least time between two syncs started by `/refresh`; the same forms as `every`.
    pub refresh_cooldown: toml::Value,
}

impl Default for RawSync {
    fn default() -> Self {
        RawSync {
            max_age_hours: 24.0,
            every: toml::Value::String("15m".into()),
            hours: None,
            refresh_cooldown: toml::Value::String("2m".into()),
        }
    }
}

/// `[ops]`: how the running bot presents itself to its operators.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawOps {
    pub log_format: String,
    /// Unset: no health or metrics endpoint.
    pub listen: Option<String>,
}

impl Default for RawOps {
    fn default() -> Self {
        RawOps { log_format: "text".into(), listen: None }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawDiscord {
    pub guild_id: Option<u64>,
    pub channel_id: Option<u64>,
    pub extra_channel_ids: Vec<u64>,
    pub allowed_roles: Vec<u64>,
    pub api_base: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawDigest {
    pub time: String,
    pub days: Vec<String>,
    pub cutoff: String,
    pub skip_when_quiet: bool,
    pub personal: bool,
}

/// `[roles]`: Discord role ids per Panopticon role.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawRoles {
    pub coordinator: Vec<u64>,
    pub manager: Vec<u64>,
    pub member: Vec<u64>,
    pub viewer: Vec<u64>,
}

impl Default for RawDigest {
    fn default() -> Self {
        RawDigest {
            time: "08:00".into(),
            days: strings(&["Mon", "Tue", "Wed", "Thu", "Fri"]),
            cutoff: "12:00".into(),
            skip_when_quiet: false,
            personal: false,
        }
    }
}
