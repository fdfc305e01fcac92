//! The custom_ids of the write-back controls (issue 15) — "Reassign…", "Add note…",
//! "Follow-up task…" on the lead story, the pick of the new owner, the confirmation, the forms,
//! and the audit's pages — signed with the same `ViewKey` as view states and loop actions, so
//! a forged, altered or foreign id is refused before anything in it is read.
//!
//! `pw1.<what>.<lead>.<target>.<seen>.<key>.<page>.<mac>`
//! - what: one letter (`WriteKind::letter`);
//! - lead: the lead id (either CRM's, `domain::is_record_id`), `-` only on an audit page;
//! - target: a CRM user id (the new owner, on a confirmation) or a Discord member (the audit's
//!   `user`): either CRM's id on a confirmation, Discord digits on an audit page, up to 20; or `-`;
//! - seen: the lead's Modified_Time when the confirmation was shown, unix seconds, or `-`;
//! - key: the action's idempotency key (`ActionKey`), or `-`;
//! - page: base 10, up to 999;
//! - mac: the first 72 bits of HMAC-SHA256(key, everything before it), as in `ViewState`.
//!
//! The worst case is 93 characters (tested below). An id carries what was clicked, never who may
//! do it: the handler decides that from the clicker at the click.

use super::{tag_from_text, tag_text, Expired, ViewKey, MAX_LEAD_ID, MAX_LEN};
use crate::actions::ActionKey;

pub const WRITE_PREFIX: &str = "pw1";

/// Digits in a CRM user id or a Discord id, at most.
const MAX_TARGET: usize = 20;
/// The audit's pages, at most (a page is ten rows).
pub const MAX_PAGE: u16 = 999;

/// What a write-back control does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteKind {
    /// "Reassign…" on the lead story: offer the new owners.
    Reassign,
    /// The new owner's select (its value is the CRM user id), a page of them.
    Pick,
    /// "More owners" / "Back" beside the select.
    PickPage,
    /// "Confirm" on the confirmation: carries the target, the time shown and the key.
    Confirm,
    /// "Cancel" on the confirmation.
    Cancel,
    /// "Add note…" on the lead story: open the form.
    NoteForm,
    /// The note form, submitted (carries the key made when it opened).
    NoteSubmit,
    /// "Follow-up task…" on the lead story: open the form.
    TaskForm,
    /// The task form, submitted (carries the key).
    TaskSubmit,
    /// A page of `/audit` (lead and member filters carried).
    AuditPage,
}

impl WriteKind {
    const ALL: [WriteKind; 10] = [
        WriteKind::Reassign,
        WriteKind::Pick,
        WriteKind::PickPage,
        WriteKind::Confirm,
        WriteKind::Cancel,
        WriteKind::NoteForm,
        WriteKind::NoteSubmit,
        WriteKind::TaskForm,
        WriteKind::TaskSubmit,
        WriteKind::AuditPage,
    ];

    const fn letter(self) -> char {
        match self {
            WriteKind::Reassign => 'r',
            WriteKind::Pick => 'p',
            WriteKind::PickPage => 'g',
            WriteKind::Confirm => 'c',
            WriteKind::Cancel => 'x',
            WriteKind::NoteForm => 'n',
            WriteKind::NoteSubmit => 'N',
            WriteKind::TaskForm => 't',
            WriteKind::TaskSubmit => 'T',
            WriteKind::AuditPage => 'a',
        }
    }

    /// Carries the idempotency key: the confirmation and the forms' submits.
    const fn keyed(self) -> bool {
        matches!(self, WriteKind::Confirm | WriteKind::NoteSubmit | WriteKind::TaskSubmit)
    }
}

/// One write-back control, as its custom_id carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Write {
    pub kind: WriteKind,
    /// The lead's id (either CRM's); `None` only on an audit page.
    pub lead: Option<String>,
    /// Confirm: the new owner's CRM user id; audit page: the Discord member filtered on.
    pub target: Option<String>,
    /// Confirm: the lead's Modified_Time shown, unix seconds.
    pub seen: Option<i64>,
    /// Confirm and the forms' submits: the action's key.
    pub key: Option<ActionKey>,
    pub page: u16,
}

fn digits(s: &str, max: usize) -> bool {
    !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit())
}

/// A CRM record id (a lead, a user) of either CRM, no longer than `max`.
fn record_id(s: &str, max: usize) -> bool {
    s.len() <= max && crate::domain::is_record_id(s)
}

impl Write {
    /// A control about `lead` with nothing else.
    pub fn on(kind: WriteKind, lead: &str) -> Write {
        Write { kind, lead: Some(lead.to_string()), target: None, seen: None, key: None, page: 0 }
    }

    /// The confirmation's "Confirm": hand `lead` to `to`, as shown at `seen`, under `key`.
    pub fn confirm(lead: &str, to: &str, seen: i64, key: ActionKey) -> Write {
        Write { target: Some(to.to_string()), seen: Some(seen), key: Some(key), ..Write::on(WriteKind::Confirm, lead) }
    }

    /// A form's submit under `key`.
    pub fn submit(kind: WriteKind, lead: &str, key: ActionKey) -> Write {
        Write { key: Some(key), ..Write::on(kind, lead) }
    }

    /// Whether `id` looks like one of these (its prefix), to route it; `parse` still decides.
    pub fn is_write_id(id: &str) -> bool {
        id.starts_with(WRITE_PREFIX) && id.as_bytes().get(WRITE_PREFIX.len()) == Some(&b'.')
    }

    fn payload(&self) -> String {
        let opt = |o: Option<&str>| o.unwrap_or("-").to_string();
        format!(
            "{WRITE_PREFIX}.{}.{}.{}.{}.{}.{}",
            self.kind.letter(),
            opt(self.lead.as_deref()),
            opt(self.target.as_deref()),
            self.seen.map(|s| s.to_string()).unwrap_or_else(|| "-".into()),
            opt(self.key.as_ref().map(ActionKey::as_str)),
            self.page.min(MAX_PAGE)
        )
    }

    /// The signed custom_id. Total: a control holding what no id can carry (a lead id that is
    /// not digits) encodes to an id that never parses.
    pub fn encode(&self, key: &ViewKey) -> String {
        let payload = self.payload();
        let id = format!("{payload}.{}", tag_text(&key.tag(&payload)));
        debug_assert!(id.len() <= MAX_LEN, "custom_id too long: {id}");
        id
    }

    /// The control of a custom_id we signed with `key`; anything else is `Expired`.
    pub fn parse(id: &str, key: &ViewKey) -> Result<Write, Expired> {
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
        let [prefix, what, lead, target, seen, akey, page] = parts.as_slice() else { return Err(Expired) };
        if *prefix != WRITE_PREFIX {
            return Err(Expired);
        }
        let mut cs = what.chars();
        let (Some(c), None) = (cs.next(), cs.next()) else { return Err(Expired) };
        let kind = WriteKind::ALL.into_iter().find(|k| k.letter() == c).ok_or(Expired)?;
        let lead = match *lead {
            "-" if kind == WriteKind::AuditPage => None,
            l if record_id(l, MAX_LEAD_ID) => Some(l.to_string()),
            _ => return Err(Expired),
        };
        let target = match (*target, kind) {
            ("-", WriteKind::Confirm) => return Err(Expired),
            ("-", _) => None,
            (t, WriteKind::Confirm) if record_id(t, MAX_TARGET) => Some(t.to_string()),
            (t, WriteKind::AuditPage) if digits(t, MAX_TARGET) => Some(t.to_string()),
            _ => return Err(Expired),
        };
        let seen = match (*seen, kind) {
            (s, WriteKind::Confirm) if digits(s, 11) => Some(s.parse::<i64>().map_err(|_| Expired)?),
            ("-", k) if k != WriteKind::Confirm => None,
            _ => return Err(Expired),
        };
        let key = match (*akey, kind.keyed()) {
            ("-", false) => None,
            (k, true) => Some(ActionKey::parse(k).map_err(|_| Expired)?),
            _ => return Err(Expired),
        };
        if !digits(page, 3) {
            return Err(Expired);
        }
        let page: u16 = page.parse().map_err(|_| Expired)?;
        Ok(Write { kind, lead, target, seen, key, page })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn key() -> ViewKey {
        ViewKey::from_bytes(*b"0123456789abcdef0123456789abcdef")
    }

    const LEAD: &str = "36523970000000016051";

    /// Each kind at its longest.
    fn all() -> Vec<Write> {
        let k = ActionKey::parse("0123456789abcdef").unwrap();
        WriteKind::ALL
            .into_iter()
            .map(|kind| match kind {
                WriteKind::Confirm => {
                    Write { page: MAX_PAGE, ..Write::confirm(LEAD, "99999999999999999999", 99_999_999_999, k.clone()) }
                }
                WriteKind::NoteSubmit | WriteKind::TaskSubmit => Write::submit(kind, LEAD, k.clone()),
                WriteKind::AuditPage => Write {
                    lead: None,
                    target: Some("99999999999999999999".into()),
                    page: MAX_PAGE,
                    ..Write::on(kind, LEAD)
                },
                _ => Write { page: MAX_PAGE, ..Write::on(kind, LEAD) },
            })
            .collect()
    }

    #[test]
    fn every_control_round_trips_within_100_chars() {
        let mut longest = 0;
        for w in all() {
            let id = w.encode(&key());
            longest = longest.max(id.len());
            assert!(Write::is_write_id(&id));
            assert_eq!(Write::parse(&id, &key()), Ok(w));
        }
        assert_eq!(longest, 93, "the worst case the module documents");
    }

    #[test]
    fn a_changed_character_another_key_or_a_cut_id_is_refused() {
        let other = ViewKey::from_bytes(*b"fedcba9876543210fedcba9876543210");
        for w in all() {
            let id = w.encode(&key());
            assert_eq!(Write::parse(&id, &other), Err(Expired), "another key: {id}");
            for i in 0..id.len() {
                let mut b = id.clone().into_bytes();
                b[i] = if b[i] == b'1' { b'2' } else { b'1' };
                let t = String::from_utf8(b).unwrap();
                if t != id {
                    assert_eq!(Write::parse(&t, &key()), Err(Expired), "tampered at {i}: {t}");
                }
            }
            for n in 0..id.len() {
                assert_eq!(Write::parse(&id[..n], &key()), Err(Expired), "cut to {n}");
            }
        }
    }

    #[test]
    fn malformed_but_signed_payloads_are_refused() {
        let k = key();
        let signed = |p: &str| format!("{p}.{}", tag_text(&k.tag(p)));
        for p in [
            "pw1.r.abc.-.-.-.0",                                  // a lead that is not digits
            "pw1.r.-.-.-.-.0",                                    // no lead outside the audit
            "pw1.c.7.-.100.0123456789abcdef.0",                   // a confirmation without its owner
            "pw1.c.7.9.-.0123456789abcdef.0",                     // … without the time shown
            "pw1.c.7.9.100.-.0",                                  // … without its key
            "pw1.c.7.9.100.0123456789ABCDEF.0",                   // a key in capitals
            "pw1.c.7.9.-100.0123456789abcdef.0",                  // a negative time
            "pw1.r.7.9.-.-.0",                                    // an owner on the story's button
            "pw1.r.7.-.100.-.0",                                  // a time on the story's button
            "pw1.n.7.-.-.0123456789abcdef.0",                     // a key on an unkeyed control
            "pw1.N.7.-.-.-.0",                                    // a form's submit without its key
            "pw1.r.7.-.-.-.1000",                                 // a page too far
            "pw1.r.7.-.-.-.",                                     // no page
            "pw1.z.7.-.-.-.0",                                    // an unknown control
            "pw1.rr.7.-.-.-.0",                                   // two letters
            "pw2.r.7.-.-.-.0",                                    // another version
            "pw1.r.7.-.-.-",                                      // a part missing
            "pw1.r.7.-.-.-.0.extra",                              // a part too many
            "pw1.c.7.999999999999999999999.1.0123456789abcdef.0", // an owner too long
        ] {
            assert_eq!(Write::parse(&signed(p), &k), Err(Expired), "{p}");
        }
        assert_eq!(Write::parse("pw1.é", &k), Err(Expired));
        assert_eq!(Write::parse(&"pw1.".repeat(40), &k), Err(Expired));
        // A loop action's id is not a write-back control, and the other way round.
        assert!(!Write::is_write_id("pa1.n.7.-.abc"));
        assert!(!super::super::Action::is_action_id(&all()[0].encode(&k)));
    }

    proptest! {
        #[test]
        fn any_control_round_trips(
            lead in "[0-9]{1,20}",
            to in "[0-9]{1,20}",
            seen in 0i64..99_999_999_999,
            page in 0u16..=MAX_PAGE,
            kind in 0usize..WriteKind::ALL.len(),
        ) {
            let kind = WriteKind::ALL[kind];
            let key = ActionKey::new();
            let w = match kind {
                WriteKind::Confirm => Write { page, ..Write::confirm(&lead, &to, seen, key) },
                k if k.keyed() => Write { page, ..Write::submit(k, &lead, key) },
                WriteKind::AuditPage => Write { target: Some(to), page, ..Write::on(kind, &lead) },
                k => Write { page, ..Write::on(k, &lead) },
            };
            let id = w.encode(&key_());
            prop_assert!(id.len() <= MAX_LEN);
            prop_assert_eq!(Write::parse(&id, &key_()), Ok(w));
        }

        #[test]
        fn any_text_is_refused_or_parsed_never_a_panic(s in "\\PC{0,120}") {
            let _ = Write::parse(&s, &key_());
        }
    }

    fn key_() -> ViewKey {
        key()
    }
}
