//! The typed values a config key holds, each parsed from its written form with an error that
//! names the key: Zoho data centres, URLs, Discord ids, weekdays, clock times, durations, daily
//! windows, thresholds and stage lists. Pure functions, no file or environment.

use std::num::NonZeroU64;
use std::time::Duration;

use chrono::{NaiveTime, Weekday};

use super::{bad, ConfigError, SyncHours, Thresholds};

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

impl TryFrom<&str> for DataCenter {
    type Error = String;

    fn try_from(s: &str) -> Result<Self, String> {
        DataCenter::parse(s)
    }
}

/// Thresholds that make sense: a lead is stale after at least a day, and at risk no later.
pub(super) fn thresholds(key: &str, at_risk: u32, stale: u32) -> Result<Thresholds, ConfigError> {
    if stale == 0 {
        return Err(bad(key, "stale_days must be at least 1"));
    }
    if at_risk > stale {
        return Err(bad(key, format!("at_risk_days ({at_risk}) must not exceed stale_days ({stale})")));
    }
    Ok(Thresholds { at_risk_days: at_risk, stale_days: stale })
}

/// A weekday by its name or any word starting with its first three letters (`Mon`, `monday`).
pub(super) fn weekday(s: &str) -> Option<Weekday> {
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

/// A local clock time written `HH:MM`; `example` is shown in the error.
pub(super) fn clock_time(key: &str, text: &str, example: &str) -> Result<NaiveTime, ConfigError> {
    NaiveTime::parse_from_str(text, "%H:%M").map_err(|_| bad(key, format!("'{text}' is not a time like {example}")))
}

/// An http(s) URL, kept without its trailing slash so paths can be appended.
pub(super) fn url_key(key: &str, v: String) -> Result<String, ConfigError> {
    let parsed = url::Url::parse(&v).map_err(|e| bad(key, format!("'{v}' is not a URL ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad(key, format!("'{v}' must start with https:// (or http:// for a local sandbox)")));
    }
    Ok(v.trim_end_matches('/').to_string())
}

/// A Discord id from the file: a snowflake, never 0.
pub(super) fn discord_id(key: &str, v: u64) -> Result<NonZeroU64, ConfigError> {
    NonZeroU64::new(v)
        .ok_or_else(|| bad(key, "0 is not a Discord id: copy the real one (Developer Mode → right-click → Copy ID)"))
}

/// A stage list: no empty names, none twice.
pub(super) fn stage_list(key: &str, list: &[String]) -> Result<(), ConfigError> {
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

/// A span of time as written in the file: `"90s"`, `"15m"`, `"1h"`, a bare number of minutes
/// (`15` or `"15"`), or `0` / `"off"` for none (`None`). Negative, fractional and unknown units
/// are refused, naming the key.
pub(super) fn duration(key: &str, v: &toml::Value) -> Result<Option<Duration>, ConfigError> {
    let example = "like \"15m\", \"90s\", \"1h\", a number of minutes, or \"off\"";
    let secs = match v {
        toml::Value::Integer(n) if *n >= 0 => n.checked_mul(60),
        toml::Value::Integer(n) => return Err(bad(key, format!("{n} is negative: write a duration {example}"))),
        toml::Value::Boolean(false) => Some(0),
        toml::Value::String(s) => {
            let t = s.trim().to_ascii_lowercase();
            if t == "off" {
                Some(0)
            } else {
                let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
                let (digits, unit) = t.split_at(split);
                let n: Option<i64> = digits.parse().ok();
                let per = match unit.trim() {
                    "" | "m" | "min" | "mins" | "minute" | "minutes" => Some(60),
                    "s" | "sec" | "secs" | "second" | "seconds" => Some(1),
                    "h" | "hour" | "hours" => Some(3600),
                    _ => None,
                };
                match (n, per) {
                    (Some(n), Some(per)) => n.checked_mul(per),
                    _ => return Err(bad(key, format!("'{s}' is not a duration {example}"))),
                }
            }
        }
        _ => return Err(bad(key, format!("expected a duration {example}"))),
    };
    // A week is more than anyone means here; past it the number is surely a slip.
    match secs {
        Some(0) => Ok(None),
        Some(s) if s <= 7 * 24 * 3600 => Ok(Some(Duration::from_secs(s as u64))),
        _ => Err(bad(key, "is longer than a week: write a duration like \"15m\" or \"1h\"")),
    }
}

/// `"HH:MM-HH:MM"`: the daily window, in the business zone. A window may cross midnight
/// (`"22:00-06:00"`); an empty one (start = end) is refused.
pub(super) fn hours(key: &str, text: &str) -> Result<SyncHours, ConfigError> {
    let example = "a window like \"07:00-19:00\"";
    let (a, b) = text.split_once('-').ok_or_else(|| bad(key, format!("'{text}' is not {example}")))?;
    let parse = |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M");
    let (Ok(start), Ok(end)) = (parse(a), parse(b)) else {
        return Err(bad(key, format!("'{text}' is not {example}")));
    };
    if start == end {
        return Err(bad(key, format!("'{text}' starts and ends at the same time: leave hours out to sync all day")));
    }
    Ok(SyncHours { start, end })
}

/// Whether a URL names this machine (a sandbox, not Zoho: no API credits are spent there).
pub(super) fn is_loopback(raw: &str) -> bool {
    match url::Url::parse(raw).ok().as_ref().and_then(url::Url::host) {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}
