//! Discord's documented limits (reference/discord.md §3), checked on every payload the bot
//! sends: content and embed sizes, rows and components, custom_ids, select options, files.

use serde_json::Value;

/// Discord's documented limits (reference/discord.md §3), checked on every payload.
pub(super) fn check_limits(path: &str, body: &Value, files: &[(String, Vec<u8>)], out: &mut Vec<String>) {
    let data = body.get("data").unwrap_or(body);
    let mut bad = |what: String| out.push(format!("{path}: {what}"));
    if let Some(c) = data.get("content").and_then(Value::as_str) {
        if c.chars().count() > 2000 {
            bad(format!("content is {} chars", c.chars().count()));
        }
    }
    let embeds = data.get("embeds").and_then(Value::as_array).cloned().unwrap_or_default();
    if embeds.len() > 10 {
        bad(format!("{} embeds", embeds.len()));
    }
    let mut total = 0;
    for e in &embeds {
        let len = |k: &str| e.get(k).and_then(Value::as_str).map(|s| s.trim().chars().count()).unwrap_or(0);
        for (k, max) in [("title", 256), ("description", 4096)] {
            if len(k) > max {
                bad(format!("embed {k} is {} chars", len(k)));
            }
        }
        total += len("title") + len("description");
        if let Some(f) = e.get("footer").and_then(|f| f.get("text")).and_then(Value::as_str) {
            if f.chars().count() > 2048 {
                bad("footer over 2048".into());
            }
            total += f.trim().chars().count();
        }
        let fields = e.get("fields").and_then(Value::as_array).cloned().unwrap_or_default();
        if fields.len() > 25 {
            bad(format!("{} fields", fields.len()));
        }
        for f in fields {
            let n = f.get("name").and_then(Value::as_str).unwrap_or("").chars().count();
            let v = f.get("value").and_then(Value::as_str).unwrap_or("").chars().count();
            if n > 256 || v > 1024 {
                bad("field over its limit".into());
            }
            total += n + v;
        }
    }
    if total > 6000 {
        bad(format!("embeds total {total} chars"));
    }
    let rows = data.get("components").and_then(Value::as_array).cloned().unwrap_or_default();
    if rows.len() > 5 {
        bad(format!("{} action rows", rows.len()));
    }
    let mut ids = std::collections::HashSet::new();
    for row in rows {
        let comps = row.get("components").and_then(Value::as_array).cloned().unwrap_or_default();
        if comps.is_empty() || comps.len() > 5 {
            bad(format!("a row of {} components", comps.len()));
        }
        let selects = comps.iter().filter(|c| c.get("type").and_then(Value::as_u64) == Some(3)).count();
        if selects > 0 && comps.len() > 1 {
            bad("a select shares its row".into());
        }
        for c in comps {
            if let Some(id) = c.get("custom_id").and_then(Value::as_str) {
                if id.is_empty() || id.len() > 100 {
                    bad(format!("custom_id of {} chars", id.len()));
                }
                if !ids.insert(id.to_string()) {
                    bad(format!("duplicate custom_id {id}"));
                }
            }
            if c.get("label").and_then(Value::as_str).is_some_and(|l| l.chars().count() > 80) {
                bad("button label over 80".into());
            }
            if let Some(opts) = c.get("options").and_then(Value::as_array) {
                if opts.is_empty() || opts.len() > 25 {
                    bad(format!("select with {} options", opts.len()));
                }
                for o in opts {
                    for k in ["label", "value", "description"] {
                        if o.get(k).and_then(Value::as_str).is_some_and(|s| s.chars().count() > 100) {
                            bad(format!("option {k} over 100"));
                        }
                    }
                }
            }
        }
    }
    if files.len() > 10 {
        bad(format!("{} files", files.len()));
    }
    for (name, bytes) in files {
        if bytes.len() > 10 * 1024 * 1024 {
            bad(format!("{name} is {} bytes", bytes.len()));
        }
    }
}
