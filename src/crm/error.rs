//! CRM errors, each phrased so the person reading it knows what to do next.
//! None of them ever carries a token, a secret or a URL with credentials in it.

#[derive(Debug, Clone, thiserror::Error)]
pub enum CrmError {
    #[error(
        "Zoho rejected the refresh token ({code}). Generate a new grant code in the Zoho API console \
         (Self Client), exchange it for a refresh token and set ZOHO_REFRESH_TOKEN."
    )]
    RefreshRejected { code: String },

    #[error(
        "Zoho rejected the client credentials ({code}). Check [zoho] client_id, ZOHO_CLIENT_SECRET \
         and that [zoho] data_center is the one your account lives in."
    )]
    ClientRejected { code: String },

    #[error(
        "Zoho is not issuing access tokens right now ({detail}). Zoho allows 10 refreshes per 10 \
         minutes per refresh token; wait a few minutes and try again."
    )]
    RefreshLimited { detail: String },

    #[error("{endpoint}: Zoho answered {status} {code}: {message}{hint}")]
    Api { endpoint: String, status: u16, code: String, message: String, hint: String },

    #[error("{endpoint}: Zoho could not be reached: {detail} (gave up after {attempts} attempts)")]
    Unavailable { endpoint: String, detail: String, attempts: u32 },

    #[error("config: {detail}")]
    NotConfigured { detail: String },

    #[error("{endpoint}: Zoho sent a response Panopticon cannot read: {detail}")]
    Malformed { endpoint: String, detail: String },
}

impl CrmError {
    /// A hint for the codes a person can fix in configuration.
    pub fn hint_for(code: &str, param: Option<&str>) -> String {
        match code {
            "OAUTH_SCOPE_MISMATCH" => {
                " — the refresh token lacks a scope; regenerate it with ZohoCRM.modules.leads.READ, \
                ZohoCRM.modules.events.READ, ZohoCRM.modules.appointments.READ and ZohoCRM.users.READ"
                    .into()
            }
            "NO_PERMISSION" => " — the Zoho user behind the refresh token cannot read this module".into(),
            "INVALID_DATA" => match param {
                Some(p) => {
                    format!(" — '{p}' is not known to Zoho; check [zoho.fields] and [appointments] in the config")
                }
                None => String::new(),
            },
            "INVALID_MODULE" => " — the module does not exist in this org; check [appointments] source".into(),
            _ => String::new(),
        }
    }
}
