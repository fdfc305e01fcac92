//! `panopticon`: the binary. Thin: it parses the command line, sets up logging and hands off
//! to the engine. Each subcommand lives in `cli/`.

mod bot;
mod cli;
mod kit;
mod logging;
mod ops;
mod slash;

use std::io::Write;
use std::process::ExitCode;

use panopticon::views::text::for_terminal_text;

fn main() -> ExitCode {
    output_failures_are_not_panics();
    let args = cli::parse();
    cli::init_logging(&args);
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            complain(&format!("cannot start the async runtime: {e}"));
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(cli::run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if !e.message.is_empty() {
                complain(&e.message);
            }
            ExitCode::from(e.code)
        }
    }
}

/// "error: …" on stderr. Messages may quote CRM data or Zoho's words, so they are made safe for
/// a terminal; and a closed stderr is no reason to panic.
fn complain(message: &str) {
    let _ = writeln!(std::io::stderr(), "error: {}", for_terminal_text(message, false));
}

/// `println!` panics when stdout fails. The CLI writes through `cli::out`, which does not; this
/// hook is the net under any `println!` left: a closed pipe (`| head`) ends the program quietly
/// with 0, any other failure (a full disk) with a message and 1 — not a panic and 101.
fn output_failures_are_not_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let msg =
            payload.downcast_ref::<String>().map(String::as_str).or_else(|| payload.downcast_ref::<&str>().copied());
        if let Some(why) = msg.and_then(|m| m.strip_prefix("failed printing to stdout: ")) {
            // EPIPE is 32 on every platform this runs on; Rust never localises the message.
            if why.ends_with("(os error 32)") {
                std::process::exit(0);
            }
            complain(&format!("cannot write the output: {why}"));
            std::process::exit(1);
        }
        default(info);
    }));
}
