//! A Zoho-CRM-compatible server on 127.0.0.1 for the demo and the tests.
//!
//! It serves what Panopticon reads with Zoho's shapes and rules (see reference/zoho-api.md
//! §10): the OAuth token endpoint, `fields` required, 200 per page, 2,000 records by `page`
//! and then `page_token` (bound to the other parameters), 204 for nothing, 304 for nothing
//! modified, `converted`, `/deleted`, `__timeline` with paging, `/users`, Events and
//! `Appointments__s`, and the standard error envelope. Faults can be switched on at will.

pub mod generate;
pub mod org;
mod server;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use secrecy::SecretString;
use tokio::sync::oneshot;

use crate::config::{DataCenter, ZohoConfig};
pub use generate::{generate, Spec};
pub use org::Org;

/// A fault to inject into matching requests.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// 429 TOO_MANY_REQUESTS, optionally with Retry-After (seconds).
    TooManyRequests { retry_after: Option<u64> },
    /// 500 INTERNAL_ERROR.
    ServerError,
    /// Answer only after this long (past the client's timeout, to test it).
    Slow(Duration),
    /// Start a 200 reply and cut the connection mid-body.
    DropConnection,
    /// A 200 reply whose JSON is cut short.
    MalformedJson,
    /// Every access token issued so far stops working (401 INVALID_TOKEN), as at expiry.
    ExpireTokens,
    /// 204 No Content, as Zoho answers a list with nothing in it.
    NoContent,
}

/// Which requests a fault hits, and how often.
#[derive(Clone, Debug)]
pub struct FaultRule {
    pub fault: Fault,
    /// Only requests whose path contains this; `None` = every CRM API request.
    pub path_contains: Option<String>,
    /// Let this many matching requests through first.
    pub skip: u32,
    /// Then hit this many (u32::MAX = for good).
    pub times: u32,
}

impl FaultRule {
    pub fn new(fault: Fault) -> FaultRule {
        FaultRule { fault, path_contains: None, skip: 0, times: 1 }
    }
    pub fn on(mut self, path_part: &str) -> FaultRule {
        self.path_contains = Some(path_part.to_string());
        self
    }
    pub fn after(mut self, n: u32) -> FaultRule {
        self.skip = n;
        self
    }
    pub fn times(mut self, n: u32) -> FaultRule {
        self.times = n;
        self
    }
    pub fn always(self) -> FaultRule {
        self.times(u32::MAX)
    }
}

/// One request the sandbox answered.
#[derive(Clone, Debug)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    pub query: String,
    pub status: u16,
}

/// The sandbox's OAuth client; any other credentials are refused as Zoho would.
pub const CLIENT_ID: &str = "1000.SANDBOXCLIENTID0000000000000";
pub const CLIENT_SECRET: &str = "sandbox-client-secret-0123456789abcdef";
pub const REFRESH_TOKEN: &str = "1000.sandboxrefreshtoken.0123456789abcdef0123456789abcdef";

pub struct Sandbox {
    addr: SocketAddr,
    shared: Arc<server::Shared>,
    shutdown: Option<oneshot::Sender<()>>,
}

impl Sandbox {
    /// Serves `org` on an ephemeral port of 127.0.0.1 until dropped.
    pub async fn start(org: Org) -> std::io::Result<Sandbox> {
        let shared = Arc::new(server::Shared::new(org));
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = oneshot::channel();
        let app = server::router(shared.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Sandbox { addr, shared, shutdown: Some(tx) })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Reads or edits the org (the truth the sync should reproduce).
    pub fn org<R>(&self, f: impl FnOnce(&mut Org) -> R) -> R {
        f(&mut self.shared.org.write().expect("org lock"))
    }

    pub fn inject(&self, rule: FaultRule) {
        self.shared.faults.lock().expect("faults lock").push(rule);
    }

    pub fn clear_faults(&self) {
        self.shared.faults.lock().expect("faults lock").clear();
    }

    /// Make the token endpoint answer `{"error": "invalid_code"}` (a revoked refresh token).
    pub fn reject_refresh_token(&self, reject: bool) {
        self.shared.tokens.lock().expect("tokens lock").reject_refresh = reject;
    }

    /// How long new access tokens live (Zoho: 3,600 s).
    pub fn set_token_lifetime(&self, secs: u64) {
        self.shared.tokens.lock().expect("tokens lock").lifetime_secs = secs;
    }

    /// Zoho allows 10 refreshes per refresh token in 10 minutes; tests that start many
    /// processes (each refreshes once) may allow more.
    pub fn set_refresh_limit(&self, per_10_minutes: usize) {
        self.shared.tokens.lock().expect("tokens lock").refresh_limit = per_10_minutes;
    }

    /// Access tokens issued so far.
    pub fn tokens_issued(&self) -> usize {
        self.shared.tokens.lock().expect("tokens lock").issued
    }

    /// The most requests the sandbox was ever handling at once.
    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Every access token issued so far (to prove none appears in logs or errors).
    pub fn issued_tokens(&self) -> Vec<String> {
        self.shared.tokens.lock().expect("tokens lock").all.clone()
    }

    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.log.lock().expect("log lock").clone()
    }

    pub fn clear_requests(&self) {
        self.shared.log.lock().expect("log lock").clear();
    }

    /// A client configuration pointing at this sandbox, with quick retries for tests.
    pub fn zoho_config(&self) -> ZohoConfig {
        ZohoConfig {
            data_center: DataCenter::Us,
            accounts_url: self.url(),
            api_domain: self.url(),
            api_version: "v7".into(),
            client_id: CLIENT_ID.into(),
            client_secret: Some(SecretString::from(CLIENT_SECRET)),
            refresh_token: Some(SecretString::from(REFRESH_TOKEN)),
            stage_field: "Lead_Status".into(),
            locator_field: "Owner".into(),
            concurrency: 5,
            timeout: Duration::from_secs(10),
            max_retries: 5,
            retry_base: Duration::from_millis(20),
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Used by the server: the shared state behind every handler.
pub(crate) type SharedOrg = RwLock<Org>;
pub(crate) type SharedLog = Mutex<Vec<LoggedRequest>>;
