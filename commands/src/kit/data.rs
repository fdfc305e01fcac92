//! What every command and click shares: the configuration, the store, a cached snapshot of
//! the data (reloaded only after a sync), the one-sync-at-a-time lock, and the one way to reach
//! the database from async code (`db`, or `db_pooled` for real work).

use std::sync::Arc;
use std::time::Instant;

use panopticon::actions::Scopes;
use panopticon::config::Config;
use panopticon::store::{self, Connection, Store};
use panopticon::sync::SyncReport;
use panopticon::views::state::ViewKey;
use panopticon::views::Snapshot;
use tokio::sync::{watch, Mutex, RwLock};

use super::ops::Ops;
use super::pool::CpuPool;

/// What a snapshot reflects: the last sync run, the last intervention (a snooze changes
/// what the views show without a sync), and the write-back actions (a reassign changes the
/// lead's owner without a sync: `store::actions_version`).
type Version = (Option<i64>, i64, String);

/// How long the CRM token's granted scopes are trusted before they are asked again: the
/// write-back buttons follow a changed grant within this.
const SCOPES_FOR: std::time::Duration = std::time::Duration::from_secs(300);

/// A loaded snapshot and what it reflects.
type Cached = Option<(Version, Arc<Snapshot>)>;

/// The loaded sales side and the sync run it reflects.
type SalesCached = Option<(Option<i64>, Arc<panopticon::views::sales::SalesSnapshot>)>;

/// Cheap to clone: every field is shared, so the digest scheduler holds the same state.
#[derive(Clone)]
pub struct Data {
    pub cfg: Arc<Config>,
    pub store: Store,
    /// The snapshot and what it reflects (`None` before the first load).
    snapshot: Arc<RwLock<Cached>>,
    /// Held while a sync runs; a second caller waits for it, then reads `last_sync`.
    pub sync_lock: Arc<Mutex<()>>,
    pub last_sync: Arc<watch::Sender<Option<Result<SyncReport, String>>>>,
    pub started: Instant,
    /// Where snapshot loads, composing and rendering run, a few at a time (see `pool.rs`).
    pub cpu: CpuPool,
    /// Signs and checks the state in every custom_id (kept in the database; never logged).
    pub view_key: ViewKey,
    /// The kept CRM client, the shutdown's stop request, the /refresh cooldown, task liveness.
    pub ops: Ops,
    /// The CRM token's granted scopes and when they were read (`write_scopes`).
    scopes: Arc<Mutex<Option<(Instant, Scopes)>>>,
    /// The sales data and the sync run it reflects (`kit/sales.rs` loads it).
    pub(super) sales_cache: Arc<RwLock<SalesCached>>,
}

pub type Error = Box<dyn std::error::Error + Send + Sync>;

impl Data {
    pub fn new(cfg: Config) -> Result<Data, Error> {
        let mut fonts = cfg.fallback_fonts.clone();
        if cfg.system_fonts {
            fonts.extend(panopticon::render::font::system_fonts());
        }
        if !fonts.is_empty() {
            let faces = panopticon::render::font::install_fallbacks(&fonts)?;
            tracing::info!(faces, ?fonts, "fallback fonts for images loaded");
        }
        let store = Store::open(&cfg.storage_path)?;
        let view_key = ViewKey::load(&store.connect()?)?;
        Ok(Data::with_store(cfg, store, view_key))
    }

    /// For commands that only read (`digest --dry-run`): the database is never written. Such a
    /// process posts nothing clickable, so a database without a key yet gets a throwaway one
    /// rather than a write.
    pub fn new_read_only(cfg: Config) -> Result<Data, Error> {
        let store = Store::open_read_only(&cfg.storage_path)?;
        let view_key = store.read(ViewKey::load).unwrap_or_else(|_| ViewKey::unsaved());
        Ok(Data::with_store(cfg, store, view_key))
    }

    fn with_store(cfg: Config, store: Store, view_key: ViewKey) -> Data {
        Data {
            cfg: Arc::new(cfg),
            store,
            snapshot: Arc::new(RwLock::new(None)),
            sync_lock: Arc::new(Mutex::new(())),
            last_sync: Arc::new(watch::channel(None).0),
            started: Instant::now(),
            cpu: CpuPool::per_core(),
            view_key,
            ops: Ops::default(),
            scopes: Arc::new(Mutex::new(None)),
            sales_cache: Default::default(),
        }
    }

    /// The current snapshot, reloaded when a sync has run since it was taken, or someone
    /// snoozed, nudged or answered (`store::last_intervention_id`). It holds every
    /// appointed lead (`Snapshot::load`, `Need::All`): one load per sync serves every view, page,
    /// click, autocomplete and the digest from memory, where loading only what each command
    /// needs would read the store again for each. The narrow loads are for a process that shows
    /// one view and exits (`panopticon report`).
    pub async fn snapshot(&self) -> Result<Arc<Snapshot>, Error> {
        let last: Version = self
            .db(|c| {
                Ok::<_, store::StoreError>((
                    store::last_run(c)?.map(|r| r.id),
                    store::last_intervention_id(c)?,
                    store::actions_version(c)?,
                ))
            })
            .await?;
        if let Some((id, s)) = self.snapshot.read().await.as_ref() {
            if *id == last {
                return Ok(s.clone());
            }
        }
        let mut slot = self.snapshot.write().await;
        if let Some((id, s)) = slot.as_ref() {
            if *id == last {
                return Ok(s.clone());
            }
        }
        let store = self.store.clone();
        let fresh = Arc::new(self.cpu.run(move || store.read(Snapshot::load)).await??);
        *slot = Some((last, fresh.clone()));
        Ok(fresh)
    }

    /// The scopes the CRM token was granted, read at most every few minutes (a token refresh at
    /// most); `None` when write-back is off or the CRM cannot say now — then no write-back
    /// button is offered, rather than one that fails.
    pub async fn write_scopes(&self) -> Option<Scopes> {
        if !self.cfg.actions.enabled {
            return None;
        }
        let mut slot = self.scopes.lock().await;
        if let Some((at, s)) = slot.as_ref() {
            if at.elapsed() < SCOPES_FOR {
                return Some(s.clone());
            }
        }
        let crm = match self.ops.crm(&self.cfg).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!("write-back buttons hidden: no CRM client ({e})");
                return None;
            }
        };
        match panopticon::crm::CrmWriter::scopes(crm).await {
            Ok(s) => {
                *slot = Some((Instant::now(), s.clone()));
                Some(s)
            }
            Err(e) => {
                tracing::warn!("write-back buttons hidden: the CRM did not say what the token may do ({e})");
                None
            }
        }
    }

    /// Runs `f` with a fresh connection on a blocking thread, at once: how commands, clicks and
    /// the digest reach SQLite, so that no query holds up the runtime that acknowledges the
    /// other interactions (Discord wants each within 3 s).
    pub async fn db<T, E>(&self, f: impl FnOnce(&mut Connection) -> Result<T, E> + Send + 'static) -> Result<T, Error>
    where
        T: Send + 'static,
        E: Into<Error> + 'static,
    {
        tokio::task::spawn_blocking(with_connection(self.store.clone(), f)).await?
    }

    /// The same on the CPU pool, waiting its turn: for a query that is real work (a search
    /// across every lead) or a connection held while a view is composed and drawn.
    pub async fn db_pooled<T, E>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, Error>
    where
        T: Send + 'static,
        E: Into<Error> + 'static,
    {
        self.cpu.run(with_connection(self.store.clone(), f)).await?
    }

    /// Tells those waiting on `last_sync` how a sync ended (the error as text: errors do not
    /// clone, and each waiter shows it).
    pub fn publish_sync<E: std::fmt::Display>(&self, result: &Result<SyncReport, E>) {
        let shown = match result {
            Ok(report) => Ok(report.clone()),
            Err(e) => Err(e.to_string()),
        };
        self.last_sync.send_replace(Some(shown));
    }
}

/// `f` with a connection to `store`, as one job for a blocking thread.
fn with_connection<T, E: Into<Error> + 'static>(
    store: Store,
    f: impl FnOnce(&mut Connection) -> Result<T, E>,
) -> impl FnOnce() -> Result<T, Error> {
    move || {
        let mut conn = store.connect()?;
        f(&mut conn).map_err(Into::into)
    }
}
