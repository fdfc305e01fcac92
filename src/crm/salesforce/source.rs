//! The seam (`CrmSource`, `SalesSource`) on Salesforce: each listing, deletion read and history
//! read, in terms of the queries in `soql` and the parsers in `parse` / `sales_parse`.

use std::collections::HashMap;

use serde_json::Value;

use super::fields::{id_of, is_sf_id, watermark_text};
use super::query::{self, Pager, Soql};
use super::{deleted, parse, sales_parse, soql, SalesforceClient, HISTORY_BATCH};
use crate::config::AppointmentSource;
use crate::crm::{
    ApiUsage, AppointmentChange, CallCounts, CrmError, CrmLead, CrmRole, CrmSource, CrmStageChange, CrmUser, Fetched,
    Histories, Listed, Pages, SalesSource, Skipped,
};
use crate::domain::LeadId;
use crate::sales::{DealStage, SalesModule, SalesRecord, StageInfo};
use crate::time::Stamp;

fn skipped(endpoint: &str, v: &Value, reason: String) -> Skipped {
    Skipped { endpoint: endpoint.to_string(), id: id_of(v), reason }
}

/// Streams a listing to `pages`, parsing each record; the watermark is the newest stamp read.
async fn stream<T>(
    c: &SalesforceClient,
    endpoint: &str,
    soql: Soql,
    pages: &impl Pages<T>,
    parse: impl Fn(&Value) -> Result<(T, Stamp), String>,
) -> Result<Listed, CrmError> {
    let mut pager = Pager::new(&c.t, endpoint, soql);
    let mut newest: Option<Stamp> = None;
    while let Some(page) = pager.next().await? {
        let (mut items, mut skip) = (Vec::with_capacity(page.len()), Vec::new());
        for v in &page {
            match parse(v) {
                Ok((item, stamp)) => {
                    newest = newest.max(Some(stamp));
                    items.push(item);
                }
                Err(reason) => skip.push(skipped(endpoint, v, reason)),
            }
        }
        pages.page(items, skip).await?;
    }
    Ok(Listed { next_watermark: newest.map(|s| watermark_text(s.utc())) })
}

impl SalesforceClient {
    fn lead_select(&self) -> String {
        let mut f: Vec<String> = ["Id", "FirstName", "LastName", "Name", "Company", "Email", "Phone", "LeadSource"]
            .map(String::from)
            .to_vec();
        f.push(self.stage_field.clone());
        f.push(self.locator_field.clone());
        if let Some(rel) = parse::relationship_of(&self.locator_field) {
            f.push(format!("{rel}.Name"));
        }
        f.extend(["IsConverted", "CreatedDate", "SystemModstamp"].map(String::from));
        if let AppointmentSource::Field(name) = &self.source {
            f.push(name.clone());
        }
        let mut seen = std::collections::HashSet::new();
        f.retain(|x| seen.insert(x.clone()));
        f.join(", ")
    }

    /// Histories of `ids` from `object` (`LeadHistory`/`OpportunityHistory`), `per` at a time,
    /// each id in the answer with its rows in order (none when it has none).
    async fn histories<R>(
        &self,
        ids: &[String],
        object: &'static str,
        select: &str,
        key: &str,
        extra: Option<String>,
        parse: impl Fn(&Value) -> Result<R, String>,
    ) -> Result<(Vec<(String, Vec<R>)>, Vec<Skipped>), CrmError> {
        let mut out: Vec<(String, Vec<R>)> = Vec::with_capacity(ids.len());
        let mut skip = Vec::new();
        for chunk in ids.chunks(HISTORY_BATCH) {
            let good: Vec<String> = chunk.iter().filter(|i| is_sf_id(i)).cloned().collect();
            for bad in chunk.iter().filter(|i| !is_sf_id(i)) {
                skip.push(Skipped {
                    endpoint: object.into(),
                    id: None,
                    reason: format!("'{}' is not a Salesforce id", crate::crm::error::one_line(bad)),
                });
            }
            let mut by_id: HashMap<String, Vec<R>> = HashMap::new();
            if !good.is_empty() {
                let mut filters: Vec<String> = extra.clone().into_iter().collect();
                filters.push(format!("{key} IN ({})", soql::in_list(&good)));
                let order = if key == "LeadId" { "LeadId, CreatedDate, Id" } else { "OpportunityId, CreatedDate, Id" };
                let q = Soql { select: select.into(), from: object, filters, order, limit: None };
                for v in query::all(&self.t, object, q).await? {
                    let owner = v.get(key).and_then(Value::as_str).map(String::from);
                    match (parse(&v), owner) {
                        (Ok(r), Some(o)) => by_id.entry(o).or_default().push(r),
                        (Ok(_), None) => skip.push(skipped(object, &v, format!("no {key}"))),
                        (Err(reason), _) => skip.push(skipped(object, &v, reason)),
                    }
                }
            }
            for id in chunk {
                out.push((id.clone(), by_id.remove(id).unwrap_or_default()));
            }
        }
        Ok((out, skip))
    }

    fn appointments_on(&self) -> bool {
        matches!(self.source, AppointmentSource::Events)
    }
}

impl CrmSource for SalesforceClient {
    async fn fetch_users(&self, since: Option<&str>) -> Result<Fetched<CrmUser>, CrmError> {
        let q = soql::listing(soql::USER.into(), "User", vec![], since);
        let mut out = Fetched::default();
        let mut newest: Option<Stamp> = None;
        for v in query::all(&self.t, "User", q).await? {
            match parse::user(&v) {
                Ok((u, stamp)) => {
                    newest = newest.max(Some(stamp));
                    out.items.push(u);
                }
                Err(reason) => out.skipped.push(skipped("User", &v, reason)),
            }
        }
        out.next_watermark = newest.map(|s| watermark_text(s.utc()));
        Ok(out)
    }

    async fn fetch_roles(&self) -> Result<Fetched<CrmRole>, CrmError> {
        let q = Soql {
            select: "Id, Name, ParentRoleId".into(),
            from: "UserRole",
            filters: vec![],
            order: "Id",
            limit: None,
        };
        let mut out = Fetched::default();
        for v in query::all(&self.t, "UserRole", q).await? {
            match parse::role(&v) {
                Ok(r) => out.items.push(r),
                Err(reason) => out.skipped.push(skipped("UserRole", &v, reason)),
            }
        }
        Ok(out)
    }

    async fn fetch_leads(&self, since: Option<&str>, pages: &impl Pages<CrmLead>) -> Result<Listed, CrmError> {
        let fields = parse::LeadFields {
            stage: &self.stage_field,
            locator: &self.locator_field,
            locator_rel: parse::relationship_of(&self.locator_field),
            appointment: match &self.source {
                AppointmentSource::Field(f) => Some(f.as_str()),
                _ => None,
            },
        };
        let q = soql::listing(self.lead_select(), "Lead", vec![], since);
        stream(self, "Lead", q, pages, |v| parse::lead(v, &fields).map(|l| (l.clone(), l.modified_at))).await
    }

    async fn fetch_deleted_leads(&self, since: Option<&str>) -> Result<Fetched<LeadId>, CrmError> {
        let raw = deleted::deleted(&self.t, "Lead", None, since).await?;
        let ids = |v: Vec<String>| v.into_iter().filter_map(|i| LeadId::salesforce(&i).ok()).collect::<Vec<_>>();
        Ok(Fetched {
            items: ids(raw.items),
            skipped: raw.skipped,
            next_watermark: raw.next_watermark,
            survivors: raw.survivors.map(ids),
        })
    }

    async fn fetch_appointments(
        &self,
        since: Option<&str>,
        pages: &impl Pages<AppointmentChange>,
    ) -> Result<Listed, CrmError> {
        if !self.appointments_on() {
            return Ok(Listed::default());
        }
        let q = soql::listing(soql::EVENT.into(), "Event", vec![], since);
        stream(self, "Event", q, pages, parse::event).await
    }

    async fn fetch_deleted_appointments(&self, since: Option<&str>) -> Result<Fetched<String>, CrmError> {
        if !self.appointments_on() {
            return Ok(Fetched::default());
        }
        let mut raw = deleted::deleted(&self.t, "Event", None, since).await?;
        let key = |i: &mut String| *i = format!("Events:{i}");
        raw.items.iter_mut().for_each(key);
        if let Some(s) = raw.survivors.as_mut() {
            s.iter_mut().for_each(key);
        }
        Ok(raw)
    }

    async fn fetch_stage_history(&self, lead: &LeadId) -> Result<(Vec<CrmStageChange>, Vec<Skipped>), CrmError> {
        let (mut h, s) = self.fetch_stage_histories(std::slice::from_ref(lead)).await?;
        Ok((h.pop().map(|(_, rows)| rows).unwrap_or_default(), s))
    }

    fn history_batch(&self) -> usize {
        HISTORY_BATCH
    }

    async fn fetch_stage_histories(&self, leads: &[LeadId]) -> Result<Histories<LeadId, CrmStageChange>, CrmError> {
        let ids: Vec<String> = leads.iter().map(|l| l.as_str().to_string()).collect();
        let stage = self.stage_field.replace('\'', "");
        let (rows, skip) = self
            .histories(
                &ids,
                "LeadHistory",
                "Id, LeadId, Field, OldValue, NewValue, CreatedDate, CreatedById, CreatedBy.Name",
                "LeadId",
                Some(format!("Field = '{stage}'")),
                parse::lead_history,
            )
            .await?;
        Ok((leads.iter().cloned().zip(rows.into_iter().map(|(_, r)| r)).collect(), skip))
    }

    fn take_calls(&self) -> CallCounts {
        self.t.take_calls()
    }

    fn api_usage(&self) -> Option<ApiUsage> {
        self.t.api_usage()
    }
}

impl SalesSource for SalesforceClient {
    async fn fetch_sales(
        &self,
        module: SalesModule,
        since: Option<&str>,
        pages: &impl Pages<SalesRecord>,
    ) -> Result<Listed, CrmError> {
        let (object, filter) = soql::sales_object(module);
        let pipeline = self.pipeline_field.as_deref();
        let q = soql::listing(
            soql::sales_fields(module, pipeline),
            object,
            filter.map(String::from).into_iter().collect(),
            since,
        );
        stream(self, object, q, pages, |v| sales_parse::record(module, v, pipeline)).await
    }

    async fn fetch_deleted_sales(&self, module: SalesModule, since: Option<&str>) -> Result<Fetched<String>, CrmError> {
        let (object, filter) = soql::sales_object(module);
        let mut raw = deleted::deleted(&self.t, object, filter, since).await?;
        // A deleted Task may have been either: name it both ways (removing an id not held is harmless).
        let both = matches!(module, SalesModule::Calls | SalesModule::Tasks);
        raw.items = raw
            .items
            .into_iter()
            .flat_map(|i| {
                if both {
                    vec![SalesModule::Calls.stored_id(&i), SalesModule::Tasks.stored_id(&i)]
                } else {
                    vec![module.stored_id(&i)]
                }
            })
            .collect();
        raw.survivors = raw.survivors.map(|s| s.iter().map(|i| module.stored_id(i)).collect());
        Ok(raw)
    }

    async fn fetch_deal_stages(&self, deal_id: &str) -> Result<(Vec<DealStage>, Vec<Skipped>), CrmError> {
        let (mut h, s) = self.fetch_deals_stages(&[deal_id.to_string()]).await?;
        Ok((h.pop().map(|(_, rows)| rows).unwrap_or_default(), s))
    }

    fn deal_history_batch(&self) -> usize {
        HISTORY_BATCH
    }

    async fn fetch_deals_stages(&self, deals: &[String]) -> Result<Histories<String, DealStage>, CrmError> {
        self.histories(
            deals,
            "OpportunityHistory",
            "Id, OpportunityId, StageName, Amount, Probability, CloseDate, CreatedDate, CreatedById, CreatedBy.Name",
            "OpportunityId",
            None,
            sales_parse::deal_history,
        )
        .await
    }

    async fn fetch_stage_meta(&self) -> Result<Fetched<StageInfo>, CrmError> {
        let q = Soql {
            select:
                "ApiName, MasterLabel, IsActive, IsClosed, IsWon, DefaultProbability, ForecastCategoryName, SortOrder"
                    .into(),
            from: "OpportunityStage",
            filters: vec![],
            order: "SortOrder",
            limit: None,
        };
        let mut out = Fetched::default();
        for (i, v) in query::all(&self.t, "OpportunityStage", q).await?.iter().enumerate() {
            match sales_parse::stage_info(v, i as u32 + 1) {
                Ok(s) => out.items.push(s),
                Err(reason) => out.skipped.push(skipped("OpportunityStage", v, reason)),
            }
        }
        Ok(out)
    }
}
