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
//! the bot's token as Discord does: 401 on REST, close code 4004 on the gateway.
#![allow(dead_code)]

pub mod guild;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::{mpsc, Notify};
use tokio_tungstenite::tungstenite::Message as Ws;

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

fn ephemeral_flag(v: &Value) -> bool {
    v.get("flags").and_then(Value::as_u64).is_some_and(|f| f & 64 != 0)
}

/// The bot's token as sent: `Bot <token>` in REST headers; serenity sends the same in IDENTIFY.
fn bare_token(t: &str) -> &str {
    t.strip_prefix("Bot ").unwrap_or(t)
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

/// Splits a multipart/form-data body into its JSON payload and files.
fn multipart(headers: &HeaderMap, body: &[u8]) -> (Value, Vec<(String, Vec<u8>)>) {
    let ct = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    let Some(boundary) = ct.split("boundary=").nth(1).map(|b| b.trim_matches('"').to_string()) else {
        return (serde_json::from_slice(body).unwrap_or(Value::Null), vec![]);
    };
    let delim = format!("--{boundary}");
    let mut payload = Value::Null;
    let mut files = vec![];
    let mut rest = body;
    while let Some(start) = find(rest, delim.as_bytes()) {
        rest = &rest[start + delim.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        let Some(head_end) = find(rest, b"\r\n\r\n") else { break };
        let head = String::from_utf8_lossy(&rest[..head_end]).to_string();
        let data_start = head_end + 4;
        let Some(next) = find(&rest[data_start..], delim.as_bytes()) else { break };
        let data = &rest[data_start..data_start + next - 2]; // minus CRLF
        let name = head.split("name=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or("").to_string();
        if name == "payload_json" {
            payload = serde_json::from_slice(data).unwrap_or(Value::Null);
        } else {
            let file = head.split("filename=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or(&name).to_string();
            files.push((file, data.to_vec()));
        }
        rest = &rest[data_start + next..];
    }
    (payload, files)
}

/// The first position of `needle` in `hay`: jumps from one candidate first byte to the next, so
/// a PNG upload of a few hundred KB is split in well under a millisecond.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let mut at = 0;
    while at + needle.len() <= hay.len() {
        let i = at + hay[at..=hay.len() - needle.len()].iter().position(|b| *b == first)?;
        if &hay[i + 1..i + needle.len()] == rest {
            return Some(i);
        }
        at = i + 1;
    }
    None
}

/// Discord's documented limits (reference/discord.md §3), checked on every payload.
fn check_limits(path: &str, body: &Value, files: &[(String, Vec<u8>)], out: &mut Vec<String>) {
    let data = body.get("data").unwrap_or(body);
    let mut bad = |what: String| out.push(format!("{path}: {what}"));
    if let Some(c) = data.get("content").and_then(Value::as_str) {
        if c.chars().count() > 2000 {
            bad(format!("content is {} chars", c.chars().count()));
        }
    }
    let embeds = data.get("embeds").and_then(Value::as_array).cloned().unwrap_or_default();
    if embeds.len() > 10 {
        bad(format!("{} embeds", embeds.len()));
    }
    let mut total = 0;
    for e in &embeds {
        let len = |k: &str| e.get(k).and_then(Value::as_str).map(|s| s.trim().chars().count()).unwrap_or(0);
        for (k, max) in [("title", 256), ("description", 4096)] {
            if len(k) > max {
                bad(format!("embed {k} is {} chars", len(k)));
            }
        }
        total += len("title") + len("description");
        if let Some(f) = e.get("footer").and_then(|f| f.get("text")).and_then(Value::as_str) {
            if f.chars().count() > 2048 {
                bad("footer over 2048".into());
            }
            total += f.trim().chars().count();
        }
        let fields = e.get("fields").and_then(Value::as_array).cloned().unwrap_or_default();
        if fields.len() > 25 {
            bad(format!("{} fields", fields.len()));
        }
        for f in fields {
            let n = f.get("name").and_then(Value::as_str).unwrap_or("").chars().count();
            let v = f.get("value").and_then(Value::as_str).unwrap_or("").chars().count();
            if n > 256 || v > 1024 {
                bad("field over its limit".into());
            }
            total += n + v;
        }
    }
    if total > 6000 {
        bad(format!("embeds total {total} chars"));
    }
    let rows = data.get("components").and_then(Value::as_array).cloned().unwrap_or_default();
    if rows.len() > 5 {
        bad(format!("{} action rows", rows.len()));
    }
    let mut ids = std::collections::HashSet::new();
    for row in rows {
        let comps = row.get("components").and_then(Value::as_array).cloned().unwrap_or_default();
        if comps.is_empty() || comps.len() > 5 {
            bad(format!("a row of {} components", comps.len()));
        }
        let selects = comps.iter().filter(|c| c.get("type").and_then(Value::as_u64) == Some(3)).count();
        if selects > 0 && comps.len() > 1 {
            bad("a select shares its row".into());
        }
        for c in comps {
            if let Some(id) = c.get("custom_id").and_then(Value::as_str) {
                if id.is_empty() || id.len() > 100 {
                    bad(format!("custom_id of {} chars", id.len()));
                }
                if !ids.insert(id.to_string()) {
                    bad(format!("duplicate custom_id {id}"));
                }
            }
            if c.get("label").and_then(Value::as_str).is_some_and(|l| l.chars().count() > 80) {
                bad("button label over 80".into());
            }
            if let Some(opts) = c.get("options").and_then(Value::as_array) {
                if opts.is_empty() || opts.len() > 25 {
                    bad(format!("select with {} options", opts.len()));
                }
                for o in opts {
                    for k in ["label", "value", "description"] {
                        if o.get(k).and_then(Value::as_str).is_some_and(|s| s.chars().count() > 100) {
                            bad(format!("option {k} over 100"));
                        }
                    }
                }
            }
        }
    }
    if files.len() > 10 {
        bad(format!("{} files", files.len()));
    }
    for (name, bytes) in files {
        if bytes.len() > 10 * 1024 * 1024 {
            bad(format!("{name} is {} bytes", bytes.len()));
        }
    }
}

/// Applies one interaction request to what people see (see the module docs for the rules).
fn model(s: &Shared, method: &Method, parts: &[&str], body: &Value, path: &str) {
    let mut seen = s.seen.lock().unwrap();
    let mut violations = s.violations.lock().unwrap();
    match (method.as_str(), parts) {
        ("POST", ["interactions", _, token, "callback"]) => {
            let data = body.get("data").cloned().unwrap_or(json!({}));
            let thread = seen.entry(token.to_string()).or_default();
            let kind = body.get("type").and_then(Value::as_u64).unwrap_or(0);
            if thread.iter().any(|m| m.original) && (4..=7).contains(&kind) {
                violations.push(format!("{path}: a second initial response to one interaction"));
            }
            match kind {
                4 => thread.push(Seen {
                    ephemeral: ephemeral_flag(&data),
                    body: data,
                    original: true,
                    loading: false,
                    deleted: false,
                }),
                5 => thread.push(Seen {
                    ephemeral: ephemeral_flag(&data),
                    body: json!({"content": "Panopticon is thinking…"}),
                    original: true,
                    loading: true,
                    deleted: false,
                }),
                // A click acknowledged (6) or answered in place (7): the original is the
                // clicked message, shared unless it was itself ephemeral.
                6 | 7 => thread.push(Seen {
                    ephemeral: false,
                    body: if kind == 7 { data } else { json!(null) },
                    original: true,
                    loading: false,
                    deleted: false,
                }),
                _ => {}
            }
        }
        ("POST", ["webhooks", _, token]) => {
            let thread = seen.entry(token.to_string()).or_default();
            if let Some(m) = thread.iter_mut().find(|m| m.original && m.loading && !m.deleted) {
                // Discord: right after a defer, a follow-up edits the deferred reply, and "the
                // ephemeral flag will be ignored" — it keeps the defer's visibility.
                if ephemeral_flag(body) != m.ephemeral {
                    violations.push(format!(
                        "{path}: the first follow-up after a {} defer asks to be {}; Discord ignores that and \
                         shows it {}",
                        if m.ephemeral { "private" } else { "public" },
                        if ephemeral_flag(body) { "private" } else { "public" },
                        if m.ephemeral { "privately" } else { "to everyone" },
                    ));
                }
                m.body = body.clone();
                m.loading = false;
            } else {
                thread.push(Seen {
                    ephemeral: ephemeral_flag(body),
                    body: body.clone(),
                    original: false,
                    loading: false,
                    deleted: false,
                });
            }
        }
        ("PATCH", ["webhooks", _, token, "messages", "@original"]) => {
            let thread = seen.entry(token.to_string()).or_default();
            match thread.iter_mut().find(|m| m.original && !m.deleted) {
                Some(m) => {
                    m.body = body.clone();
                    m.loading = false;
                }
                None => violations.push(format!("{path}: no original response to edit")),
            }
        }
        ("DELETE", ["webhooks", _, token, "messages", "@original"]) => {
            let thread = seen.entry(token.to_string()).or_default();
            match thread.iter_mut().find(|m| m.original && !m.deleted) {
                Some(m) => {
                    m.deleted = true;
                    m.loading = false;
                }
                None => violations.push(format!("{path}: no original response to delete")),
            }
        }
        _ => {}
    }
}

async fn rest(State(s): State<Arc<Shared>>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let path = uri.path().trim_start_matches("/api/v10").to_string();
    let accepted = s.accepted.lock().unwrap().clone();
    if let Some((token, true)) = accepted {
        let sent = headers.get("authorization").and_then(|v| v.to_str().ok()).map(bare_token);
        if sent != Some(token.as_str()) {
            // Discord's answer to a wrong or revoked bot token, on every route.
            let body = json!({"message": "401: Unauthorized", "code": 0});
            return (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
        }
    }
    let (json_body, files) = multipart(&headers, &body);
    {
        let mut v = s.violations.lock().unwrap();
        check_limits(&path, &json_body, &files, &mut v);
    }
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    if let ("POST", ["interactions", _, token, "callback"]) = (method.as_str(), parts.as_slice()) {
        let late = s.delivered.lock().unwrap().get(*token).map(|t| t.elapsed()).filter(|e| *e > ACK_DEADLINE);
        if let Some(after) = late {
            s.violations.lock().unwrap().push(format!(
                "{path}: first answered after {} ms; Discord had shown \"The application did not respond\"",
                after.as_millis()
            ));
            if !s.lenient.load(Ordering::SeqCst) {
                let body = json!({"message": "Unknown interaction", "code": 10062});
                return (StatusCode::NOT_FOUND, axum::Json(body)).into_response();
            }
        }
    }
    // What people see is updated before the request is logged: a test that saw the request
    // sees its effect.
    model(&s, &method, &parts, &json_body, &path);
    s.log.lock().unwrap().push(Recorded {
        method: method.to_string(),
        path: path.clone(),
        body: json_body.clone(),
        files,
        at: std::time::Instant::now(),
    });
    s.changed.notify_waiters();
    let id = 800_000_000_000_000_000 + s.ids.fetch_add(1, Ordering::SeqCst);
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method.as_str(), parts.as_slice()) {
        ("GET", ["gateway"]) => axum::Json(json!({"url": s.gateway_url.lock().unwrap().clone()})).into_response(),
        ("GET", ["users", "@me"]) => axum::Json(json!({
            "id": BOT.to_string(), "username": "panopticon", "discriminator": "0", "global_name": null,
            "avatar": null, "bot": true
        }))
        .into_response(),
        ("PUT", ["applications", _, "guilds", _, "commands"]) => {
            let cmds: Vec<Value> = json_body
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .enumerate()
                .map(|(i, mut c)| {
                    c["id"] = json!((600_000_000_000_000_000u64 + i as u64).to_string());
                    c["application_id"] = json!(APP.to_string());
                    c["version"] = json!("1");
                    c["type"] = c.get("type").cloned().unwrap_or(json!(1));
                    c["default_member_permissions"] = json!(null);
                    c
                })
                .collect();
            axum::Json(Value::Array(cmds)).into_response()
        }
        ("POST", ["interactions", _, token, "callback"]) => {
            if let Some(d) = json_body.get("data") {
                s.messages.lock().unwrap().insert(token.to_string(), message_json(id, d));
            }
            StatusCode::NO_CONTENT.into_response()
        }
        ("DELETE", ["webhooks", ..]) => StatusCode::NO_CONTENT.into_response(),
        (_, ["webhooks", _, token, ..]) => {
            let m = message_json(id, &json_body);
            if method != Method::GET {
                s.messages.lock().unwrap().insert(token.to_string(), m.clone());
            }
            axum::Json(m).into_response()
        }
        ("POST", ["channels", _, "messages"]) => {
            let m = message_json(id, &json_body);
            s.channel.lock().unwrap().push(m.clone());
            axum::Json(m).into_response()
        }
        ("GET", ["channels", _, "messages"]) => {
            let mut all = s.channel.lock().unwrap().clone();
            all.reverse();
            axum::Json(Value::Array(all)).into_response()
        }
        ("GET", ["guilds", ..]) | ("GET", ["channels", _]) => guild::answer(&s.guild, &parts),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

impl FakeDiscord {
    pub async fn start() -> FakeDiscord {
        let shared = Arc::new(Shared::default());
        let ws = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let ws_url = format!("ws://{}", ws.local_addr().unwrap());
        let s2 = shared.clone();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = ws.accept().await {
                let s = s2.clone();
                tokio::spawn(async move {
                    let Ok(stream) = tokio_tungstenite::accept_async(tcp).await else { return };
                    let (mut tx, mut rx) = stream.split();
                    let _ = tx.send(Ws::Text(json!({"op": 10, "d": {"heartbeat_interval": 41250}}).to_string())).await;
                    let (events_tx, mut events_rx) = mpsc::unbounded_channel::<String>();
                    loop {
                        tokio::select! {
                            Some(Ok(msg)) = rx.next() => {
                                let Ws::Text(t) = msg else { continue };
                                let v: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
                                match v.get("op").and_then(Value::as_u64) {
                                    Some(1) => { let _ = tx.send(Ws::Text(json!({"op": 11}).to_string())).await; }
                                    Some(2) => {
                                        let sent = v["d"]["token"].as_str().map(bare_token).map(str::to_string);
                                        let wanted = s.accepted.lock().unwrap().clone().map(|a| a.0);
                                        if wanted.is_some() && sent != wanted {
                                            // Discord closes the gateway: 4004 Authentication failed.
                                            let frame = tokio_tungstenite::tungstenite::protocol::CloseFrame {
                                                code: 4004.into(),
                                                reason: "Authentication failed.".into(),
                                            };
                                            let _ = tx.send(Ws::Close(Some(frame))).await;
                                            break;
                                        }
                                        let seq = s.seq.fetch_add(1, Ordering::SeqCst) + 1;
                                        let ready = json!({"op": 0, "s": seq, "t": "READY", "d": {
                                            "v": 10, "user": {"id": BOT.to_string(), "username": "panopticon", "discriminator": "0", "avatar": null, "bot": true},
                                            "guilds": [{"id": GUILD.to_string(), "unavailable": true}],
                                            "session_id": "fake", "resume_gateway_url": "ws://127.0.0.1:1",
                                            "shard": [0, 1], "application": {"id": APP.to_string(), "flags": 0}}});
                                        let _ = tx.send(Ws::Text(ready.to_string())).await;
                                        *s.gateway.lock().unwrap() = Some(events_tx.clone());
                                        s.changed.notify_waiters();
                                    }
                                    _ => {}
                                }
                            }
                            Some(ev) = events_rx.recv() => { let _ = tx.send(Ws::Text(ev)).await; }
                            else => break,
                        }
                    }
                });
            }
        });
        *shared.gateway_url.lock().unwrap() = ws_url.clone();
        let app = Router::new().fallback(rest).with_state(shared.clone());
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

    /// The requests made for interaction `token`.
    pub fn for_token(&self, token: &str) -> Vec<Recorded> {
        self.requests().into_iter().filter(|r| r.path.contains(&format!("/{token}"))).collect()
    }
}
