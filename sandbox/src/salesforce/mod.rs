//! A Salesforce-compatible face over the same `Org` the Zoho sandbox serves, so one generated
//! org can be synced through either CRM and the answers compared.
//!
//! It speaks the wire contract of issue 17 (reference/salesforce-api.md §2–§8): the OAuth
//! token endpoint (refresh-token grant, JWT bearer grant verified with the throwaway key in
//! `sandbox/keys/jwt-test.pem`, revoke), `Bearer` tokens, `Sforce-Limit-Info` and the org's
//! clock in `Date` on every data reply, SOQL `query`/`queryAll` with snapshot cursors (varying
//! page sizes, single-use locators, idle expiry, at most 10 open), the replication resources
//! `/deleted/` and `/updated/`, `/sobjects/Lead/describe`, `/limits`, and Salesforce's JSON
//! error array. Faults (`SfFault`) and hooks (`before_request`) work as on the Zoho face.
//! Ids are 18-character Salesforce ids made from the org ids (`sf_id`), so both faces name
//! the same records.

mod auth;
mod gate;
pub mod ids;
mod query;
mod replication;
mod rows;
mod schema;
mod soql;
mod state;
mod write;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::{get, post};
use axum::{middleware, Router};
use tokio::sync::oneshot;

pub use auth::pem_der;
pub use ids::{org_id, org_id_of, sf_id};
pub use rows::{QUEUE_NAME, QUEUE_ORG_ID};

use crate::{Hook, LoggedRequest, Org};
use state::Shared;

/// The connected app's consumer key and secret, and the refresh token an admin obtained once.
pub const CLIENT_ID: &str = "3MVG9SANDBOX.ConsumerKey.0123456789abcdefPanopticon";
pub const CLIENT_SECRET: &str = "SANDBOXCONSUMERSECRET0123456789ABCDEF0123456789ABCDEF";
pub const REFRESH_TOKEN: &str = "5Aep861SANDBOX.refresh.token.0123456789abcdef0123456789";
/// `[CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN]`, in the order `SalesforceConfig::local` takes them.
pub const CREDENTIALS: [&str; 3] = [CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN];
/// The integration user the JWT bearer grant accepts as `sub`.
pub const JWT_USERNAME: &str = "integration@panopticon.sandbox";
/// The private key the JWT bearer grant's assertions must be signed with: a throwaway 2048-bit
/// RSA key (PKCS#8) generated with openssl for tests and the demo only — it guards nothing.
pub const JWT_KEY_PEM: &str = include_str!("../../keys/jwt-test.pem");

/// A fault to inject into matching requests.
#[derive(Clone, Debug, PartialEq)]
pub enum SfFault {
    /// Every access token issued so far stops working (401 INVALID_SESSION_ID), as at expiry.
    ExpireTokens,
    /// 401 "This session is not valid for use with the REST API": a session policy problem
    /// that a refresh does not cure.
    SessionNotForRest,
    /// 403 REQUEST_LIMIT_EXCEEDED "TotalRequests Limit exceeded." (the daily allowance).
    TotalRequestsLimit,
    /// 403 REQUEST_LIMIT_EXCEEDED "ConcurrentRequests …" (worth retrying in seconds).
    ConcurrentRequestsLimit,
    /// 400 INVALID_QUERY_LOCATOR.
    InvalidQueryLocator,
    /// 400 QUERY_TIMEOUT.
    QueryTimeout,
    /// 503 SERVER_UNAVAILABLE (Salesforce's JSON error array).
    ServerUnavailable,
    /// 503 with an HTML body, as a CDN or maintenance page answers.
    UnavailableHtml,
    /// 500 UNKNOWN_EXCEPTION.
    UnknownException,
    /// Answer only after this long (past the client's timeout, to test it).
    Slow(Duration),
    /// Start a 200 reply and cut the connection mid-body.
    DropConnection,
    /// A 200 reply whose JSON is cut short.
    MalformedJson,
    /// 307 to the same path and query on another server (`to` is its base URL).
    RedirectTo(String),
}

/// Which requests a fault hits, and how often.
#[derive(Clone, Debug)]
pub struct SfFaultRule {
    pub fault: SfFault,
    /// Only requests whose path contains this; `None` = every data request (`/services/data/v…`).
    pub path_contains: Option<String>,
    /// Let this many matching requests through first.
    pub skip: u32,
    /// Then hit this many (u32::MAX = for good).
    pub times: u32,
}

impl SfFaultRule {
    pub fn new(fault: SfFault) -> SfFaultRule {
        SfFaultRule { fault, path_contains: None, skip: 0, times: 1 }
    }
    pub fn on(mut self, path_part: &str) -> SfFaultRule {
        self.path_contains = Some(path_part.to_string());
        self
    }
    pub fn after(mut self, n: u32) -> SfFaultRule {
        self.skip = n;
        self
    }
    pub fn times(mut self, n: u32) -> SfFaultRule {
        self.times = n;
        self
    }
    pub fn always(self) -> SfFaultRule {
        self.times(u32::MAX)
    }
}

pub struct SalesforceSandbox {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
}

impl SalesforceSandbox {
    /// Serves `org` on an ephemeral port of 127.0.0.1 until dropped.
    pub async fn start(org: Org) -> std::io::Result<SalesforceSandbox> {
        let shared = Arc::new(Shared::new(org));
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = oneshot::channel();
        let app = router(shared.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(SalesforceSandbox { addr, shared, shutdown: Some(tx) })
    }

    /// The login host and the `instance_url` at once.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Reads or edits the org (the truth the sync should reproduce).
    pub fn org<R>(&self, f: impl FnOnce(&mut Org) -> R) -> R {
        f(&mut self.shared.org.write().expect("org lock"))
    }

    pub fn inject(&self, rule: SfFaultRule) {
        self.shared.faults.lock().expect("faults lock").push(rule);
    }

    pub fn clear_faults(&self) {
        self.shared.faults.lock().expect("faults lock").clear();
    }

    /// Runs `edit` on the org just before the sandbox answers the request after the first
    /// `skip` ones whose path and query contain `path_part` (e.g. between two pages of a query).
    pub fn before_request(&self, path_part: &str, skip: u32, edit: impl FnOnce(&mut Org) + Send + 'static) {
        self.shared.hooks.lock().expect("hooks lock").push(Hook {
            path_contains: path_part.to_string(),
            skip,
            edit: Some(Box::new(edit)),
        });
    }

    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.log.lock().expect("log lock").clone()
    }

    pub fn clear_requests(&self) {
        self.shared.log.lock().expect("log lock").clear();
    }

    /// Every access token issued so far (to prove none appears in logs or errors).
    pub fn issued_tokens(&self) -> Vec<String> {
        self.shared.tokens().all.clone()
    }

    pub fn tokens_issued(&self) -> usize {
        self.shared.tokens().issued
    }

    /// How long new access tokens live (Salesforce's default session: 2 hours).
    pub fn set_token_lifetime(&self, secs: u64) {
        self.shared.tokens().lifetime_secs = secs;
    }

    /// Refuse the refresh token (`invalid_grant`), as after a revoke; `false` accepts it again.
    pub fn reject_refresh_token(&self, reject: bool) {
        self.shared.tokens().reject_refresh = reject;
    }

    /// Every access token issued so far stops working now.
    pub fn expire_tokens(&self) {
        self.shared.tokens().valid.clear();
    }

    /// Field history tracking on Lead.Status: while off, LeadHistory has no rows (default on).
    pub fn set_history_tracking(&self, on: bool) {
        self.shared.settings().history_tracking = on;
    }

    /// The daily API allowance (`Sforce-Limit-Info`'s MAX; default 15,000).
    pub fn set_api_limit(&self, max: u64) {
        self.shared.settings().api_max = max;
    }

    /// Data requests counted so far.
    pub fn api_usage(&self) -> u64 {
        self.shared.api_used.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// How many days `/deleted/` reaches back (Salesforce: 15).
    pub fn set_delete_window(&self, days: i64) {
        self.shared.settings().delete_window_days = days;
    }

    /// Empties the Recycle Bin now (org time): `/deleted/` forgets every deletion so far and
    /// `earliestDateAvailable` moves up to now.
    pub fn purge_deleted(&self) {
        let now = self.shared.org.read().expect("org lock").now;
        self.shared.settings().purged_at = Some(now);
    }

    /// How long an unused query cursor lives (default 15 minutes).
    pub fn set_cursor_idle(&self, idle: Duration) {
        self.shared.settings().cursor_idle = idle;
    }

    /// Refuse UserRole queries (403 INSUFFICIENT_ACCESS), as for a user without "View Roles".
    pub fn refuse_roles(&self, refuse: bool) {
        self.shared.settings().refuse_roles = refuse;
    }

    /// The most records a query page holds (default 2,000); served pages vary below it, so a
    /// small org can be made to page.
    pub fn set_max_page(&self, max: usize) {
        self.shared.settings().max_page = max.max(1);
    }
}

impl Drop for SalesforceSandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Salesforce's routes behind the gate.
fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/services/oauth2/token", post(auth::token))
        .route("/services/oauth2/revoke", post(auth::revoke))
        .route("/services/data", get(gate::versions))
        .route("/services/data/", get(gate::versions))
        .route("/services/data/{v}/query", get(query::query))
        .route("/services/data/{v}/query/", get(query::query))
        .route("/services/data/{v}/queryAll", get(query::query))
        .route("/services/data/{v}/queryAll/", get(query::query))
        .route("/services/data/{v}/query/{locator}", get(query::more))
        .route("/services/data/{v}/queryAll/{locator}", get(query::more))
        .route("/services/data/{v}/sobjects/{t}/deleted", get(replication::deleted))
        .route("/services/data/{v}/sobjects/{t}/deleted/", get(replication::deleted))
        .route("/services/data/{v}/sobjects/{t}/updated", get(replication::updated))
        .route("/services/data/{v}/sobjects/{t}/updated/", get(replication::updated))
        .route("/services/data/{v}/sobjects/{t}/describe", get(replication::describe))
        .route("/services/data/{v}/sobjects/{t}/describe/", get(replication::describe))
        .route("/services/data/{v}/limits", get(replication::limits))
        .route("/services/data/{v}/limits/", get(replication::limits))
        .merge(write::routes())
        .fallback(|| async { gate::not_found() })
        .layer(middleware::from_fn_with_state(shared.clone(), gate::gate))
        .with_state(shared)
}
