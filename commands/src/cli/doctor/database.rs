//! The database lines of `panopticon doctor`: the file opens, passes `PRAGMA integrity_check`,
//! holds the schema this build writes; and how big it is. Read-only: nothing is migrated or
//! created.

use panopticon::config::Config;
use panopticon::store;

use super::check::{skipped, Check};

const FILE: &str = "database file";
const INTEGRITY: &str = "database integrity";
const SCHEMA: &str = "database schema";

pub fn checks(cfg: &Config) -> Vec<Check> {
    let path = &cfg.storage_path;
    let h = match store::health(path) {
        Ok(h) => h,
        Err(e) => {
            let why = if path.is_file() {
                format!("{e}: the file is not a Panopticon database, or it is damaged; restore a backup (see README)")
            } else {
                format!("there is no database at {}: check [storage] path, or run `panopticon sync`", path.display())
            };
            let mut out = vec![Check::fail(FILE, why)];
            out.extend(skipped(&[INTEGRITY, SCHEMA], "the database file"));
            return out;
        }
    };
    let file = Check::pass(FILE, format!("{}, {:.1} MB with its WAL", path.display(), h.bytes as f64 / 1_000_000.0));
    let integrity = if h.integrity == "ok" {
        Check::pass(INTEGRITY, "PRAGMA integrity_check: ok")
    } else {
        Check::fail(
            INTEGRITY,
            format!(
                "PRAGMA integrity_check found damage ({}): stop the bot and restore the last backup (see README)",
                h.integrity.lines().next().unwrap_or("")
            ),
        )
    };
    let known = store::latest_schema();
    let schema = match h.schema {
        v if v == known => Check::pass(SCHEMA, format!("version {v}, this build's")),
        v if v > known => Check::fail(
            SCHEMA,
            format!("version {v} was written by a newer Panopticon (this build knows {known}): upgrade Panopticon"),
        ),
        v => Check::fail(
            SCHEMA,
            format!("version {v}, older than this build's {known}: the next `panopticon sync` or `run` upgrades it"),
        ),
    };
    vec![file, integrity, schema]
}
