//! SOQL's tokens: identifiers (keywords are identifiers the parser recognises), quoted strings
//! with backslash escapes, numbers, unquoted date and dateTime literals, and punctuation.

use chrono::{DateTime, NaiveDate, Utc};

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Ident(String),
    Str(String),
    Num(f64),
    DateTime(DateTime<Utc>),
    Date(NaiveDate),
    Comma,
    Dot,
    LParen,
    RParen,
    /// `=`, `!=`, `<>`, `<`, `<=`, `>`, `>=`.
    Op(&'static str),
}

/// The tokens of `q`, or what is wrong with it (a MALFORMED_QUERY message).
pub fn lex(q: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = q.chars().collect();
    let mut out = vec![];
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            ',' => (out.push(Tok::Comma), i += 1).1,
            '.' => (out.push(Tok::Dot), i += 1).1,
            '(' => (out.push(Tok::LParen), i += 1).1,
            ')' => (out.push(Tok::RParen), i += 1).1,
            '=' => (out.push(Tok::Op("=")), i += 1).1,
            '!' if chars.get(i + 1) == Some(&'=') => (out.push(Tok::Op("!=")), i += 2).1,
            '<' | '>' => {
                let next = chars.get(i + 1).copied();
                let (op, n) = match (c, next) {
                    ('<', Some('=')) => ("<=", 2),
                    ('<', Some('>')) => ("!=", 2),
                    ('>', Some('=')) => (">=", 2),
                    ('<', _) => ("<", 1),
                    _ => (">", 1),
                };
                out.push(Tok::Op(op));
                i += n;
            }
            '\'' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("unterminated string literal".into()),
                        Some('\\') => {
                            let e = chars.get(i + 1).ok_or("unterminated string literal")?;
                            s.push(match e {
                                'n' => '\n',
                                't' => '\t',
                                'r' => '\r',
                                other => *other,
                            });
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(ch) => {
                            s.push(*ch);
                            i += 1;
                        }
                    }
                }
                out.push(Tok::Str(s));
            }
            c if c.is_ascii_digit() || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) => {
                let start = i;
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '.' | ':' | '-' | '+'))
                {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                out.push(literal(&text)?);
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                out.push(Tok::Ident(chars[start..i].iter().collect()));
            }
            other => return Err(format!("unexpected character '{other}'")),
        }
    }
    Ok(out)
}

/// A number, a date (`2026-11-20`) or a dateTime (`2026-11-20T09:00:00Z`, `…00.000+0000`,
/// `…00+01:00`).
fn literal(text: &str) -> Result<Tok, String> {
    if let Ok(n) = text.parse::<f64>() {
        return Ok(Tok::Num(n));
    }
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(Tok::Date(d));
    }
    if text.contains('T') {
        let t = DateTime::parse_from_rfc3339(text)
            .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z"))
            .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%z"));
        if let Ok(t) = t {
            return Ok(Tok::DateTime(t.with_timezone(&Utc)));
        }
    }
    Err(format!("unexpected token: '{text}'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_of_every_kind_lex() {
        let toks = lex("WHERE a >= 2026-11-20T09:00:00Z AND b = 2026-11-20 AND c < 2026-11-20T09:00:00.000+0000 AND d != 'it\\'s' AND e = -1.5").unwrap();
        let t: DateTime<Utc> = "2026-11-20T09:00:00Z".parse().unwrap();
        assert_eq!(toks[3], Tok::DateTime(t));
        assert_eq!(toks[7], Tok::Date(NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()));
        assert_eq!(toks[11], Tok::DateTime(t));
        assert_eq!(toks[15], Tok::Str("it's".into()));
        assert_eq!(toks[19], Tok::Num(-1.5));
        assert!(lex("WHERE a = 'open").is_err());
        assert!(lex("WHERE a = 2026-13-45T").is_err());
    }
}
