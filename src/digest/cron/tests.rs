//! The schedule across both DST changes in New York, in a half-hour zone, and the catch-up rule,
//! all on injected times.

use chrono::{DateTime, Duration, Utc};

use super::*;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

const NY: Tz = chrono_tz::America::New_York;

fn ny(text: &str) -> CronSchedule {
    CronSchedule::parse(text, NY).unwrap()
}

#[test]
fn presets_read_as_cron() {
    assert_eq!(ny("weekdays 08:00").expr(), "0 8 * * 1-5");
    assert_eq!(ny("Mondays 09:00").expr(), "0 9 * * 1");
    assert_eq!(ny("daily 07:30").expr(), "30 7 * * *");
    assert_eq!(ny("fridays 16:00").expr(), "0 16 * * 5");
    assert_eq!(ny(" 0 8 * * MON-FRI ").text(), "0 8 * * MON-FRI");
    assert_eq!(ny("0 8 * * MON-FRI").expr(), "0 8 * * MON-FRI");
}

#[test]
fn bad_schedules_say_why_and_give_an_example() {
    let err = |s: &str| CronSchedule::parse(s, NY).unwrap_err().to_string();
    let e = err("every morning");
    assert!(e.contains("2 fields") && e.contains("minute hour day-of-month month day-of-week"), "{e}");
    assert!(e.contains("weekdays 08:00") && e.contains("0 8 * * 1-5"), "{e}");
    let e = err("weekdays 8am");
    assert!(e.contains("\"8am\" is not a time of day") && e.contains("HH:MM"), "{e}");
    let e = err("61 8 * * *");
    assert!(e.contains("\"61 8 * * *\" is not a schedule"), "{e}");
    assert!(err("0 8 * *").contains("4 fields"));
    assert!(err("0 0 8 * * *").contains("6 fields"), "seconds are not taken");
    assert!(err("").contains("empty"));
    assert!(err("0 0 30 2 *").contains("never happens"));
}

#[test]
fn weekdays_at_eight_on_both_sides_of_the_spring_change() {
    let s = ny("weekdays 08:00");
    // Fri 6 Mar 2026 is EST (UTC−5), Mon 9 Mar EDT (UTC−4): 08:00 local both days.
    assert_eq!(s.next_after(at("2026-03-06T12:00:00Z")), Some(at("2026-03-06T13:00:00Z")));
    assert_eq!(s.next_after(at("2026-03-06T13:00:00Z")), Some(at("2026-03-09T12:00:00Z")));
}

#[test]
fn weekdays_at_eight_on_both_sides_of_the_autumn_change() {
    let s = ny("weekdays 08:00");
    // Fri 30 Oct 2026 is EDT, Mon 2 Nov EST.
    assert_eq!(s.upcoming(at("2026-10-30T00:00:00Z"), 2), vec![at("2026-10-30T12:00:00Z"), at("2026-11-02T13:00:00Z")]);
}

#[test]
fn a_time_skipped_by_spring_forward_runs_just_after_the_gap() {
    // 02:30 does not exist on Sun 8 Mar 2026 in New York (02:00 → 03:00): 03:00 EDT, once.
    let s = ny("daily 02:30");
    let slots = s.upcoming(at("2026-03-07T12:00:00Z"), 3);
    assert_eq!(slots, vec![at("2026-03-08T07:00:00Z"), at("2026-03-09T06:30:00Z"), at("2026-03-10T06:30:00Z")]);
    // Due on that morning exactly once.
    let created = at("2026-03-01T00:00:00Z");
    assert_eq!(s.due(created, None, at("2026-03-08T07:00:30Z")), Some(at("2026-03-08T07:00:00Z")));
    assert_eq!(s.due(created, Some(at("2026-03-08T07:00:00Z")), at("2026-03-08T09:00:00Z")), None);
}

#[test]
fn a_time_repeated_by_fall_back_runs_once() {
    // 01:30 happens twice on Sun 1 Nov 2026 (EDT 05:30Z, then EST 06:30Z): sent at the first.
    let s = ny("daily 01:30");
    let slots = s.upcoming(at("2026-10-31T12:00:00Z"), 2);
    assert_eq!(slots, vec![at("2026-11-01T05:30:00Z"), at("2026-11-02T06:30:00Z")]);
    let created = at("2026-10-01T00:00:00Z");
    assert_eq!(s.due(created, None, at("2026-11-01T05:31:00Z")), Some(at("2026-11-01T05:30:00Z")));
    // At the second 01:30 (and after it) nothing more is due that day.
    let sent = Some(at("2026-11-01T05:30:00Z"));
    for now in ["2026-11-01T06:30:00Z", "2026-11-01T06:31:00Z", "2026-11-01T08:00:00Z"] {
        assert_eq!(s.due(created, sent, at(now)), None, "{now}");
    }
}

#[test]
fn a_half_hour_zone() {
    // India is UTC+05:30 all year: Mondays 09:00 IST is 03:30 UTC.
    let s = CronSchedule::parse("mondays 09:00", chrono_tz::Asia::Kolkata).unwrap();
    assert_eq!(s.upcoming(at("2026-11-22T00:00:00Z"), 2), vec![at("2026-11-23T03:30:00Z"), at("2026-11-30T03:30:00Z")]);
    // Adelaide is UTC+09:30 in winter and +10:30 in summer, springing forward early on Sun
    // 4 Oct 2026: 08:00 on Sat 3 Oct is 22:30Z the day before, on Sun 4 and Mon 5 Oct 21:30Z.
    let s = CronSchedule::parse("daily 08:00", chrono_tz::Australia::Adelaide).unwrap();
    assert_eq!(
        s.upcoming(at("2026-10-02T12:00:00Z"), 3),
        vec![at("2026-10-02T22:30:00Z"), at("2026-10-03T21:30:00Z"), at("2026-10-04T21:30:00Z")]
    );
}

#[test]
fn catch_up_within_three_hours_then_skip_and_never_two_at_once() {
    let s = ny("weekdays 08:00");
    let created = at("2026-11-01T00:00:00Z");
    let mon = at("2026-11-23T13:00:00Z");
    // Before 08:00: nothing; at and after it, Monday's slot.
    assert_eq!(s.due(created, None, mon - Duration::seconds(1)), None);
    assert_eq!(s.due(created, None, mon), Some(mon));
    // Down at 08:00, up at 10:59: caught up; up at 11:01: skipped, Tuesday waited for.
    assert_eq!(s.due(created, None, mon + Duration::minutes(179)), Some(mon));
    assert_eq!(s.due(created, None, mon + Duration::minutes(181)), None);
    // Once sent, not again.
    assert_eq!(s.due(created, Some(mon), mon + Duration::minutes(5)), None);
    // Subscribed after today's slot: nothing until tomorrow's.
    assert_eq!(s.due(mon + Duration::minutes(1), None, mon + Duration::minutes(5)), None);
    // Every minute, down for ten minutes: one send, the latest slot, not ten.
    let m = ny("* * * * *");
    let last = at("2026-11-23T13:00:00Z");
    assert_eq!(m.due(created, Some(last), at("2026-11-23T13:10:20Z")), Some(at("2026-11-23T13:10:00Z")));
}
