//! `panopticon backup PATH [--force]`: a consistent copy of the database, made while the bot and
//! the sync keep running (SQLite's online backup API; see `store::backup`). A progress bar on a
//! terminal; the copy appears at PATH only when complete. Exit 2 when PATH exists (without
//! --force), is a folder or sits in a folder that does not exist.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use panopticon::config::Config;
use panopticon::store::backup::{self, BackupError};

use super::{out, Failure};

#[derive(Args, Debug)]
pub struct BackupArgs {
    /// The file to write (its folder must exist).
    #[arg(value_name = "PATH")]
    path: PathBuf,
    /// Replace PATH if it exists.
    #[arg(long)]
    force: bool,
}

pub fn run(cfg: &Config, args: BackupArgs) -> Result<(), Failure> {
    let bar = if std::io::stderr().is_terminal() {
        ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("backing up [{bar:30}] {pos}/{len} pages")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let done = backup::backup(&cfg.storage_path, &args.path, args.force, &mut |p| {
        bar.set_length(p.total);
        bar.set_position(p.done);
    });
    bar.finish_and_clear();
    let done = done.map_err(|e| match e {
        e if e.is_bad_input() => Failure::input(e.to_string()),
        BackupError::Store(e) => Failure::work(format!("cannot read the database: {e}")),
        e => Failure::work(e.to_string()),
    })?;
    out::line(&format!(
        "Backed up {} to {}: {} ({} pages, schema {}) in {:.1} s.",
        cfg.storage_path.display(),
        done.path.display(),
        megabytes(done.bytes),
        done.pages,
        done.schema,
        done.took.as_secs_f64()
    ))
}

/// "12.3 MB", "0.1 MB".
pub fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}
