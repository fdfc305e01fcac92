//! What was done about a lead (the follow-up loop): each nudge, answer, snooze and escalation as
//! the lead story shows it — who, when, how, with the note — the snooze now holding, and each
//! write-back action (reassign, note, task) with who asked, when, and what came of it.

use serde::Serialize;

use crate::alerts::{Intervention, Kind};
use crate::store::ActionRecord;
use crate::time::Stamp;
use crate::views::audit::{detail, outcome};
use crate::views::local;

/// One write-back action on the lead, oldest first in the story.
#[derive(Clone, Debug, Serialize)]
pub struct ActionLine {
    #[serde(serialize_with = "crate::views::ser_stamp")]
    pub at: Option<Stamp>,
    /// "reassign", "note", "task".
    pub action: &'static str,
    pub by: String,
    /// "Bo Diaz → Cy Eng", the note, the task's subject and due date.
    pub detail: String,
    /// "done", "refused — Record is locked (RECORD_LOCKED)"…
    pub outcome: String,
}

impl ActionLine {
    pub fn of(r: &ActionRecord) -> ActionLine {
        ActionLine {
            at: Some(Stamp::from_utc(r.requested_at)),
            action: r.kind.as_str(),
            by: r.by_name.clone(),
            detail: detail(r),
            outcome: outcome(r),
        }
    }

    /// "2026-11-20 09:00  reassign by Cora Coord: Bo Diaz → Cy Eng — done".
    pub fn line(&self, tz: chrono_tz::Tz) -> String {
        let when = self.at.map(|t| local(&t, tz)).unwrap_or_default();
        format!("{when}  {} by {}: {} — {}", self.action, self.by, self.detail, self.outcome)
    }
}

/// One intervention on the lead, oldest first in the story.
#[derive(Clone, Debug, Serialize)]
pub struct FollowLine {
    pub id: i64,
    #[serde(serialize_with = "crate::views::ser_stamp")]
    pub at: Option<Stamp>,
    pub kind: Kind,
    pub by: String,
    /// The locator at the time (a nudge's addressee).
    pub locator: Option<String>,
    pub note: Option<String>,
    /// The nudge this answers.
    pub answers: Option<i64>,
    /// A snooze's end; `null` on a snooze: until the next appointment.
    #[serde(serialize_with = "crate::views::ser_stamp")]
    pub until: Option<Stamp>,
}

/// The snooze holding on the lead now.
#[derive(Clone, Debug, Serialize)]
pub struct SnoozeNow {
    /// `null`: until the next appointment (or a stage change).
    #[serde(serialize_with = "crate::views::ser_stamp")]
    pub until: Option<Stamp>,
    pub reason: String,
    pub by: String,
}

impl FollowLine {
    pub fn of(i: &Intervention) -> FollowLine {
        FollowLine {
            id: i.id,
            at: Some(Stamp::from_utc(i.at)),
            kind: i.kind,
            by: i.by_name.clone(),
            locator: i.locator.clone(),
            note: i.note.clone(),
            answers: i.answers,
            until: i.until.map(Stamp::from_utc),
        }
    }

    /// In a sentence, without the time: "nudged by Ann Coord (to Bo Diaz)", "answered by Bo
    /// Diaz: followed up — “Called, booked a revisit”".
    pub fn sentence(&self, tz: chrono_tz::Tz) -> String {
        let note = self.note.as_deref().map(|n| format!(" — “{n}”")).unwrap_or_default();
        let until = match self.until {
            Some(u) => format!("until {}", local(&u, tz)),
            None => "until the next appointment".into(),
        };
        let how = match self.kind {
            Kind::Nudge => {
                let to = self.locator.as_deref().map(|l| format!(" (to {l})")).unwrap_or_default();
                return format!("nudged by {}{to}{note}", self.by);
            }
            Kind::FollowedUp => format!("followed up{note}"),
            Kind::NeedHelp => format!("needs help{note}"),
            Kind::Snooze => format!("snoozed {until}{note}"),
            Kind::Acknowledge => format!("acknowledged{note}"),
            Kind::Unsnooze => return format!("snooze lifted by {}", self.by),
            Kind::Escalation => return format!("escalated{note}"),
        };
        if self.answers.is_some() {
            format!("answered by {}: {how}", self.by)
        } else {
            format!("{how} (by {})", self.by)
        }
    }

    /// "2026-11-20 09:00  nudged by …": a line of the story.
    pub fn line(&self, tz: chrono_tz::Tz) -> String {
        let when = self.at.map(|t| local(&t, tz)).unwrap_or_default();
        format!("{when}  {}", self.sentence(tz))
    }
}

impl SnoozeNow {
    /// "SNOOZED until 2026-11-23 09:00 by Bo Diaz — “Owner on holiday”".
    pub fn sentence(&self, tz: chrono_tz::Tz) -> String {
        let until = match self.until {
            Some(u) => format!("until {}", local(&u, tz)),
            None => "until the next appointment".into(),
        };
        format!("SNOOZED {until} by {} — “{}”", self.by, self.reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&chrono::Utc)
    }

    #[test]
    fn each_kind_reads_as_a_sentence() {
        let tz = chrono_tz::America::New_York;
        let mut n = Intervention::new(Kind::Nudge, "7", "Ann Coord", at("2026-11-20T14:00:00Z"));
        n.locator = Some("Bo Diaz".into());
        assert_eq!(FollowLine::of(&n).line(tz), "2026-11-20 09:00  nudged by Ann Coord (to Bo Diaz)");
        let mut a = Intervention::new(Kind::FollowedUp, "7", "Bo Diaz", at("2026-11-20T16:00:00Z"));
        a.answers = Some(1);
        a.note = Some("Called".into());
        assert_eq!(FollowLine::of(&a).sentence(tz), "answered by Bo Diaz: followed up — “Called”");
        let mut s = Intervention::new(Kind::Snooze, "7", "Bo Diaz", at("2026-11-20T16:00:00Z"));
        s.note = Some("Owner away".into());
        assert_eq!(FollowLine::of(&s).sentence(tz), "snoozed until the next appointment — “Owner away” (by Bo Diaz)");
        s.until = Some(at("2026-11-22T16:00:00Z"));
        s.answers = Some(1);
        assert_eq!(
            FollowLine::of(&s).sentence(tz),
            "answered by Bo Diaz: snoozed until 2026-11-22 11:00 — “Owner away”"
        );
        let u = Intervention::new(Kind::Unsnooze, "7", "Ann Coord", at("2026-11-21T16:00:00Z"));
        assert_eq!(FollowLine::of(&u).sentence(tz), "snooze lifted by Ann Coord");
    }

    #[test]
    fn an_action_reads_with_who_when_and_outcome() {
        use crate::actions::{ActionKey, ActionKind, Person, State};
        let r = ActionRecord {
            id: 1,
            key: ActionKey::new(),
            lead_id: "7".into(),
            lead_name: "Ann Lee".into(),
            kind: ActionKind::Reassign,
            by_discord: None,
            by_name: "Cora Coord".into(),
            via: crate::store::Via::Discord,
            from: Some(Person { id: "1".into(), name: "Bo Diaz".into() }),
            to: Some(Person { id: "2".into(), name: "Cy Eng".into() }),
            body: None,
            due: None,
            seen_modified: None,
            requested_at: at("2026-11-20T14:00:00Z"),
            state: State::Done,
            crm_id: None,
            code: None,
            reason: None,
            resolved_at: None,
            attempts: 1,
        };
        let tz = chrono_tz::America::New_York;
        assert_eq!(ActionLine::of(&r).line(tz), "2026-11-20 09:00  reassign by Cora Coord: Bo Diaz → Cy Eng — done");
    }
}
