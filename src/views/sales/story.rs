//! **deal story**: one deal — its fields, its stage history (with the days spent in each
//! stage), its calls, tasks and meetings, its account and contact. A deal outside the viewer's
//! scope is "no such deal", exactly like an id that does not exist.

use chrono::NaiveDate;
use serde::Serialize;

use super::rows::{money, units, DealRow};
use super::{SalesContext, SalesSnapshot};
use crate::people::Scope;
use crate::sales::Activity;
use crate::views::csv_line;
use crate::views::text::{col, local, render, Align, Cell};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HistoryRow {
    pub stage: String,
    /// When it entered the stage (RFC 3339, as the CRM wrote it).
    pub at: String,
    pub amount: Option<f64>,
    pub probability: Option<u8>,
    pub closing_date: Option<NaiveDate>,
    pub by: Option<String>,
    /// Whole days until the next stage (or until now, for the last).
    pub days: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ActivityRow {
    pub id: String,
    /// call, task or meeting.
    pub kind: &'static str,
    pub subject: String,
    pub owner: Option<String>,
    /// A call's or meeting's start (RFC 3339).
    pub at: Option<String>,
    pub due: Option<NaiveDate>,
    pub status: Option<String>,
    pub done: bool,
}

impl ActivityRow {
    pub fn of(a: &Activity) -> ActivityRow {
        ActivityRow {
            id: a.id.clone(),
            kind: a.kind.name(),
            subject: a.subject.clone(),
            owner: a.owner.as_ref().map(|u| u.name.clone()),
            at: a.at.map(|t| t.to_string()),
            due: a.due,
            status: a.status.clone(),
            done: a.completed_at.is_some(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Party {
    pub id: String,
    pub name: String,
    /// An account's industry; a contact's email.
    pub detail: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DealStory {
    pub view: &'static str,
    pub currency: String,
    pub deal: DealRow,
    pub created: String,
    pub history: Vec<HistoryRow>,
    pub activities: Vec<ActivityRow>,
    pub account: Option<Party>,
    pub contact: Option<Party>,
    /// For text forms: the business zone's name.
    #[serde(skip)]
    tz: chrono_tz::Tz,
}

/// The story of deal `id`, if it exists and `scope` allows its owner.
pub fn build(snap: &SalesSnapshot, ctx: &SalesContext, scope: &Scope, id: &str) -> Option<DealStory> {
    let i = snap.book.index_of(id.trim())?;
    let d = &snap.book.deals()[i];
    if !scope.allows(d.owner.as_ref().map(|u| u.id.as_str())) {
        return None;
    }
    let x = snap.book.facts(i);
    let h = snap.book.history(i);
    let history = h
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let end = h.get(k + 1).map(|n| n.at.utc()).unwrap_or(ctx.now);
            HistoryRow {
                stage: s.stage.clone(),
                at: s.at.to_string(),
                amount: s.amount.map(units),
                probability: s.probability,
                closing_date: s.closing_date,
                by: s.by.clone(),
                days: (end - s.at.utc()).num_days().max(0),
            }
        })
        .collect();
    let mut acts: Vec<&Activity> = snap.activities_of(&d.id).collect();
    super::parties::newest_first(&mut acts);
    let data = &snap.book.data;
    let account = d.account.as_ref().map(|r| {
        let a = data.accounts.iter().find(|a| a.id == r.id);
        Party { id: r.id.clone(), name: r.name.clone(), detail: a.and_then(|a| a.industry.clone()) }
    });
    let contact = d.contact.as_ref().map(|r| {
        let c = data.contacts.iter().find(|c| c.id == r.id);
        Party { id: r.id.clone(), name: r.name.clone(), detail: c.and_then(|c| c.email.clone()) }
    });
    Some(DealStory {
        view: "deal",
        currency: ctx.sales.currency.clone(),
        deal: DealRow::of(d, x.category, x.probability),
        created: d.created_at.to_string(),
        history,
        activities: acts.into_iter().map(ActivityRow::of).collect(),
        account,
        contact,
        tz: ctx.tz(),
    })
}

impl DealStory {
    pub fn table(&self, color: bool) -> String {
        let d = &self.deal;
        let dash = |s: &Option<String>| s.clone().unwrap_or_else(|| "—".into());
        let mut out = format!("DEAL — {}\n", d.name);
        out.push_str(&format!("Id:       {}\n", d.id));
        out.push_str(&format!("Stage:    {} ({})\n", d.stage, d.category));
        out.push_str(&format!("Pipeline: {}\n", dash(&d.pipeline)));
        out.push_str(&format!(
            "Amount:   {}   probability {}\n",
            money(d.amount.map(|a| (a * 100.0).round() as i64), &self.currency),
            d.probability.map(|p| format!("{p}%")).unwrap_or_else(|| "—".into())
        ));
        out.push_str(&format!("Closing:  {}\n", d.closing_date.map(|c| c.to_string()).unwrap_or_else(|| "—".into())));
        out.push_str(&format!("Owner:    {}\n", dash(&d.owner)));
        out.push_str(&format!("Source:   {}\n", dash(&d.lead_source)));
        let party = |p: &Option<Party>| match p {
            Some(p) => match &p.detail {
                Some(x) => format!("{} ({x})", p.name),
                None => p.name.clone(),
            },
            None => "—".into(),
        };
        out.push_str(&format!("Account:  {}\n", party(&self.account)));
        out.push_str(&format!("Contact:  {}\n", party(&self.contact)));
        let when = |t: &str| crate::time::Stamp::parse(t).map(|s| local(&s, self.tz)).unwrap_or_else(|_| t.to_string());
        out.push_str(&format!("Created:  {}\n\nStage history\n", when(&self.created)));
        if self.history.is_empty() {
            out.push_str("(not read yet)\n");
        } else {
            let cols = [
                col("Entered", Align::Left, 16),
                col("Stage", Align::Left, 28),
                col("Days", Align::Right, 5),
                col("By", Align::Left, 20),
            ];
            let rows: Vec<Vec<Cell>> = self
                .history
                .iter()
                .map(|h| {
                    vec![when(&h.at).into(), h.stage.as_str().into(), h.days.to_string().into(), dash(&h.by).into()]
                })
                .collect();
            out.push_str(&render(&cols, &rows, color));
        }
        out.push_str("\nActivities\n");
        if self.activities.is_empty() {
            out.push_str("(none)\n");
        } else {
            let cols = [
                col("Kind", Align::Left, 7),
                col("When", Align::Left, 16),
                col("Subject", Align::Left, 40),
                col("Owner", Align::Left, 20),
                col("Status", Align::Left, 14),
            ];
            let rows: Vec<Vec<Cell>> = self
                .activities
                .iter()
                .map(|a| {
                    let at =
                        a.at.as_deref().map(when).or(a.due.map(|d| format!("due {d}"))).unwrap_or_else(|| "—".into());
                    vec![
                        a.kind.into(),
                        at.into(),
                        a.subject.as_str().into(),
                        dash(&a.owner).into(),
                        dash(&a.status).into(),
                    ]
                })
                .collect();
            out.push_str(&render(&cols, &rows, color));
        }
        out
    }

    /// The stage history as CSV (the deal's fields are in `report deals`).
    pub fn csv(&self) -> String {
        let mut out = csv_line(
            &["deal_id", "stage", "at", "amount", "probability", "closing_date", "by", "days"].map(String::from),
        );
        for h in &self.history {
            out.push_str(&csv_line(&[
                self.deal.id.clone(),
                h.stage.clone(),
                h.at.clone(),
                h.amount.map(|a| format!("{a:.2}")).unwrap_or_default(),
                h.probability.map(|p| p.to_string()).unwrap_or_default(),
                h.closing_date.map(|d| d.to_string()).unwrap_or_default(),
                h.by.clone().unwrap_or_default(),
                h.days.to_string(),
            ]));
        }
        out
    }
}
