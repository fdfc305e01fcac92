//! The guild side of the fake Discord, for `panopticon doctor`: `GET /guilds/{id}`,
//! `/guilds/{id}/roles`, `/guilds/{id}/members/{user}` and `/channels/{id}` with its permission
//! overwrites, in Discord's shapes (ids and permission bits as decimal strings) and with its
//! errors (404 Unknown Guild / Member / Channel). The guild has @everyone (View Channel, Send
//! Messages, Read Message History) and the bot's own role (Embed Links, Attach Files), as a
//! bot invited with those permissions gets; `deny_in_channel` adds an overwrite to the channel.
//! Members: the bot, and whoever a test says is in the guild (`join`, `leave`); anyone else is
//! 404 Unknown Member. `slash_with_user` types a command whose option names a member, with the
//! `resolved` users Discord sends along.

use std::sync::Mutex;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::{FakeDiscord, Who, BOT, CHANNEL, GUILD, OTHER_CHANNEL};

/// The role Discord made for the bot when it was invited.
pub const BOT_ROLE: u64 = 900_000_000_000_000_301;
/// The guild's owner (a person, not the bot: the owner has every permission).
pub const OWNER: u64 = 700_000_000_000_000_009;

pub const VIEW_CHANNEL: u64 = 1 << 10;
pub const SEND_MESSAGES: u64 = 1 << 11;
pub const EMBED_LINKS: u64 = 1 << 14;
pub const ATTACH_FILES: u64 = 1 << 15;
const READ_MESSAGE_HISTORY: u64 = 1 << 16;

#[derive(Default)]
pub struct GuildState {
    /// `CHANNEL`'s permission overwrites: (id, type 0 role / 1 member, allow, deny).
    overwrites: Vec<(u64, u8, u64, u64)>,
    /// People in the guild besides the bot, with their role ids.
    members: std::collections::BTreeMap<u64, Vec<u64>>,
}

impl FakeDiscord {
    /// Adds an overwrite to `CHANNEL` denying `bits` to role or member `id` (`member`: a user).
    pub fn deny_in_channel(&self, id: u64, member: bool, bits: u64) {
        self.shared.guild.lock().unwrap().overwrites.push((id, u8::from(member), 0, bits));
    }
}

impl FakeDiscord {
    /// `user` is in the guild from now on (with no role).
    pub fn join(&self, user: u64) {
        self.join_as(user, &[]);
    }

    /// `user` is in the guild from now on, holding `roles` (what `GET …/members/{user}` says).
    pub fn join_as(&self, user: u64, roles: &[u64]) {
        self.shared.guild.lock().unwrap().members.insert(user, roles.to_vec());
    }

    /// `user` left the guild.
    pub fn leave(&self, user: u64) {
        self.shared.guild.lock().unwrap().members.remove(&user);
    }

    /// A slash command with a user option `option` naming `user`, as Discord sends it (the user
    /// in `data.resolved`), plus any `more` options; returns its token.
    pub fn slash_with_user(&self, name: &str, option: &str, user: u64, more: Value, who: &Who) -> String {
        let mut options = vec![json!({"name": option, "type": 6, "value": user.to_string()})];
        options.extend(more.as_array().cloned().unwrap_or_default());
        let data = json!({"id": "600000000000000000", "name": name, "type": 1, "options": options,
            "resolved": {"users": {user.to_string(): super::user_json(user)}}});
        let (token, v) = self.base(who, CHANNEL, 2, data);
        self.send("INTERACTION_CREATE", v);
        token
    }
}

fn not_found(message: &str, code: u64) -> Response {
    (StatusCode::NOT_FOUND, axum::Json(json!({"message": message, "code": code}))).into_response()
}

fn role(id: u64, name: &str, bits: u64, position: u64) -> Value {
    json!({"id": id.to_string(), "name": name, "permissions": bits.to_string(), "position": position,
           "color": 0, "hoist": false, "managed": id == BOT_ROLE, "mentionable": false})
}

/// Answers a `GET` under `/guilds` or `/channels/{id}`.
pub fn answer(state: &Mutex<GuildState>, parts: &[&str]) -> Response {
    let id = |s: &str| s.parse::<u64>().unwrap_or(0);
    let roles = json!([
        role(GUILD, "@everyone", VIEW_CHANNEL | SEND_MESSAGES | READ_MESSAGE_HISTORY, 0),
        role(BOT_ROLE, "Panopticon", EMBED_LINKS | ATTACH_FILES, 1),
    ]);
    match parts {
        ["guilds", g, ..] if id(g) != GUILD => not_found("Unknown Guild", 10004),
        ["guilds", _] => axum::Json(json!({
            "id": GUILD.to_string(), "name": "Fake Vending Co", "owner_id": OWNER.to_string(), "roles": roles,
            "icon": null, "features": [], "emojis": []
        }))
        .into_response(),
        ["guilds", _, "roles"] => axum::Json(roles).into_response(),
        ["guilds", _, "members", u] if id(u) == BOT => axum::Json(json!({
            "user": {"id": BOT.to_string(), "username": "panopticon", "discriminator": "0", "avatar": null, "bot": true},
            "roles": [BOT_ROLE.to_string()], "joined_at": "2026-01-01T00:00:00+00:00", "deaf": false, "mute": false,
            "flags": 0
        }))
        .into_response(),
        ["guilds", _, "members", u] if state.lock().unwrap().members.contains_key(&id(u)) => {
            let roles: Vec<String> = state.lock().unwrap().members[&id(u)].iter().map(u64::to_string).collect();
            axum::Json(json!({
                "user": super::user_json(id(u)), "roles": roles, "joined_at": "2026-01-01T00:00:00+00:00",
                "deaf": false, "mute": false, "flags": 0
            }))
            .into_response()
        }
        ["guilds", _, "members", _] => not_found("Unknown Member", 10007),
        ["channels", c] if id(c) == CHANNEL || id(c) == OTHER_CHANNEL => {
            let overwrites: Vec<Value> = if id(c) == CHANNEL {
                state
                    .lock()
                    .unwrap()
                    .overwrites
                    .iter()
                    .map(|(i, t, a, d)| {
                        json!({"id": i.to_string(), "type": t, "allow": a.to_string(), "deny": d.to_string()})
                    })
                    .collect()
            } else {
                vec![]
            };
            let name = if id(c) == CHANNEL { "pipeline" } else { "sales" };
            axum::Json(json!({
                "id": c, "type": 0, "guild_id": GUILD.to_string(), "name": name, "position": 0,
                "permission_overwrites": overwrites, "nsfw": false
            }))
            .into_response()
        }
        _ => not_found("Unknown Channel", 10003),
    }
}
