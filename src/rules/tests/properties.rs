//! Properties of the rules over generated leads, zones and instants, checked with proptest:
//! the status moves one way as time passes, a change after the appointment is progress, the
//! order records arrive in does not matter, and all-day dates ignore the offset they came with.
//! The hand-worked cases are in `tests.rs`.

use proptest::prelude::*;

use super::*;

fn base() -> DateTime<Utc> {
    at("2026-01-01T00:00:00Z")
}

/// Instants over 2026, minute resolution, in a few offsets (including ±half hours).
fn stamp() -> impl Strategy<Value = Stamp> {
    (0i64..365 * 24 * 60, prop::sample::select(vec![-5 * 3600, -4 * 3600, 0, 3600, 19800, -34200])).prop_map(
        |(m, off)| {
            let utc = base() + chrono::Duration::minutes(m);
            Stamp::from_fixed(utc.with_timezone(&chrono::FixedOffset::east_opt(off).unwrap()))
        },
    )
}

fn zone() -> impl Strategy<Value = chrono_tz::Tz> {
    prop::sample::select(vec![
        chrono_tz::America::New_York,
        chrono_tz::Europe::London,
        chrono_tz::Asia::Kolkata,
        chrono_tz::Australia::Lord_Howe,
        chrono_tz::Pacific::Auckland,
    ])
}

/// Offsets Zoho can send a midnight with: −12:00 to +14:00, half and quarter hours too.
const OFFSETS: &[i32] =
    &[-12 * 3600, -10 * 3600, -8 * 3600, -5 * 3600, -3600 * 7 / 2, 0, 3600, 19800, 20700, 13 * 3600, 14 * 3600];

/// Business zones, the far ends of the clock included.
fn wide_zone() -> impl Strategy<Value = chrono_tz::Tz> {
    prop::sample::select(vec![
        chrono_tz::America::New_York,
        chrono_tz::Europe::London,
        chrono_tz::Asia::Kolkata,
        chrono_tz::Pacific::Kiritimati,
        chrono_tz::Pacific::Pago_Pago,
        chrono_tz::America::Santiago,
    ])
}

const STAGES: &[&str] = &["Appt Set", "Follow Up", "Proposal", "Green - Approved", "Dead"];

/// Changes on a coarse grid of instants, so several often share one second.
fn changes() -> impl Strategy<Value = Vec<Change>> {
    let coarse = (0i64..40).prop_map(|d| Stamp::from_utc(base() + chrono::Duration::days(d * 9)));
    prop::collection::vec((coarse, 0..STAGES.len(), 0..STAGES.len()), 0..5).prop_map(|v| {
        v.into_iter()
            .map(|(at, a, b)| Change { at, from: Some(STAGES[a].into()), to: Some(STAGES[b].into()) })
            .collect()
    })
}

fn run(stage: &str, appts: &[Stamp], ch: &[Change], as_of: DateTime<Utc>, r: &RulesConfig) -> Option<Assessment> {
    let appts: Vec<Appointment> = appts.iter().map(|a| Appointment::timed(*a)).collect();
    run_with(stage, &appts, ch, as_of, r)
}

fn run_with(
    stage: &str,
    appts: &[Appointment],
    ch: &[Change],
    as_of: DateTime<Utc>,
    r: &RulesConfig,
) -> Option<Assessment> {
    let f = Facts {
        stage: Some(stage),
        converted: false,
        created_at: t("2025-12-01T00:00:00Z"),
        appointments: appts,
        changes: ch,
        history_known: true,
    };
    assess(&f, as_of, r)
}

proptest! {
    /// While nothing changes, time only makes things worse: awaiting → at risk → stale.
    #[test]
    fn status_is_monotone_in_as_of(appts in prop::collection::vec(stamp(), 1..4), tz in zone(), step in 1i64..20_000, start in 0i64..365*24*60) {
        let r = rules(tz);
        let t0 = base() + chrono::Duration::minutes(start);
        let t1 = t0 + chrono::Duration::minutes(step);
        // No appointment and no change between the two instants: "nothing changes".
        prop_assume!(appts.iter().all(|a| a.utc() <= t0 || a.utc() > t1));
        let a0 = run("Appt Set", &appts, &[], t0, &r).unwrap();
        let a1 = run("Appt Set", &appts, &[], t1, &r).unwrap();
        let rank = |s: Status| match s { Status::Awaiting => 0, Status::AtRisk => 1, Status::Stale => 2, other => 10 + other as u8 };
        if a0.status != Status::Upcoming {
            prop_assert!(rank(a1.status) >= rank(a0.status), "{:?} then {:?}", a0.status, a1.status);
            prop_assert!(a1.days_since_appointment >= a0.days_since_appointment);
        }
    }

    /// A stage change after the reference appointment always means progressed.
    #[test]
    fn a_change_after_the_appointment_is_progress(appt in stamp(), after_min in 1i64..100_000, extra in 0i64..100_000, tz in zone(), to in 0usize..4) {
        let r = rules(tz);
        let changed = appt.utc() + chrono::Duration::minutes(after_min);
        let as_of = changed + chrono::Duration::minutes(extra);
        let ch = vec![Change { at: Stamp::from_utc(changed), from: Some("Appt Set".into()), to: Some(STAGES[to].into()) }];
        let a = run(STAGES[to], &[appt], &ch, as_of, &r).unwrap();
        prop_assert_eq!(a.status, Status::Progressed);
    }

    /// The same facts in any order give the same verdict.
    #[test]
    fn order_does_not_matter(appts in prop::collection::vec(stamp(), 1..5), ch in changes(), as_of in stamp(), tz in zone(), seed in any::<u64>()) {
        let r = rules(tz);
        let mut a2 = appts.clone();
        let mut c2 = ch.clone();
        // A deterministic shuffle from the seed.
        let n = a2.len();
        for i in 0..n { a2.swap(i, (seed as usize).wrapping_add(i * 7) % n); }
        c2.reverse();
        let x = run("Appt Set", &appts, &ch, as_of.utc(), &r);
        let y = run("Appt Set", &a2, &c2, as_of.utc(), &r);
        prop_assert_eq!(x, y);
    }

    /// An all-day appointment belongs to its own date, whatever offset Zoho sent its
    /// midnight with and whatever the business zone: same date, same verdict.
    #[test]
    fn all_day_dates_ignore_the_offset_they_were_sent_with(day in 0i64..365, later in 0i64..20*24*60, a in prop::sample::select(OFFSETS.to_vec()), b in prop::sample::select(OFFSETS.to_vec()), tz in wide_zone()) {
        let r = rules(tz);
        let date = base().date_naive() + chrono::Duration::days(day);
        let sent = |off: i32| {
            let o = chrono::FixedOffset::east_opt(off).unwrap();
            Appointment::all_day(Stamp::from_fixed(date.and_hms_opt(0, 0, 0).unwrap().and_local_timezone(o).unwrap()))
        };
        let (x, y) = (sent(a), sent(b));
        prop_assert_eq!(x.date(tz), date);
        prop_assert_eq!(x.at(tz), y.at(tz));
        let as_of = x.at(tz).utc() + chrono::Duration::minutes(later);
        let va = run_with("Appt Set", &[x], &[], as_of, &r).unwrap();
        let vb = run_with("Appt Set", &[y], &[], as_of, &r).unwrap();
        prop_assert_eq!((va.status, va.days_since_appointment), (vb.status, vb.days_since_appointment));
        // Counted from its own date, never from the date of a foreign midnight.
        prop_assert_eq!(va.days_since_appointment, Some((as_of.with_timezone(&tz).date_naive() - date).num_days()));
    }

    /// On its own date an all-day appointment is today's: never upcoming, 0 days since.
    #[test]
    fn an_all_day_appointment_is_todays_all_day(day in 0i64..365, minute in 0i64..24*60, off in prop::sample::select(OFFSETS.to_vec()), tz in wide_zone()) {
        let r = rules(tz);
        let date = base().date_naive() + chrono::Duration::days(day);
        let o = chrono::FixedOffset::east_opt(off).unwrap();
        let appt = Appointment::all_day(Stamp::from_fixed(date.and_hms_opt(0, 0, 0).unwrap().and_local_timezone(o).unwrap()));
        let local = date.and_hms_opt(0, 0, 0).unwrap() + chrono::Duration::minutes(minute);
        // A wall time that exists in the zone (DST gaps skipped).
        let Some(as_of) = chrono::TimeZone::from_local_datetime(&tz, &local).earliest() else { return Ok(()) };
        let v = run_with("Appt Set", &[appt], &[], as_of.with_timezone(&Utc), &r).unwrap();
        prop_assert_eq!((v.status, v.days_since_appointment), (Status::Awaiting, Some(0)));
    }

    /// The same holds with all-day appointments among the timed ones.
    #[test]
    fn order_does_not_matter_with_all_day(appts in prop::collection::vec((stamp(), any::<bool>()), 1..5), ch in changes(), as_of in stamp(), tz in wide_zone()) {
        let r = rules(tz);
        let appts: Vec<Appointment> = appts.into_iter().map(|(start, all_day)| Appointment { start, all_day }).collect();
        let mut reversed = appts.clone();
        reversed.reverse();
        let mut c2 = ch.clone();
        c2.reverse();
        let x = run_with("Appt Set", &appts, &ch, as_of.utc(), &r);
        let y = run_with("Appt Set", &reversed, &c2, as_of.utc(), &r);
        prop_assert_eq!(x, y);
    }

    /// Days since the appointment is the difference of two business-zone dates, never
    /// negative, and agrees with the thresholds.
    #[test]
    fn status_agrees_with_days(appt in stamp(), later in 0i64..30*24*60, tz in zone()) {
        let r = rules(tz);
        let as_of = appt.utc() + chrono::Duration::minutes(later);
        let a = run("Appt Set", &[appt], &[], as_of, &r).unwrap();
        let d = a.days_since_appointment.unwrap();
        prop_assert!(d >= 0);
        prop_assert_eq!(d, (as_of.with_timezone(&tz).date_naive() - appt.date_in(tz)).num_days());
        let expect = if d >= 7 { Status::Stale } else if d >= 5 { Status::AtRisk } else { Status::Awaiting };
        prop_assert_eq!(a.status, expect);
    }
}
