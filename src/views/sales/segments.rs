//! Drill-down: every chart's segments (a stage, a closing month, a week, a lead source, a
//! person) and the records behind one — the deals, leads or activities that make up that bar.
//! A segment has a compact form for a custom_id (`Segment::encode`, at most 12 characters),
//! names carried as hashes and found again in the data.

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;

use super::query::hash;
use super::rows::{DealRow, LeadRow};
use super::story::ActivityRow;
use super::{filter_for, SalesContext, SalesQuery, SalesSnapshot};
use crate::people::Scope;
use crate::sales::forecast::MONTHS;
use crate::sales::kpi::activity::{call_made, task_done};
use crate::sales::kpi::deals::deal_passes;
use crate::sales::kpi::leads::{lead_passes, week_of};
use crate::sales::{ActivityKind, DealCategory};

/// The charts of the sales dashboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Chart {
    /// Open pipeline by stage: `Segment::Stage`.
    Pipeline,
    /// Forecast by closing month: `Segment::Month`.
    Forecast,
    /// New leads by week: `Segment::Week`.
    LeadWeeks,
    /// The funnel per lead source: `Segment::Source`.
    Sources,
    /// Activity per person: `Segment::Person`.
    Activity,
}

/// One bar, slice or row of a chart.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "key", rename_all = "snake_case")]
pub enum Segment {
    Stage(String),
    /// A closing month's first day.
    Month(NaiveDate),
    /// A week's Monday.
    Week(NaiveDate),
    /// `None`: leads with no source.
    Source(Option<String>),
    /// A CRM user id; `None`: records with no owner.
    Person(Option<String>),
}

/// The records behind a segment: the first `limit` rows, and how many there are in all.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SegmentRecords {
    Deals { total: usize, rows: Vec<DealRow> },
    Leads { total: usize, rows: Vec<LeadRow> },
    Activities { total: usize, rows: Vec<ActivityRow> },
}

impl Segment {
    /// The chart it belongs to.
    pub fn chart(&self) -> Chart {
        match self {
            Segment::Stage(_) => Chart::Pipeline,
            Segment::Month(_) => Chart::Forecast,
            Segment::Week(_) => Chart::LeadWeeks,
            Segment::Source(_) => Chart::Sources,
            Segment::Person(_) => Chart::Activity,
        }
    }

    /// The compact form: a letter and a date or a name's hash (`-` for none).
    pub fn encode(&self) -> String {
        let opt = |s: &Option<String>| s.as_deref().map(hash).unwrap_or_else(|| "-".into());
        match self {
            Segment::Stage(s) => format!("s{}", hash(s)),
            Segment::Month(d) => format!("m{}", d.format("%Y%m")),
            Segment::Week(d) => format!("w{}", d.format("%Y%m%d")),
            Segment::Source(s) => format!("r{}", opt(s)),
            Segment::Person(p) => format!("p{}", opt(p)),
        }
    }

    /// Reads `encode`'s form back against the data; an error when it no longer fits.
    pub fn decode(text: &str, snap: &SalesSnapshot) -> Result<Segment, String> {
        let bad = || "this chart's segment is not readable: ask again".to_string();
        if text.len() > 12 || !text.is_ascii() || text.is_empty() {
            return Err(bad());
        }
        let (kind, rest) = text.split_at(1);
        let find = |names: Vec<String>| -> Result<Option<String>, String> {
            if rest == "-" {
                return Ok(None);
            }
            names
                .into_iter()
                .find(|n| hash(n) == rest)
                .map(Some)
                .ok_or_else(|| "that segment is no longer in the data".to_string())
        };
        match kind {
            "s" => {
                let mut names: Vec<String> = snap.book.deals().iter().map(|d| d.stage.clone()).collect();
                names.extend(snap.book.data.stage_meta.iter().map(|m| m.stage.clone()));
                find(names)?.map(Segment::Stage).ok_or_else(bad)
            }
            "m" => NaiveDate::parse_from_str(&format!("{rest}01"), "%Y%m%d").map(Segment::Month).map_err(|_| bad()),
            "w" => match NaiveDate::parse_from_str(rest, "%Y%m%d") {
                Ok(d) if d == week_of(d) => Ok(Segment::Week(d)),
                _ => Err(bad()),
            },
            "r" => Ok(Segment::Source(find(snap.known_sources())?)),
            "p" => Ok(Segment::Person(find(snap.known_owners().into_iter().map(|(id, _)| id).collect())?)),
            _ => Err(bad()),
        }
    }
}

/// The records behind `seg` for this viewer and query, at most `limit` rows (deals largest
/// first, leads newest first, activities latest first).
pub fn records(
    snap: &SalesSnapshot,
    ctx: &SalesContext,
    scope: &Scope,
    q: &SalesQuery,
    seg: &Segment,
    limit: usize,
) -> SegmentRecords {
    let f = filter_for(snap, ctx, scope, q);
    let period = ctx.period(q);
    let book = &snap.book;
    let open = |x: &crate::sales::kpi::book::DealFacts| x.category == DealCategory::Open;
    let deals = |keep: &dyn Fn(&crate::sales::Deal, &crate::sales::kpi::book::DealFacts) -> bool| {
        let mut v: Vec<DealRow> = book
            .deals_with_facts()
            .filter(|(_, d, x)| deal_passes(&f, d) && keep(d, x))
            .map(|(_, d, x)| DealRow::of(d, x.category, x.probability))
            .collect();
        v.sort_by(|a, b| b.amount.unwrap_or(0.0).total_cmp(&a.amount.unwrap_or(0.0)).then(a.id.cmp(&b.id)));
        SegmentRecords::Deals { total: v.len(), rows: v.into_iter().take(limit).collect() }
    };
    let leads = |keep: &dyn Fn(&crate::sales::kpi::LeadFact, NaiveDate) -> bool| {
        let mut v: Vec<LeadRow> = snap
            .leads
            .created_in(&period)
            .filter(|(l, day)| lead_passes(&f, l) && keep(l, *day))
            .map(|(l, day)| LeadRow::of(l, day))
            .collect();
        v.reverse();
        SegmentRecords::Leads { total: v.len(), rows: v.into_iter().take(limit).collect() }
    };
    match seg {
        Segment::Stage(s) => deals(&|d, x| open(x) && d.stage == *s),
        Segment::Month(m) => {
            let first = ctx.today().with_day(1).expect("day 1 exists");
            let end = first + chrono::Months::new(MONTHS as u32);
            deals(&|d, x| {
                open(x)
                    && d.closing_date.is_some_and(|c| {
                        c < end && (c.year(), c.month()) == (m.year(), m.month()) || (*m == first && c < first)
                    })
            })
        }
        Segment::Week(w) => leads(&|_, day| *w <= day && day < *w + Duration::days(7)),
        Segment::Source(s) => leads(&|l, _| l.lead_source == *s),
        Segment::Person(p) => {
            let (from, to) = period.instants(ctx.tz());
            let inside = |t: &crate::time::Stamp| from.utc() <= t.utc() && t.utc() < to.utc();
            let mut v: Vec<&crate::sales::Activity> = book
                .data
                .activities
                .iter()
                .filter(|a| {
                    let owner = a.owner.as_ref().map(|u| u.id.clone());
                    owner == *p
                        && f.allows_owner(owner.as_deref())
                        && match a.kind {
                            ActivityKind::Call => {
                                a.at.or(a.completed_at).is_some_and(|t| inside(&t)) && call_made(a, ctx.now)
                            }
                            ActivityKind::Meeting => a.at.is_some_and(|t| inside(&t) && t.utc() <= ctx.now),
                            ActivityKind::Task => {
                                a.completed_at.is_some_and(|t| inside(&t))
                                    || (!task_done(a) && a.due.is_some_and(|d| d < ctx.today()))
                            }
                        }
                })
                .collect();
            v.sort_by_key(|a| std::cmp::Reverse(a.at.or(a.completed_at).map(|t| t.utc())));
            SegmentRecords::Activities {
                total: v.len(),
                rows: v.into_iter().take(limit).map(ActivityRow::of).collect(),
            }
        }
    }
}

/// A chart's segments for this viewer and query, in the chart's order, with their labels.
pub fn segments(
    snap: &SalesSnapshot,
    ctx: &SalesContext,
    scope: &Scope,
    q: &SalesQuery,
    chart: Chart,
) -> Vec<(Segment, String)> {
    let f = filter_for(snap, ctx, scope, q);
    let period = ctx.period(q);
    match chart {
        Chart::Pipeline => crate::sales::kpi::deals::pipeline_by_stage(&snap.book, &f)
            .into_iter()
            .map(|s| (Segment::Stage(s.stage.clone()), s.stage))
            .collect(),
        Chart::Forecast => {
            let first = ctx.today().with_day(1).expect("day 1 exists");
            (0..MONTHS as u32)
                .map(|i| {
                    let m = first + chrono::Months::new(i);
                    (Segment::Month(m), m.format("%b %Y").to_string())
                })
                .collect()
        }
        Chart::LeadWeeks => crate::sales::kpi::leads::volume_by_week(&snap.leads, &f, &period)
            .into_iter()
            .map(|(w, _)| (Segment::Week(w), format!("Week of {}", w.format("%-d %b"))))
            .collect(),
        Chart::Sources => {
            let st = crate::sales::kpi::leads::FunnelStages {
                green: &ctx.rules.green_stages,
                delivered: &ctx.rules.delivered_stages,
            };
            crate::sales::kpi::leads::funnel(&snap.leads, &f, &period, st)
                .1
                .into_iter()
                .map(|(s, _)| {
                    let label = s.clone().unwrap_or_else(|| super::sources::NO_SOURCE.into());
                    (Segment::Source(s), label)
                })
                .collect()
        }
        Chart::Activity => snap
            .book
            .activity
            .per_person(&f, &period, ctx.tz(), ctx.now)
            .into_iter()
            .map(|p| (Segment::Person(p.owner_id), p.name))
            .collect(),
    }
}
