//! The synced sales side (deals and their history, activities, accounts, contacts, stage
//! metadata), loaded once per sync and shared by every sales command, page, click and
//! autocomplete — as the lead snapshot is — and cut to the asker's scope per answer.

use std::sync::Arc;

use panopticon::people::Scope;
use panopticon::sales::SalesData;
use panopticon::store;

use super::{Data, Error};

impl Data {
    /// The sales data, reloaded only when a sync has run since it was read: the sales tables
    /// change only in a sync (nothing in the bot writes them).
    pub async fn sales(&self) -> Result<Arc<SalesData>, Error> {
        let last = self.db(|c| store::last_run(c).map(|r| r.map(|r| r.id))).await?;
        if let Some((v, s)) = self.sales_cache.read().await.as_ref() {
            if *v == last {
                return Ok(s.clone());
            }
        }
        let mut slot = self.sales_cache.write().await;
        if let Some((v, s)) = slot.as_ref() {
            if *v == last {
                return Ok(s.clone());
            }
        }
        let store = self.store.clone();
        let fresh = Arc::new(self.cpu.run(move || store.read(store::load_sales)).await??);
        *slot = Some((last, fresh.clone()));
        Ok(fresh)
    }
}

/// `data` cut to `scope`: deals, activities, accounts and contacts whose owner it allows (the
/// stage history of the deals kept); the same data, uncopied, for whoever sees everyone.
pub fn scoped(data: Arc<SalesData>, scope: &Scope) -> Arc<SalesData> {
    if scope.is_everyone() {
        return data;
    }
    let allows = |o: &Option<panopticon::crm::UserRef>| scope.allows(o.as_ref().map(|u| u.id.as_str()));
    let deals: Vec<_> = data.deals.iter().filter(|d| allows(&d.owner)).cloned().collect();
    let kept: std::collections::HashSet<&str> = deals.iter().map(|d| d.id.as_str()).collect();
    Arc::new(SalesData {
        stages: data.stages.iter().filter(|s| kept.contains(s.deal_id.as_str())).cloned().collect(),
        activities: data.activities.iter().filter(|a| allows(&a.owner)).cloned().collect(),
        accounts: data.accounts.iter().filter(|a| allows(&a.owner)).cloned().collect(),
        contacts: data.contacts.iter().filter(|c| allows(&c.owner)).cloned().collect(),
        stage_meta: data.stage_meta.clone(),
        deals,
    })
}
