//! Each sales KPI (issue 16) against a small org worked by hand (`sales_org`: the numbers
//! below, with their arithmetic), the forecast on a case worked by hand, the presets at month,
//! quarter and year ends in New York, and every KPI against an independent computation over a
//! generated org (SQL aggregates over the store for the deals, plain loops for the rest).

mod sales_org;

use std::collections::BTreeSet;

use chrono::{Datelike, Duration};
use panopticon::people::Scope;
use panopticon::sales::forecast::forecast;
use panopticon::sales::kpi::leads::{funnel, mql_sql, volume_by_week, Funnel, FunnelStages};
use panopticon::sales::kpi::{activity, deals, Book, Filter, LeadBook};
use panopticon::sales::period::{Period, Preset};
use panopticon::sales::{DealCategory, SalesData};
use panopticon::store::Store;
use sales_org::*;

fn book() -> Book {
    Book::new(sales(), tz())
}

fn today() -> chrono::NaiveDate {
    now().with_timezone(&tz()).date_naive()
}

/// 1–16 Nov 2026 (this month on Monday 16 Nov); previous: 1–16 Oct.
fn november() -> Period {
    Preset::ThisMonth.resolve(today())
}

fn owners(ids: &[&str]) -> Filter {
    Filter { scope: Scope::Owners(ids.iter().map(|s| s.to_string()).collect()), ..Filter::everything() }
}

#[test]
fn pipeline_by_stage_and_weighted() {
    let b = book();
    let stages = deals::pipeline_by_stage(&b, &Filter::everything());
    let got: Vec<(&str, u64, i64, i64)> =
        stages.iter().map(|s| (s.stage.as_str(), s.deals, s.amount, s.weighted)).collect();
    assert_eq!(
        got,
        vec![
            // D2: 5,000 × its own 30% = 1,500 (not the stage's 10%).
            ("Qualification", 1, 500_000, 150_000),
            // D9: 1,000 × the stage's 40% = 400.
            ("Value Proposition", 1, 100_000, 40_000),
            // D3: 20,000 × 75% = 15,000.
            ("Proposal/Price Quote", 1, 2_000_000, 1_500_000),
            // D1: 10,000 × 90% = 9,000.
            ("Negotiation/Review", 1, 1_000_000, 900_000),
        ]
    );
    // 5,000 + 1,000 + 20,000 + 10,000 = 36,000; weighted 1,500 + 400 + 15,000 + 9,000 = 25,900.
    let p = deals::pipeline_now(&b, &Filter::everything());
    assert_eq!((p.deals, p.amount, p.weighted), (4, 3_600_000, 2_590_000));
}

#[test]
fn pipeline_as_it_stood_when_the_period_began() {
    let b = book();
    // Midnight 1 Nov in New York (04:00 UTC). D1, D3, D9 have no history: their stage now.
    // D4 was in Qualification (8,000 × 10% = 800); D6 in Value Proposition (4,000 × 40% =
    // 1,600); D5 had been won at 23:30 on 31 Oct; D7 won in October; D2 and D8 not created.
    // 10,000 + 20,000 + 1,000 + 8,000 + 4,000 = 43,000; 9,000 + 15,000 + 400 + 800 + 1,600 = 26,800.
    let start = november().instants(tz()).0;
    let p = deals::pipeline_at(&b, &Filter::everything(), &start);
    assert_eq!((p.deals, p.amount, p.weighted), (5, 4_300_000, 2_680_000));
}

#[test]
fn won_lost_rate_size_cycle_velocity() {
    let b = book();
    let c = deals::closed_in(&b, &Filter::everything(), &november());
    // Won in 1–16 Nov: D4 (closing 5 Nov, 8,000) and D8 (15 Nov, 2,000). D5 has no closing date
    // and entered Closed Won at 23:30 on 31 Oct New York time: October. Lost: D6 (12 Nov).
    assert_eq!((c.won, c.won_amount, c.lost, c.lost_amount), (2, 1_000_000, 1, 400_000));
    // 2 / (2 + 1).
    assert_eq!(c.win_rate(), Some(2.0 / 3.0));
    // 10,000 / 2.
    assert_eq!(c.average_won(), Some(500_000));
    // D4: 6 Oct → 5 Nov = 30 days; D8: created 1 Nov (14:00 UTC = 10:00 New York) → 15 Nov = 14.
    assert_eq!(c.cycle_days, vec![30, 14]);
    assert_eq!((c.cycle_median(), c.cycle_mean()), (Some(22.0), Some(22.0)));
    // 4 open deals × 2/3 × 5,000 ÷ 22 days = 606.06 per day (in cents: 60,606.06).
    let v = deals::velocity(4, &c).unwrap();
    assert!((v - 4.0 * (2.0 / 3.0) * 500_000.0 / 22.0).abs() < 1e-6, "{v}");
    assert!((v / 100.0 - 606.06).abs() < 0.01, "{v}");
    // The previous period (1–16 Oct): D7 won (10 Oct, 6,000; 30 Sep → 10 Oct = 10 days).
    let p = deals::closed_in(&b, &Filter::everything(), &november().previous());
    assert_eq!((p.won, p.won_amount, p.lost, p.win_rate(), p.cycle_median()), (1, 600_000, 0, Some(1.0), Some(10.0)));
}

#[test]
fn closing_soon_and_top_deals() {
    let b = book();
    // 16–22 Nov: D1 (20 Nov). D3's 10 Nov has passed; D2 closes in December.
    let soon: Vec<&str> =
        deals::closing_soon(&b, &Filter::everything(), today()).iter().map(|d| d.id.as_str()).collect();
    assert_eq!(soon, vec!["D1"]);
    let top: Vec<&str> = deals::top_open(&b, &Filter::everything(), 3).iter().map(|d| d.id.as_str()).collect();
    assert_eq!(top, vec!["D3", "D1", "D2"]);
}

#[test]
fn a_rep_a_manager_and_an_executive_see_different_numbers() {
    let b = book();
    let period = november();
    let see = |f: &Filter| {
        let p = deals::pipeline_now(&b, f);
        let c = deals::closed_in(&b, f, &period);
        (p.amount, p.weighted, c.won_amount, c.win_rate())
    };
    // Ann (u1): D1 + D2 + D9 = 16,000, weighted 9,000 + 1,500 + 400 = 10,900; won D4 8,000; no loss.
    assert_eq!(see(&owners(&["u1"])), (1_600_000, 1_090_000, 800_000, Some(1.0)));
    // Bob (u2): D3 20,000 (15,000); won D8 2,000, lost D6: 1/2.
    assert_eq!(see(&owners(&["u2"])), (2_000_000, 1_500_000, 200_000, Some(0.5)));
    // Maya's team (Ann, Bob, herself) is everyone here; an executive sees the same totals.
    assert_eq!(see(&owners(&["u1", "u2", "u3"])), see(&Filter::everything()));
    assert_eq!(see(&Filter::everything()), (3_600_000, 2_590_000, 1_000_000, Some(2.0 / 3.0)));
    // A scope asked to narrow to someone outside it sees nothing.
    let f = owners(&["u1"]).narrowed(&BTreeSet::from(["u2".to_string()]));
    assert_eq!(see(&f), (0, 0, 0, None));
}

#[test]
fn source_and_pipeline_filters() {
    let b = book();
    let web = Filter { lead_source: Some("web".into()), ..Filter::everything() };
    // Open Web deals: D1 10,000 and D3 20,000 (the source matched in any case).
    assert_eq!(deals::pipeline_now(&b, &web).amount, 3_000_000);
    let renewals = Filter { pipeline: Some("Renewals".into()), ..Filter::everything() };
    assert_eq!(deals::pipeline_now(&b, &renewals).amount, 2_000_000);
    // Won Referral deals in November: D8 (2,000).
    let referral = Filter { lead_source: Some("Referral".into()), ..Filter::everything() };
    assert_eq!(deals::closed_in(&b, &referral, &november()).won_amount, 200_000);
}

fn stages_for(rules: &panopticon::config::RulesConfig) -> FunnelStages<'_> {
    FunnelStages { green: &rules.green_stages, delivered: &rules.delivered_stages }
}

#[test]
fn lead_volume_funnel_and_mql_sql() {
    let lb = LeadBook::new(leads(), tz());
    let rules = panopticon::config::RulesConfig::default();
    let sales = panopticon::config::SalesConfig::default();
    let f = Filter::everything();
    // 1–16 Nov touches the weeks of 26 Oct, 2, 9 and 16 Nov. Lead 1001 (23:30 on 31 Oct New
    // York) is October's; 1002 (1 Nov), 1003 (3 Nov), 1004 (10 Nov), 1005 (16 Nov).
    let weeks: Vec<(String, u64)> =
        volume_by_week(&lb, &f, &november()).into_iter().map(|(w, n)| (w.to_string(), n)).collect();
    assert_eq!(
        weeks,
        vec![("2026-10-26".into(), 1), ("2026-11-02".into(), 1), ("2026-11-09".into(), 1), ("2026-11-16".into(), 1)]
    );
    let (all, by) = funnel(&lb, &f, &november(), stages_for(&rules));
    // Appointed: 1002, 1004, 1005; green: 1002 (Green - Approved), 1004 (delivered, so green);
    // delivered: 1004.
    assert_eq!(all, Funnel { leads: 4, appointment: 3, green: 2, delivered: 1 });
    assert_eq!(all.steps(), [Some(0.75), Some(2.0 / 3.0), Some(0.5)]);
    let by: Vec<(Option<&str>, Funnel)> = by.iter().map(|(s, f)| (s.as_deref(), *f)).collect();
    assert_eq!(
        by,
        vec![
            (Some("Web"), Funnel { leads: 2, appointment: 1, green: 1, delivered: 0 }),
            (Some("Referral"), Funnel { leads: 1, appointment: 1, green: 1, delivered: 1 }),
            (None, Funnel { leads: 1, appointment: 1, green: 0, delivered: 0 }),
        ]
    );
    // MQL: 1002 (an SQL stage), 1003 (Appt Set), 1004 (Delivered, SQL), 1005 (Follow Up) = 4;
    // SQL: 1002 and 1004 = 2; 2 / 4.
    let q = mql_sql(&lb, &f, &november(), &sales.mql_stages, &sales.sql_stages);
    assert_eq!((q.leads, q.mql, q.sql, q.rate()), (4, 4, 2, Some(0.5)));
    // Ann's leads only: 1002, 1003, 1005.
    let ann = funnel(&lb, &owners(&["u1"]), &november(), stages_for(&rules)).0;
    assert_eq!(ann, Funnel { leads: 3, appointment: 2, green: 1, delivered: 0 });
}

#[test]
fn activity_per_person() {
    let data = sales();
    let rows = activity::per_person(&data.activities, &Filter::everything(), &november(), tz(), now());
    let got: Vec<(&str, u64, u64, u64, u64)> =
        rows.iter().map(|r| (r.name.as_str(), r.calls, r.meetings, r.tasks_completed, r.tasks_overdue)).collect();
    // Ann: call 1 completed (call 2 only scheduled, call 5 starts tonight); meeting 6 (10 Nov);
    // task 8 closed 4 Nov (task 11 closed 31 Oct). Bob: call 3 (inbound, this morning; call 4
    // was missed); meeting 7 is on the 18th; task 9 is overdue (due 12 Nov), task 10 not yet.
    assert_eq!(got, vec![("Ann Lee", 1, 1, 1, 0), ("Bob Ray", 1, 0, 0, 1)]);
}

#[test]
fn forecast_worked_by_hand() {
    // Qualification: five closed deals were in it — three won, two lost: 60%. Negotiation: one
    // closed deal, too few: its metadata's 90%.
    let mut data = SalesData { stage_meta: stage_meta(), ..Default::default() };
    let spec = |id: &'static str, stage: &'static str, amount: i64, probability: Option<u8>, closing: &'static str| {
        deal(DealSpec {
            id,
            owner: "u1",
            stage,
            amount,
            probability,
            closing: Some(closing),
            created: "2026-06-01",
            source: None,
            pipeline: "Standard (Standard)",
        })
    };
    for (id, stage) in
        [("W1", "Closed Won"), ("W2", "Closed Won"), ("W3", "Closed Won"), ("L1", "Closed Lost"), ("L2", "Closed Lost")]
    {
        data.deals.push(spec(id, stage, 100, None, "2026-07-01"));
        data.stages.push(row(id, 1, "Qualification", "2026-06-01"));
        data.stages.push(row(id, 2, stage, "2026-07-01"));
    }
    data.deals.push(spec("N1", "Closed Won", 100, None, "2026-07-01"));
    data.stages.push(row("N1", 1, "Negotiation/Review", "2026-06-01"));
    // Open: Q1 Qualification 10,000 at its own 20%, closing 20 Nov; Q2 Qualification 5,000
    // (stage 10%), closing 3 Sep — overdue, so November; G1 Negotiation 4,000 closing 1 Jan;
    // G2 Negotiation closing next June, beyond the six months: left out.
    data.deals.push(spec("Q1", "Qualification", 1_000_000, Some(20), "2026-11-20"));
    data.deals.push(spec("Q2", "Qualification", 500_000, None, "2026-09-03"));
    data.deals.push(spec("G1", "Negotiation/Review", 400_000, None, "2027-01-01"));
    data.deals.push(spec("G2", "Negotiation/Review", 900_000, None, "2027-06-01"));
    let b = Book::new(data, tz());
    let months = forecast(&b, &Filter::everything(), today(), |p| {
        // A flat 30,000 target for each whole month.
        (p.from.day() == 1).then_some(30_000.0)
    });
    let got: Vec<(String, u64, u64, i64, i64, i64)> = months
        .iter()
        .map(|m| (m.month.format("%Y-%m").to_string(), m.deals, m.overdue, m.amount, m.weighted, m.historical))
        .collect();
    assert_eq!(
        got,
        vec![
            // Nov: Q1 + Q2 = 15,000; weighted 10,000 × 20% + 5,000 × 10% = 2,500;
            // historical (10,000 + 5,000) × 60% = 9,000.
            ("2026-11".into(), 2, 1, 1_500_000, 250_000, 900_000),
            ("2026-12".into(), 0, 0, 0, 0, 0),
            // Jan: G1 4,000 × 90% both ways = 3,600.
            ("2027-01".into(), 1, 0, 400_000, 360_000, 360_000),
            ("2027-02".into(), 0, 0, 0, 0, 0),
            ("2027-03".into(), 0, 0, 0, 0, 0),
            ("2027-04".into(), 0, 0, 0, 0, 0),
        ]
    );
    assert!(months.iter().all(|m| m.target == Some(30_000.0)));
}

#[test]
fn presets_at_month_quarter_and_year_ends_in_new_york() {
    // Two deals won with no closing date, per history: at 23:30 on 31 Dec 2026 and at 00:30 on
    // 1 Jan 2027, New York time (04:30 and 05:30 UTC on 1 Jan).
    let mut data = SalesData { stage_meta: stage_meta(), ..Default::default() };
    for (id, at) in [("Y1", "2026-12-31T23:30:00-05:00"), ("Y2", "2027-01-01T00:30:00-05:00")] {
        data.deals.push(deal(DealSpec {
            id,
            owner: "u1",
            stage: "Closed Won",
            amount: 100,
            probability: None,
            closing: None,
            created: "2026-12-01",
            source: None,
            pipeline: "Standard (Standard)",
        }));
        data.stages.push(row(id, 1, "Closed Won", at));
    }
    let b = Book::new(data, tz());
    let won = |preset: Preset, today: &str| -> Vec<String> {
        let p = preset.resolve(d(today));
        let mut ids: Vec<String> = b
            .deals_with_facts()
            .filter(|(_, _, x)| x.category == DealCategory::Won && x.closed_on.is_some_and(|c| p.contains(c)))
            .map(|(_, d, _)| d.id.clone())
            .collect();
        ids.sort();
        assert_eq!(deals::closed_in(&b, &Filter::everything(), &p).won as usize, ids.len());
        ids
    };
    // On 31 Dec (New York), this month, the quarter and the year to date hold Y1 only.
    for p in [Preset::ThisMonth, Preset::QuarterToDate, Preset::YearToDate, Preset::Today] {
        assert_eq!(won(p, "2026-12-31"), vec!["Y1"], "{p:?}");
    }
    // On 1 Jan: last month, last quarter hold Y1; this month, quarter, year and today hold Y2.
    for p in [Preset::LastMonth, Preset::LastQuarter] {
        assert_eq!(won(p, "2027-01-01"), vec!["Y1"], "{p:?}");
    }
    for p in [Preset::ThisMonth, Preset::QuarterToDate, Preset::YearToDate, Preset::Today] {
        assert_eq!(won(p, "2027-01-01"), vec!["Y2"], "{p:?}");
    }
    // The week of Monday 28 Dec holds both; last week (21–27 Dec) neither.
    assert_eq!(won(Preset::ThisWeek, "2027-01-01"), vec!["Y1", "Y2"]);
    assert_eq!(won(Preset::LastWeek, "2027-01-01"), Vec::<String>::new());
}

/// The deals' KPIs again, as SQL over the store the generated org was written into.
#[test]
fn generated_org_agrees_with_sql_and_plain_loops() {
    let (data, leads) = generated(7, 1_500, 2_000, 4_000);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("p.db")).unwrap();
    let conn = store.connect().unwrap();
    fill(&conn, &data, &[], &directory());
    let b = Book::new(panopticon::store::load_sales(&conn).unwrap(), tz());
    let lb = LeadBook::new(leads.clone(), tz());
    for (who, f) in [("everyone", Filter::everything()), ("u2", owners(&["u2"])), ("u1+u3", owners(&["u1", "u3"]))] {
        let in_scope = match &f.scope {
            Scope::Everyone => "1".to_string(),
            Scope::Owners(ids) => {
                format!("owner_id IN ({})", ids.iter().map(|i| format!("'{i}'")).collect::<Vec<_>>().join(","))
            }
        };
        // Pipeline by stage: SUM over open stages, weighted with the deal's own probability
        // or the stage's, rounded per deal.
        let sql = format!(
            "SELECT d.stage, count(*), coalesce(sum(d.amount_cents), 0),
                    coalesce(sum(CAST(round(coalesce(d.amount_cents, 0) * coalesce(d.probability, m.probability, 0) / 100.0) AS INTEGER)), 0)
             FROM deals d JOIN deal_stage_meta m ON m.stage = d.stage
             WHERE m.category = 'open' AND {in_scope} GROUP BY d.stage ORDER BY m.sequence"
        );
        let want: Vec<(String, u64, i64, i64)> = conn
            .prepare(&sql)
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let got: Vec<(String, u64, i64, i64)> =
            deals::pipeline_by_stage(&b, &f).into_iter().map(|s| (s.stage, s.deals, s.amount, s.weighted)).collect();
        assert_eq!(got, want, "pipeline for {who}");
        // Won and lost per period, by closing date.
        for (preset, today) in [
            (Preset::ThisMonth, "2026-11-16"),
            (Preset::LastQuarter, "2027-01-15"),
            (Preset::YearToDate, "2027-02-03"),
            (Preset::ThisWeek, "2026-10-07"),
        ] {
            let p = preset.resolve(d(today));
            let sql = format!(
                "SELECT m.category, count(*), coalesce(sum(d.amount_cents), 0) FROM deals d JOIN deal_stage_meta m ON m.stage = d.stage
                 WHERE m.category IN ('won', 'lost') AND d.closing_date >= ?1 AND d.closing_date < ?2 AND {in_scope}
                 GROUP BY m.category ORDER BY m.category"
            );
            let rows: Vec<(String, u64, i64)> = conn
                .prepare(&sql)
                .unwrap()
                .query_map([p.from.to_string(), p.to.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            let of = |c: &str| rows.iter().find(|r| r.0 == c).map(|r| (r.1, r.2)).unwrap_or((0, 0));
            let c = deals::closed_in(&b, &f, &p);
            assert_eq!(
                ((c.won, c.won_amount), (c.lost, c.lost_amount)),
                (of("won"), of("lost")),
                "{who} {preset:?} {today}"
            );
            assert!(c.won + c.lost > 0 || preset == Preset::ThisWeek, "the generated org closes deals in {preset:?}");
        }
    }
    // The leads and activities, by plain loops over the generated rows.
    let rules = panopticon::config::RulesConfig::default();
    let p = Preset::LastQuarter.resolve(d("2027-01-15"));
    let (all, by) = funnel(&lb, &Filter::everything(), &p, stages_for(&rules));
    let inside: Vec<_> = leads.iter().filter(|l| p.holds(&l.created_at, tz())).collect();
    let has = |l: &panopticon::sales::kpi::LeadFact, set: &[String]| {
        l.stage.as_ref().is_some_and(|s| set.contains(s)) || l.reached.iter().any(|r| set.iter().any(|s| **s == **r))
    };
    let delivered = inside.iter().filter(|l| has(l, &rules.delivered_stages)).count() as u64;
    let green = inside.iter().filter(|l| has(l, &rules.delivered_stages) || has(l, &rules.green_stages)).count() as u64;
    let appointed =
        inside.iter().filter(|l| l.appointed || has(l, &rules.delivered_stages) || has(l, &rules.green_stages)).count()
            as u64;
    assert_eq!(all, Funnel { leads: inside.len() as u64, appointment: appointed, green, delivered });
    assert_eq!(by.iter().map(|(_, f)| f.leads).sum::<u64>(), inside.len() as u64);
    let weeks = volume_by_week(&lb, &Filter::everything(), &p);
    for (w, n) in weeks {
        let want = inside.iter().filter(|l| {
            let day = l.created_at.date_in(tz());
            w <= day && day < w + Duration::days(7)
        });
        assert_eq!(n, want.count() as u64, "week {w}");
    }
    let rows = activity::per_person(&data.activities, &Filter::everything(), &p, tz(), now());
    let (from, to) = p.instants(tz());
    for r in &rows {
        let mine: Vec<_> =
            data.activities.iter().filter(|a| a.owner.as_ref().map(|u| &u.id) == r.owner_id.as_ref()).collect();
        let inside = |t: &panopticon::time::Stamp| from.utc() <= t.utc() && t.utc() < to.utc();
        let calls = mine
            .iter()
            .filter(|a| a.kind == panopticon::sales::ActivityKind::Call && a.call_type.as_deref() != Some("Missed"))
            .filter(|a| {
                a.status.as_deref() == Some("Completed") || (a.status.is_none() && a.at.unwrap().utc() <= now())
            })
            .filter(|a| inside(&a.at.unwrap()))
            .count() as u64;
        let done = mine.iter().filter(|a| a.completed_at.is_some_and(|t| inside(&t))).count() as u64;
        assert_eq!((r.calls, r.tasks_completed), (calls, done), "{}", r.name);
    }
    assert!(rows.iter().map(|r| r.calls).sum::<u64>() > 0);
    // The index the views use (built once per load) gives the same rows as the plain pass.
    for (preset, today) in
        [(Preset::LastQuarter, "2027-01-15"), (Preset::ThisMonth, "2026-11-16"), (Preset::Today, "2026-11-16")]
    {
        let p = preset.resolve(d(today));
        for f in [Filter::everything(), owners(&["u2"]), owners(&["u1", "u4"])] {
            assert_eq!(
                b.activity.per_person(&f, &p, tz(), now()),
                activity::per_person(&data.activities, &f, &p, tz(), now()),
                "{preset:?} {:?}",
                f.scope
            );
        }
    }
}
