//! The CSV form of every view: RFC 4180 fields, safe to open in a spreadsheet (no live
//! formulas) and to print on a terminal (no control characters).
//!
//! Hand-written rather than the `csv` crate: its writer quotes a field only for a separator,
//! quote or line break, while a defused formula (`'=1`) is always quoted here as OWASP advises,
//! so the crate would change the bytes every CSV consumer sees. The headers stay the views'
//! own too: some differ from the JSON names (the calendar's `date` and `appointment_at` are
//! not its JSON `at`; the lists leave out `appointment_all_day` and `next_appointment_at`).

use super::text::for_terminal;

/// One CSV field, safe to open in a spreadsheet and to print on a terminal:
/// - control and bidi-override characters become U+FFFD (a line break inside a field stays:
///   quoting keeps it in its cell);
/// - a field a spreadsheet would run as a formula (starting with `= + - @`, tab or CR, or
///   their full-width forms) gets a leading `'`, as OWASP recommends for CSV injection —
///   plain numbers such as `-3` stay numbers;
/// - quoted when it needs it (RFC 4180).
pub fn csv_field(s: &str) -> String {
    let clean = s.split('\n').map(for_terminal).collect::<Vec<_>>().join("\n");
    // Tab and CR, which OWASP lists too, were replaced just above.
    const FORMULA_STARTS: [char; 8] = ['=', '+', '-', '@', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}'];
    let number =
        clean.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+')) && clean.parse::<f64>().is_ok();
    if clean.starts_with(FORMULA_STARTS) && !number {
        // Quoted too, as OWASP advises, so no separator can start a new cell after the quote.
        return format!("\"'{}\"", clean.replace('"', "\"\""));
    }
    if clean.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", clean.replace('"', "\"\""))
    } else {
        clean
    }
}

pub fn csv_line(fields: &[String]) -> String {
    let mut line = fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(",");
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_numbers_stay_numbers() {
        assert_eq!(csv_field("=HYPERLINK(\"http://x\",\"y\")"), "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
        assert_eq!(csv_field("+1+cmd|' /C calc'!A0"), "\"'+1+cmd|' /C calc'!A0\"");
        assert_eq!(csv_field("-2+3"), "\"'-2+3\"");
        assert_eq!(csv_field("@SUM(A1)"), "\"'@SUM(A1)\"");
        assert_eq!(csv_field("\u{FF1D}1+1"), "\"'\u{FF1D}1+1\"");
        // Tab and CR at the start are control characters: replaced, so nothing to run.
        assert_eq!(csv_field("\t=1+1"), "\u{FFFD}=1+1");
        assert_eq!(csv_field("\r=1+1"), "\u{FFFD}=1+1");
        for n in ["-3", "12", "-1.5", "+4"] {
            assert_eq!(csv_field(n), n);
        }
        assert_eq!(csv_field("Ann Lee"), "Ann Lee");
        assert_eq!(csv_field("O'Brien, Sons"), "\"O'Brien, Sons\"");
    }

    #[test]
    fn control_characters_never_reach_the_file() {
        assert_eq!(csv_field("A\x1b[2JB\x07"), "A\u{FFFD}[2JB\u{FFFD}");
        // A line break inside a field is data, kept in its quoted cell.
        assert_eq!(csv_field("line one\nline two"), "\"line one\nline two\"");
        assert_eq!(csv_line(&["a".into(), "=1".into()]), "a,\"'=1\"\n");
    }
}
