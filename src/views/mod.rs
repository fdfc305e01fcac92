//! View models: what each screen shows, computed from the store through the rules.
//!
//! `Snapshot` is the store read once; `LeadRow` is one appointed lead as every view shows it
//! (the JSON contract of DESIGN.md §6). Each view (`list`, `calendar`, `lead`, `pipeline`,
//! `locators`, `interventions`) builds a model from a snapshot and a `Context`, and renders it as a text
//! table, JSON and CSV. Discord, the CLI and the digest all show these same models.
//!
//! The rooms shared by every view:
//! - `snapshot`: the store read once (`Snapshot`, `SnapLead`, `SnapAppointment`);
//! - `need`: which appointed leads a view reads (`Need`: all, or only those that can be in
//!   its answer), so a one-view process loads less;
//! - `context`: what a view needs besides the data (`Context::new` from the configuration);
//! - `row`: the rules applied to a lead (`LeadRow`, `assess_all`, `assess_lead`);
//! - `filter`: which rows and in what order (`Filter`, `SortKey`);
//! - `header`: what a view says about itself and its data (`Header`, the sync warning);
//! - `text`: terminal text (width-aware tables, ellipsizing, terminal escaping);
//! - `csv`: CSV lines, defused against spreadsheet formulas.

pub mod audit;
pub mod calendar;
pub mod context;
mod csv;
mod filter;
mod header;
pub mod input;
pub mod interventions;
pub mod lead;
pub mod list;
pub mod locators;
mod need;
pub mod pipeline;
mod row;
pub mod sales;
mod snapshot;
pub mod state;
pub mod text;

pub use context::Context;
pub use csv::{csv_field, csv_line};
pub use filter::{Filter, SortKey, NO_LOCATOR};
pub use header::{age, Header};
pub use row::{assess_all, assess_lead, first_entry, LeadRow};
// The views' models name it as `super::ser_stamp` in their serde attributes.
pub use need::Need;
use row::ser_stamp;
pub use snapshot::{known_names, SnapAppointment, SnapLead, Snapshot};
pub use text::{join_capped, local, percent};
