//! `[sales]` and `[[targets]]`: what the sales dashboard (issue 16) needs to know that the CRM
//! does not say — the currency shown, which lead stages make a lead marketing- or
//! sales-qualified, and the targets people are measured against.

use serde::Deserialize;

use super::{bad, ConfigError};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawSales {
    pub currency: String,
    pub mql_stages: Vec<String>,
    pub sql_stages: Vec<String>,
}

impl Default for RawSales {
    fn default() -> Self {
        RawSales {
            currency: DEFAULT_CURRENCY.into(),
            mql_stages: DEFAULT_MQL_STAGES.iter().map(|s| s.to_string()).collect(),
            sql_stages: DEFAULT_SQL_STAGES.iter().map(|s| s.to_string()).collect(),
        }
    }
}

pub const DEFAULT_CURRENCY: &str = "$";
pub const DEFAULT_MQL_STAGES: &[&str] = &["Appt Set", "Appt Not Acknowledged", "Follow Up"];
pub const DEFAULT_SQL_STAGES: &[&str] = &["Proposal", "Green - Approved", "Green - Install Scheduled", "Delivered"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTarget {
    pub metric: Option<String>,
    pub period: String,
    pub value: f64,
    pub owner: Option<String>,
    pub team: Option<String>,
}

/// The sales settings, valid by construction.
#[derive(Clone, Debug, PartialEq)]
pub struct SalesConfig {
    /// Shown before amounts ("$", "€", "CHF "); at most 4 characters, no control characters.
    pub currency: String,
    /// A lead that ever entered one of these (or an SQL stage) is marketing-qualified.
    pub mql_stages: Vec<String>,
    /// A lead that ever entered one of these is sales-qualified.
    pub sql_stages: Vec<String>,
    pub targets: Vec<Target>,
}

impl Default for SalesConfig {
    fn default() -> Self {
        sales(RawSales::default(), Vec::new()).expect("the defaults are valid")
    }
}

/// What a target measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TargetMetric {
    /// Amount of deals won (closed in a won stage) in the period.
    WonRevenue,
    /// Number of deals won in the period.
    DealsWon,
    /// Leads created in the period.
    NewLeads,
    /// Calls made (completed) in the period.
    Calls,
    /// Meetings held in the period.
    Meetings,
}

impl TargetMetric {
    pub const ALL: [TargetMetric; 5] = [
        TargetMetric::WonRevenue,
        TargetMetric::DealsWon,
        TargetMetric::NewLeads,
        TargetMetric::Calls,
        TargetMetric::Meetings,
    ];

    pub fn key(self) -> &'static str {
        match self {
            TargetMetric::WonRevenue => "won_revenue",
            TargetMetric::DealsWon => "deals_won",
            TargetMetric::NewLeads => "new_leads",
            TargetMetric::Calls => "calls",
            TargetMetric::Meetings => "meetings",
        }
    }
}

/// The calendar unit a target is set for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TargetPeriod {
    Month,
    Quarter,
    Year,
}

impl TargetPeriod {
    pub fn key(self) -> &'static str {
        match self {
            TargetPeriod::Month => "month",
            TargetPeriod::Quarter => "quarter",
            TargetPeriod::Year => "year",
        }
    }

    /// Months in the unit.
    pub fn months(self) -> u32 {
        match self {
            TargetPeriod::Month => 1,
            TargetPeriod::Quarter => 3,
            TargetPeriod::Year => 12,
        }
    }
}

/// Whose target it is: a CRM user or a manager's team, named as in `[teams]` (id, email or
/// name; resolved against the synced users when used), or the whole org.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TargetWho {
    Org,
    Owner(String),
    Team(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub metric: TargetMetric,
    pub period: TargetPeriod,
    /// At least 0: an amount in the currency for revenue, a count otherwise.
    pub value: f64,
    pub who: TargetWho,
}

pub(super) fn sales(raw: RawSales, targets: Vec<RawTarget>) -> Result<SalesConfig, ConfigError> {
    let currency = raw.currency;
    if currency.chars().count() > 4 || currency.chars().any(char::is_control) {
        return Err(bad(
            "[sales] currency",
            "at most 4 characters, no control characters (e.g. \"$\", \"€\", \"CHF \")",
        ));
    }
    for (key, list) in [("mql_stages", &raw.mql_stages), ("sql_stages", &raw.sql_stages)] {
        if list.iter().any(|s| s.trim().is_empty()) {
            return Err(bad(&format!("[sales] {key}"), "a stage name is empty"));
        }
    }
    if let Some(s) = raw.mql_stages.iter().find(|s| raw.sql_stages.contains(s)) {
        return Err(bad(
            "[sales]",
            format!("stage '{s}' is in both mql_stages and sql_stages (an SQL lead is an MQL already)"),
        ));
    }
    let mut out = Vec::new();
    for (i, t) in targets.into_iter().enumerate() {
        let key = format!("[[targets]] #{}", i + 1);
        let m = t.metric.as_deref().unwrap_or("won_revenue");
        let metric = TargetMetric::ALL.into_iter().find(|x| x.key() == m).ok_or_else(|| {
            bad(
                &format!("{key} metric"),
                format!("'{m}' is not one of {}", TargetMetric::ALL.map(|m| m.key()).join(", ")),
            )
        })?;
        let period = match t.period.as_str() {
            "month" => TargetPeriod::Month,
            "quarter" => TargetPeriod::Quarter,
            "year" => TargetPeriod::Year,
            p => return Err(bad(&format!("{key} period"), format!("'{p}' is not month, quarter or year"))),
        };
        if !t.value.is_finite() || t.value < 0.0 || t.value > 1e13 {
            return Err(bad(&format!("{key} value"), format!("{} is not an amount from 0 to 10^13", t.value)));
        }
        let who = match (t.owner, t.team) {
            (Some(_), Some(_)) => return Err(bad(&key, "set owner or team, not both")),
            (Some(o), None) if !o.trim().is_empty() => TargetWho::Owner(o.trim().to_string()),
            (None, Some(m)) if !m.trim().is_empty() => TargetWho::Team(m.trim().to_string()),
            (None, None) => TargetWho::Org,
            _ => return Err(bad(&key, "owner or team is empty: name a CRM user by id, email or name")),
        };
        let target = Target { metric, period, value: t.value, who };
        if out.iter().any(|o: &Target| o.metric == target.metric && o.period == target.period && o.who == target.who) {
            return Err(bad(&key, "the same metric, period and owner/team is set twice"));
        }
        out.push(target);
    }
    Ok(SalesConfig { currency, mql_stages: raw.mql_stages, sql_stages: raw.sql_stages, targets: out })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn load(extra: &str) -> Result<Config, String> {
        let text = format!("[zoho]\nclient_id = \"1000.ABC\"\n{extra}");
        Config::from_toml(&text, &|_| Some("x".into())).map_err(|e| e.0)
    }

    #[test]
    fn defaults_and_targets() {
        let c = load("").unwrap();
        assert_eq!(c.sales, SalesConfig::default());
        assert_eq!(c.sales.currency, "$");
        assert!(c.sales.targets.is_empty());
        let c = load(
            "[sales]\ncurrency = \"€\"\n[[targets]]\nperiod = \"month\"\nvalue = 50000\n\
             [[targets]]\nmetric = \"calls\"\nperiod = \"quarter\"\nvalue = 300\nowner = \"Ann Lee\"\n\
             [[targets]]\nperiod = \"year\"\nvalue = 1e6\nteam = \"maya@x.test\"\n",
        )
        .unwrap();
        assert_eq!(c.sales.currency, "€");
        let t = &c.sales.targets;
        assert_eq!(
            (t[0].metric, t[0].period, t[0].value, &t[0].who),
            (TargetMetric::WonRevenue, TargetPeriod::Month, 50000.0, &TargetWho::Org)
        );
        assert_eq!((t[1].metric, &t[1].who), (TargetMetric::Calls, &TargetWho::Owner("Ann Lee".into())));
        assert_eq!(t[2].who, TargetWho::Team("maya@x.test".into()));
    }

    #[test]
    fn bad_values_are_named() {
        let e = load("[[targets]]\nperiod = \"week\"\nvalue = 1").unwrap_err();
        assert!(e.contains("[[targets]] #1 period: 'week'"), "{e}");
        let e = load("[[targets]]\nperiod = \"month\"\nvalue = -1").unwrap_err();
        assert!(e.contains("#1 value"), "{e}");
        let e = load("[[targets]]\nmetric = \"profit\"\nperiod = \"month\"\nvalue = 1").unwrap_err();
        assert!(e.contains("'profit' is not one of won_revenue"), "{e}");
        let e = load("[[targets]]\nperiod = \"month\"\nvalue = 1\nowner = \"a\"\nteam = \"b\"").unwrap_err();
        assert!(e.contains("not both"), "{e}");
        let e =
            load("[[targets]]\nperiod = \"month\"\nvalue = 1\n[[targets]]\nperiod = \"month\"\nvalue = 2").unwrap_err();
        assert!(e.contains("#2") && e.contains("twice"), "{e}");
        let e = load("[sales]\nmql_stages = [\"Proposal\"]").unwrap_err();
        assert!(e.contains("both mql_stages and sql_stages"), "{e}");
        let e = load("[sales]\ncurrency = \"\u{1b}[31m\"").unwrap_err();
        assert!(e.contains("[sales] currency"), "{e}");
        let e = load("[sales]\ncurency = \"$\"").unwrap_err();
        assert!(e.contains("curency"), "{e}");
    }
}
