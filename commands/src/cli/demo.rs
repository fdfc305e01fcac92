//! `panopticon demo [--out DIR]`: the pipeline on built-in data, printed as the morning view.

use std::path::Path;

use panopticon::demo;
use panopticon::rules::Status;
use panopticon::views::{plain_table, LeadRow};

use super::progress::Bar;
use super::Failure;

pub async fn run(out: &Path) -> Result<(), Failure> {
    let bar = Bar::new();
    let d = demo::run(out, chrono::Utc::now(), &bar).await;
    bar.finish();
    let d = d?;
    println!("Panopticon demo — a sample vending org served by the built-in Zoho sandbox on 127.0.0.1");
    println!("{}", d.report);
    println!("Database: {}", d.db_path.display());
    let tz = d.rules.timezone;
    println!("As of {} ({})\n", d.as_of.with_timezone(&tz).format("%a %Y-%m-%d %H:%M"), tz.name());
    let of = |s: Status| d.rows.iter().filter(|r| r.status == s).collect::<Vec<&LeadRow>>();
    let stale = of(Status::Stale);
    println!(
        "STALE — {} leads (appointment {}+ days ago, no stage change since)",
        stale.len(),
        d.rules.default.stale_days
    );
    print!("{}", plain_table(&stale));
    Ok(())
}
