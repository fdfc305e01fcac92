//! A Zoho-CRM-compatible server on 127.0.0.1 for the demo, the tests and the benchmarks.
//!
//! Its own crate so the engine ships no server. It speaks Zoho's wire format only (JSON
//! records, OAuth form posts, Zoho's time text), so it needs nothing of the engine; a client
//! points at it with `panopticon::config::ZohoConfig::local(&sandbox.url(), CREDENTIALS)`.
//!
//! It serves what Panopticon reads with Zoho's shapes and rules (see reference/zoho-api.md
//! §10): the OAuth token endpoint, `fields` required, 200 per page, 2,000 records by `page`
//! and then `page_token` (bound to the other parameters), 204 for nothing, 304 for nothing
//! modified, `converted`, `/deleted`, `__timeline` with paging, `/users` (with each user's role
//! and `Reporting_To`), `/settings/roles`, Events and `Appointments__s`, and the standard error
//! envelope. For the write-back (reference/zoho-api-more.md §9, §11; see `write`) it reads one
//! record, updates leads (`If-Unmodified-Since`, locks, validation rules, a workflow rule that
//! runs unless `trigger` excludes it), adds and lists notes, creates tasks, serves a lead's
//! activities, and checks the token's scopes on those endpoints. Faults can be switched on at will
//! (429, 5xx, 502 from a proxy, hangs, late replies to writes that landed, dropped connections, garbled or non-UTF-8 bodies, errors
//! sent with HTTP 200, redirects, lists that never end), and `before_request` edits the org
//! between two requests — positions are recomputed on every request, so a record edited between
//! two pages moves to the end of the Modified_Time order exactly as in Zoho. `growth` builds
//! an org past Zoho's 100,000-record listing cap the way a real one grows: batch by batch,
//! each saved after the previous sync.

mod fields;
pub mod generate;
pub mod growth;
mod listing;
mod names;
pub mod org;
mod render;
mod rng;
pub mod roles;
pub mod sales;
pub mod salesforce;
mod server;
mod write;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{middleware, Router};
use serde_json::json;
use tokio::sync::oneshot;

pub use generate::{generate, Spec};
pub use org::Org;
pub use sales::SalesSpec;

/// A fault to inject into matching requests.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// 429 TOO_MANY_REQUESTS, optionally with Retry-After (seconds).
    TooManyRequests { retry_after: Option<u64> },
    /// 500 INTERNAL_ERROR.
    ServerError,
    /// Answer only after this long (past the client's timeout, to test it); the request is
    /// handled after the wait.
    Slow(Duration),
    /// Handle the request at once (a write lands) and hold the reply this long: a write whose
    /// answer never reached a client with a shorter timeout.
    LateReply(Duration),
    /// Start a 200 reply and cut the connection mid-body.
    DropConnection,
    /// A 200 reply whose JSON is cut short.
    MalformedJson,
    /// Every access token issued so far stops working (401 INVALID_TOKEN), as at expiry.
    ExpireTokens,
    /// 502 Bad Gateway with an HTML body, as a proxy in front of Zoho answers.
    BadGateway,
    /// Zoho's error envelope sent with HTTP 200, as some Zoho endpoints do.
    ErrorWith200 { code: String, message: String },
    /// 307 Temporary Redirect to the same path and query on another server (`to` is its base
    /// URL, e.g. another sandbox's `url()`).
    RedirectTo(String),
    /// A list that never ends: `more_records` stays true, page after page.
    EndlessPages(Endless),
    /// 204 No Content, as Zoho answers a list with nothing in it.
    NoContent,
}

/// How an endless list misbehaves.
#[derive(Clone, Debug, PartialEq)]
pub enum Endless {
    /// A full page of made-up records and a new page token every time.
    FreshTokens,
    /// A full page of made-up records and always the same page token.
    SameToken,
    /// No records at all, yet more to come.
    EmptyPages,
}

/// A string value containing this is served with a raw 0xFF byte (not UTF-8) in its place:
/// how tests plant a record Zoho sends with broken encoding.
pub const INVALID_UTF8: &str = "{{0xFF}}";

/// An edit of the org, run once.
pub(crate) type OrgEdit = Box<dyn FnOnce(&mut Org) + Send>;

/// An edit of the org made while the sandbox is answering, just before a chosen request.
pub(crate) struct Hook {
    pub path_contains: String,
    pub skip: u32,
    pub edit: Option<OrgEdit>,
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
/// `[CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN]`, in the order `ZohoConfig::local` takes them.
pub const CREDENTIALS: [&str; 3] = [CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN];

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
        let app = router(shared.clone());
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

    /// Runs `edit` on the org just before the sandbox answers the request after the first
    /// `skip` ones whose path contains `path_part` — e.g. between page 1 and page 2 of a list,
    /// which is how tests prove a listing survives records that change while it is read.
    pub fn before_request(&self, path_part: &str, skip: u32, edit: impl FnOnce(&mut Org) + Send + 'static) {
        self.shared.hooks.lock().expect("hooks lock").push(Hook {
            path_contains: path_part.to_string(),
            skip,
            edit: Some(Box::new(edit)),
        });
    }

    /// Extra keys merged into every token reply (e.g. a hostile `expires_in`); the sandbox's
    /// own tokens still live `set_token_lifetime` seconds.
    pub fn set_token_reply_extra(&self, extra: serde_json::Map<String, serde_json::Value>) {
        self.shared.tokens.lock().expect("tokens lock").reply_extra = extra;
    }

    /// The scopes the refresh token was granted (space-separated, as Zoho's token reply says
    /// them). Default: `ZohoCRM.modules.ALL ZohoCRM.users.READ`, which covers every write.
    pub fn set_granted_scopes(&self, scopes: &str) {
        *self.shared.granted_scopes.lock().expect("scopes lock") = scopes.to_string();
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
}

/// Zoho's routes, behind the gate that injects faults and logs every request.
fn router(shared: Arc<server::Shared>) -> Router {
    Router::new()
        .route("/oauth/v2/token", post(server::token))
        .route("/crm/{version}/users", get(listing::users))
        .route("/crm/{version}/settings/fields", get(fields::fields))
        .route("/crm/{version}/settings/roles", get(roles::roles))
        .route("/crm/{version}/settings/roles/{id}", get(roles::role))
        .route("/crm/{version}/{module}", get(listing::list_records).put(write::update_many).post(write::insert))
        .route("/crm/{version}/{module}/deleted", get(listing::list_deleted))
        .route("/crm/{version}/{module}/{id}", get(write::read_one).put(write::update_one))
        .route("/crm/{version}/{module}/{id}/__timeline", get(listing::timeline))
        .route("/crm/{version}/{module}/{id}/Notes", get(write::notes::list).post(write::notes::create_for))
        .route("/crm/{version}/{module}/{id}/Activities_Chronological_View", get(write::tasks::activities))
        .route("/crm/{version}/{module}/{id}/Stage_History", get(sales::listing::stage_history))
        .fallback(|| async {
            server::envelope(
                StatusCode::NOT_FOUND,
                "INVALID_URL_PATTERN",
                "Please check if the URL trying to access is a correct one",
                json!({}),
            )
        })
        .layer(middleware::from_fn_with_state(shared.clone(), server::gate))
        .with_state(shared)
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
