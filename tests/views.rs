//! Every view on data synced from the sandbox (fixed seed, fixed as_of): text snapshots with
//! insta, and checks that the models agree with the rules and with each other.

mod common;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use common::*;
use panopticon::config::RulesConfig;
use panopticon::rules::Status;
use panopticon::store;
use panopticon::views::calendar::{self, Period};
use panopticon::views::list::{self, ListKind};
use panopticon::views::{self, lead, locators, pipeline, Context, Filter, Snapshot, SortKey};
use panopticon_sandbox::generate;

struct Fixture {
    env: Env,
    snapshot: Snapshot,
    rules: RulesConfig,
    now: DateTime<Utc>,
}

impl Fixture {
    async fn new() -> Fixture {
        let env = Env::new(generate(&spec(700, 160, 480))).await;
        env.sync().await.unwrap();
        let snapshot = Snapshot::load(&env.conn()).unwrap();
        // "Now" is five minutes after the sync finished, so "last sync 5 min ago" is stable.
        let finished = DateTime::parse_from_rfc3339(&snapshot.last_good_run.as_ref().unwrap().finished_at).unwrap();
        Fixture {
            env,
            snapshot,
            rules: RulesConfig::default(),
            now: finished.with_timezone(&Utc) + Duration::minutes(5),
        }
    }

    fn ctx(&self) -> Context<'_> {
        self.ctx_at(Utc.with_ymd_and_hms(2026, 11, 20, 13, 0, 0).unwrap())
    }

    fn ctx_at(&self, as_of: DateTime<Utc>) -> Context<'_> {
        Context {
            as_of,
            now: self.now,
            rules: &self.rules,
            max_sync_age: std::time::Duration::from_secs(24 * 3600),
            crm_url: "https://crm.zoho.com/crm".into(),
        }
    }
}

fn stage_filter(stages: &[&str]) -> Filter {
    Filter { stages: stages.iter().map(|s| s.to_string()).collect(), ..Filter::default() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_view_as_text() {
    let f = Fixture::new().await;
    let ctx = f.ctx();
    let none = Filter::default();
    let s = &f.snapshot;
    insta::assert_snapshot!("stale", list::build(s, &ctx, ListKind::Stale, &none, None).table(&ctx, false));
    insta::assert_snapshot!("at_risk", list::build(s, &ctx, ListKind::AtRisk, &none, None).table(&ctx, false));
    let leads = Filter { locators: vec!["Kenji Watanabe".into()], ..Filter::default() };
    insta::assert_snapshot!("leads_kenji", list::build(s, &ctx, ListKind::Leads, &leads, None).table(&ctx, false));
    insta::assert_snapshot!(
        "calendar_week",
        calendar::build(s, &ctx, Period::week(ctx.today()), &none).table(&ctx, false)
    );
    insta::assert_snapshot!(
        "calendar_day",
        calendar::build(s, &ctx, Period::day(ctx.today()), &none).table(&ctx, false)
    );
    insta::assert_snapshot!("pipeline", pipeline::build(s, &ctx, &none).table(&ctx, false));
    insta::assert_snapshot!("locators", locators::build(s, &ctx, &none).table(&ctx, false));
    let stale = list::build(s, &ctx, ListKind::Stale, &none, None);
    let id = &stale.rows[0].id;
    let detail = lead::build(&f.env.conn(), s, &ctx, id).unwrap().unwrap();
    insta::assert_snapshot!("lead", detail.table(&ctx, false));
    // Empty states say so in words, never an empty table.
    let nobody = stage_filter(&["Delivered"]);
    insta::assert_snapshot!("stale_empty", list::build(s, &ctx, ListKind::Stale, &nobody, None).table(&ctx, false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_agree_with_the_rules_and_each_other() {
    let f = Fixture::new().await;
    let ctx = f.ctx();
    let s = &f.snapshot;
    let none = Filter::default();
    let all = views::assess_all(s, ctx.as_of, &f.rules);
    let stale = list::build(s, &ctx, ListKind::Stale, &none, None);
    let at_risk = list::build(s, &ctx, ListKind::AtRisk, &none, None);
    let leads = list::build(s, &ctx, ListKind::Leads, &none, None);
    assert_eq!(leads.total, all.len());
    assert_eq!(stale.total, all.iter().filter(|r| r.status == Status::Stale).count());
    assert_eq!(at_risk.total, all.iter().filter(|r| r.status == Status::AtRisk).count());
    assert!(stale.total > 5 && at_risk.total > 2, "the fixture exercises both lists");
    // Most overdue first.
    assert!(stale.rows.windows(2).all(|w| w[0].days_since_appointment >= w[1].days_since_appointment));
    assert!(stale.rows.iter().all(|r| r.days_since_appointment.unwrap() >= 7));
    assert!(at_risk.rows.iter().all(|r| (5..7).contains(&r.days_since_appointment.unwrap())));
    // Counts per locator add up.
    assert_eq!(stale.per_locator.iter().map(|c| c.count).sum::<usize>(), stale.total);
    // The accountability table counts the same leads.
    let loc = locators::build(s, &ctx, &none);
    assert_eq!(loc.total.stale as usize, stale.total);
    assert_eq!(loc.total.at_risk as usize, at_risk.total);
    assert_eq!(loc.total.appointed as usize, leads.total);
    for c in &stale.per_locator {
        let row = loc.rows.iter().find(|r| r.locator == c.locator).unwrap();
        assert_eq!(row.stale as usize, c.count, "{}", c.locator);
    }
    assert_eq!(loc.rows.iter().map(|r| r.appointed).sum::<u64>(), loc.total.appointed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_combine_and_sorts_order() {
    let f = Fixture::new().await;
    let ctx = f.ctx();
    let s = &f.snapshot;
    let all = list::build(s, &ctx, ListKind::Leads, &Filter::default(), None);
    let loc = all.rows[0].locator.clone().unwrap();
    let filter = Filter {
        stages: vec!["Appt Set".into(), "Follow Up".into()],
        locators: vec![loc.clone()],
        statuses: vec![Status::Stale, Status::AtRisk],
        from: Some(NaiveDate::from_ymd_opt(2026, 10, 1).unwrap()),
        to: Some(NaiveDate::from_ymd_opt(2026, 11, 18).unwrap()),
    };
    let v = list::build(s, &ctx, ListKind::Leads, &filter, None);
    let expected: Vec<&str> = all
        .rows
        .iter()
        .filter(|r| {
            let d = r.appointment_at.unwrap().date_in(f.rules.timezone);
            matches!(r.stage.as_deref(), Some("Appt Set" | "Follow Up"))
                && r.locator.as_deref() == Some(loc.as_str())
                && matches!(r.status, Status::Stale | Status::AtRisk)
                && d >= filter.from.unwrap()
                && d <= filter.to.unwrap()
        })
        .map(|r| r.id.as_str())
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(v.rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), expected);
    assert_eq!(v.header.filters.len(), 4);

    for key in [SortKey::Appointment, SortKey::Stage, SortKey::Locator, SortKey::Name, SortKey::DaysInStage] {
        let v = list::build(s, &ctx, ListKind::Leads, &Filter::default(), Some(key));
        assert_eq!(v.total, all.total);
        let ok = v.rows.windows(2).all(|w| match key {
            SortKey::Appointment => w[0].appointment_at >= w[1].appointment_at,
            SortKey::Stage => w[0].stage <= w[1].stage,
            SortKey::Locator => w[0].locator <= w[1].locator,
            SortKey::Name => w[0].name <= w[1].name,
            SortKey::DaysInStage => w[0].days_in_stage >= w[1].days_in_stage,
            _ => unreachable!(),
        });
        assert!(ok, "{key:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calendar_holds_every_appointment_of_the_period_once() {
    let f = Fixture::new().await;
    let ctx = f.ctx();
    let s = &f.snapshot;
    let month = Period::month(ctx.today());
    let v = calendar::build(s, &ctx, month, &Filter::default());
    assert_eq!(v.days.len(), 30);
    let tz = f.rules.timezone;
    // Counted through the store's own query, not the snapshot the view read.
    let expected = store::appointments_by_lead(&f.env.conn())
        .unwrap()
        .values()
        .flatten()
        .filter(|a| {
            let d = a.start.date_in(tz);
            d >= month.from && d <= month.to
        })
        .count();
    assert_eq!(v.total, expected);
    for d in &v.days {
        assert!(d.appointments.iter().all(|i| i.at.unwrap().date_in(tz) == d.date));
        assert!(d.appointments.windows(2).all(|w| w[0].at <= w[1].at));
        assert_eq!(d.worst, d.appointments.iter().map(|i| i.status).min_by_key(|s| s.urgency()));
    }
    // Navigation: the months before and after, and the pieces add up to the whole.
    assert_eq!(v.prev.to + Duration::days(1), month.from);
    assert_eq!(v.next.from - Duration::days(1), month.to);
    let weeks: usize = [Period::week(month.from), Period::week(month.from).next()]
        .iter()
        .map(|w| {
            calendar::build(s, &ctx, *w, &Filter::default())
                .days
                .iter()
                .filter(|d| d.date.format("%m").to_string() == "11")
                .map(|d| d.appointments.len())
                .sum::<usize>()
        })
        .sum();
    let first_two_weeks: usize =
        v.days.iter().filter(|d| d.date <= Period::week(month.from).next().to).map(|d| d.appointments.len()).sum();
    assert_eq!(weeks, first_two_weeks);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lead_story_adds_up() {
    let f = Fixture::new().await;
    let ctx = f.ctx();
    let s = &f.snapshot;
    let c = f.env.conn();
    let mut unknown = 0;
    for r in &views::assess_all(s, ctx.as_of, &f.rules) {
        let d = lead::build(&c, s, &ctx, &r.id).unwrap().unwrap();
        assert_eq!(d.status, Some(r.status));
        assert_eq!(d.days_in_stage, r.days_in_stage);
        assert_eq!(d.lead.zoho_url, format!("https://crm.zoho.com/crm/tab/Leads/{}", r.id));
        // The spells run from creation (when the history was read) to now without gaps, and
        // end in the current stage.
        let spells = &d.stages;
        let stored = store::get_lead(&c, &r.id).unwrap().unwrap();
        if stored.history_known {
            assert_eq!(spells.first().unwrap().from, Some(stored.created_at));
        } else {
            // Closed before the first sync: the timeline was never read, so the start of the
            // first spell, and the days in stage, are unknown rather than guessed.
            assert_eq!((spells.first().unwrap().from, d.days_in_stage), (None, None));
            assert_eq!(r.status, Status::Closed);
            unknown += 1;
        }
        assert!(spells.windows(2).all(|w| w[0].to == w[1].from));
        assert_eq!(spells.last().unwrap().stage, r.stage);
        assert_eq!(spells.len(), d.history.len() + 1);
    }
    assert!(unknown > 0, "the fixture has leads closed before the first sync");
    assert!(lead::build(&c, s, &ctx, "3652397999999999999").unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipeline_counts_and_conversion() {
    let f = Fixture::new().await;
    let ctx = f.ctx();
    let s = &f.snapshot;
    let p = pipeline::build(s, &ctx, &Filter::default());
    let (leads, converted) =
        f.env.sandbox.org(|o| (o.leads.len() as u64, o.leads.values().filter(|l| l.converted).count() as u64));
    assert_eq!(p.stages.iter().map(|c| c.leads).sum::<u64>() + p.converted, leads);
    assert_eq!(p.converted, converted);
    // Appointed leads are some of the leads, row by row.
    assert!(p.stages.iter().all(|c| c.appointed <= c.leads), "{:?}", p.stages);
    assert!(p.converted_appointed <= p.converted);
    let appointed: u64 = p.stages.iter().map(|c| c.appointed).sum::<u64>() + p.converted_appointed;
    assert_eq!(appointed as usize, views::assess_all(s, ctx.as_of, &f.rules).len());
    let c = &p.conversion;
    assert!(c.appointed > 0 && c.reached_green <= c.appointed && c.reached_delivered <= c.reached_green);
    assert!(p.green.iter().all(|g| f.rules.green_stages.contains(&g.stage)));
    assert!(p.green.iter().all(|g| g.stuck == g.days_in_stage.is_some_and(|d| d >= 14)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn views_warn_when_the_data_is_old_or_the_last_sync_failed() {
    let f = Fixture::new().await;
    let s = &f.snapshot;
    let mut ctx = f.ctx();
    assert_eq!(list::build(s, &ctx, ListKind::Stale, &Filter::default(), None).header.warning, None);
    ctx.now += Duration::hours(30);
    let w = list::build(s, &ctx, ListKind::Stale, &Filter::default(), None).header.warning.unwrap();
    assert!(w.contains("The data is 30 h old"), "{w}");
    f.env.sandbox.inject(panopticon_sandbox::FaultRule::new(panopticon_sandbox::Fault::ServerError).always());
    let mut env_zoho = f.env.zoho.clone();
    env_zoho.max_retries = 0;
    let client = panopticon::crm::zoho::ZohoClient::new(&env_zoho, f.env.settings.appointments.clone()).unwrap();
    panopticon::sync::run(&f.env.store, &client, &f.env.settings, false, &panopticon::sync::NoProgress)
        .await
        .unwrap_err();
    let s2 = Snapshot::load(&f.env.conn()).unwrap();
    let ctx = f.ctx();
    let v = list::build(&s2, &ctx, ListKind::Stale, &Filter::default(), None);
    let w = v.header.warning.unwrap();
    assert!(w.starts_with("The last sync failed") && w.contains("showing data from"), "{w}");
    // The data shown is the last good data.
    assert_eq!(v.total, list::build(s, &ctx, ListKind::Stale, &Filter::default(), None).total);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_digest_compares_with_the_previous_one() {
    let f = Fixture::new().await;
    let ctx = f.ctx();
    let first = panopticon::digest::compose(&f.snapshot, &ctx, None);
    assert!(first.headlines.iter().all(|h| h.delta.is_none()) && first.new.is_empty(), "nothing to compare with");
    assert!(first.stale.total > 3);
    // Yesterday had 3 fewer stale leads, and two of today's were not on it.
    let mut prev = first.record.clone();
    prev.date = "2026-11-19".into();
    prev.stale -= 3;
    let gone: Vec<String> = prev.stale_ids.drain(..2).collect();
    let today = panopticon::digest::compose(&f.snapshot, &ctx, Some(&prev));
    assert_eq!(today.headlines[0].delta, Some(3));
    assert_eq!(today.headlines[0].show(), format!("{} ▲3", first.stale.total));
    assert_eq!(today.headlines[1].show(), format!("{} =", first.at_risk.total));
    assert_eq!(today.new, gone.iter().cloned().collect());
    let marked: Vec<&str> =
        today.stale.rows.iter().filter(|r| r.name.starts_with("NEW · ")).map(|r| r.id.as_str()).collect();
    assert_eq!(marked.len(), 2);
    // Grouped by locator.
    assert!(today.stale.rows.windows(2).all(|w| w[0].locator <= w[1].locator));
    assert!(today.text(&ctx).contains("2 new since the last digest"));
    // A day with nothing to do says so in one line.
    let dawn = f.ctx_at(Utc.with_ymd_and_hms(2025, 1, 1, 13, 0, 0).unwrap());
    let quiet = panopticon::digest::compose(&f.snapshot, &dawn, None);
    assert!(quiet.quiet);
    assert_eq!(quiet.text(&dawn).lines().count(), 2, "{}", quiet.text(&dawn));
    assert!(quiet.summary().starts_with("Nothing needs you today"));
}
