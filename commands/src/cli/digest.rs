//! `panopticon digest [--as-of T] [--dry-run]`: compose the morning digest and print it, or
//! post it to the configured channel now (once per day: the scheduler will not post it again).

use panopticon::config::Config;
use panopticon::views::input;

use super::{out, Failure};
use crate::bot::{self, digest, Data};

pub async fn run(cfg: Config, as_of: Option<String>, dry_run: bool) -> Result<(), Failure> {
    let now = chrono::Utc::now();
    let as_of = match as_of {
        Some(t) if dry_run => input::parse_as_of(&t, cfg.rules.timezone, now)?,
        Some(_) => return Err(Failure::input("--as-of goes with --dry-run: a posted digest is always today's")),
        None => now,
    };
    if !cfg.storage_path.exists() {
        return Err(Failure::input(format!(
            "there is no database at {}: run `panopticon sync` first",
            cfg.storage_path.display()
        )));
    }
    let data = if dry_run { Data::new_read_only(cfg) } else { Data::new(cfg) };
    let data = data?;
    if dry_run {
        let snap = data.snapshot().await?;
        if snap.is_empty() {
            return Err(Failure::input("the database is empty: run `panopticon sync` first"));
        }
        let ctx = digest::digest_context(&data.cfg, as_of);
        let d = digest::compose(&data.store, &snap, &ctx)?;
        return out::text(&d.text(&ctx), false);
    }
    let token = data
        .cfg
        .discord
        .token
        .clone()
        .ok_or_else(|| Failure::input("DISCORD_TOKEN is not set: the digest is posted by the bot's account"))?;
    let http = bot::http(&token, data.cfg.discord.api_base.clone())?;
    let date = as_of.with_timezone(&data.cfg.rules.timezone).date_naive();
    let said = match digest::run(&data, &http, date, "cli").await? {
        digest::Outcome::Posted(id) => format!("Posted today's digest (message {id})."),
        digest::Outcome::AlreadySent => "Today's digest was already posted; nothing sent.".to_string(),
        digest::Outcome::Recovered(id) => {
            format!("Today's digest was already in the channel (message {id}); recorded it.")
        }
        digest::Outcome::SkippedQuiet => {
            "Nothing needs attention today and quiet days are skipped; nothing posted.".to_string()
        }
    };
    out::line(&said)
}
