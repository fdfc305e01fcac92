//! /subscribe and /unsubscribe as members meet them, and the sender behind them: a member
//! subscribes and reads the next three sends in local time; /subscribe lists it; a bad schedule
//! is explained; a due slot is DMed once — not again after a restart — with only the member's
//! own leads; closed DMs are recorded as skipped and not retried; /unsubscribe stops it.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, TimeZone, Timelike, Utc, Weekday};
use panopticon::config::RulesConfig;
use panopticon::store::{self, Store};
use panopticon::views::list::{self, ListKind};
use panopticon::views::{Context, Filter, Snapshot};
use serde_json::{json, Value};

use crate::support::bot::*;
use crate::support::fake_discord::*;

/// The Discord role configured as `[roles] member`.
const MEMBER_ROLE: u64 = 900_000_000_000_000_410;
const NY: chrono_tz::Tz = chrono_tz::America::New_York;

fn member(n: u64) -> Who {
    Who { user: 700_000_000_000_000_400 + n, roles: vec![MEMBER_ROLE], admin: false, dm: false }
}

/// `/subscribe` with these options (`what` by its index among the choices: 0 team digest,
/// 1 my alerts, 2 weekly locator report), and what it answered.
async fn subscribe(fake: &FakeDiscord, who: &Who, what: Option<u64>, when: Option<&str>) -> Value {
    let mut opts = vec![];
    if let Some(w) = what {
        opts.push(json!({"name": "what", "type": 4, "value": w}));
    }
    if let Some(w) = when {
        opts.push(json!({"name": "when", "type": 3, "value": w}));
    }
    let t = fake.slash("subscribe", Value::Array(opts), who, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    assert!(m["flags"].as_u64().is_some_and(|f| f & 64 != 0), "private: {m}");
    m
}

fn content(m: &Value) -> &str {
    m["content"].as_str().unwrap_or_default()
}

/// Stale and at-risk counts per CRM user, from the whole data and each lead's owner.
fn counts(db: &std::path::Path) -> BTreeMap<String, (usize, usize)> {
    let s = Snapshot::load(&Store::open(db).unwrap().connect().unwrap()).unwrap();
    let (now, rules) = (Utc::now(), RulesConfig::default());
    let ctx = Context {
        as_of: now,
        now,
        rules: &rules,
        max_sync_age: std::time::Duration::from_secs(86400),
        crm_url: String::new(),
    };
    let mut out: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (kind, stale) in [(ListKind::Stale, true), (ListKind::AtRisk, false)] {
        for r in list::build(&s, &ctx, kind, &Filter::default(), None).rows {
            let owner = s.lead(&r.id).and_then(|l| l.owner_id.clone()).unwrap_or_default();
            let e = out.entry(owner).or_default();
            if stale {
                e.0 += 1
            } else {
                e.1 += 1
            }
        }
    }
    out
}

/// The next three Mondays 09:00 in New York after `now`, as the reply shows them.
fn next_mondays(now: DateTime<Utc>) -> Vec<String> {
    let mut day = now.with_timezone(&NY).date_naive();
    let mut out = vec![];
    while out.len() < 3 {
        if day.weekday() == Weekday::Mon {
            let t = NY.from_local_datetime(&day.and_hms_opt(9, 0, 0).unwrap()).single().unwrap();
            if t > now {
                out.push(t.format("%a %d %b %H:%M %Z").to_string());
            }
        }
        day = day.succ_opt().unwrap();
    }
    out
}

/// A cron expression matching only the minute of `t` in New York (once a year).
fn cron_at(t: DateTime<Utc>) -> String {
    let l = t.with_timezone(&NY);
    format!("{} {} {} {} *", l.minute(), l.hour(), l.day(), l.month())
}

fn sub_id(db: &std::path::Path, who: &Who, kind: store::SubscriptionKind) -> i64 {
    let c = Store::open(db).unwrap().connect().unwrap();
    store::subscriptions_of(&c, who.user).unwrap().into_iter().find(|s| s.kind == kind).unwrap().id
}

/// Every recorded send of subscription `id`: (state, message id or why).
fn sends(db: &std::path::Path, id: i64) -> Vec<(String, String)> {
    let c = Store::open(db).unwrap().connect().unwrap();
    let mut st =
        c.prepare("SELECT state, COALESCE(message_id, '') FROM subscription_sends WHERE subscription_id = ?1").unwrap();
    st.query_map([id], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
}

/// Restarts the bot and waits until it has registered its commands for the `n`th time.
async fn restart(bot: &mut TestBot, n: usize) {
    let _ = bot.child.start_kill();
    let _ = bot.child.wait().await;
    bot.child = run_bot(&bot.cfg, &bot.log.with_extension(format!("{n}.log")));
    bot.fake
        .wait_for(60, |l| {
            (l.iter().filter(|r| r.method == "PUT" && r.path.ends_with("/commands")).count() >= n).then_some(())
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_is_listed_sent_once_scoped_to_its_member_and_stopped() {
    let mut bot = spawn_bot(&format!("{NO_DIGEST}[roles]\nmember = [{MEMBER_ROLE}]\n")).await;
    let want = counts(&bot.db);
    let mut owners: Vec<(&String, &(usize, usize))> = want.iter().filter(|(o, _)| !o.is_empty()).collect();
    owners.sort_by_key(|(o, n)| (std::cmp::Reverse(n.0), (*o).clone()));
    let (a_crm, b_crm) = (owners[0].0.clone(), owners[1].0.clone());
    let team_stale: usize = want.values().map(|n| n.0).sum();
    assert!(want[&a_crm].0 > 0 && want[&a_crm].0 < team_stale, "{want:?}");
    let (a, b, c) = (member(1), member(2), member(3));
    for w in [&a, &b, &c] {
        bot.fake.join_as(w.user, &w.roles);
    }
    {
        let mut conn = Store::open(&bot.db).unwrap().connect().unwrap();
        store::link(&mut conn, a.user, &a_crm, "test", Utc::now()).unwrap().unwrap();
        store::link(&mut conn, b.user, &b_crm, "test", Utc::now()).unwrap().unwrap();
    }

    // Nothing yet; an unlinked member may not have "my alerts", and is told why.
    assert!(content(&subscribe(&bot.fake, &a, None, None).await).contains("You have no subscriptions"));
    let m = subscribe(&bot.fake, &c, Some(1), None).await;
    assert!(content(&m).contains("Ask a coordinator to /link you"), "{m}");

    // The weekly report with its default schedule: the next three Mondays 09:00, zone named.
    let now = Utc::now();
    let m = subscribe(&bot.fake, &a, Some(2), None).await;
    let said = content(&m);
    assert!(
        said.contains(
            "Subscribed: the **weekly locator report** by DM, mondays 09:00 (`0 9 * * 1`), in America/New_York."
        ),
        "{said}"
    );
    assert!(said.contains(&format!("Next sends: {}", next_mondays(now).join(" · "))), "{said}");
    // A schedule that is not one: why, and one that works.
    let m = subscribe(&bot.fake, &a, Some(0), Some("every morning")).await;
    let said = content(&m);
    assert!(said.contains("has 2 fields") && said.contains("Try \"weekdays 08:00\""), "{said}");
    // Listed (the bad one was not kept).
    let m = subscribe(&bot.fake, &a, None, None).await;
    let said = content(&m);
    assert!(said.contains("• **weekly locator report** — mondays 09:00 (`0 9 * * 1`); next: "), "{said}");
    assert!(!said.contains("team digest"), "{said}");
    // b subscribes too, with DMs closed.
    subscribe(&bot.fake, &b, Some(2), Some("fridays 16:00")).await;
    bot.fake.close_dms(b.user);

    // Both made due: a slot two minutes ago, subscribed an hour ago; then a restart.
    let (a_id, b_id) = (
        sub_id(&bot.db, &a, store::SubscriptionKind::WeeklyLocators),
        sub_id(&bot.db, &b, store::SubscriptionKind::WeeklyLocators),
    );
    {
        let conn = Store::open(&bot.db).unwrap().connect().unwrap();
        let slot = Utc::now() - Duration::minutes(2);
        let hour_ago = (Utc::now() - Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        conn.execute(
            "UPDATE subscriptions SET schedule = ?1, created_at = ?2 WHERE id IN (?3, ?4)",
            (cron_at(slot), hour_ago, a_id, b_id),
        )
        .unwrap();
    }
    restart(&mut bot, 2).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while bot.fake.dms(a.user).is_empty() || sends(&bot.db, b_id).first().is_none_or(|(s, _)| s == "claimed") {
        assert!(
            std::time::Instant::now() < deadline,
            "not sent: {:?} {:?}",
            sends(&bot.db, a_id),
            sends(&bot.db, b_id)
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let dm = bot.fake.dms(a.user);
    assert_eq!(dm.len(), 1, "{dm:#?}");
    let e = &dm[0]["embeds"][0];
    assert_eq!(e["title"], "Locators", "{e}");
    // Only their own leads: the report counts a's stale and at-risk leads, not the team's.
    let (stale, at_risk) = want[&a_crm];
    let desc = e["description"].as_str().unwrap();
    assert!(desc.starts_with(&format!("{stale} stale · {at_risk} at risk · ")), "{stale}/{at_risk}: {desc}");
    let foot = e["footer"]["text"].as_str().unwrap();
    assert!(foot.starts_with(&format!("Panopticon subscription {a_id} ")) && foot.contains("/unsubscribe"), "{foot}");
    assert!(dm[0]["components"].as_array().is_none_or(|c| c.is_empty()), "no buttons in a DM");
    assert!(matches!(&sends(&bot.db, a_id)[..], [(s, id)] if s == "sent" && !id.is_empty()));
    let b_sends = sends(&bot.db, b_id);
    assert!(matches!(&b_sends[..], [(s, why)] if s == "skipped" && why.contains("50007")), "{b_sends:?}");

    // A team digest subscription due at the next minute, stopped before it comes.
    subscribe(&bot.fake, &a, Some(0), None).await;
    let t_id = sub_id(&bot.db, &a, store::SubscriptionKind::TeamDigest);
    let mut slot = Utc::now() + Duration::seconds(20);
    slot += Duration::seconds(60 - i64::from(slot.second()));
    {
        let conn = Store::open(&bot.db).unwrap().connect().unwrap();
        conn.execute("UPDATE subscriptions SET schedule = ?1 WHERE id = ?2", (cron_at(slot), t_id)).unwrap();
    }
    let t = bot.fake.slash("unsubscribe", json!([{"name": "what", "type": 4, "value": 0}]), &a, CHANNEL);
    let (m, _) = answer(&bot.fake, &t).await;
    assert!(content(&m).contains("Done: no more **team digest** by DM."), "{m}");
    let m = subscribe(&bot.fake, &a, None, None).await;
    assert!(!content(&m).contains("team digest") && content(&m).contains("weekly locator report"), "{m}");
    tokio::time::sleep((slot - Utc::now()).to_std().unwrap_or_default() + std::time::Duration::from_secs(1)).await;

    // After that slot, a restart: nothing sent twice, nothing retried, nothing unsubscribed.
    restart(&mut bot, 3).await;
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    assert_eq!(bot.fake.dms(a.user).len(), 1, "once per slot, and no team digest after /unsubscribe");
    assert_eq!(sends(&bot.db, b_id).len(), 1, "closed DMs are not retried");
    assert!(sends(&bot.db, t_id).is_empty());
    let logged = std::fs::read_to_string(bot.log.with_extension("2.log")).unwrap();
    assert!(logged.contains("Discord refused the subscription DM"), "the closed DM is logged");
    assert_eq!(bot.fake.violations(), Vec::<String>::new());
    let _ = bot.child.start_kill();
}
