//! /deals — the asker's deals, filtered (stage, owner, source, pipeline, closing range, least
//! amount), sorted, a page at a time, with a select that opens a deal's story.

use panopticon::views::sales::{self as views, DealRow, DealsFilter};
use panopticon::views::state::{DealSort, RecordKey, RecordKind, SalesState, SalesView, MAX_AMOUNT, MAX_SALES_PAGE};
use poise::serenity_prelude::{ButtonStyle, CreateActionRow, CreateButton};

use super::controls::{filter_row, one_of, preset_row, OPEN};
use super::scene::{money, SalesScene};
use super::Typed;
use crate::kit::compose::{embed, Composed, BLUE};
use crate::kit::limits::{self, cut};
use crate::kit::{Ctx, Error};

/// Deals on a page.
pub const PER_PAGE: usize = 10;

/// The deal list's order, as Discord offers it.
#[derive(Clone, Copy, Debug, poise::ChoiceParameter)]
pub enum Sort {
    #[name = "Closing soonest"]
    Closing,
    #[name = "Largest amount"]
    Amount,
    #[name = "Furthest stage"]
    Stage,
    #[name = "Recently changed"]
    Recent,
}

/// Your deals (your team's, everyone's), filtered and sorted, with each deal's story a click away.
// Each argument is one of Discord's options: poise takes them as parameters.
#[allow(clippy::too_many_arguments)]
#[poise::command(slash_command, guild_only)]
pub async fn deals(
    ctx: Ctx<'_>,
    #[description = "Only deals in this stage"]
    #[autocomplete = "super::stages"]
    stage: Option<String>,
    #[description = "Only this person's deals"]
    #[autocomplete = "super::owners"]
    owner: Option<String>,
    #[description = "Closing in this period (a preset, or 2026-01-01..2026-03-31)"]
    #[autocomplete = "super::periods"]
    closing: Option<String>,
    #[description = "Only deals of at least this amount"] min_amount: Option<u32>,
    #[description = "Only deals from this lead source"]
    #[autocomplete = "super::sources_ac"]
    source: Option<String>,
    #[description = "Only deals in this pipeline"]
    #[autocomplete = "super::pipelines"]
    pipeline: Option<String>,
    #[description = "Order (default: closing soonest)"] sort: Option<Sort>,
    #[description = "Only you see the answer (members' and managers' answers always are)"] private: Option<bool>,
) -> Result<(), Error> {
    if let Some(p) = closing.as_deref().filter(|p| !p.trim().is_empty()) {
        panopticon::sales::period::Preset::parse(p.trim()).map_err(panopticon::views::input::InputError)?;
    }
    let access = crate::slash::asker(ctx, private, false).await?;
    let typed = Typed { period: closing, owner, source, pipeline, stage };
    let mut st = super::state(ctx, &access, SalesView::Deals, typed).await?;
    st.min_amount = min_amount.map(|a| u64::from(a).min(MAX_AMOUNT));
    st.sort = match sort {
        None | Some(Sort::Closing) => DealSort::Closing,
        Some(Sort::Amount) => DealSort::Amount,
        Some(Sort::Stage) => DealSort::Stage,
        Some(Sort::Recent) => DealSort::Recent,
    };
    super::send(ctx, &access, st).await
}

/// The engine's question for a deal-list state: the scene's query (period, owner, source,
/// pipeline) and the list's own filters. The engine builds the list (`views::sales::deals`), so
/// `/deals` and `panopticon report deals` list the same deals in the same order.
pub fn question(sc: &SalesScene) -> DealsFilter {
    let closing = sc.state.preset.map(|_| (sc.period.from, sc.period.to.pred_opt().unwrap_or(sc.period.to)));
    DealsFilter {
        stages: sc.filters.stage.iter().cloned().collect(),
        closing,
        min_amount: sc.state.min_amount.map(|a| a as i64 * 100),
        max_amount: None,
        sort: engine_sort(sc.state.sort),
        page: sc.state.page as usize,
        per_page: PER_PAGE,
    }
}

/// Discord's sorts as the engine's.
pub fn engine_sort(s: DealSort) -> views::DealSort {
    match s {
        DealSort::Closing => views::DealSort::Closing,
        DealSort::Amount => views::DealSort::Amount,
        DealSort::Stage => views::DealSort::Furthest,
        DealSort::Recent => views::DealSort::Recent,
    }
}

/// One deal as a line of a list.
pub fn line(cur: &str, d: &DealRow) -> String {
    let amount = d.amount.map(|a| money(cur, (a * 100.0).round() as i64)).unwrap_or_else(|| "no amount".into());
    let closes = d.closing_date.map(|c| format!("closes {c}")).unwrap_or_else(|| "no closing date".into());
    let owner = d.owner.as_deref().unwrap_or("no owner");
    format!("**{}** · {} · {amount} · {closes} · {owner}", cut(&d.name, 60), d.stage)
}

/// The message for a deal-list state.
pub fn face(sc: &SalesScene) -> Result<Composed, Error> {
    let cur = &sc.cfg.sales.currency;
    let v = views::deals::build(sc.sales, &sc.sctx, &sc.access.scope, &sc.query, &question(sc));
    let (total, pages, page) = (v.total, v.pages, v.page);
    let shown = &v.deals;
    let title = format!("Deals — {total} ({})", money(cur, (v.total_amount * 100.0).round() as i64));
    let mut lines = vec![format!("Whose: {} · sorted by {}", sc.whose(), sc.state.sort.label().to_lowercase())];
    if sc.state.preset.is_some() {
        lines.push(format!("Closing {}", sc.period.describe()));
    }
    if total == 0 {
        lines.push("No deal matches.".into());
    } else {
        lines.extend(shown.iter().enumerate().map(|(i, d)| format!("{}. {}", page * PER_PAGE + i + 1, line(cur, d))));
        lines.push(format!("rows {}–{} of {total}", page * PER_PAGE + 1, page * PER_PAGE + shown.len()));
    }
    let mut header = sc.header.clone();
    header.filters = sc.filter_words();
    let at = |p: usize, tag: char| {
        let s = SalesState { page: p.min(MAX_SALES_PAGE as usize) as u16, ..sc.state.clone() };
        s.with_tag(tag).encode(&sc.key)
    };
    let last = pages - 1;
    let b = |id: String, label: &str, off: bool| {
        CreateButton::new(id).label(cut(label, limits::BUTTON_LABEL)).style(ButtonStyle::Secondary).disabled(off)
    };
    let next_sort = DealSort::ALL[(DealSort::ALL.iter().position(|s| *s == sc.state.sort).unwrap_or(0) + 1) % 4];
    let sorted = SalesState { sort: next_sort, page: 0, ..sc.state.clone() }.with_tag('s').encode(&sc.key);
    let mut rows = vec![CreateActionRow::Buttons(vec![
        b(at(0, 'f'), "⏮ First", page == 0),
        b(at(page.saturating_sub(1), 'b'), "◀ Previous", page == 0),
        b(at((page + 1).min(last), 'n'), "Next ▶", page >= last),
        b(at(last, 'l'), "Last ⏭", page >= last),
        b(sorted, &format!("Sort: {}", next_sort.label()), false),
    ])];
    rows.extend(preset_row(sc, "Closing in…"));
    rows.extend(filter_row(sc));
    let open: Vec<(String, String, bool)> = shown
        .iter()
        .filter_map(|d| {
            Some((format!("{} — {}", d.name, d.stage), RecordKey::new(RecordKind::Deal, &d.id)?.text(), false))
        })
        .collect();
    rows.extend(one_of(sc, sc.state, OPEN, "Open a deal's story (just for you)…", open));
    rows.truncate(limits::ROWS);
    let ctx = panopticon::views::Context::new(sc.cfg, chrono::Utc::now(), chrono::Utc::now());
    Ok(Composed { embeds: vec![embed(&title, BLUE, &lines, &ctx, &header, None)], files: vec![], components: rows })
}
