//! Nudges and snoozes, as people meet them: a coordinator nudges a stale lead's locator from
//! the lead story; the locator gets a DM with the card and three buttons, answers with a note
//! (or snoozes, or asks for help), and the coordinator sees it on the lead. A snoozed lead wears
//! SNOOZED and is left out of alerts; closed DMs become a mention in the channel; who may nudge
//! and snooze is decided at each click, and a forged or someone else's answer is refused.

use std::collections::BTreeSet;

use chrono::Utc;
use panopticon::alerts::{self, Kind, Tier};
use panopticon::config::RulesConfig;
use panopticon::store::{self, Connection, Store};
use panopticon::views::list::{self, ListKind};
use panopticon::views::state::{Action, ActionKind};
use panopticon::views::{Context, Filter, Snapshot};
use serde_json::{json, Value};

use crate::support::bot::*;
use crate::support::fake_discord::*;

const MANAGER_ROLE: u64 = 900_000_000_000_000_320;
const MEMBER_ROLE: u64 = 900_000_000_000_000_321;

fn tail() -> String {
    format!("{NO_DIGEST}[roles]\nmanager = [{MANAGER_ROLE}]\nmember = [{MEMBER_ROLE}]\n")
}

/// Someone in the guild with one role.
fn who(user: u64, role: u64) -> Who {
    Who { user, roles: vec![role], admin: false, dm: false }
}

/// The same person, clicking in their DMs.
fn in_dm(w: &Who) -> Who {
    Who { dm: true, ..w.clone() }
}

fn content(m: &Value) -> String {
    m["content"].as_str().unwrap_or_default().to_string()
}

fn db(bot: &TestBot) -> Connection {
    Store::open(&bot.db).unwrap().connect().unwrap()
}

/// Stale leads by owner, from the database itself: (lead id, owner), most overdue first.
fn stale_by_owner(conn: &Connection) -> Vec<(String, String)> {
    let s = Snapshot::load(conn).unwrap();
    let rules = RulesConfig::default();
    let now = Utc::now();
    let ctx = Context {
        as_of: now,
        now,
        rules: &rules,
        max_sync_age: std::time::Duration::from_secs(86400),
        crm_url: String::new(),
    };
    list::build(&s, &ctx, ListKind::Stale, &Filter::default(), None)
        .rows
        .into_iter()
        .filter_map(|r| Some((r.id.clone(), s.lead(&r.id)?.owner_id.clone()?)))
        .collect()
}

/// One stale lead for each of `n` different owners.
fn stale_leads_of_different_owners(conn: &Connection, n: usize) -> Vec<(String, String)> {
    let mut seen = BTreeSet::new();
    let picked: Vec<(String, String)> =
        stale_by_owner(conn).into_iter().filter(|(_, o)| seen.insert(o.clone())).take(n).collect();
    assert_eq!(picked.len(), n, "the demo has stale leads of {n} owners");
    picked
}

/// Member `w` joins the guild and is linked to CRM user `crm`, as /link would.
fn join_linked(bot: &TestBot, w: &Who, crm: &str) {
    bot.fake.join_as(w.user, &w.roles);
    store::link(&mut db(bot), w.user, crm, "test", Utc::now()).unwrap().unwrap();
}

/// The lead story `who` sees for `lead`.
async fn story(fake: &FakeDiscord, lead: &str, w: &Who) -> Value {
    let t = fake.slash("lead", json!([{"name": "name", "type": 3, "value": lead}]), w, CHANNEL);
    answer(fake, &t).await.0
}

fn labels(m: &Value) -> Vec<String> {
    components(m).iter().filter_map(|c| c["label"].as_str().map(str::to_string)).collect()
}

/// The callback an interaction got, once it came: (type, data).
async fn callback(fake: &FakeDiscord, token: &str) -> (u64, Value) {
    let path = format!("/{token}/callback");
    let body = fake.wait_for(20, |log| log.iter().find(|r| r.path.contains(&path)).map(|r| r.body.clone())).await;
    (body["type"].as_u64().unwrap(), body["data"].clone())
}

/// Waits for `user`'s `n`th DM.
async fn dm(fake: &FakeDiscord, user: u64, n: usize) -> Value {
    fake.wait_for(20, |_| fake.dms(user).get(n - 1).cloned()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nudge_reaches_the_locator_and_their_followed_up_note_shows_on_the_lead() {
    let bot = spawn_bot(&tail()).await;
    let fake = &bot.fake;
    let conn = db(&bot);
    let [(lead, owner), (_, other_owner)] = stale_leads_of_different_owners(&conn, 2).try_into().unwrap();
    let locator_name: String = conn.query_row("SELECT name FROM users WHERE id = ?1", [&owner], |r| r.get(0)).unwrap();
    let loc = who(700_000_000_000_000_031, MEMBER_ROLE);
    let stranger = who(700_000_000_000_000_032, MEMBER_ROLE);
    join_linked(&bot, &loc, &owner);
    join_linked(&bot, &stranger, &other_owner);

    // The coordinator's story of a stale lead offers the nudge.
    let coord = Who::member();
    let m = story(fake, &lead, &coord).await;
    assert!(labels(&m).contains(&format!("Nudge {locator_name}")), "{:?}", labels(&m));
    let t = fake.click(&custom_id(&m, "Nudge"), None, &message_json(60, &m), &coord, CHANNEL);
    let said = last_content(fake, &t, "Nudged").await;
    assert!(said.contains(&locator_name) && said.contains("by DM"), "{said}");
    assert!(fake.seen(&t).iter().all(|s| s.ephemeral), "only the nudger is told: {:#?}", fake.seen(&t));

    // The locator's DM: the card, who nudged, three buttons.
    let d = dm(fake, loc.user, 1).await;
    let e = embed(&d);
    let name: String = conn.query_row("SELECT full_name FROM leads WHERE id = ?1", [&lead], |r| r.get(0)).unwrap();
    assert_eq!(e["title"].as_str().unwrap(), format!("Nudge: {name}"));
    let card = e["description"].as_str().unwrap();
    for part in ["asks you to follow up", "**STALE**", "days since the appointment", "Appointment: "] {
        assert!(card.contains(part), "{part} in {card}");
    }
    assert_eq!(labels(&d), ["Followed up", "Snooze 2 days", "Need help"]);

    // Someone else clicking the locator's button, and a forged id: refused, nothing recorded.
    let t = fake.click(&custom_id(&d, "Followed up"), None, &d, &in_dm(&stranger), CHANNEL);
    let (kind, data) = callback(fake, &t).await;
    assert_eq!(kind, 4);
    assert!(content(&data).contains(&format!("Only {locator_name}")), "{data}");
    let mut forged = custom_id(&d, "Need help");
    forged.replace_range(7..8, if &forged[7..8] == "1" { "2" } else { "1" });
    let t = fake.click(&forged, None, &d, &in_dm(&loc), CHANNEL);
    assert!(content(&callback(fake, &t).await.1).contains("not Panopticon's"));
    // A genuine answer id naming another nudge than its own: not a nudge of this lead.
    let key = view_key(&bot.db);
    let foreign = Action::answer(ActionKind::NeedHelp, &lead, 999_999).encode(&key);
    let t = fake.click(&foreign, None, &d, &in_dm(&loc), CHANNEL);
    assert!(content(&callback(fake, &t).await.1).contains("no longer exists"));
    let kinds = |c: &Connection| store::interventions_of(c, &lead).unwrap().iter().map(|i| i.kind).collect::<Vec<_>>();
    assert_eq!(kinds(&conn), [Kind::Nudge]);

    // "Followed up" opens a form; the note submitted is recorded and the DM says so.
    let t = fake.click(&custom_id(&d, "Followed up"), None, &d, &in_dm(&loc), CHANNEL);
    let (kind, form) = callback(fake, &t).await;
    assert_eq!(kind, 9, "a form: {form}");
    let note = "Called, booked a revisit for Thursday";
    let t = fake.submit(form["custom_id"].as_str().unwrap(), &[("note", note)], Some(&d), &in_dm(&loc), CHANNEL);
    let (kind, data) = callback(fake, &t).await;
    assert_eq!(kind, 7, "the DM is edited in place: {data}");
    assert!(content(&data).contains("Recorded") && components(&data).is_empty(), "{data}");
    assert_eq!(kinds(&conn), [Kind::Nudge, Kind::FollowedUp]);
    // Answered once: a second click is told so.
    let t = fake.click(&custom_id(&d, "Need help"), None, &d, &in_dm(&loc), CHANNEL);
    assert!(content(&callback(fake, &t).await.1).contains("already answered"));

    // The coordinator's story now tells who nudged and how it was answered.
    let m = story(fake, &lead, &coord).await;
    let desc = embed(&m)["description"].as_str().unwrap().to_string();
    assert!(desc.contains("**Follow-up**") && desc.contains("nudged by user700000000000000001"), "{desc}");
    assert!(desc.contains(&format!("answered by {locator_name}: followed up — “{note}”")), "{desc}");
    // And so does the command line.
    let (code, out, err) = crate::support::bin::run(&bot.cfg, &["report", "lead", &lead]).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("Follow-up") && out.contains(note), "{out}");
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snoozing_from_the_dm_marks_the_lead_and_quiets_its_alerts_and_closed_dms_become_a_mention() {
    let bot = spawn_bot(&tail()).await;
    let fake = &bot.fake;
    let conn = db(&bot);
    let [(lead, owner), (closed_lead, closed_owner), (unlinked_lead, _)] =
        stale_leads_of_different_owners(&conn, 3).try_into().unwrap();
    let (loc, shy) = (who(700_000_000_000_000_041, MEMBER_ROLE), who(700_000_000_000_000_042, MEMBER_ROLE));
    join_linked(&bot, &loc, &owner);
    join_linked(&bot, &shy, &closed_owner);
    let coord = Who::member();
    let quiet = |c: &Connection| {
        let s = Snapshot::load(c).unwrap();
        let news = alerts::current(&s, Utc::now(), &RulesConfig::default(), &Tier::ALL);
        !news.iter().any(|t| t.row.id == lead)
    };
    assert!(!quiet(&conn), "a stale lead is news before it is snoozed");
    let stale_before = title(&answer(fake, &fake.slash("stale", json!([]), &coord, CHANNEL)).await.0);

    let m = story(fake, &lead, &coord).await;
    let t = fake.click(&custom_id(&m, "Nudge"), None, &message_json(61, &m), &coord, CHANNEL);
    last_content(fake, &t, "Nudged").await;
    let d = dm(fake, loc.user, 1).await;
    let t = fake.click(&custom_id(&d, "Snooze 2 days"), None, &d, &in_dm(&loc), CHANNEL);
    let (kind, data) = callback(fake, &t).await;
    assert_eq!(kind, 7, "{data}");
    assert!(content(&data).contains("snoozed until") && components(&data).is_empty(), "{data}");
    assert!(quiet(&conn), "a snoozed lead is left out of the alerts pass");

    // SNOOZED in the lists and on the story; the counts are unchanged.
    let stale_after = title(&answer(fake, &fake.slash("stale", json!([]), &coord, CHANNEL)).await.0);
    assert_eq!(stale_before, stale_after, "a snoozed lead still counts");
    let m = story(fake, &lead, &coord).await;
    assert!(title(&m).ends_with("· SNOOZED"), "{}", title(&m));
    assert!(labels(&m).contains(&"Lift snooze".to_string()), "{:?}", labels(&m));
    let (_, out, _) = crate::support::bin::run(&bot.cfg, &["report", "stale"]).await;
    let name: String = conn.query_row("SELECT full_name FROM leads WHERE id = ?1", [&lead], |r| r.get(0)).unwrap();
    let line = out.lines().find(|l| l.contains(name.as_str())).unwrap_or_else(|| panic!("{name} in {out}"));
    assert!(line.trim_start().starts_with("STALE SNOOZED"), "{line}");
    assert_eq!(out.matches("SNOOZED").count(), 1, "only that lead: {out}");

    // Closed DMs: the locator is mentioned in the channel, and the nudger told.
    fake.close_dms(shy.user);
    let m = story(fake, &closed_lead, &coord).await;
    let t = fake.click(&custom_id(&m, "Nudge"), None, &message_json(62, &m), &coord, CHANNEL);
    let said = last_content(fake, &t, "does not accept direct messages").await;
    assert!(said.contains("mentioned them in this channel"), "{said}");
    let mention = format!("<@{}>", shy.user);
    let posted = fake.requests().into_iter().find(|r| {
        r.method == "POST" && r.path == format!("/channels/{CHANNEL}/messages") && content(&r.body).contains(&mention)
    });
    let posted = posted.expect("a mention in the channel");
    assert_eq!(labels(&posted.body), ["Followed up", "Snooze 2 days", "Need help"]);

    // An owner nobody linked: said plainly, nothing recorded.
    let m = story(fake, &unlinked_lead, &coord).await;
    let t = fake.click(&custom_id(&m, "Nudge"), None, &message_json(63, &m), &coord, CHANNEL);
    let said = last_content(fake, &t, "not linked").await;
    assert!(said.contains("nothing was recorded"), "{said}");
    assert!(store::interventions_of(&conn, &unlinked_lead).unwrap().is_empty());
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_snooze_their_own_leads_managers_their_team_and_only_coordinators_and_managers_nudge() {
    let bot = spawn_bot(&tail()).await;
    let fake = &bot.fake;
    let conn = db(&bot);
    let manager: String = conn
        .query_row(
            "SELECT u.id FROM users u JOIN crm_roles r ON r.id = u.role_id WHERE r.name = 'Sales Manager East'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let team: BTreeSet<String> = crate::support::team_in_crm(&conn, &manager).into_iter().collect();
    let stale = stale_by_owner(&conn);
    let (own, owner) = stale.iter().find(|(_, o)| team.contains(o) && *o != manager).cloned().expect("a team lead");
    let (foreign, _) = stale.iter().find(|(_, o)| !team.contains(o)).cloned().expect("a lead of another team");
    let me = who(700_000_000_000_000_051, MEMBER_ROLE);
    let boss = who(700_000_000_000_000_052, MANAGER_ROLE);
    join_linked(&bot, &me, &owner);
    join_linked(&bot, &boss, &manager);
    let key = view_key(&bot.db);

    // A member: their own lead's story offers a snooze, never a nudge.
    let m = story(fake, &own, &me).await;
    assert_eq!(labels(&m), ["Snooze…"], "{m}");
    let shown = message_json(70, &m);
    let nudge = Action::new(ActionKind::Nudge, &own).encode(&key);
    let t = fake.click(&nudge, None, &shown, &me, CHANNEL);
    assert!(last_content(fake, &t, "may not nudge").await.contains("coordinators may"));

    // The form; bad input is answered with what would work, and nothing is snoozed.
    let t = fake.click(&custom_id(&m, "Snooze"), None, &shown, &me, CHANNEL);
    let (kind, form) = callback(fake, &t).await;
    assert_eq!(kind, 9, "{form}");
    let form_id = form["custom_id"].as_str().unwrap().to_string();
    for (length, reason, want) in [
        ("soon", "Owner away", "use 1d, 3d, 7d"),
        ("2020-01-01", "Owner away", "has passed"),
        ("3d", "   ", "Give a reason"),
    ] {
        let t = fake.submit(&form_id, &[("length", length), ("reason", reason)], None, &me, CHANNEL);
        let (kind, data) = callback(fake, &t).await;
        assert!(kind == 4 && content(&data).contains(want), "{length}/{reason}: {data}");
    }
    assert!(store::snoozes(&conn).unwrap().is_empty());
    let t = fake.submit(&form_id, &[("length", "next"), ("reason", "Owner away until Monday")], None, &me, CHANNEL);
    let said = content(&callback(fake, &t).await.1);
    assert!(said.contains("until the next appointment") && said.contains("Owner away until Monday"), "{said}");
    let m = story(fake, &own, &me).await;
    let desc = embed(&m)["description"].as_str().unwrap().to_string();
    assert!(desc.contains("SNOOZED until the next appointment") && desc.contains("Owner away until Monday"), "{desc}");

    // Another's lead: the same form's id is refused for them (the scope is the clicker's).
    let theirs = Action::new(ActionKind::SnoozeSubmit, &foreign).encode(&key);
    let t = fake.submit(&theirs, &[("length", "3d"), ("reason", "mine now")], None, &me, CHANNEL);
    assert!(content(&callback(fake, &t).await.1).contains("You may not snooze"));
    let t = fake.click(&Action::new(ActionKind::SnoozeForm, &foreign).encode(&key), None, &shown, &me, CHANNEL);
    assert!(content(&callback(fake, &t).await.1).contains("You may not snooze"));

    // The manager: their team's lead may be nudged and its snooze lifted; another team's not.
    let m = story(fake, &own, &boss).await;
    assert!(labels(&m).iter().any(|l| l.starts_with("Nudge ")) && labels(&m).contains(&"Lift snooze".into()));
    let t = fake.click(&custom_id(&m, "Lift snooze"), None, &message_json(71, &m), &boss, CHANNEL);
    assert!(content(&callback(fake, &t).await.1).contains("Lifted the snooze"));
    assert!(store::snoozes(&conn).unwrap().is_empty());
    let t = fake.click(&Action::new(ActionKind::SnoozeForm, &foreign).encode(&key), None, &shown, &boss, CHANNEL);
    assert!(content(&callback(fake, &t).await.1).contains("You may not snooze"));
    let t = fake.click(&Action::new(ActionKind::Nudge, &foreign).encode(&key), None, &shown, &boss, CHANNEL);
    assert!(last_content(fake, &t, "may not nudge").await.contains("managers for their team"));
    let kinds: Vec<Kind> = store::interventions_of(&conn, &own).unwrap().iter().map(|i| i.kind).collect();
    assert_eq!(kinds, [Kind::Snooze, Kind::Unsnooze]);
    assert!(store::interventions_of(&conn, &foreign).unwrap().is_empty());
    assert_eq!(fake.violations(), Vec::<String>::new());
}
