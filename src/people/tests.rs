use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::config::{PeopleConfig, RoleIds};

fn user(id: &str, role: Option<&str>, reports_to: Option<&str>) -> DirUser {
    DirUser {
        id: id.into(),
        name: format!("User {id}"),
        email: Some(format!("{id}@example.com")),
        status: Some("active".into()),
        role_id: role.map(str::to_string),
        reporting_to_id: reports_to.map(str::to_string),
    }
}

fn role(id: &str, parent: Option<&str>) -> DirRole {
    DirRole { id: id.into(), name: format!("Role {id}"), reporting_to: parent.map(str::to_string) }
}

/// CEO → Manager East (→ Rep E) and Manager West (→ Rep W); a user outside the tree.
fn dir() -> Directory {
    Directory {
        roles: vec![
            role("ceo", None),
            role("mgr-e", Some("ceo")),
            role("rep-e", Some("mgr-e")),
            role("mgr-w", Some("ceo")),
            role("rep-w", Some("mgr-w")),
        ],
        users: vec![
            user("boss", Some("ceo"), None),
            user("ann", Some("mgr-e"), Some("boss")),
            user("eve", Some("rep-e"), Some("ann")),
            user("eli", Some("rep-e"), None),
            user("will", Some("mgr-w"), Some("boss")),
            user("wes", Some("rep-w"), Some("will")),
            user("loner", None, Some("eve")),
        ],
    }
}

fn cfg() -> PeopleConfig {
    PeopleConfig {
        roles: RoleIds { coordinator: vec![1], manager: vec![2], member: vec![3], viewer: vec![4] },
        teams: BTreeMap::new(),
    }
}

fn ids(v: &[&str]) -> BTreeSet<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn roles_come_from_discord_roles_and_administrators_coordinate() {
    let c = cfg();
    assert_eq!(Role::of(&c, true, &[]), Some(Role::Coordinator));
    assert_eq!(Role::of(&c, false, &[3]), Some(Role::Member));
    assert_eq!(Role::of(&c, false, &[4, 2]), Some(Role::Manager), "the first configured wins: manager before viewer");
    assert_eq!(Role::of(&c, false, &[3, 1]), Some(Role::Coordinator));
    assert_eq!(Role::of(&c, false, &[99]), None);
    assert_eq!(Role::of(&c, false, &[]), None);
}

#[test]
fn a_manager_sees_the_roles_below_theirs_and_who_reports_to_them() {
    let d = dir();
    // eli has no Reporting_To but holds a role below ann's; loner reports to eve.
    assert_eq!(d.team("ann", &BTreeMap::new()), ids(&["ann", "eve", "eli", "loner"]));
    assert_eq!(d.team("will", &BTreeMap::new()), ids(&["will", "wes"]));
    assert_eq!(d.team("boss", &BTreeMap::new()), ids(&["boss", "ann", "eve", "eli", "will", "wes", "loner"]));
    // A rep has nobody below.
    assert_eq!(d.team("wes", &BTreeMap::new()), ids(&["wes"]));
}

#[test]
fn teams_in_config_add_users_by_id_email_or_name() {
    let d = dir();
    let teams = BTreeMap::from([
        ("will@example.com".to_string(), vec!["eli".to_string(), "User eve".to_string()]),
        ("nobody".to_string(), vec!["boss".to_string()]),
    ]);
    assert_eq!(d.team("will", &teams), ids(&["will", "wes", "eli", "eve"]));
    assert_eq!(d.team("ann", &teams), ids(&["ann", "eve", "eli", "loner"]), "another manager's entry is not ann's");
}

#[test]
fn a_cycle_in_the_hierarchy_ends() {
    let mut d = dir();
    d.roles.push(role("a", Some("b")));
    d.roles.push(role("b", Some("a")));
    d.users.push(user("x", Some("a"), Some("y")));
    d.users.push(user("y", Some("b"), Some("x")));
    assert_eq!(d.team("x", &BTreeMap::new()), ids(&["x", "y"]));
}

#[test]
fn access_is_decided_from_role_link_and_directory() {
    let (c, d) = (cfg(), dir());
    let coord = Access::decide(&c, false, &[1], None, &d).unwrap();
    assert_eq!((coord.role, &coord.scope), (Role::Coordinator, &Scope::Everyone));
    let viewer = Access::decide(&c, false, &[4], None, &d).unwrap();
    assert_eq!(viewer.scope, Scope::Everyone);
    assert!(!viewer.role.sees_leads());
    let member = Access::decide(&c, false, &[3], Some("eve"), &d).unwrap();
    assert_eq!(member.scope, Scope::Owners(ids(&["eve"])));
    assert!(member.private_by_default());
    let manager = Access::decide(&c, false, &[2], Some("will"), &d).unwrap();
    assert_eq!(manager.scope, Scope::Owners(ids(&["will", "wes"])));
    assert_eq!(Access::decide(&c, false, &[3], None, &d), Err(Refused::NotLinked(Role::Member)));
    assert_eq!(Access::decide(&c, false, &[2], None, &d), Err(Refused::NotLinked(Role::Manager)));
    assert_eq!(Access::decide(&c, false, &[], Some("eve"), &d), Err(Refused::NoRole));
    assert!(Refused::NotLinked(Role::Member).message().contains("Ask a coordinator to /link you"));
    // What is theirs: a manager's team, a member's leads, a linked coordinator's own leads.
    assert_eq!(manager.own_scope(), Some(manager.scope.clone()));
    assert_eq!(member.own_scope(), Some(Scope::Owners(ids(&["eve"]))));
    assert_eq!(coord.own_scope(), None);
    let linked_coord = Access::decide(&c, false, &[1], Some("ann"), &d).unwrap();
    assert_eq!(linked_coord.own_scope(), Some(Scope::Owners(ids(&["ann"]))));
}

#[test]
fn a_scope_of_owners_never_shows_a_lead_without_one() {
    let s = Scope::Owners(ids(&["eve"]));
    assert!(s.allows(Some("eve")));
    assert!(!s.allows(Some("wes")));
    assert!(!s.allows(None));
    assert!(Scope::Everyone.allows(None));
}

#[test]
fn a_user_is_found_by_id_email_or_name() {
    let d = dir();
    assert_eq!(d.find_user("eve").len(), 1);
    assert_eq!(d.find_user("EVE@example.com")[0].id, "eve");
    assert_eq!(d.find_user(" user wes ")[0].id, "wes");
    assert!(d.find_user("nobody").is_empty());
}
