//! `/deals` and `/search` tell what `panopticon report deals|search` tells: on the hand-written
//! sales org, the executive's `/deals` (each sort, a closing range, a least amount) has the
//! total line and first rows of the CLI's JSON for the same question, and `/search` offers the
//! records `report search` finds. The CLI is run as a person would, on the bot's own database.

use serde_json::{json, Value};

use super::sales::{desc, executive, select};
use super::sales_org::{self, dollars};
use crate::support::bin::run;
use crate::support::bot::*;
use crate::support::fake_discord::CHANNEL;

/// `panopticon report --format json <args>` on the bot's config.
async fn cli(bot: &TestBot, args: &[&str]) -> Value {
    let mut all = vec!["report", "--format", "json"];
    all.extend_from_slice(args);
    let (code, out, err) = run(&bot.cfg, &all).await;
    assert_eq!(code, Some(0), "{args:?}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deals_and_search_say_what_the_cli_says() {
    let bot = spawn_bot(&sales_org::tail()).await;
    let fake = &bot.fake;
    let org = sales_org::write(&bot);
    let month = panopticon::sales::period::Preset::ThisMonth.resolve(org.today);
    let range = format!("{}..{}", month.from, month.to.pred_opt().unwrap());
    // (Discord's options, the CLI's flags for the same question.)
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!([]), vec!["--sort", "closing"]),
        (json!([{"name": "sort", "type": 4, "value": 1}]), vec!["--sort", "amount"]),
        (json!([{"name": "sort", "type": 4, "value": 2}]), vec!["--sort", "furthest"]),
        (json!([{"name": "sort", "type": 4, "value": 3}]), vec!["--sort", "recent"]),
        (
            json!([{"name": "closing", "type": 3, "value": "this-month"}, {"name": "min_amount", "type": 4, "value": 150}]),
            vec!["--sort", "closing", "--closing", range.as_str(), "--min-amount", "150"],
        ),
    ];
    for (options, flags) in cases {
        let t = fake.slash("deals", options.clone(), &executive(), CHANNEL);
        let (m, _) = answer(fake, &t).await;
        let mut args = vec!["deals", "--limit", "10"];
        args.extend(flags.iter().copied());
        let v = cli(&bot, &args).await;
        let cents = (v["total_amount"].as_f64().unwrap() * 100.0).round() as i64;
        assert_eq!(title(&m), format!("Deals — {} ({})", v["total"], dollars(cents)), "{options}: {m:#}");
        let rows = v["deals"].as_array().unwrap();
        assert!(!rows.is_empty(), "{args:?} lists something");
        let d = desc(&m);
        for (i, r) in rows.iter().enumerate() {
            let want = format!("{}. **{}** · {}", i + 1, r["name"].as_str().unwrap(), r["stage"].as_str().unwrap());
            assert!(d.contains(&want), "{options}: row {want} in {d}");
        }
    }

    // /search lists (and offers to open) exactly the deals, accounts and contacts the CLI finds.
    for q in ["deal", "ac"] {
        let t = fake.slash("search", json!([{"name": "query", "type": 3, "value": q}]), &executive(), CHANNEL);
        let (m, _) = answer(fake, &t).await;
        let v = cli(&bot, &["search", q, "--limit", "500"]).await;
        let hits: Vec<&Value> = v["hits"].as_array().unwrap().iter().filter(|h| h["kind"] != "lead").collect();
        assert!(hits.len() > 1, "{q}: {v:#}");
        let open = select(&m, "Open one");
        let mut offered: Vec<String> = open["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["value"].as_str().unwrap().to_string())
            .filter(|v| !v.starts_with('L'))
            .collect();
        let mut found: Vec<String> = hits
            .iter()
            .map(|h| {
                let letter = match h["kind"].as_str().unwrap() {
                    "deal" => "D",
                    "account" => "A",
                    _ => "C",
                };
                format!("{letter}{}", h["id"].as_str().unwrap())
            })
            .collect();
        offered.sort();
        found.sort();
        assert_eq!(offered, found, "{q}: {open:#} against {v:#}");
    }
}
