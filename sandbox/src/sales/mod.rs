//! The org's sales side (reference/zoho-api-more.md §1–5): its data lives in `org::sales`
//! (deals with their stage history, calls, accounts, contacts, the Deals `Stage` picklist);
//! tasks stay in `Org::tasks` (the write-back's `POST /Tasks` lands in the same store) and
//! meetings in `Org::events` (lead appointments are Events too), one store per Zoho module.
//! Here: `org` holds the edits tests make, `render` and `listing` the Zoho shapes, `generate` the
//! demo's and the benchmark's sales side, `hostile` the records that test the client's parse.

pub mod generate;
pub mod hostile;
pub(crate) mod listing;
mod org;
pub(crate) mod render;

pub use crate::org::{
    stage_def, SAccount, SCall, SContact, SDeal, SDealStage, Sales, StageDef, DEAL_STAGES, PIPELINES,
};
pub use generate::SalesSpec;
