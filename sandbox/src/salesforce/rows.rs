//! The org's records as Salesforce objects (the contract's mapping): users, roles, leads and
//! their status history, events, tasks (calls and tasks), opportunities with their history,
//! the stage picklist, accounts and contacts. Plain rows; SOQL filters and renders them.

use chrono::{DateTime, Utc};

use super::ids::sf_id;
use super::schema::{Parent, Row, V};
use crate::org::{Org, Related, DEAL_STAGES};

/// The org id served as the assignment-rule queue (a `Group`, `00G`): an owner that is no user.
pub const QUEUE_ORG_ID: &str = "3652397000000000999";
pub const QUEUE_NAME: &str = "Unassigned Leads";

fn stamps(row: &mut Row, created: DateTime<Utc>, modified: DateTime<Utc>) {
    row.set("CreatedDate", V::DateTime(created));
    row.set("LastModifiedDate", V::DateTime(modified));
    row.set("SystemModstamp", V::DateTime(modified));
}

fn new_row(prefix: &str, org_id: &str) -> Row {
    let id = sf_id(prefix, org_id);
    let mut row = Row { id: id.clone(), ..Row::default() };
    row.set("Id", V::Str(id));
    row.set("IsDeleted", V::Bool(false));
    row
}

/// A user, or a queue for an owner id that is no user.
fn owner(org: &Org, id: Option<&str>) -> Option<Parent> {
    let id = id?;
    Some(match org.users.iter().find(|u| u.id == id) {
        Some(u) => Parent { object: "User", id: sf_id("005", id), name: Some(u.full_name()) },
        None => {
            Parent { object: "Group", id: sf_id("00G", id), name: (id == QUEUE_ORG_ID).then(|| QUEUE_NAME.to_string()) }
        }
    })
}

fn user(org: &Org, id: &str) -> Option<Parent> {
    Some(Parent { object: "User", id: sf_id("005", id), name: org.user_name(id) })
}

/// A Zoho-style `What`/`Who` link as the Salesforce object it points at.
fn related(org: &Org, r: &Related) -> Option<Parent> {
    let (object, prefix) = match r.module.as_str() {
        "Leads" => ("Lead", "00Q"),
        "Contacts" => ("Contact", "003"),
        "Accounts" => ("Account", "001"),
        "Deals" => ("Opportunity", "006"),
        _ => return None,
    };
    let name = match object {
        "Lead" => org.leads.get(&r.id).and_then(|l| l.full_name()).or(Some(r.name.clone())),
        _ => Some(r.name.clone()),
    };
    Some(Parent { object, id: sf_id(prefix, &r.id), name })
}

/// Splits an activity's links into Salesforce's Who (lead or contact) and What (the rest).
fn who_what(org: &Org, what: &Option<Related>, who: &Option<Related>) -> (Option<Parent>, Option<Parent>) {
    let what_p = what.as_ref().and_then(|w| related(org, w));
    let who_p = who.as_ref().and_then(|w| related(org, w));
    match what_p {
        Some(p) if p.object == "Lead" => (Some(p), None),
        other => (who_p, other),
    }
}

/// Every record of `object` (canonical name), or `None` for an object the org cannot serve.
pub fn rows(org: &Org, object: &str, history_tracking: bool) -> Vec<Row> {
    match object {
        "Lead" => leads(org),
        "User" => users(org),
        "UserRole" => roles(org),
        "Event" => events(org),
        "LeadHistory" if history_tracking => lead_history(org),
        "LeadHistory" => vec![],
        "Opportunity" => deals(org),
        "OpportunityHistory" => deal_history(org),
        "OpportunityStage" => stages(),
        "Task" => tasks(org),
        "Account" => accounts(org),
        "Contact" => contacts(org),
        _ => vec![],
    }
}

fn leads(org: &Org) -> Vec<Row> {
    org.leads
        .values()
        .map(|l| {
            let mut r = new_row("00Q", &l.id);
            r.set("FirstName", V::opt(&l.first_name));
            r.set("LastName", V::opt(&l.last_name));
            r.set("Name", V::opt(&l.full_name()));
            r.set("Company", V::opt(&l.company));
            r.set("Email", V::opt(&l.email));
            r.set("Phone", V::opt(&l.phone));
            r.set("LeadSource", V::opt(&l.lead_source));
            r.set("Status", V::opt(&l.status));
            r.link("OwnerId", "Owner", owner(org, l.owner_id.as_deref()));
            r.set("IsConverted", V::Bool(l.converted));
            r.set("ConvertedDate", l.converted_at.map_or(V::Null, |t| V::Date(t.date_naive())));
            r.set("Appointment_At__c", l.appointment_at.map_or(V::Null, V::DateTime));
            r.set("Appointment_Date__c", l.appointment_at.map_or(V::Null, |t| V::Date(t.date_naive())));
            stamps(&mut r, l.created, l.modified);
            r.overrides = l.overrides.clone();
            r
        })
        .collect()
}

fn users(org: &Org) -> Vec<Row> {
    org.users
        .iter()
        .map(|u| {
            let mut r = new_row("005", &u.id);
            r.set("Username", V::str(u.email.clone()));
            r.set("Name", V::str(u.full_name()));
            r.set("FirstName", V::str(u.first_name.clone()));
            r.set("LastName", V::str(u.last_name.clone()));
            r.set("Email", V::str(u.email.clone()));
            r.set("IsActive", V::Bool(u.status == "active"));
            let role = u.role_id.as_ref().map(|id| Parent {
                object: "UserRole",
                id: sf_id("00E", id),
                name: org.roles.iter().find(|x| &x.id == id).map(|x| x.name.clone()),
            });
            r.link("UserRoleId", "UserRole", role);
            r.link("ManagerId", "Manager", u.reporting_to.as_deref().and_then(|m| user(org, m)));
            r.set("ProfileId", V::str(sf_id("00e", if u.profile == "Administrator" { "1" } else { "2" })));
            stamps(&mut r, u.modified, u.modified);
            r
        })
        .collect()
}

fn roles(org: &Org) -> Vec<Row> {
    org.roles
        .iter()
        .map(|x| {
            let mut r = new_row("00E", &x.id);
            r.set("Name", V::str(x.name.clone()));
            r.set("DeveloperName", V::str(x.name.replace(|c: char| !c.is_ascii_alphanumeric(), "_")));
            r.set("ParentRoleId", x.reporting_to.as_ref().map_or(V::Null, |p| V::str(sf_id("00E", p))));
            stamps(&mut r, org.now, org.now);
            r.overrides = x.overrides.clone();
            r
        })
        .collect()
}

fn events(org: &Org) -> Vec<Row> {
    org.events
        .values()
        .map(|e| {
            let mut r = new_row("00U", &e.id);
            r.set("Subject", V::str(e.title.clone()));
            r.set("StartDateTime", V::DateTime(e.start));
            r.set("EndDateTime", V::DateTime(e.end));
            r.set("ActivityDateTime", V::DateTime(e.start));
            // An all-day event's day is the day in the org's zone, not the UTC one.
            let day = if e.all_day { e.start.with_timezone(&org.user_tz).date_naive() } else { e.start.date_naive() };
            r.set("ActivityDate", V::Date(day));
            r.set("DurationInMinutes", V::Int((e.end - e.start).num_minutes()));
            r.set("IsAllDayEvent", V::Bool(e.all_day));
            let (who, what) = who_what(org, &e.what, &e.who);
            r.link("WhoId", "Who", who);
            r.link("WhatId", "What", what);
            r.link("OwnerId", "Owner", owner(org, e.owner_id.as_deref()));
            stamps(&mut r, e.created, e.modified);
            r.overrides = e.overrides.clone();
            r
        })
        .collect()
}

fn lead_history(org: &Org) -> Vec<Row> {
    let mut out = vec![];
    for (lead_id, entries) in &org.timeline {
        for e in entries {
            for (field, old, new) in e.changes.iter().filter(|(f, _, _)| f == "Lead_Status") {
                let mut r = new_row("017", &e.id);
                r.link(
                    "LeadId",
                    "Lead",
                    related(org, &Related { module: "Leads".into(), id: lead_id.clone(), name: String::new() }),
                );
                r.set("Field", V::str(if field == "Lead_Status" { "Status" } else { field.as_str() }));
                r.set("OldValue", V::opt(old));
                r.set("NewValue", V::opt(new));
                r.link(
                    "CreatedById",
                    "CreatedBy",
                    Some(Parent { object: "User", id: sf_id("005", &e.done_by_id), name: Some(e.done_by.clone()) }),
                );
                stamps(&mut r, e.audited, e.audited);
                r.overrides = e.overrides.clone();
                out.push(r);
            }
        }
    }
    out
}

fn deals(org: &Org) -> Vec<Row> {
    org.sales
        .deals
        .values()
        .map(|d| {
            let mut r = new_row("006", &d.id);
            r.set("Name", V::str(d.name.clone()));
            r.set("StageName", V::str(d.stage.clone()));
            r.set("Amount", d.amount.map_or(V::Null, V::Num));
            r.set("Probability", V::Num(f64::from(d.probability)));
            r.set("ExpectedRevenue", d.expected_revenue().map_or(V::Null, V::Num));
            r.set("CloseDate", d.closing.map_or(V::Null, V::Date));
            r.link("AccountId", "Account", d.account.as_ref().and_then(|a| related(org, a)));
            r.link("ContactId", "Contact", d.contact.as_ref().and_then(|c| related(org, c)));
            r.set("LeadSource", V::opt(&d.lead_source));
            r.link("OwnerId", "Owner", owner(org, Some(&d.owner_id)));
            r.set("Type", V::opt(&d.kind));
            let def = crate::org::stage_def(&d.stage);
            r.set("IsClosed", V::Bool(def.is_some_and(|s| s.forecast_type != "Open")));
            r.set("IsWon", V::Bool(def.is_some_and(|s| s.forecast_type == "Closed Won")));
            r.set("Pipeline__c", V::opt(&d.pipeline));
            stamps(&mut r, d.created, d.modified);
            r.overrides = d.overrides.clone();
            r
        })
        .collect()
}

fn deal_history(org: &Org) -> Vec<Row> {
    let mut out = vec![];
    for d in org.sales.deals.values() {
        for h in &d.history {
            let mut r = new_row("008", &h.id);
            r.link(
                "OpportunityId",
                "Opportunity",
                Some(Parent { object: "Opportunity", id: sf_id("006", &d.id), name: Some(d.name.clone()) }),
            );
            r.set("StageName", V::str(h.stage.clone()));
            r.set("Amount", h.amount.map_or(V::Null, V::Num));
            r.set("Probability", V::Num(f64::from(h.probability)));
            r.set(
                "ExpectedRevenue",
                h.amount.map_or(V::Null, |a| V::Num((a * f64::from(h.probability)).round() / 100.0)),
            );
            r.set("CloseDate", h.closing.map_or(V::Null, V::Date));
            r.link("CreatedById", "CreatedBy", user(org, &h.by_id));
            stamps(&mut r, h.at, h.at);
            out.push(r);
        }
    }
    out
}

fn stages() -> Vec<Row> {
    DEAL_STAGES
        .iter()
        .map(|s| {
            let mut r = new_row("01J", &s.sequence.to_string());
            r.set("ApiName", V::str(s.name));
            r.set("MasterLabel", V::str(s.name));
            r.set("IsActive", V::Bool(true));
            r.set("IsClosed", V::Bool(s.forecast_type != "Open"));
            r.set("IsWon", V::Bool(s.forecast_type == "Closed Won"));
            r.set("DefaultProbability", V::Num(f64::from(s.probability)));
            r.set("ForecastCategory", V::str(s.forecast_category));
            r.set("ForecastCategoryName", V::str(s.forecast_category));
            r.set("SortOrder", V::Int(i64::from(s.sequence)));
            r
        })
        .collect()
}

/// Calls (TaskSubtype 'Call') and tasks (TaskSubtype 'Task') in one object, as Salesforce keeps them.
fn tasks(org: &Org) -> Vec<Row> {
    let calls = org.sales.calls.values().map(|c| {
        let mut r = new_row("00T", &c.id);
        r.set("Subject", V::str(c.subject.clone()));
        r.set("TaskSubtype", V::str("Call"));
        // A call with no status of its own (Zoho's Inbound and Missed calls) is, in Salesforce,
        // a call logged after it happened (Completed, with a CompletedDateTime) — or, when it
        // was last saved before its start, an open Task. Decided by the record's own times, as
        // a stored record is, not by the clock at the time it is read.
        let status =
            c.status.clone().unwrap_or_else(|| if c.start > c.modified { "Not Started" } else { "Completed" }.into());
        let done = status == "Completed";
        r.set("Status", V::str(status));
        r.set("Priority", V::str("Normal"));
        r.set("ActivityDate", V::Date(c.start.date_naive()));
        r.set("CompletedDateTime", if done { V::DateTime(c.start) } else { V::Null });
        r.set("CallType", V::str(c.call_type.clone()));
        r.set("CallDurationInSeconds", V::Int(i64::from(c.duration_secs)));
        let (who, what) = who_what(org, &c.what, &c.who);
        r.link("WhoId", "Who", who);
        r.link("WhatId", "What", what);
        r.link("OwnerId", "Owner", owner(org, Some(&c.owner_id)));
        r.set("IsClosed", V::Bool(c.status.as_deref() != Some("Scheduled")));
        stamps(&mut r, c.created, c.modified);
        r
    });
    let tasks = org.tasks.iter().map(|t| {
        let mut r = new_row("00T", &t.id);
        r.set("Subject", V::str(t.subject.clone()));
        r.set("TaskSubtype", V::str("Task"));
        r.set("Status", V::str(t.status.clone()));
        r.set("Priority", V::opt(&t.priority));
        r.set("ActivityDate", t.due.map_or(V::Null, V::Date));
        r.set("CompletedDateTime", t.closed.map_or(V::Null, V::DateTime));
        let (who, what) = who_what(org, &t.what, &t.who);
        r.link("WhoId", "Who", who);
        r.link("WhatId", "What", what);
        r.link("OwnerId", "Owner", owner(org, Some(&t.owner_id)));
        r.set("Description", V::opt(&t.description));
        r.set("IsClosed", V::Bool(t.closed.is_some() || t.status == "Completed"));
        stamps(&mut r, t.created, t.modified);
        r
    });
    calls.chain(tasks).collect()
}

fn accounts(org: &Org) -> Vec<Row> {
    org.sales
        .accounts
        .values()
        .map(|a| {
            let mut r = new_row("001", &a.id);
            r.set("Name", V::str(a.name.clone()));
            r.set("Industry", V::opt(&a.industry));
            r.link("OwnerId", "Owner", owner(org, Some(&a.owner_id)));
            stamps(&mut r, a.created, a.modified);
            r
        })
        .collect()
}

fn contacts(org: &Org) -> Vec<Row> {
    org.sales
        .contacts
        .values()
        .map(|c| {
            let mut r = new_row("003", &c.id);
            r.set("Name", V::str(c.full_name()));
            r.set("FirstName", V::opt(&c.first_name));
            r.set("LastName", V::str(c.last_name.clone()));
            r.set("Email", V::opt(&c.email));
            r.link("AccountId", "Account", c.account.as_ref().and_then(|a| related(org, a)));
            r.link("OwnerId", "Owner", owner(org, Some(&c.owner_id)));
            stamps(&mut r, c.created, c.modified);
            r
        })
        .collect()
}
