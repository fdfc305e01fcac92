//! `panopticon demo [--out DIR] [--crm zoho|salesforce]`: the pipeline on built-in data, printed
//! as the morning view — stale, then at risk, then today's calendar. The generated org is served
//! by the Zoho sandbox (the default) or by the Salesforce sandbox and synced through that CRM's
//! real client.

use std::io::IsTerminal;
use std::path::Path;

use panopticon::config::{SalesforceConfig, ZohoConfig};
use panopticon::demo::{self, DemoCrm};
use panopticon::views::calendar::{self, Period};
use panopticon::views::list::{self, ListKind};
use panopticon::views::{Context, Filter, Snapshot};
use panopticon_sandbox::salesforce::SalesforceSandbox;
use panopticon_sandbox::{generate, Org, Sandbox, Spec};

use super::progress::Bar;
use super::{out, Failure};

/// Which CRM's sandbox serves the demo org (`--crm`).
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DemoKind {
    #[default]
    Zoho,
    Salesforce,
}

/// The sandbox serving the demo org: it serves until dropped, so it is held until the sync is done.
type Served = Box<dyn std::any::Any + Send>;

async fn serve(kind: DemoKind, org: Org) -> std::io::Result<(Served, DemoCrm, &'static str)> {
    Ok(match kind {
        DemoKind::Zoho => {
            let sb = Sandbox::start(org).await?;
            let cfg = ZohoConfig::local(&sb.url(), panopticon_sandbox::CREDENTIALS);
            (Box::new(sb) as Served, DemoCrm::Zoho(cfg), "Zoho")
        }
        DemoKind::Salesforce => {
            let sb = SalesforceSandbox::start(org).await?;
            let cfg = SalesforceConfig::local(&sb.url(), panopticon_sandbox::salesforce::CREDENTIALS);
            (Box::new(sb) as Served, DemoCrm::Salesforce(cfg), "Salesforce")
        }
    })
}

pub async fn run(dir: &Path, kind: DemoKind) -> Result<(), Failure> {
    let org = generate(&Spec::demo(chrono::Utc::now()));
    let as_of = org.now;
    let (served, crm, name) = serve(kind, org).await.map_err(|e| Failure::work(e.to_string()))?;
    let bar = Bar::new();
    let d = demo::run(dir, crm, as_of, &bar).await;
    drop(served);
    bar.finish();
    let d = d?;
    let snapshot = std::sync::Arc::new(Snapshot::load(&d.store.connect()?)?);
    let ctx = Context::new(&d.config, d.as_of, chrono::Utc::now());
    let color = super::use_color(std::io::stdout().is_terminal());
    out::line(&format!("Panopticon demo — a sample vending org served by the built-in {name} sandbox on 127.0.0.1"))?;
    out::line(&d.report.to_string())?;
    out::line(&format!("Database: {}\n", d.store.path().display()))?;
    let none = Filter::default();
    let stale = list::build(&snapshot, &ctx, ListKind::Stale, &none, None).top(15);
    out::text(&format!("{}\n", stale.table(&ctx, color)), color)?;
    let at_risk = list::build(&snapshot, &ctx, ListKind::AtRisk, &none, None).top(15);
    out::text(&format!("{}\n", at_risk.table(&ctx, color)), color)?;
    out::text(&calendar::build(&snapshot, &ctx, Period::day(ctx.today()), &none).table(&ctx, color), color)?;
    let conn = d.store.connect()?;
    let images = panopticon::render::gallery(&conn, &snapshot, &ctx, 25)?;
    let mut images = images;
    images.push(alert_image(&snapshot, &ctx, &d.config)?);
    // The sales dashboard's images, as a coordinator sees this month.
    let sales = panopticon::views::sales::SalesSnapshot::load(&conn, d.config.rules.timezone)?;
    images.extend(crate::slash::sales::images(&d.config, &sales, snapshot.clone())?);
    out::line(&format!("\nImages the bot posts ({} PNGs) in {}:", images.len(), dir.display()))?;
    for img in &images {
        let path = dir.join(&img.name);
        std::fs::write(&path, &img.png).map_err(|e| Failure::work(format!("cannot write {}: {e}", path.display())))?;
        out::line(&format!("  {}  {}×{}  {} KB", img.name, img.width, img.height, img.png.len().div_ceil(1024)))?;
    }
    out::line(&format!(
        "\nEvery view of this data: add --config pointing [storage] path at {} and run\n  panopticon report stale | at-risk | leads | calendar | pipeline | locators | lead <id>\n  \
         panopticon report dashboard | deals | forecast | sources | activity | search <text>",
        d.store.path().display()
    ))
}

/// An alerts pass's image (`alert.png`): the stale leads a pass after the baseline would
/// announce at the demo's moment, as if none had been announced yet (at most eight).
fn alert_image(
    snap: &Snapshot,
    ctx: &Context,
    cfg: &panopticon::config::Config,
) -> Result<panopticon::render::Image, Failure> {
    use panopticon::alerts::{self, Known, Tier};
    let only_stale = panopticon::config::AlertsConfig { tiers: vec![Tier::Stale], ..cfg.alerts.clone() };
    let plan = alerts::plan(snap, ctx.as_of, &cfg.rules, &only_stale, &Known { any_pass: true, ..Known::default() });
    let items: Vec<_> = plan.items().take(8).collect();
    Ok(crate::kit::alerts::image(snap, ctx, &items, 8)?)
}
