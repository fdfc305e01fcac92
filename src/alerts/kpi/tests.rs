//! The KPIs against a hand-checked case with exact numbers, and against a brute-force reading
//! of their definitions on generated timelines.

use super::*;
use crate::alerts::Kind;
use chrono::TimeZone;
use chrono_tz::America::New_York;
use proptest::prelude::*;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn lead(id: &str, locator: &str, appts: &[(&str, bool)], changes: &[&str]) -> KpiLead {
    KpiLead {
        id: id.into(),
        locator: Some(locator.into()),
        appointments: appts.iter().map(|(a, open)| KpiAppointment { at: t(a), open: *open }).collect(),
        changes: changes.iter().map(|c| t(c)).collect(),
    }
}

fn act(id: i64, kind: Kind, lead: &str, at: &str, locator: &str, answers: Option<i64>) -> Intervention {
    let mut i = Intervention::new(kind, lead, "Cleo Coord", t(at));
    i.id = id;
    i.locator = Some(locator.into());
    i.answers = answers;
    i
}

const H: i64 = 3600;

#[test]
fn a_hand_checked_month() {
    let as_of = t("2026-11-20T14:00:00Z");
    let leads = vec![
        // A: nudged a day after its appointment (24 h), answered 5 h later; its second
        // appointment ends with a stage change 36 h later.
        lead("A", "Ann", &[("2026-11-02T15:00:00Z", true), ("2026-11-10T15:00:00Z", true)], &["2026-11-12T03:00:00Z"]),
        // B: rebooked two days later (the first wait ends at the rebooking: 48 h); the second
        // appointment is still waiting at as_of (14 days). Lifting a snooze is no intervention.
        lead("B", "Bo", &[("2026-11-04T14:00:00Z", true), ("2026-11-06T14:00:00Z", true)], &[]),
        // C: closed at its appointment: not measured.
        lead("C", "Cy", &[("2026-11-05T14:00:00Z", false)], &[]),
        // D: a stage change at the very instant is not after it; the escalation 12 h later is.
        // Its upcoming appointment is not measured.
        lead("D", "Ann", &[("2026-11-18T14:00:00Z", true), ("2026-11-25T14:00:00Z", true)], &["2026-11-18T14:00:00Z"]),
    ];
    let acts = vec![
        act(1, Kind::Nudge, "A", "2026-11-03T15:00:00Z", "Ann", None),
        act(2, Kind::FollowedUp, "A", "2026-11-03T20:00:00Z", "Ann", Some(1)),
        act(3, Kind::Unsnooze, "B", "2026-11-07T14:00:00Z", "Bo", None),
        act(4, Kind::Escalation, "D", "2026-11-19T02:00:00Z", "Ann", None),
        // A nudge on a lead the snapshot does not hold, never answered: open 4 days.
        act(5, Kind::Nudge, "E", "2026-11-16T14:00:00Z", "Bo", None),
        // After as_of: not counted.
        act(6, Kind::Acknowledge, "B", "2026-11-21T14:00:00Z", "Bo", None),
        act(7, Kind::FollowedUp, "E", "2026-11-21T14:00:00Z", "Bo", Some(5)),
    ];
    let tti = times_to_intervention(&leads, &acts, as_of);
    let lengths: Vec<(&str, i64, bool)> =
        tti.iter().map(|w| (w.lead_id.as_str(), w.length(as_of).num_seconds() / H, w.end.is_none())).collect();
    assert_eq!(lengths, [("A", 24, false), ("B", 48, false), ("B", 336, true), ("A", 36, false), ("D", 12, false)]);
    let all = summarize(&tti, as_of);
    assert_eq!(
        all,
        Summary {
            count: 5,
            answered: 4,
            open: 1,
            median_secs: Some(30 * H),
            mean_secs: Some(30 * H),
            oldest_open_secs: Some(336 * H)
        }
    );
    let ann = summarize(tti.iter().filter(|w| w.locator.as_deref() == Some("Ann")), as_of);
    assert_eq!(
        (ann.count, ann.answered, ann.open, ann.median_secs, ann.mean_secs),
        (3, 3, 0, Some(24 * H), Some(24 * H))
    );
    let bo = summarize(tti.iter().filter(|w| w.locator.as_deref() == Some("Bo")), as_of);
    assert_eq!((bo.count, bo.answered, bo.open, bo.median_secs), (2, 1, 1, Some(48 * H)));

    let rt = response_times(&leads, &acts, as_of);
    let lengths: Vec<(&str, Option<&str>, i64, bool)> = rt
        .iter()
        .map(|w| (w.lead_id.as_str(), w.locator.as_deref(), w.length(as_of).num_seconds() / H, w.end.is_none()))
        .collect();
    assert_eq!(lengths, [("A", Some("Ann"), 5, false), ("E", Some("Bo"), 96, true)]);
    let s = summarize(&rt, as_of);
    assert_eq!((s.count, s.answered, s.open, s.median_secs, s.oldest_open_secs), (2, 1, 1, Some(5 * H), Some(96 * H)));

    // By week (Mondays, New York): 2 Nov holds A's first, both of B's; 9 Nov A's second; 16 Nov D's.
    let weeks = last_weeks(as_of, New_York, 8);
    assert_eq!(weeks.len(), 8);
    assert_eq!(weeks[7], NaiveDate::from_ymd_opt(2026, 11, 16).unwrap());
    assert_eq!(weeks[0], NaiveDate::from_ymd_opt(2026, 9, 28).unwrap());
    let week = |m: NaiveDate| summarize(tti.iter().filter(|w| week_of(w.start, New_York) == m), as_of);
    let nov2 = week(weeks[5]);
    assert_eq!((nov2.count, nov2.answered, nov2.open, nov2.median_secs), (3, 2, 1, Some(36 * H)));
    assert_eq!(week(weeks[6]).median_secs, Some(36 * H));
    assert_eq!(week(weeks[7]).median_secs, Some(12 * H));
    assert_eq!(week(weeks[4]).count, 0);

    assert_eq!(length_text(28 * H), "1 d 4 h");
    assert_eq!(length_text(5 * H), "5 h");
    assert_eq!(length_text(48 * H + 20 * 60), "2 d");
    assert_eq!(length_text(35 * 60), "35 min");
}

/// The definitions, read literally: each wait's end is the earliest qualifying event.
fn brute_tti(
    leads: &[KpiLead],
    acts: &[Intervention],
    as_of: DateTime<Utc>,
) -> Vec<(String, DateTime<Utc>, Option<DateTime<Utc>>)> {
    let mut out = Vec::new();
    for l in leads {
        for a in l.appointments.iter().filter(|a| a.open && a.at <= as_of) {
            let by_act = acts
                .iter()
                .filter(|i| i.lead_id == l.id && i.kind.is_intervention() && i.at >= a.at && i.at <= as_of)
                .map(|i| i.at);
            let by_change = l.changes.iter().copied().filter(|c| *c > a.at && *c <= as_of);
            let by_later = l.appointments.iter().map(|b| b.at).filter(|b| *b > a.at && *b <= as_of);
            out.push((l.id.clone(), a.at, by_act.chain(by_change).chain(by_later).min()));
        }
    }
    out.sort();
    out
}

fn brute_rt(
    leads: &[KpiLead],
    acts: &[Intervention],
    as_of: DateTime<Utc>,
) -> Vec<(String, DateTime<Utc>, Option<DateTime<Utc>>)> {
    let mut out = Vec::new();
    for n in acts.iter().filter(|i| i.kind == Kind::Nudge && i.at <= as_of) {
        let by_answer = acts
            .iter()
            .filter(|i| i.answers == Some(n.id) && i.kind.is_answer() && i.at >= n.at && i.at <= as_of)
            .map(|i| i.at);
        let changes = leads.iter().filter(|l| l.id == n.lead_id).flat_map(|l| l.changes.iter().copied());
        let by_change = changes.filter(|c| *c > n.at && *c <= as_of);
        out.push((n.lead_id.clone(), n.at, by_answer.chain(by_change).min()));
    }
    out.sort();
    out
}

fn flat(w: &[Wait]) -> Vec<(String, DateTime<Utc>, Option<DateTime<Utc>>)> {
    let mut v: Vec<_> = w.iter().map(|w| (w.lead_id.clone(), w.start, w.end)).collect();
    v.sort();
    v
}

/// The median by counting, not by sorting: the smallest value with at least half at or below
/// it, averaged with its upper twin for an even count.
fn brute_median(v: &[i64]) -> Option<i64> {
    let n = v.len();
    let kth = |k: usize| {
        *v.iter().find(|x| v.iter().filter(|y| y < x).count() <= k && v.iter().filter(|y| y <= x).count() > k).unwrap()
    };
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(kth(n / 2)),
        _ => Some((kth(n / 2 - 1) + kth(n / 2)).div_euclid(2)),
    }
}

fn timeline() -> impl Strategy<Value = (Vec<KpiLead>, Vec<Intervention>)> {
    let base = Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap();
    // Hours on a coarse grid, so instants collide often (the ties are the edge cases).
    let at = move |h: u32| base + Duration::hours(i64::from(h) * 6);
    let leads = proptest::collection::vec(
        (proptest::collection::vec((0u32..40, any::<bool>()), 0..4), proptest::collection::vec(0u32..40, 0..3), 0u8..3),
        1..5,
    );
    let acts = proptest::collection::vec((0usize..5, 0usize..7, 0u32..40, 0usize..8), 0..12);
    (leads, acts).prop_map(move |(leads, acts)| {
        let leads: Vec<KpiLead> = leads
            .into_iter()
            .enumerate()
            .map(|(k, (appts, changes, loc))| KpiLead {
                id: format!("L{k}"),
                locator: Some(format!("Loc{loc}")),
                appointments: appts.into_iter().map(|(h, open)| KpiAppointment { at: at(h), open }).collect(),
                changes: changes.into_iter().map(at).collect(),
            })
            .collect();
        let acts = acts
            .into_iter()
            .enumerate()
            .map(|(k, (l, kind, h, answers))| {
                let mut i = Intervention::new(Kind::ALL[kind], &format!("L{}", l % (leads.len() + 1)), "x", at(h));
                i.id = k as i64 + 1;
                i.answers = (answers > 0 && i.kind.is_answer()).then_some(answers as i64);
                i
            })
            .collect();
        (leads, acts)
    })
}

proptest! {
    #[test]
    fn the_sweeps_agree_with_the_definitions((leads, acts) in timeline(), cut in 0i64..240) {
        let as_of = Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap() + Duration::hours(cut);
        let tti = times_to_intervention(&leads, &acts, as_of);
        prop_assert_eq!(flat(&tti), brute_tti(&leads, &acts, as_of));
        let rt = response_times(&leads, &acts, as_of);
        prop_assert_eq!(flat(&rt), brute_rt(&leads, &acts, as_of));
        for waits in [&tti, &rt] {
            let s = summarize(waits.iter(), as_of);
            let ended: Vec<i64> = waits.iter().filter(|w| w.end.is_some()).map(|w| w.length(as_of).num_seconds()).collect();
            prop_assert_eq!(s.count as usize, waits.len());
            prop_assert_eq!(s.answered as usize + s.open as usize, waits.len());
            prop_assert_eq!(s.median_secs, brute_median(&ended));
            let mean = (!ended.is_empty()).then(|| ended.iter().sum::<i64>() / ended.len() as i64);
            prop_assert_eq!(s.mean_secs, mean);
        }
    }
}
