//! The write-back lines of `panopticon doctor` (issue 15): with `[actions] enabled`, one line per
//! action saying whether the refresh token's grant covers the OAuth scopes it needs, as the
//! token endpoint reported them (`CrmWriter::scopes`). A missing scope is a warning, not a
//! failure: the rest works, and Discord hides that action's button until a new refresh token
//! carries the scope. Off, a single line that says so.

use panopticon::actions::{ActionKind, Scopes};
use panopticon::crm::zoho::ZohoClient;
use panopticon::crm::CrmWriter;

use super::check::{skipped, Check};

const NAMES: [&str; 3] = ["reassign", "note", "task"];

fn name(kind: ActionKind) -> &'static str {
    kind.as_str()
}

/// The line shown when the actions are off (not a check: nothing about it can fail).
pub fn off_line() -> String {
    format!("- INFO  {:<20} write-back actions off ([actions] enabled)", "write-back")
}

/// The actions' lines when the Zoho sign-in failed (enabled only).
pub fn unchecked() -> Vec<Check> {
    skipped(&NAMES, "the Zoho sign-in")
}

/// One line per action, after a successful sign-in (enabled only).
pub async fn checks(client: &ZohoClient) -> Vec<Check> {
    match client.scopes().await {
        Ok(scopes) => lines(&scopes),
        Err(e) => ActionKind::ALL
            .into_iter()
            .map(|k| Check::fail(name(k), format!("could not ask Zoho which scopes the token has: {e}")))
            .collect(),
    }
}

/// The lines for a grant, each naming the scopes the action needs.
fn lines(scopes: &Scopes) -> Vec<Check> {
    ActionKind::ALL
        .into_iter()
        .map(|k| {
            let needed = k.scopes().join(" and ");
            match scopes {
                Scopes::Unknown => Check::warn(
                    name(k),
                    format!(
                        "Zoho did not say which scopes the token has; it needs {needed} (a missing one shows as \
                         Zoho's refusal when the {} is tried)",
                        k.label()
                    ),
                ),
                s => match s.missing(k) {
                    None => Check::pass(name(k), format!("scope {needed} granted")),
                    Some(m) => Check::warn(
                        name(k),
                        format!(
                            "scope {m} missing — Discord hides the button; add it to a new refresh token (README, \
                             Turning them on)"
                        ),
                    ),
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::check::Outcome;
    use super::*;

    #[test]
    fn each_action_says_its_scope_granted_or_missing() {
        let got = lines(&Scopes::parse("ZohoCRM.modules.leads.ALL ZohoCRM.modules.notes.CREATE ZohoCRM.users.READ"));
        assert_eq!(got[0].line(), "✓ PASS  reassign             scope ZohoCRM.modules.leads.UPDATE granted");
        assert_eq!(got[1].outcome, Outcome::Warn);
        assert!(
            got[1].detail.starts_with("scope ZohoCRM.modules.notes.READ missing — Discord hides the button"),
            "{}",
            got[1].detail
        );
        assert!(got[2].detail.starts_with("scope ZohoCRM.modules.tasks.CREATE missing"), "{}", got[2].detail);
        let unknown = lines(&Scopes::Unknown);
        assert!(unknown.iter().all(|c| c.outcome == Outcome::Warn && c.detail.starts_with("Zoho did not say")));
        assert!(off_line().ends_with("write-back actions off ([actions] enabled)"));
    }
}
