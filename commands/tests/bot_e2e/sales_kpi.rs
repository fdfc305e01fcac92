//! The sales KPI messages through the fake Discord, on the hand-written org (`sales_org.rs`):
//! /dashboard, /forecast, /sources and /activity as a rep, a manager and an executive, each
//! seeing their own numbers; the preset select changing the period; the custom range form (and
//! a bad date answered in words); a chart's segment opening the records behind it.

use chrono::Duration;
use panopticon::people::Scope;
use panopticon::sales::period::Preset;
use panopticon::views::sales::{SalesContext, SalesQuery, SalesSnapshot};
use serde_json::{json, Value};

use super::sales::{desc, executive, manager, option, pick, rep, select};
use super::sales_org::{self, dollars};
use crate::support::bot::*;
use crate::support::fake_discord::*;

/// `PANOPTICON_SAVE_CHARTS=dir` writes the images the bot sent there, to look at (as the
/// render tests do).
fn save(files: &[(String, Vec<u8>)]) {
    if let Some(dir) = std::env::var_os("PANOPTICON_SAVE_CHARTS") {
        for (name, png) in files {
            std::fs::write(std::path::Path::new(&dir).join(format!("sales-{name}")), png).unwrap();
        }
    }
}

fn line(m: &Value, label: &str) -> String {
    let d = desc(m);
    d.lines()
        .find(|l| l.starts_with(&format!("**{label}**")))
        .unwrap_or_else(|| panic!("no {label} in {d}"))
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kpis_per_person_with_presets_custom_ranges_and_segments() {
    let bot = spawn_bot(&sales_org::tail()).await;
    let fake = &bot.fake;
    let org = sales_org::write(&bot);
    let won = |d: &panopticon::sales::Deal| d.stage == "Closed Won";
    let open = |d: &panopticon::sales::Deal| !d.stage.starts_with("Closed");
    let mut seen = Vec::new();
    for (who, as_) in [(rep(), "rep"), (manager(), "manager"), (executive(), "exec")] {
        // Every deal of the org closes this month or next: this month's won revenue is each one's won deals.
        let t = fake.slash("dashboard", json!([]), &who, CHANNEL);
        let (m, files) = answer(fake, &t).await;
        assert_eq!(title(&m), "Sales dashboard");
        assert!(
            line(&m, "Won revenue").starts_with(&format!("**Won revenue**: {}", dollars(org.sum(as_, won)))),
            "{as_}: {}",
            desc(&m)
        );
        assert!(
            line(&m, "Open pipeline").starts_with(&format!("**Open pipeline**: {}", dollars(org.sum(as_, open)))),
            "{as_}"
        );
        // The scorecards as bullets, and this month's new leads per week as a line (the month
        // spans several weeks), its numbers written in the embed too.
        let names: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(names, ["dashboard.png", "lead-volume.png"], "{as_}");
        assert!(files.iter().all(|f| &f.1[..8] == b"\x89PNG\r\n\x1a\n"));
        assert!(desc(&m).contains("New leads by week (from Monday): "), "{as_}: {}", desc(&m));
        if as_ == "exec" {
            save(&files);
        }
        assert_eq!(fake.seen(&t)[0].ephemeral, as_ != "exec", "{as_}");
        seen.push(line(&m, "Open pipeline"));

        // The forecast: this month's weighted pipeline, amount × the stage's probability.
        let t = fake.slash("forecast", json!([]), &who, CHANNEL);
        let (f, files) = answer(fake, &t).await;
        if as_ == "exec" {
            save(&files);
        }
        let p = |s: &str| {
            [("Qualification", 10), ("Needs Analysis", 20), ("Proposal/Price Quote", 75), ("Negotiation/Review", 90)]
                .iter()
                .find(|x| x.0 == s)
                .map(|x| x.1)
                .unwrap_or(0)
        };
        let weighted: i64 = org
            .seen_by(as_)
            .iter()
            .filter(|d| open(d) && d.closing_date == Some(org.today))
            .map(|d| d.amount.unwrap() * p(&d.stage) / 100)
            .sum();
        let month = org.today.format("%b %Y").to_string();
        assert!(desc(&f).contains(&format!("weighted **{}**", dollars(weighted))), "{as_} {month}: {}", desc(&f));
        assert!(
            desc(&f).contains("historical conversion") || desc(&f).contains("**Historical**"),
            "the method is said"
        );
    }
    assert!(seen[0] != seen[2], "the rep and the executive see different pipelines: {seen:?}");

    // The activity: Dana's call, counted for her and for everyone, within a range typed as an option.
    let range = format!("{}..{}", org.today - Duration::days(10), org.today);
    let t = fake.slash("activity", json!([{"name": "period", "type": 3, "value": range}]), &rep(), CHANNEL);
    let (a, files) = answer(fake, &t).await;
    save(&files);
    assert!(line(&a, "Calls made").starts_with("**Calls made**: 1"), "{}", desc(&a));
    // Her segment: the call itself.
    let seg = select(&a, "person");
    let (t, calls) = pick(fake, &a, &seg, &option(&seg, "Dana"), &rep(), true).await;
    assert!(
        title(&calls).starts_with("Activity of Dana") && desc(&calls).contains("Pricing call with Ann"),
        "{calls:#}"
    );
    assert!(fake.seen(&t).iter().all(|m| m.ephemeral));

    // /sources: the new leads per source, as the view model counts them for each scope.
    let tz = chrono_tz::America::New_York;
    let snap = SalesSnapshot::load(&org.conn, tz).unwrap();
    let (sales, rules, teams) = Default::default();
    let ctx = SalesContext { sales: &sales, rules: &rules, teams: &teams, now: chrono::Utc::now() };
    let q = SalesQuery { preset: Preset::parse(&range).unwrap(), ..Default::default() };
    for (who, scope) in [(rep(), Scope::Owners([org.dana.clone()].into())), (executive(), Scope::Everyone)] {
        let v = panopticon::views::sales::sources::build(&snap, &ctx, &scope, &q);
        let t = fake.slash("sources", json!([{"name": "period", "type": 3, "value": range}]), &who, CHANNEL);
        let (s, files) = answer(fake, &t).await;
        assert!(
            line(&s, "All sources").starts_with(&format!("**All sources**: {} leads", v.overall.leads)),
            "{}",
            desc(&s)
        );
        assert_eq!(files[0].0, "sources.png");
        // The funnel comes beside the donut, its steps the embed's "All sources" numbers.
        assert_eq!(files.get(1).map(|f| f.0.as_str()), Some("lead-funnel.png"));
        save(&files);
    }

    // The executive's dashboard: the preset select moves it to last month (nothing won then).
    let t = fake.slash("dashboard", json!([]), &executive(), CHANNEL);
    let (m, _) = answer(fake, &t).await;
    let presets = select(&m, "Period");
    let (t2, last) = pick(fake, &m, &presets, "last-month", &executive(), false).await;
    assert_eq!(first_callback(fake, &t2), Some(6), "the shared dashboard is updated in place");
    let last_month = Preset::LastMonth.resolve(org.today);
    assert!(desc(&last).starts_with(&format!("**{}**", last_month.describe())), "{}", desc(&last));
    assert!(line(&last, "Won revenue").starts_with("**Won revenue**: $0"), "{}", desc(&last));

    // "Custom range…" opens the form; a bad date is answered in words; good dates apply.
    let t = fake.click(
        presets["custom_id"].as_str().unwrap(),
        Some(vec!["custom".into()]),
        &message_json(5, &m),
        &executive(),
        CHANNEL,
    );
    let modal = fake
        .wait_for(20, |log| {
            log.iter()
                .find(|r| r.path.contains(&format!("/{t}/callback")) && r.body["type"] == json!(9))
                .map(|r| r.body["data"].clone())
        })
        .await;
    let form_id = modal["custom_id"].as_str().unwrap().to_string();
    let t = fake.submit(
        &form_id,
        &[("first", "2026-02-30"), ("last", "2026-03-01")],
        Some(&message_json(5, &m)),
        &executive(),
        CHANNEL,
    );
    let said = last_content(fake, &t, "did not work").await;
    assert!(said.contains("2026-02-30") || said.contains("date"), "{said}");
    let (first, lastday) = (org.today - Duration::days(3), org.today);
    let t = fake.submit(
        &form_id,
        &[("first", &first.to_string()), ("last", &lastday.to_string())],
        Some(&message_json(5, &m)),
        &executive(),
        CHANNEL,
    );
    let (custom, _) = answer(fake, &t).await;
    let p = Preset::Custom { first, last: lastday }.resolve(org.today);
    assert!(desc(&custom).starts_with(&format!("**{}**", p.describe())), "{}", desc(&custom));
    assert!(line(&custom, "Won revenue").starts_with(&format!("**Won revenue**: {}", dollars(org.sum("exec", won)))));

    // A segment of the pipeline: the rep opens her Negotiation/Review deals.
    let t = fake.slash("dashboard", json!([]), &rep(), CHANNEL);
    let (mine, _) = answer(fake, &t).await;
    let stages = select(&mine, "deals of a stage");
    let (_, deals) = pick(fake, &mine, &stages, &option(&stages, "Negotiation/Review"), &rep(), true).await;
    assert_eq!(title(&deals), "Open deals in Negotiation/Review — 1");
    assert!(desc(&deals).contains("**Acme renewal**"), "{}", desc(&deals));
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}
