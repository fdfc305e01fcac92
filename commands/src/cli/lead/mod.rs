//! `panopticon lead <ID> reassign|note|task`: the write-back actions from the command line
//! (issue 15), for the operator, who acts as a coordinator. Each shows what will be written and
//! asks on a terminal (`--yes` skips the question; without a terminal `--yes` is required), then
//! performs it through the same engine as the Discord buttons (`actions::run::perform`): one
//! write per key, the CRM's Modified_Time checked, the audit recorded before the call.
//!
//! Exit codes: 0 done (or already done), 1 refused, denied, failed, conflicting or cancelled,
//! 2 bad input, 3 sent with no answer yet (Panopticon looks again on its next run).

mod pick;
mod words;

use std::io::{BufRead, IsTerminal};

use chrono::Utc;
use clap::{Args, Subcommand, ValueEnum};
use panopticon::actions::run::{perform, settle_pending, Actor, Ask, Outcome, RunError};
use panopticon::actions::{Action, ActionKey, DueDate, Subject};
use panopticon::config::Config;
use panopticon::domain::LeadId;
use panopticon::people::{Access, Role, Scope};
use panopticon::store::{self, Store, Via};

use serde_json::json;

use super::{out, Failure};

#[derive(Args)]
#[command(after_help = "Examples:\n  panopticon lead 3652397000000123456 reassign --to maria@example.com\n  \
                        panopticon lead 3652397000000123456 note \"Called, no answer; trying again Monday\"\n  \
                        panopticon lead 3652397000000123456 task \"Call back\" --due +2d --yes\n  \
                        panopticon lead 3652397000000123456 note - --yes < long-note.txt")]
pub struct LeadArgs {
    /// The lead's Zoho id (`panopticon report lead <name>` shows it).
    #[arg(value_name = "ID")]
    id: String,
    /// Write without asking first (required when standard input is not a terminal).
    #[arg(long, short = 'y', global = true)]
    yes: bool,
    /// `json`: the outcome and the action's audit record as JSON on standard output (the
    /// preview then goes to standard error), for scripts.
    #[arg(long, value_enum, default_value_t = LeadFormat::Text, global = true)]
    format: LeadFormat,
    #[command(subcommand)]
    action: LeadAction,
}

/// `--format` of `lead`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum LeadFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum LeadAction {
    /// Give the lead to another CRM user (only if Zoho's copy has not changed since it was shown).
    Reassign {
        /// The new owner: their CRM user id, email, or exact full name (as synced).
        #[arg(long, value_name = "USER")]
        to: String,
    },
    /// Add a note to the lead in Zoho.
    Note {
        /// The note's text; `-` reads it from standard input (for long notes).
        #[arg(value_name = "TEXT", allow_hyphen_values = true)]
        text: String,
    },
    /// Set the lead's owner a follow-up task in Zoho, linked to the lead.
    Task {
        /// The task's subject (one line).
        #[arg(value_name = "SUBJECT", allow_hyphen_values = true)]
        subject: String,
        /// When it is due: YYYY-MM-DD, today, tomorrow or +Nd (in [rules] timezone).
        #[arg(long, value_name = "DATE")]
        due: String,
    },
}

/// The operator: a coordinator, who sees and may do everything.
fn operator() -> Actor {
    Actor {
        discord: None,
        name: pick::operator_name(),
        via: Via::Cli,
        access: Access { role: Role::Coordinator, crm_user: None, scope: Scope::Everyone },
    }
}

fn run_error(e: RunError) -> Failure {
    match e {
        RunError::NoSuchLead(_) | RunError::Pointless(_) => Failure::input(format!("{e}; nothing was written")),
        RunError::Disabled | RunError::Store(_) => Failure::work(e.to_string()),
    }
}

pub async fn run(cfg: &Config, a: LeadArgs) -> Result<(), Failure> {
    // What was typed is checked first: bad input is exit 2 whatever the config and the data.
    // Whichever CRM is configured: Zoho's digits, or Salesforce's 15/18-character ids.
    let id = match cfg.crm {
        panopticon::config::CrmKind::Zoho => LeadId::parse(&a.id),
        panopticon::config::CrmKind::Salesforce => LeadId::salesforce(&a.id),
    }
    .map_err(Failure::input)?;
    let tz = cfg.rules.timezone;
    let typed = match &a.action {
        LeadAction::Reassign { to } => Typed::Owner(to.clone()),
        LeadAction::Note { text } => Typed::Ready(Action::Note { text: pick::note_text(text)? }),
        LeadAction::Task { subject, due } => {
            let today = Utc::now().with_timezone(&tz).date_naive();
            let subject = Subject::parse(subject).map_err(|e| Failure::input(format!("{e}; nothing was written")))?;
            let due = DueDate::parse(due, today).map_err(|e| Failure::input(format!("--due: {e}")))?;
            Typed::Ready(Action::Task { subject, due })
        }
    };
    if !cfg.actions.enabled {
        return Err(run_error(RunError::Disabled));
    }
    if !cfg.storage_path.exists() {
        return Err(Failure::input(format!(
            "there is no database at {}: run `panopticon sync` first",
            cfg.storage_path.display()
        )));
    }
    let store = Store::open(&cfg.storage_path)?;
    let conn = store.connect()?;
    let action = match typed {
        Typed::Owner(to) => Action::Reassign { to: pick::new_owner(&store::directory(&conn)?, &to)? },
        Typed::Ready(action) => action,
    };
    // Missing secrets are said now, not as a failed action in the audit.
    super::sync::check_secrets(cfg)?;
    let crm = panopticon::crm::connect(cfg)?;
    // Interrupted actions first: one of them may be this very one, asked before a crash.
    for o in settle_pending(&store, &crm, Utc::now()).await.map_err(run_error)? {
        out::line(&words::settled(&o))?;
    }
    let mut lead = store::get_lead(&conn, id.as_str())?.ok_or_else(|| {
        Failure::input(format!(
            "no lead {id} in the synced copy: check the id (`panopticon report lead <name>` shows it) or run \
             `panopticon sync`; nothing was written"
        ))
    })?;
    let actor = operator();
    let interactive = std::io::stdin().is_terminal();
    loop {
        say(a.format, &words::preview(&lead, &action, tz))?;
        if !a.yes {
            if !interactive {
                return Err(Failure::input(
                    "standard input is not a terminal, so there is no one to ask: pass --yes to write this without \
                     the question. Nothing was written.",
                ));
            }
            if !confirmed()? {
                return Err(Failure::work("cancelled; nothing was written"));
            }
        }
        // A new key each time: a repeat after a conflict is a new decision, on what is shown now.
        let ask = Ask {
            key: ActionKey::new(),
            lead: id.clone(),
            action: action.clone(),
            seen_modified: Some(lead.modified_at),
        };
        let outcome = perform(&store, &crm, cfg.actions.enabled, &actor, &ask, Utc::now()).await.map_err(run_error)?;
        if let Outcome::Conflict { fresh, .. } = &outcome {
            match fresh {
                Some(f) => say(a.format, &format!("{}\n", words::fresh(f, tz)))?,
                None => {
                    say(a.format, "Zoho could not be read back just now; the next sync brings the lead's new state.\n")?
                }
            }
            if let (false, Some(f)) = (a.yes, fresh) {
                say(a.format, "Here is the same action on the lead as it is now.\n")?;
                lead = f.clone();
                continue;
            }
        }
        let (code, message) = words::outcome(&outcome);
        if a.format == LeadFormat::Json {
            let doc = json!({
                "outcome": words::name(&outcome),
                "exit": code,
                "message": message,
                "action": super::audit::json_row(outcome.record()),
            });
            out::json(&serde_json::to_string_pretty(&doc)?)?;
        }
        return match (code, a.format) {
            (0, LeadFormat::Text) => out::line(&message),
            (0, LeadFormat::Json) => Ok(()),
            _ => Err(Failure { code, message }),
        };
    }
}

/// Text for the person: on standard output, or with `--format json` on standard error (which
/// then keeps standard output for the JSON), made safe for a terminal either way.
fn say(format: LeadFormat, text: &str) -> Result<(), Failure> {
    match format {
        LeadFormat::Text => out::text(text, false),
        LeadFormat::Json => {
            use std::io::Write;
            let safe = panopticon::views::text::for_terminal_text(text, false);
            // A closed standard error is no reason to stop before the action.
            let _ = std::io::stderr().write_all(safe.as_bytes());
            Ok(())
        }
    }
}

/// What was typed, before the directory is read.
enum Typed {
    Owner(String),
    Ready(Action),
}

/// `Proceed? [y/N]` on the terminal; only y or yes goes ahead.
fn confirmed() -> Result<bool, Failure> {
    out::text("Proceed? [y/N] ", false)?;
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Failure::work(format!("cannot read the answer: {e}")))?;
    Ok(matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}
