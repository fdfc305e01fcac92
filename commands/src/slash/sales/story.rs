//! A record's story, privately: a deal (its stage history, activities, account and contact),
//! an account (its deals and contacts) or a contact (their account, deals and activities), each
//! with a select to open the records it names. Only what the asker's scope holds is found.

use panopticon::sales::{Activity, Deal, SalesData};
use panopticon::views::state::{RecordKey, RecordKind};

use super::controls::{one_of, OPEN};
use super::deals::line;
use super::scene::{money, SalesScene};
use crate::kit::compose::{embed, Composed, BLUE};
use crate::kit::limits::cut;
use crate::kit::Error;

/// Lines of history or activity a story shows, at most (the newest).
const MAX_LINES: usize = 12;

/// The message for a story state.
pub fn face(sc: &SalesScene) -> Result<Composed, Error> {
    let r = sc.state.record.as_ref().ok_or("a story without its record")?;
    let unseen = || -> Error { "that record is not among what you see (or no longer exists)".into() };
    let d = sc.data;
    let (title, lines, opens) = match r.kind {
        RecordKind::Deal => deal(sc, d.deals.iter().find(|x| x.id == r.id).ok_or_else(unseen)?),
        RecordKind::Account => {
            let a = d.accounts.iter().find(|x| x.id == r.id).ok_or_else(unseen)?;
            let deals: Vec<&Deal> =
                d.deals.iter().filter(|x| x.account.as_ref().is_some_and(|c| c.id == a.id)).collect();
            let mut lines = vec![
                format!("Owner: {}", a.owner.as_ref().map(|o| o.name.as_str()).unwrap_or("—")),
                format!("Industry: {}", a.industry.as_deref().unwrap_or("—")),
                format!("**Deals ({})**", deals.len()),
            ];
            lines.extend(deals.iter().take(MAX_LINES).map(|x| line(sc, x)));
            let contacts: Vec<_> =
                d.contacts.iter().filter(|c| c.account.as_ref().is_some_and(|x| x.id == a.id)).collect();
            lines.push(format!("**Contacts ({})**", contacts.len()));
            lines.extend(
                contacts
                    .iter()
                    .take(MAX_LINES)
                    .map(|c| format!("{} · {}", c.name, c.email.as_deref().unwrap_or("no email"))),
            );
            let mut opens: Vec<(String, RecordKind, String)> =
                deals.iter().map(|x| (format!("Deal: {}", x.name), RecordKind::Deal, x.id.clone())).collect();
            opens.extend(contacts.iter().map(|c| (format!("Contact: {}", c.name), RecordKind::Contact, c.id.clone())));
            (format!("Account: {}", a.name), lines, opens)
        }
        RecordKind::Contact => {
            let c = d.contacts.iter().find(|x| x.id == r.id).ok_or_else(unseen)?;
            let deals: Vec<&Deal> =
                d.deals.iter().filter(|x| x.contact.as_ref().is_some_and(|k| k.id == c.id)).collect();
            let mut lines = vec![
                format!("Email: {}", c.email.as_deref().unwrap_or("—")),
                format!("Account: {}", c.account.as_ref().map(|a| a.name.as_str()).unwrap_or("—")),
                format!("Owner: {}", c.owner.as_ref().map(|o| o.name.as_str()).unwrap_or("—")),
                format!("**Deals ({})**", deals.len()),
            ];
            lines.extend(deals.iter().take(MAX_LINES).map(|x| line(sc, x)));
            let acts: Vec<&Activity> =
                d.activities.iter().filter(|a| a.who.as_ref().is_some_and(|w| w.id == c.id)).collect();
            lines.push(format!("**Activities ({})**", acts.len()));
            lines.extend(newest(acts).into_iter().map(|a| activity_line(sc, a)));
            let mut opens: Vec<(String, RecordKind, String)> =
                deals.iter().map(|x| (format!("Deal: {}", x.name), RecordKind::Deal, x.id.clone())).collect();
            if let Some(a) = &c.account {
                opens.insert(0, (format!("Account: {}", a.name), RecordKind::Account, a.id.clone()));
            }
            (format!("Contact: {}", c.name), lines, opens)
        }
        RecordKind::Lead => return Err("a lead's story is the lead side's".into()),
    };
    // Only records the asker sees are offered (an account or contact outside their scope is not).
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

type Story = (String, Vec<String>, Vec<(String, RecordKind, String)>);

fn deal(sc: &SalesScene, x: &Deal) -> Story {
    let d: &SalesData = sc.data;
    let cur = &sc.cfg.sales.currency;
    let m = |c: Option<i64>| c.map(|c| money(cur, c)).unwrap_or_else(|| "—".into());
    let mut lines = vec![
        format!(
            "Stage: **{}** ({}) · pipeline {}",
            x.stage,
            x.probability.map(|p| format!("{p}%")).unwrap_or("—".into()),
            x.pipeline.as_deref().unwrap_or("—")
        ),
        format!("Amount: **{}** · expected revenue {}", m(x.amount), m(x.expected_revenue)),
        format!("Closing: {}", x.closing_date.map(|c| c.to_string()).unwrap_or("—".into())),
        format!(
            "Owner: {} · lead source: {}",
            x.owner.as_ref().map(|o| o.name.as_str()).unwrap_or("—"),
            x.lead_source.as_deref().unwrap_or("—")
        ),
        format!(
            "Account: {} · contact: {}",
            x.account.as_ref().map(|a| a.name.as_str()).unwrap_or("—"),
            x.contact.as_ref().map(|c| c.name.as_str()).unwrap_or("—")
        ),
        format!("Created {}", x.created_at.date_in(sc.tz)),
    ];
    let history: Vec<_> = d.stages.iter().filter(|s| s.deal_id == x.id).collect();
    lines.push(format!("**Stage history ({})**", history.len()));
    let skip = history.len().saturating_sub(MAX_LINES);
    lines.extend(history.iter().skip(skip).map(|s| {
        format!(
            "{} → {}{}",
            s.at.date_in(sc.tz),
            s.stage,
            s.by.as_deref().map(|b| format!(" (by {b})")).unwrap_or_default()
        )
    }));
    let acts: Vec<&Activity> =
        d.activities.iter().filter(|a| a.what.as_ref().is_some_and(|w| w.module == "Deals" && w.id == x.id)).collect();
    lines.push(format!("**Activities ({})**", acts.len()));
    lines.extend(newest(acts).into_iter().map(|a| activity_line(sc, a)));
    let mut opens = Vec::new();
    if let Some(a) = &x.account {
        opens.push((format!("Account: {}", a.name), RecordKind::Account, a.id.clone()));
    }
    if let Some(c) = &x.contact {
        opens.push((format!("Contact: {}", c.name), RecordKind::Contact, c.id.clone()));
    }
    (format!("Deal: {}", cut(&x.name, 200)), lines, opens)
}

/// When an activity happened or is due, for ordering and showing.
fn when(a: &Activity) -> Option<chrono::DateTime<chrono::Utc>> {
    a.at.as_ref()
        .map(|s| s.utc())
        .or_else(|| a.completed_at.as_ref().map(|s| s.utc()))
        .or_else(|| a.due.and_then(|d| d.and_hms_opt(12, 0, 0)).map(|t| t.and_utc()))
}

fn newest(mut acts: Vec<&Activity>) -> Vec<&Activity> {
    acts.sort_by_key(|a| std::cmp::Reverse(when(a)));
    acts.truncate(MAX_LINES);
    acts
}

pub fn activity_line(sc: &SalesScene, a: &Activity) -> String {
    let at = when(a).map(|t| t.with_timezone(&sc.tz).format("%Y-%m-%d").to_string()).unwrap_or("—".into());
    let status = a.status.as_deref().map(|s| format!(" · {s}")).unwrap_or_default();
    format!("{at} {} · {}{status}", a.kind.name(), cut(&a.subject, 80))
}
