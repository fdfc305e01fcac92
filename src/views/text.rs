//! Text tables for terminals: aligned by display width (so 東京 and é line up), long text
//! ellipsized, colour only when asked for (a terminal, and NO_COLOR unset) — and the one place
//! that makes text from outside safe to show on a terminal (`for_terminal`, `for_terminal_text`).

use std::borrow::Cow;

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

use chrono_tz::Tz;

use crate::rules::Status;
use crate::time::Stamp;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    Red,
    Yellow,
    Green,
    Blue,
    Dim,
    Bold,
}

impl Color {
    fn code(self) -> &'static str {
        match self {
            Color::Red => "31;1",
            Color::Yellow => "33;1",
            Color::Green => "32",
            Color::Blue => "34",
            Color::Dim => "2",
            Color::Bold => "1",
        }
    }

    pub fn of(status: Status) -> Color {
        match status {
            Status::Stale => Color::Red,
            Status::AtRisk => Color::Yellow,
            Status::Progressed => Color::Green,
            Status::Upcoming => Color::Blue,
            Status::Awaiting | Status::Closed => Color::Dim,
        }
    }
}

/// A status as people read it in a table: the urgent ones shouted ("STALE", "AT RISK"), the
/// rest in words ("awaiting"). Both names come from the status's own table.
pub fn status_label(s: Status) -> &'static str {
    match s {
        Status::Stale | Status::AtRisk => s.label(),
        Status::Awaiting | Status::Progressed | Status::Upcoming | Status::Closed => s.word(),
    }
}

#[derive(Clone, Debug)]
pub struct Cell {
    pub text: String,
    pub color: Option<Color>,
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell { text, color: None }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell { text: text.to_string(), color: None }
    }
}

pub fn colored(text: impl Into<String>, color: Color) -> Cell {
    Cell { text: text.into(), color: Some(color) }
}

pub struct Column {
    pub title: &'static str,
    pub align: Align,
    /// Longest a cell may be, in display columns; longer text is ellipsized.
    pub max: usize,
}

pub fn col(title: &'static str, align: Align, max: usize) -> Column {
    Column { title, align, max }
}

/// What a hostile character is shown as: visible, one column wide, and obviously not data.
pub const REPLACEMENT: char = '\u{FFFD}';

/// Characters a terminal obeys instead of showing: C0 controls (ESC starts CSI/OSC sequences,
/// BEL rings, CR rewinds the line so later text overwrites earlier), DEL, C1 controls (U+009B is
/// an 8-bit CSI on some terminals) and the bidi embeddings, overrides and isolates that make
/// text display in an order other than the one it has ("Trojan Source"). Ordinary Unicode —
/// accents, CJK, emoji, and the plain LRM/RLM marks of right-to-left names — is data.
fn is_hostile(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Text from outside (CRM names, ids, Zoho's error text) made safe for one line of a terminal:
/// every control or bidi-override character becomes U+FFFD, line breaks and tabs included.
pub fn for_terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_hostile) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.chars().map(|c| if is_hostile(c) { REPLACEMENT } else { c }).collect())
}

/// The colour sequences `render` paints with, and the reset: the only escapes we ever print.
const OUR_ESCAPES: &[&str] = &["\x1b[0m", "\x1b[1m", "\x1b[2m", "\x1b[31;1m", "\x1b[32m", "\x1b[33;1m", "\x1b[34m"];

/// A whole text about to be printed (a table, a lead's page, a message), made safe as a last
/// line of defence: line breaks stay; with `colour`, our own colour sequences stay (they only
/// change colour); every other control or bidi-override character becomes U+FFFD.
pub fn for_terminal_text(s: &str, colour: bool) -> Cow<'_, str> {
    if !s.chars().any(|c| c != '\n' && is_hostile(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if c == '\x1b' && colour {
            if let Some(esc) = OUR_ESCAPES.iter().find(|e| rest.starts_with(**e)) {
                out.push_str(esc);
                rest = &rest[esc.len()..];
                continue;
            }
        }
        out.push(if c != '\n' && is_hostile(c) { REPLACEMENT } else { c });
        rest = &rest[c.len_utf8()..];
    }
    Cow::Owned(out)
}

/// JSON text made safe for a terminal without changing what it says: serde already escapes C0
/// controls, so the DEL, C1 and bidi characters left (which can only sit inside strings) are
/// written as `\uXXXX` escapes. A parser reads back exactly the same data.
pub fn json_for_terminal(s: &str) -> Cow<'_, str> {
    // Outside strings JSON has only structural ASCII and whitespace: keep its line breaks.
    let escaped = |c: char| is_hostile(c) && !matches!(c, '\n' | '\r' | '\t');
    // Pretty JSON is mostly ASCII and full of line breaks: decide on bytes when it is all ASCII
    // (a 13 MB report spent 60 ms here rebuilding itself char by char for its newlines).
    let clean = if s.is_ascii() {
        !s.bytes().any(|b| (b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t')) || b == 0x7f)
    } else {
        !s.chars().any(escaped)
    };
    if clean {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if escaped(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Cuts `s` to at most `w` display columns, ending in "…" when cut. It cuts between grapheme
/// clusters (what a reader sees as one character), so a letter keeps its combining marks and
/// an emoji sequence joined by ZWJ, or a flag, is kept whole or dropped whole.
pub fn ellipsize(s: &str, w: usize) -> String {
    if s.width() <= w {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for g in s.graphemes(true) {
        let gw = g.width();
        if used + gw + 1 > w {
            break;
        }
        out.push_str(g);
        used += gw;
    }
    out.push('…');
    out
}

/// Renders rows under a header line; `color` turns ANSI colours on.
pub fn render(columns: &[Column], rows: &[Vec<Cell>], color: bool) -> String {
    let cells: Vec<Vec<(String, Option<Color>)>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .zip(columns)
                .map(|(c, col)| (ellipsize(&for_terminal(&c.text.replace(['\n', '\t'], " ")), col.max), c.color))
                .collect()
        })
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| cells.iter().map(|r| r[i].0.width()).chain([c.title.width()]).max().unwrap_or(0))
        .collect();
    let pad = |text: &str, i: usize| {
        let gap = " ".repeat(widths[i].saturating_sub(text.width()));
        match columns[i].align {
            Align::Left => format!("{text}{gap}"),
            Align::Right => format!("{gap}{text}"),
        }
    };
    let paint = |s: String, c: Option<Color>| match (color, c) {
        (true, Some(c)) => format!("\x1b[{}m{s}\x1b[0m", c.code()),
        _ => s,
    };
    let mut out = String::new();
    let header: Vec<String> = columns.iter().enumerate().map(|(i, c)| pad(c.title, i)).collect();
    out.push_str(&paint(header.join("  ").trim_end().to_string(), Some(Color::Bold)));
    out.push('\n');
    for r in &cells {
        let line: Vec<String> = r.iter().enumerate().map(|(i, (t, c))| paint(pad(t, i), *c)).collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// A rate as people read it: "12%", or "—" when there is nothing to divide.
pub fn percent(r: Option<f64>) -> String {
    r.map(|r| format!("{:.0}%", r * 100.0)).unwrap_or_else(|| "—".into())
}

/// A local date-time for text forms: "2026-11-09 14:30".
pub fn local(t: &Stamp, tz: Tz) -> String {
    t.utc().with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

/// At most `max` items joined by `sep`, then "+N more" for the rest: a cut list always says
/// what it left out.
pub fn join_capped<I: IntoIterator<Item = String>>(items: I, max: usize, sep: &str) -> String {
    let mut shown = Vec::new();
    let mut more = 0usize;
    for item in items {
        if shown.len() < max {
            shown.push(item);
        } else {
            more += 1;
        }
    }
    if more > 0 {
        shown.push(format!("+{more} more"));
    }
    shown.join(sep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_never_splits_what_reads_as_one_character() {
        // Woman technologist: 👩 ZWJ 💻 — the old char-by-char cut kept "👩\u{200d}" and lost 💻.
        let coder = "a\u{1F469}\u{200D}\u{1F4BB}bcdef";
        for w in 1..coder.width() {
            let cut = ellipsize(coder, w);
            assert!(cut.width() <= w, "{cut:?} is wider than {w}");
            // What is kept is whole characters of the original: a prefix ending on a boundary.
            let kept = cut.trim_end_matches('…');
            let mut prefix = String::new();
            let mut whole = vec![String::new()];
            for g in coder.graphemes(true) {
                prefix.push_str(g);
                whole.push(prefix.clone());
            }
            assert!(whole.iter().any(|p| p == kept), "width {w}: {cut:?} splits the emoji");
        }
        // A flag is two regional indicators; half a flag is a different letter.
        assert_eq!(ellipsize("x\u{1F1EB}\u{1F1F7}yz", 3), "x…");
        assert_eq!(ellipsize("Cafe\u{301}s du Monde", 6), "Cafe\u{301}s…");
    }

    #[test]
    fn wide_glyphs_align_and_cut_cleanly() {
        assert_eq!(ellipsize("東京 Vending Hub", 7), "東京 V…");
        assert_eq!(ellipsize("東京東京", 5), "東京…");
        assert_eq!(ellipsize("short", 10), "short");
        let t = render(
            &[col("Name", Align::Left, 10), col("N", Align::Right, 5)],
            &[vec!["東京".into(), "1".into()], vec!["Zoë".into(), "22".into()]],
            false,
        );
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "Name   N");
        assert_eq!(lines[1], "東京   1");
        assert_eq!(lines[2], "Zoë   22");
    }

    #[test]
    fn colour_only_when_asked() {
        let cols = [col("S", Align::Left, 10)];
        let rows = vec![vec![colored("STALE", Color::Red)]];
        assert!(!render(&cols, &rows, false).contains('\x1b'));
        assert!(render(&cols, &rows, true).contains("\x1b[31;1mSTALE"));
    }

    #[test]
    fn escapes_from_outside_are_shown_not_obeyed() {
        // ESC (CSI and OSC), BEL, CR, DEL, C1 CSI and a right-to-left override: all visible.
        let hostile = "Ann\x1b[2J\x1b]0;pwned\x07 Lee\rX\x7f\u{9b}31m\u{202E}gnp.exe";
        let safe = for_terminal(hostile);
        assert!(!safe.chars().any(|c| c.is_control() || c == '\u{202E}'), "{safe:?}");
        assert_eq!(safe, "Ann\u{FFFD}[2J\u{FFFD}]0;pwned\u{FFFD} Lee\u{FFFD}X\u{FFFD}\u{FFFD}31m\u{FFFD}gnp.exe");
        // Ordinary Unicode is data, untouched (and not copied).
        for ok in ["Zoë Ørsted", "東京 Vending", "Café 🍕", "\u{5E9}\u{5DC}\u{5D5}\u{5DD}\u{200F}"] {
            assert!(matches!(for_terminal(ok), Cow::Borrowed(_)), "{ok}");
        }
        // In a table cell too, even with colour on; our own colours survive the final pass.
        let cols = [col("Name", Align::Left, 40)];
        let t = render(&cols, &[vec![colored("Ann\x1b[8m Lee", Color::Red)]], true);
        assert!(t.contains("\x1b[31;1mAnn\u{FFFD}[8m Lee\x1b[0m"), "{t:?}");
        assert_eq!(for_terminal_text(&t, true), t);
        let text = "LEAD Ann\x1b[8m\x1b[31;1m Lee\r\nline two\n";
        assert_eq!(for_terminal_text(text, false), "LEAD Ann\u{FFFD}[8m\u{FFFD}[31;1m Lee\u{FFFD}\nline two\n");
        assert_eq!(for_terminal_text(text, true), "LEAD Ann\u{FFFD}[8m\x1b[31;1m Lee\u{FFFD}\nline two\n");
    }

    #[test]
    fn json_keeps_its_data_but_not_raw_c1_or_bidi() {
        let v = serde_json::json!({"name": "A\x1b[2J\u{9b}1m\u{202E}B 東京", "n": 1});
        let text = serde_json::to_string_pretty(&v).unwrap();
        let safe = json_for_terminal(&text);
        assert!(!safe.chars().any(|c| (c.is_control() && c != '\n') || c == '\u{202E}'), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn json_all_ascii_takes_the_byte_path_with_the_same_answer() {
        // serde_json escapes controls inside strings itself; raw ones reach here only in
        // whatever else is printed as JSON. The ASCII shortcut must catch them all the same.
        for raw in ["{\n  \"a\": 1\n}", "{\"a\":\"x\u{1b}[2Jy\u{7f}\"}\n", "\t{}\r\n"] {
            let slow: String = raw
                .chars()
                .map(|c| {
                    if is_hostile(c) && !matches!(c, '\n' | '\r' | '\t') {
                        format!("\\u{:04x}", c as u32)
                    } else {
                        c.to_string()
                    }
                })
                .collect();
            assert_eq!(json_for_terminal(raw), slow, "{raw:?}");
        }
        assert!(matches!(json_for_terminal("{\n  \"a\": 1\n}"), Cow::Borrowed(_)), "nothing to change: no copy");
    }
}
