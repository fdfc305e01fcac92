//! `panopticon status`: is the data fresh? The last sync, its result and age, the CRM's own API
//! usage (Salesforce's daily allowance) and the database's size — `/status` for a terminal.

use chrono::{DateTime, Utc};
use panopticon::config::Config;
use panopticon::store::{self, Store};
use panopticon::sync::stored_api_usage;
use panopticon::views::{age, text::for_terminal};

use super::{out, Failure};

pub fn run(cfg: &Config) -> Result<(), Failure> {
    let store = Store::open_read_only(&cfg.storage_path)?;
    let conn = store.connect()?;
    let now = Utc::now();
    let ago = |t: &str| {
        DateTime::parse_from_rfc3339(t).map(|t| format!("{} ago", age(now - t.with_timezone(&Utc)))).unwrap_or_default()
    };
    let mut lines = Vec::new();
    match store::last_run(&conn)? {
        None => lines.push("No sync has run yet: run `panopticon sync`.".to_string()),
        Some(r) if r.ok => lines.push(r.ok_line(&ago(&r.finished_at))),
        Some(r) => {
            lines.push(format!(
                "Last sync {} FAILED: {}",
                ago(&r.finished_at),
                for_terminal(r.error.as_deref().unwrap_or("unknown error"))
            ));
            if let Some(g) = store::last_good_run(&conn)? {
                lines.push(format!("Showing data from the last good sync, {}", ago(&g.finished_at)));
            }
        }
    }
    if let Some(u) = stored_api_usage(&conn)? {
        lines.push(format!("{} (as of {})", u.line(cfg.crm.name()), ago(&panopticon::time::utc_text(u.at))));
    }
    lines.push(format!("Database: {} ({:.1} MB)", store.path().display(), store.size_bytes() as f64 / 1_048_576.0));
    out::line(&lines.join("\n"))
}
