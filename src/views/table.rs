//! Text tables for terminals: aligned by display width (so 東京 and é line up), long text
//! ellipsized, colour only when asked for (a terminal, and NO_COLOR unset).

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::rules::Status;

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

/// A status as people read it: "STALE", "AT RISK", "awaiting"…
pub fn status_label(s: Status) -> &'static str {
    match s {
        Status::Stale => "STALE",
        Status::AtRisk => "AT RISK",
        Status::Awaiting => "awaiting",
        Status::Progressed => "progressed",
        Status::Upcoming => "upcoming",
        Status::Closed => "closed",
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

/// Cuts `s` to at most `w` display columns, ending in "…" when cut; never splits a glyph.
pub fn ellipsize(s: &str, w: usize) -> String {
    if s.width() <= w {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in s.chars() {
        let cw = ch.width().unwrap_or(0);
        if used + cw + 1 > w {
            break;
        }
        out.push(ch);
        used += cw;
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
                .map(|(c, col)| (ellipsize(&c.text.replace(['\n', '\t'], " "), col.max), c.color))
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
