//! Running unattended: `[ops] listen` serves `/healthz` (is the bot well, and if not, why) and
//! `/metrics` (Prometheus text), fed by one-line hooks in the bot.
//!
//! `health` holds the verdict and what it is made of (the gateway, the last good sync, the
//! supervised tasks); `metrics` the counters, histograms and gauges; `http` the server. This
//! module imports none of `bot`, `slash` or `kit`: they call into it, never the other way.

pub mod health;
mod http;
pub mod metrics;
pub mod tasks;

pub use health::GatewayWatch;
pub use http::{start, ListenError};
