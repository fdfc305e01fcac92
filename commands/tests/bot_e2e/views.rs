//! The views as a member uses them: a stale list paged, filtered and drilled into, every
//! command with its options, autocomplete, and /help following the configured thresholds.

use panopticon::config::RulesConfig;
use panopticon::store::Store;
use panopticon::views::list::{self, ListKind};
use panopticon::views::state::{short_hash, ViewState};
use panopticon::views::{Context, Filter, Snapshot};
use serde_json::{json, Value};

use crate::support::bot::*;
use crate::support::fake_discord::*;

fn expected_stale(db: &std::path::Path) -> usize {
    let store = Store::open(db).unwrap();
    let s = Snapshot::load(&store.connect().unwrap()).unwrap();
    let rules = RulesConfig::default();
    let ctx = Context {
        as_of: chrono::Utc::now(),
        now: chrono::Utc::now(),
        rules: &rules,
        max_sync_age: std::time::Duration::from_secs(86400),
        crm_url: String::new(),
    };
    list::build(&s, &ctx, ListKind::Stale, &Filter::default(), None).total
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_pages_filters_and_drills_down() {
    let bot = spawn_bot(NO_DIGEST).await;
    let fake = &bot.fake;
    let me = Who::member();
    let token = fake.slash("stale", json!([]), &me, CHANNEL);
    let (msg, files) = answer(fake, &token).await;
    // Deferred first, within the deadline, then the view.
    assert!(
        fake.for_token(&token).iter().any(|r| r.path.ends_with("/callback") && r.body["type"] == json!(5)),
        "deferred"
    );
    let total = expected_stale(&bot.db);
    assert!(total > 25, "more than a page of stale leads");
    let e = embed(&msg);
    assert_eq!(e["title"], json!(format!("🔴 Stale — {total} leads")));
    let desc = e["description"].as_str().unwrap();
    assert!(
        desc.contains("By locator:")
            && desc.contains(&format!("rows 1–25 of {total}"))
            && desc.contains("Last synced <t:"),
        "{desc}"
    );
    assert_eq!(files.len(), 1);
    assert_eq!(&files[0].1[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(e["image"]["url"], json!(format!("attachment://{}", files[0].0)));
    let comps = components(&msg);
    assert_eq!(button(&comps, "Previous")["disabled"], json!(true));
    for c in &comps {
        ViewState::parse(c["custom_id"].as_str().unwrap(), &view_key(&bot.db), chrono::Utc::now())
            .expect("every custom_id is ours and valid");
    }

    // Next page, then back.
    let next = button(&comps, "Next")["custom_id"].as_str().unwrap().to_string();
    let message = message_json(1, &msg);
    let t2 = fake.click(&next, None, &message, &me, CHANNEL);
    let (page2, _) = answer(fake, &t2).await;
    assert!(
        fake.for_token(&t2).iter().any(|r| r.path.ends_with("/callback") && r.body["type"] == json!(6)),
        "acknowledged, then edited in place"
    );
    assert!(embed(&page2)["description"].as_str().unwrap().contains(&format!("rows 26–50 of {total}")));
    let comps2 = components(&page2);
    let prev = button(&comps2, "Previous")["custom_id"].as_str().unwrap().to_string();
    let t3 = fake.click(&prev, None, &message_json(2, &page2), &me, CHANNEL);
    let (page1, _) = answer(fake, &t3).await;
    assert!(embed(&page1)["description"].as_str().unwrap().contains(&format!("rows 1–25 of {total}")));

    // Filter by stage with the select.
    let stage_select = comps.iter().find(|c| c["placeholder"].as_str().is_some_and(|p| p.contains("stage"))).unwrap();
    let t4 = fake.click(
        stage_select["custom_id"].as_str().unwrap(),
        Some(vec![short_hash("Appt Set")]),
        &message,
        &me,
        CHANNEL,
    );
    let (filtered, _) = answer(fake, &t4).await;
    let fd = embed(&filtered)["description"].as_str().unwrap();
    assert!(fd.contains("Filters: stage = Appt Set"), "{fd}");

    // Drill down into the first lead on the page.
    let drill = comps.iter().find(|c| c["placeholder"].as_str().is_some_and(|p| p.contains("story"))).unwrap();
    let first = &drill["options"][0];
    let t5 = fake.click(
        drill["custom_id"].as_str().unwrap(),
        Some(vec![first["value"].as_str().unwrap().to_string()]),
        &message,
        &me,
        CHANNEL,
    );
    let (story, files) = answer(fake, &t5).await;
    let name = first["label"].as_str().unwrap().split(" — ").next().unwrap();
    assert!(embed(&story)["title"].as_str().unwrap().starts_with(name), "{story}");
    assert!(embed(&story)["description"].as_str().unwrap().contains("Open in Zoho CRM"));
    assert!(files[0].0.starts_with("lead-"));
    // The story is the clicker's alone; the team's list stays as it was.
    let shown = fake.seen(&t5);
    assert_eq!(shown.len(), 1, "{shown:#?}");
    assert!(shown[0].ephemeral, "the story opens privately: {shown:#?}");
    assert_eq!(first_callback(fake, &t5), Some(5), "a new (private) message, not an update of the list");
    assert!(!fake.for_token(&t5).iter().any(|r| r.method == "PATCH"), "the shared list was not replaced");

    // Filter by one locator, then switch to another from the same select, without clearing.
    let loc_select = |comps: &[Value]| {
        comps.iter().find(|c| c["placeholder"].as_str().is_some_and(|p| p.contains("locator"))).cloned().unwrap()
    };
    let options = |select: &Value| -> Vec<(String, String, bool)> {
        select["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                let label = o["label"].as_str().unwrap();
                let name = label.rsplit_once(" (").map_or(label, |(n, _)| n).to_string();
                (name, o["value"].as_str().unwrap().to_string(), o["default"].as_bool().unwrap_or(false))
            })
            .collect()
    };
    let all = options(&loc_select(&comps));
    assert!(all.len() >= 2 && all.iter().all(|o| !o.2), "{all:?}");
    let t6 = fake.click(
        loc_select(&comps)["custom_id"].as_str().unwrap(),
        Some(vec![all[0].1.clone()]),
        &message,
        &me,
        CHANNEL,
    );
    let (one, _) = answer(fake, &t6).await;
    assert!(embed(&one)["description"].as_str().unwrap().contains(&format!("locator = {}", all[0].0)), "{one}");
    let after = options(&loc_select(&components(&one)));
    let names = |v: &[(String, String, bool)]| v.iter().map(|o| o.1.clone()).collect::<Vec<_>>();
    assert_eq!(names(&after), names(&all), "every locator is still offered");
    let marked: Vec<&str> = after.iter().filter(|o| o.2).map(|o| o.0.as_str()).collect();
    assert_eq!(marked, vec![all[0].0.as_str()], "the current one is marked");
    let t7 = fake.click(
        loc_select(&components(&one))["custom_id"].as_str().unwrap(),
        Some(vec![all[1].1.clone()]),
        &message_json(5, &one),
        &me,
        CHANNEL,
    );
    let (other, _) = answer(fake, &t7).await;
    let od = embed(&other)["description"].as_str().unwrap();
    assert!(od.contains(&format!("locator = {}", all[1].0)) && !od.contains(&all[0].0), "{od}");

    assert_eq!(fake.violations(), Vec::<String>::new(), "every payload within Discord's limits");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_answers_and_autocomplete_suggests() {
    let bot = spawn_bot(NO_DIGEST).await;
    let fake = &bot.fake;
    let me = Who::member();
    for (cmd, opts, expect) in [
        ("atrisk", json!([]), "At risk"),
        // Choices are registered as integers: "at risk" is 1, "this month" is 2.
        ("leads", json!([{"name": "status", "type": 4, "value": 1}]), "Appointed leads"),
        ("calendar", json!([{"name": "period", "type": 4, "value": 2}]), "appointment"),
        ("pipeline", json!([]), "Pipeline"),
        ("locators", json!([]), "Locators"),
    ] {
        let t = fake.slash(cmd, opts, &me, CHANNEL);
        let (m, files) = answer(fake, &t).await;
        assert!(embed(&m)["title"].as_str().unwrap_or("").contains(expect), "{cmd}: {m}");
        assert!(!files.is_empty() && files.iter().all(|f| f.1.starts_with(b"\x89PNG")), "{cmd} attaches PNGs");
    }
    // A date range and an order; the state survives a click.
    let opts = json!([
        {"name": "from", "type": 3, "value": "2026-01-01"},
        {"name": "to", "type": 3, "value": "2030-12-31"},
        {"name": "sort", "type": 4, "value": 4}
    ]);
    let t = fake.slash("leads", opts, &me, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    let d = embed(&m)["description"].as_str().unwrap();
    assert!(d.contains("appointment 2026-01-01 – 2030-12-31"), "{d}");
    let next = components(&m).into_iter().find(|c| c["label"].as_str().is_some_and(|l| l.contains("Next"))).unwrap();
    let st = ViewState::parse(next["custom_id"].as_str().unwrap(), &view_key(&bot.db), chrono::Utc::now()).unwrap();
    assert_eq!(
        (st.from.unwrap().to_string(), st.sort),
        ("2026-01-01".to_string(), Some(panopticon::views::SortKey::Name))
    );
    let bad =
        json!([{"name": "from", "type": 3, "value": "2026-12-01"}, {"name": "to", "type": 3, "value": "2026-01-01"}]);
    let t = fake.slash("leads", bad, &me, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    assert!(m["content"].as_str().unwrap_or("").contains("from 2026-12-01 is after to 2026-01-01"), "{m}");

    // The status select on /leads, and a custom calendar range with its navigation.
    let t = fake.slash("leads", json!([]), &me, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    let comps = components(&m);
    let status = comps.iter().find(|c| c["placeholder"].as_str().is_some_and(|p| p.contains("status"))).unwrap();
    let t = fake.click(
        status["custom_id"].as_str().unwrap(),
        Some(vec!["at_risk".into()]),
        &message_json(3, &m),
        &me,
        CHANNEL,
    );
    let (m, _) = answer(fake, &t).await;
    assert!(embed(&m)["description"].as_str().unwrap().contains("status = at_risk"), "{m}");
    let range =
        json!([{"name": "from", "type": 3, "value": "2026-11-02"}, {"name": "to", "type": 3, "value": "2026-11-11"}]);
    let t = fake.slash("calendar", range, &me, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    assert!(embed(&m)["title"].as_str().unwrap().contains("2026-11-02 – 2026-11-11"), "{m}");
    let next = components(&m).into_iter().find(|c| c["label"].as_str().is_some_and(|l| l.contains("Next"))).unwrap();
    let t = fake.click(next["custom_id"].as_str().unwrap(), None, &message_json(4, &m), &me, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    assert!(embed(&m)["title"].as_str().unwrap().contains("2026-11-12 – 2026-11-21"), "{m}");

    let t = fake.slash("status", json!([]), &me, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    assert!(m["content"].as_str().unwrap().contains("Last sync"), "{m}");

    let t = fake.autocomplete("lead", "name", "Riv", &me);
    let choices = fake
        .wait_for(20, |log| log.iter().find(|r| r.path.contains(&format!("/{t}/callback"))).map(|r| r.body.clone()))
        .await;
    assert_eq!(choices["type"], json!(8));
    let list = choices["data"]["choices"].as_array().unwrap();
    assert!(!list.is_empty() && list.len() <= 25);
    assert!(list.iter().all(|c| c["name"].as_str().unwrap().to_lowercase().contains("riv")), "{list:?}");

    let t = fake.slash("stale", json!([{"name": "stage", "type": 3, "value": "Folow Up"}]), &me, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    assert!(m["content"].as_str().unwrap_or("").contains("did you mean 'Follow Up'"), "{m}");
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_follows_the_thresholds_and_its_lead_example_offers_the_matches() {
    let bot = spawn_bot("[digest]\ndays = []\n[rules]\nstale_days = 10\nat_risk_days = 4\n").await;
    let fake = &bot.fake;
    let me = Who::member();
    let t = fake.slash("help", json!([]), &me, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    let help = m["content"].as_str().unwrap();
    assert!(help.contains("passed 10+ days ago") && help.contains("(4+ days, not yet 10)"), "{help}");
    assert!(!help.contains("7+"), "{help}");
    let registered = fake.requests().into_iter().find(|r| r.method == "PUT" && r.path.ends_with("/commands")).unwrap();
    let stale = registered.body.as_array().unwrap().iter().find(|c| c["name"] == json!("stale")).unwrap().clone();
    assert!(stale["description"].as_str().unwrap().contains("10+ days"), "{stale}");

    // The help's own example: a company several leads share is a choice, not an error.
    let example = help.split("`/lead name:").nth(1).and_then(|r| r.split('`').next()).unwrap().to_string();
    let t = fake.slash("lead", json!([{"name": "name", "type": 3, "value": example}]), &me, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    assert!(!m["content"].as_str().unwrap_or("").contains("Sorry"), "{m}");
    let d = embed(&m)["description"].as_str().unwrap();
    assert!(d.contains(&format!("**{example}** matches")) && d.contains("pick one"), "{d}");
    let pick = components(&m).into_iter().find(|c| c["type"] == json!(3)).expect("a select of the matches");
    let offered = pick["options"].as_array().unwrap();
    assert!(offered.len() >= 2, "{offered:?}");
    assert!(offered.iter().all(|o| o["label"].as_str().unwrap().contains(&example)), "{offered:?}");
    let chosen = &offered[1];
    let t2 = fake.click(
        pick["custom_id"].as_str().unwrap(),
        Some(vec![chosen["value"].as_str().unwrap().to_string()]),
        &message_json(8, &m),
        &me,
        CHANNEL,
    );
    let (story, files) = answer(fake, &t2).await;
    let name = chosen["label"].as_str().unwrap().split(" — ").next().unwrap();
    assert!(embed(&story)["title"].as_str().unwrap().starts_with(name), "{story}");
    assert!(files[0].0.starts_with("lead-"));
    assert_eq!(first_callback(fake, &t2), Some(6), "the choice is replaced by the story, in place");
    assert_eq!(fake.violations(), Vec::<String>::new());
}
