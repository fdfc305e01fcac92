//! Growing an org the way a real one grows: a generated org cut into batches of leads, the
//! first served at once and each later one admitted between two syncs, saved after the
//! previous run so an incremental sync reads only it.
//!
//! Why: Zoho (and the sandbox) will not list past 100,000 records in one listing
//! (`PAGINATION_LIMIT_EXCEEDED`), so an org of 500,000 leads can never be read by one first
//! sync; it is built up by incremental runs of at most 100,000 new records each, as a real
//! org of that size was.

use chrono::{DateTime, Duration, Utc};

use crate::org::Org;

/// How long the CRM's users take to save one batch: its records' Modified_Time is spread over
/// this window, which starts at the sandbox clock when the batch is admitted.
const SAVED_OVER: Duration = Duration::hours(1);

/// Cuts `org` into `batches` parts by lead, in id order (so later batches hold newer ids, as
/// new records do): the first part is the org to serve, the others are orgs of their own to
/// hand to [`Org::admit`] one after another.
///
/// Each lead travels with its events, appointments and timeline; events and appointments with
/// no lead (meetings with accounts) and the recycle bin are dealt out in turn. Users and the
/// id counter stay with the first part. With `batches` ≤ 1 the org comes back whole.
pub fn split(mut org: Org, batches: usize) -> (Org, Vec<Org>) {
    let batches = batches.max(1);
    let n = org.leads.len();
    let mut parts: Vec<Org> = (0..batches).map(|_| Org::empty(org.now, org.user_tz)).collect();
    // The part of lead `i` (of `n`, in id order): the first `n / batches` leads go to part 0...
    let part_of_lead: std::collections::HashMap<String, usize> =
        org.leads.keys().enumerate().map(|(i, id)| (id.clone(), i * batches / n.max(1))).collect();
    let part_of = |lead: Option<&str>, i: usize| lead.and_then(|l| part_of_lead.get(l).copied()).unwrap_or(i % batches);

    for (id, lead) in std::mem::take(&mut org.leads) {
        parts[part_of_lead[&id]].leads.insert(id, lead);
    }
    for (i, (id, e)) in std::mem::take(&mut org.events).into_iter().enumerate() {
        let lead = e.what.as_ref().filter(|w| w.module == "Leads").map(|w| w.id.as_str());
        parts[part_of(lead, i)].events.insert(id, e);
    }
    for (i, (id, a)) in std::mem::take(&mut org.appointments).into_iter().enumerate() {
        let lead = a.target.as_ref().filter(|w| w.module == "Leads").map(|w| w.id.as_str());
        parts[part_of(lead, i)].appointments.insert(id, a);
    }
    for (i, (id, entries)) in std::mem::take(&mut org.timeline).into_iter().enumerate() {
        parts[part_of(Some(&id), i)].timeline.insert(id, entries);
    }
    for (i, d) in std::mem::take(&mut org.deleted).into_iter().enumerate() {
        parts[i % batches].deleted.push(d);
    }
    let mut rest = parts.split_off(1);
    let first = parts.pop().expect("at least one part");
    org.leads = first.leads;
    org.events = first.events;
    org.appointments = first.appointments;
    org.timeline = first.timeline;
    org.deleted = first.deleted;
    org.version += 1;
    // Later parts' own clocks and id counters are never used: `admit` takes the served org's.
    for p in &mut rest {
        p.next_id = org.next_id;
    }
    (org, rest)
}

impl Org {
    /// Adds `batch` (a part from [`split`]) as if the CRM's users had saved all of it since the
    /// last sync: every record's Modified_Time (and deletion time) is moved into the hour after
    /// the sandbox clock, then the clock moves past that hour. A sync that started before has a
    /// watermark before all of it, so the next incremental run lists exactly this batch.
    /// Creation times, meetings and stage history keep their generated dates, so the grown org
    /// has the same shape as one generated whole. Returns when the batch started being saved.
    pub fn admit(&mut self, batch: Org) -> DateTime<Utc> {
        let start = self.now;
        let count = (batch.leads.len() + batch.events.len() + batch.appointments.len() + batch.deleted.len()).max(1);
        // Whole seconds, as Zoho keeps them: a watermark taken from one of these times then
        // excludes exactly the records saved up to it.
        let mut saved = 0i64;
        let mut next = || {
            let t = start + Duration::seconds(saved * SAVED_OVER.num_seconds() / count as i64);
            saved += 1;
            t
        };
        for (id, mut lead) in batch.leads {
            lead.modified = lead.modified.max(next());
            self.leads.insert(id, lead);
        }
        for (id, mut e) in batch.events {
            e.modified = e.modified.max(next());
            self.events.insert(id, e);
        }
        for (id, mut a) in batch.appointments {
            a.modified = a.modified.max(next());
            self.appointments.insert(id, a);
        }
        for mut d in batch.deleted {
            d.deleted = d.deleted.max(next());
            self.deleted.push(d);
        }
        self.timeline.extend(batch.timeline);
        self.next_id = self.next_id.max(batch.next_id);
        // A minute past the last save, as in `touch`: the next run's HTTP Date is then a whole
        // second after every admitted record.
        self.advance(SAVED_OVER + Duration::minutes(1));
        start
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::generate::{generate, Spec};

    fn org() -> Org {
        generate(&Spec::scaled(7, 1_000, Utc.with_ymd_and_hms(2026, 11, 20, 13, 0, 0).unwrap()))
    }

    #[test]
    fn parts_add_up_to_the_org_and_keep_leads_with_their_meetings() {
        let whole = org();
        let (first, rest) = split(org(), 4);
        assert_eq!(rest.len(), 3);
        let parts: Vec<&Org> = std::iter::once(&first).chain(&rest).collect();
        assert_eq!(parts.iter().map(|p| p.leads.len()).collect::<Vec<_>>(), vec![250; 4]);
        assert_eq!(parts.iter().map(|p| p.events.len()).sum::<usize>(), whole.events.len());
        assert_eq!(parts.iter().map(|p| p.deleted.len()).sum::<usize>(), whole.deleted.len());
        assert_eq!(parts.iter().map(|p| p.timeline.len()).sum::<usize>(), whole.timeline.len());
        // Every part's meetings with leads are with its own leads, so each part's appointed
        // leads are the whole org's appointed leads in that part.
        for p in &parts {
            for e in p.events.values() {
                if let Some(w) = e.what.as_ref().filter(|w| w.module == "Leads") {
                    assert!(p.leads.contains_key(&w.id), "event {} away from its lead", e.id);
                }
            }
        }
        // Later parts hold newer ids.
        let last_of_first = first.leads.keys().next_back().expect("leads");
        assert!(rest.iter().all(|p| p.leads.keys().all(|id| id > last_of_first)));
    }

    #[test]
    fn admitted_records_are_saved_after_the_clock_and_before_the_next_reading() {
        let whole = org();
        let (mut served, rest) = split(org(), 2);
        let before = served.now;
        let batch_ids: Vec<String> = rest[0].leads.keys().cloned().collect();
        served.admit(rest.into_iter().next().expect("a batch"));
        assert_eq!(served.leads.len(), whole.leads.len());
        assert_eq!(served.events.len(), whole.events.len());
        for id in &batch_ids {
            let m = served.leads[id].modified;
            assert!(m >= before && m < served.now - Duration::seconds(1), "lead {id} modified {m}");
            // What a person sees of the lead (its stage and history) is what was generated.
            assert_eq!(served.leads[id].status, whole.leads[id].status);
            assert_eq!(served.stage_history(id), whole.stage_history(id));
        }
        assert_eq!(served.leads.values().filter(|l| l.modified >= before).count(), batch_ids.len());
    }
}
