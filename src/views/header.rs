//! What every view says about itself: its name, the moment it shows, when the data was last
//! synced, and a warning when that data may be wrong (a failed, stale or missing sync).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Context, Snapshot};
use crate::store::SyncRun;
use crate::time::utc_text;

/// What every view says about itself and the data behind it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Header {
    pub view: String,
    pub as_of: String,
    pub last_sync_at: Option<String>,
    /// Set when the data may be wrong: the last sync failed, or is too old, or never ran.
    pub warning: Option<String>,
    pub filters: Vec<String>,
}

impl Header {
    pub fn new(view: &str, s: &Snapshot, ctx: &Context, filters: Vec<String>) -> Header {
        Header {
            view: view.to_string(),
            as_of: crate::time::zoho_text(ctx.as_of.with_timezone(&ctx.tz()).fixed_offset()),
            last_sync_at: s.last_good_run.as_ref().map(|r| r.finished_at.clone()),
            warning: sync_warning(s.last_run.as_ref(), s.last_good_run.as_ref(), ctx),
            filters,
        }
    }

    /// The warning and filter lines under a text view's title.
    pub fn notes(&self) -> String {
        let mut out = String::new();
        if let Some(w) = &self.warning {
            out.push_str(&format!("⚠ {w}\n"));
        }
        for f in &self.filters {
            out.push_str(&format!("Filter: {f}\n"));
        }
        out
    }

    /// "as of Sat 21 Nov 2026 08:00 EST · synced 5 min ago", for text forms.
    pub fn describe(&self, ctx: &Context) -> String {
        let local = ctx.as_of.with_timezone(&ctx.tz());
        format!("as of {} · {}", local.format("%a %d %b %Y %H:%M %Z"), self.synced(ctx))
    }

    /// "last sync 5 min ago", or "never synced".
    pub fn synced(&self, ctx: &Context) -> String {
        match self.last_sync_at.as_deref().and_then(|t| DateTime::parse_from_rfc3339(t).ok()) {
            Some(t) => format!("last sync {} ago", age(ctx.now - t.with_timezone(&Utc))),
            None => "never synced".to_string(),
        }
    }
}

/// "3 min", "5 h", "2 days".
pub fn age(d: chrono::Duration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..=89 => format!("{s} s"),
        90..=5399 => format!("{} min", (s + 30) / 60),
        5400..=172_799 => format!("{} h", (s + 1800) / 3600),
        _ => format!("{} days", (s + 43_200) / 86_400),
    }
}

fn sync_warning(last: Option<&SyncRun>, good: Option<&SyncRun>, ctx: &Context) -> Option<String> {
    let good_at = good.and_then(|g| DateTime::parse_from_rfc3339(&g.finished_at).ok()).map(|t| t.with_timezone(&Utc));
    let kept = match good_at {
        Some(t) => format!("showing data from {} ago", age(ctx.now - t)),
        None => "there is no synced data".to_string(),
    };
    if let Some(l) = last.filter(|l| !l.ok) {
        let first_line = l.error.as_deref().unwrap_or("unknown error").lines().next().unwrap_or_default().to_string();
        return Some(format!("The last sync failed ({first_line}); {kept}."));
    }
    match good_at {
        None => Some("No sync has run yet: run `panopticon sync`.".into()),
        Some(t) if (ctx.now - t).to_std().unwrap_or_default() > ctx.max_sync_age => {
            Some(format!("The data is {} old: the last sync was {}.", age(ctx.now - t), utc_text(t)))
        }
        Some(_) => None,
    }
}
