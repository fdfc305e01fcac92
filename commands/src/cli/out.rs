//! Everything the CLI prints on standard output goes through here. Text is made safe for a
//! terminal first (CRM data may hold escape sequences), and a failed write is an answer, not a
//! panic: a reader that went away (`report … | head`) ends the program quietly, a full disk is
//! an error that says so.

use std::io::{self, Write};

use panopticon::views::text::{for_terminal_text, json_for_terminal};

use super::Failure;

/// A table or other text form; `colour` keeps our own colour sequences.
pub fn text(s: &str, colour: bool) -> Result<(), Failure> {
    write(&for_terminal_text(s, colour))
}

/// A line of text (a newline is added).
pub fn line(s: &str) -> Result<(), Failure> {
    text(&format!("{s}\n"), false)
}

/// A JSON document, unchanged in meaning; a newline is added.
pub fn json(s: &str) -> Result<(), Failure> {
    write(&format!("{}\n", json_for_terminal(s)))
}

/// CSV, already neutralised field by field; this only guards the write.
pub fn csv(s: &str) -> Result<(), Failure> {
    text(s, false)
}

fn write(s: &str) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    out.write_all(s.as_bytes()).and_then(|()| out.flush()).map_err(failed)
}

/// What a failed write to standard output means for the person running the command.
pub fn failed(e: io::Error) -> Failure {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Failure::reader_gone()
    } else {
        Failure::work(format!("cannot write the output: {e}"))
    }
}
