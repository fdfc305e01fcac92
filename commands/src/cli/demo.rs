//! `panopticon demo [--out DIR]`: the pipeline on built-in data, printed as the morning view —
//! stale, then at risk, then today's calendar.

use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

use panopticon::demo;
use panopticon::views::calendar::{self, Period};
use panopticon::views::list::{self, ListKind};
use panopticon::views::{Context, Filter, Snapshot};

use super::progress::Bar;
use super::Failure;

pub async fn run(out: &Path) -> Result<(), Failure> {
    let bar = Bar::new();
    let d = demo::run(out, chrono::Utc::now(), &bar).await;
    bar.finish();
    let d = d?;
    let snapshot = Snapshot::load(&d.store.connect().map_err(|e| Failure::work(e.to_string()))?)
        .map_err(|e| Failure::work(e.to_string()))?;
    let ctx = Context {
        as_of: d.as_of,
        now: chrono::Utc::now(),
        rules: &d.rules,
        max_sync_age: Duration::from_secs(24 * 3600),
        crm_url: d.crm_url.clone(),
    };
    let color = super::use_color(std::io::stdout().is_terminal());
    println!("Panopticon demo — a sample vending org served by the built-in Zoho sandbox on 127.0.0.1");
    println!("{}", d.report);
    println!("Database: {}\n", d.store.path().display());
    let none = Filter::default();
    println!("{}", list::build(&snapshot, &ctx, ListKind::Stale, &none, None).top(15).table(&ctx, color));
    println!("{}", list::build(&snapshot, &ctx, ListKind::AtRisk, &none, None).top(15).table(&ctx, color));
    print!("{}", calendar::build(&snapshot, &ctx, Period::day(ctx.today()), &none).table(&ctx, color));
    let conn = d.store.connect().map_err(|e| Failure::work(e.to_string()))?;
    let images = panopticon::render::gallery(&conn, &snapshot, &ctx, 25).map_err(|e| Failure::work(e.to_string()))?;
    println!("\nImages the bot posts ({} PNGs) in {}:", images.len(), out.display());
    for img in &images {
        let path = out.join(&img.name);
        std::fs::write(&path, &img.png).map_err(|e| Failure::work(format!("cannot write {}: {e}", path.display())))?;
        println!("  {}  {}×{}  {} KB", img.name, img.width, img.height, img.png.len().div_ceil(1024));
    }
    println!(
        "\nEvery view of this data: add --config pointing [storage] path at {} and run\n  panopticon report stale | at-risk | leads | calendar | pipeline | locators | lead <id>",
        d.store.path().display()
    );
    Ok(())
}
