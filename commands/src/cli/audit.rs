//! `panopticon report audit`: the write-back actions' record (`store::audit`) — who asked to
//! reassign, note or set a task on which lead, from where, and what came of it (with the CRM's
//! code and reason), newest first, as a table, JSON or formula-safe CSV. Read-only: it works on
//! a read-only database file.

use chrono::{DateTime, NaiveDate, Utc};
use clap::Args;
use panopticon::actions::{ActionKind, State};
use panopticon::config::Config;
use panopticon::store::{self, ActionRecord, AuditFilter, Connection};
use panopticon::time::Stamp;
use panopticon::views::csv_line;
use panopticon::views::text::{col, render, Align, Cell};
use serde_json::{json, Value};

use super::out::{self, Format};
use super::people::describe;
use super::values::{self, Named};
use super::Failure;

#[derive(Args, Debug)]
pub struct AuditArgs {
    /// Only actions on this lead (its Zoho id).
    #[arg(long, value_name = "ID")]
    lead: Option<String>,
    /// Only actions concerning this CRM user (owner before or after, or the task's owner): id,
    /// email or exact name.
    #[arg(long, value_name = "CRM_USER")]
    user: Option<String>,
    /// Only actions asked by this Discord member (their user id).
    #[arg(long, value_name = "DISCORD_ID", value_parser = super::people::discord_id)]
    by: Option<u64>,
    /// Only actions asked on or after this date (YYYY-MM-DD, business time zone) or instant (RFC 3339).
    #[arg(long, value_name = "DATE")]
    since: Option<String>,
    /// Only actions in this state.
    #[arg(long, value_name = "STATE", value_parser = values::of::<State>())]
    state: Option<State>,
    /// At most this many (0: all).
    #[arg(long, value_name = "N", default_value_t = 100)]
    limit: usize,
}

impl Named for State {
    fn names() -> Vec<&'static str> {
        State::ALL.iter().map(|s| s.as_str()).collect()
    }
    fn parse(s: &str) -> Option<State> {
        State::parse(&s.trim().to_ascii_lowercase())
    }
}

/// `--since`: a date from the start of that day in the business zone, or an RFC 3339 instant.
fn since(raw: &str, cfg: &Config) -> Result<DateTime<Utc>, Failure> {
    let t = raw.trim();
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(Stamp::start_of_day(d, cfg.rules.timezone).utc());
    }
    DateTime::parse_from_rfc3339(t).map(|d| d.with_timezone(&Utc)).map_err(|_| {
        Failure::input(format!("--since '{t}' is not a date (YYYY-MM-DD) or an RFC 3339 time (2026-11-20T09:00:00Z)"))
    })
}

fn filter(cfg: &Config, conn: &Connection, a: &AuditArgs) -> Result<AuditFilter, Failure> {
    let lead = match &a.lead {
        Some(l) => Some(panopticon::domain::LeadId::stored(l).map_err(Failure::input)?.as_str().to_string()),
        None => None,
    };
    let crm_user = match &a.user {
        None => None,
        Some(typed) => {
            let dir = store::directory(conn)?;
            match dir.find_user(typed).as_slice() {
                [one] => Some(one.id.clone()),
                [] => {
                    return Err(Failure::input(format!(
                        "no synced CRM user has the id, email or name '{}'",
                        typed.trim()
                    )))
                }
                many => {
                    let list: Vec<String> = many.iter().map(|u| format!("  {}", describe(u))).collect();
                    return Err(Failure::input(format!(
                        "'{}' names {} CRM users; give the id or email of one:\n{}",
                        typed.trim(),
                        many.len(),
                        list.join("\n")
                    )));
                }
            }
        }
    };
    Ok(AuditFilter {
        lead,
        by_discord: a.by,
        crm_user,
        since: a.since.as_deref().map(|s| since(s, cfg)).transpose()?,
        state: a.state,
        limit: a.limit,
    })
}

pub fn run(cfg: &Config, conn: &Connection, a: &AuditArgs, format: Format) -> Result<(), Failure> {
    let f = filter(cfg, conn, a)?;
    let rows = store::audit(conn, &f)?;
    match format {
        Format::Json => {
            let rows: Vec<Value> = rows.iter().map(json_row).collect();
            out::json(&serde_json::to_string_pretty(&json!({ "view": "audit", "total": rows.len(), "rows": rows }))?)
        }
        Format::Csv => out::csv(&csv(&rows)),
        Format::Table if rows.is_empty() => {
            let unfiltered = AuditFilter { limit: f.limit, ..AuditFilter::default() };
            out::line(if f == unfiltered {
                "No write-back actions are recorded yet."
            } else {
                "No write-back action matches."
            })
        }
        Format::Table => out::text(&table(cfg, &rows), false),
    }
}

/// "Kenji Sato (3652…)".
fn person(p: &Option<panopticon::actions::Person>) -> String {
    p.as_ref().map(|p| format!("{} ({})", p.name, p.id)).unwrap_or_default()
}

/// The note's text, or the task's subject and due date.
fn detail(r: &ActionRecord) -> Option<String> {
    match r.kind {
        ActionKind::Reassign => None,
        ActionKind::Note => r.body.clone(),
        ActionKind::Task => Some(match r.due {
            Some(d) => format!("{} (due {d})", r.body.as_deref().unwrap_or("")),
            None => r.body.clone().unwrap_or_default(),
        }),
    }
}

fn time(t: DateTime<Utc>) -> String {
    panopticon::time::utc_text(t)
}

/// One action as the audit's JSON has it (also `panopticon lead --format json`'s `action`).
pub(super) fn json_row(r: &ActionRecord) -> Value {
    let who = |p: &Option<panopticon::actions::Person>| p.as_ref().map(|p| json!({ "id": p.id, "name": p.name }));
    json!({
        "id": r.id,
        "requested_at": time(r.requested_at),
        "lead_id": r.lead_id,
        "lead": r.lead_name,
        "action": r.kind.as_str(),
        "by": r.by_name,
        // A string: Discord ids do not fit in a JavaScript number.
        "by_discord": r.by_discord.map(|d| d.to_string()),
        "via": r.via.as_str(),
        "from": who(&r.from),
        "to": who(&r.to),
        "detail": detail(r),
        "state": r.state.as_str(),
        "code": r.code,
        "reason": r.reason,
        "crm_id": r.crm_id,
        "resolved_at": r.resolved_at.map(time),
        "attempts": r.attempts,
    })
}

const CSV_HEAD: &str =
    "id,requested_at,lead_id,lead,action,by,via,from,to,detail,state,code,reason,crm_id,resolved_at,attempts\n";

fn csv(rows: &[ActionRecord]) -> String {
    let mut s = String::from(CSV_HEAD);
    for r in rows {
        s.push_str(&csv_line(&[
            r.id.to_string(),
            time(r.requested_at),
            r.lead_id.clone(),
            r.lead_name.clone(),
            r.kind.as_str().to_string(),
            r.by_name.clone(),
            r.via.as_str().to_string(),
            person(&r.from),
            person(&r.to),
            detail(r).unwrap_or_default(),
            r.state.as_str().to_string(),
            r.code.clone().unwrap_or_default(),
            r.reason.clone().unwrap_or_default(),
            r.crm_id.clone().unwrap_or_default(),
            r.resolved_at.map(time).unwrap_or_default(),
            r.attempts.to_string(),
        ]));
    }
    s
}

fn table(cfg: &Config, rows: &[ActionRecord]) -> String {
    let tz = cfg.rules.timezone;
    let cols = [
        col("Asked", Align::Left, 16),
        col("Lead id", Align::Left, 20),
        col("Lead", Align::Left, 24),
        col("Action", Align::Left, 8),
        col("By", Align::Left, 20),
        col("What", Align::Left, 48),
        col("State", Align::Left, 8),
        col("Why", Align::Left, 60),
    ];
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            let what = match r.kind {
                ActionKind::Reassign => format!(
                    "{} → {}",
                    r.from.as_ref().map(|p| p.name.as_str()).unwrap_or("no one"),
                    r.to.as_ref().map(|p| p.name.as_str()).unwrap_or("?")
                ),
                ActionKind::Note => detail(r).unwrap_or_default().replace('\n', " "),
                ActionKind::Task => format!(
                    "{} for {}",
                    detail(r).unwrap_or_default(),
                    r.to.as_ref().map(|p| p.name.as_str()).unwrap_or("the owner")
                ),
            };
            let why = match (&r.reason, &r.code) {
                // The code first: a long reason is cut at the column's width.
                (Some(reason), Some(code)) => format!("{code}: {reason}"),
                (Some(reason), None) => reason.clone(),
                (None, Some(code)) => code.clone(),
                (None, None) => String::new(),
            };
            vec![
                r.requested_at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string().into(),
                r.lead_id.clone().into(),
                r.lead_name.clone().into(),
                r.kind.as_str().into(),
                format!("{} via {}", r.by_name, r.via.as_str()).into(),
                what.into(),
                r.state.as_str().into(),
                why.into(),
            ]
        })
        .collect();
    format!(
        "AUDIT — {} write-back action{}, newest first ({})\n{}",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" },
        tz,
        render(&cols, &cells, false)
    )
}
