//! The fake's REST routes under /api/v10: every request recorded (JSON or multipart, with
//! files) and checked against Discord's limits, what people see updated, late first answers
//! refused, a rejected token answered 401 as Discord does, and direct messages (a DM channel per
//! user, closed DMs refused with 50007).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::limits::check_limits;
use super::seen::model;
use super::{message_json, Recorded, Shared, ACK_DEADLINE, APP, BOT};

/// The bot's token as sent: `Bot <token>` in REST headers; serenity sends the same in IDENTIFY.
pub(super) fn bare_token(t: &str) -> &str {
    t.strip_prefix("Bot ").unwrap_or(t)
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

pub(super) async fn rest(
    State(s): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
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
        ("POST", ["users", "@me", "channels"]) => dm_channel(&s, &json_body),
        ("POST", ["channels", c, "messages"]) if dm_user(&s, c).is_some() => {
            let user = dm_user(&s, c).unwrap_or_default();
            let mut dms = s.dms.lock().unwrap();
            if dms.closed.contains(&user) {
                let body = json!({"message": "Cannot send messages to this user", "code": 50007});
                return (StatusCode::FORBIDDEN, axum::Json(body)).into_response();
            }
            let mut m = message_json(id, &json_body);
            m["channel_id"] = json!(c);
            dms.messages.entry(user).or_default().push(m.clone());
            axum::Json(m).into_response()
        }
        ("GET", ["channels", c, "messages"]) if dm_user(&s, c).is_some() => {
            let user = dm_user(&s, c).unwrap_or_default();
            let mut all = s.dms.lock().unwrap().messages.get(&user).cloned().unwrap_or_default();
            all.reverse();
            axum::Json(Value::Array(all)).into_response()
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
        ("GET", ["guilds", ..]) | ("GET", ["channels", _]) => super::guild::answer(&s.guild, &parts),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The user whose DM channel `channel` is, if it is one.
fn dm_user(s: &Shared, channel: &str) -> Option<u64> {
    let c: u64 = channel.parse().ok()?;
    s.dms.lock().unwrap().channels.iter().find(|(_, ch)| **ch == c).map(|(u, _)| *u)
}

/// `POST /users/@me/channels {recipient_id}`: the user's DM channel (the same one each time),
/// in Discord's shape (type 1, the recipient in `recipients`).
fn dm_channel(s: &Shared, body: &Value) -> Response {
    let id = &body["recipient_id"];
    let Some(user) = id.as_str().and_then(|u| u.parse::<u64>().ok()).or_else(|| id.as_u64()) else {
        let body = json!({"message": "Invalid Form Body", "code": 50035});
        return (StatusCode::BAD_REQUEST, axum::Json(body)).into_response();
    };
    let mut dms = s.dms.lock().unwrap();
    let next = 910_000_000_000_000_000 + dms.channels.len() as u64;
    let channel = *dms.channels.entry(user).or_insert(next);
    axum::Json(json!({
        "id": channel.to_string(), "type": 1, "last_message_id": null, "flags": 0,
        "recipients": [{"id": user.to_string(), "username": format!("user{user}"), "discriminator": "0",
                        "global_name": null, "avatar": null}]
    }))
    .into_response()
}
