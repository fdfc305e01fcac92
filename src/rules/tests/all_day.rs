//! Rule 9 by hand: an all-day appointment belongs to its own date, whichever zone Zoho's
//! midnight was sent from. Each expected number was worked out on paper from the dates.

use super::*;

#[test]
fn an_all_day_appointment_sent_from_east_of_the_business_zone_keeps_its_date() {
    // The API user is in India: Zoho sends the all-day meeting on Mon 23 Nov as midnight
    // +05:30, which is 13:30 on Sun 22 Nov in New York. It belongs to the 23rd.
    let appt = Appointment::all_day(t("2026-11-23T00:00:00+05:30"));
    let tz = chrono_tz::America::New_York;
    assert_eq!(appt.date(tz).to_string(), "2026-11-23");
    assert_eq!(appt.at(tz).to_string(), "2026-11-23T00:00:00-05:00");
    let lead = Lead { appts: vec![appt], ..Lead::new("Appt Set", &[]) };
    // Sunday evening in New York: the meeting is tomorrow.
    let a = lead.assess("2026-11-22T20:00:00-05:00", &ny());
    assert_eq!((a.status, a.days_since_appointment), (Status::Upcoming, None));
    assert_eq!(a.next_appointment, Some(appt));
    // On the day itself it is today's meeting: 0 days, awaiting.
    let a = lead.assess("2026-11-23T08:00:00-05:00", &ny());
    assert_eq!((a.status, a.days_since_appointment), (Status::Awaiting, Some(0)));
    // Sun 29 Nov is day 6 (at risk), not day 7 (stale); Mon 30 Nov is day 7.
    let a = lead.assess("2026-11-29T09:00:00-05:00", &ny());
    assert_eq!((a.status, a.days_since_appointment), (Status::AtRisk, Some(6)));
    let a = lead.assess("2026-11-30T09:00:00-05:00", &ny());
    assert_eq!((a.status, a.days_since_appointment), (Status::Stale, Some(7)));
    // A stage change on Sunday afternoon came before the meeting, not after it ...
    let sunday = lead.clone_with(change("2026-11-22T15:00:00-05:00", "Appt Set", "Follow Up"));
    assert_eq!(sunday.assess("2026-11-29T09:00:00-05:00", &ny()).status, Status::AtRisk);
    // ... while one on the day of the meeting, at any hour, is progress.
    let monday = lead.clone_with(change("2026-11-23T07:00:00-05:00", "Appt Set", "Follow Up"));
    assert_eq!(monday.assess("2026-11-29T09:00:00-05:00", &ny()).status, Status::Progressed);
}

#[test]
fn an_all_day_appointment_sent_from_west_of_the_business_zone_keeps_its_date() {
    // Business zone Kiritimati (+14), API user in Honolulu (−10): Zoho's midnight on the 23rd
    // is already 00:00 on the 24th in Kiritimati. The meeting is still on the 23rd.
    let kiri = rules(chrono_tz::Pacific::Kiritimati);
    let appt = Appointment::all_day(t("2026-11-23T00:00:00-10:00"));
    assert_eq!(appt.date(kiri.timezone).to_string(), "2026-11-23");
    let lead = Lead { appts: vec![appt], ..Lead::new("Appt Set", &[]) };
    // Noon on the 23rd in Kiritimati: today's meeting, not one due tomorrow.
    let a = lead.assess("2026-11-23T12:00:00+14:00", &kiri);
    assert_eq!((a.status, a.days_since_appointment), (Status::Awaiting, Some(0)));
    // Mon 30 Nov is day 7: stale (counted from the 24th it would be 6).
    let a = lead.assess("2026-11-30T09:00:00+14:00", &kiri);
    assert_eq!((a.status, a.days_since_appointment), (Status::Stale, Some(7)));
    // A milder west: business zone London, API user in Los Angeles. Midnight −08:00 is 08:00
    // in London the same day; at 07:00 that morning the meeting is today's, not upcoming.
    let london = rules(chrono_tz::Europe::London);
    let lead = Lead { appts: vec![Appointment::all_day(t("2026-11-23T00:00:00-08:00"))], ..Lead::new("Appt Set", &[]) };
    let a = lead.assess("2026-11-23T07:00:00+00:00", &london);
    assert_eq!((a.status, a.days_since_appointment), (Status::Awaiting, Some(0)));
}

#[test]
fn a_timed_appointment_on_the_same_day_as_an_all_day_one_comes_after_it() {
    // An all-day meeting and a 10:00 call on the 23rd: at 12:00 the 10:00 call is the reference;
    // at 09:00 the call is next, so the lead is upcoming.
    let lead = Lead {
        appts: vec![
            Appointment::all_day(t("2026-11-23T00:00:00+05:30")),
            Appointment::timed(t("2026-11-23T10:00:00-05:00")),
        ],
        ..Lead::new("Appt Set", &[])
    };
    let a = lead.assess("2026-11-23T12:00:00-05:00", &ny());
    assert_eq!(a.reference_appointment.map(|x| x.all_day), Some(false));
    let a = lead.assess("2026-11-23T09:00:00-05:00", &ny());
    assert_eq!((a.status, a.reference_appointment.map(|x| x.all_day)), (Status::Upcoming, Some(true)));
}
