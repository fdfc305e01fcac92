//! `Context`: everything a view needs besides the data (the moment, the rules, the CRM link
//! base), built in one place from the configuration.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::config::{Config, CrmKind, RulesConfig};

/// Everything a view needs besides the data.
#[derive(Clone, Debug)]
pub struct Context<'a> {
    pub as_of: DateTime<Utc>,
    /// The wall clock, for the age of the data (as_of may be in the past).
    pub now: DateTime<Utc>,
    pub rules: &'a RulesConfig,
    /// Warn when the last good sync is older than this.
    pub max_sync_age: Duration,
    /// Base of links to records in the CRM: Zoho's `https://crm.zoho.com/crm`, or Salesforce's
    /// `https://acme.my.salesforce.com/lightning` (see `record_base`).
    pub crm_url: String,
}

impl<'a> Context<'a> {
    /// The one way a view's context is made from the configuration, so the CRM link base (and
    /// anything added later) is derived in one place. `now` is the wall clock; `as_of` the
    /// moment shown (`now`, or a past moment asked for).
    pub fn new(cfg: &'a Config, as_of: DateTime<Utc>, now: DateTime<Utc>) -> Context<'a> {
        Context { as_of, now, rules: &cfg.rules, max_sync_age: cfg.sync_max_age, crm_url: record_base(cfg) }
    }

    /// The link to a lead's record page in the CRM.
    pub fn lead_url(&self, id: &str) -> String {
        lead_url(&self.crm_url, id)
    }

    pub fn tz(&self) -> Tz {
        self.rules.timezone
    }
    pub fn today(&self) -> NaiveDate {
        self.as_of.with_timezone(&self.tz()).date_naive()
    }
}

/// Where the configured CRM's record pages live. Salesforce's instance (`acme.my.salesforce.com`)
/// is only learnt at sign-in, so links are built on the configured `login_url`: a My Domain
/// serves Lightning itself, and login/test.salesforce.com send a signed-in browser on to it.
pub fn record_base(cfg: &Config) -> String {
    match (cfg.crm, &cfg.salesforce) {
        (CrmKind::Salesforce, Some(sf)) => format!("{}/lightning", sf.login_url),
        _ => format!("{}/crm", cfg.zoho.data_center.crm_url()),
    }
}

/// A lead's record page under a `record_base`: Zoho's `…/crm/tab/Leads/{id}`, Salesforce's
/// `…/lightning/r/Lead/{id}/view`.
pub fn lead_url(base: &str, id: &str) -> String {
    if base.ends_with("/lightning") {
        format!("{base}/r/Lead/{id}/view")
    } else {
        format!("{base}/tab/Leads/{id}")
    }
}

/// The CRM a record link opens, as a link's text says it ("Open in Zoho CRM").
pub fn crm_of_link(url: &str) -> &'static str {
    if url.contains("/lightning/r/") {
        CrmKind::Salesforce.name()
    } else {
        CrmKind::Zoho.name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_go_to_each_crms_record_page() {
        let z = lead_url("https://crm.zoho.com/crm", "123");
        assert_eq!(z, "https://crm.zoho.com/crm/tab/Leads/123");
        assert_eq!(crm_of_link(&z), "Zoho CRM");
        let s = lead_url("https://acme.my.salesforce.com/lightning", "00Q000000000001AAA");
        assert_eq!(s, "https://acme.my.salesforce.com/lightning/r/Lead/00Q000000000001AAA/view");
        assert_eq!(crm_of_link(&s), "Salesforce");
    }
}
