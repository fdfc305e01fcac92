//! Salesforce OAuth: a refresh token (the web-server flow, done once by an admin) or a JWT bearer
//! assertion signed RS256 with the integration user's key, traded for an access token and the
//! `instance_url` every data call goes to.
//!
//! Salesforce never says how long a token lives (no `expires_in`), so the token is kept until
//! the API answers INVALID_SESSION_ID; the transport then asks for one new token and retries
//! once. Tokens, the client secret and the key live only in memory and never reach an error.

use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use tokio::sync::Mutex;

use crate::crm::error::{one_line, Problem, SALESFORCE};
use crate::crm::zoho::retry::{json_lossy, Backoff};
use crate::crm::CrmError;

/// The counted endpoint of the token request.
pub const ENDPOINT: &str = "oauth/token";
/// A JWT assertion is valid this long: Salesforce accepts at most 3 minutes.
const ASSERTION_LIFETIME_SECS: i64 = 180;

/// How the client signs in.
pub enum Grant {
    Refresh { client_secret: SecretString, refresh_token: SecretString },
    Jwt { username: String, audience: String, key: Box<RsaKeyPair> },
}

/// An access token, the instance it is for, and which sign-in produced it.
#[derive(Clone)]
pub struct Session {
    pub token: SecretString,
    /// `https://acme.my.salesforce.com`, no trailing slash.
    pub instance_url: String,
    pub generation: u64,
}

#[derive(Default)]
struct State {
    current: Option<Session>,
    generation: u64,
    /// The `scope` of the last token reply, when it named one.
    scope: Option<String>,
}

pub struct Auth {
    http: reqwest::Client,
    token_url: String,
    client_id: String,
    grant: Grant,
    /// A login server on this machine (the sandbox) may name an http:// instance.
    loopback_login: bool,
    backoff: Backoff,
    state: Mutex<State>,
}

fn endpoint() -> String {
    format!("{SALESFORCE}{ENDPOINT}")
}

impl Auth {
    pub fn new(
        http: reqwest::Client,
        login_url: &str,
        client_id: String,
        grant: Grant,
        loopback_login: bool,
        backoff: Backoff,
    ) -> Auth {
        Auth {
            http,
            token_url: format!("{}/services/oauth2/token", login_url.trim_end_matches('/')),
            client_id,
            grant,
            loopback_login,
            backoff,
            state: Mutex::new(State::default()),
        }
    }

    /// The current session, signing in if there is none.
    pub async fn session(&self) -> Result<Session, CrmError> {
        let mut st = self.state.lock().await;
        if let Some(s) = &st.current {
            return Ok(s.clone());
        }
        let (token, instance_url, scope) = self.sign_in().await?;
        st.generation += 1;
        st.scope = scope;
        let s = Session { token, instance_url, generation: st.generation };
        st.current = Some(s.clone());
        Ok(s)
    }

    /// The API said the session is invalid: drop it, unless another task already replaced it.
    pub async fn invalidate(&self, generation: u64) {
        let mut st = self.state.lock().await;
        if st.generation == generation {
            st.current = None;
        }
    }

    /// The scopes the token reply named (signing in if needed); `None` when it named none.
    pub async fn scope(&self) -> Result<Option<String>, CrmError> {
        self.session().await?;
        Ok(self.state.lock().await.scope.clone())
    }

    /// Asks for a token, retrying what a retry can cure (timeouts, drops, 5xx).
    async fn sign_in(&self) -> Result<(SecretString, String, Option<String>), CrmError> {
        let mut attempt = 0u32;
        loop {
            let problem = match self.post_once().await? {
                Ok(granted) => return Ok(granted),
                Err(problem) => problem,
            };
            let wait = self.backoff.next(&endpoint(), attempt, problem.clone(), None)?;
            tracing::warn!(target: "panopticon::salesforce", attempt, wait_ms = wait.as_millis() as u64, ?problem, "token request failed; retrying");
            attempt += 1;
            tokio::time::sleep(wait).await;
        }
    }

    /// One POST to the token endpoint: the grant, a fatal error, or a problem worth a retry.
    async fn post_once(&self) -> Result<Result<(SecretString, String, Option<String>), Problem>, CrmError> {
        let body = self.form()?;
        let sent = self
            .http
            .post(&self.token_url)
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await;
        let resp = match sent {
            Ok(r) => r,
            Err(e) => return Ok(Err(self.backoff.problem(&e.without_url()))),
        };
        let status = resp.status();
        if status.is_redirection() {
            return Err(CrmError::Redirected { endpoint: endpoint(), to_host: location_host(&resp) });
        }
        if status.is_server_error() {
            return Ok(Err(Problem::ServerError { status: status.as_u16(), code: String::new() }));
        }
        let bytes = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => return Ok(Err(self.backoff.problem(&e.without_url()))),
        };
        let reply = match json_lossy(&bytes) {
            Ok((Value::Object(o), _)) => o,
            _ => {
                return Err(CrmError::Malformed {
                    endpoint: endpoint(),
                    detail: format!("HTTP {} with a body that is not a token reply", status.as_u16()),
                })
            }
        };
        self.interpret(status.as_u16(), &reply).map(Ok)
    }

    /// The form for this grant (a fresh assertion each time for JWT).
    fn form(&self) -> Result<String, CrmError> {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        match &self.grant {
            Grant::Refresh { client_secret, refresh_token } => {
                ser.append_pair("grant_type", "refresh_token")
                    .append_pair("refresh_token", refresh_token.expose_secret())
                    .append_pair("client_id", &self.client_id)
                    .append_pair("client_secret", client_secret.expose_secret());
            }
            Grant::Jwt { username, audience, key } => {
                let assertion = assertion(key, &self.client_id, username, audience, chrono::Utc::now().timestamp())?;
                ser.append_pair("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer")
                    .append_pair("assertion", &assertion);
            }
        }
        Ok(ser.finish())
    }

    fn interpret(
        &self,
        status: u16,
        reply: &serde_json::Map<String, Value>,
    ) -> Result<(SecretString, String, Option<String>), CrmError> {
        let text = |k: &str| reply.get(k).and_then(Value::as_str).map(one_line);
        if let Some(tok) = reply.get("access_token").and_then(Value::as_str).filter(|t| !t.is_empty()) {
            let raw_instance = reply.get("instance_url").and_then(Value::as_str).unwrap_or("");
            let instance_url = self.check_instance(raw_instance)?;
            let scope =
                reply.get("scope").and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(String::from);
            return Ok((SecretString::from(tok.to_string()), instance_url, scope));
        }
        let code = text("error").unwrap_or_else(|| format!("HTTP {status}"));
        let description = text("error_description").unwrap_or_default();
        Err(match code.as_str() {
            "invalid_client" | "invalid_client_id" | "unauthorized_client" => {
                CrmError::SalesforceClientRejected { code, description }
            }
            "invalid_grant" => match self.grant {
                Grant::Refresh { .. } => CrmError::SalesforceRefreshRejected { code, description },
                Grant::Jwt { .. } => CrmError::SalesforceJwtRejected { code, description },
            },
            _ => CrmError::Api { endpoint: endpoint(), status, code, message: description, hint: String::new() },
        })
    }

    /// The instance every data call goes to: https, or http only when the login server itself
    /// is on this machine (the sandbox names its own http:// URL).
    fn check_instance(&self, raw: &str) -> Result<String, CrmError> {
        let bad = |detail: String| CrmError::Malformed { endpoint: endpoint(), detail };
        let url = reqwest::Url::parse(raw.trim())
            .map_err(|_| bad(format!("the instance_url '{}' is not a web address", one_line(raw))))?;
        let ok = match url.scheme() {
            "https" => true,
            "http" => self.loopback_login,
            _ => false,
        };
        if !ok || url.host_str().is_none() {
            return Err(bad(format!(
                "the instance_url names {}://{}, not an https:// server; Panopticon will not send the access \
                 token there",
                url.scheme(),
                url.host_str().unwrap_or("")
            )));
        }
        Ok(raw.trim().trim_end_matches('/').to_string())
    }
}

/// A JWT bearer assertion: `{"alg":"RS256"}` . claims . RS256 signature, each base64url.
pub fn assertion(
    key: &RsaKeyPair,
    client_id: &str,
    username: &str,
    audience: &str,
    now: i64,
) -> Result<String, CrmError> {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let claims = serde_json::json!({
        "iss": client_id,
        "sub": username,
        "aud": audience,
        "exp": now + ASSERTION_LIFETIME_SECS,
    });
    let signing_input = format!("{}.{}", b64.encode(br#"{"alg":"RS256"}"#), b64.encode(claims.to_string()));
    let mut sig = vec![0u8; key.public().modulus_len()];
    key.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), signing_input.as_bytes(), &mut sig).map_err(|_| {
        CrmError::NotConfigured { detail: "[salesforce] private_key_file: the key could not sign the sign-in".into() }
    })?;
    Ok(format!("{signing_input}.{}", b64.encode(sig)))
}

/// Reads the PEM private key for the JWT flow: PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1
/// (`BEGIN RSA PRIVATE KEY`). Every failure names `[salesforce] private_key_file`.
pub fn load_key(path: &std::path::Path) -> Result<RsaKeyPair, CrmError> {
    let bad = |why: String| CrmError::NotConfigured {
        detail: format!("[salesforce] private_key_file: {} {why}", path.display()),
    };
    let text = std::fs::read_to_string(path).map_err(|e| bad(format!("cannot be read ({e})")))?;
    parse_pem_key(&text).map_err(bad)
}

/// The key in a PEM text; the error says why not, in words (never the key).
pub fn parse_pem_key(text: &str) -> Result<RsaKeyPair, String> {
    let block = |label: &str| -> Option<Vec<u8>> {
        let begin = format!("-----BEGIN {label}-----");
        let end = format!("-----END {label}-----");
        let start = text.find(&begin)? + begin.len();
        let stop = start + text[start..].find(&end)?;
        let body: String = text[start..stop].chars().filter(|c| !c.is_whitespace()).collect();
        base64::engine::general_purpose::STANDARD.decode(body).ok()
    };
    if let Some(der) = block("PRIVATE KEY") {
        return RsaKeyPair::from_pkcs8(&der).map_err(|e| format!("is not an RSA private key ({e})"));
    }
    if let Some(der) = block("RSA PRIVATE KEY") {
        return RsaKeyPair::from_der(&der).map_err(|e| format!("is not a usable RSA private key ({e})"));
    }
    Err("holds no PEM RSA private key (expected -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)".into())
}

/// The host a redirect points at (never the whole URL: it may carry a query).
pub fn location_host(resp: &reqwest::Response) -> Option<String> {
    let loc = resp.headers().get(reqwest::header::LOCATION)?.to_str().ok()?;
    let url = reqwest::Url::parse(loc).ok()?;
    let host = url.host_str()?.to_string();
    Some(match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host,
    })
}
