//! The custom_ids of the follow-up loop's controls — nudge a lead, open its snooze form, lift
//! its snooze, and the locator's answers on a nudge DM — signed with the same `ViewKey` as view
//! states, so a forged, altered or foreign id is refused before anything in it is read.
//!
//! `pa1.<what>.<lead>.<nudge>.<mac>`
//! - what: one letter (`ActionKind::letter`);
//! - lead: the lead id (either CRM's, `domain::is_record_id`); nudge: the nudge's intervention id
//!   (base 10) for an answer, `-` otherwise;
//! - mac: the first 72 bits of HMAC-SHA256(key, everything before it), as in `ViewState`.
//!
//! An id carries what was clicked, never who may do it: the handler decides that from the
//! clicker at click time, so even a genuine id in the wrong hands widens nothing.

use super::{tag_from_text, tag_text, Expired, ViewKey, MAX_LEAD_ID, MAX_LEN};

pub const ACTION_PREFIX: &str = "pa1";

/// What a loop control does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionKind {
    /// "Nudge <locator>" on the lead story: DM the locator.
    Nudge,
    /// "Snooze…" on the lead story: open the snooze form.
    SnoozeForm,
    /// The snooze form, submitted.
    SnoozeSubmit,
    /// "Lift snooze" on the lead story.
    Unsnooze,
    /// The locator's "Followed up" on a nudge DM: open the note form.
    FollowedUp,
    /// The note form, submitted.
    FollowedUpSubmit,
    /// The locator's "Snooze 2 days" on a nudge DM.
    SnoozeTwoDays,
    /// The locator's "Need help" on a nudge DM.
    NeedHelp,
}

impl ActionKind {
    const ALL: [ActionKind; 8] = [
        ActionKind::Nudge,
        ActionKind::SnoozeForm,
        ActionKind::SnoozeSubmit,
        ActionKind::Unsnooze,
        ActionKind::FollowedUp,
        ActionKind::FollowedUpSubmit,
        ActionKind::SnoozeTwoDays,
        ActionKind::NeedHelp,
    ];

    const fn letter(self) -> char {
        match self {
            ActionKind::Nudge => 'n',
            ActionKind::SnoozeForm => 's',
            ActionKind::SnoozeSubmit => 'S',
            ActionKind::Unsnooze => 'u',
            ActionKind::FollowedUp => 'f',
            ActionKind::FollowedUpSubmit => 'F',
            ActionKind::SnoozeTwoDays => 'z',
            ActionKind::NeedHelp => 'h',
        }
    }

    /// An answer to a nudge: it carries the nudge's id.
    pub const fn answers_nudge(self) -> bool {
        matches!(
            self,
            ActionKind::FollowedUp | ActionKind::FollowedUpSubmit | ActionKind::SnoozeTwoDays | ActionKind::NeedHelp
        )
    }
}

/// One loop control, as its custom_id carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    pub kind: ActionKind,
    /// The lead's id (Zoho digits or a Salesforce id).
    pub lead: String,
    /// The nudge answered (answers only).
    pub nudge: Option<i64>,
}

impl Action {
    pub fn new(kind: ActionKind, lead: &str) -> Action {
        Action { kind, lead: lead.to_string(), nudge: None }
    }

    pub fn answer(kind: ActionKind, lead: &str, nudge: i64) -> Action {
        Action { kind, lead: lead.to_string(), nudge: Some(nudge) }
    }

    /// Whether `id` looks like one of these (its prefix), to route it; `parse` still decides.
    pub fn is_action_id(id: &str) -> bool {
        id.starts_with(ACTION_PREFIX) && id.as_bytes().get(ACTION_PREFIX.len()) == Some(&b'.')
    }

    fn payload(&self) -> String {
        let nudge = self.nudge.map(|n| n.to_string()).unwrap_or_else(|| "-".into());
        format!("{ACTION_PREFIX}.{}.{}.{nudge}", self.kind.letter(), self.lead)
    }

    /// The signed custom_id. Total: an action holding what no id can carry (a lead id that is
    /// not digits) encodes to an id that never parses.
    pub fn encode(&self, key: &ViewKey) -> String {
        let payload = self.payload();
        let id = format!("{payload}.{}", tag_text(&key.tag(&payload)));
        debug_assert!(id.len() <= MAX_LEN, "custom_id too long: {id}");
        id
    }

    /// The action of a custom_id we signed with `key`; anything else is `Expired`.
    pub fn parse(id: &str, key: &ViewKey) -> Result<Action, Expired> {
        if id.len() > MAX_LEN || !id.is_ascii() {
            return Err(Expired);
        }
        let (payload, tag) = id.rsplit_once('.').ok_or(Expired)?;
        // The tag first: nothing of an id we did not write is read.
        let tag = tag_from_text(tag).ok_or(Expired)?;
        if !key.verifies(payload, &tag) {
            return Err(Expired);
        }
        let parts: Vec<&str> = payload.split('.').collect();
        let [prefix, what, lead, nudge] = parts.as_slice() else { return Err(Expired) };
        if *prefix != ACTION_PREFIX {
            return Err(Expired);
        }
        let mut cs = what.chars();
        let (Some(c), None) = (cs.next(), cs.next()) else { return Err(Expired) };
        let kind = ActionKind::ALL.into_iter().find(|k| k.letter() == c).ok_or(Expired)?;
        if lead.len() > MAX_LEAD_ID || !crate::domain::is_record_id(lead) {
            return Err(Expired);
        }
        let nudge = match (*nudge, kind.answers_nudge()) {
            ("-", false) => None,
            (n, true) if !n.is_empty() && n.len() <= 18 && n.bytes().all(|b| b.is_ascii_digit()) => {
                Some(n.parse::<i64>().map_err(|_| Expired)?)
            }
            _ => return Err(Expired),
        };
        Ok(Action { kind, lead: lead.to_string(), nudge })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> ViewKey {
        ViewKey::from_bytes(*b"0123456789abcdef0123456789abcdef")
    }

    fn all() -> Vec<Action> {
        let lead = "36523970000000016051";
        ActionKind::ALL
            .into_iter()
            .map(|k| if k.answers_nudge() { Action::answer(k, lead, 987_654_321) } else { Action::new(k, lead) })
            .collect()
    }

    #[test]
    fn every_action_round_trips_within_100_chars() {
        for a in all() {
            let id = a.encode(&key());
            assert!(id.len() <= MAX_LEN, "{id}");
            assert!(Action::is_action_id(&id));
            assert_eq!(Action::parse(&id, &key()), Ok(a));
        }
    }

    #[test]
    fn a_changed_character_another_key_or_a_cut_id_is_refused() {
        let other = ViewKey::from_bytes(*b"fedcba9876543210fedcba9876543210");
        for a in all() {
            let id = a.encode(&key());
            assert_eq!(Action::parse(&id, &other), Err(Expired), "another key: {id}");
            for i in 0..id.len() {
                let mut b = id.clone().into_bytes();
                b[i] = if b[i] == b'1' { b'2' } else { b'1' };
                let t = String::from_utf8(b).unwrap();
                if t != id {
                    assert_eq!(Action::parse(&t, &key()), Err(Expired), "tampered at {i}: {t}");
                }
            }
            for n in 0..id.len() {
                assert_eq!(Action::parse(&id[..n], &key()), Err(Expired), "cut to {n}");
            }
        }
    }

    #[test]
    fn malformed_but_signed_payloads_are_refused() {
        let k = key();
        let signed = |p: &str| format!("{p}.{}", tag_text(&k.tag(p)));
        for p in [
            "pa1.n.abc.-",     // a lead that is not digits
            "pa1.n..-",        // no lead
            "pa1.n.7.12",      // a nudge id on a non-answer
            "pa1.f.7.-",       // an answer without its nudge
            "pa1.f.7.-3",      // a negative nudge
            "pa1.x.7.-",       // an unknown action
            "pa1.nn.7.-",      // two letters
            "pa2.n.7.-",       // another version
            "pa1.n.7",         // a part missing
            "pa1.n.7.-.extra", // a part too many
            "pa1.f.7.99999999999999999999",
        ] {
            assert_eq!(Action::parse(&signed(p), &k), Err(Expired), "{p}");
        }
        assert_eq!(Action::parse("pa1.é", &k), Err(Expired));
        assert_eq!(Action::parse(&"pa1.".repeat(40), &k), Err(Expired));
        // A view state's id is not an action, and the other way round.
        assert!(!Action::is_action_id("pn2.s.0.abc"));
    }
}
