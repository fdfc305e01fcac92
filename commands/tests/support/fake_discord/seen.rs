//! What people see: each interaction's messages with their real visibility, as Discord shows
//! them (see the module docs of `fake_discord` for the rules kept, and the violations recorded).

use axum::http::Method;
use serde_json::{json, Value};

use super::{Seen, Shared};

pub(super) fn ephemeral_flag(v: &Value) -> bool {
    v.get("flags").and_then(Value::as_u64).is_some_and(|f| f & 64 != 0)
}

/// Applies one interaction request to what people see (see the module docs for the rules).
pub(super) fn model(s: &Shared, method: &Method, parts: &[&str], body: &Value, path: &str) {
    let mut seen = s.seen.lock().unwrap();
    let mut violations = s.violations.lock().unwrap();
    match (method.as_str(), parts) {
        ("POST", ["interactions", _, token, "callback"]) => {
            let data = body.get("data").cloned().unwrap_or(json!({}));
            let thread = seen.entry(token.to_string()).or_default();
            let kind = body.get("type").and_then(Value::as_u64).unwrap_or(0);
            if thread.iter().any(|m| m.original) && (4..=7).contains(&kind) {
                violations.push(format!("{path}: a second initial response to one interaction"));
            }
            match kind {
                4 => thread.push(Seen {
                    ephemeral: ephemeral_flag(&data),
                    body: data,
                    original: true,
                    loading: false,
                    deleted: false,
                }),
                5 => thread.push(Seen {
                    ephemeral: ephemeral_flag(&data),
                    body: json!({"content": "Panopticon is thinking…"}),
                    original: true,
                    loading: true,
                    deleted: false,
                }),
                // A click acknowledged (6) or answered in place (7): the original is the
                // clicked message, shared unless it was itself ephemeral.
                6 | 7 => thread.push(Seen {
                    ephemeral: false,
                    body: if kind == 7 { data } else { json!(null) },
                    original: true,
                    loading: false,
                    deleted: false,
                }),
                _ => {}
            }
        }
        ("POST", ["webhooks", _, token]) => {
            let thread = seen.entry(token.to_string()).or_default();
            if let Some(m) = thread.iter_mut().find(|m| m.original && m.loading && !m.deleted) {
                // Discord: right after a defer, a follow-up edits the deferred reply, and "the
                // ephemeral flag will be ignored" — it keeps the defer's visibility.
                if ephemeral_flag(body) != m.ephemeral {
                    violations.push(format!(
                        "{path}: the first follow-up after a {} defer asks to be {}; Discord ignores that and \
                         shows it {}",
                        if m.ephemeral { "private" } else { "public" },
                        if ephemeral_flag(body) { "private" } else { "public" },
                        if m.ephemeral { "privately" } else { "to everyone" },
                    ));
                }
                m.body = body.clone();
                m.loading = false;
            } else {
                thread.push(Seen {
                    ephemeral: ephemeral_flag(body),
                    body: body.clone(),
                    original: false,
                    loading: false,
                    deleted: false,
                });
            }
        }
        ("PATCH", ["webhooks", _, token, "messages", "@original"]) => {
            let thread = seen.entry(token.to_string()).or_default();
            match thread.iter_mut().find(|m| m.original && !m.deleted) {
                Some(m) => {
                    m.body = body.clone();
                    m.loading = false;
                }
                None => violations.push(format!("{path}: no original response to edit")),
            }
        }
        ("DELETE", ["webhooks", _, token, "messages", "@original"]) => {
            let thread = seen.entry(token.to_string()).or_default();
            match thread.iter_mut().find(|m| m.original && !m.deleted) {
                Some(m) => {
                    m.deleted = true;
                    m.loading = false;
                }
                None => violations.push(format!("{path}: no original response to delete")),
            }
        }
        _ => {}
    }
}
