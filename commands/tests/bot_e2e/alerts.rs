//! The alerts pass in the real bot against the fake Discord, on the real clock: the first pass
//! is a baseline (nothing posted); a lead going cold after it is posted exactly once — one
//! message with its name, the table image and the drill-down — and never again after a re-sync
//! or a restart; a pass with nothing new posts nothing.

use panopticon::store::Store;
use serde_json::json;

use crate::support::bot::*;
use crate::support::fake_discord::*;

/// Every day, any hour: the real clock's day must not hold the pass; no escalation noise.
const ALERTS: &str =
    "[alerts]\ndays = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\", \"Sun\"]\nescalate_after_days = 60\n";

fn alert_posts(fake: &FakeDiscord) -> Vec<Recorded> {
    fake.requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == format!("/channels/{CHANNEL}/messages"))
        .filter(|r| {
            r.body["embeds"][0]["footer"]["text"].as_str().is_some_and(|f| f.starts_with("Panopticon alerts #"))
        })
        .collect()
}

fn passes(db: &std::path::Path) -> Vec<(i64, String)> {
    let c = Store::open_read_only(db).unwrap().connect().unwrap();
    let mut st = c.prepare("SELECT id, state FROM alert_passes ORDER BY id").unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(|r| r.unwrap()).collect()
}

async fn until(what: &str, mut f: impl FnMut() -> bool) {
    for _ in 0..200 {
        if f() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lead_going_cold_is_posted_once_and_never_again() {
    let mut bot = spawn_bot(&format!("{NO_DIGEST}[sync]\nrefresh_cooldown = 0\n{ALERTS}")).await;
    let me = Who::member();
    // The first pass, at start: a baseline — what is already late is recorded, not posted.
    until("the baseline pass", || passes(&bot.db).first().is_some_and(|p| p.1 == "baseline")).await;
    assert!(alert_posts(&bot.fake).is_empty(), "the baseline posts nothing");
    // A stale lead the baseline did not see (as if it had just crossed): forget its record.
    let (lead, name): (String, String) = {
        let c = panopticon::store::Connection::open(&bot.db).unwrap();
        let lead: String = c
            .query_row("SELECT lead_id FROM alerts WHERE tier = 'stale' ORDER BY lead_id LIMIT 1", [], |r| r.get(0))
            .unwrap();
        c.execute("DELETE FROM alerts WHERE lead_id = ?1 AND tier = 'stale'", [&lead]).unwrap();
        let name = c.query_row("SELECT full_name FROM leads WHERE id = ?1", [&lead], |r| r.get(0)).unwrap();
        (lead, name)
    };
    // /refresh: after the sync, the pass posts it — once, with the image and the drill-down.
    let t = bot.fake.slash("refresh", json!([]), &me, CHANNEL);
    last_content(&bot.fake, &t, "✅").await;
    until("the alert message", || !alert_posts(&bot.fake).is_empty()).await;
    let posts = alert_posts(&bot.fake);
    let m = &posts[0];
    let e = &m.body["embeds"][0];
    assert_eq!(e["title"], "🔔 Going cold — 1 new item", "{e}");
    let d = e["description"].as_str().unwrap();
    assert!(d.contains(&format!("**{name}**")) && d.contains("newly stale"), "{d}");
    assert!(d.contains("**New:** 1 stale"), "{d}");
    assert_eq!(m.files.len(), 1);
    assert!(m.files[0].0 == "alert.png" && m.files[0].1.starts_with(b"\x89PNG"));
    let select = &m.body["components"][0]["components"][0];
    assert_eq!(select["options"][0]["value"], lead.as_str(), "{select}");
    assert!(select["placeholder"].as_str().unwrap().contains("Open a lead's story"));
    until("the pass marked sent", || passes(&bot.db).iter().any(|p| p.1 == "sent")).await;
    // Picking the lead opens its story privately.
    let id = select["custom_id"].as_str().unwrap().to_string();
    let click = bot.fake.click(&id, Some(vec![lead.clone()]), &message_json(77, &m.body), &me, CHANNEL);
    let (story, _) = answer(&bot.fake, &click).await;
    assert!(title(&story).contains(&name), "{}", title(&story));

    // A re-sync: nothing new, nothing posted.
    let t = bot.fake.slash("refresh", json!([]), &me, CHANNEL);
    last_content(&bot.fake, &t, "✅").await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(alert_posts(&bot.fake).len(), 1, "said once");
    // A restart: its first pass finds nothing new either.
    let _ = bot.child.start_kill();
    let _ = bot.child.wait().await;
    bot.child = run_bot(&bot.cfg, &bot.log);
    bot.fake.ready().await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(alert_posts(&bot.fake).len(), 1, "not again after a restart");
    assert_eq!(passes(&bot.db).iter().filter(|p| p.1 == "sent").count(), 1);
    assert_eq!(bot.fake.violations(), Vec::<String>::new());
}

/// The stale leads now, by locator (the bot's rules are the defaults).
fn stale_now(db: &std::path::Path) -> Vec<panopticon::alerts::Transition> {
    let c = Store::open_read_only(db).unwrap().connect().unwrap();
    let snap = panopticon::views::Snapshot::load(&c).unwrap();
    let rules = panopticon::config::RulesConfig::default();
    panopticon::alerts::current(&snap, chrono::Utc::now(), &rules, &[panopticon::alerts::Tier::Stale])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escalations_and_thresholds_once_each_and_a_closed_dm_does_not_stop_the_message() {
    const ROLE_UP: u64 = 900000000000000777;
    const LOCATOR: u64 = 900000000000000555;
    let tail = format!("{NO_DIGEST}[sync]\nrefresh_cooldown = 0\n{ALERTS}dm_locators = true\n");
    let tail =
        tail.replace("escalate_after_days = 60", &format!("escalate_after_days = 2\nescalation_role = {ROLE_UP}"));
    let mut bot = spawn_bot(&tail).await;
    let me = Who::member();
    until("the baseline pass", || passes(&bot.db).first().is_some_and(|p| p.1 == "baseline")).await;
    let _ = bot.child.start_kill();
    let _ = bot.child.wait().await;
    // The locator with the most stale leads, linked, with their DMs closed.
    let stale = stale_now(&bot.db);
    let mut per: std::collections::BTreeMap<String, Vec<&panopticon::alerts::Transition>> = Default::default();
    for t in &stale {
        per.entry(t.owner_id.clone().unwrap()).or_default().push(t);
    }
    let (owner, theirs) = per.iter().max_by_key(|(_, v)| v.len()).unwrap();
    let k = theirs.len();
    assert!(k >= 2, "a locator with two stale leads");
    let lead = theirs[0].lead_id.clone();
    let name = theirs[0].row.name.clone();
    let out = crate::support::panopticon(&bot.cfg)
        .args(["people", "link", &LOCATOR.to_string(), owner])
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    bot.fake.join(LOCATOR);
    bot.fake.close_dms(LOCATOR);
    {
        let c = panopticon::store::Connection::open(&bot.db).unwrap();
        c.execute("DELETE FROM alerts WHERE lead_id = ?1 AND tier = 'stale'", [&lead]).unwrap();
    }
    // Their stale count is k: a line at k - 1 is crossed.
    let mut cfg = std::fs::read_to_string(&bot.cfg).unwrap();
    cfg.push_str(&format!("[[alerts.threshold]]\nmetric = \"locator_stale\"\nabove = {}\n", k - 1));
    std::fs::write(&bot.cfg, cfg).unwrap();
    bot.child = run_bot(&bot.cfg, &bot.log);
    bot.fake.ready().await;
    until("the alert message", || !alert_posts(&bot.fake).is_empty()).await;
    let posts = alert_posts(&bot.fake);
    let m = &posts[0];
    let content = m.body["content"].as_str().unwrap_or_default();
    let d = m.body["embeds"][0]["description"].as_str().unwrap();
    // The new item, its locator mentioned although their DM was refused.
    assert!(content.contains(&format!("<@{LOCATOR}>")), "{content}");
    assert!(d.contains(&format!("<@{LOCATOR}>")) && d.contains(&format!("**{name}**")), "{d}");
    // Escalations: stale leads nobody followed up, to the role (no manager is linked).
    assert!(d.contains("**⬆️ Escalated** (") && d.contains("with no follow-up"), "{d}");
    assert!(content.contains(&format!("<@&{ROLE_UP}>")), "{content}");
    // The threshold, crossed.
    let locator = theirs[0].row.locator.clone().unwrap();
    assert!(d.contains(&format!("⚠️ crossed: {locator}'s stale leads: {k} — above the line of {}", k - 1)), "{d}");
    assert!(bot.fake.dms(LOCATOR).is_empty(), "closed: nothing delivered, nothing fatal");
    until("the pass marked sent", || passes(&bot.db).iter().any(|p| p.1 == "sent")).await;

    // One of their stale leads is lost: back to k - 1, recovered — once; no escalation again.
    let closed = theirs[1].lead_id.clone();
    bot.sandbox.org(|o| {
        o.set_stage(&closed, "Lost Lead", 0);
    });
    let t = bot.fake.slash("refresh", json!([]), &me, CHANNEL);
    last_content(&bot.fake, &t, "✅").await;
    until("the recovery", || alert_posts(&bot.fake).len() == 2).await;
    let posts = alert_posts(&bot.fake);
    let d = posts[1].body["embeds"][0]["description"].as_str().unwrap();
    assert!(d.contains(&format!("✅ recovered: {locator}'s stale leads: back to {}", k - 1)), "{d}");
    assert!(!d.contains("Escalated"), "escalated once: {d}");
    let t = bot.fake.slash("refresh", json!([]), &me, CHANNEL);
    last_content(&bot.fake, &t, "✅").await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(alert_posts(&bot.fake).len(), 2, "nothing new: nothing posted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_digest_folds_the_new_items_and_no_pass_posts_them_again() {
    let bot = spawn_bot(&format!("{NO_DIGEST}[sync]\nrefresh_cooldown = 0\n{ALERTS}")).await;
    let me = Who::member();
    until("the baseline pass", || passes(&bot.db).first().is_some_and(|p| p.1 == "baseline")).await;
    {
        let c = panopticon::store::Connection::open(&bot.db).unwrap();
        c.execute("DELETE FROM alerts WHERE tier = 'stale' AND lead_id IN (SELECT lead_id FROM alerts WHERE tier = 'stale' ORDER BY lead_id LIMIT 2)", []).unwrap();
    }
    let out =
        crate::support::panopticon(&bot.cfg).arg("digest").env("DISCORD_TOKEN", DISCORD_TOKEN).output().await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let digest: Vec<Recorded> = bot
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == format!("/channels/{CHANNEL}/messages"))
        .collect();
    assert_eq!(digest.len(), 1);
    let content = digest[0].body["content"].as_str().unwrap_or_default();
    assert_eq!(
        content,
        "🔔 Since the last alerts: **2** newly stale · **0** newly at risk · **0** newly stuck in green"
    );
    assert!(passes(&bot.db).iter().any(|p| p.1 == "folded"));
    // The bot's next pass finds them said: no separate alert message.
    let t = bot.fake.slash("refresh", json!([]), &me, CHANNEL);
    last_content(&bot.fake, &t, "✅").await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert!(alert_posts(&bot.fake).is_empty(), "folded items are never posted by a pass");
}
