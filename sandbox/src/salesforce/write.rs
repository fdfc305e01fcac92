//! The write endpoints of the Salesforce face (lead owner changes, Tasks): a stub the write
//! helper replaces; `mod.rs` merges whatever routes it returns.

use std::sync::Arc;

use axum::Router;

use super::state::Shared;

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
}
