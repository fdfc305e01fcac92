//! The audit of write-back actions as people read it (issue 15): one row per action — when, who,
//! what, which lead, the detail and the outcome with the CRM's reason — and who may see which.
//! Pure: the bot's `/audit` and the command line's report draw and print these same rows.

use chrono_tz::Tz;

use crate::actions::{ActionKind, State};
use crate::people::Scope;
use crate::store::ActionRecord;
use crate::time::Stamp;
use crate::views::local;

/// One action, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRow {
    /// "2026-11-20 09:00", in the business zone.
    pub when: String,
    pub who: String,
    /// "reassign", "note", "task".
    pub action: &'static str,
    /// "Ann Lee (36523970000000016051)".
    pub lead: String,
    /// "Bo Diaz → Cy Eng", the note's text, "Call back · due 2026-11-24 · for Bo Diaz".
    pub detail: String,
    /// "done", "conflict — the lead changed…", "refused — Record is locked (RECORD_LOCKED)".
    pub outcome: String,
}

/// The longest a note's text runs in a row before it is cut (the whole text is in the CRM).
const DETAIL_MAX: usize = 120;

fn cut(s: &str, max: usize) -> String {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        format!("{}…", one_line.chars().take(max - 1).collect::<String>())
    }
}

/// What was asked, without who or when: "Bo Diaz → Cy Eng", "“Called twice”", "Call back ·
/// due 2026-11-24 · for Bo Diaz".
pub fn detail(r: &ActionRecord) -> String {
    let name =
        |p: &Option<crate::actions::Person>| p.as_ref().map(|p| p.name.clone()).unwrap_or_else(|| "nobody".into());
    match r.kind {
        ActionKind::Reassign => format!("{} → {}", name(&r.from), name(&r.to)),
        ActionKind::Note => format!("“{}”", cut(r.body.as_deref().unwrap_or(""), DETAIL_MAX)),
        ActionKind::Task => {
            let due = r.due.map(|d| format!(" · due {d}")).unwrap_or_default();
            format!("{}{due} · for {}", cut(r.body.as_deref().unwrap_or(""), DETAIL_MAX), name(&r.to))
        }
    }
}

/// The outcome in a word, with the reason when there is one.
pub fn outcome(r: &ActionRecord) -> String {
    let word = match r.state {
        State::Pending => "in progress",
        State::Done => "done",
        State::Conflict => "conflict",
        State::Refused => "refused",
        State::Failed => "failed",
        State::Denied => "denied",
    };
    match (&r.reason, &r.code) {
        (Some(why), Some(code)) if r.state == State::Refused && !why.contains(code.as_str()) => {
            format!("{word} — {why} ({code})")
        }
        (Some(why), _) => format!("{word} — {why}"),
        (None, _) => word.to_string(),
    }
}

impl AuditRow {
    pub fn of(r: &ActionRecord, tz: Tz) -> AuditRow {
        AuditRow {
            when: local(&Stamp::from_utc(r.requested_at), tz),
            who: r.by_name.clone(),
            action: r.kind.as_str(),
            lead: format!("{} ({})", r.lead_name, r.lead_id),
            detail: detail(r),
            outcome: outcome(r),
        }
    }
}

/// Whether someone seeing `scope` may see this action: it concerns a lead of theirs — owned by
/// one of theirs now (`owner_now`), before the action, or after it. A manager sees a lead
/// their team handed away; a member, the actions on their own leads.
pub fn visible(r: &ActionRecord, scope: &Scope, owner_now: Option<&str>) -> bool {
    scope.allows(owner_now)
        || scope.allows(r.from.as_ref().map(|p| p.id.as_str()))
        || (r.kind == ActionKind::Reassign && scope.allows(r.to.as_ref().map(|p| p.id.as_str())))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::actions::{ActionKey, Person};
    use crate::store::Via;

    fn p(id: &str, name: &str) -> Option<Person> {
        Some(Person { id: id.into(), name: name.into() })
    }

    fn rec(kind: ActionKind, state: State) -> ActionRecord {
        ActionRecord {
            id: 1,
            key: ActionKey::new(),
            lead_id: "7001".into(),
            lead_name: "Ann Lee".into(),
            kind,
            by_discord: Some(5),
            by_name: "Cora Coord".into(),
            via: Via::Discord,
            from: p("u1", "Bo Diaz"),
            to: p("u2", "Cy Eng"),
            body: None,
            due: None,
            seen_modified: None,
            requested_at: Utc.with_ymd_and_hms(2026, 11, 20, 14, 0, 0).unwrap(),
            state,
            crm_id: None,
            code: None,
            reason: None,
            resolved_at: None,
            attempts: 1,
        }
    }

    #[test]
    fn each_kind_reads_as_a_row() {
        let tz = chrono_tz::America::New_York;
        let r = AuditRow::of(&rec(ActionKind::Reassign, State::Done), tz);
        assert_eq!(
            r,
            AuditRow {
                when: "2026-11-20 09:00".into(),
                who: "Cora Coord".into(),
                action: "reassign",
                lead: "Ann Lee (7001)".into(),
                detail: "Bo Diaz → Cy Eng".into(),
                outcome: "done".into(),
            }
        );
        let mut n = rec(ActionKind::Note, State::Refused);
        n.body = Some("Called\ntwice".into());
        n.code = Some("RECORD_LOCKED".into());
        n.reason = Some("Record is locked".into());
        assert_eq!(detail(&n), "“Called twice”");
        assert_eq!(outcome(&n), "refused — Record is locked (RECORD_LOCKED)");
        let mut t = rec(ActionKind::Task, State::Conflict);
        t.body = Some("Call back".into());
        t.due = chrono::NaiveDate::from_ymd_opt(2026, 11, 24);
        t.reason = Some("the lead changed".into());
        assert_eq!(detail(&t), "Call back · due 2026-11-24 · for Cy Eng");
        assert_eq!(outcome(&t), "conflict — the lead changed");
        n.body = Some("x".repeat(300));
        assert_eq!(detail(&n).chars().count(), DETAIL_MAX + 2, "cut, with the quotes");
    }

    #[test]
    fn a_scope_sees_actions_on_its_leads_before_and_after() {
        let team = Scope::Owners(BTreeSet::from(["u1".to_string()]));
        let other = Scope::Owners(BTreeSet::from(["u9".to_string()]));
        let r = rec(ActionKind::Reassign, State::Done);
        assert!(visible(&r, &Scope::Everyone, Some("u2")));
        assert!(visible(&r, &team, Some("u2")), "handed away from the team");
        assert!(!visible(&r, &other, Some("u2")));
        let mut n = rec(ActionKind::Note, State::Done);
        n.to = None;
        n.from = p("u9", "Dee");
        assert!(visible(&n, &other, Some("u9")));
        assert!(!visible(&n, &team, Some("u9")));
        // A task's `to` is the owner it was for, already the `from`: nothing more is seen.
        let mut t = rec(ActionKind::Task, State::Done);
        t.from = p("u9", "Dee");
        assert!(!visible(&t, &team, Some("u9")));
    }
}
