//! The fonts (Noto Sans embedded, OFL; optional fallback files) and text measurement.
//!
//! Text is measured here, before it is placed, so every cell can be ellipsized to fit. Widths
//! are the sum of glyph advances — exactly how `raster` lays glyphs out (no kerning, no
//! shaping). Each character is drawn from the first font that has it: Noto Sans (regular or
//! bold), then the fallback fonts installed at start (`[render] fallback_fonts`, e.g. Noto Sans
//! CJK for Chinese, Japanese and Korean names, and with `[render] system_fonts` the machine's
//! fonts that cover scripts Noto Sans lacks, found with fontdb); a character no font has is drawn as Noto Sans's
//! box, at that box's width, so the row is never shorter than what it hides.

use std::sync::OnceLock;

use ttf_parser::{Face, GlyphId};

pub const FAMILY: &str = "Noto Sans";
pub const REGULAR: &[u8] = notosans::REGULAR_TTF;
pub const BOLD: &[u8] = notosans::BOLD_TTF;

/// Which font a glyph comes from: 0 Noto Sans, 1 Noto Sans Bold, 2… the fallbacks in order.
pub type FontId = u16;

/// A character resolved to a font and a glyph in it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Glyph {
    pub font: FontId,
    pub id: GlyphId,
    /// Advance in ems (the font's units per em divided out).
    pub advance: f32,
}

#[derive(Debug, thiserror::Error)]
pub enum FontError {
    #[error("[render] fallback_fonts: cannot read {path}: {why}")]
    Read { path: String, why: String },
    #[error("[render] fallback_fonts: {path} is not a TrueType/OpenType font or collection")]
    NotAFont { path: String },
    #[error("[render] fallback_fonts: fonts were already set up for this process")]
    AlreadySet,
}

fn builtin(bold: bool) -> &'static Face<'static> {
    static R: OnceLock<Face<'static>> = OnceLock::new();
    static B: OnceLock<Face<'static>> = OnceLock::new();
    let (cell, bytes) = if bold { (&B, BOLD) } else { (&R, REGULAR) };
    cell.get_or_init(|| Face::parse(bytes, 0).expect("the embedded font parses"))
}

static FALLBACKS: OnceLock<Vec<Face<'static>>> = OnceLock::new();

fn fallbacks() -> &'static [Face<'static>] {
    FALLBACKS.get().map(Vec::as_slice).unwrap_or(&[])
}

/// Reads the fallback font files (TrueType, OpenType or collections: every face of a
/// collection is tried, in order) and makes them available to every image drawn from now on.
/// Once per process, before the first image: fonts are read at start, not per image.
/// Returns how many faces were added.
pub fn install_fallbacks(paths: &[std::path::PathBuf]) -> Result<usize, FontError> {
    let mut faces = Vec::new();
    for p in paths {
        let path = p.display().to_string();
        let bytes = std::fs::read(p).map_err(|e| FontError::Read { path: path.clone(), why: e.to_string() })?;
        // Kept for the life of the process, like the embedded font.
        let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
        let n = ttf_parser::fonts_in_collection(bytes).unwrap_or(1);
        let before = faces.len();
        faces.extend((0..n).filter_map(|i| Face::parse(bytes, i).ok()));
        if faces.len() == before {
            return Err(FontError::NotAFont { path });
        }
    }
    let n = faces.len();
    FALLBACKS.set(faces).map_err(|_| FontError::AlreadySet)?;
    Ok(n)
}

/// One character from each script Noto Sans lacks that a system font may cover: Chinese,
/// Japanese kana, Korean, Arabic, Hebrew, Thai, Devanagari.
const PROBES: [char; 7] = ['東', 'あ', '한', 'ب', 'ש', 'ก', 'क'];

/// The font files among `db`'s faces that draw what Noto Sans cannot: for each script of
/// `PROBES` the embedded font lacks, the first file that has it (regular upright faces first,
/// then by path, so every start picks the same). For `[render] system_fonts`.
pub fn discover(db: &fontdb::Database) -> Vec<std::path::PathBuf> {
    let path = |f: &fontdb::FaceInfo| match &f.source {
        fontdb::Source::File(p) | fontdb::Source::SharedFile(p, _) => Some(p.clone()),
        fontdb::Source::Binary(_) => None,
    };
    let mut faces: Vec<(&fontdb::FaceInfo, std::path::PathBuf)> =
        db.faces().filter_map(|f| path(f).map(|p| (f, p))).collect();
    faces.sort_by_key(|(f, p)| (f.weight != fontdb::Weight::NORMAL, f.style != fontdb::Style::Normal, p.clone()));
    let mut missing: Vec<char> = PROBES.into_iter().filter(|c| builtin(false).glyph_index(*c).is_none()).collect();
    let mut chosen = Vec::new();
    for (f, p) in faces {
        if missing.is_empty() {
            break;
        }
        let covered: Vec<char> = db
            .with_face_data(f.id, |data, index| {
                let face = Face::parse(data, index).ok();
                missing.iter().copied().filter(|c| face.as_ref().and_then(|x| x.glyph_index(*c)).is_some()).collect()
            })
            .unwrap_or_default();
        if !covered.is_empty() {
            missing.retain(|c| !covered.contains(c));
            if !chosen.contains(&p) {
                chosen.push(p);
            }
        }
    }
    chosen
}

/// `discover` over the fonts installed on this machine.
pub fn system_fonts() -> Vec<std::path::PathBuf> {
    let mut db = fontdb::Database::new();
    db.load_system_fonts();
    discover(&db)
}

/// The face a `FontId` names.
pub fn face(font: FontId) -> &'static Face<'static> {
    match font {
        0 => builtin(false),
        1 => builtin(true),
        n => fallbacks().get(n as usize - 2).unwrap_or_else(|| builtin(false)),
    }
}

fn em(face: &Face, id: GlyphId) -> f32 {
    face.glyph_hor_advance(id).unwrap_or(0) as f32 / face.units_per_em().max(1) as f32
}

/// Where `c` is drawn from: the first font that has it, else Noto Sans's box.
pub fn glyph(c: char, bold: bool) -> Glyph {
    let first = bold as FontId;
    let main = face(first);
    let has = |f: &Face| f.glyph_index(c).filter(|g| g.0 != 0);
    if let Some(id) = has(main) {
        return Glyph { font: first, id, advance: em(main, id) };
    }
    for (i, f) in fallbacks().iter().enumerate() {
        if let Some(id) = has(f) {
            return Glyph { font: i as FontId + 2, id, advance: em(f, id) };
        }
    }
    Glyph { font: first, id: GlyphId(0), advance: em(main, GlyphId(0)) }
}

/// Whether some font has `c` (else it is drawn as a box).
pub fn covers(c: char, bold: bool) -> bool {
    c.is_whitespace() || glyph(c, bold).id.0 != 0
}

/// Width of `text` at `size` (logical px).
pub fn width(text: &str, size: f32, bold: bool) -> f32 {
    text.chars().map(|c| glyph(c, bold).advance).sum::<f32>() * size
}

/// `text` cut to at most `max` logical px, ending in "…" when cut, only between extended
/// grapheme clusters: never between a letter and its marks, inside a ZWJ emoji sequence or
/// between a flag's two regional indicators. Control characters become spaces.
pub fn fit(text: &str, max: f32, size: f32, bold: bool) -> String {
    // NFC first: "e" + U+0308 becomes "ë", a glyph the font has. Without shaping, a separate
    // combining mark would be drawn beside its letter instead of on it.
    use unicode_normalization::UnicodeNormalization;
    use unicode_segmentation::UnicodeSegmentation;
    let clean: String = text.nfc().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if width(&clean, size, bold) <= max {
        return clean;
    }
    let ell = width("…", size, bold);
    let mut out = String::new();
    let mut used = 0.0;
    for unit in clean.graphemes(true) {
        let w = width(unit, size, bold);
        if used + w + ell > max {
            break;
        }
        out.push_str(unit);
        used += w;
    }
    let trimmed = out.trim_end().to_string();
    format!("{trimmed}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_never_splits_a_flag_or_an_emoji_sequence() {
        // Flags are pairs of regional indicators; the family is four emoji joined by ZWJ.
        let flags = "🇺🇸🇯🇵🇧🇷🇮🇳🇩🇪🇫🇷";
        let family = "👩\u{200D}👩\u{200D}👧\u{200D}👦";
        let mut cuts = 0;
        for max in 10..200 {
            let out = fit(&format!("{flags}{family}{family}"), max as f32, 10.0, false);
            let Some(kept) = out.strip_suffix('…') else { continue };
            cuts += 1;
            let indicators = kept.chars().filter(|c| ('\u{1F1E6}'..='\u{1F1FF}').contains(c)).count();
            assert_eq!(indicators % 2, 0, "a flag cut in half at {max} px: {out:?}");
            assert!(!kept.ends_with('\u{200D}'), "a cut after a joiner at {max} px: {out:?}");
            let joined = kept.trim_start_matches(|c: char| ('\u{1F1E6}'..='\u{1F1FF}').contains(&c));
            let whole = ["".to_string(), family.to_string(), family.repeat(2)];
            assert!(whole.contains(&joined.to_string()), "a family cut apart at {max} px: {out:?}");
        }
        assert!(cuts > 50, "the widths tried should mostly force a cut ({cuts})");
    }

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
