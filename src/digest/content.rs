//! What the digest says: headline counts with their change since the previous digest, the
//! stale and at-risk lists grouped by locator, today's calendar, which leads are new, and how
//! fast leads are followed up (the follow-up KPIs, this week against last).

use std::collections::HashSet;

use chrono::NaiveDate;

use crate::rules::Status;
use crate::store::DigestRecord;
use crate::views::calendar::{self, CalendarView, Period};
use crate::views::list::{self, ListKind, ListView, LocatorCount};
use crate::views::{assess_all, join_capped, Context, Filter, Snapshot, SortKey};

/// One headline number and how it moved since the previous digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Headline {
    pub label: &'static str,
    pub count: u64,
    /// `None` when there is no previous digest to compare with.
    pub delta: Option<i64>,
}

impl Headline {
    /// "12 ▲3", "4 ▼1", "7 =" or "7".
    pub fn show(&self) -> String {
        match self.delta {
            Some(d) if d > 0 => format!("{} ▲{}", self.count, d),
            Some(d) if d < 0 => format!("{} ▼{}", self.count, -d),
            Some(_) => format!("{} =", self.count),
            None => self.count.to_string(),
        }
    }
}

/// Everything the digest says.
pub struct Digest {
    pub date: NaiveDate,
    pub headlines: Vec<Headline>,
    /// Grouped by locator (most overdue first within each); new ones are marked in `new`.
    pub stale: ListView,
    pub at_risk: ListView,
    pub today: CalendarView,
    pub per_locator: Vec<LocatorCount>,
    /// Stale or at-risk leads that were neither in the previous digest.
    pub new: HashSet<String>,
    pub warning: Option<String>,
    /// "Follow-up: median time to intervention this week …": `None` when nothing was measured.
    pub follow_up: Option<String>,
    /// Nothing stale, at risk, or booked today: the digest is one line.
    pub quiet: bool,
    /// What to remember for the next digest.
    pub record: DigestRecord,
}

/// Composes the digest for `ctx.as_of`'s date from the snapshot and the previous digest.
pub fn compose(s: &Snapshot, ctx: &Context, previous: Option<&DigestRecord>) -> Digest {
    let date = ctx.today();
    let none = Filter::default();
    let mut stale = list::build(s, ctx, ListKind::Stale, &none, Some(SortKey::Locator));
    let mut at_risk = list::build(s, ctx, ListKind::AtRisk, &none, Some(SortKey::Locator));
    let today = calendar::build(s, ctx, Period::day(date), &none);
    let stuck =
        assess_all(s, ctx.as_of, ctx.rules).iter().filter(|r| r.stuck_in_green && r.status != Status::Closed).count()
            as u64;
    let known: HashSet<&String> =
        previous.map(|p| p.stale_ids.iter().chain(&p.at_risk_ids).collect()).unwrap_or_default();
    let new: HashSet<String> = if previous.is_some() {
        stale.rows.iter().chain(&at_risk.rows).filter(|r| !known.contains(&r.id)).map(|r| r.id.clone()).collect()
    } else {
        HashSet::new()
    };
    // Mark new rows where people read them: in front of the name.
    for r in stale.rows.iter_mut().chain(at_risk.rows.iter_mut()) {
        if new.contains(&r.id) {
            r.name = format!("NEW · {}", r.name);
        }
    }
    let counts = [stale.total as u64, at_risk.total as u64, today.total as u64, stuck];
    let prev = previous.map(|p| [p.stale, p.at_risk, p.today, p.stuck]);
    let labels = ["Stale", "At risk", "Appointments today", "Stuck in green"];
    let headlines = (0..4)
        .map(|i| Headline { label: labels[i], count: counts[i], delta: prev.map(|p| counts[i] as i64 - p[i] as i64) })
        .collect();
    let mut per_locator: Vec<LocatorCount> = Vec::new();
    for c in stale.per_locator.iter().chain(&at_risk.per_locator) {
        match per_locator.iter_mut().find(|x| x.locator == c.locator) {
            Some(x) => x.count += c.count,
            None => per_locator.push(c.clone()),
        }
    }
    per_locator.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.locator.cmp(&b.locator)));
    let record = DigestRecord {
        date: date.to_string(),
        stale: counts[0],
        at_risk: counts[1],
        today: counts[2],
        stuck,
        stale_ids: stale.rows.iter().map(|r| r.id.clone()).collect(),
        at_risk_ids: at_risk.rows.iter().map(|r| r.id.clone()).collect(),
    };
    let quiet = stale.total == 0 && at_risk.total == 0 && today.total == 0;
    Digest {
        follow_up: follow_up(s, ctx),
        date,
        headlines,
        warning: stale.header.warning.clone(),
        stale,
        at_risk,
        today,
        per_locator,
        new,
        quiet,
        record,
    }
}

/// "Follow-up: median time to intervention this week 1 d 4 h (last week 2 d 1 h) · response
/// to nudges 5 h" — the appointments and nudges of this ISO week and the last (business zone);
/// "—" where none has ended yet. `None` when neither week has anything to measure.
fn follow_up(s: &Snapshot, ctx: &Context) -> Option<String> {
    use crate::alerts::kpi::{last_weeks, length_text, summarize, week_of, Wait};
    let w = crate::views::interventions::measure(s, ctx, &Filter::default());
    let tz = ctx.tz();
    let weeks = last_weeks(ctx.as_of, tz, 2);
    let of = |v: &[Wait], monday| summarize(v.iter().filter(|x| week_of(x.start, tz) == monday), ctx.as_of);
    let (last, this) = (of(&w.to_intervention, weeks[0]), of(&w.to_intervention, weeks[1]));
    let reply = of(&w.response, weeks[1]);
    if last.count + this.count + reply.count == 0 {
        return None;
    }
    let shown = |x: Option<i64>| x.map(length_text).unwrap_or_else(|| "—".into());
    Some(format!(
        "Follow-up: median time to intervention this week {} (last week {}) · response to nudges {}",
        shown(this.median_secs),
        shown(last.median_secs),
        shown(reply.median_secs)
    ))
}

impl Digest {
    /// The one-line summary: the headline counts with their movement.
    pub fn summary(&self) -> String {
        if self.quiet {
            return format!(
                "Nothing needs you today ({}): no stale or at-risk leads, no appointments.",
                self.date.format("%a %d %b")
            );
        }
        self.headlines.iter().map(|h| format!("{} {}", h.label, h.show())).collect::<Vec<_>>().join(" · ")
    }

    /// "Today: 09:00 Ann Lee (stale); all day Bo Chen (awaiting); …; +14 more" — at most `max`
    /// of today's appointments, in time order, and how many were left out. `None` when none is
    /// booked today.
    pub fn today_line(&self, max: usize) -> Option<String> {
        let items: Vec<String> = self
            .today
            .days
            .iter()
            .flat_map(|d| &d.appointments)
            .map(|i| format!("{} {} ({})", i.time, i.name, i.status.word()))
            .collect();
        (!items.is_empty()).then(|| format!("Today: {}", join_capped(items, max, "; ")))
    }

    /// "Stale + at risk by locator: Dana Whitfield 4 · Kenji Watanabe 3 · +5 more" — at most
    /// `max` locators, most first. `None` when nothing is stale or at risk.
    pub fn locator_line(&self, max: usize) -> Option<String> {
        let by = self.per_locator.iter().map(|c| format!("{} {}", c.locator, c.count));
        (!self.per_locator.is_empty()).then(|| format!("Stale + at risk by locator: {}", join_capped(by, max, " · ")))
    }

    /// The digest as terminal text (`panopticon digest --dry-run`).
    pub fn text(&self, ctx: &Context) -> String {
        let mut out = format!("MORNING DIGEST — {}\n", self.date.format("%A %d %B %Y"));
        out.push_str(&self.stale.header.notes());
        out.push_str(&self.summary());
        out.push('\n');
        if self.quiet {
            return out;
        }
        for line in self.locator_line(usize::MAX).into_iter().chain(self.follow_up.clone()) {
            out.push_str(&line);
            out.push('\n');
        }
        if !self.new.is_empty() {
            out.push_str(&format!("{} new since the last digest (marked NEW)\n", self.new.len()));
        }
        out.push('\n');
        out.push_str(&self.stale.table(ctx, false));
        out.push('\n');
        out.push_str(&self.at_risk.table(ctx, false));
        out.push('\n');
        out.push_str(&self.today.table(ctx, false));
        out
    }
}
