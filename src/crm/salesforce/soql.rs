//! The SOQL each listing sends (the wire contract's exact field lists), and the watermark each
//! one starts from: the stored newest SystemModstamp less `OVERLAP`.

use super::fields::{parse_datetime, soql_datetime};
use super::query::Soql;
use super::OVERLAP;
use crate::sales::SalesModule;

pub const USER: &str = "Id, Name, FirstName, LastName, Email, IsActive, UserRoleId, ManagerId, SystemModstamp";
pub const EVENT: &str =
    "Id, Subject, StartDateTime, EndDateTime, IsAllDayEvent, ActivityDate, WhoId, Who.Name, WhatId, \
                         What.Name, OwnerId, Owner.Name, CreatedDate, SystemModstamp";
const TASK: &str = "Id, Subject, TaskSubtype, Status, Priority, ActivityDate, CompletedDateTime, CallType, \
                    CallDurationInSeconds, WhoId, Who.Name, WhatId, What.Name, OwnerId, Owner.Name, CreatedDate, \
                    SystemModstamp";
const OPPORTUNITY: &str =
    "Id, Name, StageName, Amount, Probability, ExpectedRevenue, CloseDate, AccountId, Account.Name, \
                           ContactId, Contact.Name, LeadSource, OwnerId, Owner.Name, Type, CreatedDate, SystemModstamp";
const ACCOUNT: &str = "Id, Name, Industry, OwnerId, Owner.Name, SystemModstamp";
const CONTACT: &str =
    "Id, Name, FirstName, LastName, Email, AccountId, Account.Name, OwnerId, Owner.Name, SystemModstamp";

/// `SystemModstamp > {watermark − 2 min}`; none on a first run or an unreadable watermark
/// (then the listing is whole, which is always safe).
pub fn since_filter(since: Option<&str>) -> Option<String> {
    let w = parse_datetime(since?)?;
    let from = w - chrono::Duration::from_std(OVERLAP).unwrap_or_default();
    Some(format!("SystemModstamp > {}", soql_datetime(from)))
}

/// A listing: `select` from `object`, the extra filters, then the watermark.
pub fn listing(select: String, object: &'static str, mut filters: Vec<String>, since: Option<&str>) -> Soql {
    filters.extend(since_filter(since));
    Soql { select, from: object, filters, order: "SystemModstamp, Id", limit: None }
}

/// The object and the filter a sales module is read from (Calls and Tasks share Task).
pub fn sales_object(module: SalesModule) -> (&'static str, Option<&'static str>) {
    match module {
        SalesModule::Deals => ("Opportunity", None),
        SalesModule::Calls => ("Task", Some("TaskSubtype = 'Call'")),
        SalesModule::Tasks => ("Task", Some("TaskSubtype != 'Call'")),
        SalesModule::Events => ("Event", None),
        SalesModule::Accounts => ("Account", None),
        SalesModule::Contacts => ("Contact", None),
    }
}

/// The fields a sales module's listing selects.
pub fn sales_fields(module: SalesModule, pipeline: Option<&str>) -> String {
    match module {
        SalesModule::Deals => match pipeline {
            Some(p) => format!("{OPPORTUNITY}, {p}"),
            None => OPPORTUNITY.to_string(),
        },
        SalesModule::Calls | SalesModule::Tasks => TASK.into(),
        SalesModule::Events => EVENT.into(),
        SalesModule::Accounts => ACCOUNT.into(),
        SalesModule::Contacts => CONTACT.into(),
    }
}

/// `'00Q…', '00Q…'` — ids already checked to be letters and digits, so nothing to escape.
pub fn in_list(ids: &[String]) -> String {
    ids.iter().map(|i| format!("'{i}'")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_watermark_steps_back_two_minutes() {
        let q = listing(USER.into(), "User", vec![], Some("2026-11-20T09:00:30.000Z"));
        assert_eq!(
            q.text(None),
            "SELECT Id, Name, FirstName, LastName, Email, IsActive, UserRoleId, ManagerId, SystemModstamp FROM User \
             WHERE SystemModstamp > 2026-11-20T08:58:30Z ORDER BY SystemModstamp, Id"
        );
        assert_eq!(since_filter(Some("garbage")), None);
    }
}
