//! The list views: **stale**, **at risk** and **leads** — appointed leads with their verdict,
//! most overdue first, and how many each locator has.

use serde::Serialize;

use super::text::{col, colored, render, status_label, Align, Cell, Color};
use super::{assess_all, csv_line, local, Context, Filter, Header, LeadRow, Snapshot, SortKey, NO_LOCATOR};
use crate::rules::Status;

pub use super::state::ListKind;

/// A list's title: its status shouted ("STALE", "AT RISK"), or what the full list is.
fn title(kind: ListKind) -> &'static str {
    kind.status().map(Status::label).unwrap_or("APPOINTED LEADS")
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LocatorCount {
    pub locator: String,
    pub count: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct ListView {
    #[serde(flatten)]
    pub header: Header,
    pub total: usize,
    pub per_locator: Vec<LocatorCount>,
    pub rows: Vec<LeadRow>,
    #[serde(skip)]
    pub kind: ListKind,
    #[serde(skip)]
    pub tz: chrono_tz::Tz,
    /// Rows left out of the text form by `top` (JSON and CSV always carry every row).
    #[serde(skip)]
    pub hidden: usize,
}

/// Builds a list. Stale and at-risk lists fix the status; `filter.statuses` narrows `leads`.
pub fn build(s: &Snapshot, ctx: &Context, kind: ListKind, filter: &Filter, sort: Option<SortKey>) -> ListView {
    let fixed = kind.status();
    let mut rows: Vec<LeadRow> = assess_all(s, ctx.as_of, ctx.rules)
        .into_iter()
        .filter(|r| fixed.is_none_or(|st| r.status == st))
        .filter(|r| filter.matches(r, ctx.tz()))
        .collect();
    // Stale and at-risk lists read "most overdue first"; the full list by urgency.
    let default = if fixed.is_some() { SortKey::DaysSince } else { SortKey::Staleness };
    sort.unwrap_or(default).sort(&mut rows);
    let per_locator = per_locator(&rows);
    ListView {
        header: Header::new(kind.name(), s, ctx, filter.describe()),
        total: rows.len(),
        per_locator,
        rows,
        kind,
        tz: ctx.tz(),
        hidden: 0,
    }
}

/// "2026-11-23 14:30", or "2026-11-23 all day" (the stamp of an all-day appointment is the
/// start of its date in the business zone, see `LeadRow::appointment_at`).
fn appointment_text(a: &crate::time::Stamp, all_day: bool, tz: chrono_tz::Tz) -> String {
    if all_day {
        format!("{} all day", a.date_in(tz))
    } else {
        local(a, tz)
    }
}

/// Rows per locator, most first.
pub fn per_locator(rows: &[LeadRow]) -> Vec<LocatorCount> {
    let mut m: std::collections::BTreeMap<String, usize> = Default::default();
    for r in rows {
        *m.entry(r.locator.clone().unwrap_or_else(|| NO_LOCATOR.to_string())).or_default() += 1;
    }
    let mut v: Vec<LocatorCount> = m.into_iter().map(|(locator, count)| LocatorCount { locator, count }).collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.locator.cmp(&b.locator)));
    v
}

impl ListView {
    /// Keeps the first `n` rows for display; the counts still cover every row.
    pub fn top(mut self, n: usize) -> ListView {
        self.hidden += self.rows.len().saturating_sub(n);
        self.rows.truncate(n);
        self
    }

    pub fn table(&self, ctx: &Context, color: bool) -> String {
        let mut out = format!(
            "{} — {} lead{} {}\n",
            title(self.kind),
            self.total,
            if self.total == 1 { "" } else { "s" },
            self.header.describe(ctx)
        );
        out.push_str(&self.header.notes());
        if self.rows.is_empty() {
            out.push_str(match self.kind {
                ListKind::Stale => "Nothing is stale.\n",
                ListKind::AtRisk => "Nothing is at risk.\n",
                ListKind::Leads => "No appointed leads match.\n",
            });
            return out;
        }
        let by: Vec<String> = self.per_locator.iter().map(|c| format!("{} {}", c.locator, c.count)).collect();
        out.push_str(&format!("By locator: {}\n\n", by.join(" · ")));
        let columns = [
            // Room for "AT RISK SNOOZED"; a column is as wide as its widest cell, so lists with
            // no snoozed lead look as before.
            col("Status", Align::Left, 16),
            col("Lead", Align::Left, 26),
            col("Company", Align::Left, 28),
            col("Stage", Align::Left, 22),
            col("Locator", Align::Left, 20),
            col("Appointment", Align::Left, 18),
            col("Days", Align::Right, 5),
            col("In stage", Align::Right, 8),
        ];
        let rows: Vec<Vec<Cell>> = self
            .rows
            .iter()
            .map(|r| {
                vec![
                    colored(
                        if r.snoozed {
                            format!("{} SNOOZED", status_label(r.status))
                        } else {
                            status_label(r.status).to_string()
                        },
                        Color::of(r.status),
                    ),
                    r.name.as_str().into(),
                    r.company.as_deref().unwrap_or("—").into(),
                    r.stage.as_deref().unwrap_or("—").into(),
                    r.locator.as_deref().unwrap_or(NO_LOCATOR).into(),
                    r.appointment_at
                        .map(|a| appointment_text(&a, r.appointment_all_day, self.tz))
                        .unwrap_or_default()
                        .into(),
                    r.days_since_appointment.map(|d| d.to_string()).unwrap_or_default().into(),
                    format!(
                        "{}{}",
                        r.days_in_stage.map(|d| d.to_string()).unwrap_or_else(|| "—".into()),
                        if r.stuck_in_green { " ⚑" } else { "" }
                    )
                    .into(),
                ]
            })
            .collect();
        out.push_str(&render(&columns, &rows, color));
        if self.hidden > 0 {
            out.push_str(&format!("… and {} more: panopticon report {}\n", self.hidden, self.kind.name()));
        }
        out
    }

    pub const CSV_HEADER: &'static [&'static str] = &[
        "id",
        "name",
        "company",
        "stage",
        "locator",
        "appointment_at",
        "days_since_appointment",
        "last_stage_change_at",
        "days_in_stage",
        "status",
        "stuck_in_green",
        "snoozed_until",
        "snooze_reason",
    ];

    pub fn csv(&self) -> String {
        let mut out = csv_line(&Self::CSV_HEADER.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        for r in &self.rows {
            let o = |v: &Option<String>| v.clone().unwrap_or_default();
            out.push_str(&csv_line(&[
                r.id.clone(),
                r.name.clone(),
                o(&r.company),
                o(&r.stage),
                o(&r.locator),
                r.appointment_at.map(|a| a.to_string()).unwrap_or_default(),
                r.days_since_appointment.map(|d| d.to_string()).unwrap_or_default(),
                r.last_stage_change_at.map(|a| a.to_string()).unwrap_or_default(),
                r.days_in_stage.map(|d| d.to_string()).unwrap_or_default(),
                r.status.as_str().to_string(),
                r.stuck_in_green.to_string(),
                // Snoozed until the next appointment: the word, since an empty cell reads as
                // "not snoozed".
                match (r.snoozed, r.snoozed_until) {
                    (false, _) => String::new(),
                    (true, Some(u)) => u.to_string(),
                    (true, None) => "next appointment".into(),
                },
                o(&r.snooze_reason),
            ]));
        }
        out
    }
}
