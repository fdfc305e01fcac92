//! `panopticon run`: the Discord bot (poise 0.7 / serenity 0.12).
//!
//! Slash commands live in `slash/`, one file each, built on the kit in `kit/` (context, errors,
//! composing and sending a view). This module is the framework that wires them up: registration
//! in the configured guild, the access check every command and click passes, the component
//! router that turns a click's custom_id back into a view (or, for the follow-up loop's
//! `Action` ids, to the nudge and snooze handlers, forms included), and the one error handler;
//! and what keeps it running by itself: the scheduled sync (`schedule.rs`), who is still in the
//! guild (`presence.rs`), the subscriptions' DMs (`subscriptions.rs`), supervised background
//! tasks (`supervise.rs`), a graceful stop (`shutdown.rs`) and a log line per command (`traced.rs`).
//! It imports `slash` and `kit`; neither imports it.

mod alerts;
mod presence;
mod schedule;
mod settle;
mod shutdown;
mod subscriptions;
mod supervise;
mod token;
mod traced;

use panopticon::config::Config;
use panopticon::views::state::{Action, ActionKind, SalesState, ViewKind, ViewState, Write, MAX_FILTER_VALUES};
use poise::serenity_prelude as serenity;
use serenity::{
    ComponentInteraction, ComponentInteractionDataKind, CreateInteractionResponse, CreateInteractionResponseMessage,
    EditInteractionResponse, FullEvent, Interaction, ModalInteraction,
};
pub use token::TokenRejected;

// The command-line `digest` posts through the same kit; re-exported so it finds it here.
use crate::kit::{compose_view, limits, people, reply, Ctx};
pub use crate::kit::{digest, Data, Error};
use crate::slash;

/// Why someone may not use the bot here, in words for them; `None` when they may.
pub fn refusal(
    cfg: &Config,
    guild: Option<serenity::GuildId>,
    channel: serenity::ChannelId,
    member: Option<&serenity::Member>,
) -> Option<String> {
    let d = &cfg.discord;
    let Some(guild) = guild else {
        return Some("Panopticon answers in its team channel only, not in direct messages.".into());
    };
    if d.guild_id.is_some_and(|g| g.get() != guild.get()) {
        return Some("Panopticon is not set up for this server.".into());
    }
    if !d.channel_ids.is_empty() && !d.channel_ids.contains(&channel.get()) {
        let here: Vec<String> = d.channel_ids.iter().map(|c| format!("<#{c}>")).collect();
        return Some(format!("Panopticon answers in {} only.", here.join(", ")));
    }
    let Some(member) = member else {
        return Some("Panopticon could not check your roles; try again in the team channel.".into());
    };
    // Administrators always may; otherwise one of the roles in [roles] is needed (what each
    // role sees is decided later, by `kit::people::access`).
    match crate::kit::people::role(cfg, member) {
        Some(_) => None,
        None => Some(panopticon::people::Refused::NoRole.message()),
    }
}

/// Said to anyone who asks while the bot shuts down.
const STOPPING: &str = "Panopticon is restarting — try again in a minute.";

async fn check(ctx: Ctx<'_>) -> Result<bool, Error> {
    if ctx.data().ops.stopping() {
        return Err(STOPPING.into());
    }
    let member = ctx.author_member().await;
    match refusal(&ctx.data().cfg, ctx.guild_id(), ctx.channel_id(), member.as_deref()) {
        None => Ok(true),
        Some(why) => Err(why.into()),
    }
}

/// Said for a follow-up control's id we did not sign (forged, altered, another bot's).
const NOT_OURS: &str = "This button is not Panopticon's or has expired — open the lead again with /lead.";

/// What asked for a follow-up action: a click on its button, or its form submitted.
#[derive(Clone, Copy)]
enum Asked<'a> {
    Click(&'a ComponentInteraction),
    Form(&'a ModalInteraction),
}

impl<'a> Asked<'a> {
    fn custom_id(self) -> &'a str {
        match self {
            Asked::Click(c) => &c.data.custom_id,
            Asked::Form(m) => &m.data.custom_id,
        }
    }

    /// Answers privately.
    async fn say(self, ctx: &serenity::Context, text: String) -> Result<(), serenity::Error> {
        let r = private_answer(text);
        match self {
            Asked::Click(c) => c.create_response(ctx, r).await,
            Asked::Form(m) => m.create_response(ctx, r).await,
        }
    }

    /// The guild's check, then the asker's access, decided now; `None` once refused (and told).
    async fn access(self, ctx: &serenity::Context, data: &Data) -> Result<Option<panopticon::people::Access>, Error> {
        let (guild, channel, member) = match self {
            Asked::Click(c) => (c.guild_id, c.channel_id, c.member.as_ref()),
            Asked::Form(m) => (m.guild_id, m.channel_id, m.member.as_ref()),
        };
        if let Some(why) = refusal(&data.cfg, guild, channel, member) {
            traced::outcome("refused");
            self.say(ctx, why).await?;
            return Ok(None);
        }
        let Some(member) = member else { return Ok(None) };
        match people::access(data, member).await? {
            Ok(a) => Ok(Some(a)),
            Err(refused) => {
                traced::outcome("refused");
                self.say(ctx, refused.message()).await?;
                Ok(None)
            }
        }
    }
}

/// A follow-up control (`Action`: nudge, snooze, answers), clicked or its form submitted. The
/// answers to a nudge come from the locator's DMs: they pass their own check (the clicker is
/// the lead's locator, or a coordinator) instead of the guild-only one; everything else passes
/// the guild's check and acts with the clicker's access, decided now.
async fn on_action(ctx: &serenity::Context, data: &Data, asked: Asked<'_>) -> Result<(), Error> {
    let stopping = data.ops.stopping().then(|| STOPPING.to_string());
    let action = match Action::parse(asked.custom_id(), &data.view_key) {
        Ok(a) => a,
        Err(_) => {
            traced::outcome("refused");
            return Ok(asked.say(ctx, stopping.unwrap_or_else(|| NOT_OURS.into())).await?);
        }
    };
    if let Some(why) = stopping {
        return Ok(asked.say(ctx, why).await?);
    }
    match (action.kind, asked) {
        (ActionKind::FollowedUpSubmit, Asked::Form(m)) => {
            return slash::nudge::followed_up(ctx, data, m, &action).await
        }
        (k, Asked::Click(c)) if k.answers_nudge() => return slash::nudge::answer(ctx, data, c, &action).await,
        _ => {}
    }
    let Some(access) = asked.access(ctx, data).await? else { return Ok(()) };
    match (action.kind, asked) {
        (ActionKind::Nudge, Asked::Click(c)) => slash::nudge::nudge(ctx, data, c, &access, &action).await,
        (ActionKind::SnoozeForm, Asked::Click(c)) => slash::snooze::open_form(ctx, data, c, &access, &action).await,
        (ActionKind::Unsnooze, Asked::Click(c)) => slash::snooze::lift(ctx, data, c, &access, &action).await,
        (ActionKind::SnoozeSubmit, Asked::Form(m)) => slash::snooze::submit(ctx, data, m, &access, &action).await,
        // A signed id used where it does not belong (a form's id on a button): not ours to act on.
        _ => Ok(asked.say(ctx, NOT_OURS.into()).await?),
    }
}

/// A write-back control (`Write`: reassign, note, task, the audit's pages), clicked or its form
/// submitted: the guild's check, then the clicker's access, decided now.
async fn on_write(ctx: &serenity::Context, data: &Data, asked: Asked<'_>) -> Result<(), Error> {
    let stopping = data.ops.stopping().then(|| STOPPING.to_string());
    let Ok(w) = Write::parse(asked.custom_id(), &data.view_key) else {
        traced::outcome("refused");
        return Ok(asked.say(ctx, stopping.unwrap_or_else(|| NOT_OURS.into())).await?);
    };
    if let Some(why) = stopping {
        traced::outcome("refused");
        return Ok(asked.say(ctx, why).await?);
    }
    let Some(access) = asked.access(ctx, data).await? else { return Ok(()) };
    match asked {
        Asked::Click(c) => slash::writeback::on_click(ctx, data, c, &access, &w).await,
        Asked::Form(m) => slash::writeback::on_form(ctx, data, m, &access, &w).await,
    }
}

/// Said for a sales control's id we did not sign (forged, altered, from an older version).
const NOT_OURS_SALES: &str =
    "This control is not Panopticon's or has expired — run the command again (/dashboard, /deals, …).";

/// A sales control (`SalesState`: presets, filters, segments, pages, stories, the custom-range
/// form), clicked or submitted: the signature first, then the guild's check and the clicker's
/// access, decided now (never read from the id).
async fn on_sales(ctx: &serenity::Context, data: &Data, asked: Asked<'_>) -> Result<(), Error> {
    let stopping = data.ops.stopping().then(|| STOPPING.to_string());
    let Ok(state) = SalesState::parse(asked.custom_id(), &data.view_key) else {
        traced::outcome("refused");
        return Ok(asked.say(ctx, stopping.unwrap_or_else(|| NOT_OURS_SALES.into())).await?);
    };
    if let Some(why) = stopping {
        traced::outcome("refused");
        return Ok(asked.say(ctx, why).await?);
    }
    let Some(access) = asked.access(ctx, data).await? else { return Ok(()) };
    match asked {
        Asked::Click(c) => slash::sales::on_click(ctx, data, c, &access, state).await,
        Asked::Form(m) => slash::sales::on_form(ctx, data, m, &access, state).await,
    }
}

/// An answer only the clicker sees.
fn private_answer(text: String) -> CreateInteractionResponse {
    CreateInteractionResponse::Message(CreateInteractionResponseMessage::new().content(text).ephemeral(true))
}

/// A click on one of our buttons or selects: decode, check, answer in place.
async fn on_component(ctx: &serenity::Context, data: &Data, mci: &ComponentInteraction) -> Result<(), Error> {
    if Action::is_action_id(&mci.data.custom_id) {
        return on_action(ctx, data, Asked::Click(mci)).await;
    }
    if Write::is_write_id(&mci.data.custom_id) {
        return on_write(ctx, data, Asked::Click(mci)).await;
    }
    if SalesState::is_sales_id(&mci.data.custom_id) {
        return on_sales(ctx, data, Asked::Click(mci)).await;
    }
    let arrived = std::time::Instant::now();
    let ephemeral = private_answer;
    let stopping = data.ops.stopping().then(|| STOPPING.to_string());
    if let Some(why) = stopping.or_else(|| refusal(&data.cfg, mci.guild_id, mci.channel_id, mci.member.as_ref())) {
        traced::outcome("refused");
        mci.create_response(ctx, ephemeral(why)).await?;
        return Ok(());
    }
    // The scope is the clicker's, decided now: never read from the custom_id, so a forged or
    // someone else's id can at most show the clicker what they may see anyway.
    let Some(member) = mci.member.as_ref() else { return Ok(()) };
    let access = match people::access(data, member).await? {
        Ok(a) => a,
        Err(refused) => {
            traced::outcome("refused");
            mci.create_response(ctx, ephemeral(refused.message())).await?;
            return Ok(());
        }
    };
    let Ok(mut state) = ViewState::parse(&mci.data.custom_id, &data.view_key, chrono::Utc::now()) else {
        mci.create_response(
            ctx,
            ephemeral("This view has expired — run the command again (/stale, /leads, …).".into()),
        )
        .await?;
        return Ok(());
    };
    // An upper-case tag (the digest's buttons, a list's "open a lead's story") opens the view
    // privately for whoever clicked; any other control replaces its own message — when the
    // message is the clicker's own (private) or they see everything it could show. Anyone
    // narrower gets their own scope's view privately, and the shared message stays.
    let theirs = mci.message.flags.is_some_and(|f| f.contains(serenity::MessageFlags::EPHEMERAL));
    let private = state.tag.is_ascii_uppercase() || !(theirs || access.scope.is_everyone());
    // "Export CSV": the same view as a file, privately (slash/export.rs).
    let export = state.tag == slash::EXPORT_TAG;
    state.tag = state.tag.to_ascii_lowercase();
    if let ComponentInteractionDataKind::StringSelect { values } = &mci.data.kind {
        match state.tag {
            's' => state.stages = values.iter().take(MAX_FILTER_VALUES).cloned().collect(),
            'o' => state.locators = values.iter().take(MAX_FILTER_VALUES).cloned().collect(),
            'u' => state.statuses = values.iter().filter_map(|v| panopticon::rules::Status::parse(v)).collect(),
            // A list's drill-down ('d', opened privately) or /lead's choice among matches ('k').
            'd' | 'k' => {
                state.view = ViewKind::Lead;
                state.lead = values.first().cloned();
                state.page = 0;
            }
            _ => {}
        }
        let id = state.encode(&data.view_key);
        if id.len() > panopticon::views::state::MAX_LEN
            || ViewState::parse(&id, &data.view_key, chrono::Utc::now()).is_err()
        {
            mci.create_response(ctx, ephemeral("That choice could not be applied — run the command again.".into()))
                .await?;
            return Ok(());
        }
    }
    if !access.role.sees_leads() && people::lead_level(state.view) {
        traced::outcome("refused");
        mci.create_response(ctx, ephemeral(people::viewers_only_aggregates().0)).await?;
        return Ok(());
    }
    // Answer at once, then work.
    if private {
        mci.create_response(
            ctx,
            CreateInteractionResponse::Defer(CreateInteractionResponseMessage::new().ephemeral(true)),
        )
        .await?;
    } else {
        mci.create_response(ctx, CreateInteractionResponse::Acknowledge).await?;
    }
    crate::ops::metrics::click_acknowledged(arrived.elapsed());
    let command = state.view.command();
    let face = if export { slash::export_face } else { slash::face(state.view) };
    match compose_view(data, &access, state, face).await {
        Ok(c) if private => {
            let mut msg = serenity::CreateInteractionResponseFollowup::new()
                .embeds(c.embeds)
                .components(c.components)
                .ephemeral(true);
            for f in c.files {
                msg = msg.add_file(f);
            }
            mci.create_followup(ctx, msg).await?;
        }
        Ok(c) => {
            let mut edit = EditInteractionResponse::new().embeds(c.embeds).components(c.components);
            for f in c.files {
                edit = edit.new_attachment(f);
            }
            mci.edit_response(ctx, edit).await?;
        }
        Err(e) => {
            // After an ephemeral defer or a plain acknowledgement (type 6, no new message), a
            // follow-up keeps its own ephemeral flag: only the clicker sees this.
            let msg = serenity::CreateInteractionResponseFollowup::new()
                .content(limits::cut(&format!("This view has expired ({e}) — run /{command} again."), limits::CONTENT))
                .ephemeral(true);
            mci.create_followup(ctx, msg).await?;
        }
    }
    Ok(())
}

async fn on_event(ctx: &serenity::Context, event: &FullEvent, data: &Data) -> Result<(), Error> {
    match event {
        FullEvent::InteractionCreate { interaction: Interaction::Component(mci) } => {
            if let Err(e) = on_component(ctx, data, mci).await {
                traced::outcome("error");
                crate::ops::metrics::error("click_failed");
                tracing::warn!(custom_id = %mci.data.custom_id, user = %mci.user.id, "click failed: {e}");
            }
        }
        // A form submitted (snooze, followed up): only ours carry an `Action` id.
        FullEvent::InteractionCreate { interaction: Interaction::Modal(m) } => {
            let handled = if Write::is_write_id(&m.data.custom_id) {
                on_write(ctx, data, Asked::Form(m)).await
            } else if SalesState::is_sales_id(&m.data.custom_id) {
                on_sales(ctx, data, Asked::Form(m)).await
            } else {
                on_action(ctx, data, Asked::Form(m)).await
            };
            if let Err(e) = handled {
                traced::outcome("error");
                crate::ops::metrics::error("click_failed");
                tracing::warn!(custom_id = %m.data.custom_id, user = %m.user.id, "form failed: {e}");
            }
        }
        _ => {}
    }
    Ok(())
}

/// Every framework error gets a friendly ephemeral answer; the detail goes to the log.
async fn on_error(error: poise::FrameworkError<'_, Data, Error>) {
    use poise::FrameworkError as E;
    crate::ops::metrics::framework_error(&error);
    async fn say(ctx: Ctx<'_>, text: String) {
        reply::say_private(ctx, &text).await;
    }
    match error {
        E::Command { error, ctx, .. } => {
            if error.downcast_ref::<people::Denied>().is_some() {
                traced::outcome("refused");
                tracing::info!(command = %ctx.command().name, user = %ctx.author().id, "refused: {error}");
                say(ctx, error.to_string()).await;
            } else if error.downcast_ref::<panopticon::views::input::InputError>().is_some() {
                traced::outcome("bad input");
                // The person typed something we could not use: say what would work.
                tracing::info!(command = %ctx.command().name, user = %ctx.author().id, "bad input: {error}");
                say(ctx, error.to_string()).await;
            } else {
                traced::outcome("error");
                tracing::error!(command = %ctx.command().name, user = %ctx.author().id, "command failed: {error}");
                say(ctx, format!("Sorry — that did not work: {error}")).await;
            }
        }
        E::CommandCheckFailed { error, ctx, .. } => {
            traced::outcome("refused");
            let why = error.map(|e| e.to_string()).unwrap_or_else(|| "You cannot use this command here.".into());
            tracing::info!(command = %ctx.command().name, user = %ctx.author().id, "refused: {why}");
            say(ctx, why).await;
        }
        E::ArgumentParse { error, input, ctx, .. } => {
            traced::outcome("bad input");
            say(ctx, format!("I could not read {}: {error}", input.as_deref().unwrap_or("an option"))).await;
        }
        E::CommandPanic { payload, ctx, .. } => {
            traced::outcome("panic");
            tracing::error!(command = %ctx.command().name, "command panicked: {payload:?}");
            say(ctx, "Sorry — something broke on my side. It has been logged.".into()).await;
        }
        other => {
            if let Err(e) = poise::builtins::on_error(other).await {
                tracing::error!("error while handling an error: {e}");
            }
        }
    }
}

/// Discord's REST client; with `[discord] api_base` it talks to that server instead.
pub fn http(token: &secrecy::SecretString, api_base: Option<String>) -> Result<serenity::Http, Error> {
    use secrecy::ExposeSecret;
    let mut http = serenity::HttpBuilder::new(token.expose_secret());
    if let Some(base) = api_base {
        // Tests only: serenity rewrites https://discord.com to this base, which it does only
        // with its ratelimiter off. Never set in production (see config.example.toml).
        tracing::warn!("[discord] api_base is set: talking to {base}, not Discord");
        http = http.proxy(base).ratelimiter_disabled(true);
    }
    Ok(http.build())
}

/// Runs the bot until it is stopped.
pub async fn run(cfg: Config) -> Result<(), Error> {
    let token = cfg
        .discord
        .token
        .clone()
        .ok_or("DISCORD_TOKEN is not set: copy the bot token from the Discord developer portal")?;
    let guild = cfg.discord.guild_id.ok_or("config: [discord] guild_id is missing: the server the bot answers in")?;
    // [ops] listen first: a port in use stops the start, and checks are answered while connecting.
    crate::ops::start(&cfg).await?;
    let rest = http(&token, cfg.discord.api_base.clone())?;
    // Ask Discord who we are before anything else: a wrong token is refused here, in words
    // naming DISCORD_TOKEN, instead of a gateway that keeps reconnecting.
    token::check(&rest).await?;
    let data = Data::new(cfg)?;
    let shared = data.clone();
    let options = poise::FrameworkOptions {
        commands: slash::all(&data.cfg.rules),
        on_error: |e| Box::pin(on_error(e)),
        command_check: Some(|ctx| Box::pin(check(ctx))),
        event_handler: |fw, event| Box::pin(on_event(fw.serenity_context, event, fw.user_data)),
        pre_command: |ctx| Box::pin(async move { crate::ops::metrics::command_started(ctx.id()) }),
        post_command: |ctx| {
            Box::pin(async move { crate::ops::metrics::command_finished(ctx.id(), &ctx.command().name, "ok") })
        },
        initialize_owners: false,
        ..Default::default()
    };
    let framework = poise::Framework::builder()
        .options(options)
        .setup(move |ctx, _ready, framework| {
            Box::pin(async move {
                poise::builtins::register_in_guild(ctx, &framework.options().commands, serenity::GuildId::from(guild))
                    .await?;
                tracing::info!(guild, "commands registered");
                // Load the data now, so the first person to ask does not wait for it.
                if let Err(e) = data.snapshot().await {
                    tracing::warn!("could not load the data at start: {e}");
                }
                // Supervised: a panic is logged and the task started again (see supervise.rs).
                let health = data.ops.health().clone();
                if data.cfg.sync.every.is_some() {
                    let d = data.clone();
                    supervise::supervise("sync schedule", health.clone(), move || schedule::scheduler(d.clone()));
                }
                let (d, http) = (data.clone(), ctx.http.clone());
                let g = serenity::GuildId::from(guild);
                supervise::supervise("presence", health.clone(), move || presence::watch(d.clone(), http.clone(), g));
                let (d, http) = (data.clone(), ctx.http.clone());
                supervise::supervise("subscriptions", health.clone(), move || {
                    subscriptions::sender(d.clone(), http.clone())
                });
                if data.cfg.alerts.enabled && crate::kit::alerts::channel(&data.cfg).is_some() {
                    let (d, http) = (data.clone(), ctx.http.clone());
                    supervise::supervise("alerts", health.clone(), move || alerts::watch(d.clone(), http.clone()));
                }
                if data.cfg.actions.enabled {
                    let d = data.clone();
                    supervise::supervise("write-back settle", health.clone(), move || settle::watch(d.clone()));
                }
                if data.cfg.discord.channel_id.is_some() {
                    let (d, http) = (data.clone(), ctx.http.clone());
                    supervise::supervise("digest", health, move || digest::scheduler(d.clone(), http.clone()));
                } else {
                    tracing::warn!("[discord] channel_id is not set: no morning digest");
                }
                Ok(data)
            })
        })
        .build();
    let mut client = serenity::ClientBuilder::new_with_http(rest, serenity::GatewayIntents::GUILDS)
        .framework(traced::Traced(framework))
        .event_handler(crate::ops::GatewayWatch)
        .await?;
    let stop = tokio::spawn(shutdown::on_signal(shared, client.shard_manager.clone()));
    tokio::select! {
        r = client.start() => r.map_err(token::explain)?,
        // The gateway is closed (`start` returns then too, but not if no shard had started
        // yet): done either way.
        _ = stop => {}
    }
    Ok(())
}
