//! The CRM's role tree: `GET /settings/roles` (scope `ZohoCRM.settings.roles.READ`), read whole
//! in one call — Zoho sends every role at once, with no paging and no Modified_Time. A role that
//! cannot be read is skipped and reported, like any other record.

use serde_json::Value;

use super::parse;
use super::transport::{Reply, Transport};
use crate::crm::CrmRole;
use crate::crm::{CrmError, Fetched, Skipped};

/// The endpoint's name in call counts and errors.
pub const ENDPOINT: &str = "settings/roles";

/// More roles than any org has (Zoho's editions cap them in the hundreds): past this, the reply
/// is not a role list a person made.
const MAX_ROLES: usize = 10_000;

pub async fn fetch(t: &Transport) -> Result<Fetched<CrmRole>, CrmError> {
    let body = match t.get(ENDPOINT, ENDPOINT, &[], None).await? {
        Reply::Json { body, .. } => body,
        Reply::NoContent | Reply::NotModified => return Ok(Fetched::default()),
    };
    let list = body.get("roles").and_then(Value::as_array).ok_or_else(|| CrmError::Malformed {
        endpoint: ENDPOINT.into(),
        detail: "no 'roles' list in the reply".into(),
    })?;
    if list.len() > MAX_ROLES {
        return Err(CrmError::Malformed {
            endpoint: ENDPOINT.into(),
            detail: format!("{} roles, more than the {MAX_ROLES} any org has", list.len()),
        });
    }
    let mut out = Fetched::default();
    for v in list {
        match parse::role(v) {
            Ok(r) if out.items.iter().any(|o: &CrmRole| o.id == r.id) => out.skipped.push(Skipped {
                endpoint: ENDPOINT.into(),
                id: Some(r.id),
                reason: "the same role id twice in one reply".into(),
            }),
            Ok(r) => out.items.push(r),
            Err(reason) => out.skipped.push(Skipped { endpoint: ENDPOINT.into(), id: parse::id_of(v), reason }),
        }
    }
    Ok(out)
}
