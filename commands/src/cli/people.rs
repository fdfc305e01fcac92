//! `panopticon people list|link|unlink`: who each Discord member is in the CRM, from the command
//! line — the same links `/link` and `/unlink` make in Discord (`store::link`, `store::unlink`),
//! marked as made by `cli` in the people log. Everything shown comes from the last sync (users,
//! roles) and the links table, made safe for a terminal like `report`.

use chrono::Utc;
use clap::{Args, Subcommand, ValueEnum};
use panopticon::config::Config;
use panopticon::people::{DirUser, Directory};
use panopticon::store::{self, LinkRefused, PeopleEvent, Person, Store};
use panopticon::views::text::{col, render, Align, Cell};
use serde_json::{json, Value};

use super::{out, Failure};

#[derive(Args)]
#[command(after_help = "Examples:\n  panopticon people list\n  panopticon people link 123456789012345678 \
                        \"Kenji Sato\"\n  panopticon people link 123456789012345678 kenji.sato@example.com\n  \
                        panopticon people unlink 123456789012345678\n  panopticon people list --log")]
pub struct PeopleArgs {
    #[command(subcommand)]
    command: PeopleCommand,
}

#[derive(Subcommand)]
enum PeopleCommand {
    /// Every linked member: Discord id, CRM user, CRM role, who linked them and when, personal DM.
    List {
        #[arg(long, value_enum, default_value_t = PeopleFormat::Table)]
        format: PeopleFormat,
        /// Show the people log instead (links, unlinks, members leaving and coming back), newest first.
        #[arg(long)]
        log: bool,
        /// With --log: how many lines.
        #[arg(long, default_value_t = 50, value_name = "N", requires = "log")]
        limit: usize,
    },
    /// Link a Discord member to a CRM user (replacing the member's previous link).
    Link {
        /// The member's Discord user id (Developer Mode → right-click → Copy User ID), or <@id>.
        #[arg(value_parser = discord_id, value_name = "DISCORD_ID")]
        discord_id: u64,
        /// The CRM user: their id, email, or exact full name (as synced from the CRM).
        #[arg(value_name = "CRM_USER")]
        crm_user: String,
    },
    /// Remove a Discord member's link.
    Unlink {
        #[arg(value_parser = discord_id, value_name = "DISCORD_ID")]
        discord_id: u64,
    },
}

/// `--format` of `people list`.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum PeopleFormat {
    Table,
    Json,
}

/// A Discord user id as typed: digits, or a mention `<@id>` / `<@!id>` pasted from Discord.
pub(super) fn discord_id(raw: &str) -> Result<u64, String> {
    let t = raw.trim();
    let digits = t.strip_prefix("<@").and_then(|r| r.strip_suffix('>')).map(|r| r.trim_start_matches('!')).unwrap_or(t);
    match digits.parse::<u64>() {
        Ok(n) if n > 0 && digits.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(format!(
            "'{raw}' is not a Discord user id (digits, like 123456789012345678: in Discord, Developer Mode → \
             right-click the member → Copy User ID)"
        )),
    }
}

/// Who the log says made a change from here.
const BY_CLI: &str = "cli";

pub fn run(cfg: &Config, args: PeopleArgs) -> Result<(), Failure> {
    if !cfg.storage_path.exists() {
        return Err(Failure::input(format!(
            "there is no database at {}: run `panopticon sync` first (links need the CRM's users)",
            cfg.storage_path.display()
        )));
    }
    match args.command {
        PeopleCommand::List { format, log: false, .. } => {
            let conn = Store::open_read_only(&cfg.storage_path)?.connect()?;
            let dir = store::directory(&conn)?;
            list(&store::people(&conn)?, &dir, format)
        }
        PeopleCommand::List { format, log: true, limit } => {
            let conn = Store::open_read_only(&cfg.storage_path)?.connect()?;
            log(&store::people_log(&conn, limit)?, &store::directory(&conn)?, format)
        }
        PeopleCommand::Link { discord_id, crm_user } => link(cfg, discord_id, &crm_user),
        PeopleCommand::Unlink { discord_id } => {
            let mut conn = Store::open(&cfg.storage_path)?.connect()?;
            let dir = store::directory(&conn)?;
            match store::unlink(&mut conn, discord_id, BY_CLI, Utc::now())? {
                Some(was) => out::line(&format!("Unlinked Discord member {discord_id} (was {}).", who(&dir, &was))),
                None => Err(Failure::input(format!(
                    "Discord member {discord_id} is not linked to anyone; `panopticon people list` shows who is"
                ))),
            }
        }
    }
}

fn link(cfg: &Config, discord: u64, typed: &str) -> Result<(), Failure> {
    let mut conn = Store::open(&cfg.storage_path)?.connect()?;
    let dir = store::directory(&conn)?;
    let user = match dir.find_user(typed).as_slice() {
        [] => {
            return Err(Failure::input(format!(
                "no CRM user has the id, email or name '{typed}'. Users come from the last sync: run \
                 `panopticon sync` if they are new"
            )))
        }
        [one] => (*one).clone(),
        many => {
            let lines: Vec<String> = many.iter().map(|u| format!("  {}", describe(u))).collect();
            return Err(Failure::input(format!(
                "'{typed}' names {} CRM users; nothing was linked. Link by id or email instead:\n{}",
                many.len(),
                lines.join("\n")
            )));
        }
    };
    match store::link(&mut conn, discord, &user.id, BY_CLI, Utc::now())? {
        Ok(before) => {
            let mut said = format!("Linked Discord member {discord} to {}.", describe(&user));
            if let Some(b) = before {
                said.push_str(&format!(" They were linked to {} before.", who(&dir, &b)));
            }
            if !user.active() {
                said.push_str(" Note: the CRM says this user is deactivated.");
            }
            out::line(&said)
        }
        Err(LinkRefused::UnknownUser(id)) => Err(Failure::input(format!(
            "no CRM user has the id {id} any more (a sync removed it meanwhile?); nothing was linked"
        ))),
        Err(LinkRefused::Taken { discord_id, .. }) => Err(Failure::work(format!(
            "{} is linked to Discord member {discord_id} already; nothing was linked. Unlink them first: \
             `panopticon people unlink {discord_id}`",
            describe(&user)
        ))),
    }
}

/// "Kenji Sato (3652397000000000002, kenji@…)".
pub(super) fn describe(u: &DirUser) -> String {
    match &u.email {
        Some(e) => format!("{} ({}, {e})", u.name, u.id),
        None => format!("{} ({})", u.name, u.id),
    }
}

/// A CRM user id in words, by name when the last sync knows it.
fn who(dir: &Directory, id: &str) -> String {
    match dir.user(id) {
        Some(u) => format!("{} ({})", u.name, u.id),
        None => format!("CRM user {id}"),
    }
}

fn role_name(dir: &Directory, u: Option<&DirUser>) -> Option<String> {
    let id = u?.role_id.as_deref()?;
    Some(dir.role(id).map(|r| r.name.clone()).unwrap_or_else(|| id.to_string()))
}

/// What else a person should know about a link, in a few words.
fn notes(p: &Person) -> Vec<String> {
    let mut n = Vec::new();
    match &p.crm_user {
        None => n.push("not among the synced CRM users".to_string()),
        Some(u) if !u.active() => n.push("deactivated in the CRM".to_string()),
        Some(_) => {}
    }
    if let Some(at) = &p.left_at {
        n.push(format!("left the server {at}"));
    }
    n
}

fn list(people: &[Person], dir: &Directory, format: PeopleFormat) -> Result<(), Failure> {
    match format {
        PeopleFormat::Json => {
            let rows: Vec<Value> = people
                .iter()
                .map(|p| {
                    let u = p.crm_user.as_ref();
                    json!({
                        // A string: Discord ids do not fit in a JavaScript number.
                        "discord_id": p.discord_id.to_string(),
                        "crm_user_id": p.crm_user_id,
                        "crm_user_name": u.map(|u| u.name.clone()),
                        "crm_user_email": u.and_then(|u| u.email.clone()),
                        "deactivated": u.is_some_and(|u| !u.active()),
                        "crm_role_id": u.and_then(|u| u.role_id.clone()),
                        "crm_role": role_name(dir, u),
                        "linked_by": p.linked_by,
                        "linked_at": p.linked_at,
                        "personal_digest": p.personal_digest,
                        "left_at": p.left_at,
                    })
                })
                .collect();
            out::json(&serde_json::to_string_pretty(&json!({ "total": rows.len(), "rows": rows }))?)
        }
        PeopleFormat::Table if people.is_empty() => out::line(
            "No one is linked yet. Link a member with `panopticon people link <DISCORD_ID> <CRM_USER>` (or /link in \
             Discord).",
        ),
        PeopleFormat::Table => {
            let cols = [
                col("Discord id", Align::Left, 20),
                col("CRM user", Align::Left, 28),
                col("CRM id", Align::Left, 20),
                col("Role", Align::Left, 24),
                col("Linked by", Align::Left, 20),
                col("Linked at", Align::Left, 20),
                col("DM", Align::Left, 3),
                col("Note", Align::Left, 48),
            ];
            let rows: Vec<Vec<Cell>> = people
                .iter()
                .map(|p| {
                    let u = p.crm_user.as_ref();
                    vec![
                        p.discord_id.to_string().into(),
                        u.map(|u| u.name.clone()).unwrap_or_else(|| "—".into()).into(),
                        p.crm_user_id.clone().into(),
                        role_name(dir, u).unwrap_or_else(|| "—".into()).into(),
                        p.linked_by.clone().into(),
                        p.linked_at.clone().into(),
                        if p.personal_digest { "on" } else { "off" }.into(),
                        notes(p).join("; ").into(),
                    ]
                })
                .collect();
            let head = format!("PEOPLE — {} linked\n", people.len());
            out::text(&format!("{head}{}", render(&cols, &rows, false)), false)
        }
    }
}

fn log(events: &[PeopleEvent], dir: &Directory, format: PeopleFormat) -> Result<(), Failure> {
    match format {
        PeopleFormat::Json => {
            let rows: Vec<Value> = events
                .iter()
                .map(|e| {
                    json!({
                        "at": e.at,
                        "discord_id": e.discord_id.to_string(),
                        "action": e.action,
                        "crm_user_id": e.crm_user_id,
                        "by": e.by,
                    })
                })
                .collect();
            out::json(&serde_json::to_string_pretty(&json!({ "total": rows.len(), "rows": rows }))?)
        }
        PeopleFormat::Table if events.is_empty() => out::line("The people log is empty: no one was ever linked."),
        PeopleFormat::Table => {
            let cols = [
                col("At", Align::Left, 20),
                col("Discord id", Align::Left, 20),
                col("Action", Align::Left, 10),
                col("CRM user", Align::Left, 40),
                col("By", Align::Left, 20),
            ];
            let rows: Vec<Vec<Cell>> = events
                .iter()
                .map(|e| {
                    vec![
                        e.at.clone().into(),
                        e.discord_id.to_string().into(),
                        e.action.clone().into(),
                        e.crm_user_id.as_deref().map(|u| who(dir, u)).unwrap_or_else(|| "—".into()).into(),
                        e.by.clone().into(),
                    ]
                })
                .collect();
            out::text(&format!("PEOPLE LOG — newest first\n{}", render(&cols, &rows, false)), false)
        }
    }
}
