//! From the file as written (`file.rs`) to the typed `Config`: one function per table, each
//! checking what serde cannot (ranges, names, one key against another) and naming the key in
//! its error. `Config::from_toml` calls them one table after another and stops at the first
//! problem.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::num::NonZeroU64;
use std::path::PathBuf;
use std::time::Duration;

use chrono::NaiveDate;
use chrono_tz::Tz;
use secrecy::SecretString;

use super::file::{
    RawAppointments, RawCrm, RawDigest, RawDiscord, RawOps, RawRender, RawRoles, RawRules, RawSync, RawZoho,
};
use super::values::{
    clock_time, discord_id, duration, hours, is_loopback, stage_list, thresholds, url_key, weekday, DataCenter,
};
use super::{
    bad, AppointmentSource, ConfigError, CrmKind, DigestConfig, DiscordConfig, Env, LogFormat, OpsConfig, PeopleConfig,
    RoleIds, RulesConfig, SyncConfig, ZohoConfig, MIN_SYNC_EVERY,
};

/// `[zoho]`; its `client_id` is required only when Zoho is the CRM read (`crm`).
pub(super) fn zoho(z: RawZoho, env: Env, crm: CrmKind) -> Result<ZohoConfig, ConfigError> {
    let data_center = DataCenter::try_from(z.data_center.as_str()).map_err(|e| bad("[zoho] data_center", e))?;
    let accounts_url =
        url_key("[zoho] accounts_url", z.accounts_url.unwrap_or_else(|| data_center.accounts_url().to_string()))?;
    let api_domain =
        url_key("[zoho] api_domain", z.api_domain.unwrap_or_else(|| data_center.api_domain().to_string()))?;
    let api_version = z.api_version;
    if !matches!(api_version.as_str(), "v7" | "v8") {
        return Err(bad("[zoho] api_version", format!("'{api_version}' is not supported (v7 or v8)")));
    }
    let client_id = match (z.client_id.filter(|s| !s.trim().is_empty()), crm) {
        (Some(id), _) => id,
        (None, CrmKind::Zoho) => {
            return Err(bad("[zoho] client_id", "missing: copy it from the Zoho API console (Self Client → Client ID)"))
        }
        (None, CrmKind::Salesforce) => String::new(),
    };
    // Secrets are optional here: `report` only reads the database. `ZohoConfig::secrets`
    // insists on them when a sync needs them.
    let secret = |var: &str| -> Option<SecretString> {
        env(var).filter(|s| !s.trim().is_empty()).map(|s| SecretString::from(s.trim().to_string()))
    };
    let client_secret = secret("ZOHO_CLIENT_SECRET");
    let refresh_token = secret("ZOHO_REFRESH_TOKEN");
    let max_retries = z.max_retries;
    if max_retries > 10 {
        return Err(bad("[zoho] max_retries", format!("{max_retries} is out of range (0–10)")));
    }
    let retry_base_ms = z.retry_base_ms;
    if !(1..=60_000).contains(&retry_base_ms) {
        return Err(bad("[zoho] retry_base_ms", format!("{retry_base_ms} is out of range (1–60000)")));
    }
    let concurrency = z.concurrency;
    if !(1..=25).contains(&concurrency) {
        return Err(bad(
            "[zoho] concurrency",
            format!("{concurrency} is out of range (1–25; Zoho allows 5–25 by edition)"),
        ));
    }
    let timeout_secs = z.timeout_secs;
    if timeout_secs.is_nan() || timeout_secs <= 0.0 || timeout_secs > 600.0 {
        return Err(bad("[zoho] timeout_secs", format!("{timeout_secs} is out of range (0–600)")));
    }
    let stage_field = z.fields.stage;
    let locator_field = z.fields.locator;
    for (key, v) in [("[zoho.fields] stage", &stage_field), ("[zoho.fields] locator", &locator_field)] {
        if v.is_empty() || !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(bad(key, format!("'{v}' is not a Zoho field API name (letters, digits, _)")));
        }
    }
    Ok(ZohoConfig {
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
    })
}

pub(super) fn appointments(a: RawAppointments, crm: CrmKind) -> Result<AppointmentSource, ConfigError> {
    Ok(match a.source.as_str() {
        "events" => AppointmentSource::Events,
        "appointments" if crm == CrmKind::Salesforce => {
            return Err(bad(
                "[appointments] source",
                "'appointments' is Zoho's Appointments module; with Salesforce use \"events\" (Events whose \
                 WhoId is the lead) or \"field\" (a date field on the lead)",
            ))
        }
        "appointments" => AppointmentSource::Appointments,
        "field" => {
            let f = a.field.filter(|f| !f.is_empty()).ok_or_else(|| {
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
    })
}

pub(super) fn rules(r: RawRules) -> Result<RulesConfig, ConfigError> {
    let tz_name = r.timezone;
    let timezone: Tz = tz_name.parse().map_err(|_| {
        bad("[rules] timezone", format!("'{tz_name}' is not an IANA time zone (e.g. America/New_York)"))
    })?;
    let default = thresholds("[rules]", r.at_risk_days, r.stale_days)?;
    let mut per_stage = BTreeMap::new();
    for (stage, t) in r.stage_thresholds {
        let key = format!("[rules.stage_thresholds.\"{stage}\"]");
        per_stage.insert(stage, thresholds(&key, t.at_risk_days, t.stale_days)?);
    }
    let holidays = r
        .holidays
        .into_iter()
        .map(|h| {
            NaiveDate::parse_from_str(&h, "%Y-%m-%d")
                .map_err(|_| bad("[rules] holidays", format!("'{h}' is not a date like 2026-12-25")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let (closed_stages, green_stages, delivered_stages) = (r.closed_stages, r.green_stages, r.delivered_stages);
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
        green_stuck_days: r.green_stuck_days,
        business_days: r.business_days,
        holidays,
    })
}

pub(super) fn sync_max_age(max_age_hours: f64) -> Result<Duration, ConfigError> {
    // A year is more than anyone means; past it (1e16, inf) the duration would not exist.
    if !(max_age_hours > 0.0 && max_age_hours <= 8760.0) {
        return Err(bad(
            "[sync] max_age_hours",
            format!("{max_age_hours} is out of range (more than 0, at most 8760: a year)"),
        ));
    }
    Ok(Duration::from_secs_f64(max_age_hours * 3600.0))
}

/// `[sync] every, hours, refresh_cooldown`. The floor on `every` protects the CRM's API credits,
/// so it applies only when `api_base` (Zoho's api_domain, Salesforce's login_url) is the real
/// CRM, not a sandbox on this machine.
pub(super) fn sync(s: &RawSync, api_base: &str) -> Result<SyncConfig, ConfigError> {
    let every = duration("[sync] every", &s.every)?;
    if let Some(e) = every {
        if e < MIN_SYNC_EVERY && !is_loopback(api_base) {
            return Err(bad(
                "[sync] every",
                format!(
                    "{} s is too often: every sync spends the CRM's API credits; at least \"1m\" (or \"off\")",
                    e.as_secs()
                ),
            ));
        }
    }
    let hours = s.hours.as_deref().map(|h| hours("[sync] hours", h)).transpose()?;
    let refresh_cooldown = duration("[sync] refresh_cooldown", &s.refresh_cooldown)?.unwrap_or_default();
    Ok(SyncConfig { every, hours, refresh_cooldown })
}

pub(super) fn ops(o: &RawOps) -> Result<OpsConfig, ConfigError> {
    let log_format = match o.log_format.as_str() {
        "text" => LogFormat::Text,
        "json" => LogFormat::Json,
        other => return Err(bad("[ops] log_format", format!("'{other}' is not a log format (\"text\" or \"json\")"))),
    };
    Ok(OpsConfig { log_format, listen: ops_listen(o.listen.clone())? })
}

pub(super) fn storage_path(path: PathBuf) -> Result<PathBuf, ConfigError> {
    if path.as_os_str().is_empty() || path.to_str().is_some_and(|p| p.trim().is_empty()) {
        return Err(bad("[storage] path", "is empty: name the database file, e.g. \"panopticon.db\""));
    }
    Ok(path)
}

/// `[storage] keep_runs_days`: how long the sync runs and digests are kept.
pub(super) fn keep_runs_days(days: u32) -> Result<u32, ConfigError> {
    // Under a week would hide yesterday's failures from /status; past ten years is a typo.
    if !(7..=3650).contains(&days) {
        return Err(bad("[storage] keep_runs_days", format!("{days} is out of range (7–3650 days)")));
    }
    Ok(days)
}

pub(super) fn discord(d: RawDiscord, env: Env) -> Result<DiscordConfig, ConfigError> {
    let api_base = d.api_base.map(|v| url_key("[discord] api_base", v)).transpose()?;
    let guild_id = d.guild_id.map(|v| discord_id("[discord] guild_id", v)).transpose()?;
    let channel_id = d.channel_id.map(|v| discord_id("[discord] channel_id", v)).transpose()?;
    for &c in &d.extra_channel_ids {
        discord_id("[discord] extra_channel_ids", c)?;
    }
    for &r in &d.allowed_roles {
        discord_id("[discord] allowed_roles", r)?;
    }
    let mut channel_ids: Vec<u64> = channel_id.map(NonZeroU64::get).into_iter().collect();
    channel_ids.extend(d.extra_channel_ids.iter().copied());
    Ok(DiscordConfig {
        guild_id,
        channel_id,
        channel_ids,
        allowed_roles: d.allowed_roles,
        api_base,
        token: env("DISCORD_TOKEN").map(SecretString::from),
    })
}

pub(super) fn digest(d: RawDigest) -> Result<DigestConfig, ConfigError> {
    let time = clock_time("[digest] time", &d.time, "08:00")?;
    let cutoff = clock_time("[digest] cutoff", &d.cutoff, "12:00")?;
    if cutoff <= time {
        return Err(bad("[digest] cutoff", format!("{} must be after [digest] time ({})", d.cutoff, d.time)));
    }
    let days = d
        .days
        .iter()
        .map(|day| weekday(day).ok_or_else(|| bad("[digest] days", format!("'{day}' is not a weekday (Mon…Sun)"))))
        .collect::<Result<_, _>>()?;
    Ok(DigestConfig { time, days, cutoff, skip_when_quiet: d.skip_when_quiet, personal: d.personal })
}

/// `[roles]` and `[teams]`. `[discord] allowed_roles` (from before roles) still works: its
/// roles are coordinators.
pub(super) fn people(
    r: RawRoles,
    teams: BTreeMap<String, Vec<String>>,
    allowed_roles: &[u64],
) -> Result<PeopleConfig, ConfigError> {
    for (key, ids) in
        [("coordinator", &r.coordinator), ("manager", &r.manager), ("member", &r.member), ("viewer", &r.viewer)]
    {
        for &id in ids {
            discord_id(&format!("[roles] {key}"), id)?;
        }
    }
    for (manager, members) in &teams {
        if manager.trim().is_empty() || members.iter().any(|m| m.trim().is_empty()) {
            return Err(bad("[teams]", "a manager or team member is empty: name each by CRM user id, email or name"));
        }
    }
    let mut coordinator = r.coordinator;
    for &id in allowed_roles {
        if !coordinator.contains(&id) {
            coordinator.push(id);
        }
    }
    Ok(PeopleConfig { roles: RoleIds { coordinator, manager: r.manager, member: r.member, viewer: r.viewer }, teams })
}

pub(super) fn rows_per_image(render: &RawRender) -> Result<usize, ConfigError> {
    match render.rows_per_image {
        n @ 5..=50 => Ok(n),
        n => Err(bad("[render] rows_per_image", format!("{n} is out of range (5–50)"))),
    }
}

/// `[crm] kind`: the CRM the sync reads. New CRMs add a word here and an arm in `crm::connect`.
pub(super) fn crm_kind(crm: RawCrm) -> Result<CrmKind, ConfigError> {
    match crm.kind.as_deref() {
        None | Some("zoho") => Ok(CrmKind::Zoho),
        Some("salesforce") => Ok(CrmKind::Salesforce),
        Some(other) => {
            Err(bad("[crm] kind", format!("{other:?} is not a CRM this knows (accepted: \"zoho\", \"salesforce\")")))
        }
    }
}

/// `[ops] listen`: where `/healthz` and `/metrics` are served, an IP address and a port.
fn ops_listen(listen: Option<String>) -> Result<Option<SocketAddr>, ConfigError> {
    let Some(text) = listen else { return Ok(None) };
    text.trim().parse().map(Some).map_err(|_| {
        bad(
            "[ops] listen",
            format!("'{text}' is not an address and port like \"127.0.0.1:9184\" (an IP, not a host name)"),
        )
    })
}
