//! What every sales message is drawn from: the state asked for, the sales data already cut to
//! the asker's scope, the period it resolves to in the business zone, and the filters it names
//! (resolved from their hashes against what the asker sees) — and the one way a sales state
//! becomes a message, so a command and a click after a restart draw the same thing.

use chrono::NaiveDate;
use chrono_tz::Tz;
use panopticon::config::Config;
use panopticon::people::Access;
use panopticon::sales::period::{Period, Preset};
use panopticon::sales::{Cents, SalesData};
use panopticon::views::sales::{SalesContext, SalesQuery, SalesSnapshot, Who};
use panopticon::views::state::{short_hash, SalesState, ViewKey};
use panopticon::views::{Header, Snapshot};
use std::collections::BTreeMap;

use crate::kit::compose::Composed;
use crate::kit::{people, sales, Data, Error};

/// The period a KPI view shows when none was picked.
pub const DEFAULT_PRESET: Preset = Preset::ThisMonth;

/// The filters a state names, as names (owner as its CRM user id).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    pub owner: Option<String>,
    pub source: Option<String>,
    pub pipeline: Option<String>,
    pub stage: Option<String>,
}

/// Everything a sales face reads.
pub struct SalesScene<'a> {
    pub cfg: &'a Config,
    /// Everything synced, for the KPI views (which cut it to `access.scope` themselves).
    pub sales: &'a SalesSnapshot,
    /// The KPI views' question: the period, owner, source and pipeline this state names.
    pub query: SalesQuery,
    pub sctx: SalesContext<'a>,
    /// The records cut to the asker's scope (lists, stories, search).
    pub data: &'a SalesData,
    /// The appointed leads, cut to the asker's scope (search, and the lead side's numbers).
    pub snap: &'a Snapshot,
    pub state: &'a SalesState,
    pub key: ViewKey,
    pub tz: Tz,
    pub today: NaiveDate,
    /// The state's period, or the default one.
    pub period: Period,
    pub filters: Filters,
    /// CRM user id → name, for everyone the asker's data names.
    pub people: BTreeMap<String, String>,
    pub access: &'a Access,
    /// The sync's age and warning, as every embed's footer says it.
    pub header: Header,
}

/// A sales message for a scene.
pub type SalesFace = fn(&SalesScene) -> Result<Composed, Error>;

impl SalesScene<'_> {
    /// A person's name, or their id when the data never named them.
    pub fn person(&self, id: &str) -> String {
        self.people.get(id).cloned().unwrap_or_else(|| id.to_string())
    }

    /// The filters in words, for the embed ("owner = Dana Whitfield · source = Web").
    pub fn filter_words(&self) -> Vec<String> {
        let f = &self.filters;
        let mut out = Vec::new();
        if let Some(o) = &f.owner {
            out.push(format!("owner = {}", self.person(o)));
        }
        for (what, v) in [("source", &f.source), ("pipeline", &f.pipeline), ("stage", &f.stage)] {
            if let Some(v) = v {
                out.push(format!("{what} = {v}"));
            }
        }
        if let Some(a) = self.state.min_amount {
            out.push(format!("amount ≥ {}", money(&self.cfg.sales.currency, a as i64 * 100)));
        }
        out
    }

    /// The scope in words: whose numbers these are.
    pub fn whose(&self) -> String {
        match (&self.access.scope, self.access.role) {
            (s, _) if s.is_everyone() => "everyone".into(),
            (_, panopticon::people::Role::Manager) => "your team".into(),
            _ => "your own".into(),
        }
    }
}

/// Known values of each filter in `data`, as (name, hash) sorted by name.
pub fn known(data: &SalesData) -> [Vec<String>; 4] {
    let mut owners = BTreeMap::new();
    let (mut sources, mut pipelines) = (std::collections::BTreeSet::new(), std::collections::BTreeSet::new());
    for d in &data.deals {
        if let Some(o) = &d.owner {
            owners.insert(o.id.clone(), ());
        }
        sources.extend(d.lead_source.clone());
        pipelines.extend(d.pipeline.clone());
    }
    for a in &data.activities {
        if let Some(o) = &a.owner {
            owners.insert(o.id.clone(), ());
        }
    }
    [owners.into_keys().collect(), sources.into_iter().collect(), pipelines.into_iter().collect(), stage_names(data)]
}

/// Every stage, in the metadata's order, then any a deal has that the metadata lacks.
pub fn stage_names(data: &SalesData) -> Vec<String> {
    let mut meta: Vec<_> = data.stage_meta.iter().filter(|m| m.pipeline.is_none()).collect();
    meta.sort_by_key(|m| m.sequence);
    let mut names: Vec<String> = meta.iter().map(|m| m.stage.clone()).collect();
    for d in &data.deals {
        if !names.contains(&d.stage) {
            names.push(d.stage.clone());
        }
    }
    names
}

fn people_of(data: &SalesData) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let owners = data.deals.iter().filter_map(|d| d.owner.as_ref());
    for o in owners.chain(data.activities.iter().filter_map(|a| a.owner.as_ref())) {
        out.entry(o.id.clone()).or_insert_with(|| o.name.clone());
    }
    out
}

/// The name whose hash is `h` among `known`; a hash the asker's data lacks is an error in words.
fn pick(h: &Option<String>, known: &[String]) -> Result<Option<String>, Error> {
    match h {
        None => Ok(None),
        Some(h) => known
            .iter()
            .find(|n| short_hash(n) == *h)
            .cloned()
            .map(Some)
            .ok_or_else(|| "a filter in this view is not among what you see (or no longer exists)".into()),
    }
}

/// Cents as money: `$12,345` (whole units; cents are noise on a dashboard) — the views' format.
pub fn money(currency: &str, cents: Cents) -> String {
    panopticon::views::sales::money(Some(cents), currency)
}

/// The message for `state` as `access` may see it: the sales data and leads cut to their
/// scope, composed by `face` on the CPU pool.
pub async fn compose<F>(data: &Data, access: &Access, state: SalesState, face: F) -> Result<Composed, Error>
where
    F: FnOnce(&SalesScene) -> Result<Composed, Error> + Send + 'static,
{
    let all = data.sales().await?;
    let snap = data.snapshot().await?;
    let (cfg, who) = (data.cfg.clone(), access.clone());
    data.db_pooled(move |conn| {
        let key = panopticon::views::state::ViewKey::load(conn)?;
        with_scene(&cfg, &all, snap, &state, &who, key, face)
    })
    .await
}

/// Runs `f` on the scene `state` describes for `access`: the records and leads cut to their
/// scope, the filters' names found again (an error in words when one is not theirs to see).
pub fn with_scene<T>(
    cfg: &Config,
    all: &SalesSnapshot,
    snap: std::sync::Arc<Snapshot>,
    state: &SalesState,
    who: &Access,
    key: ViewKey,
    f: impl FnOnce(&SalesScene) -> Result<T, Error>,
) -> Result<T, Error> {
    let sd = sales::scoped(all, &who.scope);
    let snap = people::scoped(snap, &who.scope);
    let tz = cfg.rules.timezone;
    let now = chrono::Utc::now();
    let today = now.with_timezone(&tz).date_naive();
    let [owners, sources, pipelines, stages] = known(&sd);
    let filters = Filters {
        owner: pick(&state.owner, &owners)?,
        source: pick(&state.source, &sources)?,
        pipeline: pick(&state.pipeline, &pipelines)?,
        stage: pick(&state.stage, &stages)?,
    };
    let ctx = panopticon::views::Context::new(cfg, now, now);
    let header = Header::new(face_name(state.view), &snap, &ctx, Vec::new());
    let query = SalesQuery {
        preset: state.preset.unwrap_or(DEFAULT_PRESET),
        who: filters.owner.clone().map(Who::Owner).unwrap_or(Who::All),
        lead_source: filters.source.clone(),
        pipeline: filters.pipeline.clone(),
    };
    let mut people: BTreeMap<String, String> = all.known_owners().into_iter().collect();
    for (id, name) in people_of(&sd) {
        people.entry(id).or_insert(name);
    }
    let scene = SalesScene {
        cfg,
        sales: all,
        query,
        sctx: SalesContext::new(cfg, now),
        data: &sd,
        snap: &snap,
        state,
        key,
        tz,
        today,
        period: state.preset.unwrap_or(DEFAULT_PRESET).resolve(today),
        filters,
        people,
        access: who,
        header,
    };
    f(&scene)
}

/// A view's name, as the header and image names carry it.
pub fn face_name(v: panopticon::views::state::SalesView) -> &'static str {
    use panopticon::views::state::SalesView as V;
    match v {
        V::Dashboard => "dashboard",
        V::Deals => "deals",
        V::Forecast => "forecast",
        V::Sources => "sources",
        V::Activity => "activity",
        V::Segment => "segment",
        V::Story => "story",
    }
}
