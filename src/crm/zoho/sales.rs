//! The sales side of the Zoho client: the six sales listings (Deals, Calls, Tasks, Events,
//! Accounts, Contacts), their `/deleted`, a deal's `Stage_History` related list and the stage
//! metadata (`settings/fields?module=Deals`). Listings go through the same `RecordPager` as the
//! leads (sorted by id, deletions mid-listing re-read), deletions through the same `deleted`.

use serde_json::Value;

use super::paging::{Pager, RecordPager, PER_PAGE};
use super::transport::Reply;
use super::{parse, sales_parse, watermark, ZohoClient};
use crate::crm::{CrmError, Fetched, Listed, Pages, SalesSource, Skipped};
use crate::sales::{DealStage, SalesModule, SalesRecord, StageInfo};
use crate::time::Stamp;

/// The stage metadata's endpoint, in call counts and errors (scope `ZohoCRM.settings.fields.READ`).
pub const STAGE_META: &str = "settings/fields";
/// A deal's stage history, in call counts and errors (one call per deal read).
pub const STAGE_HISTORY: &str = "Stage_History";
/// The fields asked of `Stage_History` (a related list refuses a request without them).
const STAGE_FIELDS: &str = "Stage,Amount,Probability,Closing_Date,Modified_Time,Modified_By";

impl ZohoClient {
    pub(super) async fn list_sales(
        &self,
        module: SalesModule,
        since: Option<&str>,
        pages: &impl Pages<SalesRecord>,
    ) -> Result<Listed, CrmError> {
        let name = module.api_name();
        let base = [
            ("fields", sales_parse::fields(module).to_string()),
            ("sort_by", "id".to_string()),
            ("sort_order", "asc".to_string()),
        ];
        let mut newest: Option<Stamp> = None;
        let mut pager = RecordPager::new(&self.t, name, &base, since);
        while let Some(page) = pager.next().await? {
            let (mut items, mut skipped) = (Vec::with_capacity(page.len()), Vec::new());
            for v in page {
                match sales_parse::record(module, &v) {
                    Ok((r, modified)) => {
                        newest = newest.max(Some(modified));
                        items.push(r);
                    }
                    Err(reason) => skipped.push(Skipped { endpoint: name.into(), id: parse::id_of(&v), reason }),
                }
            }
            pages.page(items, skipped).await?;
        }
        Ok(Listed { next_watermark: watermark(newest, pager.meta().server_date) })
    }

    /// Deleted records of `module`; activity ids carry their module prefix, as stored.
    pub(super) async fn deleted_sales(
        &self,
        module: SalesModule,
        since: Option<&str>,
    ) -> Result<Fetched<String>, CrmError> {
        let mut raw = self.deleted(module.api_name(), since).await?;
        for id in &mut raw.items {
            *id = module.stored_id(id);
        }
        Ok(raw)
    }

    /// One deal's stage history, oldest first. 204 (no rows) is an empty history; Zoho's 400
    /// for a deal it no longer has is the caller's to judge.
    pub(super) async fn deal_stages(&self, deal_id: &str) -> Result<(Vec<DealStage>, Vec<Skipped>), CrmError> {
        let path = format!("Deals/{deal_id}/Stage_History");
        let base = [("fields", STAGE_FIELDS.to_string())];
        let mut pager = Pager::new(&self.t, STAGE_HISTORY, &path, "data", &base, None);
        let (mut rows, mut skipped) = (Vec::new(), Vec::new());
        while let Some(page) = pager.next().await? {
            for v in page {
                match sales_parse::stage_row(&v, deal_id) {
                    Ok(r) => rows.push(r),
                    Err(reason) => skipped.push(Skipped {
                        endpoint: STAGE_HISTORY.into(),
                        id: Some(deal_id.to_string()),
                        reason: format!(
                            "a row{}: {reason}",
                            parse::id_of(&v).map(|i| format!(" ({i})")).unwrap_or_default()
                        ),
                    }),
                }
            }
        }
        rows.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
        Ok((rows, skipped))
    }

    /// The org-wide stage mapping: the `Stage` field's picklist of Deals.
    pub(super) async fn stage_meta(&self) -> Result<Fetched<StageInfo>, CrmError> {
        let q = [("module", "Deals".to_string())];
        let body = match self.t.get(STAGE_META, STAGE_META, &q, None).await? {
            Reply::Json { body, .. } => body,
            Reply::NoContent | Reply::NotModified => return Ok(Fetched::default()),
        };
        let malformed = |detail: &str| CrmError::Malformed { endpoint: STAGE_META.into(), detail: detail.into() };
        let fields =
            body.get("fields").and_then(Value::as_array).ok_or_else(|| malformed("no 'fields' list in the reply"))?;
        let stage = fields
            .iter()
            .find(|f| f.get("api_name").and_then(Value::as_str) == Some("Stage"))
            .ok_or_else(|| malformed("Deals has no Stage field"))?;
        let values = stage
            .get("pick_list_values")
            .and_then(Value::as_array)
            .ok_or_else(|| malformed("the Stage field has no pick_list_values"))?;
        if values.len() > PER_PAGE * 10 {
            return Err(malformed(&format!("{} stages, more than any pipeline has", values.len())));
        }
        let mut out = Fetched::default();
        for v in values {
            match sales_parse::stage_info(v) {
                Ok(s) if out.items.iter().any(|o: &StageInfo| o.stage == s.stage) => out.skipped.push(Skipped {
                    endpoint: STAGE_META.into(),
                    id: Some(s.stage),
                    reason: "the same stage twice in the picklist".into(),
                }),
                Ok(s) => out.items.push(s),
                Err(reason) => out.skipped.push(Skipped { endpoint: STAGE_META.into(), id: parse::id_of(v), reason }),
            }
        }
        Ok(out)
    }

    /// Reads one record of a sales module with the fields the sync asks for (`panopticon doctor`).
    pub async fn read_one_sales(&self, module: SalesModule) -> Result<(), CrmError> {
        let name = module.api_name();
        let q = [("fields", sales_parse::fields(module).to_string()), ("per_page", "1".to_string())];
        self.t.get(name, name, &q, None).await.map(|_| ())
    }
}

impl SalesSource for ZohoClient {
    async fn fetch_sales(
        &self,
        module: SalesModule,
        since: Option<&str>,
        pages: &impl Pages<SalesRecord>,
    ) -> Result<Listed, CrmError> {
        self.list_sales(module, since, pages).await
    }

    async fn fetch_deleted_sales(&self, module: SalesModule, since: Option<&str>) -> Result<Fetched<String>, CrmError> {
        self.deleted_sales(module, since).await
    }

    async fn fetch_deal_stages(&self, deal_id: &str) -> Result<(Vec<DealStage>, Vec<Skipped>), CrmError> {
        self.deal_stages(deal_id).await
    }

    async fn fetch_stage_meta(&self) -> Result<Fetched<StageInfo>, CrmError> {
        self.stage_meta().await
    }
}
