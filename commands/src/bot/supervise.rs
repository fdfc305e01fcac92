//! Keeps the bot's background tasks (the sync schedule, the digest) alive: a task that panics is
//! logged with its name and the panic's message, and started again after a pause that doubles
//! up to a minute (so a task that panics at once does not spin). Its liveness is kept in
//! `TaskHealth` for the health endpoint.

use std::any::Any;
use std::future::Future;
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;

use crate::ops::tasks::TaskHealth;

/// The first pause before a restart; it doubles after each quick panic.
const FIRST_PAUSE: Duration = Duration::from_secs(1);
const LONGEST_PAUSE: Duration = Duration::from_secs(60);
/// A task that ran this long before panicking starts again after the first pause.
const STEADY: Duration = Duration::from_secs(300);

/// Runs `factory()`'s task under supervision: restarted after a panic, recorded in `health`.
pub fn supervise<F, Fut>(name: &'static str, health: TaskHealth, factory: F) -> JoinHandle<()>
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    supervise_with(name, health, FIRST_PAUSE, factory)
}

fn supervise_with<F, Fut>(name: &'static str, health: TaskHealth, first: Duration, factory: F) -> JoinHandle<()>
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        let mut pause = first;
        loop {
            health.running(name);
            let started = Instant::now();
            match tokio::spawn(factory()).await {
                Ok(()) => {
                    tracing::info!(task = name, "background task ended");
                    health.stopped(name);
                    return;
                }
                Err(e) if e.is_panic() => {
                    let why = panic_message(e.into_panic());
                    if started.elapsed() >= STEADY {
                        pause = first;
                    }
                    health.panicked(name, why.clone());
                    tracing::error!(
                        task = name,
                        panic = %why,
                        restart_in_ms = pause.as_millis() as u64,
                        not_running = ?health.dead(),
                        "background task panicked; restarting it"
                    );
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(LONGEST_PAUSE);
                }
                Err(_) => {
                    health.stopped(name);
                    return;
                }
            }
        }
    })
}

fn panic_message(payload: Box<dyn Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(p) => p.downcast_ref::<&str>().map(|s| s.to_string()).unwrap_or_else(|| "(no message)".into()),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    use super::*;
    use crate::ops::tasks::{TaskState, TaskStatus};

    #[tokio::test]
    async fn a_panicking_task_is_restarted_and_its_panic_recorded() {
        let health = TaskHealth::default();
        let runs = Arc::new(AtomicU32::new(0));
        let r = runs.clone();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let tx = std::sync::Mutex::new(Some(tx));
        let task = supervise_with("digest", health.clone(), Duration::from_millis(10), move || {
            let n = r.fetch_add(1, Ordering::SeqCst);
            let tx = if n >= 2 { tx.lock().unwrap().take() } else { None };
            async move {
                if n < 2 {
                    panic!("boom {n}");
                }
                // The third start keeps running, as a real loop does.
                if let Some(tx) = tx {
                    let _ = tx.send(());
                }
                std::future::pending::<()>().await;
            }
        });
        rx.await.unwrap();
        assert_eq!(runs.load(Ordering::SeqCst), 3);
        assert_eq!(
            health.all(),
            vec![("digest", TaskStatus { state: TaskState::Running, restarts: 2, last_panic: Some("boom 1".into()) })]
        );
        assert!(health.dead().is_empty());
        task.abort();
    }

    #[tokio::test]
    async fn a_task_that_ends_is_reported_not_running() {
        let health = TaskHealth::default();
        supervise_with("schedule", health.clone(), Duration::from_millis(10), || async {}).await.unwrap();
        assert_eq!(health.dead(), vec!["schedule"]);
    }
}
