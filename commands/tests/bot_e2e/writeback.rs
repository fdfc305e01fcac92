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

fn name_of(conn: &Connection, table: &str, id: &str) -> String {
    let col = if table == "users" { "name" } else { "full_name" };
    conn.query_row(&format!("SELECT {col} FROM {table} WHERE id = ?1"), [id], |r| r.get(0)).unwrap()
}

fn company_of(conn: &Connection, lead: &str) -> Option<String> {
    conn.query_row("SELECT company FROM leads WHERE id = ?1", [lead], |r| r.get(0)).unwrap()
}

/// The component of a message whose type is a string select.
fn the_select(m: &Value) -> Value {
    components(m).into_iter().find(|c| c["type"] == 3).unwrap_or_else(|| panic!("no select in {m}"))
}

/// "Reassign…" on `story`, then `to` in the pick: the confirmation message.
async fn confirmation(fake: &FakeDiscord, story: &Value, to: &str, w: &Who) -> Value {
    let t = fake.click(&custom_id(story, "Reassign"), None, &message_json(70, story), w, CHANNEL);
    let pick = shown(fake, &t, |b| content(b).contains("Choose the new owner")).await;
    assert!(fake.seen(&t).iter().all(|s| s.ephemeral), "the pick is private");
    let select = the_select(&pick);
    let t = fake.click(
        select["custom_id"].as_str().unwrap(),
        Some(vec![to.to_string()]),
        &message_json(69, &pick),
        w,
        CHANNEL,
    );
    let c = shown(fake, &t, |b| !b.is_null()).await;
    assert!(title(&c).starts_with("Reassign "), "{c}");
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_reassigns_through_the_pick_and_the_confirmation_once_and_the_story_shows_it() {
    let bot = spawn_bot(&tail()).await;
    let fake = &bot.fake;
    let conn = db(&bot);
    let (lead, owner, other) = a_lead(&conn);
    let (lead_name, owner_name, other_name) =
        (name_of(&conn, "leads", &lead), name_of(&conn, "users", &owner), name_of(&conn, "users", &other));
    let coord = Who::member();
    let m = story(fake, &lead, &coord).await;

    // The pick: every active user but the owner, none cut silently.
    let t = fake.click(&custom_id(&m, "Reassign"), None, &message_json(70, &m), &coord, CHANNEL);
    let pick = shown(fake, &t, |b| content(b).contains("Choose the new owner")).await;
    let active: i64 = conn
        .query_row("SELECT count(*) FROM users WHERE status = 'active' AND id <> ?1", [&owner], |r| r.get(0))
        .unwrap();
    let values: Vec<String> = the_select(&pick)["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["value"].as_str().unwrap().to_string())
        .collect();
    assert!(active <= 25, "the demo fits one page");
    assert_eq!(values.len() as i64, active);
    assert!(!values.contains(&owner) && values.contains(&other));

    let c = confirmation(fake, &m, &other, &coord).await;
    let company = company_of(&conn, &lead).map(|c| format!(" ({c})")).unwrap_or_default();
    assert_eq!(title(&c), format!("Reassign {lead_name}{company} from {owner_name} to {other_name}?"));
    assert_eq!(labels(&c), ["Confirm", "Cancel"]);
    let confirm = custom_id(&c, "Confirm");
    let t = fake.click(&confirm, None, &message_json(71, &c), &coord, CHANNEL);
    let done = shown(fake, &t, |b| !embed(b).is_null()).await;
    assert_eq!(title(&done), format!("Reassigned {lead_name} from {owner_name} to {other_name} — Zoho updated"));
    assert!(labels(&done).is_empty(), "no buttons left");
    assert_eq!(bot.sandbox.org(|o| o.lead(&lead).and_then(|l| l.owner_id.clone())), Some(other.clone()));

    // A second click on the same Confirm: the recorded outcome, no second write.
    let t = fake.click(&confirm, None, &message_json(71, &c), &coord, CHANNEL);
    let again = shown(fake, &t, |b| title(b).contains("Zoho updated")).await;
    assert!(text_of(&again).contains("already"), "{again}");
    assert_eq!(puts(&bot, &lead), 1, "one PUT for two clicks");

    // The views show the new owner at once (no sync ran), and the story lists the action.
    let m = story(fake, &lead, &coord).await;
    let d = embed(&m)["description"].as_str().unwrap().to_string();
    assert!(d.lines().next().unwrap().contains(&other_name), "{d}");
    assert!(d.contains("**Actions in the CRM**"), "{d}");
    assert!(d.contains("reassign by") && d.contains(&format!("{owner_name} → {other_name} — done")), "{d}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lead_changed_in_zoho_after_the_confirmation_is_not_written_and_is_asked_again() {
    let bot = spawn_bot(&tail()).await;
    let fake = &bot.fake;
    let conn = db(&bot);
    let (lead, owner, other) = a_lead(&conn);
    let coord = Who::member();
    let m = story(fake, &lead, &coord).await;

    // A locked record: Zoho's reason, plainly; nothing written.
    let l = lead.clone();
    bot.sandbox.org(move |o| o.lock(&l, panopticon_sandbox::org::Lock::Locked));
    let c = confirmation(fake, &m, &other, &coord).await;
    let t = fake.click(&custom_id(&c, "Confirm"), None, &message_json(74, &c), &coord, CHANNEL);
    let refused = shown(fake, &t, |b| title(b).starts_with("Not reassigned")).await;
    let said = text_of(&refused);
    assert!(
        said.contains("Zoho refused") && said.contains("the record is locked") && said.contains("RECORD_LOCKED"),
        "{said}"
    );
    assert_eq!(puts(&bot, &lead), 1, "one PUT, refused");
    let l = lead.clone();
    bot.sandbox.org(move |o| o.unlock(&l));

    let c = confirmation(fake, &m, &other, &coord).await;
    // Someone edits the lead in Zoho between the confirmation and the click.
    let l = lead.clone();
    bot.sandbox.org(move |o| {
        let x = o.leads.get_mut(&l).unwrap();
        x.modified = chrono::DateTime::from_timestamp(Utc::now().timestamp() + 1, 0).unwrap();
        x.status = Some("Contacted".into());
    });
    let t = fake.click(&custom_id(&c, "Confirm"), None, &message_json(72, &c), &coord, CHANNEL);
    let asked = shown(fake, &t, |b| text_of(b).contains("changed in Zoho")).await;
    assert!(text_of(&asked).contains("Stage: Contacted"), "the fresh lead: {asked}");
    assert_eq!(labels(&asked), ["Confirm", "Cancel"], "asked again");
    assert_eq!(bot.sandbox.org(|o| o.lead(&lead).and_then(|l| l.owner_id.clone())), Some(owner.clone()), "not written");
    let again = custom_id(&asked, "Confirm");
    assert_ne!(again, custom_id(&c, "Confirm"), "a new key and the fresh time");
    let t = fake.click(&again, None, &message_json(73, &asked), &coord, CHANNEL);
    shown(fake, &t, |b| title(b).contains("Zoho updated")).await;
    assert_eq!(bot.sandbox.org(|o| o.lead(&lead).and_then(|l| l.owner_id.clone())), Some(other));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_and_a_task_from_their_forms_land_in_zoho_and_the_audit_lists_them_by_team() {
    let bot = spawn_bot(&tail()).await;
    let fake = &bot.fake;
    let conn = db(&bot);
    let (lead, owner, _) = a_lead(&conn);
    let coord = Who::member();
    let m = story(fake, &lead, &coord).await;

    // The note, exactly as typed; the form sent twice writes once.
    let t = fake.click(&custom_id(&m, "Add note"), None, &message_json(80, &m), &coord, CHANNEL);
    let form = shown(fake, &t, |b| b["custom_id"].is_string()).await;
    let note = "Called twice — no answer.\nWill try again Monday at 10.";
    let id = form["custom_id"].as_str().unwrap().to_string();
    let t = fake.submit(&id, &[("note", note)], None, &coord, CHANNEL);
    let said = last_content(fake, &t, "note on").await;
    assert!(said.contains("is in Zoho"), "{said}");
    let t = fake.submit(&id, &[("note", note)], None, &coord, CHANNEL);
    let said = last_content(fake, &t, "note on").await;
    assert!(said.contains("already written"), "{said}");
    let notes = bot.sandbox.org(|o| o.notes_of(&lead).iter().map(|n| n.content.clone()).collect::<Vec<_>>());
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].starts_with(&format!("{note}\n\n")), "{:?}", notes[0]);

    // The task: a bad date names the problem and writes nothing; then one lands, linked.
    let t = fake.click(&custom_id(&m, "Follow-up task"), None, &message_json(81, &m), &coord, CHANNEL);
    let form = shown(fake, &t, |b| b["custom_id"].is_string()).await;
    let id = form["custom_id"].as_str().unwrap().to_string();
    let t = fake.submit(&id, &[("subject", "Call back about the quote"), ("due", "2020-01-01")], None, &coord, CHANNEL);
    let said = last_content(fake, &t, "Nothing was written").await;
    assert!(said.contains("in the past"), "{said}");
    assert!(bot.sandbox.org(|o| o.tasks_of(&lead).is_empty()));
    let t = fake.submit(&id, &[("subject", "Call back about the quote"), ("due", "+3d")], None, &coord, CHANNEL);
    let said = last_content(fake, &t, "task for").await;
    assert!(said.contains("is in Zoho"), "{said}");
    let tz: chrono_tz::Tz = "America/New_York".parse().unwrap();
    let due = Utc::now().with_timezone(&tz).date_naive() + chrono::Days::new(3);
    let tasks = bot.sandbox.org(|o| {
        o.tasks_of(&lead)
            .iter()
            .map(|t| {
                (
                    t.subject.clone(),
                    t.owner_id.clone(),
                    t.due,
                    t.what.as_ref().map(|w| (w.module.clone(), w.id.clone())),
                )
            })
            .collect::<Vec<_>>()
    });
    assert_eq!(
        tasks,
        [("Call back about the quote".to_string(), owner.clone(), Some(due), Some(("Leads".into(), lead.clone())))]
    );

    // The audit: both, with their outcomes, newest first; a manager of another team sees neither.
    let t = fake.slash("audit", json!([]), &coord, CHANNEL);
    let (a, files) = answer(fake, &t).await;
    assert!(files[0].1.starts_with(b"\x89PNG"), "the table image");
    assert_eq!(title(&a), "Audit — 2 actions");
    let d = embed(&a)["description"].as_str().unwrap();
    let (task_at, note_at) = (d.find("**task**").unwrap(), d.find("**note**").unwrap());
    assert!(task_at < note_at && d.matches(" · done").count() == 2, "newest first, both done: {d}");
    // Managers: the one whose team holds the lead's owner sees both, privately; another sees
    // neither (teams computed here from the synced tables on their own).
    let managers: Vec<String> = conn
        .prepare("SELECT u.id FROM users u JOIN crm_roles r ON r.id = u.role_id WHERE r.name LIKE 'Sales Manager%'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let (ours, theirs): (Vec<String>, Vec<String>) =
        managers.into_iter().partition(|m| crate::support::team_in_crm(&conn, m).contains(&owner));
    assert!(!theirs.is_empty(), "the demo has a manager of another team");
    let mut cases = vec![(theirs[0].clone(), 0)];
    if let Some(m) = ours.first() {
        cases.push((m.clone(), 2));
    }
    for (i, (crm, n)) in cases.into_iter().enumerate() {
        let boss = who(700_000_000_000_000_043 + i as u64, MANAGER_ROLE);
        join_linked(&bot, &boss, &crm);
        let t = fake.slash("audit", json!([]), &boss, CHANNEL);
        let (a, _) = answer(fake, &t).await;
        assert_eq!(title(&a), format!("Audit — {n} action{}", if n == 1 { "" } else { "s" }), "manager {crm}");
        assert!(fake.seen(&t).iter().all(|s| s.ephemeral), "a manager's audit is private");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scope_the_token_lacks_hides_its_button() {
    let bot = spawn_bot(&tail()).await;
    // Before anything asks the CRM: the bot reads the grant with its first token.
    bot.sandbox.set_granted_scopes("ZohoCRM.modules.leads.ALL ZohoCRM.users.READ ZohoCRM.settings.READ");
    let conn = db(&bot);
    let (lead, _, _) = a_lead(&conn);
    let m = story(&bot.fake, &lead, &Who::member()).await;
    let l = labels(&m);
    assert!(l.contains(&"Reassign…".to_string()), "{l:?}");
    assert!(!l.iter().any(|b| b == "Add note…" || b == "Follow-up task…"), "no notes or tasks scope: {l:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reassign_a_restart_left_pending_is_resolved_after_the_next_sync() {
    use panopticon::actions::{ActionKind, Person, State};
    let bot = spawn_bot(&tail()).await;
    let conn = db(&bot);
    let (lead, owner, other) = a_lead(&conn);
    // Recorded and sent ten minutes ago, then the bot stopped before Zoho's answer; Zoho did it.
    let rec = store::ActionRecord {
        id: 0,
        key: ActionKey::new(),
        lead_id: lead.clone(),
        lead_name: name_of(&conn, "leads", &lead),
        kind: ActionKind::Reassign,
        by_discord: Some(Who::member().user),
        by_name: "Cora Coord".into(),
        via: store::Via::Discord,
        from: Some(Person { id: owner.clone(), name: name_of(&conn, "users", &owner) }),
        to: Some(Person { id: other.clone(), name: name_of(&conn, "users", &other) }),
        body: None,
        due: None,
        seen_modified: None,
        requested_at: Utc::now() - chrono::Duration::minutes(10),
        state: State::Pending,
        crm_id: None,
        code: None,
        reason: None,
        resolved_at: None,
        attempts: 1,
    };
    let mut c = db(&bot);
    store::begin_action(&mut c, &rec).unwrap();
    let (l, o) = (lead.clone(), other.clone());
    bot.sandbox.org(move |org| org.leads.get_mut(&l).unwrap().owner_id = Some(o));

    let t = bot.fake.slash("refresh", json!([]), &Who::member(), CHANNEL);
    answer(&bot.fake, &t).await;
    let state = bot
        .fake
        .wait_for(30, |_| {
            let s = store::action_by_key(&db(&bot), &rec.key).unwrap().unwrap().state;
            (s != State::Pending).then_some(s)
        })
        .await;
    assert_eq!(state, State::Done, "found in Zoho by its owner, recorded as done");
}
