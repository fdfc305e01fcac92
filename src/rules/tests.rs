//! Hand-checked cases for every branch of the rules, across zones and DST changes.
//! Each expected number was worked out on paper from the dates in the test.

use chrono::{DateTime, Utc};

use super::*;
use crate::config::{RulesConfig, Thresholds};

fn t(s: &str) -> Stamp {
    Stamp::parse(s).unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    t(s).utc()
}

fn rules(tz: chrono_tz::Tz) -> RulesConfig {
    RulesConfig { timezone: tz, ..RulesConfig::default() }
}

fn ny() -> RulesConfig {
    rules(chrono_tz::America::New_York)
}

fn change(at: &str, from: &str, to: &str) -> Change {
    Change { at: t(at), from: Some(from.into()), to: Some(to.into()) }
}

struct Lead {
    stage: &'static str,
    converted: bool,
    created: Stamp,
    appts: Vec<Appointment>,
    changes: Vec<Change>,
}

impl Lead {
    fn new(stage: &'static str, appts: &[&str]) -> Lead {
        Lead {
            stage,
            converted: false,
            created: t("2026-01-05T09:00:00-05:00"),
            appts: appts.iter().map(|a| Appointment::timed(t(a))).collect(),
            changes: vec![],
        }
    }
    fn with(mut self, c: Change) -> Lead {
        self.changes.push(c);
        self
    }
    fn clone_with(&self, c: Change) -> Lead {
        Lead { appts: self.appts.clone(), changes: vec![c], ..Lead::new(self.stage, &[]) }
    }
    fn assess(&self, as_of: &str, r: &RulesConfig) -> Assessment {
        let f = Facts {
            stage: Some(self.stage),
            converted: self.converted,
            created_at: self.created,
            appointments: &self.appts,
            changes: &self.changes,
            history_known: true,
        };
        assess(&f, at(as_of), r).expect("appointed")
    }
}

#[test]
fn no_appointment_means_no_verdict() {
    let f = Facts {
        stage: Some("New"),
        converted: false,
        created_at: t("2026-01-05T09:00:00-05:00"),
        appointments: &[],
        changes: &[],
        history_known: true,
    };
    assert_eq!(assess(&f, at("2026-03-01T12:00:00Z"), &ny()), None);
}

#[test]
fn thresholds_at_the_boundaries() {
    // Appointment Mon 2026-03-02 10:00 New York. Defaults: at risk 5, stale 7.
    let lead = Lead::new("Appt Set", &["2026-03-02T10:00:00-05:00"]);
    let cases = [
        ("2026-03-02T10:00:00-05:00", Status::Awaiting, 0), // at the appointment itself
        ("2026-03-06T23:59:59-05:00", Status::Awaiting, 4),
        ("2026-03-07T00:00:00-05:00", Status::AtRisk, 5), // midnight flips the day
        ("2026-03-08T12:00:00-04:00", Status::AtRisk, 6), // DST started at 02:00 that morning
        ("2026-03-09T00:00:00-04:00", Status::Stale, 7),
        ("2026-04-30T09:00:00-04:00", Status::Stale, 59),
    ];
    for (as_of, status, days) in cases {
        let a = lead.assess(as_of, &ny());
        assert_eq!((a.status, a.days_since_appointment), (status, Some(days)), "as of {as_of}");
    }
}

#[test]
fn an_appointment_at_23_30_local_belongs_to_that_day() {
    // 23:30 in New York is 04:30 UTC the next day; the day counted is the New York one.
    let lead = Lead::new("Appt Set", &["2026-06-10T23:30:00-04:00"]);
    let a = lead.assess("2026-06-15T08:00:00-04:00", &ny());
    assert_eq!(a.days_since_appointment, Some(5));
    assert_eq!(a.status, Status::AtRisk);
    // In London the same instant is already 11 June: one day fewer.
    let a = lead.assess("2026-06-15T08:00:00-04:00", &rules(chrono_tz::Europe::London));
    assert_eq!(a.days_since_appointment, Some(4));
    assert_eq!(a.status, Status::Awaiting);
}

#[test]
fn an_offset_other_than_the_business_zone_counts_by_the_business_zone() {
    // Entered by a user in India: 2026-06-11 08:00 +05:30 = 2026-06-10 22:30 New York.
    let lead = Lead::new("Appt Set", &["2026-06-11T08:00:00+05:30"]);
    let a = lead.assess("2026-06-17T09:00:00-04:00", &ny());
    assert_eq!(a.days_since_appointment, Some(7));
    assert_eq!(a.status, Status::Stale);
    // The reference appointment keeps the offset it was written with.
    assert_eq!(a.reference_appointment.unwrap().start.to_string(), "2026-06-11T08:00:00+05:30");
}

#[test]
fn a_stage_change_on_the_appointment_day_counts_only_after_it() {
    let appt = "2026-05-04T14:00:00-04:00";
    let before = Lead::new("Follow Up", &[appt]).with(change("2026-05-04T09:00:00-04:00", "Appt Set", "Follow Up"));
    let a = before.assess("2026-05-12T09:00:00-04:00", &ny());
    assert_eq!(a.status, Status::Stale, "a change that morning, before the meeting, is not progress");
    assert_eq!(a.days_in_stage, Some(8));

    let after = Lead::new("Follow Up", &[appt]).with(change("2026-05-04T16:30:00-04:00", "Appt Set", "Follow Up"));
    let a = after.assess("2026-05-12T09:00:00-04:00", &ny());
    assert_eq!(a.status, Status::Progressed);
    assert_eq!(a.last_stage_change_at, Some(t("2026-05-04T16:30:00-04:00")));

    // At the very instant of the appointment: not strictly after, so not progress.
    let same = Lead::new("Follow Up", &[appt]).with(change(appt, "Appt Set", "Follow Up"));
    assert_eq!(same.assess("2026-05-12T09:00:00-04:00", &ny()).status, Status::Stale);
}

#[test]
fn the_latest_past_appointment_is_the_reference() {
    let lead =
        Lead::new("Appt Set", &["2026-05-01T10:00:00-04:00", "2026-04-01T10:00:00-04:00", "2026-05-08T10:00:00-04:00"])
            // Progress after the first meeting does not carry over to the later one.
            .with(change("2026-04-03T10:00:00-04:00", "Appt Set", "Follow Up"))
            .with(change("2026-04-20T10:00:00-04:00", "Follow Up", "Appt Set"));
    let a = lead.assess("2026-05-14T12:00:00-04:00", &ny());
    assert_eq!(a.reference_appointment, Some(Appointment::timed(t("2026-05-08T10:00:00-04:00"))));
    assert_eq!(a.days_since_appointment, Some(6));
    assert_eq!(a.status, Status::AtRisk);
}

#[test]
fn a_future_appointment_means_upcoming() {
    let lead = Lead::new("Appt Set", &["2026-05-01T10:00:00-04:00", "2026-05-20T10:00:00-04:00"]);
    let a = lead.assess("2026-05-14T12:00:00-04:00", &ny());
    assert_eq!(a.status, Status::Upcoming);
    assert_eq!(a.next_appointment, Some(Appointment::timed(t("2026-05-20T10:00:00-04:00"))));
    // Its days since the past meeting are still reported.
    assert_eq!(a.days_since_appointment, Some(13));
    // Once the future meeting has passed, it is the reference.
    let a = lead.assess("2026-05-28T12:00:00-04:00", &ny());
    assert_eq!((a.status, a.days_since_appointment), (Status::Stale, Some(8)));
}

#[test]
fn closed_and_converted_leads_are_never_stale() {
    let lead = Lead::new("Dead", &["2026-01-10T10:00:00-05:00"]);
    assert_eq!(lead.assess("2026-05-14T12:00:00-04:00", &ny()).status, Status::Closed);
    let mut conv = Lead::new("Proposal", &["2026-01-10T10:00:00-05:00"]);
    conv.converted = true;
    assert_eq!(conv.assess("2026-05-14T12:00:00-04:00", &ny()).status, Status::Closed);
    // Closed beats upcoming too.
    let future = Lead::new("Delivered", &["2027-01-10T10:00:00-05:00"]);
    assert_eq!(future.assess("2026-05-14T12:00:00-04:00", &ny()).status, Status::Closed);
}

#[test]
fn dst_end_in_new_york_does_not_shift_the_day() {
    // Clocks go back at 02:00 on Sun 2026-11-01. An appointment Fri 2026-10-30 17:00 EDT.
    let lead = Lead::new("Appt Set", &["2026-10-30T17:00:00-04:00"]);
    // 2026-11-04 00:30 EST is day 5: the 25-hour Sunday is still one day.
    let a = lead.assess("2026-11-04T00:30:00-05:00", &ny());
    assert_eq!((a.status, a.days_since_appointment), (Status::AtRisk, Some(5)));
    // 2026-11-03 23:59 EST is day 4.
    let a = lead.assess("2026-11-03T23:59:00-05:00", &ny());
    assert_eq!((a.status, a.days_since_appointment), (Status::Awaiting, Some(4)));
}

#[test]
fn dst_changes_in_london() {
    let london = rules(chrono_tz::Europe::London);
    // Clocks go forward 01:00 → 02:00 on Sun 2026-03-29. Appointment Tue 2026-03-24 23:30 GMT.
    let lead = Lead::new("Appt Set", &["2026-03-24T23:30:00+00:00"]);
    // 2026-03-31 00:15 BST = 2026-03-30 23:15 UTC: a naive UTC count would say day 6.
    let a = lead.assess("2026-03-30T23:15:00+00:00", &london);
    assert_eq!((a.status, a.days_since_appointment), (Status::Stale, Some(7)));
    // Clocks go back 02:00 → 01:00 on Sun 2026-10-25. Appointment Sat 2026-10-24 23:30 BST
    // (= 22:30 UTC). On Sat 2026-10-31 00:10 GMT it is day 7.
    let lead = Lead::new("Appt Set", &["2026-10-24T23:30:00+01:00"]);
    let a = lead.assess("2026-10-31T00:10:00+00:00", &london);
    assert_eq!((a.status, a.days_since_appointment), (Status::Stale, Some(7)));
    let a = lead.assess("2026-10-30T23:50:00+00:00", &london);
    assert_eq!((a.status, a.days_since_appointment), (Status::AtRisk, Some(6)));
}

#[test]
fn changes_in_the_same_second_follow_their_chain() {
    // A workflow moved the lead twice in one second, after as_of. Stored in either order, the
    // stage at as_of is where the chain starts.
    let a = change("2026-05-15T10:00:00-04:00", "New", "Appt Set");
    let b = change("2026-05-15T10:00:00-04:00", "Appt Set", "Appt Not Acknowledged");
    for changes in [vec![a.clone(), b.clone()], vec![b.clone(), a.clone()]] {
        let lead = Lead { changes, ..Lead::new("Appt Not Acknowledged", &["2026-05-20T10:00:00-04:00"]) };
        assert_eq!(lead.assess("2026-05-11T09:00:00-04:00", &ny()).stage.as_deref(), Some("New"));
        let order: Vec<_> = in_order(&lead.changes).into_iter().map(|c| c.to.as_deref().unwrap()).collect();
        assert_eq!(order, ["Appt Set", "Appt Not Acknowledged"]);
    }
}

#[test]
fn per_stage_thresholds_apply_to_the_stage_at_as_of() {
    let mut r = ny();
    r.per_stage.insert("Proposal".into(), Thresholds { at_risk_days: 2, stale_days: 3 });
    let lead = Lead::new("Proposal", &["2026-05-04T10:00:00-04:00"]);
    assert_eq!(lead.assess("2026-05-07T10:00:00-04:00", &r).status, Status::Stale);
    let other = Lead::new("Appt Set", &["2026-05-04T10:00:00-04:00"]);
    assert_eq!(other.assess("2026-05-07T10:00:00-04:00", &r).status, Status::Awaiting);
}

#[test]
fn as_of_in_the_past_sees_the_stage_of_then() {
    // Today the lead is Dead (closed); last Monday it was still Appt Set and stale.
    let lead =
        Lead::new("Dead", &["2026-05-01T10:00:00-04:00"]).with(change("2026-05-15T10:00:00-04:00", "Appt Set", "Dead"));
    let monday = lead.assess("2026-05-11T09:00:00-04:00", &ny());
    assert_eq!((monday.status, monday.stage.as_deref()), (Status::Stale, Some("Appt Set")));
    assert_eq!(lead.assess("2026-05-16T09:00:00-04:00", &ny()).status, Status::Closed);
}

#[test]
fn days_in_stage_and_stuck_in_green() {
    let lead = Lead::new("Green - Approved", &["2026-05-01T10:00:00-04:00"]).with(change(
        "2026-05-02T16:00:00-04:00",
        "Appt Set",
        "Green - Approved",
    ));
    let a = lead.assess("2026-05-15T23:00:00-04:00", &ny());
    assert_eq!((a.days_in_stage, a.stuck_in_green), (Some(13), false));
    let a = lead.assess("2026-05-16T00:01:00-04:00", &ny());
    assert_eq!((a.days_in_stage, a.stuck_in_green, a.status), (Some(14), true, Status::Progressed));
    // No change known: days in stage count from creation.
    let fresh = Lead::new("Appt Set", &["2026-05-01T10:00:00-04:00"]);
    assert_eq!(fresh.assess("2026-01-06T10:00:00-05:00", &ny()).days_in_stage, Some(1));
}

#[test]
fn an_unread_history_leaves_days_in_stage_unknown() {
    // A lead already closed when first synced: its timeline was never read.
    let appts = [Appointment::timed(t("2026-05-01T10:00:00-04:00"))];
    let f = Facts {
        stage: Some("Delivered"),
        converted: false,
        created_at: t("2025-12-01T09:00:00-05:00"),
        appointments: &appts,
        changes: &[],
        history_known: false,
    };
    let a = assess(&f, at("2026-06-01T12:00:00Z"), &ny()).unwrap();
    assert_eq!((a.status, a.days_in_stage, a.stuck_in_green), (Status::Closed, None, false));
    // A change the sync observed is still a known change.
    let seen = [change("2026-05-20T10:00:00-04:00", "Proposal", "Delivered")];
    let a = assess(&Facts { changes: &seen, ..f }, at("2026-06-01T12:00:00Z"), &ny()).unwrap();
    assert_eq!(a.days_in_stage, Some(12));
}

#[test]
fn business_days_skip_the_weekend() {
    let mut r = ny();
    r.business_days = true;
    // Appointment Wed 2026-05-06. Next Wed is 5 business days (at risk), not 7 (stale).
    let lead = Lead::new("Appt Set", &["2026-05-06T10:00:00-04:00"]);
    let a = lead.assess("2026-05-13T10:00:00-04:00", &r);
    assert_eq!((a.status, a.days_since_appointment), (Status::AtRisk, Some(5)));
    let a = lead.assess("2026-05-15T10:00:00-04:00", &r);
    assert_eq!((a.status, a.days_since_appointment), (Status::Stale, Some(7)));
}

#[test]
fn business_days_count_days_in_stage_too() {
    let mut r = ny();
    r.business_days = true;
    // Moved to Follow Up on Fri 2026-05-08, after the appointment. On Mon 2026-05-18 that is
    // 10 calendar days but 6 business days (Mon 11 – Fri 15, Mon 18).
    let lead = Lead::new("Follow Up", &["2026-05-07T10:00:00-04:00"]).with(change(
        "2026-05-08T15:00:00-04:00",
        "Appt Set",
        "Follow Up",
    ));
    let a = lead.assess("2026-05-18T09:00:00-04:00", &r);
    assert_eq!((a.status, a.days_in_stage), (Status::Progressed, Some(6)));
    assert_eq!(lead.assess("2026-05-18T09:00:00-04:00", &ny()).days_in_stage, Some(10));
    // A listed holiday (Mon 2026-05-11) is not counted either.
    r.holidays = vec![chrono::NaiveDate::from_ymd_opt(2026, 5, 11).unwrap()];
    assert_eq!(lead.assess("2026-05-18T09:00:00-04:00", &r).days_in_stage, Some(5));
    // Stuck in green stays a calendar span: 14 calendar days in green is stuck, though it is
    // 10 business days.
    let green = Lead::new("Green - Approved", &["2026-05-07T10:00:00-04:00"]).with(change(
        "2026-05-08T15:00:00-04:00",
        "Appt Set",
        "Green - Approved",
    ));
    let mut r = ny();
    r.business_days = true;
    let a = green.assess("2026-05-22T09:00:00-04:00", &r);
    assert_eq!((a.days_in_stage, a.stuck_in_green), (Some(10), true));
}

/// All-day appointments sent from zones east and west of the business zone (rule 9).
mod all_day;

/// What holds for every generated lead, zone and instant.
mod properties;
