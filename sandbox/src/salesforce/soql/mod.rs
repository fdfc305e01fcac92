//! SOQL, the subset the contract names: a lexer, a parser and an evaluator over the org's
//! rows. `run` answers a query with its records rendered, or Salesforce's error.

mod eval;
mod lexer;
mod parser;

pub use eval::{sf_datetime, QueryError};

use super::rows::rows;
use super::schema::object;
use crate::org::Org;

/// Runs `soql` against `org`: the matching records as JSON text, or (errorCode, message).
pub fn run(org: &Org, soql: &str, history_tracking: bool, version: &str) -> Result<(String, Vec<String>), QueryError> {
    let q = parser::parse(soql).map_err(|m| ("MALFORMED_QUERY", m))?;
    let obj = object(&q.object).ok_or_else(|| {
        (
            "INVALID_TYPE",
            format!("sObject type '{}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.", q.object),
        )
    })?;
    let fields = q.fields.iter().map(|p| eval::resolve(obj, p)).collect::<Result<Vec<_>, _>>()?;
    let selected = eval::select(obj, &q, rows(org, obj.name, history_tracking))?;
    Ok((obj.name.to_string(), selected.iter().map(|r| eval::render(obj, &fields, r, version)).collect()))
}
