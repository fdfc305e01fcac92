//! Table images: a card with a title, what it shows (filters, as of), an optional warning,
//! zebra rows with status chips and right-aligned numbers, and a footer with the page and the
//! last sync. Adapters below turn the list, locators and lead views into tables.

use chrono_tz::Tz;

use super::display_list::{Anchor, DisplayList};
use super::theme::{self, BODY, PAD, SMALL, TITLE};
use super::{rasterize, Image, Page, RenderError};
use crate::rules::Status;
use crate::views::lead::LeadDetail;
use crate::views::list::ListView;
use crate::views::locators::LocatorsView;
use crate::views::{Context, Header, NO_LOCATOR};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

pub struct Column {
    pub title: &'static str,
    pub width: f32,
    pub align: Align,
}

const fn col(title: &'static str, width: f32, align: Align) -> Column {
    Column { title, width, align }
}

pub enum Cell {
    Text(String),
    /// A main line (bold) and a muted second line.
    Two(String, Option<String>),
    /// A main line (regular) and a muted second line.
    Pair(String, Option<String>),
    Chip(Status),
    /// A status chip with "SNOOZED" under it: words, not a colour, so it reads in grey too.
    Snoozed(Status),
    Num(Option<i64>),
    /// Bold text, for totals.
    Strong(String),
}

/// What frames a table or chart: title, subtitle, warning, footer.
pub struct Frame {
    pub title: String,
    pub subtitle: String,
    /// An extra line under the subtitle.
    pub note: Option<String>,
    pub warning: Option<String>,
    pub footer: String,
}

impl Frame {
    /// The title and the standard lines of a view's header.
    pub fn of(title: String, header: &Header, ctx: &Context, footer_lead: Option<String>) -> Frame {
        let mut sub = header.filters.join(" · ");
        let as_of = ctx.as_of.with_timezone(&ctx.tz()).format("as of %a %d %b %Y %H:%M %Z").to_string();
        if !sub.is_empty() {
            sub.push_str(" · ");
        }
        sub.push_str(&as_of);
        let synced = header.synced(ctx);
        let footer = match footer_lead {
            Some(l) => format!("{l} · {synced}"),
            None => synced,
        };
        Frame { title, subtitle: sub, note: None, warning: header.warning.clone(), footer }
    }
}

/// Draws the card's top (title, subtitle, warning); returns the y where content starts.
pub fn top(svg: &mut DisplayList, f: &Frame) -> f32 {
    let inner = theme::WIDTH - 2.0 * PAD;
    let mut y = PAD + TITLE;
    svg.text(&f.title, PAD, inner, y, TITLE, true, theme::TEXT, Anchor::Start);
    y += SMALL + 6.0;
    svg.text(&f.subtitle, PAD, inner, y, SMALL, false, theme::MUTED, Anchor::Start);
    if let Some(n) = &f.note {
        y += SMALL + 4.0;
        svg.text(n, PAD, inner, y, SMALL, false, theme::TEXT, Anchor::Start);
    }
    y += 8.0;
    if let Some(w) = &f.warning {
        svg.rect(PAD, y, inner, 18.0, theme::WARNING_BG, 3.0);
        svg.warning_sign(PAD + 6.0, y + 3.5, 11.0, theme::WARNING_TEXT, theme::WARNING_BG);
        svg.text(w, PAD + 22.0, inner - 28.0, y + 12.5, SMALL, true, theme::WARNING_TEXT, Anchor::Start);
        y += 24.0;
    }
    y
}

/// Draws the footer at `y` and closes the card; sets the SVG height.
pub fn bottom(svg: &mut DisplayList, f: &Frame, y: f32) {
    let inner = theme::WIDTH - 2.0 * PAD;
    let y = y + 14.0;
    svg.text(&f.footer, PAD, inner, y, SMALL, false, theme::MUTED, Anchor::Start);
    svg.height = y + PAD - 2.0;
}

/// Renders a table card. `empty` is said in words when there are no rows.
pub fn table(name: &str, f: &Frame, columns: &[Column], rows: &[Vec<Cell>], empty: &str) -> Result<Image, RenderError> {
    let inner = theme::WIDTH - 2.0 * PAD;
    debug_assert!((columns.iter().map(|c| c.width).sum::<f32>() - inner).abs() < 0.5, "columns fill the card");
    let two_line = rows.iter().any(|r| r.iter().any(|c| matches!(c, Cell::Two(_, Some(_)) | Cell::Pair(_, Some(_)))));
    let row_h = if two_line { 27.0 } else { 18.0 };
    let mut body = DisplayList::new(theme::WIDTH);
    let y0 = top(&mut body, f);
    let head_h = 16.0;
    body.rect(PAD, y0, inner, head_h, theme::HEADER_BAND, 2.0);
    let cell_pad = 4.0;
    let mut x = PAD;
    for c in columns {
        let anchor = if c.align == Align::Right { Anchor::End } else { Anchor::Start };
        body.text(c.title, x + cell_pad, c.width - 2.0 * cell_pad, y0 + 11.0, SMALL, true, theme::MUTED, anchor);
        x += c.width;
    }
    let mut y = y0 + head_h;
    if rows.is_empty() {
        body.text(empty, PAD, inner, y + 20.0, BODY, false, theme::MUTED, Anchor::Middle);
        y += 30.0;
    }
    for (i, row) in rows.iter().enumerate() {
        if i % 2 == 1 {
            body.rect(PAD, y, inner, row_h, theme::ZEBRA, 0.0);
        }
        let mut x = PAD;
        let base = if two_line { y + 11.5 } else { y + 12.5 };
        for (c, cell) in columns.iter().zip(row) {
            let (bx, bw) = (x + cell_pad, c.width - 2.0 * cell_pad);
            let anchor = if c.align == Align::Right { Anchor::End } else { Anchor::Start };
            match cell {
                Cell::Text(t) => body.text(t, bx, bw, base, BODY, false, theme::TEXT, anchor),
                Cell::Strong(t) => body.text(t, bx, bw, base, BODY, true, theme::TEXT, anchor),
                Cell::Num(n) => {
                    let t = n.map(|n| n.to_string()).unwrap_or_else(|| "—".into());
                    body.text(&t, bx, bw, base, BODY, false, theme::TEXT, Anchor::End)
                }
                Cell::Two(main, sub) | Cell::Pair(main, sub) => {
                    body.text(main, bx, bw, base, BODY, matches!(cell, Cell::Two(..)), theme::TEXT, anchor);
                    if let Some(s) = sub {
                        body.text(s, bx, bw, base + 10.0, SMALL, false, theme::MUTED, anchor);
                    }
                }
                Cell::Chip(s) => {
                    let (fill, ink, label) = theme::chip(*s);
                    let chip_h = 12.0;
                    body.rect(bx, y + (row_h - chip_h) / 2.0, bw, chip_h, fill, 6.0);
                    // 7.2 logical px: capitals 10 px tall in the PNG, the legibility floor.
                    body.text(label, bx + 2.0, bw - 4.0, y + row_h / 2.0 + 2.6, 7.2, true, ink, Anchor::Middle);
                }
                Cell::Snoozed(s) => {
                    // The chip moves up and the word sits under it, in the text colour: the
                    // status stays readable and the snooze is a word, not a shade.
                    let (fill, ink, label) = theme::chip(*s);
                    let chip_h = 12.0;
                    let top = if two_line { y + 2.0 } else { y + (row_h - chip_h) / 2.0 - 3.0 };
                    body.rect(bx, top, bw, chip_h, fill, 6.0);
                    body.text(label, bx + 2.0, bw - 4.0, top + chip_h / 2.0 + 2.6, 7.2, true, ink, Anchor::Middle);
                    let word_y = if two_line { y + 23.0 } else { y + row_h - 1.0 };
                    body.text("SNOOZED", bx, bw, word_y, 7.2, true, theme::TEXT, Anchor::Middle);
                }
            }
            x += c.width;
        }
        y += row_h;
    }
    body.line(PAD, y, PAD + inner, y, theme::BORDER);
    bottom(&mut body, f, y);
    body.under_card(theme::CARD, theme::BORDER);
    rasterize(name, body)
}

fn appt(t: &Option<crate::time::Stamp>, all_day: bool, tz: Tz) -> (String, Option<String>) {
    match t {
        // An all-day appointment's stamp is the start of its own date: no time to show.
        Some(t) if all_day => {
            let l = t.utc().with_timezone(&tz);
            (l.format("%a %d %b").to_string(), Some(l.format("all day %Y").to_string()))
        }
        Some(t) => {
            let l = t.utc().with_timezone(&tz);
            (l.format("%a %d %b").to_string(), Some(l.format("%H:%M %Y").to_string()))
        }
        None => ("—".into(), None),
    }
}

/// A page of the stale, at-risk or leads list.
pub fn list(v: &ListView, ctx: &Context, page: Page) -> Result<Image, RenderError> {
    list_titled(v, ctx, page, list_title(v))
}

/// The title a list's image carries: its status and how many.
fn list_title(v: &ListView) -> String {
    match v.kind {
        crate::views::list::ListKind::Stale => {
            format!("Stale — {} lead{}", v.total, if v.total == 1 { "" } else { "s" })
        }
        crate::views::list::ListKind::AtRisk => {
            format!("At risk — {} lead{}", v.total, if v.total == 1 { "" } else { "s" })
        }
        crate::views::list::ListKind::Leads => format!("Appointed leads — {}", v.total),
    }
}

/// A page of a list under another title (an alert's new leads are a list of their own).
pub fn list_titled(v: &ListView, ctx: &Context, page: Page, title: String) -> Result<Image, RenderError> {
    let page = page.clamp(v.total);
    let frame = Frame::of(title, &v.header, ctx, Some(page.describe(v.rows.len())));
    let columns = [
        col("STATUS", 64.0, Align::Left),
        col("LEAD · COMPANY", 152.0, Align::Left),
        col("STAGE", 94.0, Align::Left),
        col("LOCATOR", 84.0, Align::Left),
        col("APPT", 66.0, Align::Left),
        col("DAYS", 32.0, Align::Right),
        col("IN STG", 40.0, Align::Right),
    ];
    let rows: Vec<Vec<Cell>> = v.rows[page.range(v.rows.len())]
        .iter()
        .map(|r| {
            let (d, t) = appt(&r.appointment_at, r.appointment_all_day, ctx.tz());
            vec![
                if r.snoozed { Cell::Snoozed(r.status) } else { Cell::Chip(r.status) },
                Cell::Two(r.name.clone(), Some(r.company.clone().unwrap_or_else(|| "—".into()))),
                Cell::Pair(
                    r.stage.clone().unwrap_or_else(|| "—".into()),
                    r.stuck_in_green.then(|| "stuck in green".into()),
                ),
                Cell::Pair(r.locator.clone().unwrap_or_else(|| NO_LOCATOR.into()), None),
                Cell::Pair(d, t),
                Cell::Num(r.days_since_appointment),
                Cell::Num(r.days_in_stage),
            ]
        })
        .collect();
    let empty = match v.kind {
        crate::views::list::ListKind::Stale => "Nothing is stale.",
        crate::views::list::ListKind::AtRisk => "Nothing is at risk.",
        crate::views::list::ListKind::Leads => "No appointed leads match.",
    };
    table(&format!("{}-{}.png", v.kind.name(), page.index + 1), &frame, &columns, &rows, empty)
}

/// The accountability table, a page at a time, with the follow-up medians (time to act on an
/// appointment, time to answer a nudge) in its last two columns.
pub fn locators(v: &LocatorsView, ctx: &Context, page: Page) -> Result<Image, RenderError> {
    let page = page.clamp(v.rows.len());
    let mut frame =
        Frame::of(format!("Locators — {}", v.rows.len()), &v.header, ctx, Some(page.describe(v.rows.len())));
    frame.note =
        Some("TO ACT: median time from an appointment to the first follow-up · REPLY: to answer a nudge".into());
    let columns = [
        col("LOCATOR", 112.0, Align::Left),
        col("APPTD", 40.0, Align::Right),
        col("UPCOM.", 42.0, Align::Right),
        col("AWAIT.", 42.0, Align::Right),
        col("AT RISK", 44.0, Align::Right),
        col("STALE", 38.0, Align::Right),
        col("PROGR.", 42.0, Align::Right),
        col("GREEN", 40.0, Align::Right),
        col("CONV.", 36.0, Align::Right),
        col("TO ACT", 48.0, Align::Right),
        col("REPLY", 48.0, Align::Right),
    ];
    let hours = crate::alerts::kpi::hours_text;
    let row = |x: &crate::views::locators::LocatorRow, strong: bool| {
        let n = |v: u64| Cell::Num(Some(v as i64));
        vec![
            if strong { Cell::Strong(x.locator.clone()) } else { Cell::Text(x.locator.clone()) },
            n(x.appointed),
            n(x.upcoming),
            n(x.awaiting),
            n(x.at_risk),
            n(x.stale),
            n(x.progressed),
            n(x.reached_green),
            Cell::Text(crate::views::percent(x.conversion_rate)),
            Cell::Text(hours(x.median_hours_to_intervention)),
            Cell::Text(hours(x.median_hours_to_answer)),
        ]
    };
    let mut rows: Vec<Vec<Cell>> = v.rows[page.range(v.rows.len())].iter().map(|x| row(x, false)).collect();
    if page.index + 1 >= page.count(v.rows.len()) && !v.rows.is_empty() {
        rows.push(row(&v.total, true));
    }
    table(&format!("locators-{}.png", page.index + 1), &frame, &columns, &rows, "No appointed leads match.")
}

/// One lead's story: the stage history with who changed it and how long each stage lasted.
pub fn lead(d: &LeadDetail, ctx: &Context, page: Page) -> Result<Image, RenderError> {
    let l = &d.lead;
    let status = d.status.map(|s| theme::chip(s).2).unwrap_or("NO APPOINTMENT");
    let since = d.days_since_appointment.map(|n| format!(" · {n} days since the appointment")).unwrap_or_default();
    let snoozed = if d.snooze.is_some() { " · SNOOZED" } else { "" };
    let mut frame = Frame::of(format!("{} — {status}{snoozed}", l.name), &d.header, ctx, None);
    frame.subtitle = format!(
        "{} · {} · {}{} · {}",
        l.company.as_deref().unwrap_or("—"),
        l.stage.as_deref().unwrap_or("—"),
        l.locator.as_deref().unwrap_or(NO_LOCATOR),
        since,
        frame.subtitle
    );
    let total = d.history.len();
    let page = page.clamp(total);
    frame.footer = format!("{} · {} · {}", page.describe(total), l.zoho_url, frame.footer);
    let appts: Vec<String> = d
        .appointments
        .iter()
        .map(|a| {
            let fmt = if a.all_day { "%a %d %b all day" } else { "%a %d %b %H:%M" };
            let t = a.at.map(|t| t.utc().with_timezone(&ctx.tz()).format(fmt).to_string()).unwrap_or_default();
            if a.past {
                t
            } else {
                format!("{t} (upcoming)")
            }
        })
        .collect();
    frame.note =
        Some(if appts.is_empty() { "No appointments".into() } else { format!("Appointments: {}", appts.join(" · ")) });
    let columns = [
        col("WHEN", 92.0, Align::Left),
        col("CHANGE", 232.0, Align::Left),
        col("BY", 144.0, Align::Left),
        col("DAYS IN", 64.0, Align::Right),
    ];
    let tz = ctx.tz();
    // spells[i + 1] is the stage entered by history[i]: how long it lasted.
    let rows: Vec<Vec<Cell>> = d.history[page.range(total)]
        .iter()
        .enumerate()
        .map(|(k, h)| {
            let i = page.range(total).start + k;
            let when =
                h.at.map(|t| t.utc().with_timezone(&tz).format("%d %b %Y %H:%M").to_string()).unwrap_or_default();
            let change = format!("{} → {}", h.from.as_deref().unwrap_or("—"), h.to.as_deref().unwrap_or("—"));
            let by = match (h.by.as_deref(), h.source) {
                (_, "observed") => "(seen by sync)".to_string(),
                (Some(b), _) => b.to_string(),
                (None, _) => "—".to_string(),
            };
            vec![
                Cell::Text(when),
                Cell::Text(change),
                Cell::Text(by),
                Cell::Num(d.stages.get(i + 1).and_then(|s| s.days)),
            ]
        })
        .collect();
    table(&format!("lead-{}-{}.png", l.id, page.index + 1), &frame, &columns, &rows, "No stage changes known.")
}
