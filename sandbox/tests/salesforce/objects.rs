//! The objects beyond leads: roles (and their refusal), describe, the stage picklist, events as
//! appointments, and the demo org served whole through the contract's listing queries.

use panopticon_sandbox::{generate, Spec};
use reqwest::StatusCode;
use serde_json::json;

use super::{error_code, now, org, Sf};

#[tokio::test]
async fn roles_can_be_refused_and_the_other_objects_answer_their_contract_queries() {
    let sf = Sf::new(org(10)).await;
    let roles = "SELECT Id, Name, ParentRoleId FROM UserRole ORDER BY Id";
    assert!(sf.query(roles).await.1["totalSize"].as_u64().unwrap() > 0);
    sf.sb.refuse_roles(true);
    let (status, v) = sf.query(roles).await;
    assert_eq!((status, error_code(&v)), (StatusCode::FORBIDDEN, "INSUFFICIENT_ACCESS"));
    let (_, d) = sf.get("/services/data/v62.0/sobjects/Lead/describe").await;
    assert!(d["fields"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["name"] == "Status" && f["type"] == "picklist" && f["label"] == "Status"));
    let (_, stages) = sf.query("SELECT ApiName, MasterLabel, IsActive, IsClosed, IsWon, DefaultProbability, ForecastCategoryName, SortOrder FROM OpportunityStage ORDER BY SortOrder").await;
    let won = stages["records"].as_array().unwrap().iter().find(|s| s["ApiName"] == "Closed Won").unwrap().clone();
    assert_eq!((won["IsClosed"].clone(), won["IsWon"].clone()), (json!(true), json!(true)));
    // An appointment is an Event whose WhoId is the lead.
    let (_, ev) = sf
        .query("SELECT Id, Subject, WhoId, Who.Name, WhatId FROM Event WHERE WhoId != null ORDER BY SystemModstamp, Id")
        .await;
    let first = &ev["records"][0];
    assert!(first["WhoId"].as_str().unwrap().starts_with("00Q"));
    assert_eq!(first["Who"]["attributes"]["type"], "Lead");
}

/// The contract's listing queries, one per object, with no watermark (a first run).
const DEMO_QUERIES: &[&str] = &[
    "SELECT Id, Name, FirstName, LastName, Email, IsActive, UserRoleId, ManagerId, SystemModstamp FROM User ORDER BY SystemModstamp, Id",
    "SELECT Id, FirstName, LastName, Name, Company, Email, Phone, LeadSource, Status, OwnerId, Owner.Name, IsConverted, CreatedDate, SystemModstamp, Appointment_At__c FROM Lead ORDER BY SystemModstamp, Id",
    "SELECT Id, Subject, StartDateTime, EndDateTime, IsAllDayEvent, ActivityDate, WhoId, Who.Name, WhatId, What.Name, OwnerId, Owner.Name, CreatedDate, SystemModstamp FROM Event ORDER BY SystemModstamp, Id",
    "SELECT Id, Name, StageName, Amount, Probability, ExpectedRevenue, CloseDate, AccountId, Account.Name, ContactId, Contact.Name, LeadSource, OwnerId, Owner.Name, Type, CreatedDate, SystemModstamp, Pipeline__c FROM Opportunity ORDER BY SystemModstamp, Id",
    "SELECT Id, Subject, TaskSubtype, Status, Priority, ActivityDate, CompletedDateTime, CallType, CallDurationInSeconds, WhoId, Who.Name, WhatId, What.Name, OwnerId, Owner.Name, CreatedDate, SystemModstamp FROM Task WHERE TaskSubtype = 'Call' ORDER BY SystemModstamp, Id",
    "SELECT Id, Name, Industry, OwnerId, Owner.Name, SystemModstamp FROM Account ORDER BY SystemModstamp, Id",
    "SELECT Id, Name, FirstName, LastName, Email, AccountId, Account.Name, OwnerId, Owner.Name, SystemModstamp FROM Contact ORDER BY SystemModstamp, Id",
];

#[tokio::test]
async fn the_demo_org_is_servable_whole() {
    let demo = generate(&Spec::demo(now()));
    let counts = [
        demo.users.len(),
        demo.leads.len(),
        demo.events.len(),
        demo.sales.deals.len(),
        demo.sales.calls.len(),
        demo.sales.accounts.len(),
        demo.sales.contacts.len(),
    ];
    let sf = Sf::new(demo).await;
    for (soql, count) in DEMO_QUERIES.iter().zip(counts) {
        let (records, _) = sf.all(soql).await;
        assert_eq!(records.len(), count, "{soql}");
    }
    let (_, v) = sf.query("SELECT Id FROM Task WHERE TaskSubtype != 'Call' ORDER BY Id").await;
    assert_eq!(v["totalSize"].as_u64().unwrap() as usize, sf.sb.org(|o| o.tasks.len()));
}
