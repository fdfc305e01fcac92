//! Is the bot well? The verdict `/healthz` gives, from three inputs: the Discord gateway
//! (connected or not, set from serenity's Ready, Resumed and shard-stage events by
//! `GatewayWatch`), the last good sync (read from the database, so a sync run by cron counts
//! too), and the bot's long-running tasks (the supervisor's `TaskHealth`, `tasks.rs`).
//!
//! The verdict itself is a pure function (`verdict`) over those inputs, so every case is a unit
//! test; `Health` only holds what events told it. Its reasons are plain sentences for whoever
//! reads a failing check: a load balancer logs them, a person reads them with `panopticon health`.

use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::tasks::TaskHealth;
use poise::serenity_prelude as serenity;

/// The gateway as the last event left it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Gateway {
    pub connected: bool,
    /// Connected at least once since start (a first connection is not yet an outage).
    pub ever: bool,
    /// serenity's word for the stage when not connected ("resuming", "disconnected"…).
    pub stage: String,
}

/// The last good sync, as the database tells it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LastSync {
    At(DateTime<Utc>),
    Never,
    /// The database could not be read: why.
    Unreadable(String),
}

/// Everything the verdict looks at.
pub struct Inputs<'a> {
    pub gateway: &'a Gateway,
    pub last_good_sync: &'a LastSync,
    /// Tasks the supervisor reported dead, by name.
    pub dead_tasks: &'a [String],
    /// `[sync] max_age_hours`.
    pub max_age: Duration,
    pub now: DateTime<Utc>,
}

/// What is wrong, one sentence each; empty when all is well.
pub fn verdict(i: &Inputs) -> Vec<String> {
    let mut wrong = Vec::new();
    let g = i.gateway;
    if !g.connected {
        let stage = if g.stage.is_empty() { String::new() } else { format!(" ({})", g.stage) };
        wrong.push(if g.ever {
            format!("gateway: the connection to Discord is down{stage}")
        } else {
            format!("gateway: not connected to Discord yet{stage}")
        });
    }
    match i.last_good_sync {
        LastSync::Never => wrong.push("sync: no sync has succeeded yet".into()),
        LastSync::Unreadable(why) => wrong.push(format!("database: cannot read the last sync: {why}")),
        LastSync::At(at) => {
            let age = i.now - *at;
            let too_old = age.to_std().is_ok_and(|a| a > i.max_age);
            if too_old {
                wrong.push(format!(
                    "sync: the last good sync was {} ago ({}), older than [sync] max_age_hours = {}",
                    panopticon::views::age(age),
                    at.format("%Y-%m-%d %H:%M UTC"),
                    i.max_age.as_secs_f64() / 3600.0
                ));
            }
        }
    }
    for t in i.dead_tasks {
        wrong.push(format!("task {t}: not running"));
    }
    wrong
}

/// What the events told: the gateway and each task's liveness.
#[derive(Default)]
pub struct Health {
    gateway: Mutex<Gateway>,
    tasks: TaskHealth,
}

static LIVE: LazyLock<Health> = LazyLock::new(Health::default);

/// This process's health, which the hooks set and `/healthz` reads.
pub fn live() -> &'static Health {
    &LIVE
}

impl Health {
    pub fn gateway_connected(&self) {
        let mut g = self.gateway.lock().unwrap_or_else(|p| p.into_inner());
        *g = Gateway { connected: true, ever: true, stage: String::new() };
    }

    /// The gateway left the connected stage for `stage`.
    pub fn gateway_down(&self, stage: &str) {
        let mut g = self.gateway.lock().unwrap_or_else(|p| p.into_inner());
        g.connected = false;
        g.stage = stage.to_string();
    }

    /// The supervised tasks' registry (the supervisor writes it; `Ops` hands it out).
    pub fn tasks(&self) -> &TaskHealth {
        &self.tasks
    }

    pub fn gateway(&self) -> Gateway {
        self.gateway.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn dead_tasks(&self) -> Vec<String> {
        self.tasks.dead().into_iter().map(String::from).collect()
    }
}

/// Registered with the serenity client: keeps `live()`'s gateway up to date. (Poise's event
/// handler never sees shard-stage updates; serenity gives them to event handlers only.)
pub struct GatewayWatch;

#[serenity::async_trait]
impl serenity::EventHandler for GatewayWatch {
    async fn ready(&self, _: serenity::Context, _: serenity::Ready) {
        live().gateway_connected();
    }

    async fn resume(&self, _: serenity::Context, _: serenity::ResumedEvent) {
        live().gateway_connected();
    }

    async fn shard_stage_update(&self, _: serenity::Context, e: serenity::ShardStageUpdateEvent) {
        match e.new {
            serenity::ConnectionStage::Connected => live().gateway_connected(),
            other => live().gateway_down(&other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    const DAY: Duration = Duration::from_secs(24 * 3600);

    fn check(gateway: &Gateway, sync: &LastSync, dead: &[String]) -> Vec<String> {
        verdict(&Inputs {
            gateway,
            last_good_sync: sync,
            dead_tasks: dead,
            max_age: DAY,
            now: at("2026-11-21T12:00:00Z"),
        })
    }

    fn up() -> Gateway {
        Gateway { connected: true, ever: true, stage: String::new() }
    }

    #[test]
    fn healthy_when_connected_and_synced_within_max_age() {
        assert_eq!(check(&up(), &LastSync::At(at("2026-11-21T11:00:00Z")), &[]), Vec::<String>::new());
        // Exactly max_age old is still fresh; a sync stamped a little in the future (clock skew) too.
        assert!(check(&up(), &LastSync::At(at("2026-11-20T12:00:00Z")), &[]).is_empty());
        assert!(check(&up(), &LastSync::At(at("2026-11-21T12:05:00Z")), &[]).is_empty());
    }

    #[test]
    fn a_stale_sync_is_named_with_its_age_and_the_key() {
        let why = check(&up(), &LastSync::At(at("2026-11-20T06:00:00Z")), &[]);
        assert_eq!(
            why,
            vec!["sync: the last good sync was 30 h ago (2026-11-20 06:00 UTC), older than [sync] max_age_hours = 24"]
        );
    }

    #[test]
    fn no_sync_or_an_unreadable_database_is_unhealthy() {
        assert_eq!(check(&up(), &LastSync::Never, &[]), vec!["sync: no sync has succeeded yet"]);
        assert_eq!(
            check(&up(), &LastSync::Unreadable("no such file".into()), &[]),
            vec!["database: cannot read the last sync: no such file"]
        );
    }

    #[test]
    fn the_gateway_before_its_first_connection_and_after_losing_it() {
        let fresh = LastSync::At(at("2026-11-21T11:00:00Z"));
        assert_eq!(check(&Gateway::default(), &fresh, &[]), vec!["gateway: not connected to Discord yet"]);
        let resuming = Gateway { connected: false, ever: true, stage: "resuming".into() };
        assert_eq!(check(&resuming, &fresh, &[]), vec!["gateway: the connection to Discord is down (resuming)"]);
    }

    #[test]
    fn every_reason_is_listed_dead_tasks_included() {
        let why = check(&Gateway::default(), &LastSync::Never, &["digest".to_string()]);
        assert_eq!(
            why,
            vec![
                "gateway: not connected to Discord yet",
                "sync: no sync has succeeded yet",
                "task digest: not running"
            ]
        );
    }

    #[test]
    fn events_set_the_gateway_and_tasks_come_and_go() {
        let h = Health::default();
        assert!(!h.gateway().connected);
        h.gateway_down("identifying");
        assert_eq!(h.gateway(), Gateway { connected: false, ever: false, stage: "identifying".into() });
        h.gateway_connected();
        assert_eq!(h.gateway(), up());
        h.gateway_down("resuming");
        assert_eq!(h.gateway(), Gateway { connected: false, ever: true, stage: "resuming".into() });
        h.tasks().running("digest");
        h.tasks().panicked("schedule", "boom".into());
        assert_eq!(h.dead_tasks(), vec!["schedule"]);
        h.tasks().running("schedule");
        assert!(h.dead_tasks().is_empty());
    }
}
