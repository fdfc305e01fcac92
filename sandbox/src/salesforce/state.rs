//! The Salesforce face's shared state: the org (the same `Org` the Zoho face serves), faults,
//! hooks, tokens, open query cursors, the API usage counter and the test switches.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::{SfFault, SfFaultRule};
use crate::org::Org;
use crate::{Hook, LoggedRequest, OrgEdit};

/// Access tokens and the refresh token's fate.
pub(crate) struct Tokens {
    /// Live access tokens: when each expires, and whether the refresh token minted it (a
    /// revoked refresh token takes those with it).
    pub valid: HashMap<String, (Instant, bool)>,
    pub lifetime_secs: u64,
    /// The refresh token is refused (`reject_refresh_token`, or revoked).
    pub reject_refresh: bool,
    pub issued: usize,
    /// Every access token ever issued, so tests can prove none leaked.
    pub all: Vec<String>,
}

/// An open query cursor: the records as they were when the query ran (a snapshot), and the
/// one offset it will serve next (each locator is single-use).
pub(crate) struct Cursor {
    pub records: std::sync::Arc<Vec<String>>,
    pub next_offset: usize,
    pub batch: usize,
    pub last_used: Instant,
    /// The order cursors were opened in: the 11th open cursor releases the oldest.
    pub opened: u64,
}

/// What tests switch on and off.
pub(crate) struct Settings {
    pub history_tracking: bool,
    pub api_max: u64,
    pub delete_window_days: i64,
    /// The Recycle Bin was emptied then: deletions before it are gone from `/deleted/`.
    pub purged_at: Option<DateTime<Utc>>,
    pub cursor_idle: Duration,
    pub refuse_roles: bool,
    /// The most records one page holds (Salesforce: 2,000); pages vary below it.
    pub max_page: usize,
}

pub(crate) struct Shared {
    pub org: RwLock<Org>,
    pub faults: Mutex<Vec<SfFaultRule>>,
    pub hooks: Mutex<Vec<Hook>>,
    pub tokens: Mutex<Tokens>,
    pub log: Mutex<Vec<LoggedRequest>>,
    pub cursors: Mutex<HashMap<String, Cursor>>,
    pub settings: Mutex<Settings>,
    /// Data requests counted against the daily allowance (`Sforce-Limit-Info`).
    pub api_used: AtomicU64,
    counter: AtomicU64,
}

/// Salesforce's default session timeout is two hours.
const TOKEN_LIFETIME_SECS: u64 = 7200;

impl Shared {
    pub fn new(org: Org) -> Shared {
        Shared {
            org: RwLock::new(org),
            faults: Mutex::new(vec![]),
            hooks: Mutex::new(vec![]),
            tokens: Mutex::new(Tokens {
                valid: HashMap::new(),
                lifetime_secs: TOKEN_LIFETIME_SECS,
                reject_refresh: false,
                issued: 0,
                all: vec![],
            }),
            log: Mutex::new(vec![]),
            cursors: Mutex::new(HashMap::new()),
            settings: Mutex::new(Settings {
                history_tracking: true,
                api_max: 15_000,
                delete_window_days: 15,
                purged_at: None,
                cursor_idle: Duration::from_secs(15 * 60),
                refuse_roles: false,
                max_page: 2000,
            }),
            api_used: AtomicU64::new(0),
            counter: AtomicU64::new(0),
        }
    }

    pub fn settings(&self) -> MutexGuard<'_, Settings> {
        self.settings.lock().expect("settings lock")
    }

    pub fn tokens(&self) -> MutexGuard<'_, Tokens> {
        self.tokens.lock().expect("tokens lock")
    }

    /// A fresh number, mixed so tokens and locators don't look sequential.
    pub fn next(&self) -> u64 {
        self.counter.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// The org edit due before this request, if any.
    pub fn take_hook(&self, target: &str) -> Option<OrgEdit> {
        let mut hooks = self.hooks.lock().expect("hooks lock");
        for h in hooks.iter_mut().filter(|h| h.edit.is_some() && target.contains(h.path_contains.as_str())) {
            if h.skip > 0 {
                h.skip -= 1;
                continue;
            }
            return h.edit.take();
        }
        None
    }

    /// The fault due for this request, if any. Without a path filter a rule hits data calls
    /// only (`/services/data/v…`), never the token endpoint.
    pub fn take_fault(&self, path: &str) -> Option<SfFault> {
        let mut rules = self.faults.lock().expect("faults lock");
        for r in rules.iter_mut() {
            let hit = match &r.path_contains {
                Some(p) => path.contains(p.as_str()),
                None => path.starts_with("/services/data/v"),
            };
            if !hit || r.times == 0 {
                continue;
            }
            if r.skip > 0 {
                r.skip -= 1;
                continue;
            }
            if r.times != u32::MAX {
                r.times -= 1;
            }
            return Some(r.fault.clone());
        }
        None
    }
}
