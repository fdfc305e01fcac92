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

/// A select's options `(label, value, chosen)` cut to Discord's 25, keeping every chosen one
/// (in its place) and as many of the others, in order, as fit.
pub fn keep_chosen(options: Vec<(String, String, bool)>) -> Vec<(String, String, bool)> {
    let chosen = options.iter().filter(|o| o.2).count();
    let mut room = SELECT_OPTIONS.saturating_sub(chosen);
    options
        .into_iter()
        .filter(|o| {
            o.2 || room > 0 && {
                room -= 1;
                true
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{cut, keep_chosen};

    #[test]
    fn a_chosen_option_past_the_25th_is_kept() {
        let opts: Vec<(String, String, bool)> = (0..40).map(|i| (format!("L{i}"), format!("{i}"), i == 33)).collect();
        let kept = keep_chosen(opts);
        assert_eq!(kept.len(), 25);
        assert_eq!(kept[24], ("L33".to_string(), "33".to_string(), true));
        assert_eq!(kept[23].0, "L23");
    }

    #[test]
    fn cuts_by_characters() {
        assert_eq!(cut("abc", 5), "abc");
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("ééééé", 3).chars().count(), 3);
    }
}
