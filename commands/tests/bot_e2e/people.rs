//! People and roles, as each person sees them: a member sees only their own leads in every
//! command, page, filter, select, autocomplete and drill-down, privately; their click on a
//! coordinator's shared message answers them alone and leaves it as it was; an id from someone
//! else's message never widens what they see; a manager sees their team; a viewer aggregates
//! only; a member not linked is told to ask for /link and nothing else; /whoami tells each the
//! truth; /link and /unlink are the coordinators'; a member who left is no longer mentioned.

use std::collections::BTreeSet;

use panopticon::config::RulesConfig;
use panopticon::people::{Refused, Role, Scope};
use panopticon::store::{self, Connection, Store};
use panopticon::views::list::{self, ListKind};
use panopticon::views::state::short_hash;
use panopticon::views::{Context, Filter, Snapshot};
use serde_json::{json, Value};

use crate::support::bot::*;
use crate::support::fake_discord::*;

const MANAGER_ROLE: u64 = 900_000_000_000_000_310;
const MEMBER_ROLE: u64 = 900_000_000_000_000_311;
const VIEWER_ROLE: u64 = 900_000_000_000_000_312;
/// Discord members: Dana Whitfield (a locator), Marcus Reyes (a manager in the CRM), a viewer, and a
/// locator nobody has linked yet.
const DANA: u64 = 700_000_000_000_000_011;
const MARCUS: u64 = 700_000_000_000_000_012;
const VIEWER: u64 = 700_000_000_000_000_013;
const NEWCOMER: u64 = 700_000_000_000_000_014;

fn tail() -> String {
    format!(
        "{NO_DIGEST}[sync]\nrefresh_cooldown = 0\n[roles]\nmanager = [{MANAGER_ROLE}]\nmember = [{MEMBER_ROLE}]\n\
         viewer = [{VIEWER_ROLE}]\n"
    )
}

fn who(user: u64, role: u64) -> Who {
    Who { user, roles: vec![role], admin: false, dm: false }
}

/// The coordinator: the role in `[discord] allowed_roles`.
fn coordinator() -> Who {
    Who::member()
}

fn user_id(conn: &Connection, first_name: &str) -> String {
    conn.query_row("SELECT id FROM users WHERE name LIKE ?1 || ' %'", [first_name], |r| r.get(0)).unwrap()
}

fn owner_of(conn: &Connection, lead: &str) -> Option<String> {
    conn.query_row("SELECT locator_id FROM leads WHERE id = ?1", [lead], |r| r.get(0)).unwrap()
}

fn owners(ids: &[&str]) -> Scope {
    Scope::Owners(ids.iter().map(|s| s.to_string()).collect())
}

/// How many leads `scope` has in list `kind`, from the database itself.
fn expected(conn: &Connection, kind: ListKind, scope: &Scope) -> usize {
    let s = Snapshot::load(conn).unwrap().within(scope);
    let rules = RulesConfig::default();
    let ctx = Context {
        as_of: chrono::Utc::now(),
        now: chrono::Utc::now(),
        rules: &rules,
        max_sync_age: std::time::Duration::from_secs(86400),
        crm_url: String::new(),
    };
    list::build(&s, &ctx, kind, &Filter::default(), None).total
}

/// A message as Discord shows it to whoever clicks: `private` ones are the clicker's own.
fn shown(id: u64, body: &Value, private: bool) -> Value {
    let mut m = message_json(id, body);
    m["flags"] = json!(if private { 64 } else { 0 });
    m
}

fn select(comps: &[Value], words: &str) -> Value {
    comps
        .iter()
        .find(|c| c["placeholder"].as_str().is_some_and(|p| p.contains(words)))
        .cloned()
        .unwrap_or_else(|| panic!("no {words} select in {comps:#?}"))
}

fn values(select: &Value) -> Vec<String> {
    select["options"].as_array().unwrap().iter().map(|o| o["value"].as_str().unwrap().to_string()).collect()
}

fn labels(select: &Value) -> Vec<String> {
    select["options"].as_array().unwrap().iter().map(|o| o["label"].as_str().unwrap().to_string()).collect()
}

fn desc(m: &Value) -> String {
    embed(m)["description"].as_str().unwrap_or_default().to_string()
}

fn content(m: &Value) -> String {
    m["content"].as_str().unwrap_or_default().to_string()
}

/// The choices an autocomplete answered with: (name, value).
async fn suggested(fake: &FakeDiscord, token: &str) -> Vec<(String, String)> {
    let body = fake
        .wait_for(20, |log| log.iter().find(|r| r.path.contains(&format!("/{token}/callback"))).map(|r| r.body.clone()))
        .await;
    body["data"]["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap().to_string(), c["value"].as_str().unwrap().to_string()))
        .collect()
}

/// Asserts interaction `token` left exactly one message, seen by the asker alone; returns it.
fn only_private(fake: &FakeDiscord, token: &str) -> Value {
    let seen = fake.seen(token);
    assert!(seen.len() == 1 && seen[0].ephemeral, "one private message: {seen:#?}");
    seen[0].body.clone()
}

/// The demo org's people as the sync brought them from the CRM: the manager is whoever holds
/// "Sales Manager East" (the sandbox's role tree); Dana is linked as a member and the manager as
/// a manager, both in the guild.
fn people_of_the_demo(bot: &TestBot) -> (Connection, String, String) {
    let mut conn = Store::open(&bot.db).unwrap().connect().unwrap();
    let marcus: String = conn
        .query_row(
            "SELECT u.id FROM users u JOIN crm_roles r ON r.id = u.role_id WHERE r.name = 'Sales Manager East'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let dana = user_id(&conn, "Dana");
    for (discord, crm) in [(DANA, &dana), (MARCUS, &marcus)] {
        bot.fake.join(discord);
        store::link(&mut conn, discord, crm, "test", chrono::Utc::now()).unwrap().unwrap();
    }
    (conn, dana, marcus)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_sees_only_their_leads_everywhere_and_privately() {
    let bot = spawn_bot(&tail()).await;
    let fake = &bot.fake;
    let (conn, dana, _) = people_of_the_demo(&bot);
    let me = who(DANA, MEMBER_ROLE);
    let mine = owners(&[&dana]);
    let all_locators = Snapshot::load(&conn).unwrap().known_locators();
    let others: Vec<&String> = all_locators.iter().filter(|l| !l.starts_with("Dana")).collect();
    let is_mine = |lead: &str| owner_of(&conn, lead).as_deref() == Some(dana.as_str());

    // /stale: privately, her count, her name (mentioned: she is linked), nobody else's.
    let t = fake.slash("stale", json!([]), &me, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    only_private(fake, &t);
    let n = expected(&conn, ListKind::Stale, &mine);
    assert!(title(&m).contains(&format!("— {n} lead")), "{n}: {m}");
    if n > 0 {
        assert!(desc(&m).contains(&format!("**Dana Whitfield** <@{DANA}>")), "{}", desc(&m));
    }
    for o in &others {
        assert!(!desc(&m).contains(o.as_str()), "{o} in {}", desc(&m));
    }

    // /leads paged to the end on her own (private) message: in place, every row hers.
    let total = expected(&conn, ListKind::Leads, &mine);
    assert!(total > 0, "Dana has appointed leads in the demo org");
    let t = fake.slash("leads", json!([]), &me, CHANNEL);
    let (mut m, _) = answer(fake, &t).await;
    only_private(fake, &t);
    assert_eq!(title(&m), format!("Appointed leads — {total}"));
    let locs = labels(&select(&components(&m), "locator"));
    assert!(locs.iter().all(|l| l.starts_with("Dana Whitfield")), "{locs:?}");
    let mut seen_rows = values(&select(&components(&m), "story"));
    for page in 2..=20 {
        let comps = components(&m);
        let next = button(&comps, "Next");
        if next["disabled"] == json!(true) {
            break;
        }
        let t = fake.click(next["custom_id"].as_str().unwrap(), None, &shown(page, &m, true), &me, CHANNEL);
        m = answer(fake, &t).await.0;
        assert_eq!(first_callback(fake, &t), Some(6), "her own message is edited in place");
        seen_rows.extend(values(&select(&components(&m), "story")));
    }
    assert_eq!(seen_rows.len(), total, "every page of hers, and only hers");
    assert!(seen_rows.iter().all(|l| is_mine(l)), "{seen_rows:?}");

    // A stage filter from her select, and a drill-down into her own lead: still hers.
    let stage = select(&components(&m), "stage");
    let t = fake.click(
        stage["custom_id"].as_str().unwrap(),
        Some(vec![short_hash("Appt Set")]),
        &shown(30, &m, true),
        &me,
        CHANNEL,
    );
    let (filtered, _) = answer(fake, &t).await;
    assert!(desc(&filtered).contains("stage = Appt Set"), "{filtered}");
    if let Some(s) =
        components(&filtered).iter().find(|c| c["placeholder"].as_str().is_some_and(|p| p.contains("story")))
    {
        assert!(values(s).iter().all(|l| is_mine(l)));
    }
    let story = select(&components(&m), "story");
    let t = fake.click(
        story["custom_id"].as_str().unwrap(),
        Some(vec![values(&story)[0].clone()]),
        &shown(31, &m, true),
        &me,
        CHANNEL,
    );
    let (told, _) = answer(fake, &t).await;
    assert!(desc(&told).contains("Open in Zoho CRM") && desc(&told).contains(&format!("<@{DANA}>")), "{told}");

    // Autocomplete offers her locator and her leads only.
    let t = fake.autocomplete("stale", "locator", "", &me);
    let names: Vec<String> = suggested(fake, &t).await.into_iter().map(|c| c.0).collect();
    assert_eq!(names, vec!["Dana Whitfield".to_string()]);
    let t = fake.autocomplete("lead", "name", "e", &me);
    let leads = suggested(fake, &t).await;
    assert!(!leads.is_empty() && leads.iter().all(|(_, id)| is_mine(id)), "{leads:?}");

    // Someone else's lead is answered exactly like a lead nobody has.
    let theirs: String = conn
        .query_row("SELECT id FROM leads WHERE locator_id != ?1 ORDER BY id LIMIT 1", [&dana], |r| r.get(0))
        .unwrap();
    let t = fake.slash("lead", json!([{"name": "name", "type": 3, "value": theirs}]), &me, CHANNEL);
    let (hidden, _) = answer(fake, &t).await;
    only_private(fake, &t);
    let t = fake.slash("lead", json!([{"name": "name", "type": 3, "value": "9999999999999"}]), &me, CHANNEL);
    let (unknown, _) = answer(fake, &t).await;
    assert_eq!(content(&hidden).replace(&theirs, "X"), content(&unknown).replace("9999999999999", "X"));
    assert!(content(&hidden).contains("No lead has the name"), "{hidden}");
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clicks_on_shared_messages_and_foreign_ids_never_widen_a_scope_and_managers_see_their_team() {
    let bot = spawn_bot(&tail()).await;
    let fake = &bot.fake;
    let (conn, dana, marcus) = people_of_the_demo(&bot);
    let me = who(DANA, MEMBER_ROLE);
    let is_mine = |lead: &str| owner_of(&conn, lead).as_deref() == Some(dana.as_str());

    // The coordinator's /leads is public; Dana's click on its Next answers her alone.
    let t = fake.slash("leads", json!([]), &coordinator(), CHANNEL);
    let (public, _) = answer(fake, &t).await;
    assert!(!fake.seen(&t)[0].ephemeral, "a coordinator's answer is public");
    let everyone = expected(&conn, ListKind::Leads, &Scope::Everyone);
    assert_eq!(title(&public), format!("Appointed leads — {everyone}"));
    let shared = shown(40, &public, false);
    let t = fake.click(&custom_id(&public, "Next"), None, &shared, &me, CHANNEL);
    let (hers, _) = answer(fake, &t).await;
    let total = expected(&conn, ListKind::Leads, &owners(&[&dana]));
    assert_eq!(title(&hers), format!("Appointed leads — {total}"));
    assert_eq!(first_callback(fake, &t), Some(5), "a private message of her own");
    assert!(fake.seen(&t).iter().all(|s| s.ephemeral), "{:#?}", fake.seen(&t));
    assert!(!fake.for_token(&t).iter().any(|r| r.method == "PATCH"), "the shared message is left as it was");

    // The shared list's drill-down, picking someone else's lead: nothing shown, privately.
    let story = select(&components(&public), "story");
    let foreign = values(&story).into_iter().find(|l| !is_mine(l)).expect("the first page has others' leads");
    let t = fake.click(story["custom_id"].as_str().unwrap(), Some(vec![foreign]), &shared, &me, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    let m = if m.is_null() { only_private(fake, &t) } else { m };
    assert!(embed(&m).is_null() && content(&m).contains("no longer in the CRM copy"), "{m}");
    assert!(fake.seen(&t).iter().all(|s| s.ephemeral));
    // Its locator select, set to another locator: a filter she cannot have, refused privately.
    let loc = select(&components(&public), "locator");
    let marcus_name: String = conn.query_row("SELECT name FROM users WHERE id = ?1", [&marcus], |r| r.get(0)).unwrap();
    let t = fake.click(loc["custom_id"].as_str().unwrap(), Some(vec![short_hash(&marcus_name)]), &shared, &me, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    assert!(embed(&m).is_null() && content(&m).contains("no longer exists"), "{m}");
    assert!(fake.seen(&t).iter().all(|s| s.ephemeral) && !fake.for_token(&t).iter().any(|r| r.method == "PATCH"));

    // The manager sees exactly their team, privately: computed here from the synced tables
    // on their own (roles below theirs, and who reports to them, directly or not).
    let boss = who(MARCUS, MANAGER_ROLE);
    let team_ids: Vec<String> = crate::support::team_in_crm(&conn, &marcus);
    assert!(team_ids.len() > 2 && team_ids.len() < 10, "a real team: {team_ids:?}");
    let team = owners(&team_ids.iter().map(String::as_str).collect::<Vec<_>>());
    let t = fake.slash("leads", json!([]), &boss, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    only_private(fake, &t);
    assert_eq!(title(&m), format!("Appointed leads — {}", expected(&conn, ListKind::Leads, &team)));
    let locs = labels(&select(&components(&m), "locator"));
    let members: Vec<String> = team_ids
        .iter()
        .map(|id| conn.query_row("SELECT name FROM users WHERE id = ?1", [id], |r| r.get(0)).unwrap())
        .collect();
    assert!(!locs.is_empty() && locs.iter().all(|l| members.iter().any(|n| l.starts_with(n.as_str()))), "{locs:?}");
    let t = fake.slash("whoami", json!([]), &boss, CHANNEL);
    let said = content(&answer(fake, &t).await.0);
    assert!(said.contains("Role: **manager**") && said.contains("Linked to CRM user **Marcus Reyes**"), "{said}");
    let people = format!("({} people)", members.len());
    assert!(members.iter().all(|n| said.contains(n)) && said.contains(&people), "{said}");

    // /whoami for Dana and for the coordinator.
    let t = fake.slash("whoami", json!([]), &me, CHANNEL);
    let said = content(&answer(fake, &t).await.0);
    only_private(fake, &t);
    assert!(said.contains("Role: **member**") && said.contains(&format!("your leads: {total} appointed")), "{said}");
    let t = fake.slash("whoami", json!([]), &coordinator(), CHANNEL);
    let said = content(&answer(fake, &t).await.0);
    assert!(said.contains("Role: **coordinator**") && said.contains("every lead"), "{said}");
    // A coordinator may keep an answer to themselves.
    let t = fake.slash("atrisk", json!([{"name": "private", "type": 5, "value": true}]), &coordinator(), CHANNEL);
    let (m, _) = answer(fake, &t).await;
    assert!(title(&m).contains("At risk"), "{m}");
    only_private(fake, &t);
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn viewers_the_unlinked_linking_and_a_member_who_left() {
    let bot = spawn_bot(&tail()).await;
    let fake = &bot.fake;
    let conn = Store::open(&bot.db).unwrap().connect().unwrap();
    let viewer = who(VIEWER, VIEWER_ROLE);

    // A viewer: aggregates yes, lead by lead no — in commands and in clicks.
    let t = fake.slash("pipeline", json!([]), &viewer, CHANNEL);
    assert_eq!(title(&answer(fake, &t).await.0), "Pipeline");
    let t = fake.slash("stale", json!([]), &viewer, CHANNEL);
    let refused = content(&only_private(fake, &{
        answer(fake, &t).await;
        t
    }));
    assert!(refused.contains("aggregates only") && refused.contains("/pipeline"), "{refused}");
    let t = fake.slash("stale", json!([]), &coordinator(), CHANNEL);
    let (public, _) = answer(fake, &t).await;
    let t = fake.click(&custom_id(&public, "Next"), None, &shown(50, &public, false), &viewer, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    assert!(content(&m).contains("aggregates only") && embed(&m).is_null(), "{m}");
    let t = fake.slash("whoami", json!([]), &viewer, CHANNEL);
    assert!(content(&answer(fake, &t).await.0).contains("aggregates only"));

    // A member nobody linked: the /link message, and nothing else.
    let newcomer = who(NEWCOMER, MEMBER_ROLE);
    let not_linked = Refused::NotLinked(Role::Member).message();
    let t = fake.slash("leads", json!([]), &newcomer, CHANNEL);
    answer(fake, &t).await;
    assert_eq!(content(&only_private(fake, &t)), not_linked);
    let t = fake.click(&custom_id(&public, "Next"), None, &shown(51, &public, false), &newcomer, CHANNEL);
    assert_eq!(content(&answer(fake, &t).await.0), not_linked);
    let t = fake.autocomplete("stale", "locator", "", &newcomer);
    assert!(suggested(fake, &t).await.is_empty());

    // /link is the coordinators'; its user option offers the synced users, marking deactivated ones.
    let kenji = user_id(&conn, "Kenji");
    let t = fake.slash_with_user(
        "link",
        "member",
        NEWCOMER,
        json!([{"name": "user", "type": 3, "value": kenji}]),
        &newcomer,
    );
    assert!(content(&answer(fake, &t).await.0).contains("Only coordinators"));
    let t = fake.autocomplete("link", "user", "ken", &coordinator());
    assert!(suggested(fake, &t).await.contains(&("Kenji Watanabe".to_string(), kenji.clone())));
    let t = fake.autocomplete("link", "user", "sam", &coordinator());
    let sam = suggested(fake, &t).await;
    assert!(sam.iter().any(|(n, _)| n == "Sam Okoye (deactivated in the CRM)"), "{sam:?}");
    fake.join(NEWCOMER);
    let t = fake.slash_with_user(
        "link",
        "member",
        NEWCOMER,
        json!([{"name": "user", "type": 3, "value": kenji}]),
        &coordinator(),
    );
    let said = content(&answer(fake, &t).await.0);
    assert!(said.contains(&format!("Linked <@{NEWCOMER}> to **Kenji Watanabe**")), "{said}");
    let t = fake.slash("whoami", json!([]), &newcomer, CHANNEL);
    let said = content(&answer(fake, &t).await.0);
    assert!(said.contains("Linked to CRM user **Kenji Watanabe**") && said.contains("your leads:"), "{said}");

    // Mentioned while in the guild; after leaving (seen at the next sync) no longer — but the
    // link is kept, marked away.
    let kenjis = json!([{"name": "locator", "type": 3, "value": "Kenji Watanabe"}]);
    let t = fake.slash("leads", kenjis.clone(), &coordinator(), CHANNEL);
    assert!(desc(&answer(fake, &t).await.0).contains(&format!("<@{NEWCOMER}>")));
    fake.leave(NEWCOMER);
    let t = fake.slash("refresh", json!([]), &coordinator(), CHANNEL);
    last_content(fake, &t, "✅").await;
    let away = || store::people(&conn).unwrap().iter().any(|p| p.discord_id == NEWCOMER && p.left_at.is_some());
    for _ in 0..100 {
        if away() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(away(), "marked away after the sync");
    let t = fake.slash("leads", kenjis, &coordinator(), CHANNEL);
    let d = desc(&answer(fake, &t).await.0);
    assert!(d.contains("Kenji Watanabe") && !d.contains(&format!("<@{NEWCOMER}>")), "{d}");
    let kept: BTreeSet<u64> = store::people(&conn).unwrap().iter().map(|p| p.discord_id).collect();
    assert!(kept.contains(&NEWCOMER), "the link is kept");

    let t = fake.slash_with_user("unlink", "member", NEWCOMER, json!([]), &coordinator());
    assert!(content(&answer(fake, &t).await.0).contains(&format!("Unlinked <@{NEWCOMER}>")));
    assert_eq!(fake.violations(), Vec::<String>::new());
}
