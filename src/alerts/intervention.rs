//! What someone did about a lead: the record every nudge, answer, snooze and escalation leaves,
//! kept forever. The KPIs (time to intervention, locator response time) are computed from it.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// What was done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Someone asked the locator to follow up (a DM with answer buttons).
    Nudge,
    /// The locator says they followed up (with a one-line note).
    FollowedUp,
    /// Snoozed, with a reason and an expiry.
    Snooze,
    /// The locator asked for help.
    NeedHelp,
    /// Panopticon escalated the lead to the locator's manager.
    Escalation,
    /// A snooze lifted by hand before its expiry.
    Unsnooze,
    /// Seen and owned, without a snooze.
    Acknowledge,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::Nudge,
        Kind::FollowedUp,
        Kind::Snooze,
        Kind::NeedHelp,
        Kind::Escalation,
        Kind::Unsnooze,
        Kind::Acknowledge,
    ];

    /// The name in data (the database, JSON, CSV).
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Nudge => "nudge",
            Kind::FollowedUp => "followed_up",
            Kind::Snooze => "snooze",
            Kind::NeedHelp => "need_help",
            Kind::Escalation => "escalation",
            Kind::Unsnooze => "unsnooze",
            Kind::Acknowledge => "acknowledge",
        }
    }

    /// In a sentence: "Ann **nudged** Bo".
    pub const fn verb(self) -> &'static str {
        match self {
            Kind::Nudge => "nudged",
            Kind::FollowedUp => "followed up",
            Kind::Snooze => "snoozed",
            Kind::NeedHelp => "asked for help",
            Kind::Escalation => "escalated",
            Kind::Unsnooze => "lifted the snooze",
            Kind::Acknowledge => "acknowledged",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// An answer to a nudge (what ends the locator's response time).
    pub const fn is_answer(self) -> bool {
        matches!(self, Kind::FollowedUp | Kind::Snooze | Kind::NeedHelp | Kind::Acknowledge)
    }

    /// Counts as someone acting on the lead (what ends the time to intervention). Lifting a
    /// snooze does not.
    pub const fn is_intervention(self) -> bool {
        !matches!(self, Kind::Unsnooze)
    }
}

/// One recorded intervention.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Intervention {
    /// 0 before it is recorded.
    pub id: i64,
    pub at: DateTime<Utc>,
    pub lead_id: String,
    pub kind: Kind,
    /// Who, as a Discord user id; `None` for Panopticon itself (an escalation) or the CLI.
    pub by_discord: Option<u64>,
    /// Their name at the time, as people read it.
    pub by_name: String,
    /// The lead's owner (CRM user id) and locator name at the time.
    pub owner_id: Option<String>,
    pub locator: Option<String>,
    /// The lead's reference appointment at the time (UTC text).
    pub appointment: Option<String>,
    pub note: Option<String>,
    /// The nudge this answers.
    pub answers: Option<i64>,
    /// A snooze's expiry; `None` with `Kind::Snooze`: until the next appointment.
    pub until: Option<DateTime<Utc>>,
}

impl Intervention {
    /// A new record of `kind` on `lead_id` by `by_name` at `at`; the rest is filled by the caller.
    pub fn new(kind: Kind, lead_id: &str, by_name: &str, at: DateTime<Utc>) -> Intervention {
        Intervention {
            id: 0,
            at,
            lead_id: lead_id.to_string(),
            kind,
            by_discord: None,
            by_name: by_name.to_string(),
            owner_id: None,
            locator: None,
            appointment: None,
            note: None,
            answers: None,
            until: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_classify() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
        assert!(Kind::FollowedUp.is_answer() && !Kind::Nudge.is_answer() && !Kind::Escalation.is_answer());
        assert!(Kind::Nudge.is_intervention() && !Kind::Unsnooze.is_intervention());
    }
}
