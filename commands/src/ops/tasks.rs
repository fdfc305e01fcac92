//! The liveness of the bot's supervised background tasks (the sync schedule, the digest): the
//! supervisor in `bot/supervise.rs` writes it, `/healthz` reads it through `health::live()`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Where a supervised task is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaskState {
    Running,
    /// It panicked and waits to be started again.
    Restarting,
    /// It ended (or was cancelled): these tasks are meant to run for the life of the bot.
    Stopped,
}

/// One supervised task's liveness.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskStatus {
    pub state: TaskState,
    pub restarts: u32,
    pub last_panic: Option<String>,
}

/// The liveness of every supervised task, by name.
#[derive(Clone, Default)]
pub struct TaskHealth(Arc<Mutex<BTreeMap<&'static str, TaskStatus>>>);

impl TaskHealth {
    fn update(&self, name: &'static str, change: impl FnOnce(&mut TaskStatus)) {
        let mut all = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let status = all.entry(name).or_insert(TaskStatus { state: TaskState::Running, restarts: 0, last_panic: None });
        change(status);
    }

    pub fn running(&self, name: &'static str) {
        self.update(name, |s| s.state = TaskState::Running);
    }

    pub fn panicked(&self, name: &'static str, why: String) {
        self.update(name, |s| {
            s.state = TaskState::Restarting;
            s.restarts += 1;
            s.last_panic = Some(why);
        });
    }

    pub fn stopped(&self, name: &'static str) {
        self.update(name, |s| s.state = TaskState::Stopped);
    }

    /// Every task and its status, by name.
    pub fn all(&self) -> Vec<(&'static str, TaskStatus)> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).iter().map(|(k, v)| (*k, v.clone())).collect()
    }

    /// The tasks not running now (restarting after a panic, or ended).
    pub fn dead(&self) -> Vec<&'static str> {
        self.all().into_iter().filter(|(_, s)| s.state != TaskState::Running).map(|(n, _)| n).collect()
    }
}
