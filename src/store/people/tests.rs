use chrono::TimeZone;

use super::*;
use crate::store::Store;

fn at(h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, h, 0, 0).unwrap()
}

fn setup() -> (tempfile::TempDir, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let c = Store::open(&dir.path().join("p.db")).unwrap().connect().unwrap();
    c.execute_batch(
        "INSERT INTO users(id, name, email, status, role_id, reporting_to_id) VALUES
            ('u1', 'Ada Lovelace', 'ada@example.com', 'active', 'r2', NULL),
            ('u2', 'Bob Stone', NULL, 'disabled', 'r1', 'u1');
         INSERT INTO crm_roles(id, name, reporting_to) VALUES ('r1', 'CEO', NULL), ('r2', 'Rep', 'r1');",
    )
    .unwrap();
    (dir, c)
}

#[test]
fn link_relink_unlink_are_logged_with_who_and_when() {
    let (_d, mut c) = setup();
    assert_eq!(link(&mut c, 11, "u1", "99", at(9)).unwrap(), Ok(None));
    let p = person(&c, 11).unwrap().unwrap();
    assert_eq!(
        (p.crm_user_id.as_str(), p.linked_by.as_str(), p.linked_at.as_str()),
        ("u1", "99", "2026-11-20T09:00:00Z")
    );
    assert_eq!(p.crm_user.unwrap().name, "Ada Lovelace");
    // Relinking to another user says whom they were.
    assert_eq!(link(&mut c, 11, "u2", "cli", at(10)).unwrap(), Ok(Some("u1".into())));
    assert!(!person(&c, 11).unwrap().unwrap().crm_user.unwrap().active(), "a deactivated user shows as such");
    assert_eq!(unlink(&mut c, 11, "99", at(11)).unwrap(), Some("u2".into()));
    assert_eq!(unlink(&mut c, 11, "99", at(12)).unwrap(), None, "unlinking twice changes nothing");
    assert_eq!(person(&c, 11).unwrap(), None);
    let log: Vec<(String, String, String)> =
        people_log(&c, 10).unwrap().into_iter().map(|e| (e.action, e.crm_user_id.unwrap(), e.by)).collect();
    assert_eq!(
        log,
        vec![
            ("unlink".into(), "u2".into(), "99".into()),
            ("link".into(), "u2".into(), "cli".into()),
            ("link".into(), "u1".into(), "99".into())
        ]
    );
}

#[test]
fn a_crm_user_is_one_member_and_must_exist() {
    let (_d, mut c) = setup();
    assert_eq!(link(&mut c, 11, "nope", "99", at(9)).unwrap(), Err(LinkRefused::UnknownUser("nope".into())));
    link(&mut c, 11, "u1", "99", at(9)).unwrap().unwrap();
    let taken = link(&mut c, 12, "u1", "99", at(9)).unwrap().unwrap_err();
    assert_eq!(taken, LinkRefused::Taken { crm_user: "u1".into(), discord_id: 11 });
    assert!(taken.to_string().contains("<@11>"));
    assert_eq!(people(&c).unwrap().len(), 1);
    assert_eq!(people_log(&c, 10).unwrap().len(), 1, "a refused link is not logged");
}

#[test]
fn a_member_who_leaves_is_hidden_but_kept_and_comes_back() {
    let (_d, mut c) = setup();
    link(&mut c, 11, "u1", "99", at(9)).unwrap().unwrap();
    assert!(set_away(&mut c, 11, true, at(10)).unwrap());
    assert!(!set_away(&mut c, 11, true, at(10)).unwrap(), "leaving twice is one event");
    assert_eq!(person(&c, 11).unwrap(), None);
    assert!(mentions(&c).unwrap().is_empty());
    let all = people(&c).unwrap();
    assert_eq!(all[0].left_at.as_deref(), Some("2026-11-20T10:00:00Z"), "kept in the list, marked");
    // Meanwhile u1 may be linked to someone else; then the first cannot simply come back.
    link(&mut c, 12, "u1", "99", at(11)).unwrap().unwrap();
    assert!(!set_away(&mut c, 11, false, at(12)).unwrap());
    unlink(&mut c, 12, "99", at(13)).unwrap();
    assert!(set_away(&mut c, 11, false, at(14)).unwrap());
    assert_eq!(linked_user(&c, 11).unwrap().as_deref(), Some("u1"));
    assert_eq!(mentions(&c).unwrap().get("u1"), Some(&11));
    let actions: Vec<String> = people_log(&c, 10).unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(actions, vec!["returned", "unlink", "link", "left", "link"]);
}

#[test]
fn the_personal_digest_is_for_linked_members_only() {
    let (_d, mut c) = setup();
    assert!(!set_personal_digest(&mut c, 11, true, at(9)).unwrap());
    link(&mut c, 11, "u1", "99", at(9)).unwrap().unwrap();
    assert!(set_personal_digest(&mut c, 11, true, at(9)).unwrap());
    assert!(person(&c, 11).unwrap().unwrap().personal_digest);
    assert_eq!(people_log(&c, 1).unwrap()[0].action, "digest_on");
}

#[test]
fn the_directory_holds_users_with_roles_and_the_role_tree() {
    let (_d, c) = setup();
    let d = directory(&c).unwrap();
    assert_eq!(d.users.len(), 2);
    assert_eq!(d.user("u2").unwrap().reporting_to_id.as_deref(), Some("u1"));
    assert_eq!(d.roles_below("r1").into_iter().collect::<Vec<_>>(), vec!["r2".to_string()]);
    replace_roles(&c, &[DirRole { id: "r9".into(), name: "Solo".into(), reporting_to: None }]).unwrap();
    assert_eq!(directory(&c).unwrap().roles.len(), 1);
}
