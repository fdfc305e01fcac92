//! **pipeline**: leads per stage, who is in which green stage and for how long, and how a
//! period's appointed leads converted — to green, to delivered — with the median days each
//! step took.

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use super::text::{col, render, Align, Cell};
use super::{assess_all, csv_line, first_entry, percent, Context, Filter, Header, LeadRow, Snapshot, NO_LOCATOR};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StageGroup {
    Open,
    Green,
    Closed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StageCount {
    pub stage: String,
    pub group: StageGroup,
    /// All leads in the stage now (appointed or not; converted leads are counted apart).
    pub leads: u64,
    /// Appointed leads in the stage at as_of.
    pub appointed: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GreenLead {
    pub id: String,
    pub name: String,
    pub locator: Option<String>,
    pub stage: String,
    pub days_in_stage: Option<i64>,
    pub stuck: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Conversion {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Leads whose first appointment fell in the period.
    pub appointed: u64,
    pub reached_green: u64,
    pub reached_delivered: u64,
    pub green_rate: Option<f64>,
    pub delivered_rate: Option<f64>,
    pub median_days_appointment_to_green: Option<f64>,
    pub median_days_green_to_delivered: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PipelineView {
    #[serde(flatten)]
    pub header: Header,
    pub stages: Vec<StageCount>,
    pub converted: u64,
    pub converted_appointed: u64,
    pub green: Vec<GreenLead>,
    pub conversion: Conversion,
}

fn median(mut v: Vec<i64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] as f64 } else { (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0 })
}

/// `from`/`to` bound the conversion cohort (default: the 90 days up to as_of's date).
pub fn build(s: &Snapshot, ctx: &Context, filter: &Filter) -> PipelineView {
    let rules = ctx.rules;
    let tz = ctx.tz();
    let today = ctx.today();
    let to = filter.to.unwrap_or(today);
    let from = filter.from.unwrap_or(to - Duration::days(89));
    // Locator (and stage/status) filters apply; the date range is the cohort, not a row filter.
    let rows: Vec<LeadRow> =
        assess_all(s, ctx.as_of, rules).into_iter().filter(|r| filter.matches_but_dates(r)).collect();

    let group = |stage: &str| {
        if rules.green_stages.iter().any(|g| g == stage) {
            StageGroup::Green
        } else if rules.closed_stages.iter().any(|c| c == stage) {
            StageGroup::Closed
        } else {
            StageGroup::Open
        }
    };
    let mut stages: Vec<StageCount> = s
        .stage_counts
        .iter()
        .map(|(st, n)| {
            let name = st.clone().unwrap_or_else(|| "(no stage)".into());
            StageCount { group: group(&name), appointed: 0, leads: *n, stage: name }
        })
        .collect();
    // Converted leads have their own row (their stage no longer counts), in both columns.
    let mut converted_appointed = 0;
    for r in &rows {
        if s.lead(&r.id).is_some_and(|l| l.converted) {
            converted_appointed += 1;
            continue;
        }
        let name = r.stage.clone().unwrap_or_else(|| "(no stage)".into());
        match stages.iter_mut().find(|c| c.stage == name) {
            Some(c) => c.appointed += 1,
            None => stages.push(StageCount { group: group(&name), leads: 0, appointed: 1, stage: name }),
        }
    }
    // Open stages by size, then green and closed stages in their configured order.
    let order = |c: &StageCount| -> (u8, usize, std::cmp::Reverse<u64>) {
        let pos = |list: &[String]| list.iter().position(|x| *x == c.stage).unwrap_or(usize::MAX);
        match c.group {
            StageGroup::Open => (0, 0, std::cmp::Reverse(c.leads)),
            StageGroup::Green => (1, pos(&rules.green_stages), std::cmp::Reverse(c.leads)),
            StageGroup::Closed => (2, pos(&rules.closed_stages), std::cmp::Reverse(c.leads)),
        }
    };
    stages.sort_by(|a, b| order(a).cmp(&order(b)).then_with(|| a.stage.cmp(&b.stage)));

    let mut green: Vec<GreenLead> = rows
        .iter()
        .filter(|r| rules.is_green_stage(r.stage.as_deref()))
        .map(|r| GreenLead {
            id: r.id.clone(),
            name: r.name.clone(),
            locator: r.locator.clone(),
            stage: r.stage.clone().unwrap_or_default(),
            days_in_stage: r.days_in_stage,
            stuck: r.stuck_in_green,
        })
        .collect();
    green.sort_by(|a, b| b.days_in_stage.cmp(&a.days_in_stage).then_with(|| a.name.cmp(&b.name)));

    // The cohort: leads whose first appointment fell in the period (and not after as_of).
    let green_or_later: Vec<String> = rules.green_stages.iter().chain(&rules.delivered_stages).cloned().collect();
    let (mut appointed, mut reached_green, mut reached_delivered) = (0u64, 0u64, 0u64);
    let (mut to_green, mut to_delivered) = (Vec::new(), Vec::new());
    for r in &rows {
        // The first appointment by the rules' placing (an all-day one at the start of its date).
        let Some(first) = s.lead(&r.id).and_then(|l| l.starts.iter().min_by_key(|a| (a.at(tz), a.start))) else {
            continue;
        };
        let d = first.date(tz);
        if d < from || d > to || first.at(tz).utc() > ctx.as_of {
            continue;
        }
        appointed += 1;
        let changes = s.changes_of(&r.id);
        let in_now = |list: &[String]| r.stage.as_ref().is_some_and(|st| list.contains(st));
        let green_at = first_entry(changes, &green_or_later, ctx.as_of);
        let delivered_at = first_entry(changes, &rules.delivered_stages, ctx.as_of);
        if green_at.is_some() || in_now(&green_or_later) {
            reached_green += 1;
        }
        if delivered_at.is_some() || in_now(&rules.delivered_stages) {
            reached_delivered += 1;
        }
        if let Some(g) = green_at {
            to_green.push((g.date_in(tz) - d).num_days().max(0));
            if let Some(dl) = delivered_at {
                to_delivered.push((dl.date_in(tz) - g.date_in(tz)).num_days().max(0));
            }
        }
    }
    let rate = |n: u64| (appointed > 0).then(|| n as f64 / appointed as f64);
    let mut filters = filter.describe();
    filters.retain(|f| !f.starts_with("appointment"));
    PipelineView {
        header: Header::new("pipeline", s, ctx, filters),
        stages,
        converted: s.converted,
        converted_appointed,
        green,
        conversion: Conversion {
            from,
            to,
            appointed,
            reached_green,
            reached_delivered,
            green_rate: rate(reached_green),
            delivered_rate: rate(reached_delivered),
            median_days_appointment_to_green: median(to_green),
            median_days_green_to_delivered: median(to_delivered),
        },
    }
}

fn days(d: Option<f64>) -> String {
    d.map(|d| format!("{d:.1} days")).unwrap_or_else(|| "—".into())
}

impl PipelineView {
    pub fn table(&self, ctx: &Context, color: bool) -> String {
        let mut out = format!("PIPELINE — {}\n", self.header.describe(ctx));
        out.push_str(&self.header.notes());
        out.push('\n');
        let cols = [
            col("Stage", Align::Left, 28),
            col("Group", Align::Left, 6),
            col("Leads", Align::Right, 7),
            col("Appointed", Align::Right, 9),
        ];
        let mut rows: Vec<Vec<Cell>> = self
            .stages
            .iter()
            .map(|c| {
                let g = match c.group {
                    StageGroup::Open => "open",
                    StageGroup::Green => "green",
                    StageGroup::Closed => "closed",
                };
                vec![c.stage.as_str().into(), g.into(), c.leads.to_string().into(), c.appointed.to_string().into()]
            })
            .collect();
        rows.push(vec![
            "Converted".into(),
            "closed".into(),
            self.converted.to_string().into(),
            self.converted_appointed.to_string().into(),
        ]);
        out.push_str(&render(&cols, &rows, color));
        let c = &self.conversion;
        out.push_str(&format!(
            "\nConversion of leads first appointed {} – {}: {} appointed → {} green ({}) → {} delivered ({})\n",
            c.from,
            c.to,
            c.appointed,
            c.reached_green,
            percent(c.green_rate),
            c.reached_delivered,
            percent(c.delivered_rate)
        ));
        out.push_str(&format!(
            "Median time: appointment → green {}; green → delivered {}\n",
            days(c.median_days_appointment_to_green),
            days(c.median_days_green_to_delivered)
        ));
        out.push_str(&format!("\nGreen → Delivered: {} leads in green stages\n", self.green.len()));
        if !self.green.is_empty() {
            let cols = [
                col("Lead", Align::Left, 26),
                col("Locator", Align::Left, 20),
                col("Stage", Align::Left, 26),
                col("Days", Align::Right, 5),
                col("", Align::Left, 5),
            ];
            let rows: Vec<Vec<Cell>> = self
                .green
                .iter()
                .map(|g| {
                    vec![
                        g.name.as_str().into(),
                        g.locator.as_deref().unwrap_or(NO_LOCATOR).into(),
                        g.stage.as_str().into(),
                        g.days_in_stage.map(|d| d.to_string()).unwrap_or_else(|| "—".into()).into(),
                        if g.stuck { "STUCK" } else { "" }.into(),
                    ]
                })
                .collect();
            out.push_str(&render(&cols, &rows, color));
        }
        out
    }

    pub fn csv(&self) -> String {
        let mut out = csv_line(&["stage", "group", "leads", "appointed"].map(String::from));
        for c in &self.stages {
            let g = serde_json::to_value(c.group).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
            out.push_str(&csv_line(&[c.stage.clone(), g, c.leads.to_string(), c.appointed.to_string()]));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn medians() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![5]), Some(5.0));
        assert_eq!(median(vec![9, 1, 4]), Some(4.0));
        assert_eq!(median(vec![1, 2, 3, 10]), Some(2.5));
    }
}
