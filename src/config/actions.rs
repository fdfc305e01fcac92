//! `[actions]`: the write-back actions (issue 15), off until enabled. The actions themselves are
//! in `crate::actions`.

use serde::Deserialize;

use super::{bad, ConfigError};

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawActions {
    pub enabled: bool,
    /// Unset: the audit is kept forever.
    pub keep_days: Option<u32>,
}

/// The write-back settings, valid by construction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActionsConfig {
    /// Reassign, note and follow-up task are offered (each still needs its OAuth scope).
    pub enabled: bool,
    /// Resolved actions older than this many days leave the audit; `None`: kept forever.
    pub keep_days: Option<u32>,
}

pub(super) fn actions(a: RawActions) -> Result<ActionsConfig, ConfigError> {
    if let Some(d) = a.keep_days {
        if !(30..=36_500).contains(&d) {
            return Err(bad(
                "[actions] keep_days",
                format!("{d} is out of range (30–36500 days; leave it out to keep the audit forever)"),
            ));
        }
    }
    Ok(ActionsConfig { enabled: a.enabled, keep_days: a.keep_days })
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    fn load(extra: &str) -> Result<Config, String> {
        let text = format!("[zoho]\nclient_id = \"1000.ABC\"\n{extra}");
        Config::from_toml(&text, &|_| Some("x".into())).map_err(|e| e.0)
    }

    #[test]
    fn off_by_default_and_kept_forever() {
        let c = load("").unwrap();
        assert!(!c.actions.enabled);
        assert_eq!(c.actions.keep_days, None);
        let c = load("[actions]\nenabled = true\nkeep_days = 365").unwrap();
        assert!(c.actions.enabled);
        assert_eq!(c.actions.keep_days, Some(365));
    }

    #[test]
    fn bad_values_are_named() {
        assert!(load("[actions]\nkeep_days = 3").unwrap_err().contains("[actions] keep_days: 3 is out of range"));
        let e = load("[actions]\nenable = true").unwrap_err();
        assert!(e.contains("enable"), "{e}");
    }
}
