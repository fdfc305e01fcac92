//! `[salesforce]`: the second CRM (issue 17), read when `[crm] kind = "salesforce"`.
//!
//! Two ways to sign in, both server-to-server: the refresh-token flow (an admin authorizes the
//! Connected App once with the scopes `api refresh_token`; the bot keeps the refresh token in
//! `SALESFORCE_REFRESH_TOKEN`, the consumer secret in `SALESFORCE_CLIENT_SECRET`), or the JWT
//! bearer flow (`auth = "jwt"`: a named integration user, the app's certificate uploaded, the
//! private key in a file that only the bot can read). Secrets never live in the file.

use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

use super::values::{is_loopback, url_key};
use super::{bad, ConfigError, Env};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawSalesforce {
    /// `login`, `test`, or a URL (`https://MyDomain.my.salesforce.com`).
    pub login_url: String,
    pub client_id: Option<String>,
    pub api_version: String,
    /// `refresh_token` (default) or `jwt`.
    pub auth: String,
    /// JWT only: the integration user's username (the token's `sub`).
    pub username: Option<String>,
    /// JWT only: the PEM private key matching the certificate uploaded to the app.
    pub private_key_file: Option<PathBuf>,
    /// JWT only: the token's `aud`; unset, it follows `login_url` (test hosts → test).
    pub audience: Option<String>,
    pub concurrency: usize,
    pub timeout_secs: f64,
    pub max_retries: u32,
    pub retry_base_ms: u64,
    pub fields: RawSalesforceFields,
}

impl Default for RawSalesforce {
    fn default() -> Self {
        RawSalesforce {
            login_url: "login".into(),
            client_id: None,
            api_version: "62.0".into(),
            auth: "refresh_token".into(),
            username: None,
            private_key_file: None,
            audience: None,
            concurrency: 4,
            timeout_secs: 30.0,
            max_retries: 5,
            retry_base_ms: 500,
            fields: RawSalesforceFields::default(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawSalesforceFields {
    pub stage: String,
    pub locator: String,
    /// An Opportunity field naming the deal's pipeline (Salesforce has none of its own).
    pub pipeline: Option<String>,
}

impl Default for RawSalesforceFields {
    fn default() -> Self {
        RawSalesforceFields { stage: "Status".into(), locator: "OwnerId".into(), pipeline: None }
    }
}

/// How the client signs in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SalesforceAuth {
    /// `grant_type=refresh_token` with `SALESFORCE_REFRESH_TOKEN` and `SALESFORCE_CLIENT_SECRET`.
    RefreshToken,
    /// `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`, an RS256 assertion signed with
    /// the key in `key_file`, for `username`, addressed to `audience`.
    Jwt { username: String, key_file: PathBuf, audience: String },
}

#[derive(Clone, Debug)]
pub struct SalesforceConfig {
    /// The sign-in host's base URL, no trailing slash (`https://login.salesforce.com`); the
    /// token endpoint is `{login_url}/services/oauth2/token`. Data calls go to the
    /// `instance_url` the token reply names.
    pub login_url: String,
    /// The Connected App's consumer key.
    pub client_id: String,
    /// Without the `v`: `62.0`; paths are `/services/data/v62.0/…`.
    pub api_version: String,
    pub auth: SalesforceAuth,
    pub client_secret: Option<SecretString>,
    pub refresh_token: Option<SecretString>,
    /// The lead's stage field (`Status`) and the field naming who works it (`OwnerId`).
    pub stage_field: String,
    pub locator_field: String,
    /// The Opportunity field holding a deal's pipeline (`Pipeline__c`, say); `None`: deals have
    /// no pipeline, as in Salesforce itself.
    pub pipeline_field: Option<String>,
    pub concurrency: usize,
    pub timeout: Duration,
    pub max_retries: u32,
    pub retry_base: Duration,
}

pub const SALESFORCE_REFRESH_TOKEN: &str = "SALESFORCE_REFRESH_TOKEN";
pub const SALESFORCE_CLIENT_SECRET: &str = "SALESFORCE_CLIENT_SECRET";

impl SalesforceConfig {
    /// What the refresh-token flow needs: `(client_secret, refresh_token)`. The JWT flow needs
    /// neither (its key file is read when the client is built).
    pub fn secrets(&self) -> Result<Option<(SecretString, SecretString)>, ConfigError> {
        if !matches!(self.auth, SalesforceAuth::RefreshToken) {
            return Ok(None);
        }
        let secret = self.client_secret.clone().ok_or_else(|| {
            ConfigError(format!(
                "{SALESFORCE_CLIENT_SECRET} is not set: copy the Connected App's Consumer Secret \
                 (Setup → App Manager → the app → View → Manage Consumer Details)"
            ))
        })?;
        let refresh = self.refresh_token.clone().ok_or_else(|| {
            ConfigError(format!(
                "{SALESFORCE_REFRESH_TOKEN} is not set: authorize the Connected App once with the scopes \
                 `api refresh_token` and keep the refresh token it returns (see README, Salesforce)"
            ))
        })?;
        Ok(Some((secret, refresh)))
    }

    /// A client configuration for a Salesforce-compatible server on this machine (the sandbox):
    /// `url` serves both the token endpoint and the API (its token reply names it as the
    /// `instance_url`). Retries are quick, so fault tests do not wait out production backoffs.
    pub fn local(url: &str, [client_id, client_secret, refresh_token]: [&str; 3]) -> SalesforceConfig {
        SalesforceConfig {
            login_url: url.trim_end_matches('/').to_string(),
            client_id: client_id.into(),
            api_version: "62.0".into(),
            auth: SalesforceAuth::RefreshToken,
            client_secret: Some(SecretString::from(client_secret)),
            refresh_token: Some(SecretString::from(refresh_token)),
            stage_field: "Status".into(),
            locator_field: "OwnerId".into(),
            pipeline_field: None,
            concurrency: 4,
            timeout: Duration::from_secs(10),
            max_retries: 5,
            retry_base: Duration::from_millis(20),
        }
    }

    /// The `aud` a JWT assertion for `login_url` carries by default: Salesforce wants
    /// `https://test.salesforce.com` for sandboxes, `https://login.salesforce.com` for
    /// production and My Domain hosts, and a server on this machine is its own audience.
    pub fn default_audience(login_url: &str) -> String {
        let host = url::Url::parse(login_url).ok().and_then(|u| u.host_str().map(str::to_ascii_lowercase));
        match host.as_deref() {
            Some(h) if h == "test.salesforce.com" || h.ends_with(".sandbox.my.salesforce.com") => {
                "https://test.salesforce.com".into()
            }
            Some(h) if h.ends_with("salesforce.com") => "https://login.salesforce.com".into(),
            _ => login_url.to_string(),
        }
    }
}

pub(super) fn salesforce(s: RawSalesforce, env: Env) -> Result<SalesforceConfig, ConfigError> {
    let login_url = match s.login_url.trim() {
        "login" => "https://login.salesforce.com".to_string(),
        "test" => "https://test.salesforce.com".to_string(),
        other => {
            let url = url_key("[salesforce] login_url", other.to_string())?;
            if url.starts_with("http://") && !is_loopback(&url) {
                return Err(bad(
                    "[salesforce] login_url",
                    format!("'{url}' must use https:// (plain http is only for a sandbox on this machine)"),
                ));
            }
            url
        }
    };
    let client_id = s.client_id.filter(|c| !c.trim().is_empty()).map(|c| c.trim().to_string()).ok_or_else(|| {
        bad(
            "[salesforce] client_id",
            "missing: copy the Connected App's Consumer Key (Setup → App Manager → the app → View)",
        )
    })?;
    let api_version = s.api_version.trim().to_string();
    let version_ok = api_version
        .split_once('.')
        .is_some_and(|(major, minor)| minor == "0" && major.parse::<u32>().is_ok_and(|m| (31..=99).contains(&m)));
    if !version_ok {
        return Err(bad(
            "[salesforce] api_version",
            format!("'{api_version}' is not an API version like \"62.0\" (31.0 or later, without the v)"),
        ));
    }
    let auth = match s.auth.as_str() {
        "refresh_token" => {
            if s.username.is_some() || s.private_key_file.is_some() {
                return Err(bad(
                    "[salesforce] auth",
                    "username and private_key_file are for auth = \"jwt\"; remove them or set auth = \"jwt\"",
                ));
            }
            SalesforceAuth::RefreshToken
        }
        "jwt" => {
            let username = s.username.filter(|u| !u.trim().is_empty()).ok_or_else(|| {
                bad("[salesforce] username", "required when auth = \"jwt\": the integration user's username")
            })?;
            let key_file = s.private_key_file.ok_or_else(|| {
                bad(
                    "[salesforce] private_key_file",
                    "required when auth = \"jwt\": the PEM private key of the certificate uploaded to the app",
                )
            })?;
            let audience = match s.audience {
                Some(a) => url_key("[salesforce] audience", a)?,
                None => SalesforceConfig::default_audience(&login_url),
            };
            SalesforceAuth::Jwt { username: username.trim().to_string(), key_file, audience }
        }
        other => return Err(bad("[salesforce] auth", format!("'{other}' is not a sign-in (refresh_token or jwt)"))),
    };
    let secret = |var: &str| -> Option<SecretString> {
        env(var).filter(|v| !v.trim().is_empty()).map(|v| SecretString::from(v.trim().to_string()))
    };
    if !(1..=10).contains(&s.concurrency) {
        return Err(bad(
            "[salesforce] concurrency",
            format!("{} is out of range (1–10: a user may hold 10 query cursors at once)", s.concurrency),
        ));
    }
    if s.max_retries > 10 {
        return Err(bad("[salesforce] max_retries", format!("{} is out of range (0–10)", s.max_retries)));
    }
    if !(1..=60_000).contains(&s.retry_base_ms) {
        return Err(bad("[salesforce] retry_base_ms", format!("{} is out of range (1–60000)", s.retry_base_ms)));
    }
    if s.timeout_secs.is_nan() || s.timeout_secs <= 0.0 || s.timeout_secs > 600.0 {
        return Err(bad("[salesforce] timeout_secs", format!("{} is out of range (0–600)", s.timeout_secs)));
    }
    let pipeline = s.fields.pipeline.clone().unwrap_or_else(|| "Pipeline__c".into());
    for (key, v) in [
        ("[salesforce.fields] stage", &s.fields.stage),
        ("[salesforce.fields] locator", &s.fields.locator),
        ("[salesforce.fields] pipeline", &pipeline),
    ] {
        if v.is_empty() || !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(bad(key, format!("'{v}' is not a Salesforce field API name (letters, digits, _)")));
        }
    }
    Ok(SalesforceConfig {
        login_url,
        client_id,
        api_version,
        auth,
        client_secret: secret(SALESFORCE_CLIENT_SECRET),
        refresh_token: secret(SALESFORCE_REFRESH_TOKEN),
        stage_field: s.fields.stage,
        locator_field: s.fields.locator,
        pipeline_field: s.fields.pipeline,
        concurrency: s.concurrency,
        timeout: Duration::from_secs_f64(s.timeout_secs),
        max_retries: s.max_retries,
        retry_base: Duration::from_millis(s.retry_base_ms),
    })
}

#[cfg(test)]
mod tests {
    use crate::config::{Config, CrmKind, SalesforceAuth};

    fn load(text: &str) -> Result<Config, String> {
        Config::from_toml(text, &|v| (v == "SALESFORCE_CLIENT_SECRET").then(|| "s3cret".into())).map_err(|e| e.0)
    }

    #[test]
    fn a_salesforce_config_needs_no_zoho_table() {
        let c = load("[crm]\nkind = \"salesforce\"\n[salesforce]\nclient_id = \"3MVG9abc\"\n").unwrap();
        assert_eq!(c.crm, CrmKind::Salesforce);
        let sf = c.salesforce.as_ref().unwrap();
        assert_eq!(sf.login_url, "https://login.salesforce.com");
        assert_eq!((sf.stage_field.as_str(), sf.locator_field.as_str()), ("Status", "OwnerId"));
        assert_eq!(sf.api_version, "62.0");
        // The secret came from the environment; the refresh token did not, and that is named.
        let e = sf.secrets().unwrap_err().0;
        assert!(e.contains("SALESFORCE_REFRESH_TOKEN"), "{e}");
    }

    #[test]
    fn jwt_needs_a_user_and_a_key_and_follows_the_host_for_its_audience() {
        let e = load("[crm]\nkind = \"salesforce\"\n[salesforce]\nclient_id = \"x\"\nauth = \"jwt\"\n").unwrap_err();
        assert!(e.contains("[salesforce] username"), "{e}");
        let c = load(
            "[crm]\nkind = \"salesforce\"\n[salesforce]\nclient_id = \"x\"\nauth = \"jwt\"\nlogin_url = \"test\"\n\
             username = \"bot@acme.com\"\nprivate_key_file = \"/etc/sf.key\"\n",
        )
        .unwrap();
        let SalesforceAuth::Jwt { audience, username, .. } = &c.salesforce.as_ref().unwrap().auth else {
            panic!("not jwt")
        };
        assert_eq!((audience.as_str(), username.as_str()), ("https://test.salesforce.com", "bot@acme.com"));
        assert!(c.salesforce.as_ref().unwrap().secrets().unwrap().is_none());
    }

    #[test]
    fn bad_values_name_their_key() {
        for (extra, key) in [
            ("api_version = \"v62.0\"", "[salesforce] api_version"),
            ("login_url = \"http://login.salesforce.com\"", "[salesforce] login_url"),
            ("auth = \"password\"", "[salesforce] auth"),
            ("concurrency = 30", "[salesforce] concurrency"),
            ("[salesforce.fields]\nstage = \"Status; DROP\"", "[salesforce.fields] stage"),
        ] {
            let e =
                load(&format!("[crm]\nkind = \"salesforce\"\n[salesforce]\nclient_id = \"x\"\n{extra}\n")).unwrap_err();
            assert!(e.contains(key), "{extra}: {e}");
        }
        let e = load("[crm]\nkind = \"salesforce\"\n").unwrap_err();
        assert!(e.contains("[salesforce] client_id"), "{e}");
        let e = load("[crm]\nkind = \"hubspot\"\n").unwrap_err();
        assert!(e.contains("\"salesforce\""), "{e}");
        // Zoho's own appointment module does not exist in Salesforce.
        let e = load("[crm]\nkind = \"salesforce\"\n[salesforce]\nclient_id = \"x\"\n[appointments]\nsource = \"appointments\"\n")
            .unwrap_err();
        assert!(e.contains("[appointments] source"), "{e}");
    }
}
