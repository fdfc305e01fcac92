//! Write-back from Discord (issue 15), as people meet it, against the sandbox with
//! `[actions] enabled`: the lead story's Reassign… / Add note… / Follow-up task… buttons for
//! who may use them, the owner pick and its confirmation, a conflict asking again, a double
//! click writing once, the note and task forms, and /audit for each role.

use chrono::Utc;
use panopticon::actions::ActionKey;
use panopticon::store::{self, Connection, Store};
use panopticon::views::state::Write;
use serde_json::{json, Value};

use crate::support::bot::*;
use crate::support::fake_discord::*;

const MANAGER_ROLE: u64 = 900_000_000_000_000_420;
const MEMBER_ROLE: u64 = 900_000_000_000_000_421;

fn tail() -> String {
    format!("{NO_DIGEST}[roles]\nmanager = [{MANAGER_ROLE}]\nmember = [{MEMBER_ROLE}]\n[actions]\nenabled = true\n")
}

fn who(user: u64, role: u64) -> Who {
    Who { user, roles: vec![role], admin: false, dm: false }
}

fn db(bot: &TestBot) -> Connection {
    Store::open(&bot.db).unwrap().connect().unwrap()
}

fn join_linked(bot: &TestBot, w: &Who, crm: &str) {
    bot.fake.join_as(w.user, &w.roles);
    store::link(&mut db(bot), w.user, crm, "test", Utc::now()).unwrap().unwrap();
}

fn content(m: &Value) -> String {
    m["content"].as_str().unwrap_or_default().to_string()
}

fn labels(m: &Value) -> Vec<String> {
    components(m).iter().filter_map(|c| c["label"].as_str().map(str::to_string)).collect()
}

/// A lead with an owner, its owner, and another active user (not the owner).
fn a_lead(conn: &Connection) -> (String, String, String) {
    let (lead, owner): (String, String) = conn
        .query_row(
            "SELECT id, locator_id FROM leads WHERE locator_id IN (SELECT id FROM users WHERE status = 'active')
             ORDER BY id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let other: String = conn
        .query_row("SELECT id FROM users WHERE status = 'active' AND id <> ?1 ORDER BY name LIMIT 1", [&owner], |r| {
            r.get(0)
        })
        .unwrap();
    (lead, owner, other)
}

/// The lead story `w` sees for `lead`.
async fn story(fake: &FakeDiscord, lead: &str, w: &Who) -> Value {
    let t = fake.slash("lead", json!([{"name": "name", "type": 3, "value": lead}]), w, CHANNEL);
    answer(fake, &t).await.0
}

/// The message an interaction's answer shows last: a reply, an update of the clicked message,
/// or an edit/followup after a deferral — the first one satisfying `done`.
async fn shown(fake: &FakeDiscord, token: &str, done: impl Fn(&Value) -> bool) -> Value {
    fake.wait_for(40, |log| {
        log.iter()
            .rev()
            .filter(|r| r.path.contains(&format!("/{token}")) && r.method != "DELETE")
            .filter_map(|r| {
                if r.path.starts_with("/webhooks/") {
                    Some(r.body.clone())
                } else {
                    matches!(r.body["type"].as_u64(), Some(4 | 7 | 9)).then(|| r.body["data"].clone())
                }
            })
            .find(|b| done(b))
    })
    .await
}

fn text_of(m: &Value) -> String {
    format!(
        "{} {} {}",
        content(m),
        embed(m)["title"].as_str().unwrap_or(""),
        embed(m)["description"].as_str().unwrap_or("")
    )
}

/// PUTs the sandbox saw on this lead.
fn puts(bot: &TestBot, lead: &str) -> usize {
    bot.sandbox.requests().iter().filter(|r| r.method == "PUT" && r.path.contains(lead)).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_sees_which_button_and_a_forged_confirm_from_a_member_writes_nothing() {
    let bot = spawn_bot(&tail()).await;
    let fake = &bot.fake;
    let conn = db(&bot);
    let (lead, owner, other) = a_lead(&conn);
    let member = who(700_000_000_000_000_041, MEMBER_ROLE);
    join_linked(&bot, &member, &owner);

    let coord = Who::member();
    let m = story(fake, &lead, &coord).await;
    let l = labels(&m);
    for b in ["Reassign…", "Add note…", "Follow-up task…"] {
        assert!(l.contains(&b.to_string()), "{b} for a coordinator: {l:?}");
    }
    // A member on their own lead may add a note, never reassign or set a task.
    let m = story(fake, &lead, &member).await;
    let l = labels(&m);
    assert!(l.contains(&"Add note…".to_string()), "{l:?}");
    assert!(!l.iter().any(|b| b == "Reassign…" || b == "Follow-up task…"), "{l:?}");

    // A genuine-looking Confirm (signed, as a leaked id would be) clicked by the member:
    // denied at the click, recorded, nothing sent to Zoho.
    let seen = conn
        .query_row("SELECT modified_at FROM leads WHERE id = ?1", [&lead], |r| r.get::<_, String>(0))
        .map(|t| chrono::DateTime::parse_from_rfc3339(&t).unwrap().timestamp())
        .unwrap();
    let forged = Write::confirm(&lead, &other, seen, ActionKey::new()).encode(&view_key(&bot.db));
    let t = fake.click(&forged, None, &message_json(61, &m), &member, CHANNEL);
    let said = shown(fake, &t, |b| text_of(b).contains("Not reassigned")).await;
    assert!(text_of(&said).contains("members do not reassign leads"), "{said}");
    assert_eq!(puts(&bot, &lead), 0, "nothing written");
    let owner_now: String =
        conn.query_row("SELECT locator_id FROM leads WHERE id = ?1", [&lead], |r| r.get(0)).unwrap();
    assert_eq!(owner_now, owner);
    // The Reassign… button itself, forged for the member: refused in words.
    let offer = Write::on(panopticon::views::state::WriteKind::Reassign, &lead).encode(&view_key(&bot.db));
    let t = fake.click(&offer, None, &message_json(62, &m), &member, CHANNEL);
    let said = shown(fake, &t, |b| !content(b).is_empty()).await;
    assert!(content(&said).contains("You may not reassign this lead"), "{said}");
    // An id we did not sign: refused before anything is read.
    let mut bad = forged.clone();
    bad.replace_range(bad.len() - 2.., "AA");
    let t = fake.click(&bad, None, &message_json(63, &m), &coord, CHANNEL);
    let said = shown(fake, &t, |b| !content(b).is_empty()).await;
    assert!(content(&said).contains("not Panopticon's"), "{said}");

    // The audit: the coordinator sees the denial with its reason; the member sees it too (it
    // is their lead), privately.
    let t = fake.slash("audit", json!([]), &coord, CHANNEL);
    let (a, files) = answer(fake, &t).await;
    assert_eq!(title(&a), "Audit — 1 action");
    let d = embed(&a)["description"].as_str().unwrap();
    assert!(d.contains("denied — members do not reassign leads") && d.contains(&lead), "{d}");
    assert_eq!(files.len(), 1, "the table image");
    assert!(files[0].1.starts_with(b"\x89PNG"), "a PNG");
    let t = fake.slash("audit", json!([{"name": "lead", "type": 3, "value": lead}]), &member, CHANNEL);
    let (a, _) = answer(fake, &t).await;
    assert_eq!(title(&a), "Audit — 1 action");
    assert!(fake.seen(&t).iter().all(|s| s.ephemeral), "a member's audit is private");
}
