//! The edits tests and other helpers make to the org's sales side, each the way a person in
//! the CRM makes it: the clock moves and the record's Modified_Time with it (as for leads), a
//! stage change leaves a `Stage_History` row and resets the probability to the stage's default,
//! and a deletion leaves the record in the recycle bin (`/{Module}/deleted`). Plus the read
//! accessors tests use as the truth a sync should reproduce.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::Map;

use super::{stage_def, SAccount, SCall, SContact, SDeal, SDealStage};
use crate::org::{Org, Related, SDeleted, SEvent, STask};

/// An activity's `What_Id` target: (module API name, record id), e.g. `("Deals", id)`.
pub type WhatRef<'a> = (&'a str, &'a str);

impl Org {
    fn user_id_at(&self, index: usize) -> String {
        self.users[index % self.users.len()].id.clone()
    }

    /// `{module, id, name}` of an existing record, the name as Zoho shows it in lookups.
    /// Panics when there is no such record: tests name records they made.
    pub fn related_record(&self, module: &str, id: &str) -> Related {
        let name = match module {
            "Leads" => self.leads.get(id).map(|l| l.full_name().unwrap_or_default()),
            "Deals" => self.sales.deals.get(id).map(|d| d.name.clone()),
            "Accounts" => self.sales.accounts.get(id).map(|a| a.name.clone()),
            "Contacts" => self.sales.contacts.get(id).map(SContact::full_name),
            _ => None,
        };
        let name = name.unwrap_or_else(|| panic!("no {module} record {id}"));
        Related { module: module.into(), id: id.into(), name }
    }

    fn what(&self, what: Option<WhatRef<'_>>) -> Option<Related> {
        what.map(|(m, id)| self.related_record(m, id))
    }

    fn bin(&mut self, module: &str, id: &str, name: String, at: DateTime<Utc>) {
        self.deleted.push(SDeleted { module: module.into(), id: id.into(), name, deleted: at });
    }

    /// A new account, created now, owned by user number `owner`.
    pub fn add_account(&mut self, name: &str, industry: Option<&str>, owner: usize) -> String {
        let t = self.touch();
        let id = self.new_id();
        let owner_id = self.user_id_at(owner);
        let a = SAccount {
            id: id.clone(),
            name: name.into(),
            industry: industry.map(Into::into),
            owner_id,
            created: t,
            modified: t,
        };
        self.sales.accounts.insert(id.clone(), a);
        id
    }

    /// A new contact, created now, at `account` (an account id) if given.
    pub fn add_contact(&mut self, first: &str, last: &str, account: Option<&str>, owner: usize) -> String {
        let t = self.touch();
        let id = self.new_id();
        let account = account.map(|a| self.related_record("Accounts", a));
        let owner_id = self.user_id_at(owner);
        let email = Some(format!("{}.{}@example.com", first.to_lowercase(), last.to_lowercase()));
        let c = SContact {
            id: id.clone(),
            first_name: (!first.is_empty()).then(|| first.into()),
            last_name: last.into(),
            email,
            account,
            owner_id,
            created: t,
            modified: t,
        };
        self.sales.contacts.insert(id.clone(), c);
        id
    }

    /// A new deal, created now in `stage` (its first `Stage_History` row, by its owner) with
    /// that stage's default probability.
    #[allow(clippy::too_many_arguments)]
    pub fn add_deal(
        &mut self,
        name: &str,
        stage: &str,
        pipeline: &str,
        amount: Option<f64>,
        closing: NaiveDate,
        owner: usize,
        account: Option<&str>,
        contact: Option<&str>,
        lead_source: Option<&str>,
    ) -> String {
        let t = self.touch();
        let id = self.new_id();
        let row_id = self.new_id();
        let owner_id = self.user_id_at(owner);
        let probability = stage_def(stage).map_or(0, |s| s.probability);
        let deal = SDeal {
            id: id.clone(),
            name: name.into(),
            stage: stage.into(),
            pipeline: Some(pipeline.into()),
            amount,
            probability,
            closing: Some(closing),
            account: account.map(|a| self.related_record("Accounts", a)),
            contact: contact.map(|c| self.related_record("Contacts", c)),
            lead_source: lead_source.map(Into::into),
            kind: Some("New Business".into()),
            owner_id: owner_id.clone(),
            created: t,
            modified: t,
            history: vec![SDealStage {
                id: row_id,
                stage: stage.into(),
                amount,
                probability,
                closing: Some(closing),
                at: t,
                by_id: owner_id,
            }],
            overrides: Map::new(),
        };
        self.sales.deals.insert(id.clone(), deal);
        id
    }

    /// Moves a deal to `stage` as user number `by_user` does in the CRM: a history row, a new
    /// Modified_Time, and the probability reset to the stage's default.
    pub fn set_deal_stage(&mut self, id: &str, stage: &str, by_user: usize) -> DateTime<Utc> {
        let t = self.touch();
        let row_id = self.new_id();
        let by_id = self.user_id_at(by_user);
        let d = self.sales.deals.get_mut(id).expect("deal exists");
        d.stage = stage.into();
        d.probability = stage_def(stage).map_or(d.probability, |s| s.probability);
        d.modified = t;
        d.history.push(SDealStage {
            id: row_id,
            stage: stage.into(),
            amount: d.amount,
            probability: d.probability,
            closing: d.closing,
            at: t,
            by_id,
        });
        t
    }

    /// Any other edit of a deal (amount, closing date, owner…): a new Modified_Time, no
    /// history row (Zoho's stage history follows the stage only).
    pub fn edit_deal(&mut self, id: &str, f: impl FnOnce(&mut SDeal)) -> DateTime<Utc> {
        let t = self.touch();
        let d = self.sales.deals.get_mut(id).expect("deal exists");
        f(d);
        d.modified = t;
        t
    }

    /// Deletes a deal (its history goes with it); its activities stay, as their links do.
    pub fn delete_deal(&mut self, id: &str) -> DateTime<Utc> {
        let t = self.touch();
        let d = self.sales.deals.remove(id).expect("deal exists");
        self.bin("Deals", id, d.name, t);
        t
    }

    pub fn delete_account(&mut self, id: &str) -> DateTime<Utc> {
        let t = self.touch();
        let a = self.sales.accounts.remove(id).expect("account exists");
        self.bin("Accounts", id, a.name, t);
        t
    }

    pub fn delete_contact(&mut self, id: &str) -> DateTime<Utc> {
        let t = self.touch();
        let c = self.sales.contacts.remove(id).expect("contact exists");
        self.bin("Contacts", id, c.full_name(), t);
        t
    }

    /// A call logged now. An Outbound call is `Scheduled` when `start` is after the sandbox
    /// clock and `Completed` otherwise; Inbound and Missed calls carry no status.
    pub fn add_call(
        &mut self,
        subject: &str,
        call_type: &str,
        start: DateTime<Utc>,
        duration_secs: u32,
        what: Option<WhatRef<'_>>,
        owner: usize,
    ) -> String {
        let t = self.touch();
        let id = self.new_id();
        let status = (call_type == "Outbound").then(|| if start > t { "Scheduled" } else { "Completed" }.to_string());
        let call = SCall {
            id: id.clone(),
            subject: subject.into(),
            call_type: call_type.into(),
            start,
            duration_secs,
            status,
            what: self.what(what),
            who: None,
            owner_id: self.user_id_at(owner),
            created: t,
            modified: t,
        };
        self.sales.calls.insert(id.clone(), call);
        id
    }

    /// A task created now, `Not Started`.
    pub fn add_task(
        &mut self,
        subject: &str,
        due: Option<NaiveDate>,
        what: Option<WhatRef<'_>>,
        owner: usize,
    ) -> String {
        let t = self.touch();
        let id = self.new_id();
        let task = STask {
            id: id.clone(),
            subject: subject.into(),
            due,
            status: "Not Started".into(),
            owner_id: self.user_id_at(owner),
            what: self.what(what),
            who: None,
            priority: Some("Normal".into()),
            description: None,
            closed: None,
            created: t,
            modified: t,
        };
        self.tasks.push(task);
        id
    }

    /// Marks a task `Completed` now (`Closed_Time`).
    pub fn complete_task(&mut self, id: &str) -> DateTime<Utc> {
        let t = self.touch();
        let task = self.tasks.iter_mut().find(|x| x.id == id).expect("task exists");
        task.status = "Completed".into();
        task.closed = Some(t);
        task.modified = t;
        t
    }

    /// A meeting (an Event) owned by user number `owner`, about a deal, account or contact.
    pub fn add_meeting(
        &mut self,
        title: &str,
        start: DateTime<Utc>,
        minutes: i64,
        what: Option<WhatRef<'_>>,
        owner: usize,
    ) -> String {
        let t = self.touch();
        let id = self.new_id();
        let event = SEvent {
            id: id.clone(),
            title: title.into(),
            start,
            end: start + Duration::minutes(minutes),
            all_day: false,
            what: self.what(what),
            who: None,
            owner_id: Some(self.user_id_at(owner)),
            created: t,
            modified: t,
            overrides: Map::new(),
        };
        self.events.insert(id.clone(), event);
        id
    }

    /// Deletes a call, task or meeting (`module` is `Calls`, `Tasks` or `Events`).
    pub fn delete_activity(&mut self, module: &str, id: &str) -> DateTime<Utc> {
        let t = self.touch();
        let name = match module {
            "Calls" => self.sales.calls.remove(id).map(|c| c.subject),
            "Tasks" => {
                let at = self.tasks.iter().position(|x| x.id == id);
                at.map(|i| self.tasks.remove(i).subject)
            }
            "Events" => self.events.remove(id).map(|e| e.title),
            _ => None,
        };
        let name = name.unwrap_or_else(|| panic!("no {module} record {id}"));
        self.bin(module, id, name, t);
        t
    }

    // ---- the truth, for tests ----

    pub fn deals(&self) -> Vec<&SDeal> {
        self.sales.deals.values().collect()
    }

    pub fn deal(&self, id: &str) -> Option<&SDeal> {
        self.sales.deals.get(id)
    }

    /// A deal's stage history, oldest first (empty for a deal that does not exist).
    pub fn deal_history(&self, id: &str) -> &[SDealStage] {
        self.sales.deals.get(id).map(|d| d.history.as_slice()).unwrap_or(&[])
    }

    pub fn calls(&self) -> Vec<&SCall> {
        self.sales.calls.values().collect()
    }

    /// Meetings: every Event that is not a lead appointment.
    pub fn meetings(&self) -> Vec<&SEvent> {
        self.events.values().filter(|e| e.what.as_ref().is_none_or(|w| w.module != "Leads")).collect()
    }

    pub fn accounts(&self) -> Vec<&SAccount> {
        self.sales.accounts.values().collect()
    }

    pub fn contacts(&self) -> Vec<&SContact> {
        self.sales.contacts.values().collect()
    }

    /// The records of `module` in the recycle bin, as `/{module}/deleted` lists them.
    pub fn deleted_of(&self, module: &str) -> Vec<&SDeleted> {
        self.deleted.iter().filter(|d| d.module == module).collect()
    }
}
