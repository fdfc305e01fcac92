//! CRM errors, each phrased so the person reading it knows what happened and what to do next.
//! They are shown in the CLI, in `/status` and in every view's warning, so each is one line.
//! None of them ever carries a token, a secret or a URL with credentials in it.

use std::fmt;
use std::time::Duration;

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

    #[error("{} refused {} ({status} {code}{}){hint}", crm(endpoint), Reading(endpoint), colon(message))]
    Api { endpoint: String, status: u16, code: String, message: String, hint: String },

    /// The CRM could not be reached or kept failing, after every retry.
    #[error("{} ({}). {}", problem.sentence(endpoint), tries(*attempts), problem.advice_for(endpoint))]
    Unavailable { endpoint: String, problem: Problem, attempts: u32 },

    /// Zoho answered with a redirect. Panopticon never follows one: the request carries
    /// credentials, and a redirect elsewhere would hand them to another host.
    #[error(
        "{} answered {} with a redirect{}; Panopticon never follows redirects, which could hand the \
         credentials to another server. {}",
        server(endpoint),
        Reading(endpoint),
        host_words(to_host),
        redirect_advice(endpoint)
    )]
    Redirected { endpoint: String, to_host: Option<String> },

    #[error("config: {detail}")]
    NotConfigured { detail: String },

    #[error("{} sent a reply for {} that Panopticon cannot read: {detail}", crm(endpoint), Reading(endpoint))]
    Malformed { endpoint: String, detail: String },

    /// A listing that would not end, or ended inconsistently: nothing was written.
    #[error(
        "{}'s paging went wrong while reading {}: {detail}. Nothing was changed; try again later.",
        crm(endpoint),
        Reading(endpoint)
    )]
    Paging { endpoint: String, detail: String },

    /// The one receiving the records stopped taking them (the sync's write failed or was
    /// interrupted); that failure is the one to report.
    #[error("reading {} stopped: the records could no longer be written", Reading(endpoint))]
    Stopped { endpoint: String },

    /// Salesforce's token endpoint refused the refresh token (`invalid_grant`).
    #[error(
        "Salesforce rejected the refresh token ({code}{}). Authorize the Connected App again (scopes \
         `api refresh_token`) and set SALESFORCE_REFRESH_TOKEN to the new refresh token.",
        colon(description)
    )]
    SalesforceRefreshRejected { code: String, description: String },

    /// Salesforce's token endpoint refused the JWT bearer assertion.
    #[error(
        "Salesforce refused the JWT sign-in ({code}{}). Check [salesforce] username, audience and \
         client_id, that the certificate uploaded to the Connected App matches [salesforce] \
         private_key_file, and that the user is pre-authorized (the app's Policies: Admin approved users).",
        colon(description)
    )]
    SalesforceJwtRejected { code: String, description: String },

    /// Salesforce's token endpoint did not know the Connected App or its secret.
    #[error(
        "Salesforce rejected the client credentials ({code}{}). Check [salesforce] client_id (the \
         Connected App's Consumer Key) and SALESFORCE_CLIENT_SECRET (its Consumer Secret).",
        colon(description)
    )]
    SalesforceClientRejected { code: String, description: String },

    /// A session Salesforce will not take for the REST API: a new token would not help.
    #[error(
        "Salesforce says the session is not valid for the REST API while reading {} ({message}). The \
         Connected App's OAuth scopes must include `api`: add it, authorize the app again and set the new \
         SALESFORCE_REFRESH_TOKEN (or, with JWT, check the integration user has API Enabled).",
        Reading(endpoint)
    )]
    SalesforceSessionRefused { endpoint: String, message: String },

    /// The org's rolling 24-hour API allowance is used up (REQUEST_LIMIT_EXCEEDED TotalRequests).
    #[error(
        "Salesforce refused {}: the org's daily API allowance is used up ({message}{}). Calls free up \
         over 24 hours; try again later, lower how often Panopticon syncs, or buy more API calls (Setup → \
         Company Information shows the allowance).",
        Reading(endpoint),
        usage_words(usage)
    )]
    DailyLimitReached { endpoint: String, message: String, usage: Option<(u64, u64)> },
}

/// What went wrong with a request that was retried and kept failing.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// No answer within the configured timeout.
    TimedOut(Duration),
    /// The connection could not be made (DNS, refused, TLS); the cause in a few words.
    CannotConnect(String),
    /// The connection closed before the reply was complete.
    Dropped,
    /// 5xx from Zoho (or a proxy in front of it).
    ServerError { status: u16, code: String },
    /// 429: too many requests.
    RateLimited { code: String },
    /// Zoho asked to wait longer than we will: the daily credits are probably used up.
    CreditsUsedUp { wait: Duration },
    /// A 200 reply whose body is not JSON.
    Garbled,
}

impl Problem {
    /// The clause that says what happened, naming the server and the endpoint.
    fn sentence(&self, endpoint: &str) -> String {
        let who = server(endpoint);
        // The sign-in server has one job; for the API, say which list was being read.
        let during = if is_token_endpoint(endpoint) {
            String::new()
        } else if let Some(module) =
            bare(endpoint).strip_suffix("/create").or_else(|| bare(endpoint).strip_suffix("/update"))
        {
            // A write-back call (issue 15): say so, a person must not think a read failed.
            format!(" while writing to {module}")
        } else {
            format!(" while reading {}", Reading(endpoint))
        };
        match self {
            Problem::TimedOut(d) => format!("{who} timed out: no answer within {}{during}", secs(*d)),
            Problem::CannotConnect(cause) => format!("{who} could not be reached ({cause}){during}"),
            Problem::Dropped => format!("the connection dropped before {who} finished its reply{during}"),
            Problem::ServerError { status, code } => {
                let code = if code.is_empty() { String::new() } else { format!(" {code}") };
                format!("{who} kept failing (server error {status}{code}){during}")
            }
            Problem::RateLimited { code } => format!("{who} kept refusing requests as too many (429 {code}){during}"),
            Problem::CreditsUsedUp { wait } => {
                format!("{who} asked to wait {} before the next request{during}", secs(*wait))
            }
            Problem::Garbled => format!("{who} sent a reply that is not valid JSON{during}"),
        }
    }

    fn advice(&self) -> &'static str {
        match self {
            Problem::TimedOut(_) | Problem::CannotConnect(_) | Problem::Dropped => {
                "Check the network, or try again later."
            }
            Problem::CreditsUsedUp { .. } => {
                "The org's daily API credits are probably used up; try again tomorrow or raise the limit in Zoho."
            }
            Problem::RateLimited { .. } => "Wait a few minutes and try again.",
            Problem::ServerError { .. } | Problem::Garbled => "Try again later; if it lasts, check status.zoho.com.",
        }
    }

    /// The advice, for whichever CRM `endpoint` belongs to.
    fn advice_for(&self, endpoint: &str) -> &'static str {
        if !is_salesforce(endpoint) {
            return self.advice();
        }
        match self {
            Problem::CreditsUsedUp { .. } => {
                "The org's daily API allowance is probably used up; try again later or raise it in Salesforce."
            }
            Problem::RateLimited { .. } => {
                "Salesforce limits requests running at once; lower [salesforce] concurrency or try again in a few minutes."
            }
            Problem::ServerError { .. } | Problem::Garbled => {
                "Try again later; if it lasts, check status.salesforce.com."
            }
            other => other.advice(),
        }
    }
}

/// Endpoints of the Salesforce client carry this prefix (`salesforce:Lead`), so that every
/// message names the CRM the person configured. Zoho's endpoints carry none.
pub const SALESFORCE: &str = "salesforce:";

fn is_salesforce(endpoint: &str) -> bool {
    endpoint.starts_with(SALESFORCE)
}

/// The endpoint without its CRM prefix.
fn bare(endpoint: &str) -> &str {
    endpoint.strip_prefix(SALESFORCE).unwrap_or(endpoint)
}

fn is_token_endpoint(endpoint: &str) -> bool {
    bare(endpoint).starts_with("oauth")
}

/// The CRM's name, for the start of a sentence.
fn crm(endpoint: &str) -> &'static str {
    if is_salesforce(endpoint) {
        "Salesforce"
    } else {
        "Zoho"
    }
}

/// "Zoho's sign-in server" for the token endpoint, "Zoho's API server" for the rest.
fn server(endpoint: &str) -> &'static str {
    match (is_salesforce(endpoint), is_token_endpoint(endpoint)) {
        (true, true) => "Salesforce's login server",
        (true, false) => "Salesforce's API server",
        (false, true) => "Zoho's sign-in server",
        (false, false) => "Zoho's API server",
    }
}

fn redirect_advice(endpoint: &str) -> &'static str {
    if is_salesforce(endpoint) {
        "Check [salesforce] login_url (a My Domain host is https://<domain>.my.salesforce.com)."
    } else {
        "Check [zoho] data_center, accounts_url and api_domain."
    }
}

/// "; last reported usage 15000/15000 calls".
fn usage_words(usage: &Option<(u64, u64)>) -> String {
    usage.map(|(used, max)| format!("; last reported usage {used}/{max} calls")).unwrap_or_default()
}

/// An endpoint in words: "Leads", "the deleted Leads", "a lead's stage history"…
struct Reading<'a>(&'a str);

impl fmt::Display for Reading<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if is_salesforce(self.0) {
            return salesforce_reading(f, bare(self.0));
        }
        match self.0 {
            e if e.starts_with("oauth") => f.write_str("the access token request"),
            "__timeline" => f.write_str("a lead's stage history"),
            "users" => f.write_str("the users"),
            "settings/roles" => f.write_str("the roles"),
            "Leads/get" => f.write_str("one lead"),
            "Notes/list" => f.write_str("a lead's notes"),
            "Activities/list" => f.write_str("a lead's activities"),
            e => match e.strip_suffix("/deleted") {
                Some(module) => write!(f, "the deleted {module}"),
                None => f.write_str(e),
            },
        }
    }
}

/// A Salesforce endpoint (the object read, as counted) in words.
fn salesforce_reading(f: &mut fmt::Formatter<'_>, e: &str) -> fmt::Result {
    match e {
        e if e.starts_with("oauth") => f.write_str("the access token request"),
        "LeadHistory" => f.write_str("the leads' stage history (LeadHistory)"),
        "OpportunityHistory" => f.write_str("the opportunities' stage history (OpportunityHistory)"),
        "OpportunityStage" => f.write_str("the opportunity stages"),
        "User" => f.write_str("the users"),
        "UserRole" => f.write_str("the roles (UserRole)"),
        "Lead/one" => f.write_str("one lead"),
        "Lead/describe" => f.write_str("the Lead fields (describe)"),
        e => match e.split_once('/') {
            Some((object, "deleted")) => write!(f, "the deleted {object} records"),
            Some((object, "ids")) => write!(f, "the ids of every {object}"),
            Some((object, rest)) => write!(f, "{object} ({rest})"),
            None => write!(f, "the {e} records"),
        },
    }
}

fn colon(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    }
}

fn host_words(host: &Option<String>) -> String {
    host.as_ref().map(|h| format!(" to {h}")).unwrap_or_default()
}

/// "1 try", "3 tries".
fn tries(n: u32) -> String {
    if n == 1 {
        "1 try".into()
    } else {
        format!("{n} tries")
    }
}

/// "30 s", "0.4 s", "2 min".
pub(crate) fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 120.0 {
        format!("{} min", (s / 60.0).round())
    } else if (s - s.round()).abs() < 0.05 {
        format!("{} s", s.round())
    } else {
        format!("{s:.1} s")
    }
}

/// Text a server sent, made fit for a one-line message: control characters (newlines, ESC…)
/// become spaces, runs of spaces collapse, and it is cut at 200 characters.
pub fn one_line(raw: &str) -> String {
    const MAX: usize = 200;
    let cleaned: String = raw.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    let joined = words.join(" ");
    if joined.chars().count() > MAX {
        format!("{}…", joined.chars().take(MAX).collect::<String>())
    } else {
        joined
    }
}

impl CrmError {
    /// A hint for the codes a person can fix in configuration.
    pub fn hint_for(code: &str, param: Option<&str>) -> String {
        match code {
            "OAUTH_SCOPE_MISMATCH" => {
                " — the refresh token lacks a scope; regenerate it with ZohoCRM.modules.leads.READ, \
                ZohoCRM.modules.events.READ, ZohoCRM.modules.appointments.READ, ZohoCRM.users.READ and \
                ZohoCRM.settings.roles.READ"
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_read_as_plain_sentences() {
        let e = CrmError::Unavailable {
            endpoint: "oauth/token".into(),
            problem: Problem::TimedOut(Duration::from_secs(30)),
            attempts: 3,
        };
        assert_eq!(
            e.to_string(),
            "Zoho's sign-in server timed out: no answer within 30 s (3 tries). Check the network, or try again later."
        );
        let e = CrmError::Unavailable {
            endpoint: "Leads".into(),
            problem: Problem::ServerError { status: 500, code: "INTERNAL_ERROR".into() },
            attempts: 1,
        };
        assert_eq!(
            e.to_string(),
            "Zoho's API server kept failing (server error 500 INTERNAL_ERROR) while reading Leads (1 try). \
             Try again later; if it lasts, check status.zoho.com."
        );
        let e = CrmError::Api {
            endpoint: "Events/deleted".into(),
            status: 403,
            code: "NO_PERMISSION".into(),
            message: "permission denied".into(),
            hint: String::new(),
        };
        assert_eq!(e.to_string(), "Zoho refused the deleted Events (403 NO_PERMISSION: permission denied)");
        let e = CrmError::Unavailable {
            endpoint: "Notes/create".into(),
            problem: Problem::RateLimited { code: "TOO_MANY_REQUESTS".into() },
            attempts: 4,
        };
        assert_eq!(
            e.to_string(),
            "Zoho's API server kept refusing requests as too many (429 TOO_MANY_REQUESTS) while writing to Notes \
             (4 tries). Wait a few minutes and try again."
        );
        assert_eq!(secs(Duration::from_millis(400)), "0.4 s");
        // The same errors from the Salesforce client name Salesforce, its servers and its status page.
        let e = CrmError::Unavailable {
            endpoint: "salesforce:oauth/token".into(),
            problem: Problem::ServerError { status: 503, code: String::new() },
            attempts: 2,
        };
        assert_eq!(
            e.to_string(),
            "Salesforce's login server kept failing (server error 503) (2 tries). Try again later; if it lasts, \
             check status.salesforce.com."
        );
        let e = CrmError::Api {
            endpoint: "salesforce:Lead/deleted".into(),
            status: 400,
            code: "INVALID_REPLICATION_DATE".into(),
            message: "start date too old".into(),
            hint: String::new(),
        };
        assert_eq!(
            e.to_string(),
            "Salesforce refused the deleted Lead records (400 INVALID_REPLICATION_DATE: start date too old)"
        );
        let e = CrmError::DailyLimitReached {
            endpoint: "salesforce:Opportunity".into(),
            message: "REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.".into(),
            usage: Some((15000, 15000)),
        };
        assert!(e.to_string().starts_with(
            "Salesforce refused the Opportunity records: the org's daily API allowance is used up \
             (REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.; last reported usage 15000/15000 calls)."
        ));
        assert_eq!(one_line("bad\n\x1b[31mred\r\x07 thing"), "bad [31mred thing");
        assert_eq!(one_line(&"x".repeat(500)).chars().count(), 201);
    }
}
