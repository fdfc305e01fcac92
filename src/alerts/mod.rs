//! The accountability loop's rules (DESIGN.md §6b), pure like `rules`: which leads are news
//! (`pass`), when alerts may go out (`window`), how long a snooze lasts and when it ends
//! (`snooze`), when a lead is escalated (`escalation`), what the KPI thresholds say
//! (`threshold`), and what counts as an intervention (`intervention`). The bot and the CLI read
//! the store, call these, and write what they decided — in one transaction each.
//!
//! Nothing here imports the configuration: `config` builds these values from `[alerts]`.

pub mod compose;
pub mod escalation;
pub mod intervention;
pub mod kpi;
pub mod metrics;
pub mod pass;
pub mod snooze;
pub mod threshold;
pub mod window;

use serde::Serialize;

pub use compose::{plan, AlertPlan, Known, LocatorGroup};
pub use escalation::{escalation_due, EscalationFacts, EscalationReason};
pub use intervention::{Intervention, Kind};
pub use pass::{current, fresh, Transition};
pub use snooze::{Expiry, Snooze};
pub use threshold::{Metric, Threshold, ThresholdEvent, ThresholdOp};
pub use window::Window;

/// What a transition alert announces: a lead newly at risk, newly stale, or newly stuck in a
/// green stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Stale,
    AtRisk,
    StuckGreen,
}

impl Tier {
    pub const ALL: [Tier; 3] = [Tier::Stale, Tier::AtRisk, Tier::StuckGreen];

    /// The name in data and config: `at_risk`, `stale`, `stuck_green`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Tier::Stale => "stale",
            Tier::AtRisk => "at_risk",
            Tier::StuckGreen => "stuck_green",
        }
    }

    /// In a sentence: "newly **stale**".
    pub const fn word(self) -> &'static str {
        match self {
            Tier::Stale => "stale",
            Tier::AtRisk => "at risk",
            Tier::StuckGreen => "stuck in green",
        }
    }

    pub fn parse(s: &str) -> Option<Tier> {
        let norm = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        let norm = if norm == "stuck_in_green" { "stuck_green" } else { &norm };
        Tier::ALL.into_iter().find(|t| t.as_str() == norm)
    }
}

impl std::fmt::Display for Tier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_parse_their_own_names_and_spellings() {
        for t in Tier::ALL {
            assert_eq!(Tier::parse(t.as_str()), Some(t));
        }
        assert_eq!(Tier::parse("At-Risk"), Some(Tier::AtRisk));
        assert_eq!(Tier::parse("stuck in green"), Some(Tier::StuckGreen));
        assert_eq!(Tier::parse("cold"), None);
    }
}
