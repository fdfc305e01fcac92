//! The Discord lines of `panopticon doctor`: the token is accepted (`GET /users/@me`), the guild
//! is reachable (`GET /guilds/{id}`), each configured channel is reachable and in that guild
//! (`GET /channels/{id}`), and the bot's effective permissions there — from the guild's roles
//! (`/guilds/{id}/roles`), the bot member's roles (`/guilds/{id}/members/{bot}`) and the
//! channel's overwrites — include what it needs (`permissions.rs`). Plain REST over reqwest,
//! against `[discord] api_base` when set (tests), as the bot's serenity client is.

use std::time::Duration;

use panopticon::config::Config;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::check::{skipped, Check};
use super::permissions::{Overwrite, Role, Situation};

const TOKEN: &str = "Discord token";
const GUILD: &str = "Discord guild";
const CHANNEL: &str = "Discord channel";
const PERMISSIONS: &str = "Discord permissions";

pub async fn checks(cfg: &Config) -> Vec<Check> {
    let Some(token) = cfg.discord.token.clone() else {
        let mut out = vec![Check::fail(
            TOKEN,
            "DISCORD_TOKEN is not set: copy the bot token from the Discord developer portal (your application → Bot)",
        )];
        out.extend(skipped(&[GUILD, CHANNEL, PERMISSIONS], "the Discord token"));
        return out;
    };
    let api = match Api::new(token, cfg.discord.api_base.as_deref()) {
        Ok(a) => a,
        Err(why) => return vec![Check::fail(TOKEN, why)],
    };
    let me = match api.get("users/@me").await {
        Ok(v) => v,
        Err(e) => {
            let mut out = vec![Check::fail(TOKEN, e.words("the bot's own user"))];
            out.extend(skipped(&[GUILD, CHANNEL, PERMISSIONS], "the Discord token"));
            return out;
        }
    };
    let bot = id_of(&me, "id");
    let mut out =
        vec![Check::pass(TOKEN, format!("accepted: the bot is {} ({bot})", me["username"].as_str().unwrap_or("?")))];
    let Some(guild_id) = cfg.discord.guild_id.map(|g| g.get()) else {
        out.push(Check::fail(GUILD, "[discord] guild_id is missing: the id of the server the bot answers in"));
        out.extend(skipped(&[CHANNEL, PERMISSIONS], "the guild"));
        return out;
    };
    let guild = match guild(&api, guild_id, bot).await {
        Ok(g) => g,
        Err(why) => {
            out.push(Check::fail(GUILD, why));
            out.extend(skipped(&[CHANNEL, PERMISSIONS], "the guild"));
            return out;
        }
    };
    out.push(Check::pass(GUILD, format!("{} ({guild_id}); the bot is a member", guild.name)));
    if cfg.discord.channel_ids.is_empty() {
        out.push(Check::fail(CHANNEL, "[discord] channel_id is missing: the channel the digest is posted in"));
        out.extend(skipped(&[PERMISSIONS], "a channel"));
        return out;
    }
    for &channel in &cfg.discord.channel_ids {
        match api.get(&format!("channels/{channel}")).await {
            Err(e) => {
                out.push(Check::fail(CHANNEL, e.words(&format!("channel {channel}"))));
                out.push(Check::skip(PERMISSIONS, format!("needs channel {channel}")));
            }
            Ok(c) if id_of(&c, "guild_id") != guild_id => {
                out.push(Check::fail(
                    CHANNEL,
                    format!("channel {channel} is not in guild {guild_id}: check [discord] channel_id and guild_id"),
                ));
                out.push(Check::skip(PERMISSIONS, format!("needs channel {channel}")));
            }
            Ok(c) => {
                let name = format!("#{}", c["name"].as_str().unwrap_or("?"));
                out.push(Check::pass(CHANNEL, format!("{name} ({channel}) in {}", guild.name)));
                out.push(permissions(&guild, guild_id, bot, &name, &c));
            }
        }
    }
    out
}

struct Guild {
    name: String,
    owner: u64,
    roles: Vec<Role>,
    member_roles: Vec<u64>,
}

async fn guild(api: &Api, id: u64, bot: u64) -> Result<Guild, String> {
    let what = format!("guild {id}");
    let g = api.get(&format!("guilds/{id}")).await.map_err(|e| e.words(&what))?;
    let roles = api.get(&format!("guilds/{id}/roles")).await.map_err(|e| e.words(&format!("the roles of {what}")))?;
    let member = api
        .get(&format!("guilds/{id}/members/{bot}"))
        .await
        .map_err(|e| e.words(&format!("the bot's membership of {what}")))?;
    let roles = roles
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| Role {
                    id: id_of(r, "id"),
                    name: r["name"].as_str().unwrap_or("?").to_string(),
                    permissions: bits(&r["permissions"]),
                })
                .collect()
        })
        .unwrap_or_default();
    let member_roles = member["roles"].as_array().map(|a| a.iter().map(bits).collect()).unwrap_or_default();
    Ok(Guild { name: g["name"].as_str().unwrap_or("?").to_string(), owner: id_of(&g, "owner_id"), roles, member_roles })
}

fn permissions(guild: &Guild, guild_id: u64, bot: u64, name: &str, channel: &Value) -> Check {
    let overwrites: Vec<Overwrite> = channel["permission_overwrites"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|o| Overwrite {
                    id: id_of(o, "id"),
                    member: o["type"].as_u64() == Some(1),
                    allow: bits(&o["allow"]),
                    deny: bits(&o["deny"]),
                })
                .collect()
        })
        .unwrap_or_default();
    let s = Situation {
        guild_id,
        owner_id: guild.owner,
        user_id: bot,
        roles: &guild.roles,
        member_roles: &guild.member_roles,
        overwrites: &overwrites,
    };
    let missing = s.missing();
    if missing.is_empty() {
        return Check::pass(PERMISSIONS, format!("View Channel, Send Messages, Embed Links, Attach Files in {name}"));
    }
    let list: Vec<String> = missing.iter().map(|(p, why)| format!("{p} ({why})")).collect();
    Check::fail(
        PERMISSIONS,
        format!(
            "in {name} the bot lacks {}; allow it for the bot's role in the channel's settings → Permissions",
            list.join(", ")
        ),
    )
}

/// A snowflake, sent as a string (or, leniently, a number).
fn id_of(v: &Value, key: &str) -> u64 {
    bits(&v[key])
}

/// A permission bit set or id: Discord sends both as decimal strings.
fn bits(v: &Value) -> u64 {
    match v {
        Value::String(s) => s.parse().unwrap_or(0),
        v => v.as_u64().unwrap_or(0),
    }
}

/// Discord's REST API, version 10.
struct Api {
    http: reqwest::Client,
    base: String,
    token: SecretString,
}

/// A failed request, in terms of what it means for the person.
enum ApiError {
    Status { status: u16, message: String },
    Unreachable(String),
}

impl ApiError {
    fn words(&self, what: &str) -> String {
        match self {
            ApiError::Status { status: 401, .. } => "Discord rejected DISCORD_TOKEN (401 Unauthorized): it is wrong, or \
                 it was reset. Copy the bot's token again in the Discord developer portal (your application → Bot → \
                 Reset Token) and set DISCORD_TOKEN to it."
                .into(),
            ApiError::Status { status: 403, message } => format!(
                "the bot may not see {what} (403 {message}): invite it to the server, or give its role View Channel there"
            ),
            ApiError::Status { status: 404, message } => format!(
                "Discord does not know {what} (404 {message}), or the bot is not in it: check the id in [discord], \
                 and that the bot was invited to that server"
            ),
            ApiError::Status { status, message } => format!("Discord refused {what} ({status} {message})"),
            ApiError::Unreachable(why) => format!("Discord could not be reached ({why}); check the network"),
        }
    }
}

impl Api {
    fn new(token: SecretString, api_base: Option<&str>) -> Result<Api, String> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("DiscordBot (https://github.com/panopticon, ", env!("CARGO_PKG_VERSION"), ")"))
            .build()
            .map_err(|e| format!("the HTTP client could not start ({e})"))?;
        let base = format!("{}/api/v10", api_base.unwrap_or("https://discord.com").trim_end_matches('/'));
        Ok(Api { http, base, token })
    }

    async fn get(&self, path: &str) -> Result<Value, ApiError> {
        let mut auth = reqwest::header::HeaderValue::from_str(&format!("Bot {}", self.token.expose_secret()))
            .map_err(|_| ApiError::Status { status: 401, message: "malformed token".into() })?;
        auth.set_sensitive(true);
        let resp = self
            .http
            .get(format!("{}/{path}", self.base))
            .header(reqwest::header::AUTHORIZATION, auth)
            .send()
            .await
            .map_err(|e| ApiError::Unreachable(e.without_url().to_string()))?;
        let status = resp.status();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(body);
        }
        let message = body["message"].as_str().map(panopticon::crm::error::one_line).unwrap_or_default();
        Err(ApiError::Status { status: status.as_u16(), message })
    }
}
