//! The Zoho lines of `panopticon doctor`: the refresh token is accepted (sign-in), the stage and
//! locator fields (and an appointment field) exist in Leads (`/settings/fields`), and the leads,
//! the appointment module and the users can be read with the sync's own fields, and whether the
//! CRM's roles can be read — each refusal naming the scope, setting or field to fix; with
//! `[actions] enabled`, the write-back actions' scopes (`actions.rs`). No line ever shows a secret.

use panopticon::config::{AppointmentSource, Config};
use panopticon::crm::zoho::{FieldInfo, ZohoClient};
use panopticon::crm::{Crm, CrmError, CrmSource};

use super::actions;
use super::check::{skipped, Check};
use super::sales::{self, SALES};

const SIGN_IN: &str = "Zoho sign-in";
const FIELDS: &str = "Zoho fields";
const LEADS: &str = "Zoho leads";
const APPOINTMENTS: &str = "Zoho appointments";
const USERS: &str = "Zoho users";

pub async fn checks(cfg: &Config) -> Vec<Check> {
    let after_sign_in = [FIELDS, LEADS, APPOINTMENTS, USERS, SALES];
    let client = match cfg.zoho.secrets().map_err(|e| e.to_string()).and_then(|_| connect(cfg)) {
        Ok(c) => c,
        Err(why) => {
            let mut out = vec![Check::fail(SIGN_IN, why)];
            out.extend(skipped(&after_sign_in, "the Zoho sign-in"));
            if cfg.actions.enabled {
                out.extend(actions::unchecked());
            }
            return out;
        }
    };
    if let Err(e) = client.sign_in().await {
        let mut out = vec![Check::fail(SIGN_IN, e.to_string())];
        out.extend(skipped(&after_sign_in, "the Zoho sign-in"));
        if cfg.actions.enabled {
            out.extend(actions::unchecked());
        }
        return out;
    }
    let mut out = vec![Check::pass(
        SIGN_IN,
        format!("{} issued an access token for client {}", cfg.zoho.accounts_url, cfg.zoho.client_id),
    )];
    let fields = client.fields("Leads").await;
    out.push(Check::of(FIELDS, fields_check(cfg, &fields)));
    out.push(Check::of(LEADS, client.read_one("Leads").await.map(|()| readable("Leads")).map_err(|e| e.to_string())));
    out.push(match (&cfg.appointments, client.appointments_module()) {
        (AppointmentSource::Field(f), _) => match &fields {
            Ok(list) if list.iter().any(|x| &x.api_name == f) => {
                Check::pass(APPOINTMENTS, format!("read from the lead field {f} (it exists)"))
            }
            Ok(_) => Check::fail(APPOINTMENTS, format!("the lead field {f} is missing (see Zoho fields)")),
            Err(_) => Check::skip(APPOINTMENTS, "needs the field list (see Zoho fields)"),
        },
        (_, Some(m)) => {
            Check::of(APPOINTMENTS, client.read_one(m).await.map(|()| readable(m)).map_err(|e| e.to_string()))
        }
        (_, None) => Check::skip(APPOINTMENTS, "no appointment module configured"),
    });
    let users = match client.read_one_user().await {
        Ok(()) => Ok(format!("readable (ZohoCRM.users.READ), for the locators' names; {}", roles_words(&client).await)),
        Err(e) => Err(e.to_string()),
    };
    out.push(Check::of(USERS, users));
    out.push(sales::check(&client).await);
    if cfg.actions.enabled {
        out.extend(actions::checks(&client).await);
    }
    out
}

/// Whether the role tree can be read (`ZohoCRM.settings.roles.READ`). Said on the users' line
/// and never a failure: a sync without it goes on (teams then come from Reporting_To and
/// [teams]), so it must not turn the verdict red.
async fn roles_words(client: &ZohoClient) -> String {
    match client.fetch_roles().await {
        Ok(r) => format!(
            "roles readable (ZohoCRM.settings.roles.READ): {} role{}, for managers' teams",
            r.items.len(),
            if r.items.len() == 1 { "" } else { "s" }
        ),
        Err(CrmError::Api { code, .. }) if code == "OAUTH_SCOPE_MISMATCH" || code == "NO_PERMISSION" => format!(
            "roles NOT readable ({code}): the refresh token lacks ZohoCRM.settings.roles.READ, so managers' teams \
             come from Reporting_To and [teams] only; add the scope to a new refresh token (see README, Setting up)"
        ),
        Err(e) => format!("roles not read: {e}"),
    }
}

fn connect(cfg: &Config) -> Result<ZohoClient, String> {
    match panopticon::crm::connect(cfg).map_err(|e| e.to_string())? {
        Crm::Zoho(c) => Ok(c),
        Crm::Salesforce(_) => Err("these are the Zoho checks; [crm] kind names Salesforce".into()),
    }
}

fn readable(module: &str) -> String {
    format!("{module} readable with every field the sync asks for")
}

/// The configured field names against the org's Leads fields.
fn fields_check(cfg: &Config, fields: &Result<Vec<FieldInfo>, CrmError>) -> Result<String, String> {
    let list = match fields {
        Ok(l) => l,
        Err(CrmError::Api { code, .. }) if code == "OAUTH_SCOPE_MISMATCH" => {
            return Err("Zoho refused the field list of Leads (OAUTH_SCOPE_MISMATCH): the refresh token lacks \
                 ZohoCRM.settings.fields.READ; generate a new one with it (see README, Setting up)"
                .into())
        }
        Err(e) => return Err(e.to_string()),
    };
    let mut wanted = vec![
        ("[zoho.fields] stage", cfg.zoho.stage_field.as_str()),
        ("[zoho.fields] locator", cfg.zoho.locator_field.as_str()),
    ];
    if let AppointmentSource::Field(f) = &cfg.appointments {
        wanted.push(("[appointments] field", f.as_str()));
    }
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for (key, name) in wanted {
        match list.iter().find(|f| f.api_name == name) {
            Some(f) => found.push(format!("{name} ({})", f.data_type)),
            None => missing
                .push(format!("{key} = \"{name}\" is not a field of Leads in this org{}", suggestion(name, list))),
        }
    }
    if missing.is_empty() {
        Ok(format!("Leads has {}", found.join(", ")))
    } else {
        Err(format!("{}; set the field's API name (Zoho: Setup → Modules and Fields → Leads)", missing.join("; ")))
    }
}

/// " (did you mean Lead_Stage?)" when a field's API name or label is close to `name`.
fn suggestion(name: &str, list: &[FieldInfo]) -> String {
    let lower = name.to_lowercase();
    list.iter()
        .map(|f| {
            let d = strsim::levenshtein(&lower, &f.api_name.to_lowercase())
                .min(strsim::levenshtein(&lower, &f.label.to_lowercase().replace(' ', "_")));
            (d, &f.api_name)
        })
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, n)| format!(" (did you mean {n}?)"))
        .unwrap_or_default()
}
