//! Typed configuration: a TOML file plus the environment, checked once at start.
//!
//! The rooms: `file.rs` mirrors the file as written, with its defaults (serde structs that reject
//! unknown keys, so a typo is named rather than silently ignored); `values.rs` parses the typed
//! values a key holds; `validate.rs` turns each table into the values below, valid by
//! construction; `file_errors.rs` words the file's syntax errors. Secrets come from the
//! environment only and live in `SecretString`, whose `Debug` prints `[REDACTED]`: a secret found
//! in the file is refused, and no error ever quotes a line of the file (it may hold a pasted
//! token) — errors name the key and the line number.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::num::NonZeroU64;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{NaiveDate, NaiveTime, Weekday};
use chrono_tz::Tz;
use secrecy::SecretString;

mod actions;
mod alerts;
mod file;
mod file_errors;
mod sales;
mod salesforce;
#[cfg(test)]
mod tests;
mod validate;
mod values;

pub use actions::ActionsConfig;
pub use alerts::AlertsConfig;
pub use file::{DEFAULT_CLOSED_STAGES, DEFAULT_DELIVERED_STAGES, DEFAULT_GREEN_STAGES};
pub use sales::{SalesConfig, Target, TargetMetric, TargetPeriod, TargetWho, DEFAULT_MQL_STAGES, DEFAULT_SQL_STAGES};
pub use salesforce::{SalesforceAuth, SalesforceConfig, SALESFORCE_CLIENT_SECRET, SALESFORCE_REFRESH_TOKEN};
pub use values::DataCenter;

/// A configuration problem, phrased so the person editing the file knows what to change.
#[derive(Debug, thiserror::Error)]
#[error("config: {0}")]
pub struct ConfigError(pub String);

fn bad(key: &str, why: impl fmt::Display) -> ConfigError {
    ConfigError(format!("{key}: {why}"))
}

/// Which CRM the sync reads (`[crm] kind`, default `"zoho"`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CrmKind {
    #[default]
    Zoho,
    /// `[crm] kind = "salesforce"`: `[salesforce]` says how to reach it.
    Salesforce,
}

impl CrmKind {
    /// The CRM's name as people write it.
    pub fn name(self) -> &'static str {
        match self {
            CrmKind::Zoho => "Zoho CRM",
            CrmKind::Salesforce => "Salesforce",
        }
    }

    /// The CRM's name in a sentence: "is in Zoho", "Salesforce refused…".
    pub fn short(self) -> &'static str {
        match self {
            CrmKind::Zoho => "Zoho",
            CrmKind::Salesforce => "Salesforce",
        }
    }
}

/// Where appointments come from (`[appointments] source`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppointmentSource {
    /// Zoho Meetings (module `Events`) related to the lead via `What_Id` + `$se_module`.
    Events,
    /// The `Appointments__s` module, `Appointment_For` the lead; Cancelled ones are ignored.
    Appointments,
    /// A date or datetime field on the lead itself.
    Field(String),
}

#[derive(Clone, Debug)]
pub struct ZohoConfig {
    pub data_center: DataCenter,
    pub accounts_url: String,
    pub api_domain: String,
    pub api_version: String,
    pub client_id: String,
    pub client_secret: Option<SecretString>,
    pub refresh_token: Option<SecretString>,
    pub stage_field: String,
    pub locator_field: String,
    pub concurrency: usize,
    pub timeout: Duration,
    pub max_retries: u32,
    pub retry_base: Duration,
}

impl ZohoConfig {
    /// The client secret and refresh token, which every call to Zoho needs.
    pub fn secrets(&self) -> Result<(SecretString, SecretString), ConfigError> {
        let secret = self.client_secret.clone().ok_or_else(|| {
            ConfigError(
                "ZOHO_CLIENT_SECRET is not set: export the client secret from the Zoho API console \
                 (Self Client → Client Secret)"
                    .into(),
            )
        })?;
        let refresh = self.refresh_token.clone().ok_or_else(|| {
            ConfigError(
                "ZOHO_REFRESH_TOKEN is not set: generate a grant code in the Zoho API console and exchange \
                 it for a refresh token (see README)"
                    .into(),
            )
        })?;
        Ok((secret, refresh))
    }

    /// A client configuration for a Zoho-compatible server on this machine (the sandbox, for
    /// the demo, tests and benchmarks): `url` serves both the token endpoint and the API, and
    /// `[client_id, client_secret, refresh_token]` are the OAuth client it accepts. Retries are
    /// quick, so tests that inject faults do not wait out production backoffs.
    pub fn local(url: &str, [client_id, client_secret, refresh_token]: [&str; 3]) -> ZohoConfig {
        ZohoConfig {
            data_center: DataCenter::Us,
            accounts_url: url.to_string(),
            api_domain: url.to_string(),
            api_version: "v7".into(),
            client_id: client_id.into(),
            client_secret: Some(SecretString::from(client_secret)),
            refresh_token: Some(SecretString::from(refresh_token)),
            stage_field: "Lead_Status".into(),
            locator_field: "Owner".into(),
            concurrency: 5,
            timeout: Duration::from_secs(10),
            max_retries: 5,
            retry_base: Duration::from_millis(20),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Thresholds {
    pub at_risk_days: u32,
    pub stale_days: u32,
}

#[derive(Clone, Debug)]
pub struct RulesConfig {
    pub timezone: Tz,
    pub default: Thresholds,
    pub per_stage: BTreeMap<String, Thresholds>,
    pub closed_stages: Vec<String>,
    pub green_stages: Vec<String>,
    pub delivered_stages: Vec<String>,
    pub green_stuck_days: u32,
    pub business_days: bool,
    pub holidays: Vec<NaiveDate>,
}

impl RulesConfig {
    pub fn thresholds_for(&self, stage: Option<&str>) -> &Thresholds {
        stage.and_then(|s| self.per_stage.get(s)).unwrap_or(&self.default)
    }

    pub fn is_closed_stage(&self, stage: Option<&str>) -> bool {
        stage.is_some_and(|s| self.closed_stages.iter().any(|c| c == s))
    }

    pub fn is_green_stage(&self, stage: Option<&str>) -> bool {
        stage.is_some_and(|s| self.green_stages.iter().any(|c| c == s))
    }
}

impl Default for RulesConfig {
    /// The `[rules]` of a file that leaves the table out.
    fn default() -> Self {
        validate::rules(file::RawRules::default()).expect("defaults are valid")
    }
}

/// Discord ids are never 0 (serenity panics on one): the two that become serenity ids are typed
/// non-zero, and 0 is refused in the lists too.
#[derive(Clone, Debug)]
pub struct DiscordConfig {
    pub guild_id: Option<NonZeroU64>,
    /// Where the digest goes; also a channel the bot answers in.
    pub channel_id: Option<NonZeroU64>,
    /// Every channel the bot answers in (`channel_id` and `extra_channel_ids`); none is 0.
    pub channel_ids: Vec<u64>,
    /// Members with one of these roles may use the bot (administrators always may); none is 0.
    pub allowed_roles: Vec<u64>,
    pub api_base: Option<String>,
    pub token: Option<SecretString>,
}

#[derive(Clone, Debug)]
pub struct DigestConfig {
    pub time: NaiveTime,
    pub days: Vec<Weekday>,
    /// A digest missed at its time is still sent on start until this local time.
    pub cutoff: NaiveTime,
    /// On a day with nothing stale, at risk or booked: post nothing (instead of one line).
    pub skip_when_quiet: bool,
    /// Offer each linked member their own morning digest by DM (they opt in).
    pub personal: bool,
}

/// Discord role ids per Panopticon role (`[roles]`); none is 0.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoleIds {
    pub coordinator: Vec<u64>,
    pub manager: Vec<u64>,
    pub member: Vec<u64>,
    pub viewer: Vec<u64>,
}

/// Who is who: `[roles]` and `[teams]` (see `people`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeopleConfig {
    pub roles: RoleIds,
    /// A manager (CRM user id, email or name) → more users on their team than the CRM's role
    /// hierarchy gives (each an id, email or name).
    pub teams: BTreeMap<String, Vec<String>>,
}

/// `[sync]` for the running bot: how often it syncs by itself, when, and how often `/refresh`
/// may spend Zoho's API credits.
#[derive(Clone, Debug)]
pub struct SyncConfig {
    /// Time between scheduled syncs; `None` (`every = 0` or `"off"`): only the digest's sync and
    /// `/refresh`.
    pub every: Option<Duration>,
    /// Scheduled syncs run only inside this daily window; `None`: all day.
    pub hours: Option<SyncHours>,
    /// Least time between two syncs started by `/refresh`; zero: none.
    pub refresh_cooldown: Duration,
}

/// The least `[sync] every` against a real Zoho: each incremental sync costs one call per
/// endpoint even when nothing changed, and Zoho counts them against the org's daily credits.
/// Against a server on this machine (the sandbox in tests) seconds are allowed.
pub const MIN_SYNC_EVERY: Duration = Duration::from_secs(60);

/// A daily window of wall-clock time in the business zone; it may cross midnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyncHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl SyncHours {
    /// Whether the local time `t` falls in the window (start included, end excluded). Taking the
    /// wall-clock time of the moment in the zone keeps it right across DST changes.
    pub fn contains(&self, t: NaiveTime) -> bool {
        if self.start < self.end {
            self.start <= t && t < self.end
        } else {
            t >= self.start || t < self.end
        }
    }
}

/// How the bot's log lines are written (`[ops] log_format`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// One readable line per event (coloured only on a terminal).
    #[default]
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

#[derive(Clone, Debug, Default)]
pub struct OpsConfig {
    pub log_format: LogFormat,
    /// Where `/healthz` and `/metrics` are served (`[ops] listen`); `None`: not at all.
    pub listen: Option<SocketAddr>,
}

#[derive(Clone, Debug)]
pub struct Config {
    /// Which CRM to read (`[crm] kind`); `crm::connect` turns it into a client.
    pub crm: CrmKind,
    /// `[zoho]`; its `client_id` may be empty when the CRM is not Zoho.
    pub zoho: ZohoConfig,
    /// `[salesforce]`: `Some` exactly when `crm` is `Salesforce`.
    pub salesforce: Option<SalesforceConfig>,
    pub appointments: AppointmentSource,
    pub rules: RulesConfig,
    pub storage_path: PathBuf,
    /// Days of sync runs and digests kept in the database (`[storage] keep_runs_days`).
    pub keep_runs_days: u32,
    /// A view warns when the last good sync is older than this.
    pub sync_max_age: Duration,
    /// The bot's own syncs and the `/refresh` cooldown.
    pub sync: SyncConfig,
    pub ops: OpsConfig,
    pub discord: DiscordConfig,
    pub digest: DigestConfig,
    pub people: PeopleConfig,
    /// The accountability loop (`[alerts]`).
    pub alerts: AlertsConfig,
    /// The write-back actions (`[actions]`), off by default.
    pub actions: ActionsConfig,
    /// The sales dashboard (`[sales]`, `[[targets]]`).
    pub sales: SalesConfig,
    /// Rows per rendered table image; longer lists are paged.
    pub rows_per_image: usize,
    /// Font files for scripts the embedded Noto Sans lacks (CJK…), tried in order.
    pub fallback_fonts: Vec<PathBuf>,
    /// Also look for such fonts among the machine's (after `fallback_fonts`).
    pub system_fonts: bool,
}

/// Reads a variable, treating empty as unset.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl Config {
    /// Loads the file at `path`; secrets come from `env`.
    pub fn load(path: &Path, env: Env) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigError(format!(
                "cannot read {} ({e}). Copy config.example.toml to config.toml, or pass --config PATH.",
                path.display()
            ))
        })?;
        Config::from_toml(&text, env).map_err(|e| ConfigError(format!("{}: {}", path.display(), e.0)))
    }

    pub fn from_toml(text: &str, env: Env) -> Result<Config, ConfigError> {
        let raw: file::RawConfig = toml::from_str(text).map_err(|e| file_errors::parse_error(text, &e))?;
        // One table at a time; the first problem stops the load (a file with two problems is told the first).
        let crm = validate::crm_kind(raw.crm)?;
        let zoho = validate::zoho(raw.zoho, env, crm)?;
        let salesforce = match crm {
            CrmKind::Salesforce => Some(salesforce::salesforce(raw.salesforce, env)?),
            CrmKind::Zoho => None,
        };
        let appointments = validate::appointments(raw.appointments, crm)?;
        let rules = validate::rules(raw.rules)?;
        let sync_max_age = validate::sync_max_age(raw.sync.max_age_hours)?;
        let api_base = salesforce.as_ref().map_or(zoho.api_domain.as_str(), |s| s.login_url.as_str());
        let sync = validate::sync(&raw.sync, api_base)?;
        let ops = validate::ops(&raw.ops)?;
        let storage_path = validate::storage_path(raw.storage.path)?;
        let keep_runs_days = validate::keep_runs_days(raw.storage.keep_runs_days)?;
        let people = validate::people(raw.roles, raw.teams, &raw.discord.allowed_roles)?;
        let discord = validate::discord(raw.discord, env)?;
        let digest = validate::digest(raw.digest)?;
        let alerts = alerts::alerts(raw.alerts)?;
        let actions = actions::actions(raw.actions)?;
        let sales = sales::sales(raw.sales, raw.targets)?;
        let rows_per_image = validate::rows_per_image(&raw.render)?;
        Ok(Config {
            crm,
            zoho,
            salesforce,
            appointments,
            rules,
            storage_path,
            keep_runs_days,
            sync_max_age,
            sync,
            ops,
            discord,
            digest,
            people,
            alerts,
            actions,
            sales,
            rows_per_image,
            fallback_fonts: raw.render.fallback_fonts,
            system_fonts: raw.render.system_fonts,
        })
    }
}
