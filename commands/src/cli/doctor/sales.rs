//! The doctor's line for the sales side (issue 16): can the token read each module the sync
//! lists for the sales dashboard (Deals, Calls, Tasks, Events, Accounts, Contacts — with the
//! sync's own fields) and the deal stages' mapping (`ZohoCRM.settings.fields.READ`)? A module
//! refused fails (the sync would fail too); the mapping refused is a warning, as in the sync.

use panopticon::crm::zoho::ZohoClient;
use panopticon::crm::{CrmError, CrmSource};
use panopticon::sales::SalesModule;

use super::check::Check;

pub const SALES: &str = "Zoho sales";

/// The scope a module's listing needs (Zoho's scope names are lower case).
fn scope(m: SalesModule) -> String {
    format!("ZohoCRM.modules.{}.READ", m.api_name().to_lowercase())
}

pub async fn check(client: &ZohoClient) -> Check {
    let mut refused = Vec::new();
    for m in SalesModule::ALL {
        match client.read_one_sales(m).await {
            Ok(()) => {}
            Err(CrmError::Api { code, .. }) if code == "OAUTH_SCOPE_MISMATCH" => {
                refused.push(format!("{} (the refresh token lacks {})", m.api_name(), scope(m)))
            }
            Err(e) => refused.push(format!("{} ({e})", m.api_name())),
        }
    }
    let meta = match client.fetch_stage_meta().await {
        Ok(f) => {
            Ok(format!("the deal stages' mapping readable (ZohoCRM.settings.fields.READ): {} stages", f.items.len()))
        }
        Err(CrmError::Api { code, .. }) if code == "OAUTH_SCOPE_MISMATCH" || code == "NO_PERMISSION" => Err(format!(
            "the deal stages' mapping NOT readable ({code}): add ZohoCRM.settings.fields.READ to a new refresh token \
             (see README); until then the sales dashboard has no stage probabilities"
        )),
        Err(e) => Err(format!("the deal stages' mapping not read: {e}")),
    };
    let names: Vec<&str> = SalesModule::ALL.iter().map(|m| m.api_name()).collect();
    match (refused.is_empty(), meta) {
        (true, Ok(m)) => Check::pass(SALES, format!("{} readable with the sync's fields; {m}", names.join(", "))),
        (true, Err(m)) => Check::warn(SALES, format!("{} readable with the sync's fields; {m}", names.join(", "))),
        (false, m) => Check::fail(
            SALES,
            format!(
                "the sync cannot read {}; grant the scopes and generate a new refresh token (see README); {}",
                refused.join(", "),
                m.unwrap_or_else(|e| e)
            ),
        ),
    }
}
