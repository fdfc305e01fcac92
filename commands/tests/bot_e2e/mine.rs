//! /mine and the personal morning DM, as members meet them: /mine shows a linked member exactly
//! what needs them, privately; the unlinked are told what to do; each opted-in member gets their
//! own digest by DM once a day, across restarts, skipped when they have nothing, and a member
//! whose DMs are closed is recorded without stopping anyone else's.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, Utc};
use panopticon::config::RulesConfig;
use panopticon::store::{self, PersonalDone, Store};
use panopticon::views::calendar::{self, Period};
use panopticon::views::list::{self, ListKind};
use panopticon::views::{Context, Filter, Snapshot};
use serde_json::{json, Value};

use crate::digest::noon_somewhere;
use crate::support::bot::*;
use crate::support::fake_discord::*;

/// The Discord role configured as `[roles] member` (locators and reps).
const MEMBER_ROLE: u64 = 900_000_000_000_000_310;
/// The Discord role configured as `[roles] manager`.
const MANAGER_ROLE: u64 = 900_000_000_000_000_311;

fn member(n: u64) -> Who {
    Who { user: 700_000_000_000_000_100 + n, roles: vec![MEMBER_ROLE], admin: false, dm: false }
}

fn ephemeral(v: &Value) -> bool {
    v["flags"].as_u64().is_some_and(|f| f & 64 != 0)
}

/// What needs each CRM user, computed from the whole data and each lead's owner (not through
/// a scope): stale ids, at-risk ids, appointments today and tomorrow.
struct Expected {
    stale: BTreeMap<String, BTreeSet<String>>,
    at_risk: BTreeMap<String, BTreeSet<String>>,
    soon: BTreeMap<String, usize>,
    /// Every lead's owner.
    owner: BTreeMap<String, String>,
}

fn expected(db: &std::path::Path, rules: &RulesConfig) -> Expected {
    let s = Snapshot::load(&Store::open(db).unwrap().connect().unwrap()).unwrap();
    let now = Utc::now();
    let ctx =
        Context { as_of: now, now, rules, max_sync_age: std::time::Duration::from_secs(86400), crm_url: String::new() };
    let owner = |id: &str| s.lead(id).and_then(|l| l.owner_id.clone()).unwrap_or_default();
    let by_owner = |kind: ListKind| {
        let mut m: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for r in list::build(&s, &ctx, kind, &Filter::default(), None).rows {
            m.entry(owner(&r.id)).or_default().insert(r.id);
        }
        m
    };
    let today = ctx.today();
    let mut soon: BTreeMap<String, usize> = BTreeMap::new();
    for d in calendar::build(&s, &ctx, Period::range(today, today + Duration::days(1)), &Filter::default()).days {
        for i in d.appointments {
            *soon.entry(owner(&i.lead_id)).or_default() += 1;
        }
    }
    let owner = s.leads.iter().map(|l| (l.id.clone(), l.owner_id.clone().unwrap_or_default())).collect();
    Expected { stale: by_owner(ListKind::Stale), at_risk: by_owner(ListKind::AtRisk), soon, owner }
}

/// Links Discord member `who` to CRM user `crm` in the bot's database, as /link would.
fn link(db: &std::path::Path, who: &Who, crm: &str) {
    let mut c = Store::open(db).unwrap().connect().unwrap();
    store::link(&mut c, who.user, crm, "test", Utc::now()).unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mine_shows_a_linked_member_exactly_their_items_privately() {
    let bot = spawn_bot(&format!("{NO_DIGEST}[roles]\nmember = [{MEMBER_ROLE}]\n")).await;
    let fake = &bot.fake;
    let me = member(1);
    // Not linked yet: told to ask for /link, privately.
    let t = fake.slash("mine", json!([]), &me, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    assert!(ephemeral(&m) && m["content"].as_str().unwrap().contains("Ask a coordinator to /link you"), "{m}");
    // A coordinator who is not linked is pointed to the team's views.
    let t = fake.slash("mine", json!([]), &Who::member(), CHANNEL);
    let (m, _) = answer(fake, &t).await;
    let said = m["content"].as_str().unwrap();
    assert!(ephemeral(&m) && said.contains("/mine is for linked members") && said.contains("/stale"), "{m}");

    // Linked to the CRM user with the most stale leads.
    let want = expected(&bot.db, &RulesConfig::default());
    let (crm, stale) = want.stale.iter().filter(|(o, _)| !o.is_empty()).max_by_key(|(_, ids)| ids.len()).unwrap();
    let at_risk = want.at_risk.get(crm).cloned().unwrap_or_default();
    let soon = want.soon.get(crm).copied().unwrap_or(0);
    assert!(stale.len() > 3 && stale.len() < want.stale.values().map(BTreeSet::len).sum::<usize>());
    fake.join_as(me.user, &me.roles);
    link(&bot.db, &me, crm);
    let t = fake.slash("mine", json!([]), &me, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    let shown = fake.seen(&t);
    assert!(!shown.is_empty() && shown.iter().all(|s| s.ephemeral), "only they see it: {shown:#?}");
    let e = embed(&m);
    assert!(e["title"].as_str().unwrap().starts_with("🧭 What needs "), "{e}");
    let desc = e["description"].as_str().unwrap();
    let counts = format!(
        "**Stale** {} · **At risk** {} · **Appointments today and tomorrow** {soon}",
        stale.len(),
        at_risk.len()
    );
    assert!(desc.contains(&counts), "{counts}\n{desc}");
    // The drill-down offers their leads, and only theirs: stale first, then at risk.
    let comps = components(&m);
    let pick = comps.iter().find(|c| c["placeholder"].as_str().is_some_and(|p| p.contains("story"))).unwrap();
    let offered: Vec<String> =
        pick["options"].as_array().unwrap().iter().map(|o| o["value"].as_str().unwrap().to_string()).collect();
    let theirs: BTreeSet<&String> = stale.iter().chain(&at_risk).collect();
    assert!(offered.len() <= 25 && offered.len() >= theirs.len().min(25), "{offered:?}");
    assert!(offered.iter().take(stale.len()).all(|id| stale.contains(id)), "stale first: {offered:?}");
    assert!(offered.iter().take(theirs.len()).all(|id| theirs.contains(id)), "then at risk: {offered:?}");
    assert!(offered.iter().all(|id| want.owner.get(id) == Some(crm)), "every lead offered is theirs: {offered:?}");
    // Its buttons open the full views privately, leaving /mine in place.
    let t2 = fake.click(&custom_id(&m, "Open my stale"), None, &message_json(78, &m), &me, CHANNEL);
    let (view, _) = answer(fake, &t2).await;
    assert!(ephemeral(&view) && title(&view).contains("Stale"), "{view}");
    assert!(!fake.for_token(&t2).iter().any(|r| r.method == "PATCH"), "/mine's answer was not replaced");
    // The list it opened is theirs (the click is scoped by the clicker): its total is theirs.
    let mine_total = view["embeds"][0]["title"].as_str().unwrap().to_string();
    assert!(mine_total.ends_with(&format!("— {} leads", stale.len())), "{mine_total}");
    // /digest previews their own digest, not the team's.
    let t3 = fake.slash("digest", json!([]), &me, CHANNEL);
    let (d, _) = answer(fake, &t3).await;
    assert!(ephemeral(&d), "{d}");
    let e = embed(&d);
    assert!(e["title"].as_str().unwrap().starts_with("☀️ Your morning digest"), "{e}");
    let theirs = format!("**Stale** {} · **At risk** {}", stale.len(), at_risk.len());
    assert!(e["description"].as_str().unwrap().contains(&theirs), "{theirs}\n{e}");
    assert_eq!(fake.violations(), Vec::<String>::new());
}

/// How `who`'s personal DM ended (`None`: never tried, or still claimed).
fn done(db: &std::path::Path, who: &Who) -> Option<PersonalDone> {
    let c = Store::open(db).unwrap().connect().unwrap();
    let date: Option<String> = c
        .query_row("SELECT date FROM personal_digests WHERE discord_id = ?1", [who.user.to_string()], |r| r.get(0))
        .ok();
    let date = chrono::NaiveDate::parse_from_str(&date?, "%Y-%m-%d").ok()?;
    store::personal_digest_done(&c, date, who.user).unwrap()
}

/// Restarts the bot and waits until it has registered its commands for the `n`th time and
/// made its first scheduling decision.
async fn restart(bot: &mut TestBot, n: usize) {
    let _ = bot.child.start_kill();
    let _ = bot.child.wait().await;
    let log = bot.log.with_extension(format!("{n}.log"));
    bot.child = run_bot(&bot.cfg, &log);
    bot.fake
        .wait_for(60, |l| {
            (l.iter().filter(|r| r.method == "PUT" && r.path.ends_with("/commands")).count() >= n).then_some(())
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_personal_dm_goes_once_a_day_to_each_opted_in_member_with_only_their_leads() {
    // Opting in and out happens on a bot with no digest day, so nothing is sent meanwhile; the
    // restart below brings the morning's schedule.
    let quiet = format!("{NO_DIGEST}personal = true\n[roles]\nmember = [{MEMBER_ROLE}]\nmanager = [{MANAGER_ROLE}]\n");
    let mut bot = spawn_bot(&quiet).await;
    let tail = noon_somewhere();
    let zone = tail.split('"').nth(1).unwrap().parse().unwrap();
    let posts = |log: &[Recorded]| {
        log.iter().filter(|r| r.method == "POST" && r.path == format!("/channels/{CHANNEL}/messages")).count()
    };
    let team = |fake: &FakeDiscord| posts(&fake.requests());

    let want = expected(&bot.db, &RulesConfig { timezone: zone, ..RulesConfig::default() });
    // A manager in the CRM's role tree (synced from the sandbox), and their team computed here
    // from the tables on its own: roles below theirs, and who reports to them.
    let (mgr_crm, mgr_team): (String, Vec<String>) = {
        let c = Store::open(&bot.db).unwrap().connect().unwrap();
        let mgr: String = c
            .query_row(
                "SELECT u.id FROM users u JOIN crm_roles r ON r.id = u.role_id WHERE r.name = 'Sales Manager West'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let team: Vec<String> = crate::support::team_in_crm(&c, &mgr);
        (mgr, team)
    };
    assert!(mgr_team.len() > 1, "{mgr_team:?}");
    let mut owners: Vec<(&String, usize)> =
        want.stale.iter().filter(|(o, _)| !o.is_empty() && **o != mgr_crm).map(|(o, ids)| (o, ids.len())).collect();
    owners.sort_by_key(|(o, n)| (std::cmp::Reverse(*n), (*o).clone()));
    let (a_crm, c_crm, d_crm) = (owners[0].0.clone(), owners[1].0.clone(), owners[2].0.clone());
    {
        // A CRM user who owns nothing: their day has nothing in it.
        let c = Store::open(&bot.db).unwrap().connect().unwrap();
        c.execute("INSERT INTO users(id, name, status) VALUES ('nobody-1', 'Nora Nobody', 'active')", []).unwrap();
    }
    let (a, b, c, d, e) = (member(1), member(2), member(3), member(4), member(5));
    let boss = Who { user: 700_000_000_000_000_199, roles: vec![MANAGER_ROLE], admin: false, dm: false };
    // In the server with their roles (the DM's scope is read from Discord at send time).
    for w in [&a, &b, &c, &d, &e, &boss] {
        bot.fake.join_as(w.user, &w.roles);
    }
    link(&bot.db, &boss, &mgr_crm);
    link(&bot.db, &a, &a_crm);
    link(&bot.db, &b, "nobody-1");
    link(&bot.db, &c, &c_crm);
    link(&bot.db, &d, &d_crm);
    let set = |fake: &FakeDiscord, who: &Who, on: bool| {
        fake.slash("digest", json!([{"name": "personal", "type": 4, "value": if on { 0 } else { 1 }}]), who, CHANNEL)
    };
    for who in [&a, &b, &c, &d, &boss] {
        let t = set(&bot.fake, who, true);
        let (m, _) = answer(&bot.fake, &t).await;
        assert!(ephemeral(&m) && m["content"].as_str().unwrap().contains("you will get your own digest by DM"), "{m}");
    }
    // d changes their mind; e is not linked and is told so.
    let t = set(&bot.fake, &d, false);
    let (m, _) = answer(&bot.fake, &t).await;
    assert!(m["content"].as_str().unwrap().contains("no more personal morning DMs"), "{m}");
    let t = set(&bot.fake, &e, true);
    let (m, _) = answer(&bot.fake, &t).await;
    assert!(m["content"].as_str().unwrap().contains("/link you"), "{m}");
    bot.fake.close_dms(c.user);
    assert!(bot.fake.dms(a.user).is_empty() && team(&bot.fake) == 0);

    // The morning comes (a restart on the digest's schedule): the team digest, then the DMs.
    let text = std::fs::read_to_string(&bot.cfg).unwrap();
    std::fs::write(&bot.cfg, text.replace(NO_DIGEST, &tail)).unwrap();
    restart(&mut bot, 2).await;
    bot.fake.wait_for(60, |log| (posts(log) == 1).then_some(())).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while [&a, &b, &c, &boss].iter().any(|w| done(&bot.db, w).is_none()) {
        assert!(std::time::Instant::now() < deadline, "the personal DMs were not all done");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let dm = bot.fake.dms(a.user);
    assert_eq!(dm.len(), 1, "{dm:#?}");
    let e0 = &dm[0]["embeds"][0];
    assert!(e0["title"].as_str().unwrap().starts_with("☀️ Your morning digest"), "{e0}");
    let desc = e0["description"].as_str().unwrap();
    let n_at_risk = want.at_risk.get(&a_crm).map_or(0, BTreeSet::len);
    assert!(
        desc.contains(&format!("**Stale** {} · **At risk** {n_at_risk}", want.stale[&a_crm].len())),
        "only their leads: {desc}"
    );
    assert!(dm[0]["components"].as_array().is_none_or(|c| c.is_empty()), "no buttons in a DM: {}", dm[0]);
    // The manager's DM covers their team: the team's stale and at-risk leads, counted here.
    let count = |m: &BTreeMap<String, BTreeSet<String>>| {
        mgr_team.iter().map(|u| m.get(u).map_or(0, BTreeSet::len)).sum::<usize>()
    };
    let (team_stale, team_at_risk) = (count(&want.stale), count(&want.at_risk));
    assert!(team_stale > want.stale.get(&mgr_crm).map_or(0, BTreeSet::len), "the team has more than their own");
    let theirs = bot.fake.dms(boss.user);
    assert_eq!(theirs.len(), 1, "{theirs:#?}");
    let desc = theirs[0]["embeds"][0]["description"].as_str().unwrap();
    assert!(desc.contains(&format!("**Stale** {team_stale} · **At risk** {team_at_risk}")), "the team's: {desc}");
    assert!(matches!(done(&bot.db, &a), Some(PersonalDone::Sent(_))));
    assert!(bot.fake.dms(b.user).is_empty());
    assert_eq!(done(&bot.db, &b), Some(PersonalDone::Skipped("nothing needed them".into())));
    assert!(bot.fake.dms(c.user).is_empty());
    assert!(matches!(done(&bot.db, &c), Some(PersonalDone::Skipped(why)) if why.contains("50007")));
    assert!(bot.fake.dms(d.user).is_empty() && done(&bot.db, &d).is_none(), "opted out");
    assert!(bot.fake.dms(e.user).is_empty(), "not linked");
    let logged = std::fs::read_to_string(bot.log.with_extension("2.log")).unwrap();
    assert!(logged.contains("Discord refused the personal digest DM"), "the closed DM is logged");

    // Once a day: another restart sends nobody anything more.
    restart(&mut bot, 3).await;
    let t = set(&bot.fake, &a, false);
    let (m, _) = answer(&bot.fake, &t).await;
    assert!(m["content"].as_str().unwrap().contains("no more personal morning DMs"), "{m}");
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    assert_eq!(bot.fake.dms(a.user).len(), 1, "one DM per person per day");
    assert_eq!(team(&bot.fake), 1, "one team digest per day");
    assert_eq!(bot.fake.violations(), Vec::<String>::new());
    let _ = bot.child.start_kill();
}
