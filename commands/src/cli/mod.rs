//! CLI subcommands (DESIGN.md §6). Exit codes: 0 ok (or the reader of the output went away),
//! 1 the work failed, 2 bad input or config.

mod demo;
mod digest;
mod health;
pub mod out;
mod progress;
mod report;
mod sync;

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use panopticon::config::{self, Config};

#[derive(Parser)]
#[command(name = "panopticon", version, about = "Which appointed leads are going cold, and whose are they?")]
pub struct Cli {
    /// Configuration file (default ./config.toml).
    #[arg(long, global = true, env = "PANOPTICON_CONFIG", value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole pipeline on a built-in sample org: no credentials needed.
    Demo {
        /// Where to write the demo database (and, later, images).
        #[arg(long, default_value = "demo-out", value_name = "DIR")]
        out: PathBuf,
    },
    /// Show a view of the synced data: stale, at-risk, leads, calendar, pipeline, locators, lead <ID>.
    Report(Box<report::ReportArgs>),
    /// Run the Discord bot (needs DISCORD_TOKEN and [discord] guild_id).
    Run,
    /// The morning digest: print it (--dry-run) or post it to the channel now.
    Digest {
        /// Compose for this moment (with --dry-run): 2026-11-16T08:00 or a date.
        #[arg(long, value_name = "T")]
        as_of: Option<String>,
        /// Print the digest here instead of posting it.
        #[arg(long)]
        dry_run: bool,
    },
    /// Copy what changed in Zoho CRM into the local database.
    Sync(sync::SyncArgs),
    /// Ask the running bot's /healthz ([ops] listen): exit 0 when well, 1 otherwise.
    Health(health::HealthArgs),
}

/// A failure with the exit code it deserves.
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    /// Whoever read the output stopped reading (`| head`): nothing more to say, nothing failed.
    pub fn reader_gone() -> Failure {
        Failure { code: 0, message: String::new() }
    }
    pub fn input(message: impl Into<String>) -> Failure {
        Failure { code: 2, message: message.into() }
    }
    pub fn work(message: impl Into<String>) -> Failure {
        Failure { code: 1, message: message.into() }
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::work(format!("{e:#}"))
    }
}

pub fn load_config(path: Option<PathBuf>) -> Result<Config, Failure> {
    let path = path.unwrap_or_else(|| PathBuf::from("config.toml"));
    Config::load(&path, &config::process_env).map_err(|e| Failure::input(e.to_string()))
}

/// Colour for a terminal, unless NO_COLOR is set (https://no-color.org).
pub fn use_color(is_terminal: bool) -> bool {
    is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

pub fn init_logging() {
    // Quiet by default: a person at a terminal wants the progress bar and the summary.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    // Colour only on a terminal, like every other output: a log file gets plain text.
    let ansi = use_color(std::io::stderr().is_terminal());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_target(false)
        .try_init();
}

pub async fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Demo { out } => demo::run(&out).await,
        Command::Report(args) => {
            let cfg = load_config(cli.config)?;
            report::run(&cfg, *args)
        }
        Command::Digest { as_of, dry_run } => {
            let cfg = load_config(cli.config)?;
            digest::run(cfg, as_of, dry_run).await
        }
        Command::Run => {
            let cfg = load_config(cli.config)?;
            // Missing settings are bad input (exit 2), like every other configuration error.
            if cfg.discord.token.is_none() {
                return Err(Failure::input(
                    "DISCORD_TOKEN is not set: copy the bot token from the Discord developer portal",
                ));
            }
            if cfg.discord.guild_id.is_none() {
                return Err(Failure::input("config: [discord] guild_id is missing: the server the bot answers in"));
            }
            crate::bot::run(cfg).await.map_err(|e| {
                // A token Discord refuses, or an [ops] listen port in use, is a configuration
                // error, like a missing token.
                if e.is::<crate::bot::TokenRejected>() || e.is::<crate::ops::ListenError>() {
                    Failure::input(e.to_string())
                } else {
                    Failure::work(e.to_string())
                }
            })
        }
        Command::Sync(args) => {
            let cfg = load_config(cli.config)?;
            sync::run(&cfg, args).await
        }
        Command::Health(args) => health::run(cli.config, args).await,
    }
}
