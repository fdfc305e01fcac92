//! When a lead goes over the locator's head: still stale `escalate_after_days` after its first
//! nudge, or stale that long with nobody acknowledging it, or at once when the locator asks for
//! help. Once per lead and appointment (the store's unique index holds that line too).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::rules::Status;

/// What the escalation decision reads about one lead, for its current appointment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EscalationFacts {
    pub status: Status,
    /// Whole days it has been stale (days since the appointment minus the stale threshold);
    /// `None` when it is not stale.
    pub days_stale: Option<i64>,
    /// The first nudge since the appointment.
    pub first_nudge: Option<DateTime<Utc>>,
    /// Followed up or acknowledged since the appointment.
    pub acknowledged: bool,
    /// The locator asked for help since the appointment.
    pub need_help: bool,
    pub snoozed: bool,
    /// Already escalated for this appointment.
    pub escalated: bool,
}

/// Why a lead is escalated, in words for the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EscalationReason {
    NeedHelp,
    /// Still stale this many days after the first nudge.
    Nudged {
        days: i64,
    },
    /// Stale this many days with no acknowledgement.
    Unacknowledged {
        days: i64,
    },
}

impl EscalationReason {
    pub fn describe(&self) -> String {
        let days = |n: &i64| format!("{n} day{}", if *n == 1 { "" } else { "s" });
        match self {
            EscalationReason::NeedHelp => "the locator asked for help".into(),
            EscalationReason::Nudged { days: n } => format!("still stale {} after the first nudge", days(n)),
            EscalationReason::Unacknowledged { days: n } => format!("stale {} with no follow-up", days(n)),
        }
    }
}

/// Whether to escalate now. Days since the nudge are calendar days in the business zone `tz`
/// (a nudge at 17:00 counts a day at the next midnight, as the rules count days).
pub fn escalation_due(f: &EscalationFacts, now: DateTime<Utc>, after_days: u32, tz: Tz) -> Option<EscalationReason> {
    if f.escalated || f.snoozed {
        return None;
    }
    if f.need_help && matches!(f.status, Status::Stale | Status::AtRisk) {
        return Some(EscalationReason::NeedHelp);
    }
    if f.status != Status::Stale {
        return None;
    }
    let after = i64::from(after_days);
    if let Some(nudge) = f.first_nudge {
        let days = (now.with_timezone(&tz).date_naive() - nudge.with_timezone(&tz).date_naive()).num_days();
        return (days >= after).then_some(EscalationReason::Nudged { days });
    }
    match f.days_stale {
        Some(days) if !f.acknowledged && days >= after => Some(EscalationReason::Unacknowledged { days }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    const NY: Tz = chrono_tz::America::New_York;

    fn stale(days: i64) -> EscalationFacts {
        EscalationFacts {
            status: Status::Stale,
            days_stale: Some(days),
            first_nudge: None,
            acknowledged: false,
            need_help: false,
            snoozed: false,
            escalated: false,
        }
    }

    #[test]
    fn stale_and_unacknowledged_for_the_configured_days() {
        let now = at("2026-11-23T15:00:00Z");
        assert_eq!(escalation_due(&stale(1), now, 2, NY), None);
        assert_eq!(escalation_due(&stale(2), now, 2, NY), Some(EscalationReason::Unacknowledged { days: 2 }));
        assert_eq!(escalation_due(&EscalationFacts { acknowledged: true, ..stale(9) }, now, 2, NY), None);
        assert_eq!(escalation_due(&EscalationFacts { escalated: true, ..stale(9) }, now, 2, NY), None, "once");
        assert_eq!(escalation_due(&EscalationFacts { snoozed: true, ..stale(9) }, now, 2, NY), None);
        let risky = EscalationFacts { status: Status::AtRisk, days_stale: None, ..stale(0) };
        assert_eq!(escalation_due(&risky, now, 0, NY), None, "only stale leads escalate on age");
    }

    #[test]
    fn after_a_nudge_the_clock_starts_at_the_nudge_in_local_days() {
        // Nudged Fri 20 Nov 22:30 EST (Sat 03:30 UTC): local date the 20th.
        let nudged = EscalationFacts { first_nudge: Some(at("2026-11-21T03:30:00Z")), acknowledged: true, ..stale(9) };
        assert_eq!(escalation_due(&nudged, at("2026-11-22T04:59:00Z"), 2, NY), None, "Sat 23:59 local: 1 day");
        assert_eq!(
            escalation_due(&nudged, at("2026-11-22T05:00:00Z"), 2, NY),
            Some(EscalationReason::Nudged { days: 2 }),
            "Sun 00:00 local: 2 days, even though it was followed up"
        );
    }

    #[test]
    fn asking_for_help_escalates_at_once() {
        let help = EscalationFacts { status: Status::AtRisk, days_stale: None, need_help: true, ..stale(0) };
        assert_eq!(escalation_due(&help, at("2026-11-23T15:00:00Z"), 5, NY), Some(EscalationReason::NeedHelp));
        let moved = EscalationFacts { status: Status::Progressed, ..help };
        assert_eq!(escalation_due(&moved, at("2026-11-23T15:00:00Z"), 5, NY), None);
    }
}
