//! Rasterizing a display list with tiny-skia: rectangles, lines and polygons as paths, text as
//! glyph outlines from the font that has each character (cached per glyph), the image split into horizontal bands
//! drawn in parallel, and the PNG encoded with fast compression.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use tiny_skia::{FillRule, Paint, Path, PathBuilder, Pixmap, Stroke, Transform};

use super::display_list::{DisplayList, Item, Rgb};
use super::font;

struct Outline(PathBuilder);

impl ttf_parser::OutlineBuilder for Outline {
    fn move_to(&mut self, x: f32, y: f32) {
        self.0.move_to(x, y);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.0.line_to(x, y);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        self.0.quad_to(x1, y1, x, y);
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        self.0.cubic_to(x1, y1, x2, y2, x, y);
    }
    fn close(&mut self) {
        self.0.close();
    }
}

type GlyphCache = RwLock<HashMap<(font::FontId, u16), Option<Arc<Path>>>>;

/// A glyph's outline in font units (None for blank glyphs such as the space).
fn outline(g: font::Glyph) -> Option<Arc<Path>> {
    static CACHE: OnceLock<GlyphCache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(p) = cache.read().expect("glyph cache").get(&(g.font, g.id.0)) {
        return p.clone();
    }
    let mut o = Outline(PathBuilder::new());
    let path = font::face(g.font).outline_glyph(g.id, &mut o).and_then(|_| o.0.finish()).map(Arc::new);
    cache.write().expect("glyph cache").insert((g.font, g.id.0), path.clone());
    path
}

fn paint(c: Rgb) -> Paint<'static> {
    let mut p = Paint::default();
    p.set_color_rgba8(c.0, c.1, c.2, 255);
    p.anti_alias = true;
    p
}

fn rounded(x: f32, y: f32, w: f32, h: f32, r: f32) -> Option<Path> {
    let r = r.min(w / 2.0).min(h / 2.0).max(0.0);
    if r == 0.0 {
        return tiny_skia::Rect::from_xywh(x, y, w, h).map(PathBuilder::from_rect);
    }
    // Quarter circles as cubics (k = 0.5523).
    let k = r * 0.552_284_8;
    let mut pb = PathBuilder::new();
    pb.move_to(x + r, y);
    pb.line_to(x + w - r, y);
    pb.cubic_to(x + w - r + k, y, x + w, y + r - k, x + w, y + r);
    pb.line_to(x + w, y + h - r);
    pb.cubic_to(x + w, y + h - r + k, x + w - r + k, y + h, x + w - r, y + h);
    pb.line_to(x + r, y + h);
    pb.cubic_to(x + r - k, y + h, x, y + h - r + k, x, y + h - r);
    pb.line_to(x, y + r);
    pb.cubic_to(x, y + r - k, x + r - k, y, x + r, y);
    pb.close();
    pb.finish()
}

/// Draws every item that touches rows [top, top + pixmap height) of the full image.
fn draw(items: &[Item], pm: &mut Pixmap, scale: f32, top: f32) {
    let mut sprites = Sprites::default();
    let base = Transform::from_row(scale, 0.0, 0.0, scale, 0.0, -top);
    let (band_top, band_bottom) = (top / scale, (top + pm.height() as f32) / scale);
    for it in items {
        match it {
            Item::Rect { x, y, w, h, fill, radius } => {
                if y + h < band_top || *y > band_bottom {
                    continue;
                }
                if let Some(p) = rounded(*x, *y, *w, *h, *radius) {
                    pm.fill_path(&p, &paint(*fill), FillRule::Winding, base, None);
                }
            }
            Item::Frame { x, y, w, h, stroke, radius, width } => {
                if let Some(p) = rounded(*x, *y, *w, *h, *radius) {
                    let s = Stroke { width: *width, ..Stroke::default() };
                    pm.stroke_path(&p, &paint(*stroke), &s, base, None);
                }
            }
            Item::Poly { points, fill } => {
                let mut pb = PathBuilder::new();
                for (i, (px, py)) in points.iter().enumerate() {
                    if i == 0 {
                        pb.move_to(*px, *py);
                    } else {
                        pb.line_to(*px, *py);
                    }
                }
                pb.close();
                if let Some(p) = pb.finish() {
                    pm.fill_path(&p, &paint(*fill), FillRule::Winding, base, None);
                }
            }
            Item::Line { x1, y1, x2, y2, stroke } => {
                let mut pb = PathBuilder::new();
                pb.move_to(*x1, *y1);
                pb.line_to(*x2, *y2);
                if let Some(p) = pb.finish() {
                    let s = Stroke { width: 0.75, ..Stroke::default() };
                    pm.stroke_path(&p, &paint(*stroke), &s, base, None);
                }
            }
            Item::Text { x, baseline, size, bold, fill, text } => {
                if baseline + size < band_top || baseline - size * 1.2 > band_bottom {
                    continue;
                }
                let mut pen = *x * scale;
                for c in text.chars() {
                    let g = font::glyph(c, *bold);
                    // Fonts differ in units per em: scale each glyph by its own.
                    let k = size * scale / font::face(g.font).units_per_em().max(1) as f32;
                    sprites.draw(pm, g, k, *fill, pen, baseline * scale - top);
                    pen += g.advance * size * scale;
                }
            }
        }
    }
}

/// Glyphs drawn once per image for each size, colour and quarter-pixel position, then copied
/// wherever they recur. Filling each glyph's outline at every occurrence was most of a table's
/// drawing time (docs/BENCHMARKS.md, issue 12): a 25-row table repeats a few dozen glyphs
/// thousands of times.
#[derive(Default)]
struct Sprites(HashMap<SpriteKey, Option<Sprite>>);

/// Font, glyph, scale bits, colour, and the quarter-pixel offsets (x, y) of the pen.
type SpriteKey = (font::FontId, u16, u32, Rgb, u8, u8);

struct Sprite {
    /// Where the sprite's top-left pixel sits relative to the pen's whole pixel.
    dx: i32,
    dy: i32,
    pixmap: Pixmap,
}

impl Sprites {
    fn draw(&mut self, pm: &mut Pixmap, g: font::Glyph, k: f32, fill: Rgb, pen_x: f32, pen_y: f32) {
        // Quarter pixels: below what the eye sees at 2×, and at most 16 sprites per glyph.
        let (qx, qy) = ((pen_x * 4.0).round(), (pen_y * 4.0).round());
        let (ix, iy) = ((qx / 4.0).floor(), (qy / 4.0).floor());
        let (fx, fy) = ((qx - ix * 4.0) as u8, (qy - iy * 4.0) as u8);
        let key = (g.font, g.id.0, k.to_bits(), fill, fx, fy);
        let sprite = self.0.entry(key).or_insert_with(|| sprite(g, k, fill, f32::from(fx) / 4.0, f32::from(fy) / 4.0));
        if let Some(s) = sprite {
            let paint = tiny_skia::PixmapPaint::default();
            pm.draw_pixmap(ix as i32 + s.dx, iy as i32 + s.dy, s.pixmap.as_ref(), &paint, Transform::identity(), None);
        }
    }
}

/// One glyph filled at sub-pixel offset (fx, fy) into a pixmap just big enough for it.
fn sprite(g: font::Glyph, k: f32, fill: Rgb, fx: f32, fy: f32) -> Option<Sprite> {
    let path = outline(g)?;
    let b = path.bounds();
    // Font units are y-up; the pixmap is y-down. One pixel of margin for anti-aliasing.
    let (x0, x1) = ((b.left() * k + fx).floor() as i32 - 1, (b.right() * k + fx).ceil() as i32 + 1);
    let (y0, y1) = ((-b.bottom() * k + fy).floor() as i32 - 1, (-b.top() * k + fy).ceil() as i32 + 1);
    let mut pixmap = Pixmap::new((x1 - x0).max(1) as u32, (y1 - y0).max(1) as u32)?;
    let t = Transform::from_row(k, 0.0, 0.0, -k, fx - x0 as f32, fy - y0 as f32);
    pixmap.fill_path(&path, &paint(fill), FillRule::Winding, t, None);
    Some(Sprite { dx: x0, dy: y0, pixmap })
}

/// The display list as PNG bytes, `scale` pixels per logical unit.
pub fn png(svg: &DisplayList, scale: f32) -> Result<(Vec<u8>, u32, u32), String> {
    let (w, h) = ((svg.width * scale).ceil() as u32, (svg.height * scale).ceil() as u32);
    let (w, h) = (w.max(1), h.max(1));
    // Two bands, one per core of the machines this runs on; each draws only what it touches.
    let bands = 2u32.min(h);
    let band_h = h.div_ceil(bands);
    let mut parts: Vec<Pixmap> = Vec::new();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..bands)
            .map(|b| {
                let top = b * band_h;
                let height = band_h.min(h - top);
                s.spawn(move || {
                    let mut pm = Pixmap::new(w, height).expect("non-empty band");
                    draw(&svg.items, &mut pm, scale, top as f32);
                    pm
                })
            })
            .collect();
        for hd in handles {
            parts.push(hd.join().expect("band renders"));
        }
    });
    // The card covers every pixel: RGB is enough (a quarter less to compress).
    let mut rgb = Vec::with_capacity((w * h * 3) as usize);
    for pm in &parts {
        for px in pm.pixels() {
            let c = px.demultiply();
            rgb.extend_from_slice(&[c.red(), c.green(), c.blue()]);
        }
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    // Measured on the 25-row table (docs/BENCHMARKS.md): fdeflate's fast mode is 21 ms but
    // 459 KB; the default level is 213 KB but 68 ms; zlib level 1 with the Up filter is
    // 25 ms and 289 KB — within both targets.
    enc.set_deflate_compression(png::DeflateCompression::Level(1));
    enc.set_filter(png::Filter::Up);
    let mut writer = enc.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(&rgb).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok((out, w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The glyph filled straight from its outline at the exact pen position, as before sprites.
    fn direct(g: font::Glyph, k: f32, pen: (f32, f32)) -> Pixmap {
        let mut pm = Pixmap::new(60, 60).expect("size");
        pm.fill(tiny_skia::Color::WHITE);
        if let Some(path) = outline(g) {
            let t = Transform::from_row(k, 0.0, 0.0, -k, pen.0, pen.1);
            pm.fill_path(&path, &paint(Rgb(20, 30, 40)), FillRule::Winding, t, None);
        }
        pm
    }

    #[test]
    fn a_sprite_lands_where_the_outline_would() {
        let mut sprites = Sprites::default();
        for c in ['g', 'W', 'é', '—', '8'] {
            let g = font::glyph(c, c == 'W');
            let k = 28.0 / font::face(g.font).units_per_em() as f32;
            for pen in [(10.0, 40.0), (10.3, 40.6), (10.55, 39.2), (10.875, 40.125), (11.99, 40.49)] {
                let want = direct(g, k, pen);
                let mut got = Pixmap::new(60, 60).expect("size");
                got.fill(tiny_skia::Color::WHITE);
                sprites.draw(&mut got, g, k, Rgb(20, 30, 40), pen.0, pen.1);
                // Quarter-pixel positions move an edge by at most 1/8 px in x and y, and shift the 4×
                // supersampling grid: up to ~90 of 255 on a thin stroke. A sprite placed a pixel off
                // differs by nearly full ink at its stems.
                let worst = want
                    .pixels()
                    .iter()
                    .zip(got.pixels())
                    .map(|(a, b)| a.red().abs_diff(b.red()).max(a.blue().abs_diff(b.blue())))
                    .max()
                    .unwrap_or(0);
                assert!(worst <= 110, "{c:?} at {pen:?}: a pixel differs by {worst}");
                let ink = |p: &Pixmap| p.pixels().iter().filter(|x| x.red() < 128).count();
                assert!(ink(&want) == 0 || ink(&got) > 0, "{c:?} at {pen:?} drew nothing");
            }
        }
    }
}
