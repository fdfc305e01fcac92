//! `Context`: everything a view needs besides the data (the moment, the rules, the CRM link
//! base), built in one place from the configuration.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::config::{Config, RulesConfig};

/// Everything a view needs besides the data.
#[derive(Clone, Debug)]
pub struct Context<'a> {
    pub as_of: DateTime<Utc>,
    /// The wall clock, for the age of the data (as_of may be in the past).
    pub now: DateTime<Utc>,
    pub rules: &'a RulesConfig,
    /// Warn when the last good sync is older than this.
    pub max_sync_age: Duration,
    /// Base of links to records in Zoho, e.g. `https://crm.zoho.com/crm`.
    pub crm_url: String,
}

impl<'a> Context<'a> {
    /// The one way a view's context is made from the configuration, so the CRM link base (and
    /// anything added later) is derived in one place. `now` is the wall clock; `as_of` the
    /// moment shown (`now`, or a past moment asked for).
    pub fn new(cfg: &'a Config, as_of: DateTime<Utc>, now: DateTime<Utc>) -> Context<'a> {
        Context {
            as_of,
            now,
            rules: &cfg.rules,
            max_sync_age: cfg.sync_max_age,
            crm_url: format!("{}/crm", cfg.zoho.data_center.crm_url()),
        }
    }

    pub fn tz(&self) -> Tz {
        self.rules.timezone
    }
    pub fn today(&self) -> NaiveDate {
        self.as_of.with_timezone(&self.tz()).date_naive()
    }
}
