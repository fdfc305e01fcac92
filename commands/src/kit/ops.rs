//! What keeps the running bot going by itself, shared by every task: one CRM client kept between
//! syncs (so its access token is too: Zoho allows 10 token refreshes in 10 minutes), the stop
//! request a shutdown sends to a running sync, the `/refresh` cooldown, and the liveness of the
//! supervised background tasks (read by the health endpoint).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use panopticon::config::Config;
use panopticon::crm::{self, Crm, CrmError};
use panopticon::sync::Interrupt;
use tokio::sync::OnceCell;

pub use crate::ops::tasks::TaskHealth;

/// Cheap to clone: every clone shares the same state.
#[derive(Clone)]
pub struct Ops(Arc<Inner>);

/// The bot's tasks report to this process's one task registry, the one `/healthz` reads.
impl Default for Ops {
    fn default() -> Ops {
        Ops(Arc::new(Inner {
            crm: OnceCell::new(),
            interrupt: Interrupt::default(),
            stopping: AtomicBool::new(false),
            last_refresh: Mutex::new(None),
            health: crate::ops::health::live().tasks().clone(),
        }))
    }
}

struct Inner {
    crm: OnceCell<Crm>,
    /// Triggered once, at shutdown: a running sync stops before its commit and is recorded.
    interrupt: Interrupt,
    stopping: AtomicBool,
    /// When the last sync started by `/refresh` began.
    last_refresh: Mutex<Option<Instant>>,
    health: TaskHealth,
}

impl Ops {
    /// The CRM client, built on first use and kept. A client that cannot be built (a secret not
    /// set) is not kept, so the next sync says so again.
    pub async fn crm(&self, cfg: &Config) -> Result<&Crm, CrmError> {
        self.0.crm.get_or_try_init(|| async { crm::connect(cfg) }).await
    }

    /// What every sync the bot runs is stopped by.
    pub fn interrupt(&self) -> &Interrupt {
        &self.0.interrupt
    }

    /// From now on no command is taken and no sync started; a running sync goes on until
    /// `interrupt()` is triggered.
    pub fn stop(&self) {
        self.0.stopping.store(true, Ordering::SeqCst);
    }

    pub fn stopping(&self) -> bool {
        self.0.stopping.load(Ordering::SeqCst)
    }

    /// Claims a `/refresh` now unless one started less than `cooldown` ago; otherwise how long
    /// until the next may start.
    pub fn claim_refresh(&self, cooldown: Duration) -> Result<(), Duration> {
        let mut last = self.0.last_refresh.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if let Some(at) = *last {
            let since = now.duration_since(at);
            if since < cooldown {
                return Err(cooldown - since);
            }
        }
        *last = Some(now);
        Ok(())
    }

    pub fn health(&self) -> &TaskHealth {
        &self.0.health
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::Ops;

    /// What the supervisor writes through the bot's `Ops` is what `/healthz` reads.
    #[test]
    fn a_task_that_dies_under_ops_is_a_dead_task_for_healthz() {
        let ops = Ops::default();
        let name = "wiring-test-task";
        ops.health().running(name);
        assert!(!crate::ops::health::live().dead_tasks().contains(&name.to_string()));
        ops.health().panicked(name, "boom".into());
        assert!(crate::ops::health::live().dead_tasks().contains(&name.to_string()));
        ops.health().running(name);
        assert!(!crate::ops::health::live().dead_tasks().contains(&name.to_string()));
    }

    #[test]
    fn a_refresh_within_the_cooldown_is_told_how_long_to_wait() {
        let ops = Ops::default();
        assert_eq!(ops.claim_refresh(Duration::from_secs(120)), Ok(()));
        let wait = ops.claim_refresh(Duration::from_secs(120)).unwrap_err();
        assert!(wait > Duration::from_secs(110) && wait <= Duration::from_secs(120), "{wait:?}");
        // No cooldown: always allowed.
        assert_eq!(ops.claim_refresh(Duration::ZERO), Ok(()));
    }
}
