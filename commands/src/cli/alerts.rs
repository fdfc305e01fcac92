//! `panopticon alerts [--dry-run [--as-of T] [--format table|json]]`: what an alerts pass would
//! send at T — the new items by locator, escalations, threshold lines, whether it is held by
//! quiet hours and until when, whether it is the baseline — printed without writing anything
//! (the database is opened read-only); or, without `--dry-run`, a pass posted now, exactly as
//! the bot's would be (its claims keep it from being posted twice).

use clap::{Args, ValueEnum};
use panopticon::config::Config;
use panopticon::views::input;

use super::{out, Failure};
use crate::bot::{self, Data};
use crate::kit::alerts::{self, Outcome};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum AlertFormat {
    /// For a person: grouped by locator.
    Table,
    /// Every new item with its full row, the escalations and thresholds.
    Json,
}

#[derive(Args)]
pub struct AlertsArgs {
    /// Print what a pass would send instead of posting it; writes nothing.
    #[arg(long)]
    dry_run: bool,
    /// With --dry-run: decide the pass at this moment (2026-11-23T10:00, or a date).
    #[arg(long, value_name = "T")]
    as_of: Option<String>,
    /// With --dry-run: how to print it.
    #[arg(long, value_enum, default_value = "table")]
    format: AlertFormat,
}

pub async fn run(cfg: Config, a: AlertsArgs) -> Result<(), Failure> {
    let now = chrono::Utc::now();
    let as_of = match a.as_of {
        Some(t) if a.dry_run => input::parse_as_of(&t, cfg.rules.timezone, now)?,
        Some(_) => return Err(Failure::input("--as-of goes with --dry-run: a posted pass is always now")),
        None => now,
    };
    if !cfg.storage_path.exists() {
        return Err(Failure::input(format!(
            "there is no database at {}: run `panopticon sync` first",
            cfg.storage_path.display()
        )));
    }
    if a.dry_run {
        let data = Data::new_read_only(cfg)?;
        let snap = data.snapshot().await?;
        if snap.is_empty() {
            return Err(Failure::input("the database is empty: run `panopticon sync` first"));
        }
        let cfg = data.cfg.clone();
        let plan = data.db(move |c| alerts::plan(c, &snap, &cfg, as_of)).await?;
        return match a.format {
            AlertFormat::Table => out::text(&plan.text(data.cfg.rules.timezone), false),
            AlertFormat::Json => out::json(&plan.json()),
        };
    }
    let data = Data::new(cfg)?;
    let token = data
        .cfg
        .discord
        .token
        .clone()
        .ok_or_else(|| Failure::input("DISCORD_TOKEN is not set: alerts are posted by the bot's account"))?;
    if alerts::channel(&data.cfg).is_none() {
        return Err(Failure::input("neither [alerts] channel_id nor [discord] channel_id is set: where alerts go"));
    }
    let http = bot::http(&token, data.cfg.discord.api_base.clone())?;
    let said = match alerts::run(&data, &http, "cli").await? {
        Outcome::Disabled => "Alerts are off ([alerts] enabled = false); nothing posted.".to_string(),
        Outcome::Held(until) => format!(
            "Outside the alert window; nothing posted. It opens {}.",
            until
                .map(|t| t.with_timezone(&data.cfg.rules.timezone).format("%a %d %b %H:%M %Z").to_string())
                .unwrap_or_else(|| "not within two weeks".into())
        ),
        Outcome::LeftToDigest => "The morning digest is due: it carries the new items; nothing posted.".into(),
        Outcome::Baseline(n) => {
            format!("First pass: recorded the {n} items already late without announcing them (the baseline).")
        }
        Outcome::Nothing => "Nothing new since the last pass; nothing posted.".into(),
        Outcome::Posted { pass, message, items } => {
            format!("Posted alerts pass #{pass} ({items} new items, message {message}).")
        }
        Outcome::Recovered(pass) => format!("Alerts pass #{pass} was already in the channel; recorded it."),
    };
    out::line(&said)
}
