//! The Salesforce lines of `panopticon doctor` (`[crm] kind = "salesforce"`): the sign-in (the
//! refresh token or the JWT key accepted, the scopes granted), the org's API usage against its
//! daily allowance, the Lead fields the config names (`sobjects/Lead/describe`), field history
//! tracking on the stage field (without it no stage history can be read), and each object the
//! sync lists read with the sync's own fields (a listing past any record, so it costs one call
//! and moves nothing). No line ever shows a secret.

use panopticon::config::{AppointmentSource, Config};
use panopticon::crm::salesforce::SalesforceClient;
use panopticon::crm::{Crm, CrmError, CrmSource, Listed, Pages, SalesSource, Skipped};
use panopticon::sales::SalesModule;
use panopticon::sync::StoredUsage;

use super::check::{skipped, Check};

const SIGN_IN: &str = "Salesforce sign-in";
const FIELDS: &str = "Salesforce fields";
const HISTORY: &str = "Salesforce history";
const OBJECTS: &str = "Salesforce objects";
const USAGE: &str = "Salesforce API usage";
const ACTIONS: &str = "Salesforce actions";

/// A watermark past any record: the listing runs its real query and returns nothing.
const FUTURE: &str = "2999-01-01T00:00:00Z";

pub async fn checks(cfg: &Config) -> Vec<Check> {
    let mut after_sign_in = vec![FIELDS, HISTORY, OBJECTS, USAGE];
    if cfg.actions.enabled {
        after_sign_in.push(ACTIONS);
    }
    let client = match connect(cfg) {
        Ok(c) => c,
        Err(why) => {
            return [vec![Check::fail(SIGN_IN, why)], skipped(&after_sign_in, "the Salesforce sign-in")].concat()
        }
    };
    let scopes = match client.token_scopes().await {
        Ok(s) => s,
        Err(e) => {
            return [vec![Check::fail(SIGN_IN, e.to_string())], skipped(&after_sign_in, "the Salesforce sign-in")]
                .concat()
        }
    };
    let Some(sf) = cfg.salesforce.as_ref() else { return Vec::new() };
    let granted = scopes.as_ref().map_or("not named in the token reply".to_string(), |s| s.join(" "));
    let mut out = vec![Check::pass(
        SIGN_IN,
        format!("{} issued an access token for client {}; scopes: {granted}", sf.login_url, sf.client_id),
    )];
    let fields = client.lead_field_names().await;
    out.push(Check::of(FIELDS, fields_check(cfg, &fields)));
    out.push(Check::of(HISTORY, history_check(&client, &sf.stage_field).await));
    out.push(objects_check(cfg, &client).await);
    out.push(match client.last_api_usage() {
        Some(u) => {
            let line = StoredUsage { used: u.used, max: u.max, at: chrono::Utc::now() }.line("Salesforce");
            if u.used * 10 >= u.max * 9 {
                Check::warn(USAGE, format!("{line}: close to the daily allowance; syncs fail once it is reached"))
            } else {
                Check::pass(USAGE, line)
            }
        }
        None => Check::warn(USAGE, "Salesforce sent no Sforce-Limit-Info header, so the usage is unknown"),
    });
    if cfg.actions.enabled {
        // Salesforce grants writes with the same `api` scope as reads; the object and field
        // permissions of the user are only known when an action tries.
        out.push(match &scopes {
            Some(s) if !s.iter().any(|x| x == "api" || x == "full") => Check::fail(
                ACTIONS,
                "the token lacks the `api` scope: add it to the Connected App and authorize again (see README, Salesforce)",
            ),
            _ => Check::pass(ACTIONS, "writes use the `api` scope; the user's edit rights on Lead and Task are checked by each action"),
        });
    }
    out
}

fn connect(cfg: &Config) -> Result<SalesforceClient, String> {
    let sf = cfg.salesforce.as_ref().ok_or("[crm] kind = \"salesforce\" needs a [salesforce] table")?;
    sf.secrets().map_err(|e| e.to_string())?;
    match panopticon::crm::connect(cfg).map_err(|e| e.to_string())? {
        Crm::Salesforce(c) => Ok(c),
        Crm::Zoho(_) => Err("[crm] kind is not \"salesforce\"".into()),
    }
}

/// The configured Lead fields against the org's.
fn fields_check(cfg: &Config, fields: &Result<Vec<String>, CrmError>) -> Result<String, String> {
    let list = fields.as_ref().map_err(|e| e.to_string())?;
    let Some(sf) = cfg.salesforce.as_ref() else { return Err("no [salesforce] table".into()) };
    let mut wanted = vec![
        ("[salesforce] stage_field", sf.stage_field.as_str()),
        ("[salesforce] locator_field", sf.locator_field.as_str()),
    ];
    if let AppointmentSource::Field(f) = &cfg.appointments {
        wanted.push(("[appointments] field", f.as_str()));
    }
    let missing: Vec<String> = wanted
        .iter()
        .filter(|(_, name)| !list.iter().any(|f| f.eq_ignore_ascii_case(name)))
        .map(|(key, name)| format!("{key} = \"{name}\" is not a field of Lead in this org"))
        .collect();
    if missing.is_empty() {
        let names: Vec<&str> = wanted.iter().map(|(_, n)| *n).collect();
        Ok(format!("Lead has {}", names.join(", ")))
    } else {
        Err(format!(
            "{}; set the field's API name (Salesforce: Setup → Object Manager → Lead → Fields & Relationships)",
            missing.join("; ")
        ))
    }
}

async fn history_check(client: &SalesforceClient, stage: &str) -> Result<String, String> {
    match client.history_tracking_on().await {
        Ok(true) => Ok(format!("LeadHistory records Lead.{stage}: stage history can be read")),
        Ok(false) => Err(format!(
            "field history tracking is off for Lead.{stage}: stage history cannot be read; turn it on in Setup → \
             Object Manager → Lead → Fields & Relationships → Set History Tracking (an org whose leads never \
             changed {stage} yet shows this too)"
        )),
        Err(e) => Err(e.to_string()),
    }
}

/// Hands nothing on: a doctor's listing only proves the query is accepted.
struct Discard;
impl<T: Send> Pages<T> for Discard {
    async fn page(&self, _: Vec<T>, _: Vec<Skipped>) -> Result<(), CrmError> {
        Ok(())
    }
}

/// Each object the sync lists, with the sync's own fields.
async fn objects_check(cfg: &Config, client: &SalesforceClient) -> Check {
    let mut failed = Vec::new();
    let mut read = Vec::new();
    let mut note = |name: &str, r: Result<Listed, CrmError>| match r {
        Ok(_) => read.push(name.to_string()),
        Err(e) => failed.push(format!("{name} ({e})")),
    };
    note("User", client.fetch_users(Some(FUTURE)).await.map(|_| Listed::default()));
    note("Lead", client.fetch_leads(Some(FUTURE), &Discard).await);
    if !matches!(cfg.appointments, AppointmentSource::Field(_)) {
        note("Event", client.fetch_appointments(Some(FUTURE), &Discard).await);
    }
    for m in [SalesModule::Deals, SalesModule::Calls, SalesModule::Accounts, SalesModule::Contacts] {
        let name = match m {
            SalesModule::Deals => "Opportunity",
            SalesModule::Calls => "Task",
            SalesModule::Accounts => "Account",
            _ => "Contact",
        };
        note(name, client.fetch_sales(m, Some(FUTURE), &Discard).await);
    }
    let roles = match client.fetch_roles().await {
        Ok(r) => format!("UserRole readable: {} roles, for managers' teams", r.items.len()),
        Err(e) => format!("UserRole NOT readable ({e}): managers' teams come from ManagerId and [teams] only"),
    };
    if failed.is_empty() {
        Check::pass(OBJECTS, format!("{} readable with the sync's fields; {roles}", read.join(", ")))
    } else {
        Check::fail(OBJECTS, format!("the sync cannot read {}; {roles}", failed.join(", ")))
    }
}
