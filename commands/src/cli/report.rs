//! `panopticon report <VIEW>`: every view as a table, JSON or CSV (DESIGN.md §6).

use std::io::IsTerminal;

use clap::{Args, ValueEnum};
use panopticon::config::Config;
use panopticon::store::{self, Store};
use panopticon::views::calendar::{self, Period};
use panopticon::views::input::{self, FilterInput, InputError};
use panopticon::views::list::{self, ListKind};
use panopticon::views::state::ViewKind;
use panopticon::views::text::ellipsize;
use panopticon::views::{lead, locators, pipeline, Context, Snapshot};

use super::{out, Failure};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// stale, at-risk, leads, calendar, pipeline, locators, or lead
    view: String,
    /// For `lead`: the Zoho id, or part of the lead's name or company.
    id: Option<String>,
    /// The moment to judge at: 2026-11-16 (end of that day), 2026-11-16T08:00 (business time
    /// zone) or RFC 3339. Default: now.
    #[arg(long, value_name = "T")]
    as_of: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Only leads in this stage (repeatable).
    #[arg(long, value_name = "S")]
    stage: Vec<String>,
    /// Only leads of this locator (repeatable; "(no locator)" for none).
    #[arg(long, value_name = "L")]
    locator: Vec<String>,
    /// Only leads with this status (repeatable): stale, at_risk, awaiting, progressed, upcoming, closed.
    #[arg(long, value_name = "STATUS")]
    status: Vec<String>,
    /// Appointments from this date (YYYY-MM-DD); for `calendar`, the start of a range;
    /// for `pipeline`, the start of the conversion period.
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Appointments up to this date, inclusive.
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
    /// staleness, days-since, appointment, stage, locator, name, days-in-stage.
    #[arg(long, value_name = "KEY")]
    sort: Option<String>,
    /// For `calendar`: today, week or month (around --as-of). Default: week.
    #[arg(long, value_name = "P")]
    period: Option<String>,
}

fn input(e: InputError) -> Failure {
    Failure::input(e.0)
}

pub fn run(cfg: &Config, a: ReportArgs) -> Result<(), Failure> {
    let view = input::parse_view(&a.view).map_err(input)?;
    let only = |flag: &str, set: bool, views: &[ViewKind], hint: &str| -> Result<(), Failure> {
        if set && !views.contains(&view) {
            return Err(Failure::input(format!("{flag} does not apply to `report {}`{hint}", a.view)));
        }
        Ok(())
    };
    use ViewKind::*;
    only("--status", !a.status.is_empty(), &[Leads, Calendar, Locators, Pipeline], "; try `report leads --status …`")?;
    only("--sort", a.sort.is_some(), &[Stale, AtRisk, Leads], "")?;
    only("--period", a.period.is_some(), &[Calendar], "")?;
    only("an id", a.id.is_some(), &[Lead], "")?;
    let sort = a.sort.as_deref().map(input::parse_sort).transpose().map_err(input)?;
    // Checked before the database is read: a bad query is bad input whatever the data.
    let query = match (view, a.id.as_deref()) {
        (Lead, Some(q)) => Some(input::lead_query(q).map_err(input)?),
        _ => None,
    };

    if !cfg.storage_path.exists() {
        return Err(Failure::input(format!(
            "there is no database at {}: run `panopticon sync` first",
            cfg.storage_path.display()
        )));
    }
    // Reading needs no write: a read-only file or directory, or a full disk, is fine.
    let store = Store::open_read_only(&cfg.storage_path).map_err(|e| Failure::work(e.to_string()))?;
    let conn = store.connect().map_err(|e| Failure::work(e.to_string()))?;
    let snapshot = store.read(Snapshot::load).map_err(|e| Failure::work(e.to_string()))?;
    if snapshot.is_empty() {
        return Err(Failure::input("the database is empty: run `panopticon sync` first"));
    }
    let now = chrono::Utc::now();
    let tz = cfg.rules.timezone;
    let as_of = match &a.as_of {
        Some(t) => input::parse_as_of(t, tz, now).map_err(input)?,
        None => now,
    };
    let ctx = Context::new(cfg, as_of, now);
    let filter = FilterInput {
        stages: a.stage.clone(),
        locators: a.locator.clone(),
        statuses: a.status.clone(),
        from: a.from.clone(),
        to: a.to.clone(),
    }
    .parse(&snapshot.known_stages(&cfg.rules), &snapshot.known_locators())
    .map_err(input)?;
    let color = super::use_color(std::io::stdout().is_terminal());

    macro_rules! emit {
        ($v:expr) => {{
            let v = $v;
            match a.format {
                Format::Table => out::text(&v.table(&ctx, color), color)?,
                Format::Json => {
                    out::json(&serde_json::to_string_pretty(&v).map_err(|e| Failure::work(e.to_string()))?)?
                }
                Format::Csv => out::csv(&v.csv())?,
            }
        }};
    }
    match view {
        Stale => emit!(list::build(&snapshot, &ctx, ListKind::Stale, &filter, sort)),
        AtRisk => emit!(list::build(&snapshot, &ctx, ListKind::AtRisk, &filter, sort)),
        Leads => emit!(list::build(&snapshot, &ctx, ListKind::Leads, &filter, sort)),
        Locators => emit!(locators::build(&snapshot, &ctx, &filter)),
        Pipeline => emit!(pipeline::build(&snapshot, &ctx, &filter)),
        Calendar => {
            let today = ctx.today();
            let range = input::calendar_dates(filter.from, filter.to, ("--from", "--to")).map_err(input)?;
            let period = match (&a.period, range) {
                (Some(_), Some(_)) => {
                    return Err(Failure::input("use either --period or --from/--to for the calendar, not both"))
                }
                (Some(p), None) => calendar::period_named(p, today).ok_or_else(|| {
                    Failure::input(format!("--period '{}' is not one of today, week, month", ellipsize(p, 40)))
                })?,
                (None, Some((f, t))) => Period::range(f, t),
                (None, None) => Period::week(today),
            };
            emit!(calendar::build(&snapshot, &ctx, period, &filter))
        }
        Lead => {
            let Some(q) = query else {
                return Err(Failure::input(
                    "`report lead` needs an id or a name: panopticon report lead 3652397000000123456",
                ));
            };
            let found = store::search_leads(&conn, q, 10).map_err(|e| Failure::work(e.to_string()))?;
            let id = match found.as_slice() {
                [] => return Err(Failure::input(format!("no lead has the id, name or company '{q}'"))),
                [one] => one.id.to_string(),
                many if many[0].id.as_str() == q => many[0].id.to_string(),
                many => {
                    let list: Vec<String> = many
                        .iter()
                        .map(|l| format!("  {}  {} ({})", l.id, l.full_name, l.company.as_deref().unwrap_or("—")))
                        .collect();
                    return Err(Failure::input(format!(
                        "'{q}' matches {} leads; give the id of one:\n{}",
                        many.len(),
                        list.join("\n")
                    )));
                }
            };
            let detail = lead::build(&conn, &snapshot, &ctx, &id)
                .map_err(|e| Failure::work(e.to_string()))?
                .ok_or_else(|| Failure::input(format!("no lead with id {id}")))?;
            emit!(detail)
        }
    }
    Ok(())
}
