//! The objects the Salesforce face serves and their fields: name, key prefix, field types, and
//! which reference fields can be followed (`OwnerId` → `Owner.Name`). SOQL is checked against
//! these tables, and `/describe` lists them.

use chrono::{DateTime, NaiveDate, Utc};

/// A field's type, as SOQL checks literals against it and the JSON renders it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Id,
    Str,
    Picklist,
    /// Long text: selectable, not filterable (Task `Description`).
    TextArea,
    Bool,
    Num,
    Int,
    DateTime,
    Date,
    /// A lookup; followable through the named relationship (`Owner`).
    Ref(&'static str),
}

impl Kind {
    /// The type name `/describe` and SOQL error messages use.
    pub fn type_name(self) -> &'static str {
        match self {
            Kind::Id => "id",
            Kind::Str => "string",
            Kind::Picklist => "picklist",
            Kind::TextArea => "textarea",
            Kind::Bool => "boolean",
            Kind::Num => "double",
            Kind::Int => "int",
            Kind::DateTime => "datetime",
            Kind::Date => "date",
            Kind::Ref(_) => "reference",
        }
    }
}

pub struct Object {
    pub name: &'static str,
    pub prefix: &'static str,
    pub fields: &'static [(&'static str, Kind)],
}

impl Object {
    /// The field called `name` in any casing, with its canonical name.
    pub fn field(&self, name: &str) -> Option<(&'static str, Kind)> {
        self.fields.iter().find(|(f, _)| f.eq_ignore_ascii_case(name)).copied()
    }

    /// The relationship called `name` (any casing) and its lookup field.
    pub fn relationship(&self, name: &str) -> Option<(&'static str, &'static str)> {
        self.fields.iter().find_map(|(f, k)| match k {
            Kind::Ref(rel) if rel.eq_ignore_ascii_case(name) => Some((*rel, *f)),
            _ => None,
        })
    }
}

use Kind::*;

const STAMPS: [(&str, Kind); 3] =
    [("CreatedDate", DateTime), ("LastModifiedDate", DateTime), ("SystemModstamp", DateTime)];

macro_rules! object {
    ($name:literal, $prefix:literal, [$($f:literal: $k:expr),* $(,)?]) => {
        Object { name: $name, prefix: $prefix, fields: &[$(($f, $k)),*, STAMPS[0], STAMPS[1], STAMPS[2]] }
    };
}

pub const OBJECTS: &[Object] = &[
    object!("Lead", "00Q", [
        "Id": Id, "IsDeleted": Bool, "FirstName": Str, "LastName": Str, "Name": Str, "Company": Str,
        "Email": Str, "Phone": Str, "LeadSource": Picklist, "Status": Picklist, "OwnerId": Ref("Owner"),
        "IsConverted": Bool, "ConvertedDate": Date, "Appointment_At__c": DateTime, "Appointment_Date__c": Date,
    ]),
    object!("User", "005", [
        "Id": Id, "Username": Str, "Name": Str, "FirstName": Str, "LastName": Str, "Email": Str,
        "IsActive": Bool, "UserRoleId": Ref("UserRole"), "ManagerId": Ref("Manager"), "ProfileId": Id,
    ]),
    object!("UserRole", "00E", ["Id": Id, "Name": Str, "DeveloperName": Str, "ParentRoleId": Id]),
    object!("Event", "00U", [
        "Id": Id, "IsDeleted": Bool, "Subject": Str, "StartDateTime": DateTime, "EndDateTime": DateTime,
        "ActivityDateTime": DateTime, "ActivityDate": Date, "DurationInMinutes": Int, "IsAllDayEvent": Bool,
        "WhoId": Ref("Who"), "WhatId": Ref("What"), "OwnerId": Ref("Owner"),
    ]),
    object!("LeadHistory", "017", [
        "Id": Id, "IsDeleted": Bool, "LeadId": Ref("Lead"), "Field": Picklist, "OldValue": Str, "NewValue": Str,
        "CreatedById": Ref("CreatedBy"),
    ]),
    object!("Opportunity", "006", [
        "Id": Id, "IsDeleted": Bool, "Name": Str, "StageName": Picklist, "Amount": Num, "Probability": Num,
        "ExpectedRevenue": Num, "CloseDate": Date, "AccountId": Ref("Account"), "ContactId": Ref("Contact"),
        "LeadSource": Picklist, "OwnerId": Ref("Owner"), "Type": Picklist, "IsClosed": Bool, "IsWon": Bool,
        "Pipeline__c": Picklist,
    ]),
    object!("OpportunityHistory", "008", [
        "Id": Id, "IsDeleted": Bool, "OpportunityId": Ref("Opportunity"), "StageName": Picklist, "Amount": Num,
        "Probability": Num, "ExpectedRevenue": Num, "CloseDate": Date, "CreatedById": Ref("CreatedBy"),
    ]),
    object!("OpportunityStage", "01J", [
        "Id": Id, "ApiName": Str, "MasterLabel": Str, "IsActive": Bool, "IsClosed": Bool, "IsWon": Bool,
        "DefaultProbability": Num, "ForecastCategory": Picklist, "ForecastCategoryName": Picklist, "SortOrder": Int,
    ]),
    object!("Task", "00T", [
        "Id": Id, "IsDeleted": Bool, "Subject": Str, "TaskSubtype": Picklist, "Status": Picklist,
        "Priority": Picklist, "ActivityDate": Date, "CompletedDateTime": DateTime, "CallType": Picklist,
        "CallDurationInSeconds": Int, "WhoId": Ref("Who"), "WhatId": Ref("What"), "OwnerId": Ref("Owner"),
        "Description": TextArea, "IsClosed": Bool,
    ]),
    object!("Account", "001", [
        "Id": Id, "IsDeleted": Bool, "Name": Str, "Industry": Picklist, "OwnerId": Ref("Owner"),
    ]),
    object!("Contact", "003", [
        "Id": Id, "IsDeleted": Bool, "Name": Str, "FirstName": Str, "LastName": Str, "Email": Str,
        "AccountId": Ref("Account"), "OwnerId": Ref("Owner"),
    ]),
];

/// The object called `name`, in any casing.
pub fn object(name: &str) -> Option<&'static Object> {
    OBJECTS.iter().find(|o| o.name.eq_ignore_ascii_case(name))
}

/// The fields a followed relationship offers (`Owner.Name`, `Owner.Id`).
pub const PARENT_FIELDS: &[&str] = &["Id", "Name"];

/// A field's value in one record.
#[derive(Clone, Debug, PartialEq)]
pub enum V {
    Null,
    Str(String),
    Bool(bool),
    Num(f64),
    Int(i64),
    DateTime(DateTime<Utc>),
    Date(NaiveDate),
}

impl V {
    pub fn opt(s: &Option<String>) -> V {
        s.as_ref().map_or(V::Null, |s| V::Str(s.clone()))
    }
    pub fn str(s: impl Into<String>) -> V {
        V::Str(s.into())
    }
}

/// The record a lookup points at: its object (`User`, or `Group` for a queue), id and name.
#[derive(Clone, Debug, PartialEq)]
pub struct Parent {
    pub object: &'static str,
    pub id: String,
    pub name: Option<String>,
}

/// One record as SOQL sees it.
#[derive(Clone, Debug, Default)]
pub struct Row {
    pub id: String,
    pub vals: std::collections::HashMap<&'static str, V>,
    /// By relationship name (`Owner`); `None` for an empty lookup.
    pub parents: std::collections::HashMap<&'static str, Option<Parent>>,
    /// Raw JSON that replaces a field's rendered value (hostile records), by field name.
    pub overrides: serde_json::Map<String, serde_json::Value>,
}

impl Row {
    pub fn get(&self, field: &str) -> &V {
        self.vals.get(field).unwrap_or(&V::Null)
    }
    pub fn set(&mut self, field: &'static str, v: V) {
        self.vals.insert(field, v);
    }
    /// Sets a lookup field and its relationship at once.
    pub fn link(&mut self, field: &'static str, rel: &'static str, parent: Option<Parent>) {
        self.vals.insert(field, parent.as_ref().map_or(V::Null, |p| V::Str(p.id.clone())));
        self.parents.insert(rel, parent);
    }
}
