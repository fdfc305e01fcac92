//! A view state → a Discord message: an embed with the counts that matter, the rendered PNG
//! shown in it, and the buttons and selects that lead to the next states. Used alike by slash
//! commands and by clicks, so a click after a restart gets exactly what a command would.

use std::collections::HashMap;

use chrono::NaiveDate;
use panopticon::config::Config;
use panopticon::render::{chart, table, Image, Page};
use panopticon::rules::Status;
use panopticon::views::calendar::{self, Period};
use panopticon::views::list::{self, ListKind};
use panopticon::views::state::{short_hash, PeriodKind, ViewKey, ViewKind, ViewState, MAX_FILTER_VALUES};
use panopticon::views::{join_capped, lead, locators, pipeline, Context, Filter, Header, Snapshot, NO_LOCATOR};
use poise::serenity_prelude as serenity;
use serenity::{
    ButtonStyle, CreateActionRow, CreateAttachment, CreateButton, CreateEmbed, CreateEmbedFooter, CreateSelectMenu,
    CreateSelectMenuKind, CreateSelectMenuOption,
};

use super::limits::{self, cut};
use super::Error;

/// A message ready to send or to put in place of another.
pub struct Composed {
    pub embeds: Vec<CreateEmbed>,
    pub files: Vec<CreateAttachment>,
    pub components: Vec<CreateActionRow>,
}

impl Composed {
    /// As a reply to a command.
    pub fn into_reply(self) -> poise::CreateReply {
        let mut reply = poise::CreateReply::default().components(self.components);
        for e in self.embeds {
            reply = reply.embed(e);
        }
        for f in self.files {
            reply = reply.attachment(f);
        }
        reply
    }
}

const RED: u32 = 0xD55E00;
const AMBER: u32 = 0xE69F00;
const BLUE: u32 = 0x0072B2;

pub fn context<'a>(cfg: &'a Config, state: &ViewState) -> Context<'a> {
    Context {
        as_of: state.as_of,
        now: chrono::Utc::now(),
        rules: &cfg.rules,
        max_sync_age: cfg.sync_max_age,
        crm_url: format!("{}/crm", cfg.zoho.data_center.crm_url()),
    }
}

/// Hash → name, for the filters a state refers to.
fn names(known: &[String]) -> HashMap<String, String> {
    known.iter().map(|n| (short_hash(n), n.clone())).collect()
}

/// The filter a state describes, or an error when it names something the data no longer has.
pub fn filter_of(s: &Snapshot, cfg: &Config, state: &ViewState) -> Result<Filter, String> {
    let stages = names(&s.known_stages(&cfg.rules));
    let mut locs = s.known_locators();
    locs.push(NO_LOCATOR.to_string());
    let locators = names(&locs);
    let pick = |hashes: &[String], map: &HashMap<String, String>| -> Result<Vec<String>, String> {
        hashes
            .iter()
            .map(|h| map.get(h).cloned().ok_or_else(|| "a filter in this view no longer exists".to_string()))
            .collect()
    };
    Ok(Filter {
        stages: pick(&state.stages, &stages)?,
        locators: pick(&state.locators, &locators)?,
        statuses: state.statuses.clone(),
        from: state.from,
        to: state.to,
    })
}

fn footer(ctx: &Context, header: &Header) -> (String, String) {
    let as_of = ctx.as_of.with_timezone(&ctx.tz()).format("as of %a %d %b %Y %H:%M %Z").to_string();
    let synced = match header.last_sync_at.as_deref().and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()) {
        Some(t) => format!("Last synced <t:{}:R>", t.timestamp()),
        None => "Never synced: run /refresh".to_string(),
    };
    (as_of, synced)
}

fn embed(
    title: &str,
    color: u32,
    lines: &[String],
    ctx: &Context,
    header: &Header,
    image: Option<&Image>,
) -> CreateEmbed {
    let (as_of, synced) = footer(ctx, header);
    let mut desc: Vec<String> = Vec::new();
    if let Some(w) = &header.warning {
        desc.push(format!("⚠️ **{}**", w));
    }
    desc.extend(lines.iter().cloned());
    if !header.filters.is_empty() {
        desc.push(format!("Filters: {}", header.filters.join(" · ")));
    }
    desc.push(synced);
    let title = cut(title, limits::TITLE);
    let foot = cut(&as_of, limits::FOOTER);
    // The title, description and footer together stay under the 6,000-character embed total.
    let room = (limits::EMBED_TOTAL - title.chars().count() - foot.chars().count()).min(limits::DESCRIPTION);
    let mut e = CreateEmbed::new()
        .title(title)
        .colour(color)
        .description(cut(&desc.join("\n"), room))
        .footer(CreateEmbedFooter::new(foot));
    if let Some(img) = image {
        e = e.image(format!("attachment://{}", img.name));
    }
    e
}

fn file(img: &Image) -> CreateAttachment {
    // Images are a few hundred KB; Discord's floor is 10 MiB a file.
    debug_assert!(img.png.len() < limits::ATTACHMENT_BYTES);
    CreateAttachment::bytes(img.png.clone(), img.name.clone())
}

fn button(key: &ViewKey, state: &ViewState, tag: char, label: &str, disabled: bool) -> CreateButton {
    CreateButton::new(state.with_tag(tag).encode(key))
        .label(cut(label, limits::BUTTON_LABEL))
        .style(ButtonStyle::Secondary)
        .disabled(disabled)
}

/// A select whose chosen values replace one filter of `state`.
fn select(
    key: &ViewKey,
    state: &ViewState,
    tag: char,
    placeholder: &str,
    options: Vec<(String, String, bool)>,
) -> Option<CreateActionRow> {
    if options.is_empty() {
        return None;
    }
    let opts: Vec<CreateSelectMenuOption> = options
        .into_iter()
        .take(limits::SELECT_OPTIONS)
        .map(|(label, value, on)| {
            CreateSelectMenuOption::new(cut(&label, limits::OPTION_TEXT), cut(&value, limits::OPTION_TEXT))
                .default_selection(on)
        })
        .collect();
    let n = opts.len() as u8;
    let menu = CreateSelectMenu::new(state.with_tag(tag).encode(key), CreateSelectMenuKind::String { options: opts })
        .placeholder(cut(placeholder, 150))
        .min_values(0)
        .max_values(n.min(MAX_FILTER_VALUES as u8));
    Some(CreateActionRow::SelectMenu(menu))
}

/// Builds the message for `state`.
pub fn compose(
    cfg: &Config,
    s: &Snapshot,
    conn: &panopticon::store::Connection,
    state: &ViewState,
) -> Result<Composed, Error> {
    let ctx = context(cfg, state);
    if !state.dates_near(ctx.now) {
        // Its buttons would be refused as forged: say so now, in words.
        let years = panopticon::views::state::MAX_YEARS_FROM_NOW;
        return Err(panopticon::views::input::InputError(format!("dates must be within {years} years of today")).into());
    }
    let key = &ViewKey::load(conn)?;
    let filter = filter_of(s, cfg, state)?;
    let per_page = cfg.rows_per_image;
    match state.view {
        ViewKind::Stale | ViewKind::AtRisk | ViewKind::Leads => {
            let kind = match state.view {
                ViewKind::Stale => ListKind::Stale,
                ViewKind::AtRisk => ListKind::AtRisk,
                _ => ListKind::Leads,
            };
            let v = list::build(s, &ctx, kind, &filter, state.sort);
            let page = Page { index: state.page as usize, per_page }.clamp(v.total);
            let img = table::list(&v, &ctx, page)?;
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
                let by = v.per_locator.iter().map(|c| format!("**{}** {}", c.locator, c.count));
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
            let counts = locator_counts(s, &ctx, kind, &filter, &v, state.sort);
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
                    .map(|st| (status_word(*st).to_string(), st.as_str().to_string(), reset.statuses.contains(st)))
                    .collect();
                rows.extend(select(key, &reset, 'u', "Filter by status…", status_opts));
            }
            let drill: Vec<(String, String, bool)> = v.rows[page.range(v.total)]
                .iter()
                .map(|r| (format!("{} — {}", r.name, r.company.as_deref().unwrap_or("—")), r.id.clone(), false))
                .collect();
            // Upper case: the story opens privately for whoever picks, and the shared list stays.
            let open = ViewState { view: ViewKind::Lead, ..reset.clone() };
            if let Some(CreateActionRow::SelectMenu(m)) =
                select(key, &open, 'D', "Open a lead's story (just for you)…", drill)
            {
                rows.push(CreateActionRow::SelectMenu(m.max_values(1).min_values(1)));
            }
            rows.truncate(limits::ROWS);
            Ok(Composed {
                embeds: vec![embed(&title, color, &lines, &ctx, &v.header, Some(&img))],
                files: vec![file(&img)],
                components: rows,
            })
        }
        ViewKind::Calendar => {
            let period = match (state.from, state.to, state.period) {
                (Some(f), Some(t), _) => Period::range(f, t),
                (_, _, Some((PeriodKind::Day, d))) => Period::day(d),
                (_, _, Some((PeriodKind::Month, d))) => Period::month(d),
                (_, _, Some((PeriodKind::Week, d))) => Period::week(d),
                _ => Period::week(ctx.today()),
            };
            let v = calendar::build(s, &ctx, period, &filter);
            // The picture of the period asked for: a day list, a week grid, a month grid.
            let img = panopticon::render::calendar::image(&v, &ctx)?;
            let mut lines = Vec::new();
            let booked: Vec<_> = v.days.iter().filter(|d| !d.appointments.is_empty()).collect();
            for d in booked.iter().take(10) {
                let items = d.appointments.iter().map(|i| {
                    format!(
                        "{} {} ({}, {})",
                        i.time,
                        i.name,
                        i.locator.as_deref().unwrap_or(NO_LOCATOR),
                        status_word(i.status)
                    )
                });
                lines.push(format!("**{} {}** — {}", d.weekday, d.date.format("%d %b"), join_capped(items, 6, "; ")));
            }
            if booked.len() > 10 {
                // A month has more booked days than an embed can list: say so, never drop silently.
                lines.push(format!("+{} more days with appointments (in the picture)", booked.len() - 10));
            }
            if v.total == 0 {
                lines.push("No appointments in this period.".into());
            }
            // A period as a state: a named period by its start, a custom range by its ends.
            let with = |p: Period| {
                let named = |k| ViewState { period: Some((k, p.from)), from: None, to: None, page: 0, ..state.clone() };
                match p.kind {
                    calendar::PeriodKind::Day => named(PeriodKind::Day),
                    calendar::PeriodKind::Week => named(PeriodKind::Week),
                    calendar::PeriodKind::Month => named(PeriodKind::Month),
                    calendar::PeriodKind::Range => {
                        ViewState { period: None, from: Some(p.from), to: Some(p.to), page: 0, ..state.clone() }
                    }
                }
            };
            let today = ctx.today();
            let rows = vec![CreateActionRow::Buttons(vec![
                button(key, &with(period.prev()), 'p', "◀ Previous", false),
                button(key, &with(Period::day(today)), 't', "Today", false),
                button(key, &with(Period::week(today)), 'w', "This week", false),
                button(key, &with(Period::month(today)), 'm', "This month", false),
                button(key, &with(period.next()), 'n', "Next ▶", false),
            ])];
            let title = format!("📅 {} — {} appointment{}", period.describe(), v.total, plural(v.total));
            Ok(Composed {
                embeds: vec![embed(&title, BLUE, &lines, &ctx, &v.header, Some(&img))],
                files: vec![file(&img)],
                components: rows,
            })
        }
        ViewKind::Pipeline => {
            let p = pipeline::build(s, &ctx, &filter);
            let stages = chart::stages(&p, &ctx)?;
            let funnel = chart::funnel(&p, &ctx)?;
            let c = &p.conversion;
            let pct = panopticon::views::percent;
            let lines = vec![
                format!(
                    "First appointed {} – {}: **{}** appointed → **{}** green ({}) → **{}** delivered ({})",
                    c.from,
                    c.to,
                    c.appointed,
                    c.reached_green,
                    pct(c.green_rate),
                    c.reached_delivered,
                    pct(c.delivered_rate)
                ),
                format!(
                    "In green now: **{}**, stuck: **{}**",
                    p.green.len(),
                    p.green.iter().filter(|g| g.stuck).count()
                ),
            ];
            let first = embed("Pipeline", BLUE, &lines, &ctx, &p.header, Some(&stages));
            let second = CreateEmbed::new().colour(BLUE).image(format!("attachment://{}", funnel.name));
            Ok(Composed { embeds: vec![first, second], files: vec![file(&stages), file(&funnel)], components: vec![] })
        }
        ViewKind::Locators => {
            let v = locators::build(s, &ctx, &filter);
            let page = Page::first(per_page.max(25));
            let img = table::locators(&v, &ctx, page)?;
            let bars = chart::locators(&v, &ctx)?;
            let worst: Vec<String> =
                v.rows.iter().filter(|r| r.stale > 0).map(|r| format!("**{}** {} stale", r.locator, r.stale)).collect();
            let lines = vec![
                format!(
                    "{} stale · {} at risk · {} appointed in all",
                    v.total.stale, v.total.at_risk, v.total.appointed
                ),
                if worst.is_empty() {
                    "No locator has a stale lead.".into()
                } else {
                    format!("Call first: {}", join_capped(worst, 5, " · "))
                },
            ];
            let first = embed("Locators", BLUE, &lines, &ctx, &v.header, Some(&img));
            let second = CreateEmbed::new().colour(RED).image(format!("attachment://{}", bars.name));
            Ok(Composed { embeds: vec![first, second], files: vec![file(&img), file(&bars)], components: vec![] })
        }
        ViewKind::Lead => {
            let id = state.lead.as_deref().ok_or("this view names no lead")?;
            let d = lead::build(conn, s, &ctx, id)?.ok_or("that lead is no longer in the CRM copy")?;
            let img = table::lead(&d, &ctx, Page { index: state.page as usize, per_page })?;
            let l = &d.lead;
            let status = d.status.map(status_word).unwrap_or("no appointment");
            let color = match d.status {
                Some(Status::Stale) => RED,
                Some(Status::AtRisk) => AMBER,
                _ => BLUE,
            };
            let lines = vec![
                format!(
                    "**{}** · {} · {}",
                    status,
                    l.stage.as_deref().unwrap_or("—"),
                    l.locator.as_deref().unwrap_or(NO_LOCATOR)
                ),
                format!("{} · {}", l.company.as_deref().unwrap_or("—"), l.phone.as_deref().unwrap_or("no phone")),
                format!("[Open in Zoho CRM]({})", l.zoho_url),
            ];
            let title = format!("{} — {}", l.name, status);
            Ok(Composed {
                embeds: vec![embed(&title, color, &lines, &ctx, &d.header, Some(&img))],
                files: vec![file(&img)],
                components: vec![],
            })
        }
    }
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

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

pub fn status_word(s: Status) -> &'static str {
    match s {
        Status::Stale => "stale",
        Status::AtRisk => "at risk",
        Status::Awaiting => "awaiting",
        Status::Progressed => "progressed",
        Status::Upcoming => "upcoming",
        Status::Closed => "closed",
    }
}

/// Appointments for a date, as a state (for /calendar's options).
pub fn calendar_state(as_of: chrono::DateTime<chrono::Utc>, kind: PeriodKind, start: NaiveDate) -> ViewState {
    ViewState { period: Some((kind, start)), ..ViewState::new(ViewKind::Calendar, as_of) }
}
