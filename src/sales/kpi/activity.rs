//! **Activity per person**: for each owner, the calls made and meetings held in the period, the
//! tasks completed in the period, and the tasks overdue now. An activity counts when its owner
//! passes the `Filter` (activities are not filtered by lead source or pipeline).
//!
//! - A call is *made* unless it is a Missed call, once it is done: completed (a closed time, or
//!   `Outgoing_Call_Status` Completed), or, with no status (an Inbound call), once its start has
//!   passed. It counts on its start (or, without one, its completion).
//! - A meeting is *held* when it starts in the period and has started by now.
//! - A task is *completed* in the period when its closed time falls in it; *overdue* when it is
//!   not completed and its due date is before today.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::Filter;
use crate::sales::period::Period;
use crate::sales::{Activity, ActivityKind};

/// One person's activity.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PersonActivity {
    /// The owner's CRM user id (`None`: activities with no owner).
    pub owner_id: Option<String>,
    pub name: String,
    pub calls: u64,
    pub meetings: u64,
    pub tasks_completed: u64,
    pub tasks_overdue: u64,
}

fn done_status(a: &Activity) -> bool {
    a.status.as_deref().is_some_and(|s| s.trim().eq_ignore_ascii_case("completed"))
}

/// Whether a call is made by `now` (see the module's definition).
pub fn call_made(a: &Activity, now: DateTime<Utc>) -> bool {
    if a.kind != ActivityKind::Call || a.call_type.as_deref().is_some_and(|t| t.trim().eq_ignore_ascii_case("missed")) {
        return false;
    }
    a.completed_at.is_some() || done_status(a) || (a.status.is_none() && a.at.is_some_and(|t| t.utc() <= now))
}

/// Whether a task is completed (closed time, or status Completed).
pub fn task_done(a: &Activity) -> bool {
    a.completed_at.is_some() || done_status(a)
}

/// What one activity adds to its owner's row.
fn count(a: &Activity, from: DateTime<Utc>, to: DateTime<Utc>, now: DateTime<Utc>, today: NaiveDate) -> [u64; 4] {
    let inside = |t: DateTime<Utc>| from <= t && t < to;
    match a.kind {
        ActivityKind::Call => {
            let at = a.at.or(a.completed_at);
            [u64::from(at.is_some_and(|t| inside(t.utc())) && call_made(a, now)), 0, 0, 0]
        }
        ActivityKind::Meeting => [0, u64::from(a.at.is_some_and(|t| inside(t.utc()) && t.utc() <= now)), 0, 0],
        ActivityKind::Task => {
            let completed = a.completed_at.is_some_and(|t| inside(t.utc()));
            let overdue = !task_done(a) && a.due.is_some_and(|d| d < today);
            [0, 0, u64::from(completed), u64::from(overdue)]
        }
    }
}

/// The activity per person (see the module's definition), by name; people with nothing to
/// count are left out.
pub fn per_person(
    activities: &[Activity],
    f: &Filter,
    period: &Period,
    tz: Tz,
    now: DateTime<Utc>,
) -> Vec<PersonActivity> {
    let (from, to) = period.instants(tz);
    let (from, to) = (from.utc(), to.utc());
    let today = now.with_timezone(&tz).date_naive();
    let mut rows: Vec<PersonActivity> = Vec::new();
    for a in activities {
        let owner = a.owner.as_ref().map(|u| u.id.as_str());
        if !f.allows_owner(owner) {
            continue;
        }
        let c = count(a, from, to, now, today);
        if c == [0; 4] {
            continue;
        }
        let row = match rows.iter().position(|r| r.owner_id.as_deref() == owner) {
            Some(i) => &mut rows[i],
            None => {
                let name = a.owner.as_ref().map(|u| u.name.clone()).unwrap_or_else(|| "(no owner)".into());
                rows.push(PersonActivity { owner_id: owner.map(str::to_string), name, ..Default::default() });
                rows.last_mut().expect("just pushed")
            }
        };
        row.calls += c[0];
        row.meetings += c[1];
        row.tasks_completed += c[2];
        row.tasks_overdue += c[3];
    }
    rows.sort_by_key(|r| (r.owner_id.is_none(), r.name.to_lowercase()));
    rows
}

/// The rows summed: the whole scope's activity.
pub fn total(rows: &[PersonActivity]) -> PersonActivity {
    rows.iter().fold(PersonActivity { name: "Total".into(), ..Default::default() }, |mut t, r| {
        t.calls += r.calls;
        t.meetings += r.meetings;
        t.tasks_completed += r.tasks_completed;
        t.tasks_overdue += r.tasks_overdue;
        t
    })
}

/// What one indexed event is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum What {
    /// A call: `sure` when done whatever the time (completed); otherwise (no status: inbound)
    /// made once its start has passed.
    Call {
        sure: bool,
    },
    Meeting,
    TaskDone,
}

#[derive(Clone, Copy, Debug)]
struct Event {
    /// The instant it counts on, UTC microseconds.
    at: i64,
    owner: u32,
    what: What,
}

/// The activities indexed once per load (`Book::new`), so a period's activity is a binary
/// search and a pass over that period's compact events rather than over every activity: each
/// counted moment (a call's start, a meeting's start, a task's closing) as a small event sorted
/// by time, owners numbered, open tasks with a due date apart. Calls that can never count
/// (missed, or scheduled and not done) are left out. Same definitions as `per_person`.
#[derive(Clone, Debug, Default)]
pub struct ActivityIndex {
    /// (CRM user id, name), numbered by first appearance.
    owners: Vec<(Option<String>, String)>,
    events: Vec<Event>,
    /// Tasks not completed, with their due date: (owner, due).
    open_tasks: Vec<(u32, NaiveDate)>,
}

fn micros(t: &crate::time::Stamp) -> i64 {
    t.utc().timestamp_micros()
}

impl ActivityIndex {
    pub fn new(activities: &[Activity]) -> ActivityIndex {
        let mut idx = ActivityIndex::default();
        let mut numbers: std::collections::HashMap<Option<&str>, u32> = std::collections::HashMap::new();
        for a in activities {
            let id = a.owner.as_ref().map(|u| u.id.as_str());
            let owner = *numbers.entry(id).or_insert_with(|| {
                let name = a.owner.as_ref().map(|u| u.name.clone()).unwrap_or_else(|| "(no owner)".into());
                idx.owners.push((id.map(str::to_string), name));
                idx.owners.len() as u32 - 1
            });
            let mut push = |t: Option<crate::time::Stamp>, what| {
                if let Some(t) = t {
                    idx.events.push(Event { at: micros(&t), owner, what });
                }
            };
            match a.kind {
                ActivityKind::Call => {
                    let missed = a.call_type.as_deref().is_some_and(|t| t.trim().eq_ignore_ascii_case("missed"));
                    let sure = a.completed_at.is_some() || done_status(a);
                    let by_start = a.status.is_none() && a.at.is_some();
                    if !missed && (sure || by_start) {
                        push(a.at.or(a.completed_at), What::Call { sure });
                    }
                }
                ActivityKind::Meeting => push(a.at, What::Meeting),
                ActivityKind::Task => {
                    push(a.completed_at, What::TaskDone);
                    if let (false, Some(due)) = (task_done(a), a.due) {
                        idx.open_tasks.push((owner, due));
                    }
                }
            }
        }
        idx.events.sort_by_key(|e| e.at);
        idx
    }

    /// `per_person` over the index: the same rows.
    pub fn per_person(&self, f: &Filter, period: &Period, tz: Tz, now: DateTime<Utc>) -> Vec<PersonActivity> {
        let allowed: Vec<bool> = self.owners.iter().map(|(id, _)| f.allows_owner(id.as_deref())).collect();
        let (from, to) = period.instants(tz);
        let (from, to, now_us) = (micros(&from), micros(&to), now.timestamp_micros());
        let today = now.with_timezone(&tz).date_naive();
        let mut counts = vec![[0u64; 4]; self.owners.len()];
        let a = self.events.partition_point(|e| e.at < from);
        let b = self.events.partition_point(|e| e.at < to);
        for e in &self.events[a..b] {
            if !allowed[e.owner as usize] {
                continue;
            }
            let c = &mut counts[e.owner as usize];
            match e.what {
                What::Call { sure } => c[0] += u64::from(sure || e.at <= now_us),
                What::Meeting => c[1] += u64::from(e.at <= now_us),
                What::TaskDone => c[2] += 1,
            }
        }
        for &(owner, due) in &self.open_tasks {
            if allowed[owner as usize] && due < today {
                counts[owner as usize][3] += 1;
            }
        }
        let mut rows: Vec<PersonActivity> = counts
            .iter()
            .enumerate()
            .filter(|(_, c)| **c != [0; 4])
            .map(|(i, c)| PersonActivity {
                owner_id: self.owners[i].0.clone(),
                name: self.owners[i].1.clone(),
                calls: c[0],
                meetings: c[1],
                tasks_completed: c[2],
                tasks_overdue: c[3],
            })
            .collect();
        rows.sort_by_key(|r| (r.owner_id.is_none(), r.name.to_lowercase()));
        rows
    }
}
