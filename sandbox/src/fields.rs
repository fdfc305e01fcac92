//! The sandbox's field metadata: `GET /crm/{v}/settings/fields?module=Leads` (or Deals, with
//! the `Stage` picklist's probabilities and deal categories), in the shape of Zoho's Fields API
//! (`{"fields": [{api_name, field_label, data_type, id, …}]}`), and the org
//! edit a test makes to delete a field as an admin would (`Sandbox::remove_field`). A removed
//! field is gone everywhere: from this list, and a listing that asks for it is refused with
//! INVALID_DATA, as Zoho refuses an unknown field.
// Handlers return a ready `Response` as their error: that is the reply to send.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;

use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::render::known_fields;
use super::server::{authorize, envelope, require_scope, Shared, S};
use super::Sandbox;

impl Sandbox {
    /// Deletes field `api_name` from `module` (say `Owner` from `Leads`), as an admin would in
    /// Zoho's setup: it leaves the field list and can no longer be asked for.
    pub fn remove_field(&self, module: &str, api_name: &str) {
        self.shared.removed_fields.lock().expect("fields lock").insert((module.to_string(), api_name.to_string()));
    }
}

/// Whether `module` has field `name` now (one of `known`, not removed).
pub(super) fn exists(s: &Shared, module: &str, known: &[&str], name: &str) -> bool {
    known.contains(&name)
        && !s.removed_fields.lock().expect("fields lock").contains(&(module.to_string(), name.to_string()))
}

/// Zoho's data type for each field the sandbox serves.
fn data_type(name: &str) -> &'static str {
    match name {
        "Owner" => "ownerlookup",
        "Lead_Status"
        | "Lead_Source"
        | "Rating"
        | "Industry"
        | "Salutation"
        | "Status"
        | "Location"
        | "Stage"
        | "Pipeline"
        | "Type"
        | "Call_Type"
        | "Outgoing_Call_Status"
        | "Call_Purpose"
        | "Priority" => "picklist",
        "What_Id" | "Who_Id" | "Appointment_For" | "Service_Name" | "Account_Name" | "Contact_Name" => "lookup",
        "Converted__s" | "All_day" | "$event_cancelled" => "boolean",
        "Appointment_Date" | "Closing_Date" | "Due_Date" => "date",
        "Amount" | "Expected_Revenue" => "currency",
        "Probability" | "Call_Duration_in_seconds" => "integer",
        "Email" => "email",
        "Phone" | "Mobile" => "phone",
        "Website" => "website",
        "Description" => "textarea",
        "Participants" => "multiselectlookup",
        n if n.ends_with("_Time") || n.ends_with("_DateTime") || n == "Appointment_At" => "datetime",
        _ => "text",
    }
}

/// `GET /crm/{version}/settings/fields?module=M`.
pub(super) async fn fields(
    axum::extract::State(s): S,
    Path(_version): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = authorize(&s, &headers) {
        return r;
    }
    let Some(module) = q.get("module").filter(|m| !m.is_empty()) else {
        return envelope(
            StatusCode::BAD_REQUEST,
            "REQUIRED_PARAM_MISSING",
            "One of the expected parameter is missing",
            json!({"param_name": "module"}),
        );
    };
    // The sales modules' metadata needs the settings scope; the lead side's never checked it,
    // and `doctor` runs on grants without it.
    if crate::sales::listing::read_scope(module).is_some() {
        if let Err(r) = require_scope(&s, "ZohoCRM.settings.fields.READ") {
            return r;
        }
    }
    let Some(known) = known_fields(module) else {
        return envelope(
            StatusCode::BAD_REQUEST,
            "INVALID_MODULE",
            "the module name given seems to be invalid",
            json!({"param_name": "module"}),
        );
    };
    let list: Vec<Value> = known
        .iter()
        .enumerate()
        .filter(|(_, name)| exists(&s, module, known, name))
        .map(|(i, name)| {
            let mut field = json!({
                "api_name": name,
                "field_label": name.trim_start_matches('$').replace('_', " "),
                "data_type": data_type(name),
                "id": format!("3652397000000{:06}", 100 + i),
                "custom_field": name.starts_with("Appointment_A") || name.starts_with("Appointment_D"),
                "visible": true,
                "read_only": matches!(*name, "Full_Name" | "Created_Time" | "Modified_Time" | "Converted__s"),
            });
            if module == "Deals" && *name == "Stage" {
                field["pick_list_values"] = crate::sales::render::stage_pick_list();
            }
            field
        })
        .collect();
    axum::Json(json!({ "fields": list })).into_response()
}
