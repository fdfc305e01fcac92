//! The records behind one segment of a chart — a stage's or a month's open deals, a source's
//! or a week's new leads, a person's activities — privately, with a select to open a deal.

use panopticon::views::sales::segments::records;
use panopticon::views::sales::{Segment, SegmentRecords};
use panopticon::views::state::{RecordKey, RecordKind, SalesState, SalesView};

use super::controls::{one_of, OPEN};
use super::scene::SalesScene;
use crate::kit::compose::{embed, Composed, BLUE};
use crate::kit::limits::cut;
use crate::kit::Error;

/// Records listed, at most (the embed's text stays well inside Discord's limits).
const SHOWN: usize = 20;

/// The message for a segment state.
pub fn face(sc: &SalesScene) -> Result<Composed, Error> {
    let code = sc.state.segment.as_deref().ok_or("a segment view without its segment")?;
    let seg = Segment::decode(code, sc.sales)?;
    let cur = &sc.cfg.sales.currency;
    let found = records(sc.sales, &sc.sctx, &sc.access.scope, &sc.query, &seg, SHOWN);
    let what = match &seg {
        Segment::Stage(s) => format!("Open deals in {s}"),
        Segment::Month(m) => format!("Open deals closing in {}", m.format("%B %Y")),
        Segment::Week(w) => format!("New leads in the week of {w}"),
        Segment::Source(s) => format!("New leads from {}", s.as_deref().unwrap_or("no source")),
        Segment::Person(p) => format!("Activity of {}", p.as_deref().map(|p| sc.person(p)).unwrap_or("nobody".into())),
    };
    let mut opens = Vec::new();
    let (total, mut lines): (usize, Vec<String>) = match &found {
        SegmentRecords::Deals { total, rows } => {
            for r in rows {
                if let Some(k) = RecordKey::new(RecordKind::Deal, &r.id) {
                    opens.push((format!("{} — {}", r.name, r.stage), k.text(), false));
                }
            }
            let money = |a: Option<f64>| {
                a.map(|a| super::money(cur, (a * 100.0).round() as i64)).unwrap_or_else(|| "no amount".into())
            };
            let line = |r: &panopticon::views::sales::DealRow| {
                let closes = r.closing_date.map(|c| format!("closes {c}")).unwrap_or_else(|| "no closing date".into());
                let owner = r.owner.as_deref().unwrap_or("no owner");
                format!("**{}** · {} · {} · {closes} · {owner}", cut(&r.name, 60), r.stage, money(r.amount))
            };
            (*total, rows.iter().map(line).collect())
        }
        SegmentRecords::Leads { total, rows } => {
            for r in rows.iter().filter(|_| sc.access.role.sees_leads()) {
                if let Some(k) = RecordKey::new(RecordKind::Lead, &r.id) {
                    opens.push((r.name.clone(), k.text(), false));
                }
            }
            let line = |r: &panopticon::views::sales::LeadRow| {
                let co = r.company.as_deref().map(|c| format!(" ({})", cut(c, 40))).unwrap_or_default();
                let stage = r.stage.as_deref().unwrap_or("no stage");
                format!(
                    "**{}**{co} · {stage} · created {} · {}",
                    cut(&r.name, 60),
                    r.created,
                    r.owner.as_deref().unwrap_or("no owner")
                )
            };
            // A viewer sees aggregates of the lead side: the count, not the leads.
            let rows = if sc.access.role.sees_leads() { rows.iter().map(line).collect() } else { Vec::new() };
            (*total, rows)
        }
        SegmentRecords::Activities { total, rows } => {
            let line = |r: &panopticon::views::sales::story::ActivityRow| {
                let when = r.at.as_deref().map(|t| t.chars().take(10).collect()).or(r.due.map(|d| format!("due {d}")));
                let status = r.status.as_deref().map(|s| format!(" · {s}")).unwrap_or_default();
                format!("{} {} · {}{status}", when.unwrap_or_default(), r.kind, cut(&r.subject, 80))
            };
            (*total, rows.iter().map(line).collect())
        }
    };
    if total == 0 {
        lines.push("Nothing here.".into());
    } else if total > lines.len() && !lines.is_empty() {
        lines.push(format!("… and {} more", total - lines.len()));
    }
    lines.insert(0, super::kpi::period_line(sc));
    let title = format!("{what} — {total}");
    let open = SalesState { view: SalesView::Story, segment: None, ..sc.state.clone() };
    let rows = one_of(sc, &open, OPEN, "Open one (just for you)…", opts_cut(opens)).into_iter().collect();
    let ctx = panopticon::views::Context::new(sc.cfg, chrono::Utc::now(), chrono::Utc::now());
    let mut header = sc.header.clone();
    header.filters = sc.filter_words();
    Ok(Composed { embeds: vec![embed(&title, BLUE, &lines, &ctx, &header, None)], files: vec![], components: rows })
}

fn opts_cut(mut v: Vec<(String, String, bool)>) -> Vec<(String, String, bool)> {
    v.truncate(crate::kit::limits::SELECT_OPTIONS);
    v
}
