//! One alerts pass, decided: from the snapshot at a moment, the rules, `[alerts]` and what the
//! store says (announced keys, interventions, threshold sides, links), the `AlertPlan` — the
//! new transitions grouped by locator, the escalations due, the threshold lines that changed
//! side, and whether the window is open. Pure: the bot and the CLI read the store into
//! `Known`, call `plan`, and write what it decided (see `commands/src/kit/alerts.rs`).
//! Text and JSON renderings for `panopticon alerts --dry-run` are in `compose/text.rs`.

mod text;

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::escalation::{escalation_due, EscalationFacts, EscalationReason};
use super::intervention::{Intervention, Kind};
use super::metrics;
use super::pass::{current, Transition};
use super::threshold::ThresholdEvent;
use super::Tier;
use crate::config::{AlertsConfig, RulesConfig};
use crate::people::Directory;
use crate::rules::Status;
use crate::views::{assess_all, Snapshot};

/// What the store says, read once per pass.
#[derive(Clone, Debug, Default)]
pub struct Known {
    /// Whether any pass ever ran (the first is a baseline).
    pub any_pass: bool,
    /// (lead, key, tier) already announced (by any pass, folded or baseline included).
    pub announced: HashSet<(String, String, Tier)>,
    /// Interventions since the oldest appointment that matters (all of them is fine too).
    pub interventions: Vec<Intervention>,
    /// Each threshold key's last side (true: crossed).
    pub threshold_sides: HashMap<String, bool>,
    /// CRM user id → Discord id, for the linked.
    pub mentions: HashMap<String, u64>,
    pub directory: Directory,
    /// `[teams]`, for who manages whom.
    pub teams: BTreeMap<String, Vec<String>>,
}

/// The new items of one locator.
#[derive(Clone, Debug, Serialize)]
pub struct LocatorGroup {
    /// `None`: leads with no locator.
    pub locator: Option<String>,
    pub owner_id: Option<String>,
    /// Their Discord id when linked: mentioned in the channel, and DMed.
    pub discord: Option<u64>,
    /// Most urgent first (stale, at risk, stuck), then most days since the appointment.
    pub items: Vec<Transition>,
}

/// Who an escalation goes to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Target {
    /// The locator's nearest manager (from the CRM's hierarchy and `[teams]`), linked or not.
    Manager { crm_id: String, name: String, discord: Option<u64> },
    /// `[alerts] escalation_role`, when the locator has no linked manager.
    Role { role: u64 },
    /// Nobody to mention: the message still names the lead.
    Nobody,
}

/// One lead to escalate now.
#[derive(Clone, Debug, Serialize)]
pub struct Escalation {
    pub lead_id: String,
    pub name: String,
    pub locator: Option<String>,
    pub owner_id: Option<String>,
    pub status: Status,
    /// The reference appointment (UTC text): a lead is escalated once per appointment.
    pub appointment: String,
    #[serde(skip)]
    pub reason: EscalationReason,
    /// In words: "still stale 3 days after the first nudge".
    pub why: String,
    pub to: Target,
}

/// What a pass at `as_of` would send.
#[derive(Clone, Debug, Serialize)]
pub struct AlertPlan {
    pub as_of: DateTime<Utc>,
    /// The first pass ever: what is already late is recorded, not announced.
    pub baseline: bool,
    /// Outside the alert days or in quiet hours: nothing is done until `held_until`.
    pub open: bool,
    pub held_until: Option<DateTime<Utc>>,
    pub groups: Vec<LocatorGroup>,
    pub escalations: Vec<Escalation>,
    /// Threshold lines that changed side (or are first seen crossed): posted.
    pub thresholds: Vec<ThresholdEvent>,
    /// Every threshold value now, to record its side (posted or not).
    #[serde(skip)]
    pub threshold_sides: Vec<ThresholdEvent>,
}

impl AlertPlan {
    /// Every new item, group by group.
    pub fn items(&self) -> impl Iterator<Item = &Transition> {
        self.groups.iter().flat_map(|g| &g.items)
    }

    pub fn count(&self, tier: Tier) -> usize {
        self.items().filter(|t| t.tier == tier).count()
    }

    /// Nothing to post: no new item, no escalation, no threshold line.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty() && self.escalations.is_empty() && self.thresholds.is_empty()
    }
}

/// Decides the pass at `as_of`.
pub fn plan(s: &Snapshot, as_of: DateTime<Utc>, rules: &RulesConfig, cfg: &AlertsConfig, k: &Known) -> AlertPlan {
    let window = cfg.window(rules.timezone);
    let open = window.is_open(as_of);
    let baseline = !k.any_pass;
    let now = current(s, as_of, rules, &cfg.tiers);
    let fresh: Vec<Transition> =
        now.into_iter().filter(|t| !k.announced.contains(&(t.lead_id.clone(), t.key.clone(), t.tier))).collect();
    let groups = group(fresh, &k.mentions);
    // The first pass says nothing about what was late before Panopticon watched: no
    // escalation either (it would page every manager at once on the first start).
    let escalations = if baseline { Vec::new() } else { escalations(s, as_of, rules, cfg, k) };
    let rows = assess_all(s, as_of, rules);
    let mut sides = Vec::new();
    let mut posted = Vec::new();
    for t in &cfg.thresholds {
        let values = metrics::values(t.metric, &rows, &s.leads, as_of, rules);
        for (event, post) in t.evaluate(&values, |key| k.threshold_sides.get(key).copied()) {
            if post && !baseline {
                posted.push(event.clone());
            }
            sides.push(event);
        }
    }
    AlertPlan {
        as_of,
        baseline,
        open,
        held_until: if open { None } else { window.next_open(as_of) },
        groups,
        escalations,
        thresholds: posted,
        threshold_sides: sides,
    }
}

/// The transitions by locator: the group with the most urgent item first (then the most
/// items, then by name); within a group in `current`'s order.
fn group(items: Vec<Transition>, mentions: &HashMap<String, u64>) -> Vec<LocatorGroup> {
    let mut groups: Vec<LocatorGroup> = Vec::new();
    for t in items {
        match groups.iter_mut().find(|g| g.locator == t.row.locator) {
            Some(g) => g.items.push(t),
            None => groups.push(LocatorGroup {
                locator: t.row.locator.clone(),
                owner_id: t.owner_id.clone(),
                discord: t.owner_id.as_deref().and_then(|o| mentions.get(o).copied()),
                items: vec![t],
            }),
        }
    }
    let top = |g: &LocatorGroup| g.items.iter().map(|t| t.tier).min().unwrap_or(Tier::StuckGreen);
    groups.sort_by(|a, b| {
        top(a).cmp(&top(b)).then_with(|| b.items.len().cmp(&a.items.len())).then_with(|| a.locator.cmp(&b.locator))
    });
    groups
}

/// Every stale or at-risk lead (not snoozed) that `escalation_due` says goes up now.
fn escalations(
    s: &Snapshot,
    as_of: DateTime<Utc>,
    rules: &RulesConfig,
    cfg: &AlertsConfig,
    k: &Known,
) -> Vec<Escalation> {
    let mut by_lead: HashMap<&str, Vec<&Intervention>> = HashMap::new();
    for i in &k.interventions {
        by_lead.entry(i.lead_id.as_str()).or_default().push(i);
    }
    let mut out = Vec::new();
    for t in current(s, as_of, rules, &[Tier::Stale, Tier::AtRisk]) {
        let Some(appointment) = t.row.appointment_at else { continue };
        let since: Vec<&Intervention> = by_lead
            .get(t.lead_id.as_str())
            .map(|v| v.iter().copied().filter(|i| i.at >= appointment.utc() && i.at <= as_of).collect())
            .unwrap_or_default();
        let any = |kind: Kind| since.iter().any(|i| i.kind == kind);
        let stale_days = i64::from(rules.thresholds_for(t.row.stage.as_deref()).stale_days);
        let facts = EscalationFacts {
            status: t.row.status,
            days_stale: (t.row.status == Status::Stale)
                .then_some(t.row.days_since_appointment.map(|d| d - stale_days))
                .flatten(),
            first_nudge: since.iter().filter(|i| i.kind == Kind::Nudge).map(|i| i.at).min(),
            acknowledged: any(Kind::FollowedUp) || any(Kind::Acknowledge),
            need_help: any(Kind::NeedHelp),
            snoozed: t.row.snoozed,
            escalated: by_lead.get(t.lead_id.as_str()).is_some_and(|v| {
                v.iter().any(|i| i.kind == Kind::Escalation && i.appointment.as_deref() == Some(t.key.as_str()))
            }) || any(Kind::Escalation),
        };
        let Some(reason) = escalation_due(&facts, as_of, cfg.escalate_after_days, rules.timezone) else { continue };
        out.push(Escalation {
            to: target(t.owner_id.as_deref(), cfg, k),
            why: reason.describe(),
            reason,
            appointment: t.key.clone(),
            lead_id: t.lead_id,
            name: t.row.name,
            locator: t.row.locator,
            owner_id: t.owner_id,
            status: t.row.status,
        });
    }
    out
}

/// The locator's nearest linked manager; else the escalation role; else their nearest manager
/// unlinked (named, not mentioned); else nobody.
fn target(owner: Option<&str>, cfg: &AlertsConfig, k: &Known) -> Target {
    let managers = owner.map(|o| k.directory.managers_of(o, &k.teams)).unwrap_or_default();
    let manager = |id: &String| {
        let name = k.directory.user(id).map(|u| u.name.clone()).unwrap_or_else(|| id.clone());
        Target::Manager { crm_id: id.clone(), name, discord: k.mentions.get(id).copied() }
    };
    if let Some(m) = managers.iter().find(|m| k.mentions.contains_key(*m)) {
        return manager(m);
    }
    if let Some(role) = cfg.escalation_role {
        return Target::Role { role: role.get() };
    }
    managers.first().map(manager).unwrap_or(Target::Nobody)
}
