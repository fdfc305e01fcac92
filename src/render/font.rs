//! The embedded fonts (Noto Sans, OFL) and text measurement.
//!
//! Text is measured here, before it is placed, so every cell can be ellipsized to fit. Widths
//! are the sum of glyph advances — exactly how `raster` lays glyphs out (no kerning, no
//! shaping); a character the font lacks (CJK, emoji) is measured and drawn as the font's box.

use std::sync::OnceLock;

use ttf_parser::Face;

pub const FAMILY: &str = "Noto Sans";
pub const REGULAR: &[u8] = notosans::REGULAR_TTF;
pub const BOLD: &[u8] = notosans::BOLD_TTF;

struct Metrics {
    face: Face<'static>,
    upem: f32,
    notdef: f32,
}

fn metrics(bold: bool) -> &'static Metrics {
    static R: OnceLock<Metrics> = OnceLock::new();
    static B: OnceLock<Metrics> = OnceLock::new();
    let (cell, bytes) = if bold { (&B, BOLD) } else { (&R, REGULAR) };
    cell.get_or_init(|| {
        let face = Face::parse(bytes, 0).expect("the embedded font parses");
        let upem = face.units_per_em() as f32;
        let notdef = face.glyph_hor_advance(ttf_parser::GlyphId(0)).unwrap_or(face.units_per_em()) as f32;
        Metrics { face, upem, notdef }
    })
}

/// The parsed face, for drawing.
pub fn face(bold: bool) -> &'static Face<'static> {
    &metrics(bold).face
}

/// Width of `text` at `size` (logical px).
pub fn width(text: &str, size: f32, bold: bool) -> f32 {
    let m = metrics(bold);
    let units: f32 = text
        .chars()
        .map(|c| match m.face.glyph_index(c) {
            Some(g) => m.face.glyph_hor_advance(g).unwrap_or(0) as f32,
            None => m.notdef,
        })
        .sum();
    units * size / m.upem
}

/// Combining marks, joiners and variation selectors: never the place to cut a string.
fn is_mark(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F | 0x0483..=0x0489 | 0x0591..=0x05BD | 0x0610..=0x061A | 0x064B..=0x065F
        | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x200C..=0x200F | 0x20D0..=0x20FF | 0xFE00..=0xFE0F
        | 0xFE20..=0xFE2F | 0xE0100..=0xE01EF | 0x1F3FB..=0x1F3FF)
}

/// `text` cut to at most `max` logical px, ending in "…" when cut, never between a
/// character and its combining marks. Control characters become spaces.
pub fn fit(text: &str, max: f32, size: f32, bold: bool) -> String {
    // NFC first: "e" + U+0308 becomes "ë", a glyph the font has. Without shaping, a separate
    // combining mark would be drawn beside its letter instead of on it.
    use unicode_normalization::UnicodeNormalization;
    let clean: String = text.nfc().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if width(&clean, size, bold) <= max {
        return clean;
    }
    let ell = width("…", size, bold);
    let mut out = String::new();
    let mut used = 0.0;
    let chars: Vec<char> = clean.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        // A character with its trailing marks is one unit.
        let mut j = i + 1;
        while j < chars.len() && is_mark(chars[j]) {
            j += 1;
        }
        let unit: String = chars[i..j].iter().collect();
        let w = width(&unit, size, bold);
        if used + w + ell > max {
            break;
        }
        out.push_str(&unit);
        used += w;
        i = j;
    }
    let trimmed = out.trim_end().to_string();
    format!("{trimmed}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_and_fits() {
        assert!(width("WWW", 10.0, false) > width("iii", 10.0, false));
        assert!(width("Bold", 10.0, true) > width("Bold", 10.0, false));
        let long = "Supercalifragilistic Vending & Snack Company of Greater Springfield";
        let f = fit(long, 100.0, 9.0, false);
        assert!(f.ends_with('…') && width(&f, 9.0, false) <= 100.0, "{f}");
        assert_eq!(fit("Short", 100.0, 9.0, false), "Short");
        // Decomposed accents are composed (e + U+0301 → é), so they draw on their letter.
        assert_eq!(fit("Rene\u{301}e", 100.0, 9.0, false), "Renée");
        // Where no composed form exists, a letter and its marks are never cut apart.
        let marks = "q\u{301}\u{323}q\u{301}\u{323}q\u{301}\u{323}q\u{301}\u{323}q\u{301}\u{323}q\u{301}\u{323}";
        let f = fit(marks, 20.0, 9.0, false);
        let body = f.trim_end_matches('…');
        assert!(body.chars().last().is_none_or(|c| c == '\u{301}' || c == '\u{323}'), "{f:?}");
        for s in ["東京東京東京東京東京東京", "😀😀😀😀😀😀😀😀😀😀", "שלום עולם שלום עולם שלום", "مرحبا بالعالم مرحبا"]
        {
            let f = fit(s, 40.0, 9.0, false);
            assert!(width(&f, 9.0, false) <= 40.0, "{s}: {f}");
        }
        assert_eq!(fit("a\nb\tc", 200.0, 9.0, false), "a b c");
    }
}
