//! The CRM's roles through a real sync against the sandbox: each user's role and Reporting_To
//! and the role tree stored row for row as the org has them; the roles read only when they may
//! have changed (users changed, none stored, a day old) so a sync with nothing new stays at its
//! five calls; a token without ZohoCRM.settings.roles.READ, or a roles endpoint that keeps
//! failing, leaves the run ok, the stored roles in place and a warning that says so.

mod common;

use std::collections::BTreeSet;

use common::*;
use panopticon::people::Directory;
use panopticon::store;
use panopticon_sandbox::roles::{LOCATOR_EAST, LOCATOR_WEST, MANAGER_EAST, MANAGER_WEST};
use panopticon_sandbox::{generate, Fault, FaultRule, Org};

type UserRow = (String, Option<String>, Option<String>);
type RoleRow = (String, String, Option<String>);

fn org_users(o: &Org) -> BTreeSet<UserRow> {
    o.users.iter().map(|u| (u.id.clone(), u.role_id.clone(), u.reporting_to.clone())).collect()
}

fn org_roles(o: &Org) -> BTreeSet<RoleRow> {
    o.roles.iter().map(|r| (r.id.clone(), r.name.clone(), r.reporting_to.clone())).collect()
}

fn stored_users(env: &Env) -> BTreeSet<UserRow> {
    let c = env.conn();
    let mut st = c.prepare("SELECT id, role_id, reporting_to_id FROM users").unwrap();
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap();
    rows.map(Result::unwrap).collect()
}

fn stored_roles(env: &Env) -> BTreeSet<RoleRow> {
    let c = env.conn();
    let mut st = c.prepare("SELECT id, name, reporting_to FROM crm_roles").unwrap();
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap();
    rows.map(Result::unwrap).collect()
}

fn role_calls(r: &panopticon::sync::SyncReport) -> u64 {
    r.calls.get("settings/roles").copied().unwrap_or(0)
}

async fn synced() -> Env {
    let env = Env::new(generate(&spec(200, 40, 120))).await;
    let r = env.sync().await.unwrap();
    assert_eq!(role_calls(&r), 1, "the first sync reads the roles: {:?}", r.calls);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    env
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_roles_and_the_role_tree_are_stored_as_the_crm_has_them() {
    let env = synced().await;
    let (users, roles) = env.sandbox.org(|o| (org_users(o), org_roles(o)));
    assert_eq!(stored_users(&env), users);
    assert_eq!(stored_roles(&env), roles);
    // The generated tree really is one: CEO at the top, two managers, locators under them.
    assert_eq!(roles.iter().filter(|r| r.2.is_none()).count(), 1, "{roles:?}");
    assert!(users.iter().filter(|u| u.2.is_none()).count() == 1, "only the CEO reports to no one: {users:?}");

    // What a manager's team becomes from the stored directory: the East locators, not the West.
    let dir: Directory = store::directory(&env.conn()).unwrap();
    let (manager, east, west) = env.sandbox.org(|o| {
        let by_role = |name: &str| {
            let id = o.role_named(name).unwrap().id.clone();
            o.users.iter().filter(|u| u.role_id.as_deref() == Some(&id)).map(|u| u.id.clone()).collect::<Vec<_>>()
        };
        (by_role(MANAGER_EAST)[0].clone(), by_role(LOCATOR_EAST), by_role(LOCATOR_WEST))
    });
    let team = dir.team(&manager, &Default::default());
    assert!(!east.is_empty() && east.iter().all(|u| team.contains(u)), "{team:?} should hold {east:?}");
    assert!(west.iter().all(|u| !team.contains(u)), "{team:?} should not hold {west:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_with_nothing_new_does_not_read_the_roles() {
    let env = synced().await;
    let r = env.sync().await.unwrap();
    // The lead side's five and the sales side's twelve (see sync_sandbox.rs).
    assert_eq!(r.api_calls(), 17, "{:?}", r.calls);
    assert_eq!(role_calls(&r), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_moved_to_another_role_brings_the_roles_in_again() {
    let env = synced().await;
    env.sandbox.org(|o| {
        let west = o.role_named(MANAGER_WEST).unwrap().id.clone();
        let user = o.users[2].id.clone();
        o.set_user_role(&user, &west);
        // An admin renamed a role at the same time: the re-read brings it in.
        o.roles[1].name = "Sales Director East".into();
    });
    let r = env.sync().await.unwrap();
    assert_eq!(role_calls(&r), 1, "{:?}", r.calls);
    let (users, roles) = env.sandbox.org(|o| (org_users(o), org_roles(o)));
    assert_eq!(stored_users(&env), users);
    assert_eq!(stored_roles(&env), roles);
    assert!(stored_roles(&env).iter().any(|r| r.1 == "Sales Director East"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_read_a_day_ago_are_read_again() {
    let env = synced().await;
    env.sandbox.org(|o| o.roles[2].name = "Sales Director West".into());
    // Read 23 hours ago: still fresh, nothing changed, seventeen calls.
    store::set_roles_read_at(&env.conn(), chrono::Utc::now() - chrono::Duration::hours(23)).unwrap();
    let r = env.sync().await.unwrap();
    assert_eq!((r.api_calls(), role_calls(&r)), (17, 0), "{:?}", r.calls);
    assert!(!stored_roles(&env).iter().any(|r| r.1 == "Sales Director West"));
    // Read 25 hours ago: read again, though no user changed.
    store::set_roles_read_at(&env.conn(), chrono::Utc::now() - chrono::Duration::hours(25)).unwrap();
    let r = env.sync().await.unwrap();
    assert_eq!((r.api_calls(), role_calls(&r)), (18, 1), "{:?}", r.calls);
    assert_eq!(stored_roles(&env), env.sandbox.org(|o| org_roles(o)));
    // And fresh again after that.
    let r = env.sync().await.unwrap();
    assert_eq!(role_calls(&r), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_without_the_roles_scope_keeps_the_stored_roles_and_says_so() {
    let env = synced().await;
    let before = stored_roles(&env);
    env.sandbox.grant_roles_scope(false);
    env.sandbox.org(|o| {
        o.roles[1].name = "Renamed meanwhile".into();
        let west = o.role_named(MANAGER_WEST).unwrap().id.clone();
        let user = o.users[2].id.clone();
        o.set_user_role(&user, &west);
    });
    let r = env.sync().await.expect("the run succeeds without the roles");
    assert_eq!(role_calls(&r), 1, "{:?}", r.calls);
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    let w = &r.warnings[0];
    assert!(w.contains("lacks ZohoCRM.settings.roles.READ") && w.contains("the roles read before are kept"), "{w}");
    assert_eq!(stored_roles(&env), before, "the stored tree is kept as it was");
    // The users themselves still move: their roles come with the users listing.
    assert_eq!(stored_users(&env), env.sandbox.org(|o| org_users(o)));
    let run = store::last_run(&env.conn()).unwrap().unwrap();
    assert!(run.ok && run.warnings.contains("ZohoCRM.settings.roles.READ"), "{}", run.warnings);

    // The scope given back: the next read brings the tree in, with no warning.
    env.sandbox.grant_roles_scope(true);
    store::set_roles_read_at(&env.conn(), chrono::Utc::now() - chrono::Duration::hours(30)).unwrap();
    let r = env.sync().await.unwrap();
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(stored_roles(&env), env.sandbox.org(|o| org_roles(o)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_sync_without_the_roles_scope_stores_users_and_warns() {
    let env = Env::new(generate(&spec(100, 20, 60))).await;
    env.sandbox.grant_roles_scope(false);
    let r = env.sync().await.expect("the run succeeds without the roles");
    assert!(r.warnings.iter().any(|w| w.contains("no roles are stored yet")), "{:?}", r.warnings);
    assert!(stored_roles(&env).is_empty());
    assert_eq!(stored_users(&env), env.sandbox.org(|o| org_users(o)));
    assert_matches_org(&env);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_roles_endpoint_rides_out_the_usual_faults() {
    let env = Env::new(generate(&spec(100, 20, 60))).await;
    env.sandbox.inject(FaultRule::new(Fault::TooManyRequests { retry_after: Some(0) }).on("/settings/roles"));
    env.sandbox.inject(FaultRule::new(Fault::ServerError).on("/settings/roles"));
    env.sandbox.inject(FaultRule::new(Fault::ExpireTokens).on("/settings/roles"));
    let r = env.sync().await.unwrap();
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(stored_roles(&env), env.sandbox.org(|o| org_roles(o)));

    // A roles endpoint that keeps failing: the run is ok, the roles kept, the warning plain.
    let mut env2 = Env::new(generate(&spec(100, 20, 60))).await;
    env2.zoho.max_retries = 1;
    env2.sync().await.unwrap();
    env2.sandbox.inject(FaultRule::new(Fault::ServerError).on("/settings/roles").always());
    store::set_roles_read_at(&env2.conn(), chrono::Utc::now() - chrono::Duration::hours(30)).unwrap();
    let r = env2.sync().await.expect("the run goes on without the roles");
    assert_eq!(
        r.warnings,
        vec!["the CRM's roles were not read (Zoho's API server kept failing (server error 500 INTERNAL_ERROR) \
              while reading the roles (2 tries). Try again later; if it lasts, check status.zoho.com.); the roles \
              read before are kept"
            .to_string()]
    );
    assert_eq!(stored_roles(&env2), env2.sandbox.org(|o| org_roles(o)));
}
