//! `[alerts]` and `[[alerts.threshold]]`: the accountability loop's settings, as written and as
//! checked. The rules they feed are in `crate::alerts`.

use std::num::NonZeroU64;

use chrono::Weekday;
use chrono_tz::Tz;
use serde::Deserialize;

use super::values::{discord_id, hours, weekday};
use super::{bad, ConfigError};
use crate::alerts::{Metric, Threshold, ThresholdOp, Tier, Window};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawAlerts {
    pub enabled: bool,
    /// Unset: the team channel (`[discord] channel_id`).
    pub channel_id: Option<u64>,
    pub tiers: Vec<String>,
    pub days: Vec<String>,
    /// `"HH:MM-HH:MM"` in `[rules] timezone`; unset: none.
    pub quiet_hours: Option<String>,
    pub dm_locators: bool,
    pub escalate_after_days: u32,
    pub escalation_role: Option<u64>,
    pub threshold: Vec<RawThreshold>,
}

impl Default for RawAlerts {
    fn default() -> Self {
        RawAlerts {
            enabled: true,
            channel_id: None,
            tiers: Tier::ALL.iter().map(|t| t.as_str().to_string()).collect(),
            days: ["Mon", "Tue", "Wed", "Thu", "Fri"].map(String::from).to_vec(),
            quiet_hours: None,
            dm_locators: false,
            escalate_after_days: 2,
            escalation_role: None,
            threshold: Vec::new(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawThreshold {
    pub metric: String,
    pub above: Option<f64>,
    pub below: Option<f64>,
}

/// The loop's settings, valid by construction.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertsConfig {
    /// Transition and threshold alerts are posted after each sync.
    pub enabled: bool,
    /// Where alerts go; `None`: the team channel.
    pub channel_id: Option<NonZeroU64>,
    pub tiers: Vec<Tier>,
    /// Alerts go out on these local days, outside `quiet`; held otherwise.
    pub days: Vec<Weekday>,
    pub quiet: Option<(chrono::NaiveTime, chrono::NaiveTime)>,
    /// Every linked locator gets their own new items by DM (otherwise those who subscribe).
    pub dm_locators: bool,
    /// A lead still stale this many days after its first nudge (or after going stale with no
    /// acknowledgement) is escalated.
    pub escalate_after_days: u32,
    /// Mentioned on an escalation when the locator has no linked manager.
    pub escalation_role: Option<NonZeroU64>,
    pub thresholds: Vec<Threshold>,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        alerts(RawAlerts::default()).expect("defaults are valid")
    }
}

impl AlertsConfig {
    /// When alerts may go out, in the business zone.
    pub fn window(&self, tz: Tz) -> Window {
        Window { tz, days: self.days.clone(), quiet: self.quiet }
    }
}

pub(super) fn alerts(a: RawAlerts) -> Result<AlertsConfig, ConfigError> {
    let tiers = a
        .tiers
        .iter()
        .map(|t| {
            Tier::parse(t)
                .ok_or_else(|| bad("[alerts] tiers", format!("'{t}' is not one of at_risk, stale, stuck_green")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let days = a
        .days
        .iter()
        .map(|day| weekday(day).ok_or_else(|| bad("[alerts] days", format!("'{day}' is not a weekday (Mon…Sun)"))))
        .collect::<Result<Vec<_>, _>>()?;
    let quiet = a.quiet_hours.as_deref().map(|h| hours("[alerts] quiet_hours", h)).transpose()?;
    if !(1..=60).contains(&a.escalate_after_days) {
        return Err(bad(
            "[alerts] escalate_after_days",
            format!("{} is out of range (1–60 days)", a.escalate_after_days),
        ));
    }
    let thresholds = a.threshold.iter().enumerate().map(|(i, t)| threshold(i, t)).collect::<Result<Vec<_>, _>>()?;
    Ok(AlertsConfig {
        enabled: a.enabled,
        channel_id: a.channel_id.map(|c| discord_id("[alerts] channel_id", c)).transpose()?,
        tiers,
        days,
        quiet: quiet.map(|q| (q.start, q.end)),
        dm_locators: a.dm_locators,
        escalate_after_days: a.escalate_after_days,
        escalation_role: a.escalation_role.map(|r| discord_id("[alerts] escalation_role", r)).transpose()?,
        thresholds,
    })
}

fn threshold(i: usize, t: &RawThreshold) -> Result<Threshold, ConfigError> {
    let key = format!("[[alerts.threshold]] #{}", i + 1);
    let names: Vec<&str> = Metric::ALL.iter().map(|m| m.as_str()).collect();
    let metric = Metric::parse(&t.metric)
        .ok_or_else(|| bad(&key, format!("metric '{}' is not one of {}", t.metric, names.join(", "))))?;
    let op = match (t.above, t.below) {
        (Some(v), None) => ThresholdOp::Above(v),
        (None, Some(v)) => ThresholdOp::Below(v),
        _ => return Err(bad(&key, "give exactly one of above = N or below = N")),
    };
    let v = match op {
        ThresholdOp::Above(v) | ThresholdOp::Below(v) => v,
    };
    let max = if metric.is_percent() { 100.0 } else { 1e9 };
    if !(v.is_finite() && (0.0..=max).contains(&v)) {
        return Err(bad(&key, format!("{v} is out of range (0–{max})")));
    }
    Ok(Threshold { metric, op })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<AlertsConfig, ConfigError> {
        #[derive(Deserialize)]
        struct F {
            alerts: RawAlerts,
        }
        alerts(toml::from_str::<F>(text).map_err(|e| ConfigError(e.to_string()))?.alerts)
    }

    #[test]
    fn defaults_and_a_full_table() {
        let d = AlertsConfig::default();
        assert!(d.enabled && d.channel_id.is_none() && d.thresholds.is_empty());
        assert_eq!(d.tiers, Tier::ALL.to_vec());
        assert_eq!(d.escalate_after_days, 2);
        let c = load(
            r#"[alerts]
            channel_id = 77
            tiers = ["stale"]
            days = ["Mon", "Sat"]
            quiet_hours = "20:00-07:00"
            escalate_after_days = 3
            escalation_role = 88
            [[alerts.threshold]]
            metric = "stale"
            above = 20
            [[alerts.threshold]]
            metric = "green_conversion_month"
            below = 25.5"#,
        )
        .unwrap();
        assert_eq!(c.tiers, vec![Tier::Stale]);
        assert_eq!(c.days, vec![Weekday::Mon, Weekday::Sat]);
        assert_eq!(c.thresholds[1], Threshold { metric: Metric::GreenConversionMonth, op: ThresholdOp::Below(25.5) });
        assert!(!c.window(chrono_tz::UTC).is_open("2026-11-23T21:00:00Z".parse().unwrap()));
    }

    #[test]
    fn mistakes_are_named() {
        let err = |t: &str| load(t).unwrap_err().0;
        assert!(err("[alerts]\ntiers = [\"cold\"]").contains("'cold' is not one of"));
        assert!(err("[alerts]\nescalate_after_days = 0").contains("out of range"));
        assert!(err("[alerts]\nquiet_hours = \"late\"").contains("[alerts] quiet_hours"));
        assert!(err("[alerts]\nchannel_id = 0").contains("0 is not a Discord id"));
        assert!(err("[[alerts.threshold]]\nmetric = \"stale\"").contains("exactly one of above"));
        assert!(err("[[alerts.threshold]]\nmetric = \"stale\"\nabove = 1\nbelow = 2").contains("exactly one"));
        assert!(err("[[alerts.threshold]]\nmetric = \"mood\"\nabove = 1").contains("metric 'mood' is not one of"));
        assert!(err("[[alerts.threshold]]\nmetric = \"green_conversion_month\"\nbelow = 120").contains("out of range"));
        assert!(err("[alerts]\nloud = true").contains("unknown field"));
    }
}
