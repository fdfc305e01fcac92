//! Stage histories, read once the writer has chosen the records: in batches of the CRM's batch
//! size (one record per request for Zoho's `__timeline` and `Stage_History`, 200 per
//! `LeadHistory` / `OpportunityHistory` query for Salesforce), a few batches in flight, each
//! record handed to the writer as its own message. One driver serves the leads and the deals.

use std::fmt::Display;
use std::future::Future;

use futures::StreamExt;
use tokio::sync::mpsc;

use super::sales::SalesMsg;
use super::writer::ToWriter;
use super::{writer_gone, Progress, SyncError, SyncSettings};
use crate::crm::{CrmError, CrmSource, Histories, Skipped};
use crate::domain::LeadId;

/// What differs between the leads' and the deals' history reads.
struct Kind<K, R> {
    phase: &'static str,
    /// The endpoint a refusal is reported under.
    endpoint: &'static str,
    /// The refusal's reason, from the CRM's name, code and message.
    refused: fn(&str, &str, &str) -> String,
    history: fn(K, Vec<R>) -> ToWriter,
    refusal: fn(Skipped) -> ToWriter,
    /// Progress counts every record of a batch, refused ones included (the deals), or only the
    /// histories read (the leads).
    count_refused: bool,
}

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
    let kind = Kind {
        phase: "Stage history",
        endpoint: "__timeline",
        refused: |crm, code, message| {
            format!("{crm} refused this lead's stage history ({code}: {message}); deleted in {crm}? Its stored history is kept")
        },
        history: |id, changes| ToWriter::Timeline(id, changes, Vec::new()),
        refusal: ToWriter::Refused,
        count_refused: false,
    };
    let fetch = |ids: Vec<LeadId>| async move { crm.fetch_stage_histories(&ids).await };
    read(kind, wanted, crm.history_batch(), settings, fetch, tx, progress).await
}

/// Reads the chosen deals' stage histories; a refused read (400: deleted meanwhile, say) skips
/// its deals, owed to the next run; any other failure fails the run.
pub(super) async fn deals<C: CrmSource>(
    crm: &C,
    settings: &SyncSettings,
    wanted: Vec<String>,
    tx: &mpsc::Sender<ToWriter>,
    progress: &dyn Progress,
) -> Result<(), SyncError> {
    let kind = Kind {
        phase: "Deal stage history",
        endpoint: "Stage_History",
        refused: |crm, code, message| {
            format!(
                "{crm} refused this deal's stage history ({code}: {message}); deleted in {crm}? Its stored \
                 history is kept and read again next run"
            )
        },
        history: |id, rows| ToWriter::Sales(SalesMsg::History(id, rows, Vec::new())),
        refusal: |s| ToWriter::Sales(SalesMsg::Refused(s)),
        count_refused: true,
    };
    let fetch = |ids: Vec<String>| async move { crm.fetch_deals_stages(&ids).await };
    read(kind, wanted, crm.deal_history_batch(), settings, fetch, tx, progress).await
}

/// The driver: `wanted` in batches of `batch`, `fetch` for each, every answer to the writer.
async fn read<K, R, F, Fut>(
    kind: Kind<K, R>,
    wanted: Vec<K>,
    batch: usize,
    settings: &SyncSettings,
    fetch: F,
    tx: &mpsc::Sender<ToWriter>,
    progress: &dyn Progress,
) -> Result<(), SyncError>
where
    K: Clone + Display,
    F: Fn(Vec<K>) -> Fut,
    Fut: Future<Output = Result<Histories<K, R>, CrmError>>,
{
    let send = |msg: ToWriter| async move { tx.send(msg).await.map_err(|_| writer_gone(kind.endpoint)) };
    progress.phase(kind.phase, Some(wanted.len() as u64));
    let batches: Vec<Vec<K>> = wanted.chunks(batch.max(1)).map(<[K]>::to_vec).collect();
    let mut reads = futures::stream::iter(batches.into_iter().map(|ids| {
        let read = fetch(ids.clone());
        async move { (ids, read.await) }
    }))
    .buffer_unordered(settings.concurrency.max(1) * 2);
    let crm_name = settings.crm_name();
    let mut done = 0u64;
    while let Some((ids, r)) = reads.next().await {
        match r {
            Ok((histories, skipped)) => {
                for s in skipped {
                    send((kind.refusal)(s)).await?;
                }
                for (id, rows) in histories {
                    send((kind.history)(id, rows)).await?;
                    if !kind.count_refused {
                        done += 1;
                        progress.advance(done);
                    }
                }
            }
            Err(CrmError::Api { status: 400, code, message, .. }) => {
                for id in &ids {
                    let reason = (kind.refused)(crm_name, &code, &message);
                    let s = Skipped { endpoint: kind.endpoint.into(), id: Some(id.to_string()), reason };
                    send((kind.refusal)(s)).await?;
                }
            }
            Err(e) => return Err(e.into()),
        }
        if kind.count_refused {
            done += ids.len() as u64;
            progress.advance(done);
        }
    }
    Ok(())
}
