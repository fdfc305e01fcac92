//! The sandbox's data: a whole fake Zoho org held in memory. This is the "truth" tests compare
//! the synced database against, so it is plain data with no Zoho wire format in it.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value};

mod activity;
mod sales;
pub use activity::{LeadText, Lock, SNote, STask, ValidationRule};
pub use sales::{stage_def, SAccount, SCall, SContact, SDeal, SDealStage, Sales, StageDef, DEAL_STAGES, PIPELINES};

#[derive(Clone, Debug)]
pub struct SUser {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub status: String,
    pub modified: DateTime<Utc>,
    /// The user's role (`SRole::id`) and profile name (Administrator, Standard).
    pub role_id: Option<String>,
    pub profile: String,
    /// The user-level manager (`Reporting_To`): another user's id; `None` at the top.
    pub reporting_to: Option<String>,
}

impl SUser {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

#[derive(Clone, Debug)]
pub struct SLead {
    pub id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub lead_source: Option<String>,
    pub status: Option<String>,
    pub owner_id: Option<String>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    pub converted: bool,
    pub converted_at: Option<DateTime<Utc>>,
    /// The custom appointment field (`Appointment_At`, and its date-only twin `Appointment_Date`).
    pub appointment_at: Option<DateTime<Utc>>,
    /// Raw JSON values that replace rendered fields: how tests plant malformed records.
    pub overrides: Map<String, Value>,
}

impl SLead {
    pub fn full_name(&self) -> Option<String> {
        let j =
            [self.first_name.as_deref(), self.last_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
        (!j.is_empty()).then_some(j)
    }
}

/// Where an activity points: Zoho's `What_Id` + `$se_module`.
#[derive(Clone, Debug, PartialEq)]
pub struct Related {
    pub module: String,
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug)]
pub struct SEvent {
    pub id: String,
    pub title: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub all_day: bool,
    pub what: Option<Related>,
    /// The contact it is with (`Who_Id`).
    pub who: Option<Related>,
    /// A user id; lead appointments made by the lead-side helpers have none (served as null).
    pub owner_id: Option<String>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    pub overrides: Map<String, Value>,
}

#[derive(Clone, Debug)]
pub struct SAppointment {
    pub id: String,
    pub name: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Scheduled, Completed, Cancelled or Overdue.
    pub status: String,
    pub target: Option<Related>,
    pub modified: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct STimelineEntry {
    pub id: String,
    pub audited: DateTime<Utc>,
    pub done_by: String,
    pub done_by_id: String,
    pub action: String,
    /// (field api name, old, new)
    pub changes: Vec<(String, Option<String>, Option<String>)>,
    pub overrides: Map<String, Value>,
}

#[derive(Clone, Debug)]
pub struct SDeleted {
    pub module: String,
    pub id: String,
    pub name: String,
    pub deleted: DateTime<Utc>,
}

/// A role of the org's hierarchy (`/settings/roles`).
#[derive(Clone, Debug)]
pub struct SRole {
    pub id: String,
    pub name: String,
    /// The parent role's id; `None` for the top (CEO).
    pub reporting_to: Option<String>,
    pub share_with_peers: bool,
    /// Raw JSON values that replace rendered keys: how tests plant hostile role records.
    pub overrides: Map<String, Value>,
}

/// One stage change as the sandbox knows it: (timeline entry id, time, old, new).
pub type HistoryRow = (String, DateTime<Utc>, Option<String>, Option<String>);

/// A fake Zoho org.
#[derive(Clone, Debug)]
pub struct Org {
    /// The sandbox clock: every Modified_Time and HTTP Date comes from it.
    pub now: DateTime<Utc>,
    /// The API user's zone: datetimes are rendered with its offset, as Zoho does.
    pub user_tz: Tz,
    pub users: Vec<SUser>,
    pub roles: Vec<SRole>,
    pub leads: BTreeMap<String, SLead>,
    pub events: BTreeMap<String, SEvent>,
    pub appointments: BTreeMap<String, SAppointment>,
    pub timeline: HashMap<String, Vec<STimelineEntry>>,
    pub deleted: Vec<SDeleted>,
    /// Notes and tasks (written by the write-back, or planted by tests).
    pub notes: Vec<SNote>,
    pub tasks: Vec<STask>,
    /// Records that refuse writes, by record id.
    pub locks: BTreeMap<String, Lock>,
    pub validation_rules: Vec<ValidationRule>,
    /// (module, record id) each time the emulated "workflow on edit" rule ran: it runs when a
    /// write's `trigger` includes `workflow` or is absent (Zoho's default: all automation).
    pub workflow_runs: Vec<(String, String)>,
    /// Deals (with their stage history), calls, accounts and contacts; tasks live in `tasks`
    /// and meetings in `events`, one store per Zoho module.
    pub sales: Sales,
    pub next_id: u64,
    /// Bumped on every change, so cached list orders are rebuilt.
    pub version: u64,
}

/// Zoho ids are 19-digit numbers; every sandbox id shares this org prefix.
pub const ID_BASE: u64 = 3_652_397_000_000_000_000;

impl Org {
    pub fn empty(now: DateTime<Utc>, user_tz: Tz) -> Org {
        Org {
            now,
            user_tz,
            users: vec![],
            roles: vec![],
            leads: BTreeMap::new(),
            events: BTreeMap::new(),
            appointments: BTreeMap::new(),
            timeline: HashMap::new(),
            deleted: vec![],
            notes: vec![],
            tasks: vec![],
            locks: BTreeMap::new(),
            validation_rules: vec![],
            workflow_runs: vec![],
            sales: Sales::default(),
            next_id: ID_BASE + 1,
            version: 0,
        }
    }

    pub fn new_id(&mut self) -> String {
        let id = self.next_id;
        self.next_id += 1;
        id.to_string()
    }

    pub fn user_name(&self, id: &str) -> Option<String> {
        self.users.iter().find(|u| u.id == id).map(SUser::full_name)
    }

    /// The clock moves on after each edit, as it does between an edit and the next sync:
    /// without this, an edit and a sync in the same second would be indistinguishable.
    pub(crate) fn touch(&mut self) -> DateTime<Utc> {
        let t = self.now;
        self.now += Duration::seconds(61);
        self.version += 1;
        t
    }

    pub fn advance(&mut self, by: Duration) {
        self.now += by;
        self.version += 1;
    }

    /// A new lead, created now by locator `owner`.
    pub fn add_lead(&mut self, first: &str, last: &str, company: &str, owner: usize) -> String {
        let t = self.touch();
        let id = self.new_id();
        let owner_id = self.users[owner % self.users.len()].id.clone();
        self.leads.insert(
            id.clone(),
            SLead {
                id: id.clone(),
                first_name: Some(first.into()),
                last_name: Some(last.into()),
                company: Some(company.into()),
                email: None,
                phone: None,
                lead_source: Some("Walk-in".into()),
                status: Some("New".into()),
                owner_id: Some(owner_id),
                created: t,
                modified: t,
                converted: false,
                converted_at: None,
                appointment_at: None,
                overrides: Map::new(),
            },
        );
        id
    }

    /// Changes a lead's stage the way a person in the CRM would: a timeline entry and a new
    /// Modified_Time.
    pub fn set_stage(&mut self, lead_id: &str, stage: &str, by_user: usize) -> DateTime<Utc> {
        let t = self.touch();
        let user = self.users[by_user % self.users.len()].clone();
        let id = self.new_id();
        let lead = self.leads.get_mut(lead_id).expect("lead exists");
        let old = lead.status.replace(stage.to_string());
        lead.modified = t;
        self.timeline.entry(lead_id.to_string()).or_default().push(STimelineEntry {
            id,
            audited: t,
            done_by: user.full_name(),
            done_by_id: user.id,
            action: "updated".into(),
            changes: vec![("Lead_Status".into(), old, Some(stage.to_string()))],
            overrides: Map::new(),
        });
        t
    }

    /// Changes the stage without leaving a timeline entry (history tracking off, or an import).
    pub fn set_stage_silently(&mut self, lead_id: &str, stage: &str) -> DateTime<Utc> {
        let t = self.touch();
        let lead = self.leads.get_mut(lead_id).expect("lead exists");
        lead.status = Some(stage.to_string());
        lead.modified = t;
        t
    }

    pub fn edit_lead(&mut self, lead_id: &str, f: impl FnOnce(&mut SLead)) -> DateTime<Utc> {
        let t = self.touch();
        let lead = self.leads.get_mut(lead_id).expect("lead exists");
        f(lead);
        lead.modified = t;
        t
    }

    pub fn convert_lead(&mut self, lead_id: &str) -> DateTime<Utc> {
        self.edit_lead(lead_id, |l| {
            l.converted = true;
        });
        let t = self.leads[lead_id].modified;
        self.leads.get_mut(lead_id).expect("lead exists").converted_at = Some(t);
        t
    }

    /// Deletes a lead; Zoho deletes its activities with it.
    pub fn delete_lead(&mut self, lead_id: &str) -> DateTime<Utc> {
        let t = self.touch();
        let lead = self.leads.remove(lead_id).expect("lead exists");
        self.timeline.remove(lead_id);
        let name = lead.full_name().unwrap_or_default();
        self.deleted.push(SDeleted { module: "Leads".into(), id: lead_id.to_string(), name, deleted: t });
        let gone: Vec<String> = self
            .events
            .iter()
            .filter(|(_, e)| e.what.as_ref().is_some_and(|w| w.module == "Leads" && w.id == lead_id))
            .map(|(id, _)| id.clone())
            .collect();
        for id in gone {
            let e = self.events.remove(&id).expect("listed");
            self.deleted.push(SDeleted { module: "Events".into(), id, name: e.title, deleted: t });
        }
        let gone: Vec<String> = self
            .appointments
            .iter()
            .filter(|(_, a)| a.target.as_ref().is_some_and(|w| w.module == "Leads" && w.id == lead_id))
            .map(|(id, _)| id.clone())
            .collect();
        for id in gone {
            let a = self.appointments.remove(&id).expect("listed");
            self.deleted.push(SDeleted { module: "Appointments__s".into(), id, name: a.name, deleted: t });
        }
        t
    }

    /// Books a meeting with a lead, in both appointment modules and the lead's field.
    pub fn add_appointment(&mut self, lead_id: &str, start: DateTime<Utc>) -> String {
        let t = self.touch();
        let name = self.leads[lead_id].full_name().unwrap_or_default();
        let owner_id = self.leads[lead_id].owner_id.clone();
        let what = Some(Related { module: "Leads".into(), id: lead_id.to_string(), name: name.clone() });
        let id = self.new_id();
        self.events.insert(
            id.clone(),
            SEvent {
                id: id.clone(),
                title: format!("Site visit: {name}"),
                start,
                end: start + Duration::minutes(45),
                all_day: false,
                what: what.clone(),
                who: None,
                owner_id,
                created: t,
                modified: t,
                overrides: Map::new(),
            },
        );
        let aid = self.new_id();
        self.appointments.insert(
            aid.clone(),
            SAppointment {
                id: aid,
                name: format!("Site visit: {name}"),
                start,
                end: start + Duration::minutes(45),
                status: if start > t { "Scheduled".into() } else { "Completed".into() },
                target: what,
                modified: t,
            },
        );
        let lead = self.leads.get_mut(lead_id).expect("lead exists");
        if lead.appointment_at.is_none_or(|a| a < start) {
            lead.appointment_at = Some(start);
            lead.modified = t;
        }
        id
    }

    /// An all-day meeting with a lead on `date`. Zoho keeps and sends it as midnight in the API
    /// user's zone (`2026-11-23T00:00:00+05:30`, `All_day: true`), ending at 23:59 that day.
    pub fn add_all_day_event(&mut self, lead_id: &str, date: NaiveDate) -> String {
        let t = self.touch();
        let name = self.leads[lead_id].full_name().unwrap_or_default();
        let owner_id = self.leads[lead_id].owner_id.clone();
        let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
        let start = self
            .user_tz
            .from_local_datetime(&midnight)
            .earliest()
            .or_else(|| self.user_tz.from_local_datetime(&(midnight + Duration::hours(1))).earliest())
            .expect("a day has a first hour")
            .with_timezone(&Utc);
        let id = self.new_id();
        self.events.insert(
            id.clone(),
            SEvent {
                id: id.clone(),
                title: format!("All-day visit: {name}"),
                start,
                end: start + Duration::hours(23) + Duration::minutes(59),
                all_day: true,
                what: Some(Related { module: "Leads".into(), id: lead_id.to_string(), name }),
                who: None,
                owner_id,
                created: t,
                modified: t,
                overrides: Map::new(),
            },
        );
        id
    }

    /// Renames a user, as an admin does in Zoho: the user's Modified_Time moves (so the users
    /// endpoint returns it after the watermark); the leads the user owns are not modified.
    pub fn rename_user(&mut self, user_id: &str, first: &str, last: &str) -> DateTime<Utc> {
        let t = self.touch();
        let u = self.users.iter_mut().find(|u| u.id == user_id).expect("user exists");
        u.first_name = first.to_string();
        u.last_name = last.to_string();
        u.modified = t;
        t
    }

    /// Moves an event to another time.
    pub fn reschedule_event(&mut self, event_id: &str, start: DateTime<Utc>) {
        let t = self.touch();
        let e = self.events.get_mut(event_id).expect("event exists");
        e.start = start;
        e.end = start + Duration::minutes(45);
        e.modified = t;
    }

    pub fn delete_event(&mut self, event_id: &str) {
        let t = self.touch();
        let e = self.events.remove(event_id).expect("event exists");
        self.deleted.push(SDeleted { module: "Events".into(), id: event_id.to_string(), name: e.title, deleted: t });
    }

    /// Re-links an event from its lead to an account (it stops being an appointment for us).
    pub fn relink_event_to_account(&mut self, event_id: &str) {
        let t = self.touch();
        let e = self.events.get_mut(event_id).expect("event exists");
        e.what =
            Some(Related { module: "Accounts".into(), id: "3652397000099999999".into(), name: "Some Account".into() });
        e.modified = t;
    }

    pub fn cancel_appointment(&mut self, appointment_id: &str) {
        let t = self.touch();
        let a = self.appointments.get_mut(appointment_id).expect("appointment exists");
        a.status = "Cancelled".into();
        a.modified = t;
    }

    /// Lead ids with at least one live appointment in `Events`, as the sync should see them.
    pub fn event_appointments(&self) -> Vec<(&SEvent, &str)> {
        self.events
            .values()
            .filter_map(|e| match &e.what {
                Some(w) if w.module == "Leads" && self.leads.contains_key(&w.id) => Some((e, w.id.as_str())),
                _ => None,
            })
            .collect()
    }

    /// Stage changes of one lead, oldest first: (entry id, time, old, new).
    pub fn stage_history(&self, lead_id: &str) -> Vec<HistoryRow> {
        let mut out: Vec<_> = self
            .timeline
            .get(lead_id)
            .into_iter()
            .flatten()
            .flat_map(|e| {
                e.changes
                    .iter()
                    .filter(|(f, _, _)| f == "Lead_Status")
                    .map(|(_, o, n)| (e.id.clone(), e.audited, o.clone(), n.clone()))
            })
            .collect();
        out.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
        out
    }
}
