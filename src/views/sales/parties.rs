//! **account and contact stories**: an account with its deals and contacts, a contact with
//! their account, deals and activities — each cut to the viewer's scope, and "no such record"
//! for one outside it, exactly like an id that does not exist (as `story` does for a deal).

use serde::Serialize;

use super::rows::DealRow;
use super::story::ActivityRow;
use super::SalesSnapshot;
use crate::people::Scope;
use crate::sales::{Activity, Deal};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AccountStory {
    pub view: &'static str,
    pub id: String,
    pub name: String,
    pub owner: Option<String>,
    pub industry: Option<String>,
    /// The account's deals the viewer sees, in stored order.
    pub deals: Vec<DealRow>,
    /// The account's contacts the viewer sees: (id, name, email).
    pub contacts: Vec<ContactRow>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ContactRow {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ContactStory {
    pub view: &'static str,
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    /// The contact's account: (id, name).
    pub account: Option<(String, String)>,
    pub owner: Option<String>,
    /// Deals naming this contact that the viewer sees.
    pub deals: Vec<DealRow>,
    /// Activities with this contact that the viewer sees, newest first.
    pub activities: Vec<ActivityRow>,
}

fn allowed(scope: &Scope, owner: &Option<crate::crm::UserRef>) -> bool {
    scope.allows(owner.as_ref().map(|u| u.id.as_str()))
}

/// The viewer's deals matching `pick`, as rows.
fn deals_where(snap: &SalesSnapshot, scope: &Scope, pick: impl Fn(&Deal) -> bool) -> Vec<DealRow> {
    snap.book
        .deals_with_facts()
        .filter(|(_, d, _)| allowed(scope, &d.owner) && pick(d))
        .map(|(_, d, x)| DealRow::of(d, x.category, x.probability))
        .collect()
}

/// When an activity happened or is due — the order a story lists them in, newest first
/// (the deal story's order, too).
pub fn newest_first(acts: &mut [&Activity]) {
    acts.sort_by_key(|a| {
        std::cmp::Reverse(a.at.map(|t| t.utc()).or(a.due.and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc())))
    });
}

/// The story of account `id`, if it exists and `scope` allows its owner.
pub fn account(snap: &SalesSnapshot, scope: &Scope, id: &str) -> Option<AccountStory> {
    let data = &snap.book.data;
    let a = data.accounts.iter().find(|a| a.id == id.trim() && allowed(scope, &a.owner))?;
    let of = |r: &Option<crate::sales::RecordRef>| r.as_ref().is_some_and(|r| r.id == a.id);
    let contacts = data
        .contacts
        .iter()
        .filter(|c| allowed(scope, &c.owner) && of(&c.account))
        .map(|c| ContactRow { id: c.id.clone(), name: c.name.clone(), email: c.email.clone() })
        .collect();
    Some(AccountStory {
        view: "account",
        id: a.id.clone(),
        name: a.name.clone(),
        owner: a.owner.as_ref().map(|u| u.name.clone()),
        industry: a.industry.clone(),
        deals: deals_where(snap, scope, |d| of(&d.account)),
        contacts,
    })
}

/// The story of contact `id`, if it exists and `scope` allows its owner.
pub fn contact(snap: &SalesSnapshot, scope: &Scope, id: &str) -> Option<ContactStory> {
    let data = &snap.book.data;
    let c = data.contacts.iter().find(|c| c.id == id.trim() && allowed(scope, &c.owner))?;
    let mut acts: Vec<&Activity> = data
        .activities
        .iter()
        .filter(|a| allowed(scope, &a.owner) && a.who.as_ref().is_some_and(|w| w.id == c.id))
        .collect();
    newest_first(&mut acts);
    Some(ContactStory {
        view: "contact",
        id: c.id.clone(),
        name: c.name.clone(),
        email: c.email.clone(),
        account: c.account.as_ref().map(|a| (a.id.clone(), a.name.clone())),
        owner: c.owner.as_ref().map(|u| u.name.clone()),
        deals: deals_where(snap, scope, |d| d.contact.as_ref().is_some_and(|k| k.id == c.id)),
        activities: acts.into_iter().map(ActivityRow::of).collect(),
    })
}
