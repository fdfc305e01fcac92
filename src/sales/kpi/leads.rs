//! The lead KPIs: lead volume by week, the lead → appointment → green → delivered funnel
//! (overall and per lead source) and MQL → SQL. A lead counts when its owner and lead source
//! pass the `Filter` (leads have no pipeline) and it was created in the period.
//!
//! "Reached" a stage: the lead's current stage is that stage, or any known stage change went
//! into it. The funnel is nested: a delivered lead has been green, a green one appointed.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use chrono_tz::Tz;

use super::{ratio, Filter};
use crate::rules::StageName;
use crate::sales::period::Period;
use crate::time::Stamp;

/// One lead as the KPIs read it (every lead, appointed or not: `store::scan_lead_facts`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeadFact {
    pub id: String,
    pub name: String,
    pub company: Option<String>,
    pub stage: Option<String>,
    pub lead_source: Option<String>,
    pub owner_id: Option<String>,
    pub owner_name: Option<String>,
    pub created_at: Stamp,
    pub converted: bool,
    /// It has at least one appointment.
    pub appointed: bool,
    /// The stages its known stage changes went into, oldest first.
    pub reached: Vec<StageName>,
}

impl LeadFact {
    /// Its current stage is one of `stages`, or a known change went into one.
    pub fn reached_any(&self, stages: &[String]) -> bool {
        let is = |s: &str| stages.iter().any(|x| x == s);
        self.stage.as_deref().is_some_and(is) || self.reached.iter().any(|s| is(s))
    }
}

/// Every lead, in creation order, with its local creation day worked out once.
#[derive(Clone, Debug, Default)]
pub struct LeadBook {
    leads: Vec<LeadFact>,
    created_on: Vec<NaiveDate>,
}

impl LeadBook {
    pub fn new(mut leads: Vec<LeadFact>, tz: Tz) -> LeadBook {
        leads.sort_by(|a, b| (a.created_at.utc(), &a.id).cmp(&(b.created_at.utc(), &b.id)));
        let created_on = leads.iter().map(|l| l.created_at.date_in(tz)).collect();
        LeadBook { leads, created_on }
    }

    pub fn all(&self) -> &[LeadFact] {
        &self.leads
    }

    /// The leads created in `period` (a binary search on the creation days), with their day.
    pub fn created_in<'a>(&'a self, period: &Period) -> impl Iterator<Item = (&'a LeadFact, NaiveDate)> + 'a {
        let a = self.created_on.partition_point(|d| *d < period.from);
        let b = self.created_on.partition_point(|d| *d < period.to);
        self.leads[a..b].iter().zip(self.created_on[a..b].iter().copied())
    }
}

pub fn lead_passes(f: &Filter, l: &LeadFact) -> bool {
    f.allows_owner(l.owner_id.as_deref()) && f.allows_source(l.lead_source.as_deref())
}

/// The Monday of `d`'s ISO week.
pub fn week_of(d: NaiveDate) -> NaiveDate {
    d - Duration::days(d.weekday().days_since(Weekday::Mon) as i64)
}

/// **Lead volume by week**: leads created in the period, per ISO week (Monday to Sunday, in
/// the business zone), every week the period touches listed, empty ones with 0. A week cut by
/// the period's ends counts only its days inside the period.
pub fn volume_by_week(leads: &LeadBook, f: &Filter, period: &Period) -> Vec<(NaiveDate, u64)> {
    let mut weeks: Vec<(NaiveDate, u64)> = Vec::new();
    let mut w = week_of(period.from);
    while w < period.to {
        weeks.push((w, 0));
        w += Duration::days(7);
    }
    for (l, day) in leads.created_in(period) {
        if lead_passes(f, l) {
            let i = ((week_of(day) - weeks[0].0).num_days() / 7) as usize;
            if let Some(slot) = weeks.get_mut(i) {
                slot.1 += 1;
            }
        }
    }
    weeks
}

/// The lead stages the funnel reads (`[rules] green_stages`, `delivered_stages`).
#[derive(Clone, Copy, Debug)]
pub struct FunnelStages<'a> {
    pub green: &'a [String],
    pub delivered: &'a [String],
}

/// The funnel over a set of leads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Funnel {
    pub leads: u64,
    pub appointment: u64,
    pub green: u64,
    pub delivered: u64,
}

impl Funnel {
    fn add(&mut self, l: &LeadFact, st: FunnelStages) {
        let delivered = l.reached_any(st.delivered);
        let green = delivered || l.reached_any(st.green);
        let appointment = green || l.appointed;
        self.leads += 1;
        self.appointment += u64::from(appointment);
        self.green += u64::from(green);
        self.delivered += u64::from(delivered);
    }

    /// Each step's conversion: lead → appointment, appointment → green, green → delivered.
    pub fn steps(&self) -> [Option<f64>; 3] {
        [ratio(self.appointment, self.leads), ratio(self.green, self.appointment), ratio(self.delivered, self.green)]
    }

    /// Lead → delivered, overall.
    pub fn overall(&self) -> Option<f64> {
        ratio(self.delivered, self.leads)
    }
}

/// **Lead → appointment → green → delivered conversion**: of the leads created in the period,
/// how many have an appointment, reached a green stage, reached a delivered stage (nested: a
/// delivered lead counts as green and appointed) — overall and per lead source (no source:
/// `None`, listed last; sources by lead count, largest first).
pub fn funnel(
    leads: &LeadBook,
    f: &Filter,
    period: &Period,
    st: FunnelStages,
) -> (Funnel, Vec<(Option<String>, Funnel)>) {
    let mut all = Funnel::default();
    let mut by: Vec<(Option<String>, Funnel)> = Vec::new();
    for (l, _) in leads.created_in(period) {
        if !lead_passes(f, l) {
            continue;
        }
        all.add(l, st);
        match by.iter_mut().find(|(s, _)| *s == l.lead_source) {
            Some((_, fu)) => fu.add(l, st),
            None => {
                let mut fu = Funnel::default();
                fu.add(l, st);
                by.push((l.lead_source.clone(), fu));
            }
        }
    }
    by.sort_by(|(a, fa), (b, fb)| {
        (a.is_none(), std::cmp::Reverse(fa.leads), a).cmp(&(b.is_none(), std::cmp::Reverse(fb.leads), b))
    });
    (all, by)
}

/// MQL → SQL over the leads created in a period.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Qualified {
    pub leads: u64,
    pub mql: u64,
    pub sql: u64,
}

impl Qualified {
    /// SQL ÷ MQL.
    pub fn rate(&self) -> Option<f64> {
        ratio(self.sql, self.mql)
    }
}

/// **MQL → SQL**: of the leads created in the period, the marketing-qualified ones (reached a
/// `[sales] mql_stages` or `sql_stages` stage) and the sales-qualified ones (reached an
/// `sql_stages` stage); the rate is SQL ÷ MQL.
pub fn mql_sql(leads: &LeadBook, f: &Filter, period: &Period, mql: &[String], sql: &[String]) -> Qualified {
    let mut q = Qualified::default();
    for (l, _) in leads.created_in(period) {
        if !lead_passes(f, l) {
            continue;
        }
        let is_sql = l.reached_any(sql);
        q.leads += 1;
        q.sql += u64::from(is_sql);
        q.mql += u64::from(is_sql || l.reached_any(mql));
    }
    q
}

/// **New leads**: leads created in the period.
pub fn new_leads(leads: &LeadBook, f: &Filter, period: &Period) -> u64 {
    leads.created_in(period).filter(|(l, _)| lead_passes(f, l)).count() as u64
}
