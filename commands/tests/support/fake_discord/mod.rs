//! A fake Discord on 127.0.0.1 for end-to-end tests of the real bot: REST routes under
//! /api/v10 that record every request (JSON or multipart, with files) and check each payload
//! against Discord's documented limits, and a plain ws:// gateway that says HELLO, answers
//! IDENTIFY with READY, acks heartbeats and delivers the interactions a test sends.
//!
//! It models what people see, not only what was sent: each interaction's messages with their
//! real visibility. Discord's rule that catches bots out is kept: the first follow-up right
//! after a deferred reply (callback type 5) *edits* that reply and keeps its visibility, so an
//! ephemeral follow-up after a public defer is posted publicly (recorded as a violation). A first
//! answer later than 3 s is refused (404 Unknown interaction) and recorded too. And it can reject
//! the bot's token as Discord does: 401 on REST, close code 4004 on the gateway. Direct messages
//! go to a DM channel per user and are kept per user; a user's DMs can be closed (50007).
//!
//! Here: the fake's state, and what a test does with it (start it, type and click as someone,
//! submit a form, read what was sent). The REST routes are in `rest.rs`, the gateway in
//! `gateway.rs`, the limits in `limits.rs`, and the model of what people see in `seen.rs`.

mod gateway;
pub mod guild;
mod limits;
mod rest;
mod seen;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use serde_json::{json, Value};
use tokio::sync::{mpsc, Notify};

pub const APP: u64 = 900_000_000_000_000_001;
pub const GUILD: u64 = 900_000_000_000_000_100;
pub const CHANNEL: u64 = 900_000_000_000_000_200;
pub const OTHER_CHANNEL: u64 = 900_000_000_000_000_201;
pub const ROLE: u64 = 900_000_000_000_000_300;
pub const BOT: u64 = 900_000_000_000_000_002;

/// One request the bot made.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub body: Value,
    pub files: Vec<(String, Vec<u8>)>,
    /// When the request arrived.
    pub at: std::time::Instant,
}

#[derive(Default)]
struct Shared {
    log: Mutex<Vec<Recorded>>,
    violations: Mutex<Vec<String>>,
    gateway: Mutex<Option<mpsc::UnboundedSender<String>>>,
    seq: AtomicU64,
    ids: AtomicU64,
    changed: Notify,
    /// The last message each interaction produced, by token.
    messages: Mutex<HashMap<String, Value>>,
    /// Messages posted to channels, oldest first.
    channel: Mutex<Vec<Value>>,
    /// What each interaction put on screen, by token.
    seen: Mutex<HashMap<String, Vec<Seen>>>,
    /// The only token Discord accepts (`None`: any), and whether REST checks it too.
    accepted: Mutex<Option<(String, bool)>>,
    /// The gateway's ws:// address, for `GET /gateway`.
    gateway_url: Mutex<String>,
    /// When each interaction was delivered, by token: its first answer is due within 3 s.
    delivered: Mutex<HashMap<String, std::time::Instant>>,
    /// Accept late first answers (still recorded as violations), for a benchmark that counts them.
    lenient: std::sync::atomic::AtomicBool,
    /// The guild, its roles and the channel's overwrites (`guild.rs`).
    guild: Mutex<guild::GuildState>,
    /// Direct messages (`rest.rs`): each user's DM channel, what was posted to it, whose are closed.
    dms: Mutex<Dms>,
}

/// Direct messages: one DM channel per user (`POST /users/@me/channels`), the messages posted
/// to each, by user, and the users whose DMs are closed (Discord's 50007 on posting).
#[derive(Default)]
struct Dms {
    channels: HashMap<u64, u64>,
    messages: HashMap<u64, Vec<Value>>,
    closed: std::collections::HashSet<u64>,
}

/// Discord's deadline for an interaction's first response; later, the token is invalid and the
/// user sees "The application did not respond".
pub const ACK_DEADLINE: Duration = Duration::from_secs(3);

/// One message an interaction produced, as people see it.
#[derive(Clone, Debug)]
pub struct Seen {
    /// Only the user who asked or clicked sees it.
    pub ephemeral: bool,
    /// The message's payload (content, embeds, components) as last set.
    pub body: Value,
    /// The interaction's original response (or the clicked message), not a follow-up.
    pub original: bool,
    /// A deferred reply still showing "thinking…".
    pub loading: bool,
    pub deleted: bool,
}

pub struct FakeDiscord {
    pub api: String,
    shared: Arc<Shared>,
}

/// Who clicks or types: a member with roles and permission bits, or a DM user.
#[derive(Clone)]
pub struct Who {
    pub user: u64,
    pub roles: Vec<u64>,
    pub admin: bool,
    pub dm: bool,
}

impl Who {
    pub fn member() -> Who {
        Who { user: 700_000_000_000_000_001, roles: vec![ROLE], admin: false, dm: false }
    }
    pub fn stranger() -> Who {
        Who { user: 700_000_000_000_000_002, roles: vec![], admin: false, dm: false }
    }
    pub fn dm() -> Who {
        Who { dm: true, ..Who::member() }
    }
}

fn user_json(id: u64) -> Value {
    json!({"id": id.to_string(), "username": format!("user{id}"), "discriminator": "0", "global_name": null, "avatar": null})
}

pub fn message_json(id: u64, body: &Value) -> Value {
    json!({
        "id": id.to_string(),
        "channel_id": CHANNEL.to_string(),
        "author": {"id": BOT.to_string(), "username": "panopticon", "discriminator": "0", "avatar": null, "bot": true},
        "content": body.get("content").cloned().unwrap_or(json!("")),
        "timestamp": "2026-11-20T13:00:00.000000+00:00",
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": body.get("embeds").cloned().unwrap_or(json!([])),
        "components": body.get("components").cloned().unwrap_or(json!([])),
        "pinned": false,
        "type": 0,
        "flags": 0
    })
}

impl FakeDiscord {
    pub async fn start() -> FakeDiscord {
        let shared = Arc::new(Shared::default());
        let ws = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let ws_url = format!("ws://{}", ws.local_addr().unwrap());
        tokio::spawn(gateway::serve(ws, shared.clone()));
        *shared.gateway_url.lock().unwrap() = ws_url.clone();
        let app = Router::new().fallback(rest::rest).with_state(shared.clone());
        let http = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let api = format!("http://{}", http.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(http, app).await;
        });
        FakeDiscord { api, shared }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.log.lock().unwrap().clone()
    }

    /// From now on, Discord accepts only `token`: the gateway closes with 4004 for any other,
    /// and with `rest` true every REST route answers 401 too (as for a wrong token); false is a
    /// token revoked between the two.
    pub fn accept_only(&self, token: &str, rest: bool) {
        *self.shared.accepted.lock().unwrap() = Some((token.to_string(), rest));
    }

    /// Accepts first answers later than 3 s instead of refusing them as Discord does; they are
    /// still recorded as violations. For the load benchmark, which counts them.
    pub fn accept_late_answers(&self) {
        self.shared.lenient.store(true, Ordering::SeqCst);
    }

    /// The messages the bot sent `user` by DM, oldest first.
    pub fn dms(&self, user: u64) -> Vec<Value> {
        self.shared.dms.lock().unwrap().messages.get(&user).cloned().unwrap_or_default()
    }

    /// From now on `user`'s DMs are closed: posting to them answers 403, code 50007, as Discord
    /// does for a member who does not accept DMs from the server.
    pub fn close_dms(&self, user: u64) {
        self.shared.dms.lock().unwrap().closed.insert(user);
    }

    /// The messages interaction `token` left on screen (deleted ones left out), oldest first.
    pub fn seen(&self, token: &str) -> Vec<Seen> {
        let all = self.shared.seen.lock().unwrap().get(token).cloned().unwrap_or_default();
        all.into_iter().filter(|m| !m.deleted && !m.body.is_null()).collect()
    }

    pub fn violations(&self) -> Vec<String> {
        self.shared.violations.lock().unwrap().clone()
    }

    /// Waits (up to `secs`) until `pred` holds over the recorded requests.
    pub async fn wait_for<T>(&self, secs: u64, mut pred: impl FnMut(&[Recorded]) -> Option<T>) -> T {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let notified = self.shared.changed.notified();
            if let Some(t) = pred(&self.shared.log.lock().unwrap()) {
                return t;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                if let Some(t) = pred(&self.shared.log.lock().unwrap()) {
                    return t;
                }
                panic!(
                    "timed out; requests so far: {:#?}",
                    self.requests().iter().map(|r| format!("{} {}", r.method, r.path)).collect::<Vec<_>>()
                );
            }
        }
    }

    /// Waits for the bot to connect and register its commands; returns the command names.
    pub async fn ready(&self) -> Vec<String> {
        self.wait_for(60, |log| {
            log.iter()
                .find(|r| r.method == "PUT" && r.path.ends_with("/commands"))
                .map(|r| r.body.as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_string()).collect())
        })
        .await
    }

    fn send(&self, t: &str, d: Value) {
        let seq = self.shared.seq.fetch_add(1, Ordering::SeqCst) + 1;
        let ev = json!({"op": 0, "s": seq, "t": t, "d": d}).to_string();
        self.shared.gateway.lock().unwrap().as_ref().expect("bot connected").send(ev).unwrap();
    }

    fn base(&self, who: &Who, channel: u64, kind: u64, data: Value) -> (String, Value) {
        let n = self.shared.ids.fetch_add(1, Ordering::SeqCst);
        let token = format!("tok-{n}");
        self.shared.delivered.lock().unwrap().insert(token.clone(), std::time::Instant::now());
        let perms = if who.admin { "8" } else { "2147483648" };
        let mut v = json!({
            "id": (500_000_000_000_000_000u64 + n).to_string(),
            "application_id": APP.to_string(),
            "type": kind,
            "data": data,
            "channel_id": channel.to_string(),
            "token": token,
            "version": 1,
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 10485760,
            "app_permissions": "8",
            "authorizing_integration_owners": {"0": GUILD.to_string()},
            "context": if who.dm { 1 } else { 0 },
        });
        if who.dm {
            v["user"] = user_json(who.user);
        } else {
            v["guild_id"] = json!(GUILD.to_string());
            v["guild_locale"] = json!("en-US");
            v["member"] = json!({
                "user": user_json(who.user),
                "roles": who.roles.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
                "joined_at": "2026-01-01T00:00:00.000000+00:00",
                "deaf": false, "mute": false, "flags": 0,
                "permissions": perms,
            });
        }
        (token, v)
    }

    /// A slash command; returns its interaction token.
    pub fn slash(&self, name: &str, options: Value, who: &Who, channel: u64) -> String {
        let data = json!({"id": "600000000000000000", "name": name, "type": 1, "options": options});
        let (token, v) = self.base(who, channel, 2, data);
        self.send("INTERACTION_CREATE", v);
        token
    }

    /// Typing in an autocomplete option.
    pub fn autocomplete(&self, name: &str, option: &str, partial: &str, who: &Who) -> String {
        let data = json!({"id": "600000000000000000", "name": name, "type": 1,
            "options": [{"name": option, "type": 3, "value": partial, "focused": true}]});
        let (token, v) = self.base(who, CHANNEL, 4, data);
        self.send("INTERACTION_CREATE", v);
        token
    }

    /// A click on a button (or a choice in a select, with `values`) of `message`.
    pub fn click(
        &self,
        custom_id: &str,
        values: Option<Vec<String>>,
        message: &Value,
        who: &Who,
        channel: u64,
    ) -> String {
        let data = match values {
            None => json!({"custom_id": custom_id, "component_type": 2}),
            Some(v) => json!({"custom_id": custom_id, "component_type": 3, "values": v}),
        };
        let (token, mut v) = self.base(who, channel, 3, data);
        v["message"] = message.clone();
        self.send("INTERACTION_CREATE", v);
        token
    }

    /// A form (modal) submitted with `fields` (input id, typed text); `message` is the message
    /// whose button opened it, if one did (Discord sends it then).
    pub fn submit(
        &self,
        custom_id: &str,
        fields: &[(&str, &str)],
        message: Option<&Value>,
        who: &Who,
        channel: u64,
    ) -> String {
        let rows: Vec<Value> = fields
            .iter()
            .map(|(id, text)| json!({"type": 1, "components": [{"type": 4, "custom_id": id, "value": text}]}))
            .collect();
        let (token, mut v) = self.base(who, channel, 5, json!({"custom_id": custom_id, "components": rows}));
        if let Some(m) = message {
            v["message"] = m.clone();
        }
        self.send("INTERACTION_CREATE", v);
        token
    }

    /// The requests made for interaction `token`.
    pub fn for_token(&self, token: &str) -> Vec<Recorded> {
        self.requests().into_iter().filter(|r| r.path.contains(&format!("/{token}"))).collect()
    }
}
