//! Discord's limits, enforced by construction: text is cut before it is sent, never rejected
//! with a 400 (serenity checks almost none of these; see reference/discord.md §2.4).

/// A message's text content.
pub const CONTENT: usize = 2000;
pub const TITLE: usize = 256;
pub const DESCRIPTION: usize = 4096;
pub const FOOTER: usize = 2048;
pub const EMBED_TOTAL: usize = 6000;
pub const SELECT_OPTIONS: usize = 25;
pub const OPTION_TEXT: usize = 100;
pub const BUTTON_LABEL: usize = 80;
pub const ROWS: usize = 5;
pub const ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;

/// `s` cut to at most `max` characters, ending in "…" when cut.
pub fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::cut;

    #[test]
    fn cuts_by_characters() {
        assert_eq!(cut("abc", 5), "abc");
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("ééééé", 3).chars().count(), 3);
    }
}
