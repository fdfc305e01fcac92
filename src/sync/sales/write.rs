//! The write half of the sales sync, inside the run's one transaction: each page upserted as
//! it arrives, deletions applied once the listings are complete (after the upserts, as for the
//! leads), a full run's reconcile behind the mass-delete guard, the choice of the deals whose
//! stage history to read, and the stage metadata.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use super::super::reconcile::reconcile;
use super::super::{guard, roles, SyncError, SyncReport};
use crate::crm::{CrmError, Skipped};
use crate::sales::{DealStage, SalesModule, SalesRecord, StageInfo};
use crate::store;
use crate::time::{utc_text, Stamp};

// Where the time the stage metadata was last read is kept (`sync_state`, beside the
// watermarks: a full run clears it and reads the metadata again).
use store::STAGE_META_READ as META_READ;

/// What the pull sends about the sales side.
pub(in crate::sync) enum SalesMsg {
    /// A page of any sales listing.
    Records(Vec<SalesRecord>, Vec<Skipped>),
    Deleted(SalesModule, Vec<String>, Vec<Skipped>),
    /// Whether any deal listed so far is new or was edited since the copy held.
    DealsMoved(tokio::sync::oneshot::Sender<bool>),
    /// The CRM's delete log no longer reached back to the last sync: every id of the module it
    /// still has (stored form). Held ones not among them go once the listings are complete.
    Survivors(SalesModule, Vec<String>),
    /// Zoho refused the module to this token: its stored records stay, and the run warns.
    Unread(SalesModule, CrmError),
    Meta(Vec<StageInfo>, Vec<Skipped>),
    /// The stage metadata could not be read: the stored mapping stays, and the run warns.
    MetaUnread(CrmError),
    /// Every sales listing is complete: apply deletions (and a full run's reconcile) and
    /// answer with the deals whose stage history to read.
    Listed(tokio::sync::oneshot::Sender<Vec<String>>),
    History(String, Vec<DealStage>, Vec<Skipped>),
    /// A deal whose history Zoho refused: skipped, and owed to the next run.
    Refused(Skipped),
}

/// Whether this run reads the stage metadata whatever the Deals listing says: a full run,
/// never read, or read more than a day ago (or ahead of this clock) — like the roles.
pub(in crate::sync) fn meta_due(conn: &Connection, full: bool, now: DateTime<Utc>) -> Result<bool, SyncError> {
    if full {
        return Ok(true);
    }
    Ok(roles::stale(store::read_at(conn, META_READ)?, now))
}

/// The module a stored id belongs to (activities by prefix).
fn module_of(record: &SalesRecord) -> (SalesModule, &str) {
    match record {
        SalesRecord::Deal(d) => (SalesModule::Deals, &d.id),
        SalesRecord::Activity(a) => (a.kind.module(), &a.id),
        SalesRecord::Account(a) => (SalesModule::Accounts, &a.id),
        SalesRecord::Contact(c) => (SalesModule::Contacts, &c.id),
    }
}

/// The sales half of the writer's state.
pub(in crate::sync) struct SalesWriter {
    full: bool,
    /// A full run may delete more than `guard::is_mass_delete` allows.
    allow: bool,
    /// Full run only: what each module held before, what it listed (and could not read).
    held: BTreeMap<SalesModule, HashSet<String>>,
    listed: BTreeMap<SalesModule, HashSet<String>>,
    deleted: Vec<(SalesModule, String)>,
    survivors: Vec<(SalesModule, HashSet<String>)>,
    /// The CRM's name, for a refusal's and a reconcile's words.
    crm: &'static str,
    /// A deal listed this run is new or was edited since the copy held.
    deals_moved: bool,
    /// Deals that are new or changed stage in this run: their history is read.
    wanted: BTreeSet<String>,
    skipped: Vec<Skipped>,
    meta_stored: bool,
    meta_read: bool,
}

impl SalesWriter {
    pub fn new(conn: &Connection, full: bool, allow: bool, crm: &'static str) -> Result<SalesWriter, SyncError> {
        let mut held = BTreeMap::new();
        if full {
            for m in SalesModule::ALL {
                held.insert(m, store::held_sales_ids(conn, m)?);
            }
        }
        let meta_stored = store::stage_meta_stored(conn)?;
        Ok(SalesWriter {
            full,
            allow,
            held,
            listed: BTreeMap::new(),
            deleted: Vec::new(),
            survivors: Vec::new(),
            crm,
            deals_moved: false,
            wanted: BTreeSet::new(),
            skipped: Vec::new(),
            meta_stored,
            meta_read: false,
        })
    }

    pub fn apply(&mut self, conn: &Connection, msg: SalesMsg, r: &mut SyncReport) -> Result<(), SyncError> {
        match msg {
            SalesMsg::Records(records, skipped) => {
                for s in &skipped {
                    // A record Zoho sent but we could not read is still there: not gone.
                    let module = SalesModule::ALL.into_iter().find(|m| m.api_name() == s.endpoint);
                    if let (Some(m), Some(id)) = (module, &s.id) {
                        self.listed.entry(m).or_default().insert(m.stored_id(id));
                    }
                }
                self.skipped.extend(skipped);
                for rec in &records {
                    self.record(conn, rec, r)?;
                }
            }
            SalesMsg::Deleted(module, ids, skipped) => {
                self.skipped.extend(skipped);
                self.deleted.extend(ids.into_iter().map(|id| (module, id)));
            }
            SalesMsg::DealsMoved(answer) => {
                let _ = answer.send(self.deals_moved);
            }
            SalesMsg::Survivors(module, ids) => self.survivors.push((module, ids.into_iter().collect())),
            SalesMsg::Meta(meta, skipped) => {
                self.skipped.extend(skipped);
                if meta.is_empty() {
                    let e =
                        CrmError::Malformed { endpoint: "settings/fields".into(), detail: "no readable stage".into() };
                    r.warnings.push(meta_warning(&e, self.meta_stored));
                } else {
                    store::replace_stage_meta(conn, &meta)?;
                    self.meta_read = true;
                }
            }
            SalesMsg::Unread(m, e) => {
                // Not listed is not gone: a full run does not reconcile what it could not read.
                self.held.remove(&m);
                r.warnings.push(unread_warning(m, &e));
            }
            SalesMsg::MetaUnread(e) => r.warnings.push(meta_warning(&e, self.meta_stored)),
            SalesMsg::Listed(answer) => {
                let wanted = self.listed_done(conn, r)?;
                let _ = answer.send(wanted);
            }
            SalesMsg::History(deal, rows, skipped) => {
                self.skipped.extend(skipped);
                if store::deal_marks(conn, &deal)?.is_some() {
                    store::replace_deal_stages(conn, &deal, &rows)?;
                    r.deal_histories += 1;
                }
            }
            SalesMsg::Refused(s) => self.skipped.push(s),
        }
        Ok(())
    }

    fn record(&mut self, conn: &Connection, rec: &SalesRecord, r: &mut SyncReport) -> Result<(), SyncError> {
        if self.full {
            let (m, id) = module_of(rec);
            self.listed.entry(m).or_default().insert(id.to_string());
        }
        match rec {
            SalesRecord::Deal(d) => {
                // The history is read only when it can have changed: a new deal, or a new stage.
                let before = store::deal_marks(conn, &d.id)?;
                // New or edited (a re-sent deal, as Salesforce's overlap sends, is neither).
                let edited = before.as_ref().is_none_or(|(_, modified, _)| *modified != d.modified_at.utc_text());
                self.deals_moved |= edited;
                if before.is_none_or(|(stage, _, read)| stage != d.stage || read.is_none()) {
                    self.wanted.insert(d.id.clone());
                }
                if edited || self.full {
                    store::upsert_deal(conn, d)?;
                }
                r.deals += u64::from(edited);
            }
            // A record sent again unchanged (same modification time) is not counted — the
            // run's summary says what changed — and written only by a full run, which rewrites
            // every copy (names taken from other records included).
            SalesRecord::Activity(a) => {
                let changed = self.changed(conn, a.kind.module(), &a.id, &a.modified_at)?;
                if changed || self.full {
                    store::upsert_activity(conn, a)?;
                }
                r.activities += u64::from(changed);
            }
            SalesRecord::Account(a) => {
                let changed = self.changed(conn, SalesModule::Accounts, &a.id, &a.modified_at)?;
                if changed || self.full {
                    store::upsert_account(conn, a)?;
                }
                r.accounts += u64::from(changed);
            }
            SalesRecord::Contact(c) => {
                let changed = self.changed(conn, SalesModule::Contacts, &c.id, &c.modified_at)?;
                if changed || self.full {
                    store::upsert_contact(conn, c)?;
                }
                r.contacts += u64::from(changed);
            }
        }
        Ok(())
    }

    /// Whether a listed record differs from the copy held (or there is none).
    fn changed(&self, conn: &Connection, module: SalesModule, id: &str, modified: &Stamp) -> Result<bool, SyncError> {
        Ok(store::held_modified_at(conn, module, id)?.is_none_or(|held| held != modified.utc_text()))
    }

    /// Deletions, a full run's reconcile (guarded), and the deals whose history to read: those
    /// this run made new or moved, and those owed by earlier runs. Each is owed until read, so
    /// one this run does not read (Zoho refused it) is read next time.
    fn listed_done(&mut self, conn: &Connection, r: &mut SyncReport) -> Result<Vec<String>, SyncError> {
        let mut gone: Vec<(SalesModule, String)> = std::mem::take(&mut self.deleted);
        if self.full {
            for (m, held) in &self.held {
                let listed = self.listed.get(m);
                let missing: Vec<String> =
                    held.iter().filter(|id| listed.is_none_or(|l| !l.contains(*id))).cloned().collect();
                if guard::is_mass_delete(held.len(), missing.len()) && !self.allow {
                    return Err(SyncError::MassDelete {
                        crm: self.crm,
                        what: m.api_name(),
                        gone: missing.len(),
                        held: held.len(),
                        listed: listed.map_or(0, HashSet::len),
                        listing: guard::FULL,
                    });
                }
                gone.extend(missing.into_iter().map(|id| (*m, id)));
            }
        }
        for (m, survivors) in std::mem::take(&mut self.survivors) {
            let held = store::held_sales_ids(conn, m)?;
            let rec = reconcile(held, &survivors, self.crm, m.api_name(), self.allow)?;
            gone.extend(rec.gone.into_iter().map(|id| (m, id)));
            r.warnings.push(rec.warning);
        }
        for (m, id) in gone {
            let ids = [id];
            let n = store::delete_sales_records(conn, m, &ids)?;
            let [id] = ids;
            self.wanted.remove(&id);
            match m {
                SalesModule::Deals => r.deals += n,
                SalesModule::Accounts => r.accounts += n,
                SalesModule::Contacts => r.contacts += n,
                _ => r.activities += n,
            }
        }
        let mut wanted: BTreeSet<String> = std::mem::take(&mut self.wanted);
        wanted.extend(store::deal_history_due(conn)?);
        let mut out = Vec::with_capacity(wanted.len());
        for id in wanted {
            if store::deal_marks(conn, &id)?.is_some() {
                store::owe_deal_history(conn, &id)?;
                out.push(id);
            }
        }
        Ok(out)
    }

    /// At the end of the run, after the watermarks were written: remember when the metadata was
    /// read, and hand over what was skipped.
    pub fn finish(self, conn: &Connection, started: DateTime<Utc>) -> Result<Vec<Skipped>, SyncError> {
        if self.meta_read {
            store::set_watermark(conn, META_READ, &utc_text(started))?;
        }
        Ok(self.skipped)
    }
}

/// The run's warning when a sales module was refused.
fn unread_warning(m: SalesModule, e: &CrmError) -> String {
    let name = m.api_name();
    match e {
        CrmError::Api { code, .. } if code == "OAUTH_SCOPE_MISMATCH" => format!(
            "{name} were not read: the refresh token lacks ZohoCRM.modules.{}.READ (add it and generate a new \
             refresh token, see README); the {name} held here are kept",
            name.to_lowercase()
        ),
        e => format!("{name} were not read ({e}); the {name} held here are kept"),
    }
}

/// The run's warning when the stage metadata could not be read: the stored mapping stays.
fn meta_warning(e: &CrmError, stored: bool) -> String {
    let kept = if stored { "the mapping read before is kept" } else { "no stage mapping is stored yet" };
    match e {
        CrmError::Api { code, .. } if code == "OAUTH_SCOPE_MISMATCH" => format!(
            "the deal stages' probabilities and categories were not read: the refresh token lacks \
             ZohoCRM.settings.fields.READ (add it and generate a new refresh token, see README); {kept}"
        ),
        e => format!("the deal stages' probabilities and categories were not read ({e}); {kept}"),
    }
}
