//! `panopticon report <VIEW>`: every view as a table, JSON or CSV (DESIGN.md §6). Each view is
//! a subcommand named from the engine's table of views (`ViewKind`: name, other spellings, what
//! it shows) and takes only the flags that apply to it, so a flag or value that does not fit is
//! clap's error (exit 2) before any config is read. `interventions` (the follow-up KPIs) and
//! `audit` (the write-back actions' record, `cli/audit.rs`) are not lead views of that table:
//! they are added beside them, with their own flags.

use std::io::IsTerminal;

use clap::{ArgMatches, Args, Command, FromArgMatches, Subcommand};
use panopticon::config::Config;
use panopticon::rules::Status;
use panopticon::store::Store;
use panopticon::views::calendar::{self, Period, PeriodKind};
use panopticon::views::input::{self, FilterInput};
use panopticon::views::interventions::{self, InterventionsView};
use panopticon::views::lead::{self, Found};
use panopticon::views::list::{self, ListKind};
use panopticon::views::state::ViewKind;
use panopticon::views::{known_names, locators, pipeline, Context, Need, Snapshot, SortKey};

use super::audit::AuditArgs;
use super::out::{emit, Format, Report};
use super::sales::{self, SalesView};
use super::{audit, values, Failure};

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The moment to judge at: 2026-11-16 (end of that day), 2026-11-16T08:00 (business time
    /// zone) or RFC 3339. Default: now.
    #[arg(long, value_name = "T", global = true)]
    as_of: Option<String>,
    /// How to print it: an aligned table, JSON, or CSV.
    #[arg(long, value_enum, default_value_t = Format::Table, global = true)]
    format: Format,
    #[command(subcommand)]
    view: View,
}

/// Whose leads: every view of leads can be narrowed to stages and locators.
#[derive(Args, Debug)]
struct Scope {
    /// Only leads in this stage (repeatable).
    #[arg(long, value_name = "S")]
    stage: Vec<String>,
    /// Only leads of this locator (repeatable; "(no locator)" for none).
    #[arg(long, value_name = "L")]
    locator: Vec<String>,
}

/// `--status`, for the views that show leads of every status.
#[derive(Args, Debug)]
struct Statuses {
    /// Only leads with this status (repeatable).
    #[arg(long, value_name = "STATUS", value_parser = values::of::<Status>())]
    status: Vec<Status>,
}

/// `stale`, `at-risk`: the status is the list's own.
#[derive(Args, Debug)]
struct ListArgs {
    #[command(flatten)]
    scope: Scope,
    /// Appointments from this date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Appointments up to this date, inclusive.
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
    /// Order (default: most overdue first; `leads`: most urgent first).
    #[arg(long, value_name = "KEY", value_parser = values::of::<SortKey>())]
    sort: Option<SortKey>,
}

#[derive(Args, Debug)]
struct LeadsArgs {
    #[command(flatten)]
    list: ListArgs,
    #[command(flatten)]
    statuses: Statuses,
}

#[derive(Args, Debug)]
struct CalendarArgs {
    #[command(flatten)]
    scope: Scope,
    #[command(flatten)]
    statuses: Statuses,
    /// The day, week or month around --as-of. Default: week.
    #[arg(long, value_name = "P", value_parser = values::of::<PeriodKind>(), conflicts_with_all = ["from", "to"])]
    period: Option<PeriodKind>,
    /// The first day of a range (alone: the week from it).
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// The last day of a range, inclusive (alone: the week up to it).
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
}

/// `pipeline` and `locators`: the dates bound the appointments (for `pipeline`, the conversion
/// period; default the last 90 days).
#[derive(Args, Debug)]
struct SpanArgs {
    #[command(flatten)]
    scope: Scope,
    #[command(flatten)]
    statuses: Statuses,
    /// Appointments from this date (YYYY-MM-DD); for `pipeline`, the start of the conversion
    /// period.
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Appointments up to this date, inclusive.
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
}

/// `interventions`: the follow-up KPIs, narrowed to locators and to the dates of the
/// appointments and nudges measured.
#[derive(Args, Debug)]
struct KpiArgs {
    /// Only this locator (repeatable; "(no locator)" for none).
    #[arg(long, value_name = "L")]
    locator: Vec<String>,
    /// Appointments and nudges from this date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Appointments and nudges up to this date, inclusive.
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
}

/// The subcommand's names: not one of `ViewKind`'s lead views. `interventions` is the name
/// DESIGN.md fixes (and what the JSON's `view` says); `kpi` is a shorter alias.
const KPI: &str = "kpi";
const INTERVENTIONS: &str = "interventions";
const AUDIT: &str = "audit";

#[derive(Args, Debug)]
struct LeadArgs {
    /// The Zoho id, or part of the lead's name or company.
    #[arg(value_name = "ID_OR_NAME")]
    query: String,
}

/// A view and its flags, as typed.
#[derive(Debug)]
enum View {
    List(ListKind, ListArgs, Vec<Status>),
    Calendar(CalendarArgs),
    Pipeline(SpanArgs),
    Locators(SpanArgs),
    Lead(LeadArgs),
    Interventions(KpiArgs),
    Audit(AuditArgs),
    /// The sales dashboard's views (`cli/sales`).
    Sales(SalesView),
}

impl View {
    /// The flags each view takes: one arm per view, so a new view cannot be forgotten here.
    fn flags(kind: ViewKind, cmd: Command) -> Command {
        match kind {
            ViewKind::List(ListKind::Stale | ListKind::AtRisk) => ListArgs::augment_args(cmd),
            ViewKind::List(ListKind::Leads) => LeadsArgs::augment_args(cmd),
            ViewKind::Calendar => CalendarArgs::augment_args(cmd),
            ViewKind::Pipeline | ViewKind::Locators => SpanArgs::augment_args(cmd),
            ViewKind::Lead => LeadArgs::augment_args(cmd),
        }
    }

    /// The filters as typed, for the engine to check against the data.
    fn filter_input(&self) -> FilterInput {
        let (scope, from, to) = match self {
            View::List(_, a, _) => (Some(&a.scope), &a.from, &a.to),
            View::Calendar(a) => (Some(&a.scope), &a.from, &a.to),
            View::Pipeline(a) | View::Locators(a) => (Some(&a.scope), &a.from, &a.to),
            View::Lead(_) | View::Audit(_) | View::Sales(_) => (None, &None, &None),
            View::Interventions(k) => {
                return FilterInput {
                    stages: vec![],
                    locators: k.locator.clone(),
                    statuses: vec![],
                    from: k.from.clone(),
                    to: k.to.clone(),
                }
            }
        };
        FilterInput {
            stages: scope.map(|s| s.stage.clone()).unwrap_or_default(),
            locators: scope.map(|s| s.locator.clone()).unwrap_or_default(),
            statuses: vec![],
            from: from.clone(),
            to: to.clone(),
        }
    }

    /// `--status`, already parsed by clap.
    fn statuses(&self) -> &[Status] {
        match self {
            View::List(_, _, s) => s,
            View::Calendar(a) => &a.statuses.status,
            View::Pipeline(a) | View::Locators(a) => &a.statuses.status,
            View::Lead(_) | View::Interventions(_) | View::Audit(_) | View::Sales(_) => &[],
        }
    }
}

impl Subcommand for View {
    fn augment_subcommands(cmd: Command) -> Command {
        let cmd = cmd.subcommand_value_name("VIEW").subcommand_help_heading("Views");
        let cmd = ViewKind::ALL.into_iter().fold(cmd, |cmd, kind| {
            // The engine's words for what it shows, over the flags' own doc comments.
            let view = View::flags(kind, Command::new(kind.name()));
            cmd.subcommand(view.about(kind.about()).long_about(None).aliases(kind.aliases().iter().copied()))
        });
        let kpi = KpiArgs::augment_args(Command::new(INTERVENTIONS));
        let audit = AuditArgs::augment_args(Command::new(AUDIT));
        // The sales views after the lead views, each with its own help.
        let cmd = SalesView::augment_subcommands(cmd);
        cmd.subcommand(
            kpi.about("Follow-up KPIs: time to intervention and locator response time, per locator and by week")
                .long_about(None)
                .visible_alias(KPI),
        )
        .subcommand(
            audit
                .about("Write-back actions: who reassigned, noted or set a task, and what came of it")
                .long_about(None),
        )
    }

    fn augment_subcommands_for_update(cmd: Command) -> Command {
        View::augment_subcommands(cmd)
    }

    fn has_subcommand(name: &str) -> bool {
        name == KPI
            || name == INTERVENTIONS
            || name == AUDIT
            || SalesView::has_subcommand(name)
            || ViewKind::ALL.iter().any(|k| k.name() == name || k.aliases().contains(&name))
    }
}

impl FromArgMatches for View {
    fn from_arg_matches(top: &ArgMatches) -> Result<View, clap::Error> {
        use clap::error::ErrorKind;
        let (name, m) = top.subcommand().ok_or_else(|| clap::Error::new(ErrorKind::MissingSubcommand))?;
        if SalesView::has_subcommand(name) {
            return Ok(View::Sales(SalesView::from_arg_matches(top)?));
        }
        if name == INTERVENTIONS {
            return Ok(View::Interventions(KpiArgs::from_arg_matches(m)?));
        }
        if name == AUDIT {
            return Ok(View::Audit(AuditArgs::from_arg_matches(m)?));
        }
        // Clap gives the name a view was registered under, whichever alias was typed (so `kpi`
        // arrives as `interventions`).
        let kind = ViewKind::ALL
            .into_iter()
            .find(|k| k.name() == name)
            .ok_or_else(|| clap::Error::new(ErrorKind::InvalidSubcommand))?;
        Ok(match kind {
            ViewKind::List(k @ (ListKind::Stale | ListKind::AtRisk)) => {
                View::List(k, ListArgs::from_arg_matches(m)?, vec![])
            }
            ViewKind::List(ListKind::Leads) => {
                let a = LeadsArgs::from_arg_matches(m)?;
                View::List(ListKind::Leads, a.list, a.statuses.status)
            }
            ViewKind::Calendar => View::Calendar(CalendarArgs::from_arg_matches(m)?),
            ViewKind::Pipeline => View::Pipeline(SpanArgs::from_arg_matches(m)?),
            ViewKind::Locators => View::Locators(SpanArgs::from_arg_matches(m)?),
            ViewKind::Lead => View::Lead(LeadArgs::from_arg_matches(m)?),
        })
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = View::from_arg_matches(m)?;
        Ok(())
    }
}

/// The most leads `report lead` lists when a name fits several.
const LISTED: usize = 10;

pub fn run(cfg: &Config, a: ReportArgs) -> Result<(), Failure> {
    // Checked before the database is read: a bad query is bad input whatever the data.
    let query = match &a.view {
        View::Lead(l) => Some(input::lead_query(&l.query)?.to_string()),
        View::List(..) | View::Calendar(_) | View::Pipeline(_) | View::Locators(_) | View::Interventions(_) => None,
        View::Audit(_) => None,
        View::Sales(_) => None,
    };
    let view = match a.view {
        // The sales side reads its own snapshot (and its own checks of what was typed).
        View::Sales(v) => {
            return sales::run(cfg, v, a.as_of.as_deref(), a.format, super::use_color(std::io::stdout().is_terminal()))
        }
        view => view,
    };
    if !cfg.storage_path.exists() {
        return Err(Failure::input(format!(
            "there is no database at {}: run `panopticon sync` first",
            cfg.storage_path.display()
        )));
    }
    // Reading needs no write: a read-only file or directory, or a full disk, is fine.
    let store = Store::open_read_only(&cfg.storage_path)?;
    let conn = store.connect()?;
    let view = match view {
        // The record of actions, not a view of leads: it needs no sync to have run.
        View::Audit(args) => return audit::run(cfg, &conn, &args, a.format),
        view => view,
    };
    // This process shows one view: it reads only the leads that view needs (`Need`). First the
    // sync record, so an empty database is said before anything typed is checked.
    let load = |need: Need| Snapshot::load_for(&conn, &need, &cfg.rules).map_err(|e| e.in_file(&cfg.storage_path));
    let header = load(Need::Header)?;
    if header.is_empty() {
        return Err(Failure::input("the database is empty: run `panopticon sync` first"));
    }
    let now = chrono::Utc::now();
    let as_of = match &a.as_of {
        Some(t) => input::parse_as_of(t, cfg.rules.timezone, now)?,
        None => now,
    };
    let ctx = Context::new(cfg, as_of, now);
    let typed = view.filter_input();
    // The stages and locators there are, read only when the filter names one to check.
    let (stages, locators) = if typed.stages.is_empty() && typed.locators.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        known_names(&conn, &cfg.rules).map_err(|e| e.in_file(&cfg.storage_path))?
    };
    let mut filter = typed.parse(&stages, &locators)?;
    filter.statuses = view.statuses().to_vec();
    let color = super::use_color(std::io::stdout().is_terminal());
    let format = a.format;
    match view {
        View::List(kind, args, _) => {
            let s = &load(Need::list(kind, &filter, &ctx))?;
            emit(format, &list::build(s, &ctx, kind, &filter, args.sort), &ctx, color)
        }
        // Both count over every appointed lead.
        View::Locators(_) => emit(format, &locators::build(&load(Need::All)?, &ctx, &filter), &ctx, color),
        View::Pipeline(_) => emit(format, &pipeline::build(&load(Need::All)?, &ctx, &filter), &ctx, color),
        // The waits need every appointed lead's whole history, and the interventions.
        View::Interventions(_) => emit(format, &interventions::build(&load(Need::All)?, &ctx, &filter), &ctx, color),
        View::Calendar(c) => {
            let today = ctx.today();
            let range = input::calendar_dates(filter.from, filter.to, ("--from", "--to"))?;
            // Clap keeps --period and --from/--to apart.
            let period = match (c.period, range) {
                (Some(kind), _) => Period::around(kind, today),
                (None, Some((f, t))) => Period::range(f, t),
                (None, None) => Period::week(today),
            };
            let s = &load(Need::calendar(&period))?;
            emit(format, &calendar::build(s, &ctx, period, &filter), &ctx, color)
        }
        View::Audit(args) => audit::run(cfg, &conn, &args, format),
        // Answered above, before the lead snapshot is read.
        View::Sales(_) => Err(Failure::work("a sales view reached the lead views")),
        View::Lead(_) => {
            let q = query.unwrap_or_default();
            let q = q.as_str();
            let id = match lead::find(&conn, q, LISTED)? {
                Found::Nothing => return Err(Failure::input(format!("no lead has the id, name or company '{q}'"))),
                Found::One(id) => id,
                Found::Several(many, _) => {
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
            let detail = lead::build(&conn, &header, &ctx, &id)?
                .ok_or_else(|| Failure::input(format!("no lead with id {id}")))?;
            emit(format, &detail, &ctx, color)
        }
    }
}

impl Report for InterventionsView {
    fn table(&self, ctx: &Context, color: bool) -> String {
        InterventionsView::table(self, ctx, color)
    }
    fn csv(&self) -> String {
        InterventionsView::csv(self)
    }
}
