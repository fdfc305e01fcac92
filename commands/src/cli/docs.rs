//! `panopticon completions <SHELL>` and `panopticon man [--out DIR]`: the command line described
//! for the shell and for `man`, generated from the same definition clap parses with, so they
//! never disagree with it (every view and flag included).

use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell;

use super::{out, Cli, Failure};

/// The completion script for `shell`, on standard output.
pub fn completions(shell: Shell) -> Result<(), Failure> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "panopticon", &mut buf);
    out::ours(&buf)
}

/// The main man page on standard output, or every page (one per command) written into `dir`.
pub fn man(dir: Option<&Path>) -> Result<(), Failure> {
    let Some(dir) = dir else {
        let mut buf = Vec::new();
        clap_mangen::Man::new(Cli::command())
            .render(&mut buf)
            .map_err(|e| Failure::work(format!("cannot render the man page: {e}")))?;
        return out::ours(&buf);
    };
    let failed = |e: std::io::Error| Failure::work(format!("cannot write the man pages to {}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(failed)?;
    clap_mangen::generate_to(Cli::command(), dir).map_err(failed)?;
    out::line(&format!("Wrote the man pages to {} (panopticon.1 and one per command).", dir.display()))
}
