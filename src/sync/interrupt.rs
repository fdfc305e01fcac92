//! Stopping a running sync from outside (a signal handler, a shutdown) without leaving
//! anything half-written: the pull stops at its next await, the write aborts its transaction.

use std::sync::{Arc, Mutex};

/// A request to stop a running sync, from a signal handler or a shutdown. The run stops at
/// the next await, or aborts its SQLite transaction mid-write; after the commit it is too late
/// and the run completes. The first reason given is the one recorded.
#[derive(Clone, Default)]
pub struct Interrupt(Arc<InterruptState>);

#[derive(Default)]
struct InterruptState {
    reason: Mutex<Option<String>>,
    notify: tokio::sync::Notify,
    /// The writing connection, while a write is in progress.
    sqlite: Mutex<Option<rusqlite::InterruptHandle>>,
}

impl Interrupt {
    pub fn new() -> Interrupt {
        Interrupt::default()
    }

    /// Asks the run to stop, naming why ("SIGTERM").
    pub fn trigger(&self, why: &str) {
        {
            let mut r = self.0.reason.lock().unwrap_or_else(|e| e.into_inner());
            if r.is_some() {
                return;
            }
            *r = Some(why.to_string());
        }
        self.0.notify.notify_waiters();
        if let Some(h) = self.0.sqlite.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            h.interrupt();
        }
    }

    pub fn reason(&self) -> Option<String> {
        self.0.reason.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(super) async fn wait(&self) -> String {
        loop {
            let notified = self.0.notify.notified();
            if let Some(r) = self.reason() {
                return r;
            }
            notified.await;
        }
    }

    /// `Err(Interrupted)` once triggered: for the write's loops.
    pub(super) fn check(&self) -> Result<(), super::SyncError> {
        match self.reason() {
            Some(why) => Err(super::SyncError::Interrupted(why)),
            None => Ok(()),
        }
    }

    pub(super) fn attach(&self, h: Option<rusqlite::InterruptHandle>) {
        *self.0.sqlite.lock().unwrap_or_else(|e| e.into_inner()) = h;
    }
}
