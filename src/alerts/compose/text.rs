//! An alert plan in words for a terminal (`panopticon alerts --dry-run`) and as JSON: the same
//! facts the Discord message carries, with nothing Discord-specific.

use chrono_tz::Tz;

use super::{AlertPlan, Target};
use crate::alerts::Tier;

fn when(t: chrono::DateTime<chrono::Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%a %d %b %Y %H:%M %Z").to_string()
}

impl AlertPlan {
    /// "2 stale · 1 at risk" (tiers with nothing left out); "nothing new" when empty.
    pub fn tally(&self) -> String {
        let parts: Vec<String> = Tier::ALL
            .iter()
            .map(|t| (t, self.count(*t)))
            .filter(|(_, n)| *n > 0)
            .map(|(t, n)| format!("{n} {}", t.word()))
            .collect();
        if parts.is_empty() {
            "nothing new".into()
        } else {
            parts.join(" · ")
        }
    }

    /// What a pass at `as_of` would send, for a person at a terminal.
    pub fn text(&self, tz: Tz) -> String {
        let mut out = vec![format!("Alerts pass as of {}", when(self.as_of, tz))];
        if self.baseline {
            out.push(format!(
                "Baseline: no pass has run yet. The first pass records what is already late ({}) \
                 without announcing it; later passes announce what goes cold after it.",
                self.tally()
            ));
        }
        if !self.open {
            let until = self.held_until.map(|t| when(t, tz)).unwrap_or_else(|| "no open time in two weeks".into());
            out.push(format!("Held: outside the alert days or in quiet hours — nothing goes out until {until}."));
        }
        if self.is_empty() {
            out.push("Nothing new: a pass now posts nothing.".into());
            return out.join("\n") + "\n";
        }
        out.push(format!("New: {}", self.tally()));
        for g in &self.groups {
            let who = g.locator.as_deref().unwrap_or("(no locator)");
            let linked = g.discord.map(|d| format!(" (Discord {d})")).unwrap_or_default();
            out.push(String::new());
            out.push(format!("{who}{linked} — {} new", g.items.len()));
            for t in &g.items {
                let days = t.row.days_since_appointment.map(|d| format!("{d} d since appt")).unwrap_or_default();
                let company = t.row.company.as_deref().map(|c| format!(" — {c}")).unwrap_or_default();
                let stage = t.row.stage.as_deref().unwrap_or("—");
                out.push(format!(
                    "  {:<15} {}{company} [{stage}] {days} (lead {})",
                    t.tier.word(),
                    t.row.name,
                    t.lead_id
                ));
            }
        }
        if !self.escalations.is_empty() {
            out.push(String::new());
            out.push(format!("Escalations ({}):", self.escalations.len()));
            for e in &self.escalations {
                let to = match &e.to {
                    Target::Manager { name, discord: Some(d), .. } => format!("{name} (Discord {d})"),
                    Target::Manager { name, discord: None, .. } => format!("{name} (not linked)"),
                    Target::Role { role } => format!("role {role}"),
                    Target::Nobody => "nobody to mention (no manager, no [alerts] escalation_role)".into(),
                };
                let loc = e.locator.as_deref().unwrap_or("no locator");
                out.push(format!("  {} ({loc}): {} → {to}", e.name, e.why));
            }
        }
        if !self.thresholds.is_empty() {
            out.push(String::new());
            out.push("Thresholds:".into());
            for t in &self.thresholds {
                let mark = if t.crossed { "crossed" } else { "recovered" };
                out.push(format!("  {mark:<9} {}", t.text));
            }
        }
        out.join("\n") + "\n"
    }

    /// The plan as JSON (every new item with its full row).
    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}
