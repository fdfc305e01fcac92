//! The sales half of a run (issue 16): Deals, Calls, Tasks, Events, Accounts and Contacts
//! listed side by side with the leads, through the same writer and its one transaction, each
//! with its own watermark and `/deleted`; then the stage history of exactly the deals that
//! need it, and the stage metadata only when it may have changed.
//!
//! The API-call minimum: a run with nothing new costs one call per listing and one per
//! `/deleted` (each answered 304). `Stage_History` is one call per deal, so it is read only
//! for a deal that is new or whose stage moved (plus those owed by a refused read);
//! `settings/fields` only when the Deals listing changed something, or once a day.
//!
//! Events are listed here apart from the leads' appointments (`[appointments] source =
//! "events"` lists them too): the two listings ask different fields, keep different
//! watermarks and mean different things (a lead's appointment is dropped when re-linked to a
//! deal; a meeting is kept whatever it is about), and a full run of one must not reconcile the
//! other. Feeding both from one listing would couple their failures and their watermarks to
//! save one call per run that Zoho answers 304 — so Events cost two calls when nothing changed.

mod write;

use std::sync::atomic::Ordering;

use tokio::sync::{mpsc, oneshot};

use super::writer::{Marks, ToWriter};
use super::{writer_gone, Sink, SyncError};
use crate::crm::{CrmError, CrmSource, Skipped};
use crate::sales::{SalesModule, SalesRecord};
pub(super) use write::{meta_due, SalesMsg, SalesWriter};

/// Watermark keys in `sync_state`: each sales module's listing and its `/deleted`.
pub(super) const MARKS: [(SalesModule, &str, &str); 6] = [
    (SalesModule::Deals, "Deals", "Deals/deleted"),
    (SalesModule::Calls, "Calls", "Calls/deleted"),
    (SalesModule::Tasks, "Tasks", "Tasks/deleted"),
    (SalesModule::Events, "Events", "Events/deleted"),
    (SalesModule::Accounts, "Accounts", "Accounts/deleted"),
    (SalesModule::Contacts, "Contacts", "Contacts/deleted"),
];

/// The CRM refusing a module to this token (the scope or the user's profile), not a failure.
fn refused(e: &CrmError) -> bool {
    // Salesforce's word for an object the user's profile may not read is INSUFFICIENT_ACCESS.
    matches!(e, CrmError::Api { code, .. } if code == "OAUTH_SCOPE_MISMATCH" || code == "NO_PERMISSION" || code == "INSUFFICIENT_ACCESS")
}

fn records(items: Vec<SalesRecord>, skipped: Vec<Skipped>) -> ToWriter {
    ToWriter::Sales(SalesMsg::Records(items, skipped))
}

/// Every sales listing, side by side, each page streamed to the writer; returns the
/// watermarks to keep (`None` keeps the old one).
pub(super) async fn listings<C: CrmSource>(
    crm: &C,
    marks: &Marks,
    full: bool,
    meta_due: bool,
    tx: &mpsc::Sender<ToWriter>,
) -> Result<Vec<(&'static str, Option<String>)>, SyncError> {
    let mark = |key: &str| marks.get(key).cloned().flatten();
    let send = |msg: SalesMsg, what: &'static str| async move {
        tx.send(ToWriter::Sales(msg)).await.map_err(|_| writer_gone(what))
    };
    let one = |(module, key, deleted_key): (SalesModule, &'static str, &'static str)| async move {
        let sink = Sink::new(tx, key, records);
        let listed = match crm.fetch_sales(module, mark(key).as_deref(), &sink).await {
            Ok(l) => l.next_watermark,
            // A token without the module's scope (an install from before the sales side):
            // the module is not read, its stored copy stays, the run warns and goes on.
            Err(e) if refused(&e) => {
                send(SalesMsg::Unread(module, e), key).await?;
                return Ok([(key, None), (deleted_key, None)]);
            }
            Err(e) => return Err(e.into()),
        };
        // Whether a deal is new or edited (not merely re-sent, as Salesforce's overlap does
        // every run): only then may the stage mapping have changed.
        let mut changed = module == SalesModule::Deals && sink.count.load(Ordering::Relaxed) > 0 && {
            let (answer, moved) = oneshot::channel();
            send(SalesMsg::DealsMoved(answer), key).await?;
            moved.await.map_err(|_| writer_gone(key))?
        };
        let mut deleted_mark = None;
        // A full run reconciles instead: what it did not list is gone.
        if !full {
            let f = crm.fetch_deleted_sales(module, mark(deleted_key).as_deref()).await?;
            changed |= !f.items.is_empty();
            deleted_mark = f.next_watermark;
            send(SalesMsg::Deleted(module, f.items, f.skipped), deleted_key).await?;
            if let Some(ids) = f.survivors {
                changed = true;
                send(SalesMsg::Survivors(module, ids), deleted_key).await?;
            }
        }
        // The stage mapping only when deals moved, or once a day (see `meta_due`); a refusal
        // (no settings.fields scope) is a warning and the stored mapping stays.
        if module == SalesModule::Deals && (changed || full || meta_due) {
            let msg = match crm.fetch_stage_meta().await {
                Ok(m) => SalesMsg::Meta(m.items, m.skipped),
                Err(e) => SalesMsg::MetaUnread(e),
            };
            send(msg, "settings/fields").await?;
        }
        Ok::<_, SyncError>([(key, listed), (deleted_key, deleted_mark)])
    };
    let all = futures::future::try_join_all(MARKS.into_iter().map(one)).await?;
    Ok(all.into_iter().flatten().collect())
}

/// Once every listing is applied: the deals whose history to read, as the writer chose them
/// (after a full run's guard, so a refused run reads no history).
pub(super) async fn wanted(tx: &mpsc::Sender<ToWriter>) -> Result<Vec<String>, SyncError> {
    let (answer, wanted) = oneshot::channel();
    tx.send(ToWriter::Sales(SalesMsg::Listed(answer))).await.map_err(|_| writer_gone("the sales listings"))?;
    wanted.await.map_err(|_| writer_gone("the sales listings"))
}
