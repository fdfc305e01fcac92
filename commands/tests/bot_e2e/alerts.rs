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
