//! The config file's contract: defaults, data centres, errors that name the key, secrets kept out
//! of `Debug`, and values that would panic or mislead refused.

use std::num::NonZeroU64;

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
    let text = include_str!("../../config.example.toml");
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
    let e =
        err("[zoho]\nclient_id=\"x\"\n[rules]\nclosed_stages = [\"Dead\", \"Green\"]\ngreen_stages = [\"Green\"]\n");
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

#[test]
fn the_crm_kind_defaults_to_zoho_and_refuses_others_by_name() {
    let c = Config::from_toml(MINIMAL, &env_with_secrets).expect("minimal");
    assert_eq!(c.crm, CrmKind::Zoho);
    let c = Config::from_toml(&format!("[crm]\nkind = \"zoho\"\n{MINIMAL}"), &env_with_secrets).expect("zoho");
    assert_eq!(c.crm, CrmKind::Zoho);
    // Salesforce is a CRM it knows (issue 17): it then wants its own table.
    let e = Config::from_toml(&format!("[crm]\nkind = \"salesforce\"\n{MINIMAL}"), &env_with_secrets).unwrap_err().0;
    assert!(e.starts_with("[salesforce] client_id: missing"), "{e}");
    let e = Config::from_toml(&format!("[crm]\nkind = \"pipedrive\"\n{MINIMAL}"), &env_with_secrets).unwrap_err().0;
    assert_eq!(e, "[crm] kind: \"pipedrive\" is not a CRM this knows (accepted: \"zoho\", \"salesforce\")");
}

#[test]
fn the_bot_syncs_every_15_minutes_all_day_with_a_2_minute_refresh_cooldown_by_default() {
    let c = Config::from_toml(MINIMAL, &env_with_secrets).unwrap();
    assert_eq!(c.sync.every, Some(Duration::from_secs(15 * 60)));
    assert_eq!(c.sync.hours, None);
    assert_eq!(c.sync.refresh_cooldown, Duration::from_secs(120));
    assert_eq!(c.ops.log_format, LogFormat::Text);
}

fn sync_table(extra: &str) -> Result<SyncConfig, String> {
    Config::from_toml(&format!("{MINIMAL}[sync]\n{extra}\n"), &env_with_secrets).map(|c| c.sync).map_err(|e| e.0)
}

#[test]
fn sync_every_takes_units_minutes_or_off() {
    let every = |v: &str| sync_table(&format!("every = {v}")).unwrap().every;
    assert_eq!(every("\"90s\""), Some(Duration::from_secs(90)));
    assert_eq!(every("\"15m\""), Some(Duration::from_secs(900)));
    assert_eq!(every("\"1h\""), Some(Duration::from_secs(3600)));
    assert_eq!(every("30"), Some(Duration::from_secs(1800)));
    assert_eq!(every("\"30\""), Some(Duration::from_secs(1800)));
    assert_eq!(every("0"), None);
    assert_eq!(every("\"off\""), None);
    for (v, says) in [
        ("\"15 fortnights\"", "'15 fortnights' is not a duration"),
        ("\"1.5h\"", "'1.5h' is not a duration"),
        ("-5", "-5 is negative"),
        ("\"9999h\"", "longer than a week"),
        ("true", "expected a duration"),
    ] {
        let e = sync_table(&format!("every = {v}")).unwrap_err();
        assert!(e.starts_with("[sync] every: ") && e.contains(says), "{v}: {e}");
    }
}

#[test]
fn sync_every_below_a_minute_is_refused_against_zoho_but_not_a_local_sandbox() {
    let e = sync_table("every = \"30s\"").unwrap_err();
    assert_eq!(
        e,
        "[sync] every: 30 s is too often: every sync spends the CRM's API credits; at least \"1m\" (or \"off\")"
    );
    assert_eq!(sync_table("every = \"1m\"").unwrap().every, Some(Duration::from_secs(60)));
    let local = "[zoho]\nclient_id = \"x\"\napi_domain = \"http://127.0.0.1:9\"\n[sync]\nevery = \"2s\"\n";
    let c = Config::from_toml(local, &env_with_secrets).unwrap();
    assert_eq!(c.sync.every, Some(Duration::from_secs(2)));
}

#[test]
fn sync_hours_are_a_daily_window_that_may_cross_midnight() {
    let t = |s: &str| chrono::NaiveTime::parse_from_str(s, "%H:%M").unwrap();
    let day = sync_table("hours = \"07:00-19:00\"").unwrap().hours.unwrap();
    assert!(day.contains(t("07:00")) && day.contains(t("18:59")));
    assert!(!day.contains(t("19:00")) && !day.contains(t("06:59")));
    let night = sync_table("hours = \"22:00-06:00\"").unwrap().hours.unwrap();
    assert!(night.contains(t("23:30")) && night.contains(t("05:00")));
    assert!(!night.contains(t("12:00")) && !night.contains(t("06:00")));
    for (v, says) in [
        ("\"7am-7pm\"", "'7am-7pm' is not a window like \"07:00-19:00\""),
        ("\"07:00\"", "'07:00' is not a window"),
        ("\"08:00-08:00\"", "starts and ends at the same time"),
    ] {
        let e = sync_table(&format!("hours = {v}")).unwrap_err();
        assert!(e.starts_with("[sync] hours: ") && e.contains(says), "{v}: {e}");
    }
}

#[test]
fn refresh_cooldown_and_log_format() {
    assert_eq!(sync_table("refresh_cooldown = \"30s\"").unwrap().refresh_cooldown, Duration::from_secs(30));
    assert_eq!(sync_table("refresh_cooldown = \"off\"").unwrap().refresh_cooldown, Duration::ZERO);
    let e = sync_table("refresh_cooldown = \"soon\"").unwrap_err();
    assert!(e.starts_with("[sync] refresh_cooldown: 'soon' is not a duration"), "{e}");
    let c = Config::from_toml(&format!("{MINIMAL}[ops]\nlog_format = \"json\"\n"), &env_with_secrets).unwrap();
    assert_eq!(c.ops.log_format, LogFormat::Json);
    let e = err(&format!("{MINIMAL}[ops]\nlog_format = \"xml\"\n"));
    assert!(e.contains("[ops] log_format: 'xml' is not a log format (\"text\" or \"json\")"), "{e}");
}

#[test]
fn log_retention_defaults_to_90_days_and_refuses_nonsense() {
    let c = Config::from_toml(MINIMAL, &env_with_secrets).expect("minimal");
    assert_eq!(c.keep_runs_days, 90);
    let c = Config::from_toml(&format!("{MINIMAL}[storage]\nkeep_runs_days = 30\n"), &env_with_secrets).unwrap();
    assert_eq!(c.keep_runs_days, 30);
    let e = err(&format!("{MINIMAL}[storage]\nkeep_runs_days = 0\n"));
    assert_eq!(e, "config: [storage] keep_runs_days: 0 is out of range (7–3650 days)");
}

#[test]
fn ops_listen_is_off_by_default_and_an_address_when_set() {
    let c = Config::from_toml(MINIMAL, &env_with_secrets).expect("minimal");
    assert_eq!(c.ops.listen, None);
    let c = Config::from_toml(&format!("{MINIMAL}[ops]\nlisten = \"127.0.0.1:9184\"\n"), &env_with_secrets).unwrap();
    assert_eq!(c.ops.listen, Some("127.0.0.1:9184".parse().unwrap()));
    for bad in ["localhost:9184", "127.0.0.1", ":9184", "127.0.0.1:99999"] {
        let e = err(&format!("{MINIMAL}[ops]\nlisten = \"{bad}\"\n"));
        assert!(e.contains("[ops] listen") && e.contains("127.0.0.1:9184"), "{bad}: {e}");
    }
}
