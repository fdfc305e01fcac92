//! A record's story, privately: a deal (its stage history, activities, account and contact),
//! an account (its deals and contacts) or a contact (their account, deals and activities), each
//! with a select to open the records it names. The engine builds each story
//! (`views::sales::story`, `views::sales::parties`) for the asker's scope, so only what they
//! see is found — the same story `panopticon report` tells.

use panopticon::time::Stamp;
use panopticon::views::sales::story::{self, ActivityRow};
use panopticon::views::sales::{parties, DealRow};
use panopticon::views::state::{RecordKey, RecordKind};

use super::controls::{one_of, OPEN};
use super::deals::line;
use super::scene::{money, SalesScene};
use crate::kit::compose::{embed, Composed, BLUE};
use crate::kit::limits::cut;
use crate::kit::Error;

/// Lines of history or activity a story shows, at most (the newest).
const MAX_LINES: usize = 12;

type Opens = Vec<(String, RecordKind, String)>;

/// The message for a story state.
pub fn face(sc: &SalesScene) -> Result<Composed, Error> {
    let r = sc.state.record.as_ref().ok_or("a story without its record")?;
    let unseen = || -> Error { "that record is not among what you see (or no longer exists)".into() };
    let (scope, cur) = (&sc.access.scope, sc.cfg.sales.currency.as_str());
    let deal_opens = |deals: &[DealRow]| -> Opens {
        deals.iter().map(|x| (format!("Deal: {}", x.name), RecordKind::Deal, x.id.clone())).collect()
    };
    let (title, lines, opens) = match r.kind {
        RecordKind::Deal => deal(sc, story::build(sc.sales, &sc.sctx, scope, &r.id).ok_or_else(unseen)?),
        RecordKind::Account => {
            let a = parties::account(sc.sales, scope, &r.id).ok_or_else(unseen)?;
            let mut lines = vec![
                format!("Owner: {}", a.owner.as_deref().unwrap_or("—")),
                format!("Industry: {}", a.industry.as_deref().unwrap_or("—")),
                format!("**Deals ({})**", a.deals.len()),
            ];
            lines.extend(a.deals.iter().take(MAX_LINES).map(|x| line(cur, x)));
            lines.push(format!("**Contacts ({})**", a.contacts.len()));
            lines.extend(
                a.contacts
                    .iter()
                    .take(MAX_LINES)
                    .map(|c| format!("{} · {}", c.name, c.email.as_deref().unwrap_or("no email"))),
            );
            let mut opens = deal_opens(&a.deals);
            opens
                .extend(a.contacts.iter().map(|c| (format!("Contact: {}", c.name), RecordKind::Contact, c.id.clone())));
            (format!("Account: {}", a.name), lines, opens)
        }
        RecordKind::Contact => {
            let c = parties::contact(sc.sales, scope, &r.id).ok_or_else(unseen)?;
            let mut lines = vec![
                format!("Email: {}", c.email.as_deref().unwrap_or("—")),
                format!("Account: {}", c.account.as_ref().map(|a| a.1.as_str()).unwrap_or("—")),
                format!("Owner: {}", c.owner.as_deref().unwrap_or("—")),
                format!("**Deals ({})**", c.deals.len()),
            ];
            lines.extend(c.deals.iter().take(MAX_LINES).map(|x| line(cur, x)));
            lines.push(format!("**Activities ({})**", c.activities.len()));
            lines.extend(c.activities.iter().take(MAX_LINES).map(|a| activity_line(sc, a)));
            let mut opens = deal_opens(&c.deals);
            if let Some((id, name)) = &c.account {
                opens.insert(0, (format!("Account: {name}"), RecordKind::Account, id.clone()));
            }
            (format!("Contact: {}", c.name), lines, opens)
        }
        RecordKind::Lead => return Err("a lead's story is the lead side's".into()),
    };
    // Only records the asker sees are offered (an account or contact outside their scope is not).
    let d = sc.data;
    let seen = |k: RecordKind, id: &str| match k {
        RecordKind::Deal => d.deals.iter().any(|x| x.id == id),
        RecordKind::Account => d.accounts.iter().any(|x| x.id == id),
        RecordKind::Contact => d.contacts.iter().any(|x| x.id == id),
        RecordKind::Lead => false,
    };
    let opts: Vec<(String, String, bool)> = opens
        .into_iter()
        .filter(|(_, k, id)| seen(*k, id))
        .filter_map(|(l, k, id)| Some((l, RecordKey::new(k, &id)?.text(), false)))
        .collect();
    let rows = one_of(sc, sc.state, OPEN, "Open a related record…", opts).into_iter().collect();
    let ctx = panopticon::views::Context::new(sc.cfg, chrono::Utc::now(), chrono::Utc::now());
    Ok(Composed { embeds: vec![embed(&title, BLUE, &lines, &ctx, &sc.header, None)], files: vec![], components: rows })
}

fn deal(sc: &SalesScene, s: story::DealStory) -> (String, Vec<String>, Opens) {
    let cur = &sc.cfg.sales.currency;
    let m = |a: Option<f64>| a.map(|a| money(cur, (a * 100.0).round() as i64)).unwrap_or_else(|| "—".into());
    let x = &s.deal;
    // Expected revenue is the raw record's (the view model's row does not carry it).
    let expected = sc.data.deals.iter().find(|d| d.id == x.id).and_then(|d| d.expected_revenue);
    let mut lines = vec![
        format!(
            "Stage: **{}** ({}) · pipeline {}",
            x.stage,
            x.probability.map(|p| format!("{p}%")).unwrap_or("—".into()),
            x.pipeline.as_deref().unwrap_or("—")
        ),
        format!("Amount: **{}** · expected revenue {}", m(x.amount), m(expected.map(|c| c as f64 / 100.0))),
        format!("Closing: {}", x.closing_date.map(|c| c.to_string()).unwrap_or("—".into())),
        format!(
            "Owner: {} · lead source: {}",
            x.owner.as_deref().unwrap_or("—"),
            x.lead_source.as_deref().unwrap_or("—")
        ),
        format!(
            "Account: {} · contact: {}",
            s.account.as_ref().map(|a| a.name.as_str()).unwrap_or("—"),
            s.contact.as_ref().map(|c| c.name.as_str()).unwrap_or("—")
        ),
        format!("Created {}", day(sc, &s.created)),
    ];
    lines.push(format!("**Stage history ({})**", s.history.len()));
    let skip = s.history.len().saturating_sub(MAX_LINES);
    lines.extend(s.history.iter().skip(skip).map(|h| {
        format!("{} → {}{}", day(sc, &h.at), h.stage, h.by.as_deref().map(|b| format!(" (by {b})")).unwrap_or_default())
    }));
    lines.push(format!("**Activities ({})**", s.activities.len()));
    lines.extend(s.activities.iter().take(MAX_LINES).map(|a| activity_line(sc, a)));
    let mut opens = Vec::new();
    if let Some(a) = &s.account {
        opens.push((format!("Account: {}", a.name), RecordKind::Account, a.id.clone()));
    }
    if let Some(c) = &s.contact {
        opens.push((format!("Contact: {}", c.name), RecordKind::Contact, c.id.clone()));
    }
    (format!("Deal: {}", cut(&x.name, 200)), lines, opens)
}

/// An RFC 3339 moment as its day in the business zone (as written, should it not parse).
fn day(sc: &SalesScene, at: &str) -> String {
    Stamp::parse(at).map(|s| s.date_in(sc.tz).to_string()).unwrap_or_else(|_| at.to_string())
}

pub fn activity_line(sc: &SalesScene, a: &ActivityRow) -> String {
    let at = a.at.as_deref().map(|t| day(sc, t)).or(a.due.map(|d| d.to_string())).unwrap_or("—".into());
    let status = a.status.as_deref().map(|s| format!(" · {s}")).unwrap_or_default();
    format!("{at} {} · {}{status}", a.kind, cut(&a.subject, 80))
}
