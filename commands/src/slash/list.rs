//! The list views' Discord face, shared by /stale, /atrisk and /leads: a page of leads as an
//! image, counts by locator, paging buttons, an "Export CSV" button, filter selects and a
//! private drill-down.

use panopticon::render::{table, Page};
use panopticon::rules::Status;
use panopticon::views::list::{self, ListKind};
use panopticon::views::state::{short_hash, ViewKind, ViewState};
use panopticon::views::{join_capped, Context, Filter, Snapshot};
use poise::serenity_prelude::CreateActionRow;

use crate::kit::compose::{button, embed, file, plural, select, Composed, Scene, AMBER, BLUE, RED};
use crate::kit::limits;
use crate::kit::Error;

/// The message for a list state (stale, at risk or all leads).
pub fn face(sc: &Scene) -> Result<Composed, Error> {
    let (cfg, s, state, ctx, key, filter, per_page) =
        (sc.cfg, sc.snap, sc.state, &sc.ctx, &sc.key, &sc.filter, sc.per_page);
    let kind = state.view.list().ok_or("the list face drew a view that is not a list")?;
    let v = list::build(s, ctx, kind, filter, state.sort);
    let page = Page { index: state.page as usize, per_page }.clamp(v.total);
    let img = table::list(&v, ctx, page)?;
    let (title, color) = match kind {
        ListKind::Stale => (format!("🔴 Stale — {} lead{}", v.total, plural(v.total)), RED),
        ListKind::AtRisk => (format!("🟠 At risk — {} lead{}", v.total, plural(v.total)), AMBER),
        ListKind::Leads => (format!("Appointed leads — {}", v.total), BLUE),
    };
    let mut lines = Vec::new();
    if v.total == 0 {
        lines.push(match kind {
            ListKind::Stale => "Nothing is stale. 🎉".to_string(),
            ListKind::AtRisk => "Nothing is at risk.".to_string(),
            ListKind::Leads => "No appointed lead matches.".to_string(),
        });
    } else {
        // A linked locator is mentioned beside their name (the embed only: never in the image).
        let owners: std::collections::HashMap<&str, &str> =
            s.leads.iter().filter_map(|l| Some((l.locator.as_deref()?, l.owner_id.as_deref()?))).collect();
        let by = v.per_locator.iter().map(|c| {
            let owner = owners.get(c.locator.as_str()).copied();
            let name = format!("**{}**", c.locator);
            format!("{} {}", sc.named(&name, owner), c.count)
        });
        lines.push(format!("By locator: {}", join_capped(by, 8, " · ")));
        lines.push(page.describe(v.total));
    }
    let mut st = state.clone();
    st.page = page.index as u16;
    let last = page.count(v.total) - 1;
    let at = |p: usize| ViewState { page: p as u16, ..st.clone() };
    let mut rows = vec![CreateActionRow::Buttons(vec![
        button(key, &at(0), 'f', "⏮ First", page.index == 0),
        button(key, &at(page.index.saturating_sub(1)), 'p', "◀ Previous", page.index == 0),
        button(key, &at((page.index + 1).min(last)), 'n', "Next ▶", page.index >= last),
        button(key, &at(last), 'l', "Last ⏭", page.index >= last),
        super::export::export_button(key, &st),
    ])];
    let reset = ViewState { page: 0, ..st.clone() };
    let stage_opts = s
        .known_stages(&cfg.rules)
        .into_iter()
        .filter(|n| !cfg.rules.is_closed_stage(Some(n)))
        .map(|n| {
            let h = short_hash(&n);
            let on = st.stages.contains(&h);
            (n, h, on)
        })
        .collect();
    rows.extend(select(key, &reset, 's', "Filter by stage…", stage_opts));
    let counts = locator_counts(s, ctx, kind, filter, &v, state.sort);
    let loc_opts = counts
        .into_iter()
        .map(|(n, c)| {
            let h = short_hash(&n);
            let on = st.locators.contains(&h);
            (if c > 0 { format!("{n} ({c})") } else { n }, h, on)
        })
        .collect();
    rows.extend(select(key, &reset, 'o', "Filter by locator…", limits::keep_chosen(loc_opts)));
    if kind == ListKind::Leads {
        // Status values are the JSON names (stale, at_risk…), parsed back on a click.
        let status_opts = Status::ALL
            .iter()
            .map(|st| (st.word().to_string(), st.as_str().to_string(), reset.statuses.contains(st)))
            .collect();
        rows.extend(select(key, &reset, 'u', "Filter by status…", status_opts));
    }
    let drill: Vec<(String, String, bool)> = v.rows[page.range(v.total)]
        .iter()
        .map(|r| (format!("{} — {}", r.name, r.company.as_deref().unwrap_or("—")), r.id.clone(), false))
        .collect();
    // Upper case: the story opens privately for whoever picks, and the shared list stays.
    let open = ViewState { view: ViewKind::Lead, ..reset.clone() };
    if let Some(CreateActionRow::SelectMenu(m)) = select(key, &open, 'D', "Open a lead's story (just for you)…", drill)
    {
        rows.push(CreateActionRow::SelectMenu(m.max_values(1).min_values(1)));
    }
    rows.truncate(limits::ROWS);
    Ok(Composed {
        embeds: vec![embed(&title, color, &lines, ctx, &v.header, Some(&img))],
        files: vec![file(&img)],
        components: rows,
    })
}

/// Every locator a list's locator select offers, with their counts in this view: all of them,
/// whichever are chosen now (so switching needs no clearing), chosen ones included even when
/// they have nothing left under the other filters.
fn locator_counts(
    s: &Snapshot,
    ctx: &Context,
    kind: ListKind,
    filter: &Filter,
    v: &list::ListView,
    sort: Option<panopticon::views::SortKey>,
) -> Vec<(String, usize)> {
    let unfiltered;
    let per = if filter.locators.is_empty() {
        &v.per_locator
    } else {
        unfiltered = list::build(s, ctx, kind, &Filter { locators: vec![], ..filter.clone() }, sort);
        &unfiltered.per_locator
    };
    let mut counts: Vec<(String, usize)> = per.iter().map(|c| (c.locator.clone(), c.count)).collect();
    if counts.is_empty() {
        counts = s.known_locators().into_iter().map(|l| (l, 0)).collect();
    }
    for chosen in &filter.locators {
        if !counts.iter().any(|(n, _)| n == chosen) {
            counts.push((chosen.clone(), 0));
        }
    }
    counts
}
