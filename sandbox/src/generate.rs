//! A realistic, reproducible vending-company org: locators, leads from "new" to "delivered",
//! meetings before and after today, stage changes spread around them, converted and deleted
//! leads, and names in many scripts. The same seed always gives the same org.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::Map;

use crate::names::{FIRST, LAST, LOCATOR_NAMES, PLACES, PREFIX, SOURCES};
use crate::org::{Org, Related, SAppointment, SDeleted, SEvent, SLead, STimelineEntry, SUser};
use crate::rng::Rng;
use crate::sales::SalesSpec;

/// The stage picklist of the org, in pipeline order.
pub const STAGES: &[&str] = &[
    "New",
    "Appt Set",
    "Appt Not Acknowledged",
    "Follow Up",
    "Proposal",
    "Green - Approved",
    "Green - Install Scheduled",
    "Delivered",
    "Dead",
    "Junk Lead",
];

#[derive(Clone, Debug)]
pub struct Spec {
    pub seed: u64,
    pub leads: usize,
    /// How many leads have at least one meeting.
    pub appointed: usize,
    /// Meetings in `Events` (about a tenth of them with accounts, not leads).
    pub events: usize,
    pub locators: usize,
    pub now: DateTime<Utc>,
    pub user_tz: Tz,
    /// Also fill `Appointments__s` (doubles the appointment data; off for the big benchmark).
    pub appointments_module: bool,
    /// The sales side: deals, activities, accounts, contacts (none unless asked for).
    pub sales: SalesSpec,
}

impl Spec {
    /// An org of `leads` leads in the benchmark's proportions: a fifth appointed, three
    /// meetings per five leads, sixteen locators, meetings only in `Events`.
    pub fn scaled(seed: u64, leads: usize, now: DateTime<Utc>) -> Spec {
        Spec {
            seed,
            leads,
            appointed: leads / 5,
            events: leads * 3 / 5,
            locators: 16,
            now,
            user_tz: chrono_tz::America::New_York,
            appointments_module: false,
            sales: SalesSpec::none(),
        }
    }

    /// The demo org: big enough to look real, small enough to sync in a blink.
    pub fn demo(now: DateTime<Utc>) -> Spec {
        Spec {
            seed: 42,
            leads: 3_000,
            appointed: 600,
            events: 1_800,
            locators: 9,
            now,
            user_tz: chrono_tz::America::New_York,
            appointments_module: true,
            sales: SalesSpec::demo(),
        }
    }
}

/// A business-hours instant on the local day that contains `day` in `tz`.
fn business_time(rng: &mut Rng, day: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    let date = day.with_timezone(&tz).date_naive();
    let minutes = rng.range(8 * 4, 18 * 4) as u32 * 15;
    let naive = date.and_time(NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0).expect("valid time"));
    tz.from_local_datetime(&naive).earliest().map(|t| t.with_timezone(&Utc)).unwrap_or(day)
}

pub fn generate(spec: &Spec) -> Org {
    let mut rng = Rng::new(spec.seed);
    let now = spec.now;
    // Every generated edit is at least a minute old, so the first sync sees a settled org.
    let past = now - Duration::minutes(1);
    let mut org = Org::empty(now, spec.user_tz);

    let n_loc = spec.locators.clamp(1, LOCATOR_NAMES.len());
    for (i, (f, l)) in LOCATOR_NAMES.iter().take(n_loc).enumerate() {
        let id = org.new_id();
        org.users.push(SUser {
            id,
            first_name: f.to_string(),
            last_name: l.to_string(),
            email: format!("{}.{}@vendco.example", f.to_lowercase(), l.to_lowercase().replace('\'', "")),
            status: if i == n_loc - 1 && n_loc > 3 { "disabled".into() } else { "active".into() },
            modified: past - Duration::days(30),
            role_id: None,
            profile: "Standard".into(),
            reporting_to: None,
        });
    }
    let coordinator = org.new_id();
    org.users.push(SUser {
        id: coordinator.clone(),
        first_name: "Chris".into(),
        last_name: "Alvarez".into(),
        email: "chris.alvarez@vendco.example".into(),
        status: "active".into(),
        modified: past - Duration::days(30),
        role_id: None,
        profile: "Administrator".into(),
        reporting_to: None,
    });
    // Roles take no random numbers and no record ids: the leads come out as they always did.
    crate::roles::assign(&mut org, n_loc);
    let locators: Vec<(String, String)> = org.users[..n_loc].iter().map(|u| (u.id.clone(), u.full_name())).collect();

    // Which leads are appointed: a deterministic shuffle of the indices.
    let mut order: Vec<usize> = (0..spec.leads).collect();
    for i in (1..order.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    let mut appointed = vec![false; spec.leads];
    for &i in order.iter().take(spec.appointed.min(spec.leads)) {
        appointed[i] = true;
    }
    let lead_events = (spec.events as f64 * 0.9) as usize;
    let per_lead = if spec.appointed > 0 { lead_events as f64 / spec.appointed as f64 } else { 0.0 };

    let mut events_made = 0usize;
    let mut timeline: HashMap<String, Vec<STimelineEntry>> = HashMap::new();
    for (i, is_appointed) in appointed.iter().enumerate() {
        let id = org.new_id();
        let (owner_id, owner_name) = rng.pick(&locators).clone();
        let created = past - Duration::minutes(rng.range(60 * 24 * 20, 60 * 24 * 400));
        let first = rng.pick(FIRST).to_string();
        let last = rng.pick(LAST).to_string();
        let company = format!("{} {}", rng.pick(PREFIX), rng.pick(PLACES));
        let mut lead = SLead {
            id: id.clone(),
            first_name: (!rng.chance(0.03)).then(|| first.clone()),
            last_name: Some(last.clone()),
            company: (!rng.chance(0.02)).then_some(company),
            email: Some(format!(
                "{}.{}{}@example.com",
                first.to_lowercase(),
                last.to_lowercase().replace([' ', '\''], ""),
                i
            )),
            phone: Some(format!("+1 555 {:03} {:04}", rng.below(1000), rng.below(10000))),
            lead_source: Some(rng.pick(SOURCES).to_string()),
            status: Some("New".into()),
            owner_id: Some(owner_id.clone()),
            created,
            modified: created,
            converted: false,
            converted_at: None,
            appointment_at: None,
            overrides: Map::new(),
        };
        let mut entries: Vec<STimelineEntry> = Vec::new();
        let mut change = |org: &mut Org, lead: &mut SLead, at: DateTime<Utc>, to: &str| {
            let at = at.min(past).max(lead.created + Duration::minutes(1));
            let old = lead.status.replace(to.to_string());
            entries.push(STimelineEntry {
                id: org.new_id(),
                audited: at,
                done_by: owner_name.clone(),
                done_by_id: owner_id.clone(),
                action: "updated".into(),
                changes: vec![("Lead_Status".into(), old, Some(to.to_string()))],
                overrides: Map::new(),
            });
            lead.modified = lead.modified.max(at);
        };

        if *is_appointed {
            // Most recent meeting: a spread from two months ago to two weeks ahead, weighted
            // toward the last fortnight, where staleness is decided.
            let offset_days = if rng.chance(0.55) { rng.range(-16, 10) } else { rng.range(-60, 14) };
            let last_day = now + Duration::days(offset_days);
            let count = 1 + {
                let extra = (per_lead - 1.0).max(0.0);
                let whole = extra.floor() as u64;
                let frac = extra - whole as f64;
                rng.below(2 * whole + 1).min(4) + u64::from(rng.chance(frac))
            } as usize;
            let mut starts = vec![business_time(&mut rng, last_day, spec.user_tz)];
            for _ in 1..count {
                let prev = *starts.last().expect("non-empty");
                let gap = Duration::days(rng.range(3, 20));
                starts.push(business_time(&mut rng, prev - gap, spec.user_tz));
            }
            starts.reverse();
            let first_start = starts[0];
            change(&mut org, &mut lead, first_start - Duration::days(rng.range(1, 7)), "Appt Set");
            if rng.chance(0.1) {
                change(&mut org, &mut lead, first_start - Duration::hours(rng.range(2, 20)), "Appt Not Acknowledged");
            }
            let last_past = starts.iter().rev().find(|s| **s <= now).copied();
            if let Some(a) = last_past {
                if rng.chance(0.5) {
                    // Progressed after the meeting, sometimes all the way to delivery.
                    let t = a + Duration::hours(rng.range(1, 24 * 9));
                    if t < past {
                        let roll = rng.below(100);
                        let to = match roll {
                            0..=34 => "Follow Up",
                            35..=59 => "Proposal",
                            60..=84 => "Green - Approved",
                            _ => "Dead",
                        };
                        change(&mut org, &mut lead, t, to);
                        if to == "Green - Approved" && rng.chance(0.6) {
                            let t2 = t + Duration::days(rng.range(2, 20));
                            if t2 < past {
                                change(&mut org, &mut lead, t2, "Green - Install Scheduled");
                                let t3 = t2 + Duration::days(rng.range(3, 25));
                                if t3 < past && rng.chance(0.6) {
                                    change(&mut org, &mut lead, t3, "Delivered");
                                    if rng.chance(0.3) {
                                        lead.converted = true;
                                        lead.converted_at = Some(t3);
                                    }
                                }
                            }
                        }
                    }
                } else if rng.chance(0.15) {
                    // A same-day change before the meeting (the prospect did not confirm): not progress.
                    let to =
                        if lead.status.as_deref() == Some("Appt Set") { "Appt Not Acknowledged" } else { "Appt Set" };
                    change(&mut org, &mut lead, a - Duration::minutes(rng.range(30, 180)), to);
                }
            }
            lead.appointment_at = starts.last().copied();
            let name = lead.full_name().unwrap_or_default();
            for s in &starts {
                let eid = org.new_id();
                org.events.insert(
                    eid.clone(),
                    SEvent {
                        id: eid,
                        title: format!("Site visit: {}", lead.company.as_deref().unwrap_or(&name)),
                        start: *s,
                        end: *s + Duration::minutes(rng.range(2, 6) * 15),
                        all_day: false,
                        what: Some(Related { module: "Leads".into(), id: id.clone(), name: name.clone() }),
                        who: None,
                        owner_id: Some(owner_id.clone()),
                        created,
                        modified: (*s - Duration::days(rng.range(1, 10))).min(past).max(created),
                        overrides: Map::new(),
                    },
                );
                events_made += 1;
                if spec.appointments_module {
                    let aid = org.new_id();
                    org.appointments.insert(
                        aid.clone(),
                        SAppointment {
                            id: aid,
                            name: format!("Site visit: {name}"),
                            start: *s,
                            end: *s + Duration::minutes(45),
                            status: if *s > now { "Scheduled".into() } else { "Completed".into() },
                            target: Some(Related { module: "Leads".into(), id: id.clone(), name: name.clone() }),
                            modified: (*s - Duration::days(2)).min(past).max(created),
                        },
                    );
                }
            }
        } else if rng.chance(0.4) {
            let to = if rng.chance(0.7) { "Dead" } else { "Junk Lead" };
            change(&mut org, &mut lead, created + Duration::days(rng.range(1, 30)), to);
        }
        // Noise the client must ignore: a phone edit and an owner assignment.
        if rng.chance(0.3) {
            let at = (created + Duration::days(rng.range(0, 40))).min(past);
            entries.push(STimelineEntry {
                id: org.new_id(),
                audited: at,
                done_by: owner_name.clone(),
                done_by_id: owner_id.clone(),
                action: "updated".into(),
                changes: vec![("Phone".into(), Some("+1 555 000 0000".into()), lead.phone.clone())],
                overrides: Map::new(),
            });
            lead.modified = lead.modified.max(at);
        }
        if !entries.is_empty() {
            timeline.insert(id.clone(), entries);
        }
        org.leads.insert(id, lead);
    }

    // A share of meetings with accounts, not leads: the sync must leave them out.
    while events_made < spec.events {
        let eid = org.new_id();
        let day = now + Duration::days(rng.range(-30, 30));
        let start = business_time(&mut rng, day, spec.user_tz);
        org.events.insert(
            eid.clone(),
            SEvent {
                id: eid,
                title: "Quarterly account review".into(),
                start,
                end: start + Duration::hours(1),
                all_day: rng.chance(0.1),
                what: Some(Related {
                    module: "Accounts".into(),
                    id: "3652397000088888888".into(),
                    name: "Vendco HQ".into(),
                }),
                who: None,
                owner_id: Some(coordinator.clone()),
                created: past - Duration::days(30),
                modified: past - Duration::days(rng.range(1, 30)),
                overrides: Map::new(),
            },
        );
        events_made += 1;
    }

    // Deleted leads in the recycle bin.
    for _ in 0..(spec.leads / 200).max(1) {
        let id = org.new_id();
        org.deleted.push(SDeleted {
            module: "Leads".into(),
            id,
            name: format!("{} {}", rng.pick(FIRST), rng.pick(LAST)),
            deleted: past - Duration::days(rng.range(1, 50)),
        });
    }
    org.timeline = timeline;
    // Last, from its own random stream: the lead side is what it always was.
    let owners: Vec<String> = locators.iter().map(|(id, _)| id.clone()).collect();
    crate::sales::generate::fill(&mut org, &spec.sales, spec.seed, &owners);
    org
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Spec {
        Spec {
            leads: 500,
            appointed: 100,
            events: 300,
            // The lead side alone: the sales side's meetings are tested in `sales::generate`.
            sales: SalesSpec::none(),
            ..Spec::demo(Utc.with_ymd_and_hms(2026, 11, 20, 13, 0, 0).unwrap())
        }
    }

    #[test]
    fn same_seed_same_org() {
        let a = generate(&spec());
        let b = generate(&spec());
        assert_eq!(a.leads.len(), 500);
        let names =
            |o: &Org| o.leads.values().map(|l| (l.full_name(), l.status.clone(), l.modified)).collect::<Vec<_>>();
        assert_eq!(names(&a), names(&b));
        let c = generate(&Spec { seed: 7, ..spec() });
        assert_ne!(names(&a), names(&c));
    }

    #[test]
    fn shape_is_realistic() {
        let org = generate(&spec());
        let appointed: std::collections::HashSet<_> =
            org.event_appointments().iter().map(|(_, l)| l.to_string()).collect();
        assert_eq!(appointed.len(), 100);
        assert_eq!(org.events.len(), 300);
        assert!(org.leads.values().all(|l| l.modified < org.now && l.created <= l.modified));
        assert!(org.events.values().any(|e| e.start > org.now), "some meetings are upcoming");
        assert!(org.events.values().any(|e| e.start < org.now), "some meetings are past");
        assert!(org.leads.values().any(|l| l.converted));
        assert!(!org.deleted.is_empty());
        // Statuses in the timeline agree with the leads' current stage, and every change
        // changes something.
        for (id, lead) in &org.leads {
            let h = org.stage_history(id);
            if let Some(last) = h.last() {
                assert_eq!(last.3, lead.status, "lead {id}");
            }
            assert!(h.iter().all(|c| c.2 != c.3), "lead {id}: {h:?}");
        }
    }
}
