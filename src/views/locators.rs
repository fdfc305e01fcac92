//! **locators**: the accountability table — per locator, how many appointed leads are
//! upcoming, awaiting, at risk, stale, progressed or closed, how many reached green, and how
//! fast their leads are followed up (the medians of `interventions`).

use serde::Serialize;

use super::text::{col, colored, render, Align, Cell, Color};
use super::{assess_all, csv_line, first_entry, percent, Context, Filter, Header, Snapshot, NO_LOCATOR};
use crate::rules::Status;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LocatorRow {
    pub locator: String,
    pub appointed: u64,
    pub upcoming: u64,
    pub awaiting: u64,
    pub at_risk: u64,
    pub stale: u64,
    pub progressed: u64,
    pub closed: u64,
    pub reached_green: u64,
    /// reached_green / appointed.
    pub conversion_rate: Option<f64>,
    /// The median time from an appointment to the first intervention or stage change, and
    /// from a nudge to its answer (hours; `None` when none has ended): `interventions::Stats`.
    /// In JSON and the image; the text table and CSV keep their columns.
    pub median_hours_to_intervention: Option<f64>,
    pub median_hours_to_answer: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct LocatorsView {
    #[serde(flatten)]
    pub header: Header,
    pub rows: Vec<LocatorRow>,
    pub total: LocatorRow,
}

pub fn build(s: &Snapshot, ctx: &Context, filter: &Filter) -> LocatorsView {
    let rules = ctx.rules;
    let green_or_later: Vec<String> = rules.green_stages.iter().chain(&rules.delivered_stages).cloned().collect();
    let mut by: std::collections::BTreeMap<String, LocatorRow> = Default::default();
    let mut total = LocatorRow { locator: "All locators".into(), ..Default::default() };
    for r in assess_all(s, ctx.as_of, rules).into_iter().filter(|r| filter.matches(r, ctx.tz())) {
        let name = r.locator.clone().unwrap_or_else(|| NO_LOCATOR.to_string());
        let row = by.entry(name.clone()).or_insert_with(|| LocatorRow { locator: name, ..Default::default() });
        let green = first_entry(s.changes_of(&r.id), &green_or_later, ctx.as_of).is_some()
            || r.stage.as_ref().is_some_and(|st| green_or_later.contains(st));
        for x in [&mut *row, &mut total] {
            x.appointed += 1;
            match r.status {
                Status::Upcoming => x.upcoming += 1,
                Status::Awaiting => x.awaiting += 1,
                Status::AtRisk => x.at_risk += 1,
                Status::Stale => x.stale += 1,
                Status::Progressed => x.progressed += 1,
                Status::Closed => x.closed += 1,
            }
            x.reached_green += u64::from(green);
        }
    }
    // The follow-up medians, per locator, over the same locators and dates.
    let waits = super::interventions::measure(s, ctx, filter);
    let stats = |v: &[crate::alerts::kpi::Wait], who: Option<&str>| {
        let mine = v.iter().filter(|w| who.is_none_or(|n| w.locator.as_deref().unwrap_or(NO_LOCATOR) == n));
        crate::alerts::kpi::summarize(mine, ctx.as_of).median_secs.map(|x| (x as f64 / 360.0).round() / 10.0)
    };
    for x in by.values_mut() {
        x.median_hours_to_intervention = stats(&waits.to_intervention, Some(&x.locator));
        x.median_hours_to_answer = stats(&waits.response, Some(&x.locator));
    }
    total.median_hours_to_intervention = stats(&waits.to_intervention, None);
    total.median_hours_to_answer = stats(&waits.response, None);
    let mut rows: Vec<LocatorRow> = by.into_values().collect();
    for x in rows.iter_mut().chain([&mut total]) {
        x.conversion_rate = (x.appointed > 0).then(|| x.reached_green as f64 / x.appointed as f64);
    }
    // Who needs a call first: most stale, then most at risk.
    rows.sort_by(|a, b| b.stale.cmp(&a.stale).then(b.at_risk.cmp(&a.at_risk)).then_with(|| a.locator.cmp(&b.locator)));
    LocatorsView { header: Header::new("locators", s, ctx, filter.describe()), rows, total }
}

impl LocatorsView {
    pub fn table(&self, ctx: &Context, color: bool) -> String {
        let mut out = format!("LOCATORS — {} locators {}\n", self.rows.len(), self.header.describe(ctx));
        out.push_str(&self.header.notes());
        out.push('\n');
        let cols = [
            col("Locator", Align::Left, 24),
            col("Appointed", Align::Right, 9),
            col("Upcoming", Align::Right, 8),
            col("Awaiting", Align::Right, 8),
            col("At risk", Align::Right, 7),
            col("Stale", Align::Right, 5),
            col("Progressed", Align::Right, 10),
            col("Closed", Align::Right, 6),
            col("Green", Align::Right, 5),
            col("Conv.", Align::Right, 5),
        ];
        let line = |x: &LocatorRow, bold: bool| -> Vec<Cell> {
            let n = |v: u64, c: Color| if v > 0 && !bold { colored(v.to_string(), c) } else { v.to_string().into() };
            vec![
                if bold { colored(x.locator.clone(), Color::Bold) } else { x.locator.as_str().into() },
                x.appointed.to_string().into(),
                x.upcoming.to_string().into(),
                x.awaiting.to_string().into(),
                n(x.at_risk, Color::Yellow),
                n(x.stale, Color::Red),
                x.progressed.to_string().into(),
                x.closed.to_string().into(),
                x.reached_green.to_string().into(),
                percent(x.conversion_rate).into(),
            ]
        };
        let mut rows: Vec<Vec<Cell>> = self.rows.iter().map(|x| line(x, false)).collect();
        rows.push(line(&self.total, true));
        out.push_str(&render(&cols, &rows, color));
        out
    }

    pub fn csv(&self) -> String {
        let mut out = csv_line(
            &[
                "locator",
                "appointed",
                "upcoming",
                "awaiting",
                "at_risk",
                "stale",
                "progressed",
                "closed",
                "reached_green",
                "conversion_rate",
            ]
            .map(String::from),
        );
        for x in &self.rows {
            out.push_str(&csv_line(&[
                x.locator.clone(),
                x.appointed.to_string(),
                x.upcoming.to_string(),
                x.awaiting.to_string(),
                x.at_risk.to_string(),
                x.stale.to_string(),
                x.progressed.to_string(),
                x.closed.to_string(),
                x.reached_green.to_string(),
                x.conversion_rate.map(|r| format!("{r:.4}")).unwrap_or_default(),
            ]));
        }
        out
    }
}
