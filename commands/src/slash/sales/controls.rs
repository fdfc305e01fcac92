//! The controls every sales message shares — the date-preset select ("Custom range…" opens a
//! form with two dates), the filter select (owner, lead source, pipeline, stage), a chart's
//! segment select that opens the records behind a segment — and what a click on any of them,
//! or the form submitted, does. The bot's router (`bot/mod.rs`) checks the id's signature and
//! decides the clicker's access before it calls in here; scope is never read from an id.

use panopticon::people::Access;
use panopticon::sales::period::Preset;
use panopticon::views::sales::segments::segments;
use panopticon::views::sales::Chart;
use panopticon::views::state::{short_hash, RecordKey, RecordKind, SalesState, SalesView, ViewKind, ViewState};
use poise::serenity_prelude as serenity;
use serenity::{
    ComponentInteraction, ComponentInteractionDataKind, CreateActionRow, CreateInputText, CreateInteractionResponse,
    CreateInteractionResponseFollowup, CreateInteractionResponseMessage, CreateModal, CreateSelectMenu,
    CreateSelectMenuKind, CreateSelectMenuOption, EditInteractionResponse, InputTextStyle, ModalInteraction,
};

use super::scene::{known, SalesScene};
use crate::kit::compose::Composed;
use crate::kit::limits::{self, cut};
use crate::kit::{Data, Error};

/// Tags: which control a state came from (upper case: the answer opens privately).
pub const PRESET: char = 'p';
pub const FILTER: char = 'q';
pub const SEGMENT: char = 'X';
pub const OPEN: char = 'K';
/// The custom-range form's submit.
pub const FORM: char = 'c';

/// A one-choice select of `(label, value, default)` leading from `state` under `tag`.
pub fn one_of(
    sc: &SalesScene,
    state: &SalesState,
    tag: char,
    placeholder: &str,
    options: Vec<(String, String, bool)>,
) -> Option<CreateActionRow> {
    if options.is_empty() {
        return None;
    }
    let mut defaulted = false;
    let opts: Vec<CreateSelectMenuOption> = options
        .into_iter()
        .take(limits::SELECT_OPTIONS)
        .map(|(label, value, on)| {
            // One choice at a time: at most one option shows as chosen.
            let on = on && !defaulted;
            defaulted |= on;
            CreateSelectMenuOption::new(cut(&label, limits::OPTION_TEXT), cut(&value, limits::OPTION_TEXT))
                .default_selection(on)
        })
        .collect();
    let menu =
        CreateSelectMenu::new(state.with_tag(tag).encode(&sc.key), CreateSelectMenuKind::String { options: opts })
            .placeholder(cut(placeholder, 150))
            .min_values(1)
            .max_values(1);
    Some(CreateActionRow::SelectMenu(menu))
}

/// The date-preset select: every named preset, then "Custom range…".
pub fn preset_row(sc: &SalesScene, placeholder: &str) -> Option<CreateActionRow> {
    let now = sc.state.preset;
    let mut opts: Vec<(String, String, bool)> =
        Preset::NAMED.iter().map(|p| (p.label().to_string(), p.key().to_string(), now == Some(*p))).collect();
    let custom = match now {
        Some(p @ Preset::Custom { .. }) => format!("Custom range… (now {})", p.resolve(sc.today).describe()),
        _ => "Custom range…".to_string(),
    };
    opts.push((custom, "custom".into(), matches!(now, Some(Preset::Custom { .. }))));
    let reset = SalesState { page: 0, ..sc.state.clone() };
    one_of(sc, &reset, PRESET, placeholder, opts)
}

/// The filter select: owner, lead source, pipeline and stage values in the asker's data (a
/// chosen one is marked ✓; choosing it again clears it), and "Clear filters".
pub fn filter_row(sc: &SalesScene) -> Option<CreateActionRow> {
    let [owners, sources, pipelines, stages] = known(sc.data);
    let f = &sc.filters;
    let mark = |on: bool, label: String| if on { format!("✓ {label}") } else { label };
    let mut opts = Vec::new();
    for o in owners {
        opts.push((
            mark(f.owner.as_ref() == Some(&o), format!("Owner: {}", sc.person(&o))),
            format!("o:{}", short_hash(&o)),
            false,
        ));
    }
    for (letter, word, names, now) in [
        ('r', "Source", sources, &f.source),
        ('i', "Pipeline", pipelines, &f.pipeline),
        ('g', "Stage", stages, &f.stage),
    ] {
        for n in names {
            opts.push((
                mark(now.as_ref() == Some(&n), format!("{word}: {n}")),
                format!("{letter}:{}", short_hash(&n)),
                false,
            ));
        }
    }
    let any = f != &Default::default() || sc.state.min_amount.is_some();
    // The chosen ones first, so they are never cut at Discord's 25.
    opts.sort_by_key(|o| !o.0.starts_with('✓'));
    if any {
        opts.insert(0, ("Clear filters".into(), "clear".into(), false));
    }
    opts.truncate(limits::SELECT_OPTIONS);
    let reset = SalesState { page: 0, ..sc.state.clone() };
    one_of(sc, &reset, FILTER, "Filter by owner, source, pipeline or stage…", opts)
}

/// A chart's segment select: each option opens the records behind that segment, privately.
pub fn segment_row(sc: &SalesScene, chart: Chart, placeholder: &str) -> Option<CreateActionRow> {
    let segs = segments(sc.sales, &sc.sctx, &sc.access.scope, &sc.query, chart);
    let opts = segs.into_iter().map(|(seg, label)| (label, seg.encode(), false)).collect();
    one_of(sc, sc.state, SEGMENT, placeholder, opts)
}

/// The state a select's choice leads to; `Err(())` when the choice is "Custom range…".
fn chosen(mut state: SalesState, value: &str) -> Result<Option<SalesState>, ()> {
    let lower = state.tag.to_ascii_lowercase();
    match lower {
        PRESET if value == "custom" => return Err(()),
        PRESET => match Preset::parse(value) {
            Ok(p) if !matches!(p, Preset::Custom { .. }) => state.preset = Some(p),
            _ => return Ok(None),
        },
        FILTER => {
            let toggle = |slot: &mut Option<String>, h: &str| {
                *slot = if slot.as_deref() == Some(h) { None } else { Some(h.to_string()) };
            };
            match value.split_once(':') {
                _ if value == "clear" => {
                    (state.owner, state.source, state.pipeline, state.stage) = (None, None, None, None);
                    state.min_amount = None;
                }
                Some(("o", h)) => toggle(&mut state.owner, h),
                Some(("r", h)) => toggle(&mut state.source, h),
                Some(("i", h)) => toggle(&mut state.pipeline, h),
                Some(("g", h)) => toggle(&mut state.stage, h),
                _ => return Ok(None),
            }
        }
        // A chart's segment: its records, found again in the data when drawn.
        'x' => {
            state = SalesState {
                view: SalesView::Segment,
                segment: Some(value.to_string()),
                record: None,
                page: 0,
                ..state
            }
        }
        'k' => {
            let Some(r) = RecordKey::parse(value) else { return Ok(None) };
            state = SalesState { view: SalesView::Story, record: Some(r), segment: None, page: 0, ..state };
        }
        _ => return Ok(None),
    }
    Ok(Some(state))
}

/// The custom-range form, opened from the preset select.
fn form(data: &Data, state: &SalesState) -> CreateModal {
    let id = SalesState { page: 0, ..state.clone() }.with_tag(FORM).encode(&data.view_key);
    let field = |label: &str, id: &str| {
        CreateInputText::new(InputTextStyle::Short, label, id)
            .placeholder("YYYY-MM-DD, e.g. 2026-01-31")
            .required(true)
            .min_length(10)
            .max_length(10)
    };
    CreateModal::new(id, "Custom range").components(vec![
        CreateActionRow::InputText(field("First day", "first")),
        CreateActionRow::InputText(field("Last day (included)", "last")),
    ])
}

/// A click on a sales control, with the clicker's access decided now.
pub async fn on_click(
    ctx: &serenity::Context,
    data: &Data,
    mci: &ComponentInteraction,
    access: &Access,
    state: SalesState,
) -> Result<(), Error> {
    let mut state = state;
    if let ComponentInteractionDataKind::StringSelect { values } = &mci.data.kind {
        let Some(value) = values.first() else { return Ok(()) };
        match chosen(state.clone(), value) {
            Err(()) => {
                mci.create_response(ctx, CreateInteractionResponse::Modal(form(data, &state))).await?;
                return Ok(());
            }
            Ok(None) => {
                let say = "That choice could not be applied — run the command again.";
                mci.create_response(ctx, private(say)).await?;
                return Ok(());
            }
            Ok(Some(s)) => state = s,
        }
    }
    let theirs = mci.message.flags.is_some_and(|f| f.contains(serenity::MessageFlags::EPHEMERAL));
    let alone = state.tag.is_ascii_uppercase() || !(theirs || access.scope.is_everyone());
    state.tag = state.tag.to_ascii_lowercase();
    if alone {
        let defer = CreateInteractionResponseMessage::new().ephemeral(true);
        mci.create_response(ctx, CreateInteractionResponse::Defer(defer)).await?;
    } else {
        mci.create_response(ctx, CreateInteractionResponse::Acknowledge).await?;
    }
    let view = state.view;
    match (draw(data, access, state).await, alone) {
        (Ok(c), true) => mci.create_followup(ctx, followup(c)).await.map(drop)?,
        (Ok(c), false) => mci.edit_response(ctx, edit(c)).await.map(drop)?,
        (Err(e), _) => mci.create_followup(ctx, failed(view, &e)).await.map(drop)?,
    }
    Ok(())
}

/// The custom-range form submitted: two dates, checked, then the view for that range.
pub async fn on_form(
    ctx: &serenity::Context,
    data: &Data,
    m: &ModalInteraction,
    access: &Access,
    state: SalesState,
) -> Result<(), Error> {
    let typed = |id: &str| crate::slash::snooze::raw_field(m, id).unwrap_or_default();
    let preset = match Preset::custom(typed("first").trim(), typed("last").trim()) {
        Ok(p) => p,
        Err(why) => {
            let say = format!(
                "Those dates did not work: {why}. Pick \"Custom range…\" again and type two dates like 2026-01-31."
            );
            m.create_response(ctx, private(&say)).await?;
            return Ok(());
        }
    };
    let state = SalesState { preset: Some(preset), page: 0, tag: 'x', ..state };
    let theirs =
        m.message.as_ref().is_some_and(|msg| msg.flags.is_some_and(|f| f.contains(serenity::MessageFlags::EPHEMERAL)));
    let alone = m.message.is_none() || !(theirs || access.scope.is_everyone());
    if alone {
        let defer = CreateInteractionResponseMessage::new().ephemeral(true);
        m.create_response(ctx, CreateInteractionResponse::Defer(defer)).await?;
    } else {
        m.create_response(ctx, CreateInteractionResponse::Acknowledge).await?;
    }
    let view = state.view;
    match (draw(data, access, state).await, alone) {
        (Ok(c), true) => m.create_followup(ctx, followup(c)).await.map(drop)?,
        (Ok(c), false) => m.edit_response(ctx, edit(c)).await.map(drop)?,
        (Err(e), _) => m.create_followup(ctx, failed(view, &e)).await.map(drop)?,
    }
    Ok(())
}

/// The message a state draws: a lead's story is the lead side's own (scoped, and refused to a
/// viewer there); everything else is a sales face.
pub async fn draw(data: &Data, access: &Access, state: SalesState) -> Result<Composed, Error> {
    if let (SalesView::Story, Some(RecordKey { kind: RecordKind::Lead, id })) = (state.view, &state.record) {
        let mut st = ViewState::new(ViewKind::Lead, chrono::Utc::now());
        st.lead = Some(id.clone());
        return crate::kit::compose_view(data, access, st, crate::slash::face(ViewKind::Lead)).await;
    }
    super::scene::compose(data, access, state.clone(), super::face(state.view)).await
}

fn private(text: &str) -> CreateInteractionResponse {
    let msg = CreateInteractionResponseMessage::new().content(cut(text, limits::CONTENT)).ephemeral(true);
    CreateInteractionResponse::Message(msg)
}

fn followup(c: Composed) -> CreateInteractionResponseFollowup {
    let mut msg = CreateInteractionResponseFollowup::new().embeds(c.embeds).components(c.components).ephemeral(true);
    for f in c.files {
        msg = msg.add_file(f);
    }
    msg
}

fn edit(c: Composed) -> EditInteractionResponse {
    let mut e = EditInteractionResponse::new().embeds(c.embeds).components(c.components);
    for f in c.files {
        e = e.new_attachment(f);
    }
    e
}

fn failed(view: SalesView, e: &Error) -> CreateInteractionResponseFollowup {
    let text = format!("That did not work ({e}) — run /{} again.", view.command());
    CreateInteractionResponseFollowup::new().content(cut(&text, limits::CONTENT)).ephemeral(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(tag: char) -> SalesState {
        SalesState::new(SalesView::Dashboard, None).with_tag(tag)
    }

    #[test]
    fn a_preset_choice_sets_the_period_and_custom_opens_the_form() {
        let s = chosen(at(PRESET), "last-month").unwrap().unwrap();
        assert_eq!(s.preset, Some(Preset::LastMonth));
        assert_eq!(chosen(at(PRESET), "custom"), Err(()));
        // A range comes only from the form; anything else is not a choice we offered.
        assert_eq!(chosen(at(PRESET), "2026-01-01..2026-01-31"), Ok(None));
        assert_eq!(chosen(at(PRESET), "tomorrow"), Ok(None));
    }

    #[test]
    fn a_filter_choice_toggles_and_clear_clears_all() {
        let s = chosen(at(FILTER), "o:abcdef").unwrap().unwrap();
        assert_eq!(s.owner.as_deref(), Some("abcdef"));
        let s = chosen(s.with_tag(FILTER), "r:012345").unwrap().unwrap();
        assert_eq!((s.owner.as_deref(), s.source.as_deref()), (Some("abcdef"), Some("012345")));
        let again = chosen(s.with_tag(FILTER), "o:abcdef").unwrap().unwrap();
        assert_eq!(again.owner, None, "choosing the chosen owner clears it");
        let cleared = chosen(s.with_tag(FILTER), "clear").unwrap().unwrap();
        assert_eq!((cleared.owner, cleared.source), (None, None));
        assert_eq!(chosen(at(FILTER), "z:abcdef"), Ok(None));
    }

    #[test]
    fn a_segment_or_a_record_opens_its_view() {
        let s = chosen(at(SEGMENT), "sdeadbeef").unwrap().unwrap();
        assert_eq!((s.view, s.segment.as_deref()), (SalesView::Segment, Some("sdeadbeef")));
        let s = chosen(at(OPEN), "D4300000000000000001").unwrap().unwrap();
        assert_eq!(s.view, SalesView::Story);
        assert_eq!(s.record.map(|r| r.id), Some("4300000000000000001".to_string()));
        assert_eq!(chosen(at(OPEN), "X12"), Ok(None));
    }
}
