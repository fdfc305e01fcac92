//! Which leads are news at a moment: every lead's alertable tiers now (`current`), less those
//! already announced (`fresh`). A transition is keyed by lead, appointment and tier — the key
//! is the reference appointment for at risk and stale, the entry into the stage for stuck in
//! green — so a restart, a re-sync or a DST change finds the same keys and says nothing again,
//! while a new appointment going cold is news again.
//!
//! News is a state, not an edge: a pass sees what is true now and what was said before. A lead
//! that turned stale while no pass ran (the bot down, quiet hours) is announced by the next one
//! that may speak; one that went at risk and then stale unseen is announced once, as stale.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Tier;
use crate::config::RulesConfig;
use crate::rules::Status;
use crate::views::{assess_lead, LeadRow, SnapLead, Snapshot};

/// One lead in one tier, as a pass announces it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Transition {
    pub lead_id: String,
    pub tier: Tier,
    /// What makes it this transition and not another: see the module's comment (UTC text).
    pub key: String,
    pub owner_id: Option<String>,
    /// The lead as every list shows it.
    pub row: LeadRow,
}

/// The tiers a lead's row is in.
pub fn tiers_of(row: &LeadRow) -> Vec<Tier> {
    let mut out = Vec::new();
    match row.status {
        Status::Stale => out.push(Tier::Stale),
        Status::AtRisk => out.push(Tier::AtRisk),
        _ => {}
    }
    if row.stuck_in_green && row.status != Status::Closed {
        out.push(Tier::StuckGreen);
    }
    out
}

/// The key of `row`'s transition into `tier`.
pub fn key_of(row: &LeadRow, tier: Tier) -> String {
    let stamp = match tier {
        Tier::Stale | Tier::AtRisk => row.appointment_at,
        Tier::StuckGreen => row.last_stage_change_at,
    };
    stamp.map(|s| s.utc_text()).unwrap_or_default()
}

/// Every lead's alertable tiers at `as_of` among `tiers`, most urgent first (stale, at risk,
/// stuck), then by locator and days. Snoozed leads are left out: not recorded either, so one
/// still cold when its snooze ends is news then.
pub fn current(s: &Snapshot, as_of: DateTime<Utc>, rules: &RulesConfig, tiers: &[Tier]) -> Vec<Transition> {
    let mut out: Vec<Transition> = s
        .leads
        .iter()
        .filter(|l| !l.snoozed_at(as_of))
        .filter_map(|l| Some((l, assess_lead(l, as_of, rules)?)))
        .flat_map(|(l, row)| transitions(l, row, tiers))
        .collect();
    out.sort_by(|a, b| {
        a.tier
            .cmp(&b.tier)
            .then_with(|| a.row.locator.cmp(&b.row.locator))
            .then_with(|| b.row.days_since_appointment.cmp(&a.row.days_since_appointment))
            .then_with(|| a.lead_id.cmp(&b.lead_id))
    });
    out
}

fn transitions(l: &SnapLead, row: LeadRow, tiers: &[Tier]) -> Vec<Transition> {
    tiers_of(&row)
        .into_iter()
        .filter(|t| tiers.contains(t))
        .map(|tier| Transition {
            lead_id: l.id.clone(),
            tier,
            key: key_of(&row, tier),
            owner_id: l.owner_id.clone(),
            row: row.clone(),
        })
        .collect()
}

/// Those of `current` not yet announced (`announced(lead, key, tier)`).
pub fn fresh(current: Vec<Transition>, announced: impl Fn(&str, &str, Tier) -> bool) -> Vec<Transition> {
    current.into_iter().filter(|t| !announced(&t.lead_id, &t.key, t.tier)).collect()
}
