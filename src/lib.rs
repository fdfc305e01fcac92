//! Panopticon's engine: it copies Zoho CRM into SQLite and decides which appointed leads are
//! going cold. Data flows one way — CRM → sync → store → rules → views — and nothing in this
//! crate knows about Discord; `commands/` turns these views into messages and a CLI.

pub mod actions;
pub mod alerts;
pub mod config;
pub mod crm;
pub mod demo;
pub mod digest;
pub mod domain;
pub mod people;
pub mod render;
pub mod rules;
pub mod sales;
pub mod store;
pub mod sync;
pub mod time;
pub mod views;
