//! The rules on data synced from the sandbox, for the cases the CRM's habits make hard: a user
//! renamed in Zoho, all-day meetings sent from another zone, an upcoming lead's appointment,
//! business days in stage, and lists cut for Discord. Every expected number is hand-checked
//! from the dates in the test.

mod common;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use common::*;
use panopticon::config::RulesConfig;
use panopticon::digest;
use panopticon::rules::Status;
use panopticon::store;
use panopticon::views::calendar::{self, Period};
use panopticon::views::input::FilterInput;
use panopticon::views::list::{self, ListKind};
use panopticon::views::{self, lead, locators, Context, Filter, LeadRow, Snapshot};
use panopticon_sandbox::{generate, Org, Spec};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn ctx(rules: &RulesConfig, as_of: DateTime<Utc>) -> Context<'_> {
    Context {
        as_of,
        now: as_of,
        rules,
        max_sync_age: std::time::Duration::from_secs(1_000_000_000),
        crm_url: "https://crm.zoho.com/crm".into(),
    }
}

/// An org with three locators and no leads, its API user in `user_tz`.
fn bare_org(user_tz: chrono_tz::Tz) -> Org {
    generate(&Spec {
        seed: 3,
        leads: 0,
        appointed: 0,
        events: 0,
        locators: 3,
        now: now(),
        user_tz,
        appointments_module: false,
        sales: panopticon_sandbox::SalesSpec::none(),
    })
}

fn rules_in(tz: chrono_tz::Tz) -> RulesConfig {
    RulesConfig { timezone: tz, ..RulesConfig::default() }
}

fn row_of(s: &Snapshot, c: &Context, id: &str) -> LeadRow {
    views::assess_all(s, c.as_of, c.rules).into_iter().find(|r| r.id == id).expect("lead is appointed")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renamed_user_is_shown_by_the_current_name_everywhere() {
    let env = Env::new(generate(&spec(80, 40, 70))).await;
    env.sync().await.unwrap();
    let before = Snapshot::load(&env.conn()).unwrap();
    let rules = RulesConfig::default();
    let c = ctx(&rules, now());
    let all = views::assess_all(&before, c.as_of, &rules);
    // The locator with the most appointed leads.
    let loc = locators::build(&before, &c, &Filter::default());
    let old = loc.rows.iter().max_by_key(|r| r.appointed).unwrap().clone();
    let owned: Vec<String> =
        all.iter().filter(|r| r.locator.as_deref() == Some(old.locator.as_str())).map(|r| r.id.clone()).collect();
    assert!(owned.len() >= 2, "the fixture gives the locator leads");
    let user_id = env.sandbox.org(|o| o.users.iter().find(|u| u.full_name() == old.locator).unwrap().id.clone());

    // Renamed in Zoho: the user's Modified_Time moves, the leads' does not.
    env.sandbox.org(|o| o.rename_user(&user_id, "Dana", "Okafor-Reyes"));
    let report = env.sync().await.unwrap();
    assert_eq!((report.created, report.updated), (0, 0), "no lead was re-read");
    let new = "Dana Okafor-Reyes";
    let s = Snapshot::load(&env.conn()).unwrap();

    // Every list row, its per-locator count and text, the locators table.
    let rows = views::assess_all(&s, c.as_of, &rules);
    for id in &owned {
        assert_eq!(rows.iter().find(|r| &r.id == id).unwrap().locator.as_deref(), Some(new), "lead {id}");
    }
    assert!(rows.iter().all(|r| r.locator.as_deref() != Some(old.locator.as_str())));
    let leads = list::build(&s, &c, ListKind::Leads, &Filter::default(), None);
    let count = leads.per_locator.iter().find(|p| p.locator == new).map(|p| p.count);
    assert_eq!(count, Some(owned.len()));
    assert!(leads.per_locator.iter().all(|p| p.locator != old.locator));
    let text = leads.table(&c, false);
    assert!(text.contains(new) && !text.contains(&old.locator), "{text}");
    let loc = locators::build(&s, &c, &Filter::default());
    let row = loc.rows.iter().find(|r| r.locator == new).expect("a row under the new name");
    assert_eq!((row.appointed, row.stale, row.at_risk), (old.appointed, old.stale, old.at_risk));
    assert!(loc.rows.iter().all(|r| r.locator != old.locator));

    // Filters and choices (CLI --locator, Discord's autocomplete and select) know the new name.
    let known = s.known_locators();
    assert!(known.iter().any(|k| k == new) && !known.contains(&old.locator), "{known:?}");
    let filter = FilterInput { locators: vec![new.into()], ..FilterInput::default() }
        .parse(&s.known_stages(&rules), &known)
        .unwrap();
    assert_eq!(list::build(&s, &c, ListKind::Leads, &filter, None).total, owned.len());
    assert!(FilterInput { locators: vec![old.locator.clone()], ..FilterInput::default() }
        .parse(&s.known_stages(&rules), &known)
        .is_err());

    // One lead's story, and a search for it.
    let detail = lead::build(&env.conn(), &s, &c, &owned[0]).unwrap().unwrap();
    assert_eq!(detail.lead.locator.as_deref(), Some(new));
    let found = store::search_leads(&env.conn(), &detail.lead.name, 10).unwrap();
    let hit = found.iter().find(|l| l.id.as_str() == owned[0]).unwrap();
    assert_eq!(hit.locator.as_ref().map(|u| u.name.as_str()), Some(new));

    // At a past as_of the name is still the current one.
    let past = ctx(&rules, now() - Duration::days(2));
    let then = views::assess_all(&s, past.as_of, &rules);
    let theirs: Vec<&LeadRow> = then.iter().filter(|r| owned.contains(&r.id)).collect();
    assert!(!theirs.is_empty(), "the locator had leads then");
    assert!(theirs.iter().all(|r| r.locator.as_deref() == Some(new)));

    // A user the users table does not know falls back to the name stored with the lead.
    env.conn().execute("DELETE FROM users WHERE id = ?1", [&user_id]).unwrap();
    let s = Snapshot::load(&env.conn()).unwrap();
    assert_eq!(row_of(&s, &c, &owned[0]).locator.as_deref(), Some(old.locator.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_all_day_meeting_from_an_api_user_east_of_the_business_zone_keeps_its_date() {
    // The API user is in India, the business in New York. Zoho sends the all-day meeting on
    // Mon 23 Nov as 2026-11-23T00:00:00+05:30 — 13:30 on Sun 22 Nov in New York.
    let mut org = bare_org(chrono_tz::Asia::Kolkata);
    let id = org.add_lead("Asha", "Rao", "Chai Point", 0);
    org.add_all_day_event(&id, d("2026-11-23"));
    let env = Env::new(org).await;
    env.sync().await.unwrap();
    let (start, offset): (String, i32) = env
        .conn()
        .query_row("SELECT start_at, start_offset FROM appointments", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!((start.as_str(), offset), ("2026-11-22T18:30:00Z", 19800), "stored as sent");
    let s = Snapshot::load(&env.conn()).unwrap();
    let rules = rules_in(chrono_tz::America::New_York);

    // Sunday evening: tomorrow's meeting.
    let sun = ctx(&rules, at("2026-11-22T20:00:00-05:00"));
    assert_eq!(row_of(&s, &sun, &id).status, Status::Upcoming);
    // Monday morning: today's, 0 days.
    let mon = ctx(&rules, at("2026-11-23T08:00:00-05:00"));
    let r = row_of(&s, &mon, &id);
    assert_eq!((r.status, r.days_since_appointment), (Status::Awaiting, Some(0)));
    // Sun 29 Nov: day 6, at risk (counted from the 22nd it would be 7, stale).
    let c = ctx(&rules, at("2026-11-29T09:00:00-05:00"));
    let r = row_of(&s, &c, &id);
    assert_eq!((r.status, r.days_since_appointment), (Status::AtRisk, Some(6)));
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["appointment_at"], "2026-11-23T00:00:00-05:00");
    assert_eq!(json["appointment_all_day"], true);
    let text = list::build(&s, &c, ListKind::AtRisk, &Filter::default(), None).table(&c, false);
    assert!(text.contains("2026-11-23 all day"), "{text}");
    assert_eq!(list::build(&s, &c, ListKind::Stale, &Filter::default(), None).total, 0);
    // --from/--to filter on its own date.
    let on_23 = Filter { from: Some(d("2026-11-23")), to: Some(d("2026-11-23")), ..Filter::default() };
    assert_eq!(list::build(&s, &c, ListKind::Leads, &on_23, None).total, 1);

    // The calendar puts it on Monday, all day; Sunday is empty.
    let cal = calendar::build(&s, &c, Period::range(d("2026-11-22"), d("2026-11-23")), &Filter::default());
    let per_day: Vec<(String, Vec<String>)> = cal
        .days
        .iter()
        .map(|x| (x.date.to_string(), x.appointments.iter().map(|i| i.time.clone()).collect()))
        .collect();
    assert_eq!(per_day, [("2026-11-22".to_string(), vec![]), ("2026-11-23".to_string(), vec!["all day".to_string()])]);

    // The lead's story, and Monday's digest counts it as today's appointment.
    let detail = lead::build(&env.conn(), &s, &mon, &id).unwrap().unwrap();
    assert!(detail.table(&mon, false).contains("2026-11-23 all day"));
    assert!(detail.appointments[0].past, "on its own day it is today's, not upcoming");
    let dg = digest::compose(&s, &mon, None);
    assert_eq!(dg.today.total, 1);
    assert_eq!(dg.today_line(12).as_deref(), Some("Today: all day Asha Rao (awaiting)"));
    let dg = digest::compose(&s, &sun, None);
    assert_eq!(dg.today.total, 0, "not on Sunday's digest");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_all_day_meeting_from_an_api_user_west_of_the_business_zone_keeps_its_date() {
    // The business is on Kiritimati (+14), the API user in Honolulu (−10): Zoho's midnight on
    // Mon 23 Nov (2026-11-23T00:00:00-10:00) is already 00:00 on Tue 24 Nov in Kiritimati.
    let mut org = bare_org(chrono_tz::Pacific::Honolulu);
    let id = org.add_lead("Keoni", "Kahale", "Poke Bar", 1);
    org.add_all_day_event(&id, d("2026-11-23"));
    let env = Env::new(org).await;
    env.sync().await.unwrap();
    let s = Snapshot::load(&env.conn()).unwrap();
    let rules = rules_in(chrono_tz::Pacific::Kiritimati);

    // Noon on the 23rd in Kiritimati: today's meeting, not tomorrow's.
    let mon = ctx(&rules, at("2026-11-23T12:00:00+14:00"));
    let r = row_of(&s, &mon, &id);
    assert_eq!((r.status, r.days_since_appointment), (Status::Awaiting, Some(0)));
    // Mon 30 Nov is day 7: stale (counted from the 24th it would be 6, at risk).
    let c = ctx(&rules, at("2026-11-30T09:00:00+14:00"));
    let r = row_of(&s, &c, &id);
    assert_eq!((r.status, r.days_since_appointment), (Status::Stale, Some(7)));
    assert_eq!(serde_json::to_value(&r).unwrap()["appointment_at"], "2026-11-23T00:00:00+14:00");
    let cal = calendar::build(&s, &c, Period::range(d("2026-11-23"), d("2026-11-24")), &Filter::default());
    let counts: Vec<usize> = cal.days.iter().map(|x| x.appointments.len()).collect();
    assert_eq!(counts, [1, 0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upcoming_lead_shows_its_next_appointment() {
    let mut org = bare_org(chrono_tz::America::New_York);
    let id = org.add_lead("Mara", "Lind", "Lind Laundromat", 0);
    let past = now() - Duration::days(3);
    let next = now() + Duration::days(4);
    org.add_appointment(&id, past);
    org.add_appointment(&id, next);
    let env = Env::new(org).await;
    env.sync().await.unwrap();
    let s = Snapshot::load(&env.conn()).unwrap();
    let rules = RulesConfig::default();
    let c = ctx(&rules, now() + Duration::hours(1));
    let r = row_of(&s, &c, &id);
    assert_eq!(r.status, Status::Upcoming);
    assert_eq!(r.appointment_at.map(|a| a.utc()), Some(next));
    assert_eq!(r.next_appointment_at.map(|a| a.utc()), Some(next));
    // Days since still count from the meeting that passed.
    assert_eq!(r.days_since_appointment, Some(3));
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["appointment_at"], json["next_appointment_at"]);
    let text = list::build(&s, &c, ListKind::Leads, &Filter::default(), None).table(&c, false);
    assert!(text.contains("2026-11-24 09:00"), "{text}");
    // Once it has passed, it is the reference.
    let later = ctx(&rules, next + Duration::hours(1));
    let r = row_of(&s, &later, &id);
    assert_eq!((r.status, r.appointment_at.map(|a| a.utc())), (Status::Awaiting, Some(next)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn business_days_count_days_in_stage() {
    // Appointment Thu 19 Nov; moved to Follow Up on Fri 20 Nov (the sandbox's "now", 09:0x in
    // New York). On Mon 30 Nov that is 10 calendar days, 6 business days (23–27, 30).
    let mut org = bare_org(chrono_tz::America::New_York);
    let id = org.add_lead("Otto", "Berg", "Berg Bakery", 2);
    org.add_appointment(&id, now() - Duration::days(1));
    org.set_stage(&id, "Follow Up", 2);
    let env = Env::new(org).await;
    env.sync().await.unwrap();
    let s = Snapshot::load(&env.conn()).unwrap();
    let as_of = at("2026-11-30T09:00:00-05:00");
    let calendar_days = RulesConfig::default();
    let business = RulesConfig { business_days: true, ..RulesConfig::default() };
    let r = row_of(&s, &ctx(&calendar_days, as_of), &id);
    assert_eq!((r.status, r.days_in_stage), (Status::Progressed, Some(10)));
    let c = ctx(&business, as_of);
    assert_eq!(row_of(&s, &c, &id).days_in_stage, Some(6));
    let detail = lead::build(&env.conn(), &s, &c, &id).unwrap().unwrap();
    assert_eq!(detail.days_in_stage, Some(6));
    assert!(detail.table(&c, false).contains("Stage:    Follow Up (6 days)"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_digest_says_how_many_it_left_out() {
    // 26 appointments today, 9 stale leads across three locators.
    let mut org = bare_org(chrono_tz::America::New_York);
    let today = now() + Duration::days(3); // Mon 23 Nov, 09:00 New York
    for i in 0..26 {
        let id = org.add_lead(&format!("Lead{i:02}"), "Today", "Co", i);
        org.add_appointment(&id, today + Duration::minutes(10 * i as i64));
    }
    for i in 0..9 {
        let id = org.add_lead(&format!("Gone{i}"), "Cold", "Co", i);
        org.add_appointment(&id, now() - Duration::days(10));
    }
    let env = Env::new(org).await;
    env.sync().await.unwrap();
    let s = Snapshot::load(&env.conn()).unwrap();
    let rules = RulesConfig::default();
    let c = ctx(&rules, at("2026-11-23T08:00:00-05:00"));
    let dg = digest::compose(&s, &c, None);
    assert_eq!(dg.today.total, 26);
    let line = dg.today_line(12).unwrap();
    assert!(line.starts_with("Today: 09:00 Lead00 Today (upcoming); 09:10 Lead01 Today (upcoming);"), "{line}");
    assert!(line.ends_with("; 10:50 Lead11 Today (upcoming); +14 more"), "{line}");
    assert_eq!(line.matches("(upcoming)").count(), 12);
    assert_eq!(dg.today_line(26).unwrap().matches("(upcoming)").count(), 26);
    assert!(!dg.today_line(26).unwrap().contains("more"));
    assert_eq!(dg.stale.total, 9);
    // Nine stale leads over four owners: 3, 2, 2, 2. Two shown, two left out, and said so.
    let by = dg.locator_line(2).unwrap();
    assert!(by.starts_with("Stale + at risk by locator: ") && by.contains(" 3 · "), "{by}");
    assert!(by.ends_with(" 2 · +2 more"), "{by}");
    assert!(!dg.locator_line(4).unwrap().contains("more"));
    assert_eq!(views::join_capped(Vec::<String>::new(), 3, ", "), "");
    assert_eq!(views::join_capped(["a".to_string()], 0, ", "), "+1 more");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_digest_card_says_how_many_locators_it_left_out() {
    // Twelve locators with one stale lead each: the card draws eight bars and says the rest.
    let mut org = generate(&Spec { locators: 12, ..spec(0, 0, 0) });
    for i in 0..12 {
        let id = org.add_lead(&format!("Cold{i:02}"), "Lead", "Co", i);
        org.add_appointment(&id, now() - Duration::days(10));
    }
    let env = Env::new(org).await;
    env.sync().await.unwrap();
    let s = Snapshot::load(&env.conn()).unwrap();
    let rules = RulesConfig::default();
    let c = ctx(&rules, at("2026-11-23T08:00:00-05:00"));
    let dg = digest::compose(&s, &c, None);
    assert_eq!(dg.per_locator.len(), 12);
    let img = panopticon::render::chart::digest_card(&dg, &c).unwrap();
    let texts: Vec<&str> = img.boxes.iter().map(|b| b.text.as_str()).collect();
    assert!(texts.contains(&"+4 more locators (4 leads)"), "{texts:?}");
}
