//! The bounded pool for CPU work: loading a snapshot, composing a view, rendering and encoding
//! its PNGs. Discord wants every interaction acknowledged within 3 seconds; with a hundred
//! commands at once, unbounded `spawn_blocking` would start a hundred render threads that starve
//! the runtime's own threads of CPU, and the acks of later commands would wait behind them.
//! Here at most one job per core runs at a time; the rest wait their turn without a thread, so
//! the async runtime always has a core to answer on.

use std::sync::Arc;

use tokio::sync::Semaphore;

use super::Error;

#[derive(Clone)]
pub struct CpuPool {
    permits: Arc<Semaphore>,
}

impl CpuPool {
    /// A pool running up to `size` jobs at once (at least one).
    pub fn new(size: usize) -> CpuPool {
        CpuPool { permits: Arc::new(Semaphore::new(size.max(1))) }
    }

    /// One job per core of this machine.
    pub fn per_core() -> CpuPool {
        CpuPool::new(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2))
    }

    /// Runs `job` on a blocking thread once a slot is free; the slot is held until the job ends,
    /// even if the caller stops waiting for it.
    pub async fn run<T: Send + 'static>(&self, job: impl FnOnce() -> T + Send + 'static) -> Result<T, Error> {
        let permit = self.permits.clone().acquire_owned().await?;
        let out = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            job()
        })
        .await?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::CpuPool;

    #[tokio::test]
    async fn never_runs_more_jobs_than_its_size() {
        let pool = CpuPool::new(2);
        let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let jobs: Vec<_> = (0..12)
            .map(|_| {
                let (pool, running, most) = (pool.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    pool.run(move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        running.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await
                })
            })
            .collect();
        for j in jobs {
            j.await.unwrap().unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }
}
