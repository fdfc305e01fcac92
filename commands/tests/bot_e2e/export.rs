//! "Export CSV" and /export, as people meet them: the current view as a CSV file sent to the
//! asker alone, scoped to whoever clicks (a member's file holds only their leads, whoever
//! posted the list), defused against spreadsheet formulas; and /locators' follow-up medians
//! after interventions are recorded.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, Utc};
use panopticon::alerts::{Intervention, Kind};
use panopticon::config::RulesConfig;
use panopticon::store::{self, Store};
use panopticon::views::list::{self, ListKind};
use panopticon::views::{Context, Filter, Snapshot};
use serde_json::{json, Value};

use crate::support::bot::*;
use crate::support::fake_discord::*;

/// The Discord role configured as `[roles] member` (locators and reps).
const MEMBER_ROLE: u64 = 900_000_000_000_000_310;

const HOSTILE: &str = "=HYPERLINK(\"http://evil.example\",\"Open me\")";

fn ephemeral(v: &Value) -> bool {
    v["flags"].as_u64().is_some_and(|f| f & 64 != 0)
}

/// The records of a CSV file (RFC 4180: a line break inside quotes stays in its field).
fn records(csv: &str) -> Vec<Vec<String>> {
    let (mut out, mut rec, mut field, mut quoted) = (Vec::new(), Vec::new(), String::new(), false);
    let mut chars = csv.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => rec.push(std::mem::take(&mut field)),
            ('\n', false) => {
                rec.push(std::mem::take(&mut field));
                out.push(std::mem::take(&mut rec));
            }
            (c, _) => field.push(c),
        }
    }
    out
}

/// The one CSV file an interaction's answer carries: its name and its records.
async fn csv_of(fake: &FakeDiscord, token: &str) -> (Value, String, String, Vec<Vec<String>>) {
    let (m, files) = answer(fake, token).await;
    let csvs: Vec<&(String, Vec<u8>)> = files.iter().filter(|(n, _)| n.ends_with(".csv")).collect();
    assert_eq!(csvs.len(), 1, "one CSV file: {m} {:?}", files.iter().map(|f| &f.0).collect::<Vec<_>>());
    let text = String::from_utf8(csvs[0].1.clone()).unwrap();
    (m.clone(), csvs[0].0.clone(), text.clone(), records(&text))
}

/// Every stale lead's id by its owner, computed from the whole data (not through a scope).
fn stale_by_owner(db: &std::path::Path) -> (BTreeSet<String>, BTreeMap<String, BTreeSet<String>>) {
    let s = Snapshot::load(&Store::open(db).unwrap().connect().unwrap()).unwrap();
    let rules = RulesConfig::default();
    let now = Utc::now();
    let ctx = Context {
        as_of: now,
        now,
        rules: &rules,
        max_sync_age: std::time::Duration::from_secs(86400),
        crm_url: String::new(),
    };
    let mut all = BTreeSet::new();
    let mut by: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in list::build(&s, &ctx, ListKind::Stale, &Filter::default(), None).rows {
        let owner = s.lead(&r.id).and_then(|l| l.owner_id.clone()).unwrap_or_default();
        by.entry(owner).or_default().insert(r.id.clone());
        all.insert(r.id);
    }
    (all, by)
}

fn ids(recs: &[Vec<String>]) -> BTreeSet<String> {
    recs[1..].iter().map(|r| r[0].clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_csv_is_private_scoped_to_the_clicker_and_defused() {
    let bot = spawn_bot(&format!("{NO_DIGEST}[roles]\nmember = [{MEMBER_ROLE}]\n")).await;
    let fake = &bot.fake;
    let coordinator = Who::member();
    let (stale, by_owner) = stale_by_owner(&bot.db);
    // A stale lead renamed to a formula; the change reaches the bot with the next intervention
    // (its cached data reloads when one is recorded).
    let hostile_id = stale.iter().next().unwrap().clone();
    let mut conn = Store::open(&bot.db).unwrap().connect().unwrap();
    conn.execute("UPDATE leads SET full_name = ?1 WHERE id = ?2", [HOSTILE, &hostile_id]).unwrap();
    let snap = Snapshot::load(&conn).unwrap();
    // A nudge answered 5 h later on a lead of the locator with the most leads: /locators shows it.
    let lead = snap.leads.iter().find(|l| l.locator.is_some() && l.id != hostile_id).unwrap();
    let locator = lead.locator.clone().unwrap();
    let at = Utc::now() - Duration::hours(30);
    let mut nudge = Intervention::new(Kind::Nudge, &lead.id, "Cleo Coord", at);
    nudge.locator = Some(locator.clone());
    let nudge_id = store::record_intervention(&conn, &nudge).unwrap();
    let mut answer_ = Intervention::new(Kind::FollowedUp, &lead.id, &locator, at + Duration::hours(5));
    answer_.answers = Some(nudge_id);
    answer_.locator = Some(locator.clone());
    store::record_intervention(&conn, &answer_).unwrap();

    // The coordinator's /stale, and its "Export CSV": every stale lead, privately.
    let t = fake.slash("stale", json!([]), &coordinator, CHANNEL);
    let (list_msg, _) = answer(fake, &t).await;
    assert!(!ephemeral(&list_msg), "the list is shared: {list_msg}");
    let export_id = custom_id(&list_msg, "Export CSV");
    let t = fake.click(&export_id, None, &message_json(91, &list_msg), &coordinator, CHANNEL);
    let (m, name, text, recs) = csv_of(fake, &t).await;
    assert!(ephemeral(&m), "only the clicker gets the file: {m}");
    let today = Utc::now().with_timezone(&RulesConfig::default().timezone).date_naive();
    assert_eq!(name, format!("stale-{today}.csv"));
    assert_eq!(recs[0][..3], ["id", "name", "company"]);
    assert_eq!(ids(&recs), stale, "every stale lead");
    assert!(!fake.for_token(&t).iter().any(|r| r.method == "PATCH"), "the shared list stays in place");
    // Defused: the name is text that starts with a quote, never a live formula.
    let row = recs.iter().find(|r| r[0] == hostile_id).unwrap();
    assert_eq!(row[1], format!("'{HOSTILE}"));
    assert!(text.contains(&format!("\"'{}\"", HOSTILE.replace('"', "\"\""))), "{text}");
    assert!(recs.iter().all(|r| r.iter().all(|f| !f.starts_with(['=', '+', '@']))), "no live formula");

    // A member clicking the same button on the coordinator's message gets only their own.
    let (crm, theirs) = by_owner.iter().filter(|(o, _)| !o.is_empty()).max_by_key(|(_, v)| v.len()).unwrap();
    assert!(!theirs.is_empty() && theirs.len() < stale.len());
    let member = Who { user: 700_000_000_000_000_151, roles: vec![MEMBER_ROLE], admin: false, dm: false };
    fake.join_as(member.user, &member.roles);
    store::link(&mut conn, member.user, crm, "test", Utc::now()).unwrap().unwrap();
    let t = fake.click(&export_id, None, &message_json(91, &list_msg), &member, CHANNEL);
    let (m, _, _, recs) = csv_of(fake, &t).await;
    assert!(ephemeral(&m), "{m}");
    assert_eq!(&ids(&recs), theirs, "only the member's own leads");

    // /export view:stale: the same file as the button.
    let t = fake.slash("export", json!([{"name": "view", "type": 4, "value": 0}]), &coordinator, CHANNEL);
    let (_, name, _, recs) = csv_of(fake, &t).await;
    let shown = fake.seen(&t);
    assert!(!shown.is_empty() && shown.iter().all(|s| s.ephemeral), "only the asker sees it: {shown:#?}");
    assert_eq!(name, format!("stale-{today}.csv"));
    assert_eq!(ids(&recs), stale);
    let t = fake.slash("export", json!([{"name": "view", "type": 4, "value": 0}]), &member, CHANNEL);
    let (_, _, _, recs) = csv_of(fake, &t).await;
    assert_eq!(&ids(&recs), theirs);
    // The locators, with a locator filter: one row.
    let opts = json!([{"name": "view", "type": 4, "value": 5}, {"name": "locator", "type": 3, "value": locator}]);
    let t = fake.slash("export", opts, &coordinator, CHANNEL);
    let (_, name, _, recs) = csv_of(fake, &t).await;
    assert_eq!(name, format!("locators-{today}.csv"));
    assert_eq!(recs.len(), 2, "{recs:?}");
    assert_eq!(recs[1][0], locator);

    // /locators: the follow-up medians, with the nudge answered in 5 h; and its own export.
    let t = fake.slash("locators", json!([]), &coordinator, CHANNEL);
    let (m, files) = answer(fake, &t).await;
    let desc = embed(&m)["description"].as_str().unwrap();
    assert!(desc.contains("answer a nudge **5 h**"), "{desc}");
    if let Ok(dir) = std::env::var("PANOPTICON_KEEP_IMAGES") {
        for (n, bytes) in &files {
            std::fs::write(std::path::Path::new(&dir).join(n), bytes).unwrap();
        }
    }
    let t = fake.click(&custom_id(&m, "Export CSV"), None, &message_json(92, &m), &coordinator, CHANNEL);
    let (_, name, _, recs) = csv_of(fake, &t).await;
    assert_eq!(name, format!("locators-{today}.csv"));
    assert!(recs.iter().any(|r| r[0] == locator), "{recs:?}");

    // The digest's follow-up line: the nudge was answered in 5 h (this week's, when it fell in
    // this ISO week of the business zone).
    let tz = RulesConfig::default().timezone;
    let monday = |t: chrono::DateTime<Utc>| t.with_timezone(&tz).date_naive().week(chrono::Weekday::Mon).first_day();
    let reply = if monday(at) == monday(Utc::now()) { "5 h" } else { "—" };
    let t = fake.slash("digest", json!([]), &coordinator, CHANNEL);
    let (d, _) = answer(fake, &t).await;
    let desc = embed(&d)["description"].as_str().unwrap();
    let line = desc
        .lines()
        .find(|l| l.starts_with("Follow-up: median time to intervention this week "))
        .unwrap_or_else(|| panic!("{desc}"));
    assert!(line.contains(" (last week ") && line.ends_with(&format!(" · response to nudges {reply}")), "{line}");
    assert_eq!(fake.violations(), Vec::<String>::new());
}
