//! A display list: the rectangles, lines and text runs of one image, in drawing order.
//!
//! It is written out as SVG (for tests, snapshots and debugging) and rasterized directly by
//! `raster`. Every text run is recorded with the box it was fitted into, so tests can prove
//! that nothing leaves its cell.

use std::fmt::Write;

use super::font;

/// A piece of text placed in the image, and the box it was fitted to.
#[derive(Clone, Debug, PartialEq)]
pub struct TextBox {
    pub text: String,
    /// Where the text starts and how wide it measures.
    pub x: f32,
    pub width: f32,
    /// The box it had to fit in.
    pub box_x: f32,
    pub box_w: f32,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

/// An sRGB colour from "#RRGGBB".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub fn hex(s: &str) -> Rgb {
        let v = u32::from_str_radix(s.trim_start_matches('#'), 16).unwrap_or(0);
        Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8)
    }
    fn css(self) -> String {
        format!("#{:02X}{:02X}{:02X}", self.0, self.1, self.2)
    }
}

#[derive(Clone, Debug)]
pub enum Item {
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Rgb,
        radius: f32,
    },
    Frame {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        stroke: Rgb,
        radius: f32,
        width: f32,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        stroke: Rgb,
    },
    /// A filled polygon (the warning sign: a shape, since Noto Sans has no ⚠).
    Poly {
        points: Vec<(f32, f32)>,
        fill: Rgb,
    },
    Text {
        x: f32,
        baseline: f32,
        size: f32,
        bold: bool,
        fill: Rgb,
        text: String,
    },
}

/// One image's drawing, in order. Hand-written rather than an SVG library: `raster` draws these
/// same items directly (no SVG parser in between), and each text run keeps the box it was fitted to.
pub struct DisplayList {
    pub items: Vec<Item>,
    pub width: f32,
    pub height: f32,
    pub boxes: Vec<TextBox>,
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            c if (c as u32) < 0x20 => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

impl DisplayList {
    pub fn new(width: f32) -> DisplayList {
        DisplayList { items: vec![], width, height: 0.0, boxes: vec![] }
    }

    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: &str, radius: f32) {
        if w > 0.0 && h > 0.0 {
            self.items.push(Item::Rect { x, y, w, h, fill: Rgb::hex(fill), radius });
        }
    }

    pub fn stroke_rect(&mut self, x: f32, y: f32, w: f32, h: f32, stroke: &str, radius: f32) {
        self.items.push(Item::Frame { x, y, w, h, stroke: Rgb::hex(stroke), radius, width: 1.0 });
    }

    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, stroke: &str) {
        self.items.push(Item::Line { x1, y1, x2, y2, stroke: Rgb::hex(stroke) });
    }

    /// A filled polygon (wedges, thick lines, markers: shapes the charts need beyond rectangles).
    pub fn poly(&mut self, points: Vec<(f32, f32)>, fill: &str) {
        if points.len() >= 3 {
            self.items.push(Item::Poly { points, fill: Rgb::hex(fill) });
        }
    }

    /// A line `width` thick, as a filled quadrilateral (the plain `line` is a hairline).
    pub fn thick_line(&mut self, (x1, y1): (f32, f32), (x2, y2): (f32, f32), width: f32, fill: &str) {
        let (dx, dy) = (x2 - x1, y2 - y1);
        let len = (dx * dx + dy * dy).sqrt();
        if len <= f32::EPSILON {
            return;
        }
        let (nx, ny) = (-dy / len * width / 2.0, dx / len * width / 2.0);
        self.poly(vec![(x1 + nx, y1 + ny), (x2 + nx, y2 + ny), (x2 - nx, y2 - ny), (x1 - nx, y1 - ny)], fill);
    }

    /// A warning sign, drawn: a rounded-off triangle of `size` with an exclamation mark, its
    /// top-left corner at (x, y). Drawn as shapes so it shows whatever the fonts have.
    pub fn warning_sign(&mut self, x: f32, y: f32, size: f32, fill: &str, ink: &str) {
        let h = size * 0.9;
        let points = vec![(x + size / 2.0, y), (x + size, y + h), (x, y + h)];
        self.items.push(Item::Poly { points, fill: Rgb::hex(fill) });
        let (cx, bar_w) = (x + size / 2.0, size * 0.13);
        self.items.push(Item::Rect {
            x: cx - bar_w / 2.0,
            y: y + h * 0.33,
            w: bar_w,
            h: h * 0.36,
            fill: Rgb::hex(ink),
            radius: bar_w / 2.0,
        });
        self.items.push(Item::Rect {
            x: cx - bar_w / 2.0,
            y: y + h * 0.76,
            w: bar_w,
            h: bar_w,
            fill: Rgb::hex(ink),
            radius: bar_w / 2.0,
        });
    }

    /// Writes `text` fitted into the box [box_x, box_x + box_w]: measured with the embedded
    /// font and ellipsized, so it cannot spill into the next cell.
    #[allow(clippy::too_many_arguments)]
    pub fn text(
        &mut self,
        text: &str,
        box_x: f32,
        box_w: f32,
        baseline: f32,
        size: f32,
        bold: bool,
        fill: &str,
        anchor: Anchor,
    ) {
        let fitted = font::fit(text, box_w, size, bold);
        let w = font::width(&fitted, size, bold);
        let x = match anchor {
            Anchor::Start => box_x,
            Anchor::Middle => box_x + (box_w - w) / 2.0,
            Anchor::End => box_x + box_w - w,
        };
        self.items.push(Item::Text { x, baseline, size, bold, fill: Rgb::hex(fill), text: fitted.clone() });
        self.boxes.push(TextBox { text: fitted, x, width: w, box_x, box_w });
    }

    /// Puts the card (a bordered, rounded rectangle of the final height) under everything
    /// drawn so far: the height is known only once the content is.
    pub fn under_card(&mut self, fill: &str, stroke: &str) {
        // Square and edge to edge: every pixel is opaque (Discord rounds the corners itself).
        let (w, h) = (self.width, self.height);
        self.items.insert(0, Item::Rect { x: 0.0, y: 0.0, w, h, fill: Rgb::hex(fill), radius: 0.0 });
        self.items.insert(
            1,
            Item::Frame { x: 0.5, y: 0.5, w: w - 1.0, h: h - 1.0, stroke: Rgb::hex(stroke), radius: 0.0, width: 1.0 },
        );
    }

    /// The image as SVG (what `raster` draws, for eyes and tests).
    pub fn finish(&self) -> String {
        let mut b = String::new();
        for it in &self.items {
            let _ = match it {
                Item::Rect { x, y, w, h, fill, radius } => write!(
                    b,
                    r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" rx="{radius:.1}" fill="{}"/>"#,
                    fill.css()
                ),
                Item::Frame { x, y, w, h, stroke, radius, width } => write!(
                    b,
                    r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" rx="{radius:.1}" fill="none" stroke="{}" stroke-width="{width}"/>"#,
                    stroke.css()
                ),
                Item::Poly { points, fill } => {
                    let pts: Vec<String> = points.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
                    write!(b, r#"<polygon points="{}" fill="{}"/>"#, pts.join(" "), fill.css())
                }
                Item::Line { x1, y1, x2, y2, stroke } => write!(
                    b,
                    r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{}" stroke-width="0.75"/>"#,
                    stroke.css()
                ),
                Item::Text { x, baseline, size, bold, fill, text } => write!(
                    b,
                    r#"<text x="{x:.2}" y="{baseline:.1}" font-size="{size}" font-weight="{}" fill="{}">{}</text>"#,
                    if *bold { 700 } else { 400 },
                    fill.css(),
                    esc(text)
                ),
            };
        }
        format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}" font-family="{f}">{b}</svg>"#,
            w = self.width,
            h = self.height.ceil(),
            f = font::FAMILY,
        )
    }
}
