//! SOQL's grammar, the subset the contract names: `SELECT paths FROM Object [WHERE cond]
//! [ORDER BY path [ASC|DESC] [NULLS FIRST|LAST], …] [LIMIT n]`, conditions with comparisons,
//! `IN`/`NOT IN`, `LIKE`, `AND`/`OR`/`NOT` and parentheses.

use chrono::{DateTime, NaiveDate, Utc};

use super::lexer::{lex, Tok};

/// A field path as written: `Name` or `Owner.Name`.
pub type Path = Vec<String>;

#[derive(Clone, Debug, PartialEq)]
pub enum Lit {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
    DateTime(DateTime<Utc>),
    Date(NaiveDate),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Not(Box<Cond>),
    Cmp(Path, &'static str, Lit),
    In(Path, bool, Vec<Lit>),
    Like(Path, String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Order {
    pub path: Path,
    pub desc: bool,
    pub nulls_last: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    pub fields: Vec<Path>,
    pub object: String,
    pub filter: Option<Cond>,
    pub order: Vec<Order>,
    pub limit: Option<usize>,
}

struct P {
    toks: Vec<Tok>,
    at: usize,
}

/// Parses `q`; the error is a MALFORMED_QUERY message.
pub fn parse(q: &str) -> Result<Query, String> {
    let mut p = P { toks: lex(q)?, at: 0 };
    p.keyword("SELECT")?;
    let mut fields = vec![p.path()?];
    while p.eat(&Tok::Comma) {
        fields.push(p.path()?);
    }
    p.keyword("FROM")?;
    let object = p.ident()?;
    let filter = if p.eat_kw("WHERE") { Some(p.or()?) } else { None };
    let mut order = vec![];
    if p.eat_kw("ORDER") {
        p.keyword("BY")?;
        loop {
            let path = p.path()?;
            let desc = if p.eat_kw("DESC") {
                true
            } else {
                p.eat_kw("ASC");
                false
            };
            let mut nulls_last = desc;
            if p.eat_kw("NULLS") {
                nulls_last = if p.eat_kw("LAST") {
                    true
                } else {
                    p.keyword("FIRST")?;
                    false
                };
            }
            order.push(Order { path, desc, nulls_last });
            if !p.eat(&Tok::Comma) {
                break;
            }
        }
    }
    let limit = if p.eat_kw("LIMIT") {
        match p.next() {
            Some(Tok::Num(n)) if n >= 0.0 && n.fract() == 0.0 => Some(n as usize),
            other => return Err(format!("unexpected token: {}", show(other.as_ref()))),
        }
    } else {
        None
    };
    if let Some(t) = p.toks.get(p.at) {
        return Err(format!("unexpected token: {}", show(Some(t))));
    }
    Ok(Query { fields, object, filter, order, limit })
}

fn show(t: Option<&Tok>) -> String {
    match t {
        None => "end of query".into(),
        Some(Tok::Ident(s)) => format!("'{s}'"),
        Some(t) => format!("'{t:?}'"),
    }
}

const RESERVED: &[&str] = &["SELECT", "FROM", "WHERE", "ORDER", "BY", "LIMIT", "AND", "OR", "NOT", "IN", "LIKE"];

impl P {
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.at).cloned();
        self.at += 1;
        t
    }
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }
    fn eat(&mut self, t: &Tok) -> bool {
        let hit = self.peek() == Some(t);
        if hit {
            self.at += 1;
        }
        hit
    }
    fn eat_kw(&mut self, kw: &str) -> bool {
        let hit = matches!(self.peek(), Some(Tok::Ident(s)) if s.eq_ignore_ascii_case(kw));
        if hit {
            self.at += 1;
        }
        hit
    }
    fn keyword(&mut self, kw: &str) -> Result<(), String> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(format!("expecting {kw}, found {}", show(self.peek())))
        }
    }
    fn ident(&mut self) -> Result<String, String> {
        match self.next() {
            Some(Tok::Ident(s)) if !RESERVED.iter().any(|r| r.eq_ignore_ascii_case(&s)) => Ok(s),
            other => Err(format!("unexpected token: {}", show(other.as_ref()))),
        }
    }
    fn path(&mut self) -> Result<Path, String> {
        let mut path = vec![self.ident()?];
        while self.eat(&Tok::Dot) {
            path.push(self.ident()?);
        }
        Ok(path)
    }
    fn or(&mut self) -> Result<Cond, String> {
        let mut c = self.and()?;
        while self.eat_kw("OR") {
            c = Cond::Or(Box::new(c), Box::new(self.and()?));
        }
        Ok(c)
    }
    fn and(&mut self) -> Result<Cond, String> {
        let mut c = self.not()?;
        while self.eat_kw("AND") {
            c = Cond::And(Box::new(c), Box::new(self.not()?));
        }
        Ok(c)
    }
    fn not(&mut self) -> Result<Cond, String> {
        if self.eat_kw("NOT") {
            return Ok(Cond::Not(Box::new(self.not()?)));
        }
        if self.eat(&Tok::LParen) {
            let c = self.or()?;
            if !self.eat(&Tok::RParen) {
                return Err(format!("expecting ')', found {}", show(self.peek())));
            }
            return Ok(c);
        }
        let path = self.path()?;
        if self.eat_kw("LIKE") {
            return match self.next() {
                Some(Tok::Str(s)) => Ok(Cond::Like(path, s)),
                other => Err(format!("LIKE needs a quoted string, found {}", show(other.as_ref()))),
            };
        }
        let negated = self.eat_kw("NOT");
        if self.eat_kw("IN") {
            if !self.eat(&Tok::LParen) {
                return Err(format!("expecting '(', found {}", show(self.peek())));
            }
            let mut list = vec![self.value()?];
            while self.eat(&Tok::Comma) {
                list.push(self.value()?);
            }
            if !self.eat(&Tok::RParen) {
                return Err(format!("expecting ')', found {}", show(self.peek())));
            }
            return Ok(Cond::In(path, negated, list));
        }
        if negated {
            return Err(format!("expecting IN, found {}", show(self.peek())));
        }
        match self.next() {
            Some(Tok::Op(op)) => Ok(Cond::Cmp(path, op, self.value()?)),
            other => Err(format!("unexpected token: {}", show(other.as_ref()))),
        }
    }
    fn value(&mut self) -> Result<Lit, String> {
        Ok(match self.next() {
            Some(Tok::Str(s)) => Lit::Str(s),
            Some(Tok::Num(n)) => Lit::Num(n),
            Some(Tok::DateTime(t)) => Lit::DateTime(t),
            Some(Tok::Date(d)) => Lit::Date(d),
            Some(Tok::Ident(s)) if s.eq_ignore_ascii_case("TRUE") => Lit::Bool(true),
            Some(Tok::Ident(s)) if s.eq_ignore_ascii_case("FALSE") => Lit::Bool(false),
            Some(Tok::Ident(s)) if s.eq_ignore_ascii_case("null") => Lit::Null,
            other => return Err(format!("unexpected token: {}", show(other.as_ref()))),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_s_lead_query_parses() {
        let q = parse("SELECT Id, Owner.Name FROM Lead WHERE SystemModstamp > 2026-11-20T09:00:00Z AND (Status = 'New' OR NOT Id IN ('a', 'b')) ORDER BY SystemModstamp, Id DESC LIMIT 5").unwrap();
        assert_eq!(q.fields, vec![vec!["Id".to_string()], vec!["Owner".into(), "Name".into()]]);
        assert_eq!(q.object, "Lead");
        assert_eq!(q.order.len(), 2);
        assert!(q.order[1].desc && !q.order[0].desc);
        assert_eq!(q.limit, Some(5));
        assert!(matches!(q.filter, Some(Cond::And(_, _))));
    }

    #[test]
    fn broken_queries_say_where() {
        assert!(parse("SELECT FROM Lead").is_err());
        assert!(parse("SELECT Id Lead").is_err());
        assert!(parse("SELECT Id FROM Lead WHERE").is_err());
        assert!(parse("SELECT Id FROM Lead WHERE (Status = 'x'").is_err());
        assert!(parse("SELECT Id FROM Lead LIMIT 5 extra").is_err());
    }
}
