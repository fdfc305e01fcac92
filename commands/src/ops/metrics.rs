//! What `/metrics` tells Prometheus, and the one-line hooks the bot calls to feed it.
//!
//! Two kinds of numbers. Events are counted as they happen, by hooks where they happen: a
//! command finishing (`command_started` / `command_finished`, from poise's pre- and
//! post-command hooks and the error handler), an interaction acknowledged, a sync ending, an
//! error. State is read from the database at each scrape (`render`), so it is right whoever
//! changed it — the bot, a `panopticon sync` from cron, another instance: the last sync's time,
//! result and length, rows per table, the digest's days. Every name starts `panopticon_` and
//! carries its unit; labels are bounded sets (command, endpoint, table and error-kind names,
//! never user input or ids).
//!
//! The registry is one per process, like the bot it describes: hooks then need no handle
//! passed through every layer, and in a process that serves nothing (the CLI) they only count.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use panopticon::store::{self, Connection, Store};
use panopticon::sync::{SyncError, SyncReport};
use prometheus::{
    Encoder, Gauge, Histogram, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

/// The tables whose row counts are published (fixed names: no label comes from the data).
/// Seconds: an acknowledgement must come within Discord's 3 s; a view takes up to a few.
const FAST_BUCKETS: &[f64] = &[0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0];
/// Seconds: a sync takes from a second (nothing changed) to many minutes (a first full one).
const SYNC_BUCKETS: &[f64] = &[1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0];

struct Metrics {
    registry: Registry,
    commands: IntCounterVec,
    command_seconds: HistogramVec,
    ack_seconds: HistogramVec,
    syncs: IntCounterVec,
    sync_seconds: Histogram,
    api_calls: IntCounterVec,
    errors: IntCounterVec,
    last_sync_time: Gauge,
    last_sync_ok: IntGauge,
    last_sync_seconds: Gauge,
    last_good_sync_time: Gauge,
    rows: IntGaugeVec,
    digest_sent_time: Gauge,
    digest_unsent_claims: IntGauge,
    /// When each command in flight started, by interaction id (removed when it finishes).
    started: Mutex<HashMap<u64, Instant>>,
}

impl Metrics {
    fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new_custom(Some("panopticon".into()), None)?;
        let r = |c: Box<dyn prometheus::core::Collector>| registry.register(c);
        let commands = IntCounterVec::new(
            Opts::new("commands_total", "Slash commands finished, by command and outcome."),
            &["command", "outcome"],
        )?;
        r(Box::new(commands.clone()))?;
        let command_seconds = HistogramVec::new(
            HistogramOpts::new("command_duration_seconds", "From a command's start to its answer.")
                .buckets(FAST_BUCKETS.to_vec()),
            &["command"],
        )?;
        r(Box::new(command_seconds.clone()))?;
        let ack_seconds = HistogramVec::new(
            HistogramOpts::new(
                "acknowledgement_latency_seconds",
                "From an interaction's arrival to its acknowledgement (Discord allows 3 s).",
            )
            .buckets(FAST_BUCKETS.to_vec()),
            &["kind"],
        )?;
        r(Box::new(ack_seconds.clone()))?;
        let syncs = IntCounterVec::new(Opts::new("syncs_total", "Syncs run by the bot, by result."), &["result"])?;
        r(Box::new(syncs.clone()))?;
        let sync_seconds = Histogram::with_opts(
            HistogramOpts::new("sync_duration_seconds", "How long the bot's successful syncs took.")
                .buckets(SYNC_BUCKETS.to_vec()),
        )?;
        r(Box::new(sync_seconds.clone()))?;
        let api_calls = IntCounterVec::new(
            Opts::new("crm_api_calls_total", "CRM API calls made by the bot's syncs, by endpoint."),
            &["endpoint"],
        )?;
        r(Box::new(api_calls.clone()))?;
        let errors = IntCounterVec::new(Opts::new("errors_total", "Errors, by kind."), &["kind"])?;
        r(Box::new(errors.clone()))?;
        let gauge = |name: &str, help: &str| -> Result<Gauge, prometheus::Error> {
            let g = Gauge::new(name, help)?;
            registry.register(Box::new(g.clone()))?;
            Ok(g)
        };
        let last_sync_time =
            gauge("last_sync_timestamp_seconds", "When the last sync (any instance, any result) finished, Unix time.")?;
        let last_sync_seconds = gauge("last_sync_duration_seconds", "How long the last sync took.")?;
        let last_good_sync_time =
            gauge("last_good_sync_timestamp_seconds", "When the last successful sync finished, Unix time.")?;
        let digest_sent_time =
            gauge("digest_last_sent_timestamp_seconds", "When the last digest was posted, Unix time.")?;
        let last_sync_ok = IntGauge::new("last_sync_success", "1 if the last sync succeeded, 0 if it failed.")?;
        r(Box::new(last_sync_ok.clone()))?;
        let digest_unsent_claims = IntGauge::new(
            "digest_unsent_claims",
            "Digest days claimed but never marked posted (a sender that stopped midway).",
        )?;
        r(Box::new(digest_unsent_claims.clone()))?;
        let rows = IntGaugeVec::new(Opts::new("rows", "Rows per table in the database."), &["table"])?;
        r(Box::new(rows.clone()))?;
        Ok(Metrics {
            registry,
            commands,
            command_seconds,
            ack_seconds,
            syncs,
            sync_seconds,
            api_calls,
            errors,
            last_sync_time,
            last_sync_ok,
            last_sync_seconds,
            last_good_sync_time,
            rows,
            digest_sent_time,
            digest_unsent_claims,
            started: Mutex::new(HashMap::new()),
        })
    }
}

// The names are constants: a clash or a bad name is a programming error, which the tests meet
// on their first scrape.
static METRICS: LazyLock<Metrics> = LazyLock::new(|| Metrics::new().expect("metric definitions are valid"));

/// A command that never finished (its task was dropped) is forgotten after this long.
const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);

/// Poise's pre-command hook: interaction `id` has passed the checks and starts now.
pub fn command_started(id: u64) {
    let now = Instant::now();
    let mut started = METRICS.started.lock().unwrap_or_else(|p| p.into_inner());
    started.retain(|_, t| now.duration_since(*t) < FORGET_AFTER);
    started.insert(id, now);
}

/// A command was acknowledged (deferred): how long after its start.
pub fn command_acknowledged(id: u64) {
    let since = METRICS.started.lock().unwrap_or_else(|p| p.into_inner()).get(&id).map(Instant::elapsed);
    if let Some(elapsed) = since {
        METRICS.ack_seconds.with_label_values(&["command"]).observe(elapsed.as_secs_f64());
    }
}

/// A click (button or select) was acknowledged `elapsed` after it arrived.
pub fn click_acknowledged(elapsed: Duration) {
    METRICS.ack_seconds.with_label_values(&["click"]).observe(elapsed.as_secs_f64());
}

/// Command `name` (a registered command's name) finished with `outcome` ("ok", "failed", …).
pub fn command_finished(id: u64, name: &str, outcome: &str) {
    METRICS.commands.with_label_values(&[name, outcome]).inc();
    let start = METRICS.started.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
    if let Some(start) = start {
        METRICS.command_seconds.with_label_values(&[name]).observe(start.elapsed().as_secs_f64());
    }
}

/// One more error of `kind` (a fixed word such as "click_failed").
pub fn error(kind: &str) {
    METRICS.errors.with_label_values(&[kind]).inc();
}

/// The bot's error handler: the command's outcome and the error's kind. Generic over the
/// bot's data so this module needs nothing of `kit`.
pub fn framework_error<U>(failure: &poise::FrameworkError<'_, U, Box<dyn std::error::Error + Send + Sync>>) {
    use poise::FrameworkError as E;
    let (ctx, outcome) = match failure {
        E::Command { error, ctx, .. } if error.downcast_ref::<panopticon::views::input::InputError>().is_some() => {
            (Some(ctx), "bad_input")
        }
        E::Command { ctx, .. } => (Some(ctx), "failed"),
        E::CommandCheckFailed { ctx, .. } => (Some(ctx), "refused"),
        E::ArgumentParse { ctx, .. } => (Some(ctx), "bad_argument"),
        E::CommandPanic { ctx, .. } => (Some(ctx), "panicked"),
        _ => (None, "framework"),
    };
    match ctx {
        Some(ctx) => {
            command_finished(ctx.id(), &ctx.command().name, outcome);
            error(&format!("command_{outcome}"));
        }
        None => error(outcome),
    }
}

/// A sync run by the bot ended: its result, length and API calls per endpoint.
pub fn sync_finished(result: &Result<SyncReport, SyncError>) {
    match result {
        Ok(report) => {
            METRICS.syncs.with_label_values(&["ok"]).inc();
            METRICS.sync_seconds.observe(report.duration_ms as f64 / 1000.0);
            for (endpoint, n) in &report.calls {
                METRICS.api_calls.with_label_values(&[endpoint.as_str()]).inc_by(*n);
            }
        }
        Err(e) => {
            METRICS.syncs.with_label_values(&["failed"]).inc();
            error(match e {
                SyncError::Crm(_) => "sync_crm",
                SyncError::Store(_) => "sync_store",
                SyncError::Task(_) => "sync_task",
                SyncError::MassDelete { .. } => "sync_mass_delete",
                SyncError::Interrupted(_) => "sync_interrupted",
            });
        }
    }
}

/// Everything, in Prometheus' text format, after reading the state from `store` (`None`: the
/// database could not be opened; its gauges keep their last values and an error is counted).
pub fn render(store: Option<&Store>) -> String {
    if let Some(store) = store {
        if let Err(e) = store.read(read_state) {
            tracing::warn!("metrics: could not read the database: {e}");
            error("metrics_database");
        }
    }
    let mut out = Vec::new();
    if let Err(e) = TextEncoder::new().encode(&METRICS.registry.gather(), &mut out) {
        tracing::warn!("metrics: could not encode: {e}");
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn unix(text: &str) -> Option<f64> {
    let t = DateTime::parse_from_rfc3339(text).ok()?.with_timezone(&Utc);
    Some(t.timestamp_millis() as f64 / 1000.0)
}

/// The gauges read from the database at each scrape.
fn read_state(c: &Connection) -> Result<(), store::StoreError> {
    let m = &*METRICS;
    if let Some(run) = store::last_run(c)? {
        m.last_sync_time.set(unix(&run.finished_at).unwrap_or(0.0));
        m.last_sync_ok.set(i64::from(run.ok));
        m.last_sync_seconds.set(run.duration_ms as f64 / 1000.0);
    }
    if let Some(run) = store::last_good_run(c)? {
        m.last_good_sync_time.set(unix(&run.finished_at).unwrap_or(0.0));
    }
    for (table, n) in store::row_counts(c)? {
        m.rows.with_label_values(&[table]).set(n);
    }
    let (sent, unsent) = store::digest_state(c)?;
    if let Some(t) = sent.as_deref().and_then(unix) {
        m.digest_sent_time.set(t);
    }
    m.digest_unsent_claims.set(unsent);
    Ok(())
}
