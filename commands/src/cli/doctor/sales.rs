//! The doctor's line for the sales side (issue 16): can the token read each module the sync
//! lists for the sales dashboard (Deals, Calls, Tasks, Events, Accounts, Contacts — with the
//! sync's own fields) and the deal stages' mapping (`ZohoCRM.settings.fields.READ`)? A scope
//! refused is a warning, as in the sync (which then keeps what it holds and goes on); any other
//! error fails, as the sync would.

use panopticon::crm::zoho::ZohoClient;
use panopticon::crm::{CrmError, SalesSource};
use panopticon::sales::SalesModule;

use super::check::Check;

pub const SALES: &str = "Zoho sales";

/// The scope a module's listing needs (Zoho's scope names are lower case).
fn scope(m: SalesModule) -> String {
    format!("ZohoCRM.modules.{}.READ", m.api_name().to_lowercase())
}

pub async fn check(client: &ZohoClient) -> Check {
    let (mut refused, mut failed) = (Vec::new(), Vec::new());
    for m in SalesModule::ALL {
        match client.read_one_sales(m).await {
            Ok(()) => {}
            Err(CrmError::Api { code, .. }) if code == "OAUTH_SCOPE_MISMATCH" || code == "NO_PERMISSION" => {
                refused.push(format!("{} ({code}: add {})", m.api_name(), scope(m)))
            }
            Err(e) => failed.push(format!("{} ({e})", m.api_name())),
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
    let meta_words = meta.clone().unwrap_or_else(|e| e);
    if !failed.is_empty() {
        return Check::fail(SALES, format!("the sync cannot read {}; {meta_words}", failed.join(", ")));
    }
    if !refused.is_empty() {
        return Check::warn(
            SALES,
            format!(
                "not readable, so the sync keeps what it holds of them and the sales dashboard misses them: {} \
                 — grant the scopes in a new refresh token (see README); {meta_words}",
                refused.join(", ")
            ),
        );
    }
    let words = format!("{} readable with the sync's fields; {meta_words}", names.join(", "));
    if meta.is_ok() {
        Check::pass(SALES, words)
    } else {
        Check::warn(SALES, words)
    }
}
