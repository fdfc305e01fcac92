//! What `panopticon doctor` asks Zoho, beyond what a sync reads: a sign-in on its own, the
//! field metadata of a module (`GET /settings/fields?module=Leads`, scope
//! `ZohoCRM.settings.fields.READ`), and one record of each module the sync lists, asked for
//! with exactly the sync's fields — so a missing field, module or scope shows up here first.

use serde_json::Value;

use super::transport::Reply;
use super::{appointment_fields, ZohoClient};
use crate::crm::CrmError;

/// One field of a module, as `/settings/fields` describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldInfo {
    pub api_name: String,
    pub label: String,
    pub data_type: String,
}

impl ZohoClient {
    /// Trades the refresh token for an access token now: proves the client id, the client
    /// secret and the refresh token are accepted (one refresh of Zoho's 10 per 10 minutes).
    pub async fn sign_in(&self) -> Result<(), CrmError> {
        self.t.oauth.token().await.map(|_| ())
    }

    /// The fields of `module`, from Zoho's metadata.
    pub async fn fields(&self, module: &str) -> Result<Vec<FieldInfo>, CrmError> {
        let endpoint = format!("the field list of {module}");
        let body = match self.t.get(&endpoint, "settings/fields", &[("module", module.to_string())], None).await? {
            Reply::Json { body, .. } => body,
            Reply::NoContent | Reply::NotModified => return Ok(Vec::new()),
        };
        let list = body.get("fields").and_then(Value::as_array).ok_or_else(|| CrmError::Malformed {
            endpoint: endpoint.clone(),
            detail: "no 'fields' list in the reply".into(),
        })?;
        let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        Ok(list
            .iter()
            .filter(|f| f.get("api_name").is_some_and(Value::is_string))
            .map(|f| FieldInfo {
                api_name: text(f, "api_name"),
                label: text(f, "field_label"),
                data_type: text(f, "data_type"),
            })
            .collect())
    }

    /// The module appointments are listed from (`None` for a field on the lead).
    pub fn appointments_module(&self) -> Option<&'static str> {
        self.appointment_module()
    }

    /// Reads one record of the leads, and one of the appointment module, with the fields the
    /// sync asks for: `Ok` means a sync could list them (an empty module is fine).
    pub async fn read_one(&self, module: &str) -> Result<(), CrmError> {
        let fields = match module {
            "Leads" => self.lead_fields(),
            m => appointment_fields(m).to_string(),
        };
        let q = [("fields", fields), ("per_page", "1".to_string())];
        self.t.get(module, module, &q, None).await.map(|_| ())
    }

    /// Reads one user (`ZohoCRM.users.READ`): the sync lists users for the locators' names.
    pub async fn read_one_user(&self) -> Result<(), CrmError> {
        let q = [("type", "AllUsers".to_string()), ("per_page", "1".to_string())];
        self.t.get("users", "users", &q, None).await.map(|_| ())
    }
}
