//! Rendered images: PNG tables and charts drawn from the same view models the CLI prints.
//!
//! Each image is a display list (rectangles, lines, polygons, text runs) that is written out as
//! SVG for tests and eyes, and rasterized at 2× by tiny-skia from the glyph outlines of Noto
//! Sans, embedded in the binary, and of the fallback fonts named in `[render] fallback_fonts`
//! for scripts Noto Sans lacks — no fontconfig. Text is measured and ellipsized
//! before it is placed, so nothing is cut mid-glyph or spills out of its cell.

pub mod calendar;
pub mod chart;
pub mod display_list;
pub mod font;
mod raster;
pub mod sales;
pub mod table;
pub mod theme;

pub use display_list::TextBox;

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("could not lay out the image: {0}")]
    Svg(String),
    #[error("could not encode the PNG: {0}")]
    Png(String),
}

/// A rendered image and what went into it.
#[derive(Clone, Debug)]
pub struct Image {
    /// A file name for the attachment, e.g. `stale-1.png`.
    pub name: String,
    pub png: Vec<u8>,
    pub svg: String,
    /// Pixel size of the PNG.
    pub width: u32,
    pub height: u32,
    /// Every text run and the box it was fitted into (for tests).
    pub boxes: Vec<TextBox>,
}

/// Which slice of a long list an image shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    /// 0-based.
    pub index: usize,
    pub per_page: usize,
}

impl Page {
    pub fn first(per_page: usize) -> Page {
        Page { index: 0, per_page: per_page.max(1) }
    }

    pub fn count(&self, total: usize) -> usize {
        total.div_ceil(self.per_page.max(1)).max(1)
    }

    /// The same page, moved onto the last page if it ran past the end.
    pub fn clamp(&self, total: usize) -> Page {
        Page { index: self.index.min(self.count(total) - 1), per_page: self.per_page.max(1) }
    }

    pub fn range(&self, total: usize) -> std::ops::Range<usize> {
        let p = self.clamp(total);
        let from = (p.index * p.per_page).min(total);
        from..(from + p.per_page).min(total)
    }

    /// "rows 26–50 of 212 · page 2 of 9"
    pub fn describe(&self, total: usize) -> String {
        let r = self.range(total);
        if total == 0 {
            return "no rows".into();
        }
        let p = self.clamp(total);
        format!("rows {}–{} of {} · page {} of {}", r.start + 1, r.end, total, p.index + 1, p.count(total))
    }
}

/// Display list → PNG at theme::SCALE.
pub fn rasterize(name: &str, doc: display_list::DisplayList) -> Result<Image, RenderError> {
    let (png, width, height) = raster::png(&doc, theme::SCALE).map_err(RenderError::Png)?;
    Ok(Image { name: name.to_string(), png, svg: doc.finish(), width, height, boxes: doc.boxes })
}

/// Every image the bot posts, for one moment: the first page of each list, the lead with the
/// oldest stale appointment, the charts, and today's, this week's and this month's calendar.
pub fn gallery(
    conn: &rusqlite::Connection,
    s: &crate::views::Snapshot,
    ctx: &crate::views::Context,
    per_page: usize,
) -> Result<Vec<Image>, Box<dyn std::error::Error + Send + Sync>> {
    use crate::views::calendar::{self, Period};
    use crate::views::list::{self, ListKind};
    use crate::views::{lead, locators, pipeline, Filter};
    let none = Filter::default();
    let page = Page::first(per_page);
    let mut out = Vec::new();
    let stale = list::build(s, ctx, ListKind::Stale, &none, None);
    for p in 0..page.count(stale.total).min(2) {
        out.push(table::list(&stale, ctx, Page { index: p, per_page })?);
    }
    out.push(table::list(&list::build(s, ctx, ListKind::AtRisk, &none, None), ctx, page)?);
    out.push(table::list(&list::build(s, ctx, ListKind::Leads, &none, None), ctx, page)?);
    let loc = locators::build(s, ctx, &none);
    out.push(table::locators(&loc, ctx, page)?);
    out.push(chart::locators(&loc, ctx)?);
    let pipe = pipeline::build(s, ctx, &none);
    out.push(chart::stages(&pipe, ctx)?);
    out.push(chart::funnel(&pipe, ctx)?);
    for period in [Period::day(ctx.today()), Period::week(ctx.today()), Period::month(ctx.today())] {
        out.push(self::calendar::image(&calendar::build(s, ctx, period, &none), ctx)?);
    }
    if let Some(first) = stale.rows.first() {
        if let Some(d) = lead::build(conn, s, ctx, &first.id)? {
            out.push(table::lead(&d, ctx, page)?);
        }
    }
    Ok(out)
}
