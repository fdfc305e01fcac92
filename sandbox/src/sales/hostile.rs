//! Deals Zoho could send that the client must read without falling over: an amount sent as
//! text, a probability of 150, a stage with control characters and a bidi override, a 10 kB
//! name, and a record with no id. Planted as overrides on real deals of the org, so their
//! stage history and the rest of the listing stay served as usual.

use chrono::Duration;
use serde_json::{json, Value};

use crate::org::Org;

impl Org {
    /// Adds the five hostile deals (see the file comment) and returns their ids, in that order.
    pub fn add_hostile_deals(&mut self) -> Vec<String> {
        let closing = (self.now + Duration::days(30)).date_naive();
        let plants: [(&str, Value); 5] = [
            ("Amount", json!("12,500.00")),
            ("Probability", json!(150)),
            ("Stage", json!("Negotiation\u{0007}/Review\u{202E}\u{1b}[2J")),
            ("Deal_Name", json!("W".repeat(10 * 1024))),
            ("id", Value::Null),
        ];
        plants
            .into_iter()
            .enumerate()
            .map(|(i, (field, value))| {
                let id = self.add_deal(
                    &format!("Hostile deal {}", i + 1),
                    "Qualification",
                    "Standard (Standard)",
                    Some(5_000.0),
                    closing,
                    i,
                    None,
                    None,
                    Some("Web Form"),
                );
                self.edit_deal(&id, |d| {
                    d.overrides.insert(field.into(), value);
                });
                id
            })
            .collect()
    }
}
