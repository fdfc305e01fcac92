//! Calendar images for the period asked for: a day as a list (time, status, lead, locator,
//! stage), a week as seven columns of appointment cards, a month (or a long range) as the
//! month grid of `chart::month`. `/calendar today` shows today, not the month around it.

use chrono::{Datelike, Duration};

use super::chart;
use super::display_list::{Anchor, DisplayList};
use super::table::{self, bottom, top, Align, Cell, Column, Frame};
use super::theme::{self, PAD, SMALL};
use super::{rasterize, Image, RenderError};
use crate::views::calendar::{CalendarView, PeriodKind};
use crate::views::{Context, NO_LOCATOR};

/// Appointments listed in a day image; the rest are counted in a last line.
pub const DAY_ROWS: usize = 25;
/// Cards per day in a week image; the rest are counted under the column.
pub const WEEK_CARDS: usize = 10;

/// The image for the view's period: a day list, a week grid, or a month grid.
pub fn image(v: &CalendarView, ctx: &Context) -> Result<Image, RenderError> {
    match v.period.kind {
        PeriodKind::Day => day(v, ctx),
        PeriodKind::Week => week(v, ctx),
        PeriodKind::Range if v.days.len() <= 7 => week(v, ctx),
        PeriodKind::Month | PeriodKind::Range => chart::month(v, ctx),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn frame(v: &CalendarView, ctx: &Context) -> Frame {
    Frame::of(
        format!("{} — {} appointment{}", v.period.describe(), v.total, plural(v.total)),
        &v.header,
        ctx,
        Some(format!("← {}   → {}", v.prev.describe(), v.next.describe())),
    )
}

/// One day: every appointment in time order, as a table.
pub fn day(v: &CalendarView, ctx: &Context) -> Result<Image, RenderError> {
    let mut f = frame(v, ctx);
    let items: Vec<_> = v.days.iter().flat_map(|d| d.appointments.iter()).collect();
    let more = items.len().saturating_sub(DAY_ROWS);
    if more > 0 {
        f.footer = format!(
            "first {DAY_ROWS} of {} shown, {more} more (the CLI's report calendar lists all) · {}",
            items.len(),
            f.footer
        );
    }
    let columns = [
        Column { title: "TIME", width: 50.0, align: Align::Left },
        Column { title: "STATUS", width: 64.0, align: Align::Left },
        Column { title: "LEAD · COMPANY", width: 170.0, align: Align::Left },
        Column { title: "LOCATOR", width: 110.0, align: Align::Left },
        Column { title: "STAGE", width: 138.0, align: Align::Left },
    ];
    let rows: Vec<Vec<Cell>> = items
        .iter()
        .take(DAY_ROWS)
        .map(|i| {
            vec![
                Cell::Text(i.time.clone()),
                Cell::Chip(i.status),
                Cell::Two(i.name.clone(), Some(i.company.clone().unwrap_or_else(|| "—".into()))),
                Cell::Pair(i.locator.clone().unwrap_or_else(|| NO_LOCATOR.into()), None),
                Cell::Pair(i.stage.clone().unwrap_or_else(|| "—".into()), i.title.clone()),
            ]
        })
        .collect();
    let name = format!("calendar-{}.png", v.period.from);
    table::table(&name, &f, &columns, &rows, "No appointments this day.")
}

/// Seven columns, Monday to Sunday (or the days of a short range): a card per appointment
/// with its time, status letter and lead, tinted by status.
pub fn week(v: &CalendarView, ctx: &Context) -> Result<Image, RenderError> {
    let f = frame(v, ctx);
    let mut svg = DisplayList::new(theme::WIDTH);
    let mut y = top(&mut svg, &f);
    let inner = theme::WIDTH - 2.0 * PAD;
    let n = v.days.len().clamp(1, 7);
    let cw = inner / n as f32;
    let today = ctx.today();
    // Day headers: weekday and date; today's in bold on a band.
    for (k, d) in v.days.iter().take(7).enumerate() {
        let x = PAD + k as f32 * cw;
        let is_today = d.date == today;
        svg.rect(x + 1.0, y, cw - 2.0, 24.0, if is_today { theme::TEXT } else { theme::HEADER_BAND }, 3.0);
        let ink = if is_today { theme::CARD } else { theme::MUTED };
        svg.text(&d.weekday, x, cw, y + 10.0, SMALL, true, ink, Anchor::Middle);
        let count = d.appointments.len();
        let label = format!("{} · {count}", d.date.format("%d %b"));
        svg.text(&label, x, cw, y + 20.0, SMALL, is_today, ink, Anchor::Middle);
    }
    y += 28.0;
    let card_h = 25.0;
    let tallest = v.days.iter().take(7).map(|d| d.appointments.len().min(WEEK_CARDS)).max().unwrap_or(0);
    let overflow = v.days.iter().take(7).any(|d| d.appointments.len() > WEEK_CARDS);
    for (k, d) in v.days.iter().take(7).enumerate() {
        let x = PAD + k as f32 * cw;
        for (j, i) in d.appointments.iter().take(WEEK_CARDS).enumerate() {
            let cy = y + j as f32 * (card_h + 3.0);
            svg.rect(x + 1.0, cy, cw - 2.0, card_h, theme::tint(i.status), 3.0);
            let (chip_fill, chip_ink, _) = theme::chip(i.status);
            svg.rect(x + cw - 14.0, cy + 3.0, 11.0, 10.0, chip_fill, 2.0);
            svg.text(theme::letter(i.status), x + cw - 14.0, 11.0, cy + 10.8, 7.2, true, chip_ink, Anchor::Middle);
            svg.text(&i.time, x + 4.0, cw - 20.0, cy + 10.5, SMALL, true, theme::TEXT, Anchor::Start);
            svg.text(&i.name, x + 4.0, cw - 8.0, cy + 21.0, SMALL, false, theme::TEXT, Anchor::Start);
        }
        let more = d.appointments.len().saturating_sub(WEEK_CARDS);
        if more > 0 {
            let cy = y + WEEK_CARDS as f32 * (card_h + 3.0);
            svg.text(&format!("+{more} more"), x, cw, cy + 9.0, SMALL, true, theme::MUTED, Anchor::Middle);
        }
    }
    if v.total == 0 {
        svg.text("No appointments this week.", PAD, inner, y + 16.0, theme::BODY, false, theme::MUTED, Anchor::Middle);
        y += 24.0;
    } else {
        y += tallest as f32 * (card_h + 3.0) + if overflow { 14.0 } else { 0.0 };
    }
    y = legend(&mut svg, y + 6.0);
    let end = v.period.from + Duration::days(v.days.len().max(1) as i64 - 1);
    let name = if v.period.kind == PeriodKind::Week {
        format!("calendar-week-{}-{:02}.png", v.period.from.iso_week().year(), v.period.from.iso_week().week())
    } else {
        format!("calendar-{}-{}.png", v.period.from, end)
    };
    bottom(&mut svg, &f, y);
    svg.under_card(theme::CARD, theme::BORDER);
    rasterize(&name, svg)
}

/// Letter, colour and word for each status; returns the y below it.
fn legend(svg: &mut DisplayList, y: f32) -> f32 {
    let mut x = PAD;
    for s in crate::rules::Status::ALL {
        let (chip_fill, ink, label) = theme::chip(s);
        svg.rect(x, y, 11.0, 10.0, chip_fill, 2.0);
        svg.text(theme::letter(s), x, 11.0, y + 7.8, 7.2, true, ink, Anchor::Middle);
        let word = label.to_lowercase();
        svg.text(&word, x + 14.0, 70.0, y + 8.0, SMALL, false, theme::TEXT, Anchor::Start);
        x += 14.0 + super::font::width(&word, SMALL, false) + 12.0;
    }
    y + 12.0
}
