//! The synced sales side (deals and their history, activities, accounts, contacts, stage
//! metadata, the leads' facts and the CRM users, indexed: `SalesSnapshot`), loaded once per sync
//! and shared by every sales command, page, click and autocomplete — as the lead snapshot is —
//! and cut to the asker's scope per answer.

use std::borrow::Cow;
use std::sync::Arc;

use panopticon::people::Scope;
use panopticon::sales::SalesData;
use panopticon::store;
use panopticon::views::sales::SalesSnapshot;

use super::{Data, Error};

impl Data {
    /// The sales data, reloaded only when a sync has run since it was read: the sales tables
    /// change only in a sync (nothing in the bot writes them).
    pub async fn sales(&self) -> Result<Arc<SalesSnapshot>, Error> {
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
        let (store, tz) = (self.store.clone(), self.cfg.rules.timezone);
        let fresh = Arc::new(self.cpu.run(move || store.read(|c| SalesSnapshot::load(c, tz))).await??);
        *slot = Some((last, fresh.clone()));
        Ok(fresh)
    }
}

/// The records cut to `scope`: deals, activities, accounts and contacts whose owner it allows
/// (the stage history of the deals kept). The KPI views take the whole snapshot and the scope
/// instead; this is for the lists, stories and search that read records one by one.
pub fn scoped<'a>(snap: &'a SalesSnapshot, scope: &Scope) -> Cow<'a, SalesData> {
    let data = &snap.book.data;
    if scope.is_everyone() {
        return Cow::Borrowed(data);
    }
    let allows = |o: &Option<panopticon::crm::UserRef>| scope.allows(o.as_ref().map(|u| u.id.as_str()));
    let deals: Vec<_> = data.deals.iter().filter(|d| allows(&d.owner)).cloned().collect();
    let kept: std::collections::HashSet<&str> = deals.iter().map(|d| d.id.as_str()).collect();
    Cow::Owned(SalesData {
        stages: data.stages.iter().filter(|s| kept.contains(s.deal_id.as_str())).cloned().collect(),
        activities: data.activities.iter().filter(|a| allows(&a.owner)).cloned().collect(),
        accounts: data.accounts.iter().filter(|a| allows(&a.owner)).cloned().collect(),
        contacts: data.contacts.iter().filter(|c| allows(&c.owner)).cloned().collect(),
        stage_meta: data.stage_meta.clone(),
        deals,
    })
}
