//! Typed configuration: a TOML file plus the environment, checked once at start.
//!
//! Raw serde structs (`Raw*`) mirror the file and reject unknown keys, so a typo is named
//! rather than silently ignored; `Config::from_toml` then turns them into values that are valid
//! by construction. Secrets come from the environment only and live in `SecretString`, whose
//! `Debug` prints `[REDACTED]`: a secret found in the file is refused, and no error ever quotes
//! a line of the file (it may hold a pasted token) — errors name the key and the line number.

use std::collections::BTreeMap;
use std::fmt;
use std::num::NonZeroU64;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{NaiveDate, NaiveTime, Weekday};
use chrono_tz::Tz;
use secrecy::SecretString;
use serde::Deserialize;

mod file_errors;
use file_errors::parse_error;

/// A configuration problem, phrased so the person editing the file knows what to change.
#[derive(Debug, thiserror::Error)]
#[error("config: {0}")]
pub struct ConfigError(pub String);

fn bad(key: &str, why: impl fmt::Display) -> ConfigError {
    ConfigError(format!("{key}: {why}"))
}

/// Zoho's data centres: each has its own accounts server and API domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataCenter {
    Us,
    Eu,
    In,
    Au,
    Jp,
    Ca,
    Sa,
    Cn,
}

impl DataCenter {
    pub fn parse(s: &str) -> Result<DataCenter, String> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "us" | "com" => DataCenter::Us,
            "eu" => DataCenter::Eu,
            "in" => DataCenter::In,
            "au" | "com.au" => DataCenter::Au,
            "jp" => DataCenter::Jp,
            "ca" => DataCenter::Ca,
            "sa" => DataCenter::Sa,
            "cn" | "com.cn" => DataCenter::Cn,
            _ => return Err(format!("'{s}' is not a Zoho data centre (one of us, eu, in, au, jp, ca, sa, cn)")),
        })
    }

    pub fn accounts_url(self) -> &'static str {
        match self {
            DataCenter::Us => "https://accounts.zoho.com",
            DataCenter::Eu => "https://accounts.zoho.eu",
            DataCenter::In => "https://accounts.zoho.in",
            DataCenter::Au => "https://accounts.zoho.com.au",
            DataCenter::Jp => "https://accounts.zoho.jp",
            // Canada's accounts server is on zohocloud.ca, unlike every other DC.
            DataCenter::Ca => "https://accounts.zohocloud.ca",
            DataCenter::Sa => "https://accounts.zoho.sa",
            DataCenter::Cn => "https://accounts.zoho.com.cn",
        }
    }

    /// The CRM web app, for links to records.
    pub fn crm_url(self) -> &'static str {
        match self {
            DataCenter::Us => "https://crm.zoho.com",
            DataCenter::Eu => "https://crm.zoho.eu",
            DataCenter::In => "https://crm.zoho.in",
            DataCenter::Au => "https://crm.zoho.com.au",
            DataCenter::Jp => "https://crm.zoho.jp",
            DataCenter::Ca => "https://crm.zohocloud.ca",
            DataCenter::Sa => "https://crm.zoho.sa",
            DataCenter::Cn => "https://crm.zoho.com.cn",
        }
    }

    pub fn api_domain(self) -> &'static str {
        match self {
            DataCenter::Us => "https://www.zohoapis.com",
            DataCenter::Eu => "https://www.zohoapis.eu",
            DataCenter::In => "https://www.zohoapis.in",
            DataCenter::Au => "https://www.zohoapis.com.au",
            DataCenter::Jp => "https://www.zohoapis.jp",
            DataCenter::Ca => "https://www.zohoapis.ca",
            DataCenter::Sa => "https://www.zohoapis.sa",
            DataCenter::Cn => "https://www.zohoapis.com.cn",
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
    fn default() -> Self {
        let raw = RawRules::default();
        rules_from_raw(raw).expect("defaults are valid")
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
}

#[derive(Clone, Debug)]
pub struct Config {
    pub zoho: ZohoConfig,
    pub appointments: AppointmentSource,
    pub rules: RulesConfig,
    pub storage_path: PathBuf,
    /// A view warns when the last good sync is older than this.
    pub sync_max_age: Duration,
    pub discord: DiscordConfig,
    pub digest: DigestConfig,
    /// Rows per rendered table image; longer lists are paged.
    pub rows_per_image: usize,
    /// Font files for scripts the embedded Noto Sans lacks (CJK…), tried in order.
    pub fallback_fonts: Vec<PathBuf>,
    /// Also look for such fonts among the machine's (after `fallback_fonts`).
    pub system_fonts: bool,
}

// ---- the file, as written -------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    zoho: RawZoho,
    #[serde(default)]
    appointments: RawAppointments,
    #[serde(default)]
    rules: RawRules,
    #[serde(default)]
    storage: RawStorage,
    #[serde(default)]
    sync: RawSync,
    #[serde(default)]
    discord: RawDiscord,
    #[serde(default)]
    digest: RawDigest,
    #[serde(default)]
    render: RawRender,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRender {
    rows_per_image: Option<usize>,
    fallback_fonts: Option<Vec<PathBuf>>,
    system_fonts: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawZoho {
    data_center: Option<String>,
    accounts_url: Option<String>,
    api_domain: Option<String>,
    api_version: Option<String>,
    client_id: Option<String>,
    concurrency: Option<usize>,
    timeout_secs: Option<f64>,
    max_retries: Option<u32>,
    retry_base_ms: Option<u64>,
    #[serde(default)]
    fields: RawFields,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFields {
    stage: Option<String>,
    locator: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawAppointments {
    source: Option<String>,
    field: Option<String>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawThresholds {
    at_risk_days: u32,
    stale_days: u32,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRules {
    timezone: Option<String>,
    at_risk_days: Option<u32>,
    stale_days: Option<u32>,
    closed_stages: Option<Vec<String>>,
    green_stages: Option<Vec<String>>,
    delivered_stages: Option<Vec<String>>,
    green_stuck_days: Option<u32>,
    business_days: Option<bool>,
    holidays: Option<Vec<String>>,
    #[serde(default)]
    stage_thresholds: BTreeMap<String, RawThresholds>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawStorage {
    path: Option<PathBuf>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSync {
    max_age_hours: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDiscord {
    guild_id: Option<u64>,
    channel_id: Option<u64>,
    #[serde(default)]
    extra_channel_ids: Vec<u64>,
    #[serde(default)]
    allowed_roles: Vec<u64>,
    api_base: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDigest {
    time: Option<String>,
    days: Option<Vec<String>>,
    cutoff: Option<String>,
    skip_when_quiet: Option<bool>,
}

/// The stage picklist of the vending org this tool was built for; override in `[rules]`.
pub const DEFAULT_CLOSED_STAGES: &[&str] = &["Delivered", "Dead", "Junk Lead", "Lost Lead"];
pub const DEFAULT_GREEN_STAGES: &[&str] = &["Green - Approved", "Green - Install Scheduled"];
pub const DEFAULT_DELIVERED_STAGES: &[&str] = &["Delivered"];

fn strings(v: Option<Vec<String>>, default: &[&str]) -> Vec<String> {
    v.unwrap_or_else(|| default.iter().map(|s| s.to_string()).collect())
}

fn thresholds(key: &str, at_risk: u32, stale: u32) -> Result<Thresholds, ConfigError> {
    if stale == 0 {
        return Err(bad(key, "stale_days must be at least 1"));
    }
    if at_risk > stale {
        return Err(bad(key, format!("at_risk_days ({at_risk}) must not exceed stale_days ({stale})")));
    }
    Ok(Thresholds { at_risk_days: at_risk, stale_days: stale })
}

fn rules_from_raw(r: RawRules) -> Result<RulesConfig, ConfigError> {
    let tz_name = r.timezone.unwrap_or_else(|| "America/New_York".into());
    let timezone: Tz = tz_name.parse().map_err(|_| {
        bad("[rules] timezone", format!("'{tz_name}' is not an IANA time zone (e.g. America/New_York)"))
    })?;
    let default = thresholds("[rules]", r.at_risk_days.unwrap_or(5), r.stale_days.unwrap_or(7))?;
    let mut per_stage = BTreeMap::new();
    for (stage, t) in r.stage_thresholds {
        let key = format!("[rules.stage_thresholds.\"{stage}\"]");
        per_stage.insert(stage, thresholds(&key, t.at_risk_days, t.stale_days)?);
    }
    let holidays = r
        .holidays
        .unwrap_or_default()
        .into_iter()
        .map(|h| {
            NaiveDate::parse_from_str(&h, "%Y-%m-%d")
                .map_err(|_| bad("[rules] holidays", format!("'{h}' is not a date like 2026-12-25")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let closed_stages = strings(r.closed_stages, DEFAULT_CLOSED_STAGES);
    let green_stages = strings(r.green_stages, DEFAULT_GREEN_STAGES);
    let delivered_stages = strings(r.delivered_stages, DEFAULT_DELIVERED_STAGES);
    stage_list("[rules] closed_stages", &closed_stages)?;
    stage_list("[rules] green_stages", &green_stages)?;
    stage_list("[rules] delivered_stages", &delivered_stages)?;
    // A closed lead is never judged, so a closed green stage could never be "stuck in green":
    // one of the two lists is wrong.
    if let Some(s) = green_stages.iter().find(|g| closed_stages.contains(g)) {
        return Err(bad(
            "[rules] green_stages",
            format!("'{s}' is also in closed_stages: a stage is either closed or green, not both"),
        ));
    }
    Ok(RulesConfig {
        timezone,
        default,
        per_stage,
        closed_stages,
        green_stages,
        delivered_stages,
        green_stuck_days: r.green_stuck_days.unwrap_or(14),
        business_days: r.business_days.unwrap_or(false),
        holidays,
    })
}

fn parse_weekday(s: &str) -> Option<Weekday> {
    match s.to_ascii_lowercase().get(..3)? {
        "mon" => Some(Weekday::Mon),
        "tue" => Some(Weekday::Tue),
        "wed" => Some(Weekday::Wed),
        "thu" => Some(Weekday::Thu),
        "fri" => Some(Weekday::Fri),
        "sat" => Some(Weekday::Sat),
        "sun" => Some(Weekday::Sun),
        _ => None,
    }
}

fn url_key(key: &str, v: String) -> Result<String, ConfigError> {
    let parsed = url::Url::parse(&v).map_err(|e| bad(key, format!("'{v}' is not a URL ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad(key, format!("'{v}' must start with https:// (or http:// for a local sandbox)")));
    }
    Ok(v.trim_end_matches('/').to_string())
}

/// Reads a variable, treating empty as unset.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// A Discord id from the file: a snowflake, never 0.
fn discord_id(key: &str, v: u64) -> Result<NonZeroU64, ConfigError> {
    NonZeroU64::new(v)
        .ok_or_else(|| bad(key, "0 is not a Discord id: copy the real one (Developer Mode → right-click → Copy ID)"))
}

/// A stage list: no empty names, none twice.
fn stage_list(key: &str, list: &[String]) -> Result<(), ConfigError> {
    for (i, s) in list.iter().enumerate() {
        if s.trim().is_empty() {
            return Err(bad(key, "has an empty stage name"));
        }
        if list[..i].contains(s) {
            return Err(bad(key, format!("lists '{s}' twice")));
        }
    }
    Ok(())
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
        let raw: RawConfig = toml::from_str(text).map_err(|e| parse_error(text, &e))?;
        let z = raw.zoho;
        let data_center =
            DataCenter::parse(z.data_center.as_deref().unwrap_or("us")).map_err(|e| bad("[zoho] data_center", e))?;
        let accounts_url =
            url_key("[zoho] accounts_url", z.accounts_url.unwrap_or_else(|| data_center.accounts_url().to_string()))?;
        let api_domain =
            url_key("[zoho] api_domain", z.api_domain.unwrap_or_else(|| data_center.api_domain().to_string()))?;
        let api_version = z.api_version.unwrap_or_else(|| "v7".into());
        if !matches!(api_version.as_str(), "v7" | "v8") {
            return Err(bad("[zoho] api_version", format!("'{api_version}' is not supported (v7 or v8)")));
        }
        let client_id = z.client_id.filter(|s| !s.trim().is_empty()).ok_or_else(|| {
            bad("[zoho] client_id", "missing: copy it from the Zoho API console (Self Client → Client ID)")
        })?;
        // Secrets are optional here: `report` only reads the database. `ZohoConfig::secrets`
        // insists on them when a sync needs them.
        let secret = |var: &str| -> Option<SecretString> {
            env(var).filter(|s| !s.trim().is_empty()).map(|s| SecretString::from(s.trim().to_string()))
        };
        let client_secret = secret("ZOHO_CLIENT_SECRET");
        let refresh_token = secret("ZOHO_REFRESH_TOKEN");
        let max_retries = z.max_retries.unwrap_or(5);
        if max_retries > 10 {
            return Err(bad("[zoho] max_retries", format!("{max_retries} is out of range (0–10)")));
        }
        let retry_base_ms = z.retry_base_ms.unwrap_or(500);
        if !(1..=60_000).contains(&retry_base_ms) {
            return Err(bad("[zoho] retry_base_ms", format!("{retry_base_ms} is out of range (1–60000)")));
        }
        let concurrency = z.concurrency.unwrap_or(5);
        if !(1..=25).contains(&concurrency) {
            return Err(bad(
                "[zoho] concurrency",
                format!("{concurrency} is out of range (1–25; Zoho allows 5–25 by edition)"),
            ));
        }
        let timeout_secs = z.timeout_secs.unwrap_or(30.0);
        if timeout_secs.is_nan() || timeout_secs <= 0.0 || timeout_secs > 600.0 {
            return Err(bad("[zoho] timeout_secs", format!("{timeout_secs} is out of range (0–600)")));
        }
        let stage_field = z.fields.stage.unwrap_or_else(|| "Lead_Status".into());
        let locator_field = z.fields.locator.unwrap_or_else(|| "Owner".into());
        for (key, v) in [("[zoho.fields] stage", &stage_field), ("[zoho.fields] locator", &locator_field)] {
            if v.is_empty() || !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(bad(key, format!("'{v}' is not a Zoho field API name (letters, digits, _)")));
            }
        }

        let appointments = match raw.appointments.source.as_deref().unwrap_or("events") {
            "events" => AppointmentSource::Events,
            "appointments" => AppointmentSource::Appointments,
            "field" => {
                let f = raw.appointments.field.filter(|f| !f.is_empty()).ok_or_else(|| {
                    bad(
                        "[appointments] field",
                        "required when source = \"field\": the API name of the lead's appointment date field",
                    )
                })?;
                AppointmentSource::Field(f)
            }
            other => {
                return Err(bad(
                    "[appointments] source",
                    format!("'{other}' is not a source (events, appointments or field)"),
                ))
            }
        };

        let rules = rules_from_raw(raw.rules)?;

        // A year is more than anyone means; past it (1e16, inf) the duration would not exist.
        let max_age_hours = raw.sync.max_age_hours.unwrap_or(24.0);
        if !(max_age_hours > 0.0 && max_age_hours <= 8760.0) {
            return Err(bad(
                "[sync] max_age_hours",
                format!("{max_age_hours} is out of range (more than 0, at most 8760: a year)"),
            ));
        }
        let storage_path = raw.storage.path.unwrap_or_else(|| PathBuf::from("panopticon.db"));
        if storage_path.as_os_str().is_empty() || storage_path.to_str().is_some_and(|p| p.trim().is_empty()) {
            return Err(bad("[storage] path", "is empty: name the database file, e.g. \"panopticon.db\""));
        }

        let api_base = raw.discord.api_base.map(|v| url_key("[discord] api_base", v)).transpose()?;
        let guild_id = raw.discord.guild_id.map(|v| discord_id("[discord] guild_id", v)).transpose()?;
        let channel_id = raw.discord.channel_id.map(|v| discord_id("[discord] channel_id", v)).transpose()?;
        for &c in &raw.discord.extra_channel_ids {
            discord_id("[discord] extra_channel_ids", c)?;
        }
        for &r in &raw.discord.allowed_roles {
            discord_id("[discord] allowed_roles", r)?;
        }
        let mut channel_ids: Vec<u64> = channel_id.map(NonZeroU64::get).into_iter().collect();
        channel_ids.extend(raw.discord.extra_channel_ids.iter().copied());
        let discord = DiscordConfig {
            guild_id,
            channel_id,
            channel_ids,
            allowed_roles: raw.discord.allowed_roles,
            api_base,
            token: env("DISCORD_TOKEN").map(SecretString::from),
        };

        let time_text = raw.digest.time.unwrap_or_else(|| "08:00".into());
        let time = NaiveTime::parse_from_str(&time_text, "%H:%M")
            .map_err(|_| bad("[digest] time", format!("'{time_text}' is not a time like 08:00")))?;
        let cutoff_text = raw.digest.cutoff.unwrap_or_else(|| "12:00".into());
        let cutoff = NaiveTime::parse_from_str(&cutoff_text, "%H:%M")
            .map_err(|_| bad("[digest] cutoff", format!("'{cutoff_text}' is not a time like 12:00")))?;
        if cutoff <= time {
            return Err(bad("[digest] cutoff", format!("{cutoff_text} must be after [digest] time ({time_text})")));
        }
        let days = match raw.digest.days {
            None => vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri],
            Some(list) => list
                .iter()
                .map(|d| {
                    parse_weekday(d).ok_or_else(|| bad("[digest] days", format!("'{d}' is not a weekday (Mon…Sun)")))
                })
                .collect::<Result<_, _>>()?,
        };

        Ok(Config {
            zoho: ZohoConfig {
                data_center,
                accounts_url,
                api_domain,
                api_version,
                client_id,
                client_secret,
                refresh_token,
                stage_field,
                locator_field,
                concurrency,
                timeout: Duration::from_secs_f64(timeout_secs),
                max_retries,
                retry_base: Duration::from_millis(retry_base_ms),
            },
            appointments,
            rules,
            storage_path,
            sync_max_age: Duration::from_secs_f64(max_age_hours * 3600.0),
            discord,
            digest: DigestConfig { time, days, cutoff, skip_when_quiet: raw.digest.skip_when_quiet.unwrap_or(false) },
            rows_per_image: match raw.render.rows_per_image.unwrap_or(25) {
                n @ 5..=50 => n,
                n => return Err(bad("[render] rows_per_image", format!("{n} is out of range (5–50)"))),
            },
            fallback_fonts: raw.render.fallback_fonts.unwrap_or_default(),
            system_fonts: raw.render.system_fonts.unwrap_or(false),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn env_with_secrets(name: &str) -> Option<String> {
        match name {
            "ZOHO_CLIENT_SECRET" => Some("s3cret-client".into()),
            "ZOHO_REFRESH_TOKEN" => Some("1000.refresh.token".into()),
            _ => None,
        }
    }

    const MINIMAL: &str = "[zoho]\nclient_id = \"1000.ABC\"\n";

    #[test]
    fn the_example_config_is_valid() {
        let text = include_str!("../config.example.toml");
        let c = Config::from_toml(text, &env_with_secrets).expect("config.example.toml parses");
        assert_eq!(c.rules.timezone, chrono_tz::America::New_York);
        assert_eq!(c.appointments, AppointmentSource::Events);
    }

    #[test]
    fn defaults_follow_the_design() {
        let c = Config::from_toml(MINIMAL, &env_with_secrets).unwrap();
        assert_eq!(c.zoho.accounts_url, "https://accounts.zoho.com");
        assert_eq!(c.zoho.api_domain, "https://www.zohoapis.com");
        assert_eq!(c.zoho.stage_field, "Lead_Status");
        assert_eq!(c.zoho.locator_field, "Owner");
        assert_eq!(c.zoho.concurrency, 5);
        assert_eq!(c.rules.default, Thresholds { at_risk_days: 5, stale_days: 7 });
        assert_eq!(c.rules.green_stuck_days, 14);
        assert_eq!(c.digest.time.to_string(), "08:00:00");
        assert_eq!(c.digest.days.len(), 5);
        assert_eq!(c.zoho.secrets().unwrap().1.expose_secret(), "1000.refresh.token");
    }

    #[test]
    fn each_data_centre_has_its_own_hosts() {
        let c = Config::from_toml("[zoho]\nclient_id=\"x\"\ndata_center=\"ca\"\n", &env_with_secrets).unwrap();
        assert_eq!(c.zoho.accounts_url, "https://accounts.zohocloud.ca");
        assert_eq!(c.zoho.api_domain, "https://www.zohoapis.ca");
        let c = Config::from_toml("[zoho]\nclient_id=\"x\"\ndata_center=\"eu\"\n", &env_with_secrets).unwrap();
        assert_eq!(c.zoho.accounts_url, "https://accounts.zoho.eu");
    }

    fn err(text: &str) -> String {
        Config::from_toml(text, &env_with_secrets).unwrap_err().to_string()
    }

    #[test]
    fn bad_values_name_the_key() {
        assert!(err("[zoho]\nclient_id=\"x\"\n[rules]\ntimezone=\"Mars/Base\"\n").contains("[rules] timezone"));
        assert!(err("[zoho]\nclient_id=\"x\"\n[rules]\nat_risk_days=9\nstale_days=7\n").contains("at_risk_days (9)"));
        assert!(err("[zoho]\nclient_id=\"x\"\ndata_center=\"mars\"\n").contains("[zoho] data_center"));
        assert!(err("[zoho]\nclient_id=\"x\"\n[appointments]\nsource=\"field\"\n").contains("[appointments] field"));
        assert!(err("[zoho]\nclient_id=\"x\"\n[digest]\ntime=\"8am\"\n").contains("[digest] time"));
        assert!(err("[zoho]\nclient_id=\"x\"\n[rules]\nholidays=[\"25/12\"]\n").contains("[rules] holidays"));
        assert!(err("").contains("[zoho] client_id"));
        // A typo is named, not ignored.
        assert!(err("[zoho]\nclient_id=\"x\"\n[rules]\nstale_dayz=3\n").contains("stale_dayz"));
    }

    #[test]
    fn missing_secrets_say_which_variable() {
        // Loading works without them (reports need none); asking for them names the variable.
        let c = Config::from_toml(MINIMAL, &|_| None).unwrap();
        let e = c.zoho.secrets().unwrap_err().to_string();
        assert!(e.contains("ZOHO_CLIENT_SECRET"), "{e}");
    }

    #[test]
    fn secrets_do_not_print() {
        let c = Config::from_toml(MINIMAL, &env_with_secrets).unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cret-client"));
        assert!(!shown.contains("1000.refresh.token"));
    }

    #[test]
    fn per_stage_thresholds_override() {
        let c = Config::from_toml(
            "[zoho]\nclient_id=\"x\"\n[rules.stage_thresholds.\"Follow Up\"]\nat_risk_days=2\nstale_days=3\n",
            &env_with_secrets,
        )
        .unwrap();
        assert_eq!(c.rules.thresholds_for(Some("Follow Up")).stale_days, 3);
        assert_eq!(c.rules.thresholds_for(Some("Proposal")).stale_days, 7);
        assert_eq!(c.rules.thresholds_for(None).stale_days, 7);
    }

    #[test]
    fn values_that_would_panic_or_mislead_are_refused_by_key() {
        let base = "[zoho]\nclient_id=\"x\"\n";
        for (extra, key) in [
            ("[sync]\nmax_age_hours = inf\n", "[sync] max_age_hours"),
            ("[sync]\nmax_age_hours = 1e16\n", "[sync] max_age_hours"),
            ("[sync]\nmax_age_hours = nan\n", "[sync] max_age_hours"),
            ("[discord]\nchannel_id = 0\n", "[discord] channel_id"),
            ("[discord]\nguild_id = 0\n", "[discord] guild_id"),
            ("[discord]\nextra_channel_ids = [5, 0]\n", "[discord] extra_channel_ids"),
            ("[discord]\nallowed_roles = [0]\n", "[discord] allowed_roles"),
            ("[storage]\npath = \"\"\n", "[storage] path"),
        ] {
            let e = err(&format!("{base}{extra}"));
            assert!(e.contains(key), "{extra}: {e}");
        }
        let e = err("[zoho]\nclient_id=\"x\"\nmax_retries = 4000000000\n");
        assert!(e.contains("[zoho] max_retries"), "{e}");
        let e = err("[zoho]\nclient_id=\"x\"\n[rules]\nclosed_stages = [\"Dead\", \"Lost\", \"Dead\"]\n");
        assert!(e.contains("[rules] closed_stages") && e.contains("'Dead' twice"), "{e}");
        let e = err("[zoho]\nclient_id=\"x\"\n[rules]\ngreen_stages = [\"Green\", \"Green\"]\n");
        assert!(e.contains("[rules] green_stages") && e.contains("'Green' twice"), "{e}");
        let e = err(
            "[zoho]\nclient_id=\"x\"\n[rules]\nclosed_stages = [\"Dead\", \"Green\"]\ngreen_stages = [\"Green\"]\n",
        );
        assert!(e.contains("[rules] green_stages") && e.contains("'Green' is also in closed_stages"), "{e}");
        // Real ids and a year's max age still load.
        let c = Config::from_toml(
            "[zoho]\nclient_id=\"x\"\n[sync]\nmax_age_hours = 8760\n[discord]\nguild_id = 42\nchannel_id = 7\n",
            &env_with_secrets,
        )
        .unwrap();
        assert_eq!(c.discord.channel_id.map(NonZeroU64::get), Some(7));
        assert_eq!(c.discord.channel_ids, vec![7]);
    }
}
