//! What the sync needs from a CRM for the sales dashboard (issue 16): the sales modules'
//! listings and deletions, a deal's stage history and the stage mapping. Every `CrmSource` is
//! one; apart from it so that the CRM's core seam does not depend on the sales types.

use std::future::Future;

use super::{CrmError, Fetched, Histories, Listed, Pages, Skipped};
use crate::sales::{DealStage, SalesModule, SalesRecord, StageInfo};

pub trait SalesSource: Send + Sync {
    /// Changed records of one sales module, each page to `pages` as it is read.
    fn fetch_sales(
        &self,
        module: SalesModule,
        since: Option<&str>,
        pages: &impl Pages<SalesRecord>,
    ) -> impl Future<Output = Result<Listed, CrmError>> + Send;
    /// Ids deleted from one sales module; activity ids carry their module prefix (`Calls:<id>`),
    /// as stored.
    fn fetch_deleted_sales(
        &self,
        module: SalesModule,
        since: Option<&str>,
    ) -> impl Future<Output = Result<Fetched<String>, CrmError>> + Send;
    /// One deal's stage history, oldest first.
    fn fetch_deal_stages(
        &self,
        deal_id: &str,
    ) -> impl Future<Output = Result<(Vec<DealStage>, Vec<Skipped>), CrmError>> + Send;
    /// How many deals one `fetch_deals_stages` call should be given (see
    /// `CrmSource::history_batch`): 1 for Zoho's per-deal `Stage_History`, more for
    /// Salesforce's `OpportunityHistory … WHERE OpportunityId IN (…)`.
    fn deal_history_batch(&self) -> usize {
        1
    }
    /// The stage histories of `deals` (at most `deal_history_batch`), each oldest first, in
    /// the order given; a deal without rows gets an empty list.
    fn fetch_deals_stages(
        &self,
        deals: &[String],
    ) -> impl Future<Output = Result<Histories<String, DealStage>, CrmError>> + Send {
        async move {
            let mut out = Vec::with_capacity(deals.len());
            let mut skipped = Vec::new();
            for deal in deals {
                let (rows, s) = self.fetch_deal_stages(deal).await?;
                out.push((deal.clone(), rows));
                skipped.extend(s);
            }
            Ok((out, skipped))
        }
    }
    /// What each deal stage means (probability, won / lost / open), read whole.
    fn fetch_stage_meta(&self) -> impl Future<Output = Result<Fetched<StageInfo>, CrmError>> + Send;
}
