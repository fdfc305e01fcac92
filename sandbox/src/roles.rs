//! The org's role hierarchy: `GET /crm/{v}/settings/roles[/{id}]` in Zoho's shape
//! (`{"roles": [{id, name, display_label, reporting_to: {name, id} | null, …}]}`, reference
//! zoho-api-more.md §7), the tree the generator gives every org (CEO → Sales Manager East/West →
//! Locator East/West), and the switch that takes `ZohoCRM.settings.roles.READ` away from the
//! token (Zoho then answers 401 OAUTH_SCOPE_MISMATCH).
// Handlers return a ready `Response` as their error: that is the reply to send.
#![allow(clippy::result_large_err)]

use std::sync::atomic::Ordering;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use super::org::{Org, SRole, ID_BASE};
use super::server::{authorize, envelope, json_bytes, Shared, S};
use super::Sandbox;

/// Role ids live apart from record ids (which count up from `ID_BASE + 1`), so adding roles
/// never moves a lead's id.
const ROLE_BASE: u64 = ID_BASE + 900_000_000;

pub const CEO: &str = "CEO";
pub const MANAGER_EAST: &str = "Sales Manager East";
pub const MANAGER_WEST: &str = "Sales Manager West";
pub const LOCATOR_EAST: &str = "Locator East";
pub const LOCATOR_WEST: &str = "Locator West";

/// The id of the `n`th role (1-based) of a generated org.
fn role_id(n: u64) -> String {
    (ROLE_BASE + n).to_string()
}

/// Gives a generated org its role tree and each user a role, profile and `Reporting_To`:
/// the coordinator (the last user) is CEO; locators 0 and 1 manage East and West; the others
/// alternate East/West under them. Deterministic, so the same seed means the same tree.
pub(crate) fn assign(org: &mut Org, locators: usize) {
    let tree = [
        (CEO, None),
        (MANAGER_EAST, Some(1)),
        (MANAGER_WEST, Some(1)),
        (LOCATOR_EAST, Some(2)),
        (LOCATOR_WEST, Some(3)),
    ];
    org.roles = tree
        .iter()
        .enumerate()
        .map(|(i, (name, parent))| SRole {
            id: role_id(i as u64 + 1),
            name: name.to_string(),
            reporting_to: parent.map(role_id),
            share_with_peers: true,
            overrides: Map::new(),
        })
        .collect();
    let Some(ceo) = org.users.last().map(|u| u.id.clone()) else { return };
    let manager_east = org.users.first().map(|u| u.id.clone());
    let manager_west = if locators > 1 { org.users.get(1).map(|u| u.id.clone()) } else { manager_east.clone() };
    let n = org.users.len();
    for (i, u) in org.users.iter_mut().enumerate() {
        let (role, manager) = match i {
            _ if i == n - 1 => (1, None),
            0 => (2, Some(ceo.clone())),
            1 => (3, Some(ceo.clone())),
            _ if i % 2 == 0 => (4, manager_east.clone()),
            _ => (5, manager_west.clone()),
        };
        u.role_id = Some(role_id(role));
        u.reporting_to = manager;
    }
}

impl Org {
    pub fn role_name(&self, id: &str) -> Option<String> {
        self.roles.iter().find(|r| r.id == id).map(|r| r.name.clone())
    }

    /// The role of a generated org called `name` (`roles::CEO`, …).
    pub fn role_named(&self, name: &str) -> Option<&SRole> {
        self.roles.iter().find(|r| r.name == name)
    }

    /// Moves a user to another role, as an admin does: the user's Modified_Time moves.
    pub fn set_user_role(&mut self, user_id: &str, role_id: &str) {
        let t = self.touch();
        let u = self.users.iter_mut().find(|u| u.id == user_id).expect("user exists");
        u.role_id = Some(role_id.to_string());
        u.modified = t;
    }
}

impl Sandbox {
    /// Takes `ZohoCRM.settings.roles.READ` away from the token (`false`) or gives it back:
    /// without it, `/settings/roles` answers 401 OAUTH_SCOPE_MISMATCH, as Zoho does.
    pub fn grant_roles_scope(&self, granted: bool) {
        self.shared.roles_denied.store(!granted, Ordering::SeqCst);
    }
}

/// Zoho's `users` lookups: `{name, id}` of a user, a role or a profile.
pub(super) fn user_extras(org: &Org, role_id: Option<&str>, profile: &str, reporting_to: Option<&str>) -> Value {
    let profile_id = if profile == "Administrator" { ROLE_BASE + 100 } else { ROLE_BASE + 101 };
    json!({
        "role": role_id.map(|r| json!({"name": org.role_name(r).unwrap_or_default(), "id": r})),
        "profile": {"name": profile, "id": profile_id.to_string()},
        "Reporting_To": reporting_to.map(|m| json!({"name": org.user_name(m).unwrap_or_default(), "id": m})),
    })
}

fn render_role(org: &Org, r: &SRole) -> Value {
    let parent = r.reporting_to.as_deref().map(|p| json!({"name": org.role_name(p).unwrap_or_default(), "id": p}));
    let mut v = json!({
        "id": r.id,
        "name": r.name,
        "display_label": r.name,
        "reporting_to": parent,
        "share_with_peers": r.share_with_peers,
        "forecast_manager": null,
        "description": format!("Role {}", r.name),
        "created_by__s": null,
        "modified_by__s": null,
        "created_time__s": null,
        "modified_time__s": null,
    });
    if let Value::Object(o) = &mut v {
        for (k, x) in &r.overrides {
            o.insert(k.clone(), x.clone());
        }
    }
    v
}

fn scope_ok(s: &Shared, headers: &HeaderMap) -> Result<(), Response> {
    authorize(s, headers)?;
    if s.roles_denied.load(Ordering::SeqCst) {
        return Err(envelope(
            StatusCode::UNAUTHORIZED,
            "OAUTH_SCOPE_MISMATCH",
            "invalid oauth scope to access this URL",
            json!({}),
        ));
    }
    Ok(())
}

/// `GET /crm/{version}/settings/roles`.
pub(super) async fn roles(State(s): S, headers: HeaderMap) -> Response {
    if let Err(r) = scope_ok(&s, &headers) {
        return r;
    }
    let org = s.org.read().expect("org lock");
    let roles: Vec<Value> = org.roles.iter().map(|r| render_role(&org, r)).collect();
    json_bytes(&json!({ "roles": roles }))
}

/// `GET /crm/{version}/settings/roles/{id}`.
pub(super) async fn role(State(s): S, Path((_version, id)): Path<(String, String)>, headers: HeaderMap) -> Response {
    if let Err(r) = scope_ok(&s, &headers) {
        return r;
    }
    let org = s.org.read().expect("org lock");
    match org.roles.iter().find(|r| r.id == id) {
        Some(r) => json_bytes(&json!({ "roles": [render_role(&org, r)] })),
        None => envelope(StatusCode::BAD_REQUEST, "INVALID_DATA", "the role id given seems to be invalid", json!({}))
            .into_response(),
    }
}
