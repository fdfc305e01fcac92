//! /export and the "Export CSV" button: the current view as a CSV file, sent privately to
//! whoever asked. The button is the view's own state with the tag `X` (upper case: answered
//! privately); the bot's click router sends it to `face` here instead of the view's face. The
//! data is cut to the asker's scope at that moment (`kit::compose_view`), so a member's file
//! holds only their leads whoever posted the message. Every field goes through `csv_line`,
//! which defuses `= + - @`.

use panopticon::rules::Status;
use panopticon::views::calendar::{self, Period};
use panopticon::views::state::{ViewKey, ViewKind, ViewState};
use panopticon::views::{input, list, locators, pipeline, SortKey};
use poise::serenity_prelude::{CreateAttachment, CreateButton};

use super::choice::{Choice, Choosable};
use crate::kit::compose::{button, embed, Composed, Scene, BLUE};
use crate::kit::{self, limits, Ctx, Error};

/// The tag of the "Export CSV" button (upper case: the file goes to the clicker alone).
pub const TAG: char = 'X';

/// The "Export CSV" button for the view `state` shows.
pub fn export_button(key: &ViewKey, state: &ViewState) -> CreateButton {
    button(key, &ViewState { page: 0, ..state.clone() }, TAG, "⬇ Export CSV", false)
}

/// The views that have a CSV form and can be exported (a lead's story is one lead).
impl Choosable for ViewKind {
    fn all() -> Vec<ViewKind> {
        ViewKind::ALL.into_iter().filter(|v| *v != ViewKind::Lead).collect()
    }
    fn label(self) -> &'static str {
        self.name()
    }
}

/// A view as a CSV file, just for you, with the same filters as the view's own command.
// Each argument is one of Discord's options: poise takes them as parameters.
#[allow(clippy::too_many_arguments)]
#[poise::command(slash_command, guild_only)]
pub async fn export(
    ctx: Ctx<'_>,
    #[description = "Which view"] view: Choice<ViewKind>,
    #[description = "Only leads in this stage"]
    #[autocomplete = "super::stages"]
    stage: Option<String>,
    #[description = "Only this locator's leads"]
    #[autocomplete = "super::locators"]
    locator: Option<String>,
    #[description = "Only leads with this status (leads, calendar, pipeline, locators)"] status: Option<Choice<Status>>,
    #[description = "From this date (YYYY-MM-DD); for the calendar, the first day"] from: Option<String>,
    #[description = "Up to this date (YYYY-MM-DD); for the calendar, the last day"] to: Option<String>,
    #[description = "Order (lists only)"] sort: Option<Choice<SortKey>>,
) -> Result<(), Error> {
    let view = view.0;
    // Dates need no data: a typo is answered at once, privately, before anything else.
    let dates = input::FilterInput { from, to, ..Default::default() }.parse_named(&[], &[], ("from", "to"))?;
    let access = super::asker(ctx, Some(true), kit::people::lead_level(view)).await?;
    let mut state = super::state(ctx, &access, view, stage, locator).await?;
    (state.from, state.to) = (dates.from, dates.to);
    if view == ViewKind::Calendar && state.from.is_none() && state.to.is_none() {
        let today = chrono::Utc::now().with_timezone(&ctx.data().cfg.rules.timezone).date_naive();
        state.period = Some((calendar::PeriodKind::Week, today));
    }
    state.sort = sort.map(|s| s.0);
    if let Some(Choice(s)) = status {
        state.statuses = vec![s];
    }
    state.tag = TAG;
    kit::reply_view(ctx, &access, state, face).await
}

/// The file for a state: its view's CSV, named for what and when (`stale-2026-11-23.csv`),
/// with a line saying what it holds.
pub fn face(sc: &Scene) -> Result<Composed, Error> {
    let (s, state, ctx, filter) = (sc.snap, sc.state, &sc.ctx, &sc.filter);
    let (csv, what, header) = match state.view {
        ViewKind::List(kind) => {
            let v = list::build(s, ctx, kind, filter, state.sort);
            (v.csv(), format!("{} lead{}", v.total, crate::kit::compose::plural(v.total)), v.header)
        }
        ViewKind::Calendar => {
            let period = match (state.from, state.to, state.period) {
                (Some(f), Some(t), _) => Period::range(f, t),
                (Some(f), None, _) => Period::range(f, f + chrono::Duration::days(6)),
                (None, Some(t), _) => Period::range(t - chrono::Duration::days(6), t),
                (_, _, Some((kind, d))) => Period::around(kind, d),
                _ => Period::week(ctx.today()),
            };
            let v = calendar::build(s, ctx, period, filter);
            (
                v.csv(),
                format!("{} appointment{} ({})", v.total, crate::kit::compose::plural(v.total), period.describe()),
                v.header,
            )
        }
        ViewKind::Pipeline => {
            let v = pipeline::build(s, ctx, filter);
            (v.csv(), "the pipeline".to_string(), v.header)
        }
        ViewKind::Locators => {
            let v = locators::build(s, ctx, filter);
            (v.csv(), format!("{} locator{}", v.rows.len(), crate::kit::compose::plural(v.rows.len())), v.header)
        }
        ViewKind::Lead => return Err("a lead's story has no CSV export: export the list it is in".into()),
    };
    if csv.len() >= limits::ATTACHMENT_BYTES {
        return Err(
            format!("this export is {} MB, over Discord's limit: narrow it with filters", csv.len() >> 20).into()
        );
    }
    let name = format!("{}-{}.csv", state.view.name(), ctx.today());
    let lines = vec![format!("**{name}** — {what}, as you may see them. Only you see this file.")];
    Ok(Composed {
        embeds: vec![embed("⬇ Export", BLUE, &lines, ctx, &header, None)],
        files: vec![CreateAttachment::bytes(csv.into_bytes(), name)],
        components: vec![],
    })
}
