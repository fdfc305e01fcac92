//! What the write-back touches in the org besides the leads themselves: notes and tasks on a
//! lead, record locks (record locking, approval, Blueprint), validation rules, and the runs of
//! the emulated "workflow on edit" rule — plain data, plus the helpers tests use to arrange
//! and inspect them.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Map;

use super::{Org, Related, STimelineEntry};

/// A note attached to a record (`Notes`, `Parent_Id` + `$se_module`).
#[derive(Clone, Debug)]
pub struct SNote {
    pub id: String,
    pub parent_module: String,
    pub parent_id: String,
    pub title: Option<String>,
    pub content: String,
    pub created: DateTime<Utc>,
    /// The user who wrote it (the API user for notes written through the API).
    pub created_by: String,
}

/// A task (`Tasks`), linked to a record by `What_Id` + `$se_module`.
#[derive(Clone, Debug)]
pub struct STask {
    pub id: String,
    pub subject: String,
    pub due: Option<NaiveDate>,
    pub status: String,
    pub owner_id: String,
    pub what: Option<Related>,
    /// The contact it is with (`Who_Id`).
    pub who: Option<Related>,
    /// High, Highest, Low, Lowest or Normal.
    pub priority: Option<String>,
    pub description: Option<String>,
    /// When it was completed (`Closed_Time`).
    pub closed: Option<DateTime<Utc>>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
}

/// Why a record cannot be written, each with Zoho's code and message (reference §9.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lock {
    /// Record locking (a rule or a person locked it).
    Locked,
    /// Waiting in an approval process.
    NotApproved,
    /// Under a Blueprint: its transitions, not an edit, move it.
    Blueprint,
}

impl Lock {
    /// Zoho's `code` and `message` for a write refused by this lock.
    pub fn code_and_message(self) -> (&'static str, &'static str) {
        match self {
            Lock::Locked => ("RECORD_LOCKED", "You cannot perform this operation as the record is locked."),
            Lock::NotApproved => ("NOT_APPROVED", "Cannot update record that is not approved yet"),
            Lock::Blueprint => ("RECORD_IN_BLUEPRINT", "The record is in blue print"),
        }
    }
}

/// An org validation rule: any update of `module` touching `field` is refused with `message`.
#[derive(Clone, Debug)]
pub struct ValidationRule {
    pub module: String,
    pub field: String,
    pub message: String,
}

impl Org {
    /// The lead, if it exists.
    pub fn lead(&self, id: &str) -> Option<&super::SLead> {
        self.leads.get(id)
    }

    /// The user the API acts as: the org's administrator (the first user if none is).
    pub fn api_user(&self) -> Option<&super::SUser> {
        self.users.iter().find(|u| u.profile == "Administrator").or(self.users.first())
    }

    /// Whether `id` is an active user (a write may point a lookup only at one of those).
    pub fn active_user(&self, id: &str) -> bool {
        self.users.iter().any(|u| u.id == id && u.status == "active")
    }

    /// The lead's notes, oldest first.
    pub fn notes_of(&self, lead_id: &str) -> Vec<&SNote> {
        self.notes.iter().filter(|n| n.parent_module == "Leads" && n.parent_id == lead_id).collect()
    }

    /// The tasks linked to the lead, oldest first.
    pub fn tasks_of(&self, lead_id: &str) -> Vec<&STask> {
        self.tasks.iter().filter(|t| t.what.as_ref().is_some_and(|w| w.module == "Leads" && w.id == lead_id)).collect()
    }

    pub fn lock(&mut self, record_id: &str, lock: Lock) {
        self.locks.insert(record_id.to_string(), lock);
    }

    pub fn unlock(&mut self, record_id: &str) {
        self.locks.remove(record_id);
    }

    pub fn add_validation_rule(&mut self, module: &str, field: &str, message: &str) {
        self.validation_rules.push(ValidationRule {
            module: module.into(),
            field: field.into(),
            message: message.into(),
        });
    }

    /// Changes a lead's owner at `at` on behalf of `by` (a user id), as Zoho records it: the
    /// new Modified_Time and a timeline entry whose field history names the owners.
    pub(crate) fn change_owner_at(&mut self, lead_id: &str, owner_id: &str, by: &str, at: DateTime<Utc>) {
        let old = self.leads.get(lead_id).and_then(|l| l.owner_id.clone());
        let old_name = old.as_deref().and_then(|o| self.user_name(o));
        let new_name = self.user_name(owner_id);
        let by_name = self.user_name(by).unwrap_or_default();
        let entry_id = self.new_id();
        let Some(lead) = self.leads.get_mut(lead_id) else { return };
        lead.owner_id = Some(owner_id.to_string());
        lead.modified = at;
        self.timeline.entry(lead_id.to_string()).or_default().push(STimelineEntry {
            id: entry_id,
            audited: at,
            done_by: by_name,
            done_by_id: by.to_string(),
            action: "updated".into(),
            changes: vec![("Owner".into(), old_name, new_name)],
            overrides: Map::new(),
        });
    }

    /// Reassigns a lead the way a person does in Zoho (by the API user): a new Modified_Time
    /// and a timeline entry for `Owner`.
    pub fn reassign_lead(&mut self, lead_id: &str, owner_id: &str) -> DateTime<Utc> {
        let t = self.touch();
        let by = self.api_user().map(|u| u.id.clone()).unwrap_or_default();
        self.change_owner_at(lead_id, owner_id, &by, t);
        t
    }
}

/// A lead's text field a write can set, whatever a CRM face calls it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeadText {
    Status,
    FirstName,
    LastName,
    Company,
    Email,
    Phone,
    LeadSource,
}

impl Org {
    /// Sets one text field of a lead written through a CRM face; a stage change is audited in
    /// the lead's timeline (Zoho's timeline, Salesforce's LeadHistory) by `by` at `t`.
    pub fn set_lead_text(&mut self, id: &str, field: LeadText, value: Option<String>, by: &str, t: DateTime<Utc>) {
        let entry_id = self.new_id();
        let by_name = self.user_name(by).unwrap_or_default();
        let Some(lead) = self.leads.get_mut(id) else { return };
        let slot = match field {
            LeadText::Status => &mut lead.status,
            LeadText::FirstName => &mut lead.first_name,
            LeadText::LastName => &mut lead.last_name,
            LeadText::Company => &mut lead.company,
            LeadText::Email => &mut lead.email,
            LeadText::Phone => &mut lead.phone,
            LeadText::LeadSource => &mut lead.lead_source,
        };
        let old = std::mem::replace(slot, value.clone());
        if field == LeadText::Status && old != value {
            self.timeline.entry(id.to_string()).or_default().push(STimelineEntry {
                id: entry_id,
                audited: t,
                done_by: by_name,
                done_by_id: by.to_string(),
                action: "updated".into(),
                changes: vec![("Lead_Status".into(), old, value)],
                overrides: Map::new(),
            });
        }
    }
}
