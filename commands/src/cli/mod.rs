//! CLI subcommands (DESIGN.md §6). Exit codes: 0 ok (or the reader of the output went away),
//! 1 the work failed, 2 bad input or config (clap's own errors about the command line included).

mod alerts;
mod audit;
mod backup;
mod demo;
mod digest;
mod docs;
mod doctor;
mod health;
mod lead;
mod maintain;
pub mod out;
mod people;
mod progress;
mod report;
mod sales;
mod status;
mod sync;
mod values;

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::PathBuf;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Parser, Subcommand};
use panopticon::config::{self, Config};
use panopticon::store::StoreError;
use panopticon::views::input::InputError;
use panopticon::views::state::ViewKind;

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
        /// Which CRM's sandbox serves the sample org (synced through that CRM's real client):
        /// zoho (the default) or salesforce.
        #[arg(long, value_enum, default_value = "zoho", value_name = "CRM")]
        crm: demo::DemoKind,
    },
    /// Show a view of the synced data as a table, JSON or CSV.
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
    /// What newly went cold: print what an alerts pass would send (--dry-run), or post one now.
    ///
    /// A pass announces each lead newly at risk, stale or stuck in green once (per appointment),
    /// grouped by locator, with escalations and threshold lines. --dry-run opens the database
    /// read-only and writes nothing: `panopticon alerts --dry-run --as-of 2026-11-23T10:00`.
    Alerts(alerts::AlertsArgs),
    /// Copy what changed in the CRM (Zoho or Salesforce) into the local database.
    Sync(sync::SyncArgs),
    /// Print a completion script for bash, zsh, fish, elvish or powershell.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page, or write one per command into a directory (--out).
    Man {
        /// Write panopticon.1, panopticon-report.1, … here instead.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Is the data fresh? The last sync, the CRM's API usage (Salesforce) and the database size.
    Status,
    /// Copy the database to PATH, consistent even while the bot and the sync run.
    Backup(backup::BackupArgs),
    /// Prune old sync runs and digests, refresh SQLite's statistics and compact the file.
    Maintain,
    /// Check the config, the database, Zoho and Discord: a line each; exit 0 only if all pass.
    Doctor,
    /// Ask the running bot's /healthz ([ops] listen): exit 0 when well, 1 otherwise.
    Health(health::HealthArgs),
    /// Who each Discord member is in the CRM: list the links, link a member, unlink one.
    People(people::PeopleArgs),
    /// Act on one lead in Zoho: reassign it, add a note, set its owner a follow-up task.
    ///
    /// Needs [actions] enabled = true and the OAuth scopes the action needs (README, Write-back
    /// actions). Shows what will be written and asks first; --yes skips the question.
    Lead(lead::LeadArgs),
}

/// The command line, parsed. A view is named in any case (`report AT-RISK`), as before views
/// were subcommands: clap matches names exactly, so a view word it does not know is given the
/// engine's reading and parsed again. Anything else wrong is clap's error, exit 2.
pub fn parse() -> Cli {
    let mut args: Vec<OsString> = std::env::args_os().collect();
    loop {
        let e = match Cli::try_parse_from(&args) {
            Ok(cli) => return cli,
            Err(e) => e,
        };
        if let Some(at) = view_in_another_case(&e, &args) {
            if let Some(view) = args.get(at).and_then(|a| a.to_str()).and_then(ViewKind::parse) {
                args[at] = view.name().into();
                continue;
            }
        }
        e.exit()
    }
}

/// Where the view word clap refused stands, if it follows `report` and the engine reads it as
/// a view under another spelling than the one clap knows.
fn view_in_another_case(e: &clap::Error, args: &[OsString]) -> Option<usize> {
    if e.kind() != ErrorKind::InvalidSubcommand {
        return None;
    }
    let Some(ContextValue::String(bad)) = e.get(ContextKind::InvalidSubcommand) else { return None };
    let report = args.iter().position(|a| a == "report")?;
    let at = report + 1 + args[report + 1..].iter().position(|a| a == bad.as_str())?;
    ViewKind::parse(bad).filter(|v| v.name() != bad).map(|_| at)
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

/// What was typed does not fit the data: the message says what would.
impl From<InputError> for Failure {
    fn from(e: InputError) -> Self {
        Failure::input(e.0)
    }
}

/// The database could not be read or written; the message names the file.
impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::work(e.to_string())
    }
}

/// The CRM client could not be made.
impl From<panopticon::crm::CrmError> for Failure {
    fn from(e: panopticon::crm::CrmError) -> Self {
        Failure::work(e.to_string())
    }
}

/// The bot's and the renderer's errors.
impl From<crate::kit::Error> for Failure {
    fn from(e: crate::kit::Error) -> Self {
        Failure::work(e.to_string())
    }
}

impl From<serde_json::Error> for Failure {
    fn from(e: serde_json::Error) -> Self {
        Failure::work(e.to_string())
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

/// Logging for every command but `run`, which sets up its own once it has read `[ops]`.
pub fn init_logging(cli: &Cli) {
    if !matches!(cli.command, Command::Run) {
        init_logging_as(crate::logging::CLI, config::LogFormat::Text);
    }
}

fn init_logging_as(default: &str, format: config::LogFormat) {
    // Colour only on a terminal, like every other output: a log file gets plain text.
    crate::logging::init(default, format, use_color(std::io::stderr().is_terminal()));
}

pub async fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        // These describe the command line itself: no config needed.
        Command::Completions { shell } => docs::completions(shell),
        Command::Man { out } => docs::man(out.as_deref()),
        Command::Demo { out, crm } => demo::run(&out, crm).await,
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
            init_logging_as(crate::logging::BOT, cfg.ops.log_format);
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
        Command::Alerts(args) => alerts::run(load_config(cli.config)?, args).await,
        Command::Sync(args) => {
            let cfg = load_config(cli.config)?;
            sync::run(&cfg, args).await
        }
        Command::Backup(args) => backup::run(&load_config(cli.config)?, args),
        Command::Maintain => maintain::run(&load_config(cli.config)?),
        Command::Status => status::run(&load_config(cli.config)?),
        Command::Doctor => doctor::run(cli.config).await,
        Command::Health(args) => health::run(cli.config, args).await,
        Command::People(args) => people::run(&load_config(cli.config)?, args),
        Command::Lead(args) => lead::run(&load_config(cli.config)?, args).await,
    }
}
