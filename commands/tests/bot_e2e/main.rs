//! The real bot (`panopticon run`) against a fake Discord on 127.0.0.1, driven as a user would:
//! slash commands with options, paging forward and back, filters, drill-down, autocomplete,
//! forged custom_ids, a member without the role, the wrong channel, a direct message, a broken
//! database, a token Discord rejects. Every payload the bot sends is checked against Discord's
//! documented limits, and who sees each message is modelled as Discord shows it.
//!
//! By area: `views` (the views, their paging, filters and drill-down), `access` (who may ask,
//! and errors), `refresh` (syncing from Discord), `digest` (posting it, and the scheduler),
//! `people` (what each role sees, /link, /whoami, members who left), `mine` (/mine, and the
//! personal morning DM), `subscribe` (/subscribe, /unsubscribe and the subscriptions' DMs),
//! `nudge` (nudges, their answers, snoozes), `export` ("Export CSV" and /export, and /locators'
//! follow-up medians), `sales` and `sales_kpi` (the sales dashboard's commands on a
//! hand-written org, `sales_org`).

#[path = "../support/mod.rs"]
mod support;

mod access;
mod alerts;
mod digest;
mod export;
mod mine;
mod nudge;
mod people;
mod refresh;
mod sales;
mod sales_kpi;
mod sales_org;
mod sales_same;
mod subscribe;
mod views;
mod writeback;
