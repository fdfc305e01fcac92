//! The `[ops] listen` server: `GET /healthz` (200 "ok", or 503 with one reason a line) and
//! `GET /metrics` (Prometheus text), plain HTTP/1.1 on the configured address. It is bound
//! before the bot connects, so a port already in use stops the start with the key to change,
//! and a health check made while the bot is still connecting is answered (503, not refused).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use panopticon::config::Config;
use panopticon::store::{self, Store};

use super::health::{self, LastSync};
use super::metrics;

/// `[ops] listen` could not be bound: a configuration problem (exit 2), named by its key.
#[derive(Debug)]
pub struct ListenError {
    addr: SocketAddr,
    why: std::io::Error,
}

impl std::fmt::Display for ListenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "config: [ops] listen: cannot listen on {} ({}). If another program (or another Panopticon) \
             has that port, pick a free one; remove the key to serve no health checks and metrics",
            self.addr, self.why
        )
    }
}

impl std::error::Error for ListenError {}

/// What the handlers read: the database (opened per request, read-only) and the age limit.
#[derive(Clone)]
struct Ops {
    db: PathBuf,
    max_age: Duration,
}

/// Binds `[ops] listen` and serves it in the background; does nothing when the key is unset.
pub async fn start(cfg: &Config) -> Result<(), ListenError> {
    let Some(addr) = cfg.ops.listen else { return Ok(()) };
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|why| ListenError { addr, why })?;
    let ops = Ops { db: cfg.storage_path.clone(), max_age: cfg.sync_max_age };
    let app = Router::new().route("/healthz", get(healthz)).route("/metrics", get(prometheus)).with_state(ops);
    tracing::info!(%addr, "serving /healthz and /metrics");
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(%addr, "the [ops] listen server stopped: {e}");
        }
    });
    Ok(())
}

async fn healthz(axum::extract::State(ops): axum::extract::State<Ops>) -> impl IntoResponse {
    let db = ops.db.clone();
    let last = tokio::task::spawn_blocking(move || {
        // The bot creates the database once connected; before that, nothing has synced.
        if !db.exists() {
            return LastSync::Never;
        }
        let read = Store::open_read_only(&db).and_then(|s| s.read(store::last_good_run));
        match read {
            Ok(Some(run)) => match chrono::DateTime::parse_from_rfc3339(&run.finished_at) {
                Ok(t) => LastSync::At(t.with_timezone(&chrono::Utc)),
                Err(e) => LastSync::Unreadable(format!("sync run {} has a bad time ({e})", run.id)),
            },
            Ok(None) => LastSync::Never,
            Err(e) => LastSync::Unreadable(e.to_string()),
        }
    })
    .await
    .unwrap_or_else(|e| LastSync::Unreadable(format!("the read stopped ({e})")));
    let live = health::live();
    let gateway = live.gateway();
    let dead = live.dead_tasks();
    let wrong = health::verdict(&health::Inputs {
        gateway: &gateway,
        last_good_sync: &last,
        dead_tasks: &dead,
        max_age: ops.max_age,
        now: chrono::Utc::now(),
    });
    let text = [(header::CONTENT_TYPE, "text/plain; charset=utf-8")];
    if wrong.is_empty() {
        (StatusCode::OK, text, "ok\n".to_string())
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, text, wrong.join("\n") + "\n")
    }
}

async fn prometheus(axum::extract::State(ops): axum::extract::State<Ops>) -> impl IntoResponse {
    let body = tokio::task::spawn_blocking(move || {
        let store = match Store::open_read_only(&ops.db) {
            Ok(store) => Some(store),
            Err(_) if !ops.db.exists() => None,
            Err(e) => {
                tracing::warn!("metrics: cannot open the database: {e}");
                None
            }
        };
        metrics::render(store.as_ref())
    })
    .await
    .unwrap_or_default();
    ([(header::CONTENT_TYPE, prometheus::TEXT_FORMAT)], body)
}
