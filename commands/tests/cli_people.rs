//! `panopticon people list|link|unlink` end to end: the binary syncs from the sandbox, links
//! members by CRM id, email and name, lists them (table and JSON, with the CRM role, who linked
//! them, deactivated users and members who left), unlinks them, and shows the people log. Bad
//! input — an ambiguous name, an unknown id, a Discord id that is not one — links nothing and
//! exits 2 with words that say what would work.

mod support;

use std::path::PathBuf;

use chrono::TimeZone;
use panopticon::store::{self, Store};
use panopticon_sandbox::org::SUser;
use panopticon_sandbox::{Sandbox, Spec};
use serde_json::Value;
use support::{run, ConfigFile};

struct Setup {
    sb: Sandbox,
    dir: tempfile::TempDir,
    config: PathBuf,
}

impl Setup {
    /// A sandbox org (after `edit`), synced by the binary.
    async fn new(edit: impl FnOnce(&mut panopticon_sandbox::Org)) -> Setup {
        let spec = Spec::scaled(5, 200, chrono::Utc.with_ymd_and_hms(2026, 11, 20, 14, 0, 0).unwrap());
        let sb = support::sandbox(&spec).await;
        sb.org(edit);
        let dir = tempfile::tempdir().unwrap();
        let config = ConfigFile::sandbox(&sb, &dir.path().join("p.db")).write(&dir.path().join("config.toml"));
        let (code, out, err) = run(&config, &["sync"]).await;
        assert_eq!(code, Some(0), "{out}{err}");
        Setup { sb, dir, config }
    }

    async fn people(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let mut all = vec!["people"];
        all.extend_from_slice(args);
        run(&self.config, &all).await
    }

    fn user(&self, i: usize) -> SUser {
        self.sb.org(|o| o.users[i].clone())
    }

    fn role_of(&self, u: &SUser) -> String {
        self.sb.org(|o| o.role_name(u.role_id.as_deref().unwrap()).unwrap())
    }
}

const ANA: &str = "111111111111111111";
const BO: &str = "222222222222222222";
const CY: &str = "333333333333333333";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_are_linked_listed_and_unlinked() {
    let s = Setup::new(|_| {}).await;
    let (code, out, _) = s.people(&["list"]).await;
    assert_eq!(code, Some(0));
    assert!(out.contains("No one is linked yet"), "{out}");

    // By email, by id, and by exact name in another case (a deactivated user: linked, noted).
    let (first, second) = (s.user(0), s.user(1));
    let disabled = s.sb.org(|o| o.users.iter().find(|u| u.status == "disabled").unwrap().clone());
    let (code, out, err) = s.people(&["link", ANA, &first.email.to_uppercase()]).await;
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        out.trim(),
        format!("Linked Discord member {ANA} to {} ({}, {}).", first.full_name(), first.id, first.email)
    );
    let (code, _, err) = s.people(&["link", &format!("<@{BO}>"), &second.id]).await;
    assert_eq!(code, Some(0), "{err}");
    let (code, out, err) = s.people(&["link", CY, &disabled.full_name().to_lowercase()]).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("the CRM says this user is deactivated"), "{out}");

    let (code, out, _) = s.people(&["list"]).await;
    assert_eq!(code, Some(0));
    assert!(out.starts_with("PEOPLE — 3 linked"), "{out}");
    let line =
        |id: &str| out.lines().find(|l| l.starts_with(id)).unwrap_or_else(|| panic!("no {id}:\n{out}")).to_string();
    let ana = line(ANA);
    for want in [first.full_name(), first.id.clone(), s.role_of(&first), "cli".into(), "off".into()] {
        assert!(ana.contains(&want), "{want} missing from {ana}");
    }
    assert!(line(CY).contains("deactivated in the CRM"), "{out}");

    // JSON, one object per member, Discord ids as strings.
    let (code, out, _) = s.people(&["list", "--format", "json"]).await;
    assert_eq!(code, Some(0));
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["total"], 3);
    let rows = doc["rows"].as_array().unwrap();
    let bo = rows.iter().find(|r| r["discord_id"] == BO).expect("Bo is listed");
    assert_eq!(bo["crm_user_id"], second.id.as_str());
    assert_eq!(bo["crm_user_name"], second.full_name().as_str());
    assert_eq!(bo["crm_role"], s.role_of(&second).as_str());
    assert_eq!(bo["crm_role_id"], second.role_id.as_deref().unwrap());
    assert_eq!((bo["linked_by"].as_str(), bo["personal_digest"].as_bool()), (Some("cli"), Some(false)));
    assert_eq!(bo["deactivated"], false);
    assert!(bo["left_at"].is_null() && bo["linked_at"].is_string(), "{bo}");
    assert_eq!(rows.iter().find(|r| r["discord_id"] == CY).unwrap()["deactivated"], true);

    // A member who left the server (the bot saw it) is listed as away.
    let db = s.dir.path().join("p.db");
    let mut conn = Store::open(&db).unwrap().connect().unwrap();
    assert!(store::set_away(&mut conn, CY.parse().unwrap(), true, chrono::Utc::now()).unwrap());
    let (_, out, _) = s.people(&["list"]).await;
    assert!(out.lines().find(|l| l.starts_with(CY)).unwrap().contains("left the server"), "{out}");

    // Unlink: gone from the list, and the log tells it all, newest first.
    let (code, out, err) = s.people(&["unlink", BO]).await;
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out.trim(), format!("Unlinked Discord member {BO} (was {} ({})).", second.full_name(), second.id));
    let (_, out, _) = s.people(&["list"]).await;
    assert!(!out.contains(BO) && out.contains(ANA), "{out}");
    let (code, out, _) = s.people(&["list", "--log"]).await;
    assert_eq!(code, Some(0));
    let actions: Vec<&str> = out.lines().skip(2).map(|l| l.split_whitespace().nth(2).unwrap_or("")).collect();
    assert_eq!(actions, ["unlink", "left", "link", "link", "link"], "{out}");
    let (_, out, _) = s.people(&["list", "--log", "--limit", "1", "--format", "json"]).await;
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["rows"].as_array().unwrap().len(), 1);
    assert_eq!((doc["rows"][0]["action"].as_str(), doc["rows"][0]["discord_id"].as_str()), (Some("unlink"), Some(BO)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ambiguous_names_unknown_ids_and_taken_users_link_nothing() {
    // Two CRM users with one name.
    let s = Setup::new(|o| {
        let (id, first, last) = (o.users[2].id.clone(), o.users[0].first_name.clone(), o.users[0].last_name.clone());
        o.rename_user(&id, &first, &last);
    })
    .await;
    let (a, b) = (s.user(0), s.user(2));
    let (code, out, err) = s.people(&["link", ANA, &a.full_name()]).await;
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(err.contains(&format!("'{}' names 2 CRM users; nothing was linked", a.full_name())), "{err}");
    assert!(err.contains(&a.id) && err.contains(&b.id) && err.contains(&b.email), "candidates listed: {err}");

    let (code, _, err) = s.people(&["link", ANA, "Nobody Here"]).await;
    assert_eq!(code, Some(2));
    assert!(
        err.contains("no CRM user has the id, email or name 'Nobody Here'") && err.contains("panopticon sync"),
        "{err}"
    );
    let (code, _, err) = s.people(&["link", "not-a-snowflake", &a.id]).await;
    assert_eq!(code, Some(2));
    assert!(err.contains("'not-a-snowflake' is not a Discord user id"), "{err}");
    let (code, _, err) = s.people(&["link", "0", &a.id]).await;
    assert_eq!(code, Some(2), "{err}");
    let (code, _, err) = s.people(&["unlink", BO]).await;
    assert_eq!(code, Some(2));
    assert!(err.contains(&format!("Discord member {BO} is not linked to anyone")), "{err}");

    // A CRM user is one member at a time: the second link is refused in plain words.
    assert_eq!(s.people(&["link", ANA, &a.id]).await.0, Some(0));
    let (code, _, err) = s.people(&["link", BO, &a.email]).await;
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains(&format!("is linked to Discord member {ANA} already; nothing was linked"))
            && err.contains(&format!("panopticon people unlink {ANA}"))
            && !err.contains("<@"),
        "{err}"
    );
    let (_, out, _) = s.people(&["list", "--format", "json"]).await;
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["total"], 1, "only the one good link: {doc}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_crm_names_never_reach_the_terminal_raw() {
    let s = Setup::new(|o| {
        let id = o.users[0].id.clone();
        o.rename_user(&id, "Evil\u{1b}]0;pwned\u{7}", "Name\u{202e}");
    })
    .await;
    let u = s.user(0);
    let (code, out, err) = s.people(&["link", ANA, &u.id]).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(!out.contains('\u{1b}') && !out.contains('\u{202e}'), "{out:?}");
    let (_, out, _) = s.people(&["list"]).await;
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}') && !out.contains('\u{202e}'), "{out:?}");
    assert!(out.contains("Evil"), "{out}");
    let (_, out, _) = s.people(&["list", "--format", "json"]).await;
    assert!(!out.contains('\u{1b}'), "{out:?}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["rows"][0]["crm_user_name"], u.full_name().as_str(), "JSON keeps the name, escaped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_explains_and_a_missing_database_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let db = dir.path().join("none.db");
    std::fs::write(&config, format!("[zoho]\nclient_id = \"x\"\n[storage]\npath = \"{}\"\n", db.display())).unwrap();
    let (code, out, _) = run(&config, &["people", "--help"]).await;
    assert_eq!(code, Some(0));
    for want in ["list", "link", "unlink", "panopticon people link 123456789012345678"] {
        assert!(out.contains(want), "{want}:\n{out}");
    }
    let (code, out, _) = run(&config, &["people", "link", "--help"]).await;
    assert_eq!(code, Some(0));
    assert!(out.contains("DISCORD_ID") && out.contains("id, email, or exact full name"), "{out}");
    let (code, _, err) = run(&config, &["people", "list"]).await;
    assert_eq!(code, Some(2));
    assert!(err.contains("there is no database at") && err.contains("panopticon sync"), "{err}");
    let (code, _, _) = run(&config, &["people", "list", "--format", "csv"]).await;
    assert_eq!(code, Some(2), "CSV is not offered");
    let (code, _, _) = run(&config, &["people"]).await;
    assert_eq!(code, Some(2), "a subcommand is needed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_says_whether_the_roles_can_be_read_without_failing_for_it() {
    let s = Setup::new(|_| {}).await;
    let users_line = |out: &str| out.lines().find(|l| l.contains("  Zoho users ")).unwrap_or("").to_string();
    let (_, out, err) = run(&s.config, &["doctor"]).await;
    let l = users_line(&out);
    assert!(
        l.starts_with("✓ PASS") && l.contains("roles readable (ZohoCRM.settings.roles.READ): 5 roles"),
        "{out}{err}"
    );
    s.sb.grant_roles_scope(false);
    let (_, out, err) = run(&s.config, &["doctor"]).await;
    let l = users_line(&out);
    assert!(
        l.starts_with("✓ PASS")
            && l.contains("roles NOT readable (OAUTH_SCOPE_MISMATCH)")
            && l.contains("lacks ZohoCRM.settings.roles.READ"),
        "a sync without the roles still works, so the line passes and says what is missing:\n{out}{err}"
    );
}
