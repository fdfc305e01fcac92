//! **lead <id>**: one lead's whole story — details, appointments, every stage change with who
//! made it, the time spent in each stage, and a link to the record in the CRM.

use chrono::DateTime;
use serde::Serialize;

use super::text::{col, render, status_label, Align, Cell};
use super::{csv_line, local, Context, Header, Snapshot};
use crate::rules::{self, Appointment, Change, Facts, Status};
use crate::store::{self, ChangeSource, StoredLead};
use crate::time::Stamp;

mod follow;

pub use follow::{ActionLine, FollowLine, SnoozeNow};

#[derive(Clone, Debug, Serialize)]
pub struct LeadInfo {
    pub id: String,
    pub name: String,
    pub company: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub lead_source: Option<String>,
    pub stage: Option<String>,
    pub locator: Option<String>,
    pub converted: bool,
    #[serde(serialize_with = "super::ser_stamp")]
    pub created_at: Option<Stamp>,
    #[serde(serialize_with = "super::ser_stamp")]
    pub modified_at: Option<Stamp>,
    /// The record's page in the CRM (Zoho's or Salesforce's; the name is kept for the JSON).
    pub zoho_url: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct AppointmentLine {
    /// The appointment's instant; for an all-day one, the start of its own date in the
    /// business zone (rule 9).
    #[serde(serialize_with = "super::ser_stamp")]
    pub at: Option<Stamp>,
    pub all_day: bool,
    pub title: Option<String>,
    pub past: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct HistoryLine {
    #[serde(serialize_with = "super::ser_stamp")]
    pub at: Option<Stamp>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub by: Option<String>,
    /// "timeline" (Zoho's audit trail) or "observed" (seen by the sync; time is approximate).
    pub source: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct StageSpell {
    pub stage: Option<String>,
    #[serde(serialize_with = "super::ser_stamp")]
    pub from: Option<Stamp>,
    /// `None` while the lead is still in it.
    #[serde(serialize_with = "super::ser_stamp")]
    pub to: Option<Stamp>,
    /// `None` when the spell's start is unknown (history never read).
    pub days: Option<i64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct LeadDetail {
    #[serde(flatten)]
    pub header: Header,
    pub lead: LeadInfo,
    /// `None` for a lead without appointments: the rules speak only of appointed leads.
    pub status: Option<Status>,
    pub days_since_appointment: Option<i64>,
    /// `None` when unknown (the history was never read and holds no change).
    pub days_in_stage: Option<i64>,
    pub stuck_in_green: bool,
    pub appointments: Vec<AppointmentLine>,
    pub history: Vec<HistoryLine>,
    pub stages: Vec<StageSpell>,
    /// What was done about the lead (nudges, answers, snoozes, escalations), oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub interventions: Vec<FollowLine>,
    /// Write-back actions on the lead (reassign, note, task) and their outcomes, oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<ActionLine>,
    /// The snooze holding now, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snooze: Option<SnoozeNow>,
    #[serde(skip)]
    tz: chrono_tz::Tz,
}

/// What a typed lead query (an id, or part of a name or company) leads to.
#[derive(Debug, PartialEq)]
pub enum Found {
    /// Nothing: the person's typo to fix.
    Nothing,
    /// This lead's id.
    One(String),
    /// Several leads fit: the first `max` of them, and whether there are more.
    Several(Vec<StoredLead>, bool),
}

/// Looks `query` up and decides between one lead and a choice, for `report lead` and `/lead`
/// alike; each says the outcome in its own words.
pub fn find(conn: &rusqlite::Connection, query: &str, max: usize) -> store::Result<Found> {
    // One more than is offered, to know whether there are more.
    Ok(decide(query, store::search_leads(conn, query, max + 1)?, max))
}

/// The decision `find` makes on what the search found (best first, an exact id at the top).
pub fn decide(query: &str, mut found: Vec<StoredLead>, max: usize) -> Found {
    match found.as_slice() {
        [] => Found::Nothing,
        [one] => Found::One(one.id.to_string()),
        [first, ..] if first.id.as_str() == query => Found::One(first.id.to_string()),
        _ => {
            let more = found.len() > max;
            found.truncate(max);
            Found::Several(found, more)
        }
    }
}

/// Reads one lead and tells its story; `Ok(None)` when the id is unknown.
pub fn build(conn: &rusqlite::Connection, s: &Snapshot, ctx: &Context, id: &str) -> store::Result<Option<LeadDetail>> {
    let Some(l) = store::get_lead(conn, id)? else { return Ok(None) };
    let appts = store::appointments_of(conn, id)?;
    let stored = store::changes_of(conn, id)?;
    let changes: Vec<Change> = stored
        .iter()
        .map(|c| Change {
            at: c.change.at,
            from: c.change.from.as_deref().map(Into::into),
            to: c.change.to.as_deref().map(Into::into),
        })
        .collect();
    let starts: Vec<Appointment> = appts.iter().map(|a| Appointment { start: a.start, all_day: a.all_day }).collect();
    let facts = Facts {
        stage: l.stage.as_deref(),
        converted: l.converted,
        created_at: l.created_at,
        appointments: &starts,
        changes: &changes,
        history_known: l.history_known,
    };
    let a = rules::assess(&facts, ctx.as_of, ctx.rules);
    // Only what happened by the view's moment, like the history.
    let interventions: Vec<FollowLine> =
        store::interventions_of(conn, id)?.iter().filter(|i| i.at <= ctx.as_of).map(FollowLine::of).collect();
    let snooze = s.lead(id).and_then(|sl| sl.snooze_at(ctx.as_of)).map(|sn| SnoozeNow {
        until: sn.until.map(Stamp::from_utc),
        reason: sn.reason.clone(),
        by: sn.by_name.clone(),
    });
    let mut appointments: Vec<AppointmentLine> = starts
        .iter()
        .zip(&appts)
        .map(|(a, x)| {
            let at = a.at(ctx.tz());
            AppointmentLine { at: Some(at), all_day: a.all_day, title: x.title.clone(), past: at.utc() <= ctx.as_of }
        })
        .collect();
    // In the order they happen, all-day ones at the start of their own date.
    appointments.sort_by_key(|l| l.at);
    // A lead without appointments gets no verdict, but its days in stage count the same way.
    let days_in_stage = match &a {
        Some(a) => a.days_in_stage,
        None => changes
            .iter()
            .filter(|c| c.at.utc() <= ctx.as_of)
            .map(|c| c.at)
            .max()
            .or(l.history_known.then_some(l.created_at))
            .map(|since| rules::days::between(since.date_in(ctx.tz()), ctx.today(), ctx.rules).max(0)),
    };
    Ok(Some(LeadDetail {
        header: Header::new("lead", s, ctx, vec![]),
        lead: info(&l, ctx),
        status: a.as_ref().map(|a| a.status),
        days_since_appointment: a.as_ref().and_then(|a| a.days_since_appointment),
        days_in_stage,
        stuck_in_green: a.as_ref().is_some_and(|a| a.stuck_in_green),
        appointments,
        history: stored
            .iter()
            .filter(|c| c.change.at.utc() <= ctx.as_of)
            .map(|c| HistoryLine {
                at: Some(c.change.at),
                from: c.change.from.clone(),
                to: c.change.to.clone(),
                by: c.change.by.clone(),
                source: match c.source {
                    ChangeSource::Timeline => "timeline",
                    ChangeSource::Observed => "observed",
                },
            })
            .collect(),
        stages: spells(&l, &changes, ctx),
        interventions,
        actions: store::actions_of_lead(conn, id)?
            .iter()
            .filter(|r| r.requested_at <= ctx.as_of)
            .map(ActionLine::of)
            .collect(),
        snooze,
        tz: ctx.tz(),
    }))
}

fn info(l: &StoredLead, ctx: &Context) -> LeadInfo {
    LeadInfo {
        id: l.id.to_string(),
        name: l.full_name.clone(),
        company: l.company.clone(),
        email: l.email.clone(),
        phone: l.phone.clone(),
        lead_source: l.lead_source.clone(),
        stage: l.stage.clone(),
        locator: l.locator.as_ref().map(|u| u.name.clone()),
        converted: l.converted,
        created_at: Some(l.created_at),
        modified_at: Some(l.modified_at),
        zoho_url: ctx.lead_url(l.id.as_str()),
    }
}

/// The stages a lead went through and for how long (in the view's day counting).
fn spells(l: &StoredLead, changes: &[Change], ctx: &Context) -> Vec<StageSpell> {
    let ordered = rules::in_order(changes);
    let past: Vec<&Change> = ordered.iter().copied().filter(|c| c.at.utc() <= ctx.as_of).collect();
    let tz = ctx.tz();
    let days = |a: Stamp, b: DateTime<chrono::Utc>| {
        rules::days::between(a.date_in(tz), b.with_timezone(&tz).date_naive(), ctx.rules).max(0)
    };
    let mut out = Vec::new();
    // Without a read history, changes before the first known one are unknown: so is the
    // first spell's start.
    let mut start = l.history_known.then_some(l.created_at);
    // The stage before the first change ever (even one after as_of) is that change's `from`.
    let first_ever = ordered.first();
    let mut stage = first_ever.map(|c| c.from.as_deref().map(str::to_string)).unwrap_or_else(|| l.stage.clone());
    for c in past {
        out.push(StageSpell {
            stage: stage.clone(),
            from: start,
            to: Some(c.at),
            days: start.map(|s| days(s, c.at.utc())),
        });
        start = Some(c.at);
        stage = c.to.as_deref().map(str::to_string);
    }
    out.push(StageSpell { stage, from: start, to: None, days: start.map(|s| days(s, ctx.as_of)) });
    out
}

impl LeadDetail {
    pub fn table(&self, ctx: &Context, _color: bool) -> String {
        let l = &self.lead;
        let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
        let mut out = format!("LEAD {} — {}\n", l.name, self.header.describe(ctx));
        out.push_str(&self.header.notes());
        let status = match self.status {
            Some(s) => {
                let days = self
                    .days_since_appointment
                    .map(|d| format!(", {d} days since the appointment"))
                    .unwrap_or_default();
                format!("{}{days}", status_label(s))
            }
            None => "no appointment".into(),
        };
        out.push_str(&format!("Status:   {status}{}\n", if self.stuck_in_green { " — stuck in green" } else { "" }));
        if let Some(sn) = &self.snooze {
            out.push_str(&format!("Snooze:   {}\n", sn.sentence(self.tz)));
        }
        out.push_str(&format!("Company:  {}\n", dash(&l.company)));
        out.push_str(&format!(
            "Stage:    {} ({}){}\n",
            dash(&l.stage),
            self.days_in_stage.map(|d| format!("{d} days")).unwrap_or_else(|| "since: unknown".into()),
            if l.converted { " — converted" } else { "" }
        ));
        out.push_str(&format!("Locator:  {}\n", dash(&l.locator)));
        out.push_str(&format!("Contact:  {} · {}\n", dash(&l.phone), dash(&l.email)));
        out.push_str(&format!("Source:   {}\n", dash(&l.lead_source)));
        out.push_str(&format!("Created:  {}\n", l.created_at.map(|t| local(&t, self.tz)).unwrap_or_default()));
        // Zoho's line as it always was; another CRM's name is longer than the column.
        match super::context::crm_of_link(&l.zoho_url) {
            "Zoho CRM" => out.push_str(&format!("Zoho:     {}\n", l.zoho_url)),
            crm => out.push_str(&format!("{crm}: {}\n", l.zoho_url)),
        }
        out.push_str("\nAppointments\n");
        if self.appointments.is_empty() {
            out.push_str("  (none)\n");
        }
        for a in &self.appointments {
            let when = match a.at {
                Some(t) if a.all_day => format!("{} all day", t.date_in(self.tz)),
                Some(t) => local(&t, self.tz),
                None => String::new(),
            };
            out.push_str(&format!(
                "  {when}  {}{}\n",
                a.title.as_deref().unwrap_or(""),
                if a.past { "" } else { "  (upcoming)" }
            ));
        }
        out.push_str("\nStage history\n");
        if self.history.is_empty() {
            out.push_str("  (no stage changes known)\n");
        } else {
            let rows: Vec<Vec<Cell>> = self
                .history
                .iter()
                .map(|h| {
                    vec![
                        h.at.map(|t| local(&t, self.tz)).unwrap_or_default().into(),
                        format!("{} → {}", dash(&h.from), dash(&h.to)).into(),
                        format!("{}{}", dash(&h.by), if h.source == "observed" { " (observed by sync)" } else { "" })
                            .into(),
                    ]
                })
                .collect();
            let cols = [col("When", Align::Left, 16), col("Change", Align::Left, 50), col("By", Align::Left, 40)];
            for line in render(&cols, &rows, false).lines() {
                out.push_str(&format!("  {line}\n"));
            }
        }
        if !self.interventions.is_empty() {
            out.push_str("\nFollow-up\n");
            for i in &self.interventions {
                out.push_str(&format!("  {}\n", i.line(self.tz)));
            }
        }
        if !self.actions.is_empty() {
            out.push_str("\nActions in the CRM\n");
            for a in &self.actions {
                out.push_str(&format!("  {}\n", a.line(self.tz)));
            }
        }
        out.push_str("\nTime in each stage\n");
        for sp in &self.stages {
            let until = if sp.to.is_none() { " (now)" } else { "" };
            let days = sp
                .days
                .map(|d| format!("{d:>4} days"))
                .unwrap_or_else(|| "   ? (history not read: closed before the first sync)".into());
            out.push_str(&format!("  {:<26} {days}{until}\n", dash(&sp.stage)));
        }
        out
    }

    pub fn csv(&self) -> String {
        let mut out = csv_line(&["at", "from", "to", "by", "source"].map(String::from));
        for h in &self.history {
            out.push_str(&csv_line(&[
                h.at.map(|t| t.to_string()).unwrap_or_default(),
                h.from.clone().unwrap_or_default(),
                h.to.clone().unwrap_or_default(),
                h.by.clone().unwrap_or_default(),
                h.source.to_string(),
            ]));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lead(id: &str, name: &str) -> StoredLead {
        let now = Stamp::parse("2026-11-20T10:00:00Z").unwrap();
        StoredLead {
            id: crate::domain::LeadId::parse(id).unwrap(),
            full_name: name.into(),
            company: Some("Riverside Gym".into()),
            email: None,
            phone: None,
            lead_source: None,
            stage: None,
            locator: None,
            converted: false,
            created_at: now,
            modified_at: now,
            history_known: false,
        }
    }

    #[test]
    fn several_matches_are_a_choice_and_an_exact_id_is_the_one() {
        let many: Vec<StoredLead> = (0..30).map(|i| lead(&format!("{}", 100 + i), &format!("Lead {i}"))).collect();
        let Found::Several(offered, more) = decide("Riverside Gym", many, 25) else { panic!("a choice") };
        assert_eq!((offered.len(), more), (25, true));
        let two = vec![lead("1", "A"), lead("2", "B")];
        assert!(matches!(decide("Riverside", two, 25), Found::Several(v, false) if v.len() == 2));
        assert_eq!(decide("2", vec![lead("2", "B"), lead("20", "C")], 25), Found::One("2".into()));
        assert_eq!(decide("Riv", vec![lead("7", "A")], 25), Found::One("7".into()));
        assert_eq!(decide("nobody", vec![], 25), Found::Nothing);
    }
}
