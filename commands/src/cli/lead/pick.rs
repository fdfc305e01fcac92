//! What `panopticon lead` reads from the person before it asks the CRM anything: the new owner
//! (matched against the synced users like `people link` does), the note's text (typed, or `-`
//! for standard input), and who the operator is in the audit.

use std::io::Read;

use panopticon::actions::{NoteText, Person, NOTE_MAX};
use panopticon::people::{DirUser, Directory};

use super::super::people::describe;
use super::super::Failure;

/// The most users an error lists as candidates.
const CANDIDATES: usize = 10;

fn listed(users: &[&DirUser]) -> String {
    let mut lines: Vec<String> = users.iter().take(CANDIDATES).map(|u| format!("  {}", describe(u))).collect();
    if users.len() > CANDIDATES {
        lines.push(format!("  … and {} more", users.len() - CANDIDATES));
    }
    lines.join("\n")
}

/// The active CRM user `typed` names: an id, an email or an exact name. Unknown, several or
/// deactivated: an error that lists who would fit.
pub fn new_owner(dir: &Directory, typed: &str) -> Result<Person, Failure> {
    let found = dir.find_user(typed);
    let user = match found.as_slice() {
        [] => {
            let close = close_to(dir, typed);
            let hint = if close.is_empty() {
                String::new()
            } else {
                format!(" Active users with a similar name or email:\n{}", listed(&close))
            };
            return Err(Failure::input(format!(
                "no CRM user has the id, email or name '{}'; nothing was written. Users come from the last sync: \
                 run `panopticon sync` if they are new.{hint}",
                typed.trim()
            )));
        }
        [one] => *one,
        many => {
            return Err(Failure::input(format!(
                "'{}' names {} CRM users; nothing was written. Give the id or email of one:\n{}",
                typed.trim(),
                many.len(),
                listed(many)
            )))
        }
    };
    if !user.active() {
        return Err(Failure::input(format!(
            "{} is deactivated in the CRM ({}); a lead cannot be handed to them. Nothing was written.",
            describe(user),
            user.status.as_deref().unwrap_or("inactive")
        )));
    }
    Ok(Person { id: user.id.clone(), name: user.name.clone() })
}

/// Active users whose name or email contains what was typed, or is a few letters from it.
fn close_to<'a>(dir: &'a Directory, typed: &str) -> Vec<&'a DirUser> {
    let t = typed.trim().to_lowercase();
    if t.is_empty() {
        return Vec::new();
    }
    let mut close: Vec<(usize, &DirUser)> = dir
        .users
        .iter()
        .filter(|u| u.active())
        .filter_map(|u| {
            let name = u.name.to_lowercase();
            let email = u.email.as_deref().unwrap_or("").to_lowercase();
            let d = strsim::levenshtein(&t, &name).min(if email.is_empty() {
                usize::MAX
            } else {
                strsim::levenshtein(&t, &email)
            });
            let contains = t.chars().count() >= 3 && (name.contains(&t) || email.contains(&t));
            (contains || d <= 3).then_some((if contains { 0 } else { d }, u))
        })
        .collect();
    close.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.name.cmp(&b.1.name)));
    close.into_iter().map(|(_, u)| u).collect()
}

/// The note as given: its text, or with `-` standard input (for long notes), parsed.
pub fn note_text(raw: &str) -> Result<NoteText, Failure> {
    let text = if raw == "-" {
        // Bounded: a note is at most NOTE_MAX characters of up to 4 bytes; more is refused by
        // `NoteText::parse` all the same, without reading an endless pipe first.
        let limit = (NOTE_MAX * 4 + 1) as u64;
        let mut bytes = Vec::new();
        std::io::stdin()
            .take(limit)
            .read_to_end(&mut bytes)
            .map_err(|e| Failure::input(format!("cannot read the note from standard input: {e}")))?;
        String::from_utf8(bytes).map_err(|_| Failure::input("the note on standard input is not UTF-8 text"))?
    } else {
        raw.to_string()
    };
    NoteText::parse(&text).map_err(|e| Failure::input(format!("{e}; nothing was written")))
}

/// The operator as the audit and the CRM name them: `cli:<login>` from `$USER`, kept to the
/// characters a login has (the variable is outside input), else `cli:operator`.
pub fn operator_name() -> String {
    let login: String = std::env::var("USER")
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .take(32)
        .collect();
    format!("cli:{}", if login.is_empty() { "operator" } else { login.as_str() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, name: &str, email: &str, status: &str) -> DirUser {
        DirUser {
            id: id.into(),
            name: name.into(),
            email: Some(email.into()),
            status: Some(status.into()),
            role_id: None,
            reporting_to_id: None,
        }
    }

    fn dir() -> Directory {
        Directory {
            users: vec![
                user("1", "Kenji Sato", "kenji@example.com", "active"),
                user("2", "Kenji Sato", "kenji.s@example.com", "active"),
                user("3", "Maria Chen", "maria@example.com", "active"),
                user("4", "Old Timer", "old@example.com", "disabled"),
            ],
            roles: vec![],
        }
    }

    #[test]
    fn owners_are_matched_like_people_link_and_refused_with_candidates() {
        let d = dir();
        assert_eq!(new_owner(&d, "MARIA@example.com").ok(), Some(Person { id: "3".into(), name: "Maria Chen".into() }));
        assert_eq!(new_owner(&d, " 3 ").ok().map(|p| p.id), Some("3".to_string()));
        let e = new_owner(&d, "kenji sato").unwrap_err();
        assert_eq!(e.code, 2);
        assert!(e.message.contains("names 2 CRM users") && e.message.contains("kenji.s@example.com"), "{}", e.message);
        let e = new_owner(&d, "Maria Chan").unwrap_err();
        assert!(
            e.message.contains("no CRM user") && e.message.contains("Maria Chen (3, maria@example.com)"),
            "{}",
            e.message
        );
        let e = new_owner(&d, "old@example.com").unwrap_err();
        assert!(e.message.contains("deactivated in the CRM (disabled)"), "{}", e.message);
        assert!(!new_owner(&d, "zzzzzzzzzzzz").unwrap_err().message.contains("similar"));
    }

    #[test]
    fn the_operator_name_keeps_only_a_login() {
        // Whatever $USER holds here, the name is cli: and login characters.
        let n = operator_name();
        assert!(n.starts_with("cli:") && n[4..].chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)));
        assert!(n.len() > 4);
    }
}
