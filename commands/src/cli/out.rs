//! Everything the CLI prints on standard output goes through here. Text is made safe for a
//! terminal first (CRM data may hold escape sequences), and a failed write is an answer, not a
//! panic: a reader that went away (`report … | head`) ends the program quietly, a full disk is
//! an error that says so.

use std::io::{self, Write};

use panopticon::views::calendar::CalendarView;
use panopticon::views::lead::LeadDetail;
use panopticon::views::list::ListView;
use panopticon::views::locators::LocatorsView;
use panopticon::views::pipeline::PipelineView;
use panopticon::views::text::{for_terminal_text, json_for_terminal};
use panopticon::views::Context;
use serde::Serialize;

use super::Failure;

/// `--format`: how `report` prints a view.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

/// What every view gives `report`: a table for people, CSV for spreadsheets, and JSON (its
/// `Serialize`) for programs.
pub trait Report: Serialize {
    fn table(&self, ctx: &Context, color: bool) -> String;
    fn csv(&self) -> String;
}

/// Prints a view in `format`.
pub fn emit(format: Format, view: &impl Report, ctx: &Context, color: bool) -> Result<(), Failure> {
    match format {
        Format::Table => text(&view.table(ctx, color), color),
        Format::Json => json(&serde_json::to_string_pretty(view)?),
        Format::Csv => csv(&view.csv()),
    }
}

// Each view's own forms, as `Report` (the inherent methods are what the views define).
impl Report for ListView {
    fn table(&self, ctx: &Context, color: bool) -> String {
        ListView::table(self, ctx, color)
    }
    fn csv(&self) -> String {
        ListView::csv(self)
    }
}

impl Report for CalendarView {
    fn table(&self, ctx: &Context, color: bool) -> String {
        CalendarView::table(self, ctx, color)
    }
    fn csv(&self) -> String {
        CalendarView::csv(self)
    }
}

impl Report for PipelineView {
    fn table(&self, ctx: &Context, color: bool) -> String {
        PipelineView::table(self, ctx, color)
    }
    fn csv(&self) -> String {
        PipelineView::csv(self)
    }
}

impl Report for LocatorsView {
    fn table(&self, ctx: &Context, color: bool) -> String {
        LocatorsView::table(self, ctx, color)
    }
    fn csv(&self) -> String {
        LocatorsView::csv(self)
    }
}

impl Report for LeadDetail {
    fn table(&self, ctx: &Context, color: bool) -> String {
        LeadDetail::table(self, ctx, color)
    }
    fn csv(&self) -> String {
        LeadDetail::csv(self)
    }
}

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
    // Written in two parts: a large report is not copied once more just to add its newline.
    let mut out = io::stdout().lock();
    out.write_all(json_for_terminal(s).as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .map_err(failed)
}

/// CSV, already neutralised field by field; this only guards the write.
pub fn csv(s: &str) -> Result<(), Failure> {
    text(s, false)
}

/// Text we wrote ourselves (a completion script, a man page), exactly as it is.
pub fn ours(s: &[u8]) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    out.write_all(s).and_then(|()| out.flush()).map_err(failed)
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
