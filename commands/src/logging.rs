//! Where log lines go and how they look: stderr, readable text (coloured only on a terminal) or
//! one JSON object per line (`[ops] log_format = "json"`, for log shippers) carrying the current
//! span's fields (the command and interaction id). `RUST_LOG` overrides the level. Secrets are
//! kept out by their types (`SecretString` prints `[REDACTED]`), not here.

use panopticon::config::LogFormat;

/// What the CLI logs unless `RUST_LOG` says otherwise: warnings only, since a person at a
/// terminal wants the progress bar and the summary.
pub const CLI: &str = "warn";
/// What the bot logs: a line per command and per sync, from Panopticon; warnings from the rest.
pub const BOT: &str = "warn,panopticon=info";

/// Installs the global subscriber (once; a second call changes nothing).
pub fn init(default: &str, format: LogFormat, ansi: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let base = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false);
    let _ = match format {
        LogFormat::Text => base.with_ansi(ansi).try_init(),
        LogFormat::Json => base.json().with_ansi(false).with_current_span(true).with_span_list(false).try_init(),
    };
}
