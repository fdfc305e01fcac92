//! Write-back actions on a lead (issue 15): reassign it, add a note, set its owner a follow-up
//! task — written to the CRM, permitted, confirmed, conflict-checked, exactly once, audited.
//!
//! This module is pure: what an action is (parsed, so a bad note or a date in the past never
//! reaches the CRM), which OAuth scopes it needs and whether a token's grant covers them, the
//! idempotency key that makes a double click or a retry write once, and the states an action's
//! record goes through. The I/O shell that performs one is `run`.

pub mod run;

use std::collections::BTreeSet;
use std::fmt;

use chrono::NaiveDate;

/// The three write-back actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActionKind {
    Reassign,
    Note,
    Task,
}

impl ActionKind {
    pub const ALL: [ActionKind; 3] = [ActionKind::Reassign, ActionKind::Note, ActionKind::Task];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Reassign => "reassign",
            ActionKind::Note => "note",
            ActionKind::Task => "task",
        }
    }

    pub fn parse(s: &str) -> Option<ActionKind> {
        ActionKind::ALL.into_iter().find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// The OAuth scopes the action needs on top of what the sync reads with. Notes and tasks
    /// also need READ: an action interrupted mid-call is resolved by reading back what it wrote.
    pub fn scopes(self) -> &'static [&'static str] {
        match self {
            ActionKind::Reassign => &["ZohoCRM.modules.leads.UPDATE"],
            ActionKind::Note => &["ZohoCRM.modules.notes.CREATE", "ZohoCRM.modules.notes.READ"],
            ActionKind::Task => &["ZohoCRM.modules.tasks.CREATE", "ZohoCRM.modules.tasks.READ"],
        }
    }

    /// The act `Access::may` decides for this action.
    pub fn act(self) -> crate::people::LoopAct {
        use crate::people::LoopAct;
        match self {
            ActionKind::Reassign => LoopAct::Reassign,
            ActionKind::Note => LoopAct::Note,
            ActionKind::Task => LoopAct::Task,
        }
    }

    /// What people read: "reassign", "note", "follow-up task".
    pub fn label(self) -> &'static str {
        match self {
            ActionKind::Reassign => "reassign",
            ActionKind::Note => "note",
            ActionKind::Task => "follow-up task",
        }
    }
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The longest note Panopticon writes (Zoho's Note_Content allows far more; a note typed in a
/// Discord form is at most 4,000 characters).
pub const NOTE_MAX: usize = 4000;
/// Zoho's Subject fields are 255 characters long at most.
pub const SUBJECT_MAX: usize = 255;

/// Text typed by a person, made safe to write: trimmed, control characters (escape sequences
/// among them) removed except line breaks and tabs, not empty, not over `max` characters.
fn clean_text(raw: &str, what: &str, max: usize, multiline: bool) -> Result<String, String> {
    let cleaned: String = raw
        .chars()
        .map(|c| if !multiline && (c == '\n' || c == '\r' || c == '\t') { ' ' } else { c })
        .filter(|c| !c.is_control() || (multiline && (*c == '\n' || *c == '\t')))
        .collect();
    let t = cleaned.trim();
    if t.is_empty() {
        return Err(format!("the {what} is empty"));
    }
    let n = t.chars().count();
    if n > max {
        return Err(format!("the {what} is {n} characters long; the most is {max}"));
    }
    Ok(t.to_string())
}

/// A note's text, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteText(String);

impl NoteText {
    pub fn parse(raw: &str) -> Result<NoteText, String> {
        clean_text(raw, "note", NOTE_MAX, true).map(NoteText)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A task's subject, parsed (one line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject(String);

impl Subject {
    pub fn parse(raw: &str) -> Result<Subject, String> {
        clean_text(raw, "subject", SUBJECT_MAX, false).map(Subject)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A follow-up task's due date: today or later in the business zone (a task due yesterday is
/// a typing mistake, not a follow-up).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DueDate(NaiveDate);

impl DueDate {
    /// `raw` is `YYYY-MM-DD`, `today`, `tomorrow` or `+Nd` (N days from `today`, up to a year).
    pub fn parse(raw: &str, today: NaiveDate) -> Result<DueDate, String> {
        let t = raw.trim().to_ascii_lowercase();
        let date = match t.as_str() {
            "today" => today,
            "tomorrow" => today + chrono::Days::new(1),
            _ => {
                if let Some(n) = t.strip_prefix('+').and_then(|d| d.strip_suffix('d')) {
                    let n: u64 = n.parse().map_err(|_| format!("'{}' is not a number of days like +3d", raw.trim()))?;
                    if n > 366 {
                        return Err(format!("'{}' is more than a year away", raw.trim()));
                    }
                    today + chrono::Days::new(n)
                } else {
                    NaiveDate::parse_from_str(&t, "%Y-%m-%d").map_err(|_| {
                        format!("'{}' is not a date (expected YYYY-MM-DD, today, tomorrow or +3d)", raw.trim())
                    })?
                }
            }
        };
        if date < today {
            return Err(format!("the due date {date} is in the past (today is {today})"));
        }
        if date > today + chrono::Days::new(366) {
            return Err(format!("the due date {date} is more than a year away"));
        }
        Ok(DueDate(date))
    }

    pub fn date(self) -> NaiveDate {
        self.0
    }
}

/// A CRM user an action names (the new owner of a reassigned lead).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub id: String,
    pub name: String,
}

/// One action, parsed and complete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Give the lead to another CRM user (the locator field, `[zoho.fields] locator`).
    Reassign { to: Person },
    /// A note on the lead's record.
    Note { text: NoteText },
    /// A task for the lead's owner, linked to the lead.
    Task { subject: Subject, due: DueDate },
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Reassign { .. } => ActionKind::Reassign,
            Action::Note { .. } => ActionKind::Note,
            Action::Task { .. } => ActionKind::Task,
        }
    }
}

/// An action's idempotency key: 16 lowercase hex digits, made when the action is offered (the
/// confirmation button, the form) and carried by it, so a second click, a resubmitted form or
/// a retry names the same action and never writes again.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActionKey(String);

impl ActionKey {
    /// A new random key.
    pub fn new() -> ActionKey {
        let mut b = [0u8; 8];
        // The OS's generator; fall back to fastrand only if it is unavailable (a key need not
        // be secret, only unique: custom_ids carrying it are signed).
        if getrandom::getrandom(&mut b).is_err() {
            b = fastrand::u64(..).to_be_bytes();
        }
        ActionKey(b.iter().map(|x| format!("{x:02x}")).collect())
    }

    pub fn parse(s: &str) -> Result<ActionKey, String> {
        if s.len() == 16 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            Ok(ActionKey(s.to_string()))
        } else {
            Err("not an action key".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The reference written into a note or task, by which an action interrupted mid-call is
    /// found again in the CRM (and which a person in Zoho can trace back to the audit log).
    pub fn marker(&self) -> String {
        format!("Panopticon ref {}", self.0)
    }
}

impl Default for ActionKey {
    fn default() -> Self {
        ActionKey::new()
    }
}

impl fmt::Display for ActionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What the CRM token was granted, as its token endpoint said (`scope`, space-separated).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scopes {
    /// The token endpoint did not say: every action is offered, and a missing scope shows up
    /// as the CRM's refusal when the action is tried.
    Unknown,
    Granted(BTreeSet<String>),
}

impl Scopes {
    /// Parses Zoho's `scope` value (space- or comma-separated; case does not matter).
    pub fn parse(text: &str) -> Scopes {
        Scopes::Granted(
            text.split(|c: char| c.is_whitespace() || c == ',')
                .filter(|s| !s.is_empty())
                .map(|s| s.to_ascii_lowercase())
                .collect(),
        )
    }

    /// Whether the grant covers `needed` (e.g. `ZohoCRM.modules.leads.UPDATE`): the scope
    /// itself, its module's `ALL` (or `WRITE` for a create, update or delete), or the same for
    /// every module (`ZohoCRM.modules.ALL`).
    pub fn covers(&self, needed: &str) -> bool {
        let Scopes::Granted(set) = self else { return true };
        let needed = needed.to_ascii_lowercase();
        let Some((base, op)) = needed.rsplit_once('.') else { return set.contains(&needed) };
        let writes = matches!(op, "create" | "update" | "delete");
        let ok = |b: &str| {
            set.contains(&format!("{b}.{op}"))
                || set.contains(&format!("{b}.all"))
                || (writes && set.contains(&format!("{b}.write")))
        };
        if ok(base) {
            return true;
        }
        // `zohocrm.modules.leads` → also `zohocrm.modules.{op|all|write}`.
        match base.rsplit_once('.') {
            Some((group, _module)) if group.ends_with(".modules") => ok(group),
            _ => false,
        }
    }

    /// The first scope `kind` needs that the grant lacks.
    pub fn missing(&self, kind: ActionKind) -> Option<&'static str> {
        kind.scopes().iter().copied().find(|s| !self.covers(s))
    }
}

/// Where an action's record stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// Recorded, the call made or about to be; not yet known to have landed.
    Pending,
    /// Written to the CRM.
    Done,
    /// The record changed in the CRM since it was shown: nothing was written.
    Conflict,
    /// The CRM refused it (locked, in approval, validation, permission, missing scope) with a
    /// reason; nothing was written.
    Refused,
    /// Not written and not refused by the CRM: it could not be reached, or an interrupted call
    /// was found not to have landed. Asking again is safe.
    Failed,
    /// The person was not allowed to; the CRM was not asked.
    Denied,
}

impl State {
    pub const ALL: [State; 6] =
        [State::Pending, State::Done, State::Conflict, State::Refused, State::Failed, State::Denied];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Done => "done",
            State::Conflict => "conflict",
            State::Refused => "refused",
            State::Failed => "failed",
            State::Denied => "denied",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn texts_are_cleaned_and_bounded() {
        assert_eq!(NoteText::parse("  called,\n\x1b[31mno answer\t ").unwrap().as_str(), "called,\n[31mno answer");
        assert!(NoteText::parse(" \n\t ").unwrap_err().contains("empty"));
        assert!(NoteText::parse(&"x".repeat(NOTE_MAX + 1)).unwrap_err().contains("4001 characters"));
        assert_eq!(NoteText::parse(&"é".repeat(NOTE_MAX)).unwrap().as_str().chars().count(), NOTE_MAX);
        assert_eq!(Subject::parse("Call\nback\r\nMonday").unwrap().as_str(), "Call back  Monday");
        assert!(Subject::parse(&"s".repeat(256)).is_err());
    }

    #[test]
    fn due_dates_are_today_or_later_and_within_a_year() {
        let today = d("2026-11-22");
        assert_eq!(DueDate::parse("2026-11-25", today).unwrap().date(), d("2026-11-25"));
        assert_eq!(DueDate::parse("today", today).unwrap().date(), today);
        assert_eq!(DueDate::parse("Tomorrow", today).unwrap().date(), d("2026-11-23"));
        assert_eq!(DueDate::parse("+10d", today).unwrap().date(), d("2026-12-02"));
        assert!(DueDate::parse("2026-11-21", today).unwrap_err().contains("in the past"));
        assert!(DueDate::parse("+400d", today).is_err());
        assert!(DueDate::parse("2028-01-01", today).unwrap_err().contains("more than a year"));
        assert!(DueDate::parse("22/11/2026", today).unwrap_err().contains("YYYY-MM-DD"));
        assert!(DueDate::parse("+xd", today).is_err());
    }

    #[test]
    fn keys_are_random_hex_and_parse_back() {
        let a = ActionKey::new();
        let b = ActionKey::new();
        assert_ne!(a, b);
        assert_eq!(ActionKey::parse(a.as_str()).unwrap(), a);
        for bad in ["", "0123456789abcdeF", "0123456789abcde", "0123456789abcdef0", "0123456789abcdeg"] {
            assert!(ActionKey::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(a.marker(), format!("Panopticon ref {a}"));
    }

    #[test]
    fn scopes_cover_by_scope_module_all_write_and_every_module() {
        let s = Scopes::parse("ZohoCRM.modules.leads.READ ZohoCRM.modules.leads.UPDATE,ZohoCRM.users.READ");
        assert!(s.covers("ZohoCRM.modules.leads.UPDATE"));
        assert_eq!(s.missing(ActionKind::Reassign), None);
        assert_eq!(s.missing(ActionKind::Note), Some("ZohoCRM.modules.notes.CREATE"));
        let all = Scopes::parse("ZohoCRM.modules.ALL ZohoCRM.users.READ");
        for k in ActionKind::ALL {
            assert_eq!(all.missing(k), None, "{k}");
        }
        let per_module =
            Scopes::parse("zohocrm.modules.notes.all ZohoCRM.modules.tasks.WRITE ZohoCRM.modules.tasks.READ");
        assert_eq!(per_module.missing(ActionKind::Note), None);
        assert_eq!(per_module.missing(ActionKind::Task), None);
        assert!(per_module.covers("ZohoCRM.modules.tasks.DELETE"));
        assert!(!per_module.covers("ZohoCRM.modules.leads.UPDATE"));
        // WRITE does not grant READ; READ does not grant UPDATE; another module's ALL is not this one's.
        let write_only =
            Scopes::parse("ZohoCRM.modules.tasks.WRITE ZohoCRM.modules.leads.READ ZohoCRM.modules.deals.ALL");
        assert_eq!(write_only.missing(ActionKind::Task), Some("ZohoCRM.modules.tasks.READ"));
        assert_eq!(write_only.missing(ActionKind::Reassign), Some("ZohoCRM.modules.leads.UPDATE"));
        assert_eq!(Scopes::Unknown.missing(ActionKind::Reassign), None);
        assert_eq!(Scopes::parse("").missing(ActionKind::Reassign), Some("ZohoCRM.modules.leads.UPDATE"));
    }

    #[test]
    fn kinds_and_states_round_trip() {
        for k in ActionKind::ALL {
            assert_eq!(ActionKind::parse(k.as_str()), Some(k));
        }
        for s in State::ALL {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
        assert_eq!(ActionKind::parse("delete"), None);
    }
}
