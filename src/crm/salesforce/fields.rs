//! Reading one field of a Salesforce record defensively: every value may be missing, `null`,
//! of the wrong JSON type or hostile (control characters, a malformed id). Each reader says
//! what was wrong in words, and the record becomes a `Skipped` — never a panic.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use crate::crm::error::one_line;
use crate::time::Stamp;

/// The record's `Id`, when it is a usable one (for naming a skipped record).
pub fn id_of(v: &Value) -> Option<String> {
    v.get("Id").and_then(Value::as_str).filter(|s| is_sf_id(s)).map(String::from)
}

/// 15 or 18 ASCII letters and digits.
pub fn is_sf_id(s: &str) -> bool {
    (s.len() == 15 || s.len() == 18) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The record's `Id`; a record without a usable one cannot be stored.
pub fn id(v: &Value) -> Result<String, String> {
    match v.get("Id") {
        Some(Value::String(s)) if is_sf_id(s) => Ok(s.clone()),
        Some(Value::String(s)) => {
            Err(format!("'{}' is not a Salesforce id (15 or 18 letters and digits)", one_line(s)))
        }
        Some(other) => Err(format!("Id is {}, not text", kind(other))),
        None => Err("no Id".into()),
    }
}

/// An optional id field (`OwnerId`, `WhoId`…): `None` when null, an error when malformed.
pub fn opt_id(v: &Value, key: &str) -> Result<Option<String>, String> {
    match opt_text(v, key)? {
        Some(s) if is_sf_id(&s) => Ok(Some(s)),
        Some(s) => Err(format!("{key} '{}' is not a Salesforce id", one_line(&s))),
        None => Ok(None),
    }
}

/// A text field: `None` when missing, null or empty.
pub fn opt_text(v: &Value, key: &str) -> Result<Option<String>, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            // Tabs and line breaks occur in real text; other control characters are an attack
            // on the terminal or the embed the value ends up in.
            if s.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
                return Err(format!("{key} holds control characters"));
            }
            Ok(Some(s.trim().to_string()).filter(|s| !s.is_empty()))
        }
        Some(other) => Err(format!("{key} is {}, not text", kind(other))),
    }
}

pub fn text(v: &Value, key: &str) -> Result<String, String> {
    opt_text(v, key)?.ok_or_else(|| format!("no {key}"))
}

/// A checkbox: missing or null is false.
pub fn flag(v: &Value, key: &str) -> Result<bool, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(format!("{key} is {}, not true/false", kind(other))),
    }
}

/// A number field (`Amount`, `Probability`…).
pub fn opt_number(v: &Value, key: &str) -> Result<Option<f64>, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => {
            n.as_f64().filter(|f| f.is_finite()).map(Some).ok_or_else(|| format!("{key} is not a finite number"))
        }
        Some(other) => Err(format!("{key} is {}, not a number", kind(other))),
    }
}

/// A dateTime (`2026-11-20T09:00:00.000+0000`).
pub fn opt_stamp(v: &Value, key: &str) -> Result<Option<Stamp>, String> {
    match opt_text(v, key)? {
        None => Ok(None),
        Some(s) => parse_datetime(&s)
            .map(|d| Some(Stamp::from_utc(d)))
            .ok_or_else(|| format!("{key} '{}' is not a dateTime", one_line(&s))),
    }
}

pub fn stamp(v: &Value, key: &str) -> Result<Stamp, String> {
    opt_stamp(v, key)?.ok_or_else(|| format!("no {key}"))
}

/// A date (`2026-11-20`).
pub fn opt_date(v: &Value, key: &str) -> Result<Option<NaiveDate>, String> {
    match opt_text(v, key)? {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| format!("{key} '{}' is not a date", one_line(&s))),
    }
}

/// `Owner.Name`: the `Name` of a related record (a nested object), when sent.
pub fn rel_name(v: &Value, rel: &str) -> Result<Option<String>, String> {
    match v.get(rel) {
        None | Some(Value::Null) => Ok(None),
        Some(o @ Value::Object(_)) => opt_text(o, "Name").map_err(|e| format!("{rel}.{e}")),
        Some(other) => Err(format!("{rel} is {}, not a record", kind(other))),
    }
}

/// Salesforce's dateTime text, or RFC 3339 (a stored watermark).
pub fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z")
        .or_else(|_| DateTime::parse_from_rfc3339(s))
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// A SOQL dateTime literal: unquoted UTC, whole seconds.
pub fn soql_datetime(d: DateTime<Utc>) -> String {
    d.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A watermark as stored: RFC 3339 UTC with milliseconds.
pub fn watermark_text(d: DateTime<Utc>) -> String {
    d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A JSON value's kind in words.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A history row's `OldValue`/`NewValue`: any JSON type Salesforce may send, as text.
pub fn any_text(v: &Value, key: &str) -> Result<Option<String>, String> {
    match v.get(key) {
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(Value::Bool(b)) => Ok(Some(b.to_string())),
        _ => opt_text(v, key),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hostile_values_are_refused_in_words() {
        let v = json!({"Id": "00Q000000000001AAA", "Name": 7, "X": "a\u{1b}[31m", "Bad": "00Q;DROP", "D": "2026-11-20T09:00:00.000+0000"});
        assert_eq!(id(&v).unwrap(), "00Q000000000001AAA");
        assert_eq!(opt_text(&v, "Name").unwrap_err(), "Name is a number, not text");
        assert_eq!(opt_text(&v, "X").unwrap_err(), "X holds control characters");
        assert_eq!(opt_id(&v, "Bad").unwrap_err(), "Bad '00Q;DROP' is not a Salesforce id");
        assert_eq!(stamp(&v, "D").unwrap().utc_text(), Stamp::parse("2026-11-20T09:00:00Z").unwrap().utc_text());
        assert_eq!(
            id(&json!({"Id": "short"})).unwrap_err(),
            "'short' is not a Salesforce id (15 or 18 letters and digits)"
        );
        assert_eq!(flag(&json!({"F": "yes"}), "F").unwrap_err(), "F is text, not true/false");
        assert_eq!(soql_datetime(parse_datetime("2026-11-20T09:00:05.123+0000").unwrap()), "2026-11-20T09:00:05Z");
    }
}
