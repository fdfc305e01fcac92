//! The leads' stage history, read once the writer has chosen the leads: in batches of the CRM's
//! `history_batch` (one lead per request for Zoho's `__timeline`, 200 per `LeadHistory` query
//! for Salesforce), a few batches in flight, each lead handed to the writer as its own message.

use futures::StreamExt;
use tokio::sync::mpsc;

use super::writer::ToWriter;
use super::{writer_gone, Progress, SyncError, SyncSettings};
use crate::crm::{CrmError, CrmSource, Skipped};
use crate::domain::LeadId;

/// Reads the chosen leads' stage histories. A read the CRM refuses (400: Zoho's answer for a
/// lead it no longer has) skips the leads it asked for — their stored history stays, owed to
/// the next run; any other failure fails the run.
pub(super) async fn leads<C: CrmSource>(
    crm: &C,
    settings: &SyncSettings,
    wanted: Vec<LeadId>,
    tx: &mpsc::Sender<ToWriter>,
    progress: &dyn Progress,
) -> Result<(), SyncError> {
    let send = |msg: ToWriter| async move { tx.send(msg).await.map_err(|_| writer_gone("__timeline")) };
    progress.phase("Stage history", Some(wanted.len() as u64));
    let batch = crm.history_batch().max(1);
    let batches: Vec<Vec<LeadId>> = wanted.chunks(batch).map(<[LeadId]>::to_vec).collect();
    let mut reads = futures::stream::iter(batches.into_iter().map(|ids| async move {
        let r = crm.fetch_stage_histories(&ids).await;
        (ids, r)
    }))
    .buffer_unordered(settings.concurrency.max(1) * 2);
    let crm_name = settings.crm_name();
    let mut done = 0u64;
    while let Some((ids, r)) = reads.next().await {
        match r {
            Ok((histories, skipped)) => {
                for s in skipped {
                    send(ToWriter::Refused(s)).await?;
                }
                for (id, changes) in histories {
                    send(ToWriter::Timeline(id, changes, Vec::new())).await?;
                    done += 1;
                    progress.advance(done);
                }
            }
            Err(CrmError::Api { status: 400, code, message, .. }) => {
                for id in ids {
                    send(ToWriter::Refused(Skipped {
                        endpoint: "__timeline".into(),
                        id: Some(id.to_string()),
                        reason: format!(
                            "{crm_name} refused this lead's stage history ({code}: {message}); deleted in \
                             {crm_name}? Its stored history is kept"
                        ),
                    }))
                    .await?;
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
