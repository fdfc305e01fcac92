//! The morning digest: when it is due (DST-correct, in the business time zone), exactly once
//! per day (claimed in SQLite before it is sent), and what it says.
//!
//! - `schedule`: when (`Schedule::decide` tells the bot's loop to send now or sleep until when);
//! - `content`: what (`compose` makes a `Digest` from a snapshot and the previous digest);
//! - `mine`: what needs one person now (`/mine`), from a snapshot narrowed to them;
//! - `cron`: a subscription's schedule (a cron expression or a preset) and when it is due.

mod content;
pub mod cron;
mod mine;
mod schedule;

pub use content::{compose, Digest, Headline};
pub use mine::{mine, Mine};
pub use schedule::{Decision, Schedule};
