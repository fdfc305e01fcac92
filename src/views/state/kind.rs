//! Which view: every view's names in one table — its letter in a custom_id, its word in
//! `panopticon report <VIEW>` (and the JSON `view`), its slash command, the other spellings a
//! person may type, and what it shows. A new view is one variant here; the compiler then lists
//! every match to extend.

use crate::rules::Status;

/// The three lists of appointed leads: one view each, sharing one builder (`views::list`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ListKind {
    Stale,
    AtRisk,
    Leads,
}

impl ListKind {
    pub const ALL: [ListKind; 3] = [ListKind::Stale, ListKind::AtRisk, ListKind::Leads];

    /// The status every row of this list has, if the list fixes one.
    pub fn status(self) -> Option<Status> {
        match self {
            ListKind::Stale => Some(Status::Stale),
            ListKind::AtRisk => Some(Status::AtRisk),
            ListKind::Leads => None,
        }
    }

    /// Its word, as the view's: "stale", "at-risk", "leads".
    pub fn name(self) -> &'static str {
        ViewKind::List(self).name()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ViewKind {
    List(ListKind),
    Calendar,
    Pipeline,
    Locators,
    Lead,
}

/// A row of `ViewKind::names`.
struct Names {
    /// In a custom_id: one letter, fixed forever (ids already posted carry it).
    letter: char,
    /// `panopticon report <name>` and the JSON `view` field.
    name: &'static str,
    /// Other spellings `report` accepts.
    aliases: &'static [&'static str],
    /// The slash command that opens it.
    command: &'static str,
    /// What it shows, for `--help`.
    about: &'static str,
}

impl ViewKind {
    pub const STALE: ViewKind = ViewKind::List(ListKind::Stale);
    pub const AT_RISK: ViewKind = ViewKind::List(ListKind::AtRisk);
    pub const LEADS: ViewKind = ViewKind::List(ListKind::Leads);

    /// Every view, in the order help lists them.
    pub const ALL: [ViewKind; 7] = [
        ViewKind::STALE,
        ViewKind::AT_RISK,
        ViewKind::LEADS,
        ViewKind::Calendar,
        ViewKind::Pipeline,
        ViewKind::Locators,
        ViewKind::Lead,
    ];

    fn names(self) -> Names {
        let (letter, name, aliases, command, about): (char, _, &'static [&'static str], _, _) = match self {
            ViewKind::List(ListKind::Stale) => {
                ('s', "stale", &[], "stale", "Leads gone cold, most overdue first, with how many each locator has")
            }
            ViewKind::List(ListKind::AtRisk) => (
                'r',
                "at-risk",
                &["atrisk", "at_risk"],
                "atrisk",
                "Leads about to go cold, most overdue first, with how many each locator has",
            ),
            ViewKind::List(ListKind::Leads) => {
                ('l', "leads", &[], "leads", "Every appointed lead and its status; filter and sort freely")
            }
            ViewKind::Calendar => (
                'c',
                "calendar",
                &[],
                "calendar",
                "Appointments day by day with each lead's status, and the periods before and after",
            ),
            ViewKind::Pipeline => (
                'p',
                "pipeline",
                &[],
                "pipeline",
                "Leads per stage, who is in which green stage, and conversion from appointment to green to delivered",
            ),
            ViewKind::Locators => (
                'o',
                "locators",
                &[],
                "locators",
                "Per locator: appointed, upcoming, awaiting, at risk, stale, progressed, closed, conversion",
            ),
            ViewKind::Lead => (
                'd',
                "lead",
                &[],
                "lead",
                "One lead's story: details, appointments, every stage change and who made it, time in each stage",
            ),
        };
        Names { letter, name, aliases, command, about }
    }

    /// The letter a custom_id carries.
    pub(super) fn letter(self) -> char {
        self.names().letter
    }

    pub(super) fn from_letter(c: &str) -> Option<ViewKind> {
        let mut cs = c.chars();
        let (Some(c), None) = (cs.next(), cs.next()) else { return None };
        ViewKind::ALL.into_iter().find(|v| v.letter() == c)
    }

    /// `panopticon report <name>`; also the JSON document's `view`.
    pub fn name(self) -> &'static str {
        self.names().name
    }

    /// Other spellings of `name` that `report` accepts.
    pub fn aliases(self) -> &'static [&'static str] {
        self.names().aliases
    }

    /// The slash command that opens this view, for "run /stale again" messages.
    pub fn command(self) -> &'static str {
        self.names().command
    }

    /// What the view shows, in a line.
    pub fn about(self) -> &'static str {
        self.names().about
    }

    /// The view a person named: its name or an alias, in any case, `_` or `-` alike.
    pub fn parse(s: &str) -> Option<ViewKind> {
        let typed = s.trim().to_ascii_lowercase().replace('_', "-");
        let norm = |n: &str| n.replace('_', "-");
        ViewKind::ALL.into_iter().find(|v| norm(v.name()) == typed || v.aliases().iter().any(|a| norm(a) == typed))
    }

    /// The list this view is, if it is one.
    pub fn list(self) -> Option<ListKind> {
        match self {
            ViewKind::List(k) => Some(k),
            ViewKind::Calendar | ViewKind::Pipeline | ViewKind::Locators | ViewKind::Lead => None,
        }
    }
}

impl From<ListKind> for ViewKind {
    fn from(k: ListKind) -> ViewKind {
        ViewKind::List(k)
    }
}

impl std::fmt::Display for ViewKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_view_has_its_own_letter_name_and_command() {
        let letters: std::collections::BTreeSet<char> = ViewKind::ALL.iter().map(|v| v.letter()).collect();
        let names: std::collections::BTreeSet<&str> = ViewKind::ALL.iter().map(|v| v.name()).collect();
        let commands: std::collections::BTreeSet<&str> = ViewKind::ALL.iter().map(|v| v.command()).collect();
        assert_eq!((letters.len(), names.len(), commands.len()), (7, 7, 7));
        // The letters ids already posted carry.
        let by_letter: String = ViewKind::ALL.iter().map(|v| v.letter()).collect();
        assert_eq!(by_letter, "srlcpod");
        for v in ViewKind::ALL {
            assert_eq!(ViewKind::from_letter(&v.letter().to_string()), Some(v));
            assert_eq!(ViewKind::parse(v.name()), Some(v));
            assert!(!v.about().is_empty());
        }
        assert_eq!(ViewKind::from_letter("sr"), None);
    }

    #[test]
    fn views_are_named_in_any_case_and_by_their_aliases() {
        for typed in ["at-risk", "atrisk", "at_risk", "AT-RISK", " At_Risk "] {
            assert_eq!(ViewKind::parse(typed), Some(ViewKind::AT_RISK), "{typed}");
        }
        assert_eq!(ViewKind::parse("STALE"), Some(ViewKind::STALE));
        assert_eq!(ViewKind::parse("stael"), None);
        assert_eq!(ListKind::AtRisk.name(), "at-risk");
        assert_eq!(ViewKind::AT_RISK.to_string(), "at-risk");
        assert_eq!(ViewKind::AT_RISK.command(), "atrisk");
    }
}
