//! Performing one write-back action: the thin I/O shell around the rules in `actions`.
//!
//! The order is the guarantee. The record is written under the action's key *before* the CRM is
//! called, so a second click, a resubmitted form or a restart finds it and never writes again;
//! permission and scope are decided first, from the person asking, at that moment; the write
//! carries the Modified_Time the person saw, so a lead that changed meanwhile is not touched;
//! and the resolution, with the lead's fresh copy, is one transaction. A write the CRM may or may
//! not have received is never repeated blindly: it is looked for in the CRM by its marker (a
//! note or task) or by the lead's owner (a reassign).

use chrono::{DateTime, Duration, Utc};

use super::{Action, ActionKey, ActionKind, Person, State};
use crate::crm::{CrmLead, CrmWriter, NewNote, NewTask, WriteError};
use crate::domain::LeadId;
use crate::people::Access;
use crate::store::{
    action_by_key, begin_action, count_attempt, get_lead, pending_actions, resolve_action, ActionRecord, Begun,
    Reflect, Resolution, Store, StoreError, StoredLead, Via,
};
use crate::time::{zoho_text, Stamp};

/// How long a pending action is taken to be still in flight (a second click then waits rather
/// than looks): longer than the client's timeout and its retries of what never reached the CRM.
pub const GRACE: Duration = Duration::minutes(2);

/// Who asks, decided by the caller's one place for it (`Access::decide`, or the command line's
/// operator, who is a coordinator).
#[derive(Clone, Debug)]
pub struct Actor {
    pub discord: Option<u64>,
    /// As people read it in the audit and in the CRM ("Cora Coord", "cli:ann").
    pub name: String,
    pub via: Via,
    pub access: Access,
}

/// One action as asked.
#[derive(Clone, Debug)]
pub struct Ask {
    pub key: ActionKey,
    pub lead: LeadId,
    pub action: Action,
    /// The lead's Modified_Time when it was shown to the person (reassign): the write happens
    /// only if the CRM's copy is no newer. `None`: the stored copy's, read now.
    pub seen_modified: Option<Stamp>,
}

/// What came of an action, with its record.
// One per action, returned once and matched at once: boxing the conflict's fresh lead would
// only add noise to every caller.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Outcome {
    /// Written. `again`: this key was already done (a second click): nothing new was written.
    Done { record: ActionRecord, again: bool },
    /// Another click of the same action is being written now.
    InProgress(ActionRecord),
    /// The lead changed in the CRM since it was shown; nothing was written. `fresh` is the new
    /// copy (already stored), to show and ask again.
    Conflict { record: ActionRecord, fresh: Option<StoredLead> },
    /// The CRM refused (locked, approval, validation, permission, scope): `record.reason`.
    Refused(ActionRecord),
    /// Not theirs to do.
    Denied(ActionRecord),
    /// Not written; asking again is safe.
    Failed(ActionRecord),
    /// Sent, with no answer, and not yet found in the CRM: Panopticon looks again
    /// (`settle_pending`) and records what it finds.
    Unconfirmed(ActionRecord),
}

impl Outcome {
    pub fn record(&self) -> &ActionRecord {
        match self {
            Outcome::Done { record, .. } | Outcome::Conflict { record, .. } => record,
            Outcome::InProgress(r)
            | Outcome::Refused(r)
            | Outcome::Denied(r)
            | Outcome::Failed(r)
            | Outcome::Unconfirmed(r) => r,
        }
    }
}

#[derive(Debug)]
pub enum RunError {
    /// `[actions] enabled = false`.
    Disabled,
    /// No such lead in the synced copy — or not one the person may see (the same answer).
    NoSuchLead(LeadId),
    /// The action makes no sense for this lead (handing it to its owner, a task for a lead with
    /// no owner): nothing recorded.
    Pointless(String),
    Store(StoreError),
}

impl From<StoreError> for RunError {
    fn from(e: StoreError) -> Self {
        RunError::Store(e)
    }
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Disabled => f.write_str(
                "write-back actions are off: set [actions] enabled = true in the config (see the README, \
                 Write-back actions)",
            ),
            RunError::NoSuchLead(id) => write!(f, "no lead {id} in the synced copy"),
            RunError::Pointless(why) => f.write_str(why),
            RunError::Store(e) => write!(f, "{e}"),
        }
    }
}

fn person(u: &crate::crm::UserRef) -> Person {
    Person { id: u.id.clone(), name: u.name.clone() }
}

/// Performs `ask` for `actor`: at most one write per key, whatever happens.
pub async fn perform<W: CrmWriter>(
    store: &Store,
    crm: &W,
    enabled: bool,
    actor: &Actor,
    ask: &Ask,
    now: DateTime<Utc>,
) -> Result<Outcome, RunError> {
    if !enabled {
        return Err(RunError::Disabled);
    }
    let mut conn = store.connect()?;
    let lead = get_lead(&conn, ask.lead.as_str())?.ok_or_else(|| RunError::NoSuchLead(ask.lead.clone()))?;
    let owner = lead.locator.as_ref().map(|u| u.id.as_str());
    if !actor.access.scope.allows(owner) {
        return Err(RunError::NoSuchLead(ask.lead.clone()));
    }
    if let Some(existing) = action_by_key(&conn, &ask.key)? {
        return settle(store, crm, existing, now).await;
    }
    let mut rec = ActionRecord {
        id: 0,
        key: ask.key.clone(),
        lead_id: lead.id.as_str().to_string(),
        lead_name: lead.full_name.clone(),
        kind: ask.action.kind(),
        by_discord: actor.discord,
        by_name: actor.name.clone(),
        via: actor.via,
        from: lead.locator.as_ref().map(person),
        to: None,
        body: None,
        due: None,
        seen_modified: None,
        requested_at: now,
        state: State::Pending,
        crm_id: None,
        code: None,
        reason: None,
        resolved_at: None,
        attempts: 0,
    };
    match &ask.action {
        Action::Reassign { to } => {
            if owner == Some(to.id.as_str()) {
                return Err(RunError::Pointless(format!("{} already owns {}", to.name, lead.full_name)));
            }
            rec.to = Some(to.clone());
            rec.seen_modified = Some(zoho_text(ask.seen_modified.unwrap_or(lead.modified_at).original()));
        }
        Action::Note { text } => rec.body = Some(text.as_str().to_string()),
        Action::Task { subject, due } => {
            let Some(o) = &lead.locator else {
                return Err(RunError::Pointless(format!("{} has no owner to set a task for", lead.full_name)));
            };
            rec.to = Some(person(o));
            rec.body = Some(subject.as_str().to_string());
            rec.due = Some(due.date());
        }
    }
    let kind = rec.kind;
    let permitted = actor.access.may(kind.act(), owner)
        && match &ask.action {
            Action::Reassign { to } => actor.access.may_hand_to(&to.id),
            _ => true,
        };
    if !permitted {
        rec.state = State::Denied;
        rec.reason = Some(denial(actor, kind));
        rec.resolved_at = Some(now);
        return Ok(match begin_action(&mut conn, &rec)? {
            Begun::New(r) => Outcome::Denied(r),
            Begun::Existing(r) => settle(store, crm, r, now).await?,
        });
    }
    let rec = match begin_action(&mut conn, &rec)? {
        Begun::New(r) => r,
        Begun::Existing(r) => return settle(store, crm, r, now).await,
    };
    let finish = |state, code: Option<&str>, reason: Option<String>| Resolution {
        state,
        crm_id: None,
        code: code.map(str::to_string),
        reason,
        at: now,
    };
    match crm.scopes().await {
        Ok(scopes) => {
            if let Some(scope) = scopes.missing(kind) {
                let why = format!("the {} token lacks the scope {scope}", crm.crm_name());
                resolve_action(
                    &mut conn,
                    rec.id,
                    &finish(State::Refused, Some("OAUTH_SCOPE_MISMATCH"), Some(why)),
                    Reflect::Nothing,
                )?;
                return reread(&conn, rec.id).map(Outcome::Refused);
            }
        }
        Err(e) => {
            resolve_action(&mut conn, rec.id, &finish(State::Failed, None, Some(e.to_string())), Reflect::Nothing)?;
            return reread(&conn, rec.id).map(Outcome::Failed);
        }
    }
    count_attempt(&conn, rec.id)?;
    let written = match &ask.action {
        Action::Reassign { to } => {
            let since = ask.seen_modified.unwrap_or(lead.modified_at);
            crm.set_locator(&lead.id, &to.id, since).await
        }
        Action::Note { text } => crm.add_note(&lead.id, &note(text.as_str(), &actor.name, &rec.key)).await,
        Action::Task { subject, due } => {
            let owner_id = rec.to.as_ref().map(|p| p.id.clone()).unwrap_or_default();
            let task = NewTask {
                subject: subject.as_str().to_string(),
                due: due.date(),
                owner_id,
                description: format!(
                    "Follow-up on {}, set by {} in Panopticon. {}",
                    lead.full_name,
                    actor.name,
                    rec.key.marker()
                ),
            };
            crm.create_task(&lead.id, &task).await
        }
    };
    match written {
        Ok(ack) => done(store, crm, rec, Some(ack.id), now).await,
        Err(WriteError::Conflict) => {
            let fresh = crm.read_lead(&lead.id).await.ok().flatten();
            let r = Resolution {
                code: Some("ALREADY_MODIFIED".into()),
                reason: Some(format!("the lead changed in {} after it was shown; nothing was written", crm.crm_name())),
                ..finish(State::Conflict, None, None)
            };
            let reflect = fresh.as_ref().map(Reflect::Lead).unwrap_or(Reflect::Nothing);
            resolve_action(&mut conn, rec.id, &r, reflect)?;
            let fresh = get_lead(&conn, lead.id.as_str())?;
            Ok(Outcome::Conflict { record: reread(&conn, rec.id)?, fresh })
        }
        Err(WriteError::Refused { code, reason, field }) => {
            let reason = match field {
                Some(f) => format!("{reason} (field {f})"),
                None => reason,
            };
            resolve_action(&mut conn, rec.id, &finish(State::Refused, Some(&code), Some(reason)), Reflect::Nothing)?;
            reread(&conn, rec.id).map(Outcome::Refused)
        }
        Err(WriteError::MissingScope { scope }) => {
            let why = format!("the {} token lacks the scope {scope}", crm.crm_name());
            resolve_action(
                &mut conn,
                rec.id,
                &finish(State::Refused, Some("OAUTH_SCOPE_MISMATCH"), Some(why)),
                Reflect::Nothing,
            )?;
            reread(&conn, rec.id).map(Outcome::Refused)
        }
        Err(WriteError::NotSent(e)) => {
            resolve_action(&mut conn, rec.id, &finish(State::Failed, None, Some(e.to_string())), Reflect::Nothing)?;
            reread(&conn, rec.id).map(Outcome::Failed)
        }
        Err(WriteError::Uncertain { detail }) => {
            tracing::warn!(target: "panopticon::actions", key = %rec.key, %detail, "no answer to a write; reading back");
            look_back(store, crm, rec, now, false).await
        }
    }
}

/// The note as written: the text, then who wrote it and the marker that finds it again.
fn note(text: &str, by: &str, key: &ActionKey) -> NewNote {
    NewNote {
        title: format!("Note from {by} (Panopticon)"),
        content: format!("{text}\n\n— {by}, via Panopticon ({})", key.marker()),
    }
}

fn denial(actor: &Actor, kind: ActionKind) -> String {
    use crate::people::Role;
    match (actor.access.role, kind) {
        (Role::Viewer, _) => "viewers do not act on leads".into(),
        (Role::Member, ActionKind::Reassign) => "members do not reassign leads".into(),
        (Role::Member, ActionKind::Task) => "members do not set follow-up tasks; a manager or coordinator can".into(),
        (Role::Member, ActionKind::Note) => "members add notes to their own leads only".into(),
        (Role::Manager, ActionKind::Reassign) => "managers reassign their team's leads, to their team".into(),
        _ => format!("not allowed to {} this lead", kind.label()),
    }
}

fn reread(conn: &rusqlite::Connection, id: i64) -> Result<ActionRecord, RunError> {
    crate::store::action_by_id(conn, id)?
        .ok_or_else(|| RunError::Store(StoreError::Corrupt(format!("action {id} vanished"))))
}

/// Resolves `rec` as done, reflecting a reassign by re-reading the lead (or, if that fails,
/// by setting the new owner alone).
async fn done<W: CrmWriter>(
    store: &Store,
    crm: &W,
    rec: ActionRecord,
    crm_id: Option<String>,
    now: DateTime<Utc>,
) -> Result<Outcome, RunError> {
    let mut conn = store.connect()?;
    let fresh: Option<CrmLead> = match rec.kind {
        ActionKind::Reassign => match LeadId::stored(&rec.lead_id) {
            Ok(id) => crm.read_lead(&id).await.ok().flatten(),
            Err(_) => None,
        },
        _ => None,
    };
    let reflect = match (&fresh, rec.kind, &rec.to) {
        (Some(l), _, _) => Reflect::Lead(l),
        (None, ActionKind::Reassign, Some(to)) => Reflect::Locator(to),
        _ => Reflect::Nothing,
    };
    let r = Resolution { state: State::Done, crm_id, code: None, reason: None, at: now };
    let mine = resolve_action(&mut conn, rec.id, &r, reflect)?;
    Ok(Outcome::Done { record: reread(&conn, rec.id)?, again: !mine })
}

/// A key seen before: what became of it, resolving it by reading the CRM back if it has been
/// pending longer than `GRACE` (a restart interrupted it).
async fn settle<W: CrmWriter>(
    store: &Store,
    crm: &W,
    rec: ActionRecord,
    now: DateTime<Utc>,
) -> Result<Outcome, RunError> {
    Ok(match rec.state {
        State::Done => Outcome::Done { record: rec, again: true },
        State::Conflict => {
            let fresh = store.read(|c| get_lead(c, &rec.lead_id))?;
            Outcome::Conflict { record: rec, fresh }
        }
        State::Refused => Outcome::Refused(rec),
        State::Denied => Outcome::Denied(rec),
        State::Failed => Outcome::Failed(rec),
        State::Pending if now - rec.requested_at < GRACE => Outcome::InProgress(rec),
        State::Pending => look_back(store, crm, rec, now, true).await?,
    })
}

/// Finds out whether a write with no answer landed: the note or task by its marker, the
/// reassign by the lead's owner. Found → done. Not found: if `conclusive` (the call is older
/// than `GRACE`, so it cannot still land) it failed and asking again is safe; otherwise it stays
/// pending for `settle_pending`.
async fn look_back<W: CrmWriter>(
    store: &Store,
    crm: &W,
    rec: ActionRecord,
    now: DateTime<Utc>,
    conclusive: bool,
) -> Result<Outcome, RunError> {
    let Ok(lead) = LeadId::stored(&rec.lead_id) else {
        return Err(RunError::Store(StoreError::Corrupt(format!("lead id '{}' in actions", rec.lead_id))));
    };
    let marker = rec.key.marker();
    let found: Result<Option<String>, _> = match rec.kind {
        ActionKind::Note => crm.find_note(&lead, &marker).await,
        ActionKind::Task => crm.find_task(&lead, &marker).await,
        ActionKind::Reassign => crm.read_lead(&lead).await.map(|l| {
            l.filter(|l| l.locator.as_ref().map(|u| &u.id) == rec.to.as_ref().map(|p| &p.id)).map(|l| l.id.to_string())
        }),
    };
    match found {
        Ok(Some(id)) => done(store, crm, rec, Some(id), now).await,
        Ok(None) if conclusive => {
            let mut conn = store.connect()?;
            let r = Resolution {
                state: State::Failed,
                crm_id: None,
                code: None,
                reason: Some(format!(
                    "{} did not answer and the {} is not there: nothing was written; ask again",
                    crm.crm_name(),
                    rec.kind.label()
                )),
                at: now,
            };
            resolve_action(&mut conn, rec.id, &r, Reflect::Nothing)?;
            reread(&conn, rec.id).map(Outcome::Failed)
        }
        Ok(None) | Err(_) => {
            let conn = store.connect()?;
            reread(&conn, rec.id).map(Outcome::Unconfirmed)
        }
    }
}

/// Resolves every action pending longer than `GRACE` (a restart or a lost answer left it), by
/// reading the CRM back. Run after each sync and before the command line acts. What each came to.
pub async fn settle_pending<W: CrmWriter>(
    store: &Store,
    crm: &W,
    now: DateTime<Utc>,
) -> Result<Vec<Outcome>, RunError> {
    let pending = store.read(pending_actions)?;
    let mut out = Vec::new();
    for rec in pending.into_iter().filter(|r| now - r.requested_at >= GRACE) {
        out.push(look_back(store, crm, rec, now, true).await?);
    }
    Ok(out)
}
