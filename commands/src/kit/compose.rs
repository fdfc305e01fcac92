//! The parts every view's Discord message is built from: the scene a state describes (data,
//! filter, signing key), the embed with its footer, attachments, and the signed buttons and
//! selects that lead to the next states. Each view's own message (its "face") lives beside its
//! command in `slash/`; `slash::face` joins a view to its face, alike for commands and clicks,
//! so a click after a restart gets exactly what a command would.

use std::collections::HashMap;

use panopticon::config::Config;
use panopticon::people::Scope;
use panopticon::render::Image;
use panopticon::views::state::{short_hash, ViewKey, ViewState, MAX_FILTER_VALUES};
use panopticon::views::{Context, Filter, Header, Snapshot, NO_LOCATOR};
use poise::serenity_prelude as serenity;
use serenity::{
    ButtonStyle, CreateActionRow, CreateAttachment, CreateButton, CreateEmbed, CreateEmbedFooter, CreateSelectMenu,
    CreateSelectMenuKind, CreateSelectMenuOption,
};

use super::limits::{self, cut};
use super::Error;

/// A message ready to send or to put in place of another.
pub struct Composed {
    pub embeds: Vec<CreateEmbed>,
    pub files: Vec<CreateAttachment>,
    pub components: Vec<CreateActionRow>,
}

impl Composed {
    /// As a reply to a command.
    pub fn into_reply(self) -> poise::CreateReply {
        let mut reply = poise::CreateReply::default().components(self.components);
        for e in self.embeds {
            reply = reply.embed(e);
        }
        for f in self.files {
            reply = reply.attachment(f);
        }
        reply
    }
}

pub const RED: u32 = 0xD55E00;
pub const AMBER: u32 = 0xE69F00;
pub const BLUE: u32 = 0x0072B2;

pub fn context<'a>(cfg: &'a Config, state: &ViewState) -> Context<'a> {
    Context::new(cfg, state.as_of, chrono::Utc::now())
}

/// Hash → name, for the filters a state refers to.
fn names(known: &[String]) -> HashMap<String, String> {
    known.iter().map(|n| (short_hash(n), n.clone())).collect()
}

/// The filter a state describes, or an error when it names something the data no longer has.
pub fn filter_of(s: &Snapshot, cfg: &Config, state: &ViewState) -> Result<Filter, String> {
    let stages = names(&s.known_stages(&cfg.rules));
    let mut locs = s.known_locators();
    locs.push(NO_LOCATOR.to_string());
    let locators = names(&locs);
    let pick = |hashes: &[String], map: &HashMap<String, String>| -> Result<Vec<String>, String> {
        hashes
            .iter()
            .map(|h| map.get(h).cloned().ok_or_else(|| "a filter in this view no longer exists".to_string()))
            .collect()
    };
    Ok(Filter {
        stages: pick(&state.stages, &stages)?,
        locators: pick(&state.locators, &locators)?,
        statuses: state.statuses.clone(),
        from: state.from,
        to: state.to,
    })
}

fn footer(ctx: &Context, header: &Header) -> (String, String) {
    let as_of = ctx.as_of.with_timezone(&ctx.tz()).format("as of %a %d %b %Y %H:%M %Z").to_string();
    let synced = match header.last_sync_at.as_deref().and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()) {
        Some(t) => format!("Last synced <t:{}:R>", t.timestamp()),
        None => "Never synced: run /refresh".to_string(),
    };
    (as_of, synced)
}

pub fn embed(
    title: &str,
    color: u32,
    lines: &[String],
    ctx: &Context,
    header: &Header,
    image: Option<&Image>,
) -> CreateEmbed {
    let (as_of, synced) = footer(ctx, header);
    let mut desc: Vec<String> = Vec::new();
    if let Some(w) = &header.warning {
        desc.push(format!("⚠️ **{}**", w));
    }
    desc.extend(lines.iter().cloned());
    if !header.filters.is_empty() {
        desc.push(format!("Filters: {}", header.filters.join(" · ")));
    }
    desc.push(synced);
    let title = cut(title, limits::TITLE);
    let foot = cut(&as_of, limits::FOOTER);
    // The title, description and footer together stay under the 6,000-character embed total.
    let room = (limits::EMBED_TOTAL - title.chars().count() - foot.chars().count()).min(limits::DESCRIPTION);
    let mut e = CreateEmbed::new()
        .title(title)
        .colour(color)
        .description(cut(&desc.join("\n"), room))
        .footer(CreateEmbedFooter::new(foot));
    if let Some(img) = image {
        e = e.image(format!("attachment://{}", img.name));
    }
    e
}

pub fn file(img: &Image) -> CreateAttachment {
    // Images are a few hundred KB; Discord's floor is 10 MiB a file.
    debug_assert!(img.png.len() < limits::ATTACHMENT_BYTES);
    CreateAttachment::bytes(img.png.clone(), img.name.clone())
}

pub fn button(key: &ViewKey, state: &ViewState, tag: char, label: &str, disabled: bool) -> CreateButton {
    CreateButton::new(state.with_tag(tag).encode(key))
        .label(cut(label, limits::BUTTON_LABEL))
        .style(ButtonStyle::Secondary)
        .disabled(disabled)
}

/// A select whose chosen values replace one filter of `state`.
pub fn select(
    key: &ViewKey,
    state: &ViewState,
    tag: char,
    placeholder: &str,
    options: Vec<(String, String, bool)>,
) -> Option<CreateActionRow> {
    if options.is_empty() {
        return None;
    }
    let opts: Vec<CreateSelectMenuOption> = options
        .into_iter()
        .take(limits::SELECT_OPTIONS)
        .map(|(label, value, on)| {
            CreateSelectMenuOption::new(cut(&label, limits::OPTION_TEXT), cut(&value, limits::OPTION_TEXT))
                .default_selection(on)
        })
        .collect();
    let n = opts.len() as u8;
    let menu = CreateSelectMenu::new(state.with_tag(tag).encode(key), CreateSelectMenuKind::String { options: opts })
        .placeholder(cut(placeholder, 150))
        .min_values(0)
        .max_values(n.min(MAX_FILTER_VALUES as u8));
    Some(CreateActionRow::SelectMenu(menu))
}

/// What every view's face starts from: the state asked for, the data, and what they imply.
pub struct Scene<'a> {
    pub cfg: &'a Config,
    pub snap: &'a Snapshot,
    pub conn: &'a panopticon::store::Connection,
    pub state: &'a ViewState,
    pub ctx: Context<'a>,
    /// Signs the custom_ids of the message's buttons and selects.
    pub key: ViewKey,
    pub filter: Filter,
    pub per_page: usize,
    /// Whose leads the asker sees (`snap` is already cut to it; the lead story checks it too,
    /// as it reads the lead from the store).
    pub scope: &'a Scope,
    /// CRM user id → Discord id of linked members in the guild: mentioned in embeds.
    pub mentions: HashMap<String, u64>,
    /// Who asks, when a member does (what they may do: the lead story's nudge and snooze
    /// buttons); `None` for work the bot does by itself.
    pub access: Option<panopticon::people::Access>,
    /// What the CRM token may write (the lead story's write-back buttons); `None` when
    /// write-back is off, or the grant could not be read: no such button then.
    pub writable: Option<panopticon::actions::Scopes>,
}

impl<'a> Scene<'a> {
    /// The scene for `state`, or an error in words when its dates or filters no longer fit.
    pub fn new(
        cfg: &'a Config,
        snap: &'a Snapshot,
        conn: &'a panopticon::store::Connection,
        state: &'a ViewState,
        scope: &'a Scope,
    ) -> Result<Scene<'a>, Error> {
        let ctx = context(cfg, state);
        if !state.dates_near(ctx.now) {
            // Its buttons would be refused as forged: say so now, in words.
            let years = panopticon::views::state::MAX_YEARS_FROM_NOW;
            return Err(
                panopticon::views::input::InputError(format!("dates must be within {years} years of today")).into()
            );
        }
        let key = ViewKey::load(conn)?;
        let filter = filter_of(snap, cfg, state)?;
        let mentions = panopticon::store::mentions(conn)?;
        Ok(Scene {
            cfg,
            snap,
            conn,
            state,
            ctx,
            key,
            filter,
            per_page: cfg.rows_per_image,
            scope,
            mentions,
            access: None,
            writable: None,
        })
    }

    /// A locator's name with their Discord mention beside it when they are linked (embeds only:
    /// a mention in an image would be plain text).
    pub fn named(&self, locator: &str, owner: Option<&str>) -> String {
        match owner.and_then(|o| self.mentions.get(o)) {
            Some(d) => format!("{locator} <@{d}>"),
            None => locator.to_string(),
        }
    }
}

/// Every view's face: its Discord message for a scene.
pub type Face = fn(&Scene) -> Result<Composed, Error>;

pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
