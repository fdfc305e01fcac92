//! What `panopticon lead` says: the action about to be written (lead, company, from → to, the
//! note, the task's subject, due date and owner), the lead as Zoho has it after a conflict, and
//! what came of it — the CRM's own reason in plain words when it refused.

use chrono_tz::Tz;
use panopticon::actions::run::Outcome;
use panopticon::actions::Action;
use panopticon::store::{ActionRecord, StoredLead};

/// "Ana Lopez (Acme Ltd), lead 3652397000000123456".
pub fn lead_line(lead: &StoredLead) -> String {
    match &lead.company {
        Some(c) if !c.trim().is_empty() => format!("{} ({c}), lead {}", lead.full_name, lead.id),
        _ => format!("{}, lead {}", lead.full_name, lead.id),
    }
}

fn owner(lead: &StoredLead) -> String {
    lead.locator.as_ref().map(|u| format!("{} ({})", u.name, u.id)).unwrap_or_else(|| "no one".into())
}

fn when(lead: &StoredLead, tz: Tz) -> String {
    lead.modified_at.utc().with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string()
}

/// The preview shown before asking.
pub fn preview(lead: &StoredLead, action: &Action, tz: Tz) -> String {
    let mut s = String::new();
    match action {
        Action::Reassign { to } => {
            s.push_str(&format!("Reassign {}\n", lead_line(lead)));
            s.push_str(&format!("  from:  {}\n", owner(lead)));
            s.push_str(&format!("  to:    {} ({})\n", to.name, to.id));
            s.push_str(&format!("  stage: {}\n", lead.stage.as_deref().unwrap_or("—")));
            s.push_str(&format!(
                "  Zoho last changed it {}; if it has changed since, nothing is written.\n",
                when(lead, tz)
            ));
        }
        Action::Note { text } => {
            s.push_str(&format!("Add a note to {}\n", lead_line(lead)));
            s.push_str(&format!("  owner: {}\n  note:\n", owner(lead)));
            for l in text.as_str().lines() {
                s.push_str(&format!("    │ {l}\n"));
            }
        }
        Action::Task { subject, due } => {
            s.push_str(&format!("Set a follow-up task on {}\n", lead_line(lead)));
            s.push_str(&format!("  for:     {} (the lead's owner)\n", owner(lead)));
            s.push_str(&format!("  subject: {}\n", subject.as_str()));
            s.push_str(&format!("  due:     {}\n", due.date().format("%Y-%m-%d (%A)")));
        }
    }
    s
}

/// The lead as Zoho has it now, after a conflict.
pub fn fresh(lead: &StoredLead, tz: Tz) -> String {
    format!(
        "Zoho has it now: owner {}, stage {}, last changed {}.",
        owner(lead),
        lead.stage.as_deref().unwrap_or("—"),
        when(lead, tz)
    )
}

/// "Zoho refused: <its message> (<its code>)".
pub fn refused(r: &ActionRecord) -> String {
    let reason = r.reason.as_deref().unwrap_or("no reason given");
    let mut s = match &r.code {
        Some(code) => format!("Zoho refused: {reason} ({code})."),
        None => format!("Zoho refused: {reason}."),
    };
    if r.code.as_deref() == Some("OAUTH_SCOPE_MISMATCH") {
        s.push_str(" Add the scope to a new refresh token (README, Write-back actions → Turning them on).");
    }
    s.push_str(" Nothing was written.");
    s
}

/// The outcome's name in `lead --format json`.
pub fn name(o: &Outcome) -> &'static str {
    match o {
        Outcome::Done { again: false, .. } => "done",
        Outcome::Done { again: true, .. } => "already_done",
        Outcome::InProgress(_) => "in_progress",
        Outcome::Conflict { .. } => "conflict",
        Outcome::Refused(_) => "refused",
        Outcome::Denied(_) => "denied",
        Outcome::Failed(_) => "failed",
        Outcome::Unconfirmed(_) => "unconfirmed",
    }
}

/// What a finished action did, in one line.
pub fn done(r: &ActionRecord, again: bool) -> String {
    let what = match r.kind {
        panopticon::actions::ActionKind::Reassign => format!(
            "{} is now {}'s lead in Zoho",
            r.lead_name,
            r.to.as_ref().map(|p| p.name.as_str()).unwrap_or("the new owner")
        ),
        panopticon::actions::ActionKind::Note => format!("the note is on {} in Zoho", r.lead_name),
        panopticon::actions::ActionKind::Task => format!(
            "the task \"{}\" due {} is set for {} on {} in Zoho",
            r.body.as_deref().unwrap_or(""),
            r.due.map(|d| d.to_string()).unwrap_or_default(),
            r.to.as_ref().map(|p| p.name.as_str()).unwrap_or("the owner"),
            r.lead_name
        ),
    };
    // A reassign's record is the lead itself, whose id was shown already.
    let id = match (r.kind, r.crm_id.as_deref()) {
        (panopticon::actions::ActionKind::Reassign, _) | (_, None) => String::new(),
        (_, Some(i)) => format!(" (Zoho id {i})"),
    };
    if again {
        format!("Already done earlier: {what}{id}. Nothing new was written. Audit ref {}.", r.key)
    } else {
        format!("Done: {what}{id}. Audit ref {}.", r.key)
    }
}

/// The message and exit code of every outcome but a conflict (which may ask again).
pub fn outcome(o: &Outcome) -> (u8, String) {
    match o {
        Outcome::Done { record, again } => (0, done(record, *again)),
        Outcome::Refused(r) => (1, refused(r)),
        Outcome::Denied(r) => {
            (1, format!("Not allowed: {}. Nothing was written.", r.reason.as_deref().unwrap_or("not yours to do")))
        }
        Outcome::Failed(r) => (
            1,
            format!(
                "Not written: {}. Asking again is safe.",
                r.reason.as_deref().unwrap_or("the CRM could not be reached")
            ),
        ),
        Outcome::InProgress(r) => (
            3,
            format!(
                "This {} is being written right now (audit ref {}); check `panopticon report audit`.",
                r.kind.label(),
                r.key
            ),
        ),
        Outcome::Unconfirmed(r) => (
            3,
            format!(
                "Sent to Zoho, but no answer came back and the {} is not there yet. Panopticon will check again on \
                 the next run (a sync or `panopticon lead`) and record what it finds: `panopticon report audit \
                 --lead {}`. Audit ref {}.",
                r.kind.label(),
                r.lead_id,
                r.key
            ),
        ),
        Outcome::Conflict { record, .. } => (
            1,
            format!(
                "{} changed in Zoho after it was shown; nothing was written. Run the command again to act on it as \
                 it is now.",
                record.lead_name
            ),
        ),
    }
}

/// One line per interrupted action `settle_pending` resolved before this one.
pub fn settled(o: &Outcome) -> String {
    let r = o.record();
    let came = match o {
        Outcome::Done { .. } => "was written after all".to_string(),
        Outcome::Failed(_) => "was not written; ask again if it is still wanted".to_string(),
        Outcome::Unconfirmed(_) => "could not be checked (Zoho did not answer); Panopticon looks again next run".into(),
        _ => format!("is {}", r.state),
    };
    format!(
        "An interrupted {} on {} (asked {} by {}) {came}.",
        r.kind.label(),
        r.lead_name,
        r.requested_at.format("%Y-%m-%d %H:%M UTC"),
        r.by_name
    )
}
