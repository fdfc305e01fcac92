//! Runs a parsed query against the org's rows: every path resolved against the object's
//! schema (unknown fields and wrongly typed literals are refused as Salesforce refuses them),
//! then filter, order, limit, and the records rendered as Salesforce's JSON (attributes first,
//! fields in SELECT order with canonical names, relationships nested).

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::parser::{Cond, Lit, Path, Query};
use crate::salesforce::ids::same_id;
use crate::salesforce::schema::{Kind, Object, Row, PARENT_FIELDS, V};

/// A query error: Salesforce's errorCode and message.
pub type QueryError = (&'static str, String);

/// A path checked against the schema.
#[derive(Clone, Debug)]
pub enum Resolved {
    Field(&'static str, Kind),
    /// A followed relationship (`Owner`) and the parent's field (`Name` or `Id`).
    Parent(&'static str, &'static str),
}

impl Resolved {
    fn kind(&self) -> Kind {
        match self {
            Resolved::Field(_, k) => *k,
            Resolved::Parent(_, "Id") => Kind::Id,
            Resolved::Parent(..) => Kind::Str,
        }
    }
    fn name(&self) -> String {
        match self {
            Resolved::Field(f, _) => f.to_string(),
            Resolved::Parent(r, f) => format!("{r}.{f}"),
        }
    }
    fn value(&self, row: &Row) -> V {
        match self {
            Resolved::Field(f, _) => row.get(f).clone(),
            Resolved::Parent(rel, f) => match row.parents.get(rel).and_then(Option::as_ref) {
                None => V::Null,
                Some(p) if *f == "Id" => V::Str(p.id.clone()),
                Some(p) => V::opt(&p.name),
            },
        }
    }
}

pub fn resolve(obj: &Object, path: &Path) -> Result<Resolved, QueryError> {
    let no_column = |f: &str| {
        (
            "INVALID_FIELD",
            format!(
                "No such column '{f}' on entity '{}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
                obj.name
            ),
        )
    };
    match path.as_slice() {
        [f] => obj.field(f).map(|(name, kind)| Resolved::Field(name, kind)).ok_or_else(|| no_column(f)),
        [rel, f] => {
            let (rel, _) = obj.relationship(rel).ok_or_else(|| {
                (
                    "INVALID_FIELD",
                    format!("Didn't understand relationship '{rel}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names."),
                )
            })?;
            let f = PARENT_FIELDS.iter().find(|p| p.eq_ignore_ascii_case(f)).ok_or_else(|| {
                ("INVALID_FIELD", format!("No such column '{f}' on entity 'Name'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."))
            })?;
            Ok(Resolved::Parent(rel, f))
        }
        _ => Err(("INVALID_FIELD", format!("Didn't understand relationship '{}' in field path.", path.join(".")))),
    }
}

/// A condition with its paths resolved.
enum RCond {
    And(Box<RCond>, Box<RCond>),
    Or(Box<RCond>, Box<RCond>),
    Not(Box<RCond>),
    Cmp(Resolved, &'static str, Lit),
    In(Resolved, bool, Vec<Lit>),
    Like(Resolved, String),
}

fn literal_fits(kind: Kind, lit: &Lit) -> bool {
    matches!(
        (kind, lit),
        (_, Lit::Null)
            | (Kind::Id | Kind::Str | Kind::Picklist | Kind::TextArea | Kind::Ref(_), Lit::Str(_))
            | (Kind::Bool, Lit::Bool(_))
            | (Kind::Num | Kind::Int, Lit::Num(_))
            | (Kind::DateTime, Lit::DateTime(_))
            | (Kind::Date, Lit::Date(_))
    )
}

fn type_error(r: &Resolved) -> QueryError {
    let kind = r.kind();
    let quoted = matches!(kind, Kind::Id | Kind::Str | Kind::Picklist | Kind::TextArea | Kind::Ref(_));
    let hint = if quoted { "should be enclosed in quotes" } else { "should not be enclosed in quotes" };
    (
        "INVALID_FIELD",
        format!("value of filter criterion for field '{}' must be of type {} and {hint}", r.name(), kind.type_name()),
    )
}

fn check(obj: &Object, c: &Cond) -> Result<RCond, QueryError> {
    let field = |p: &Path| -> Result<Resolved, QueryError> {
        let r = resolve(obj, p)?;
        if r.kind() == Kind::TextArea {
            return Err(("INVALID_FIELD", format!("field '{}' can not be filtered in a query call", r.name())));
        }
        Ok(r)
    };
    Ok(match c {
        Cond::And(a, b) => RCond::And(Box::new(check(obj, a)?), Box::new(check(obj, b)?)),
        Cond::Or(a, b) => RCond::Or(Box::new(check(obj, a)?), Box::new(check(obj, b)?)),
        Cond::Not(a) => RCond::Not(Box::new(check(obj, a)?)),
        Cond::Cmp(p, op, lit) => {
            let r = field(p)?;
            if !literal_fits(r.kind(), lit) {
                return Err(type_error(&r));
            }
            RCond::Cmp(r, op, lit.clone())
        }
        Cond::In(p, neg, list) => {
            let r = field(p)?;
            if list.iter().any(|l| !literal_fits(r.kind(), l)) {
                return Err(type_error(&r));
            }
            RCond::In(r, *neg, list.clone())
        }
        Cond::Like(p, pat) => {
            let r = field(p)?;
            if !literal_fits(r.kind(), &Lit::Str(String::new())) {
                return Err(("INVALID_FIELD", format!("invalid operator on field '{}': LIKE", r.name())));
            }
            RCond::Like(r, pat.clone())
        }
    })
}

/// Compares a value with a literal; `None` when either is null or they do not compare.
fn compare(kind: Kind, v: &V, lit: &Lit) -> Option<Ordering> {
    match (v, lit) {
        (V::Str(a), Lit::Str(b)) if matches!(kind, Kind::Id | Kind::Ref(_)) => {
            Some(if same_id(a, b) { Ordering::Equal } else { a.as_str().cmp(b.as_str()) })
        }
        // SOQL compares text case-insensitively.
        (V::Str(a), Lit::Str(b)) => Some(a.to_lowercase().cmp(&b.to_lowercase())),
        (V::Num(a), Lit::Num(b)) => a.partial_cmp(b),
        (V::Int(a), Lit::Num(b)) => (*a as f64).partial_cmp(b),
        (V::Bool(a), Lit::Bool(b)) => Some(a.cmp(b)),
        // Instants, never text: `…+0000` and `…Z` name the same moment.
        (V::DateTime(a), Lit::DateTime(b)) => Some(a.cmp(b)),
        (V::Date(a), Lit::Date(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

fn like(text: &str, pattern: &str) -> bool {
    fn go(t: &[char], p: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('%', rest)) => (0..=t.len()).any(|i| go(&t[i..], rest)),
            Some(('_', rest)) => !t.is_empty() && go(&t[1..], rest),
            Some((c, rest)) => t.first() == Some(c) && go(&t[1..], rest),
        }
    }
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    go(&t, &p)
}

fn matches(c: &RCond, row: &Row) -> bool {
    match c {
        RCond::And(a, b) => matches(a, row) && matches(b, row),
        RCond::Or(a, b) => matches(a, row) || matches(b, row),
        RCond::Not(a) => !matches(a, row),
        RCond::Cmp(r, op, lit) => {
            let v = r.value(row);
            let is_null = v == V::Null;
            match (*op, lit) {
                ("=", Lit::Null) => is_null,
                ("!=", Lit::Null) => !is_null,
                ("=", _) => compare(r.kind(), &v, lit) == Some(Ordering::Equal),
                ("!=", _) => compare(r.kind(), &v, lit) != Some(Ordering::Equal),
                (op, _) => compare(r.kind(), &v, lit).is_some_and(|o| match op {
                    "<" => o == Ordering::Less,
                    "<=" => o != Ordering::Greater,
                    ">" => o == Ordering::Greater,
                    _ => o != Ordering::Less,
                }),
            }
        }
        RCond::In(r, neg, list) => {
            let v = r.value(row);
            let hit = list.iter().any(|l| match l {
                Lit::Null => v == V::Null,
                l => compare(r.kind(), &v, l) == Some(Ordering::Equal),
            });
            hit != *neg
        }
        RCond::Like(r, pat) => matches!(r.value(row), V::Str(s) if like(&s, pat)),
    }
}

fn order_values(a: &V, b: &V) -> Ordering {
    match (a, b) {
        (V::Str(x), V::Str(y)) => x.to_lowercase().cmp(&y.to_lowercase()).then(x.cmp(y)),
        (V::Num(x), V::Num(y)) => x.total_cmp(y),
        (V::Int(x), V::Int(y)) => x.cmp(y),
        (V::Bool(x), V::Bool(y)) => x.cmp(y),
        (V::DateTime(x), V::DateTime(y)) => x.cmp(y),
        (V::Date(x), V::Date(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

/// The rows the query selects, in its order, limited.
pub fn select(obj: &Object, q: &Query, mut rows: Vec<Row>) -> Result<Vec<Row>, QueryError> {
    let filter = q.filter.as_ref().map(|c| check(obj, c)).transpose()?;
    let order: Vec<(Resolved, bool, bool)> = q
        .order
        .iter()
        .map(|o| Ok((resolve(obj, &o.path)?, o.desc, o.nulls_last)))
        .collect::<Result<_, QueryError>>()?;
    if let Some(f) = &filter {
        rows.retain(|r| matches(f, r));
    }
    rows.sort_by(|a, b| {
        for (r, desc, nulls_last) in &order {
            let (x, y) = (r.value(a), r.value(b));
            let o = match (x == V::Null, y == V::Null) {
                (true, true) => Ordering::Equal,
                (true, false) => {
                    if *nulls_last {
                        Ordering::Greater
                    } else {
                        Ordering::Less
                    }
                }
                (false, true) => {
                    if *nulls_last {
                        Ordering::Less
                    } else {
                        Ordering::Greater
                    }
                }
                (false, false) => {
                    let o = order_values(&x, &y);
                    if *desc {
                        o.reverse()
                    } else {
                        o
                    }
                }
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    });
    if let Some(n) = q.limit {
        rows.truncate(n);
    }
    Ok(rows)
}

/// Salesforce's dateTime text: UTC, milliseconds, `+0000`.
pub fn sf_datetime(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

fn json(v: &V) -> String {
    let value = match v {
        V::Null => Value::Null,
        V::Str(s) => Value::String(s.clone()),
        V::Bool(b) => Value::Bool(*b),
        V::Num(n) => serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number),
        V::Int(n) => Value::from(*n),
        V::DateTime(t) => Value::String(sf_datetime(*t)),
        V::Date(d) => Value::String(d.format("%Y-%m-%d").to_string()),
    };
    value.to_string()
}

fn key(k: &str) -> String {
    Value::String(k.to_string()).to_string()
}

/// A record as Salesforce's JSON text: `attributes` first, then the selected fields in order
/// (a relationship once, at its first field, as a nested record or `null`). Written by hand
/// because serde_json's map would sort the keys.
pub fn render(obj: &Object, fields: &[Resolved], row: &Row, version: &str) -> String {
    let mut out = format!(
        "{{\"attributes\":{{\"type\":{},\"url\":{}}}",
        key(obj.name),
        key(&format!("/services/data/{version}/sobjects/{}/{}", obj.name, row.id))
    );
    let mut done: Vec<&str> = vec![];
    for f in fields {
        match f {
            Resolved::Field(name, _) => {
                if done.contains(name) {
                    continue;
                }
                done.push(name);
                let text = row.overrides.get(*name).map_or_else(|| json(row.get(name)), Value::to_string);
                out.push_str(&format!(",{}:{text}", key(name)));
            }
            Resolved::Parent(rel, _) => {
                if done.contains(rel) {
                    continue;
                }
                done.push(rel);
                let text = match row.parents.get(rel).and_then(Option::as_ref) {
                    None => "null".to_string(),
                    Some(p) => {
                        let mut s = format!(
                            "{{\"attributes\":{{\"type\":{},\"url\":{}}}",
                            key(p.object),
                            key(&format!("/services/data/{version}/sobjects/{}/{}", p.object, p.id))
                        );
                        for g in fields {
                            if let Resolved::Parent(r2, pf) = g {
                                if r2 == rel && !s.contains(&format!(",{}:", key(pf))) {
                                    let v = if *pf == "Id" { V::Str(p.id.clone()) } else { V::opt(&p.name) };
                                    s.push_str(&format!(",{}:{}", key(pf), json(&v)));
                                }
                            }
                        }
                        s + "}"
                    }
                };
                out.push_str(&format!(",{}:{text}", key(rel)));
            }
        }
    }
    out + "}"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_matches_wildcards_without_case() {
        assert!(like("Site visit: Ana", "site%"));
        assert!(like("abc", "a_c"));
        assert!(!like("abc", "a_d%"));
    }
}
