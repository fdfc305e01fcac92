//! What a view needs of the store (`Need`): a process that shows one view reads only the
//! appointed leads that can be in its answer, not every one (`Snapshot::load_for`).
//!
//! The bounds are conservative: a lead is left out only when the rules cannot give it a wanted
//! status at `as_of`, whatever its history and however its appointments sit in time zones.
//! Every view then filters exactly as before, so a narrow load and a full one show the same
//! (tests/view_load.rs compares them).

use chrono::{DateTime, Duration, NaiveDate, SubsecRound, Utc};

use super::calendar::Period;
use super::filter::Filter;
use super::state::ListKind;
use super::Context;
use crate::config::RulesConfig;
use crate::rules::Status;
use crate::store::LeadScope;
use crate::time::{utc_text, Stamp};

/// Which appointed leads a view reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Need {
    /// Every appointed lead, and the stage counts over all leads. What the pipeline and the
    /// locators views compute from (every appointed lead's verdict, history and stage, and
    /// counts over the whole org), what the full `leads` list and a list of upcoming or closed
    /// leads show, and what the bot caches once per sync to serve every view and click.
    All,
    /// No lead, only the sync record for the header: `lead` reads its own rows.
    Header,
    /// The leads that can be stale, at risk, awaiting or (with `progressed`) progressed at
    /// `as_of`, with at least `min_days` days since their appointment.
    Quiet { as_of: DateTime<Utc>, min_days: u32, progressed: bool },
    /// The leads with an appointment dated from `from` to `to` in the business zone.
    Dated { from: NaiveDate, to: NaiveDate },
}

/// How far an all-day appointment's stored start can be from its instant for the rules (the
/// start of its own date in the business zone): offsets are under a day each, so under two
/// apart. In seconds, for the store's query.
const ALL_DAY_DRIFT_SECS: i64 = 2 * 86_400;

impl Need {
    /// A list's need: its own status (`stale`, `at-risk`) or the statuses the filter asks for.
    pub fn list(kind: ListKind, filter: &Filter, ctx: &Context) -> Need {
        let wanted = match kind.status() {
            Some(s) => vec![s],
            None => filter.statuses.clone(),
        };
        Need::statuses(&wanted, ctx)
    }

    /// The leads that can have one of `wanted` at `ctx.as_of` (every appointed lead when
    /// `wanted` is empty, or names upcoming or closed: those need future appointments and
    /// closed leads, which is most of them).
    pub fn statuses(wanted: &[Status], ctx: &Context) -> Need {
        let r = ctx.rules;
        let thresholds = || std::iter::once(&r.default).chain(r.per_stage.values());
        let mut min_days = u32::MAX;
        for s in wanted {
            let days = match s {
                Status::Upcoming | Status::Closed => return Need::All,
                Status::Stale => thresholds().map(|t| t.stale_days).min().unwrap_or(0),
                Status::AtRisk => thresholds().map(|t| t.at_risk_days).min().unwrap_or(0),
                Status::Awaiting | Status::Progressed => 0,
            };
            min_days = min_days.min(days);
        }
        if wanted.is_empty() {
            return Need::All;
        }
        Need::Quiet { as_of: ctx.as_of, min_days, progressed: wanted.contains(&Status::Progressed) }
    }

    /// The calendar's need: the leads with an appointment in its period.
    pub fn calendar(period: &Period) -> Need {
        Need::Dated { from: period.from, to: period.to }
    }

    /// For a list, the time from whose last stage change on a lead's history is read: the rules
    /// at as_of look only at the last change at or before it (days in stage, progress since
    /// the appointment) and at those after it (the stage then). `None`: the whole history.
    pub(super) fn history_from(&self) -> Option<String> {
        match *self {
            Need::Quiet { as_of, .. } => Some(utc_text(as_of.trunc_subsecs(0))),
            Need::All | Need::Header | Need::Dated { .. } => None,
        }
    }

    /// The store's bounds for a narrow need (`None` for `All` and `Header`).
    pub(super) fn scope(&self, rules: &RulesConfig) -> Option<LeadScope> {
        let tz = rules.timezone;
        let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc();
        match *self {
            Need::All | Need::Header => None,
            Need::Quiet { as_of, min_days, progressed } => {
                // Stored times are whole seconds, so comparing with as_of's whole second is exact.
                let as_of = as_of.trunc_subsecs(0);
                let today = as_of.with_timezone(&tz).date_naive();
                // A lead is too recent when an appointment is dated on or after this day: the
                // rules count its days from its latest appointment up to as_of (never more
                // business days than calendar days), and one later than as_of makes it upcoming.
                let recent = today - Duration::days(i64::from(min_days)) + Duration::days(1);
                // A timed appointment is dated by its instant in the business zone, and one after
                // as_of rules the lead out too.
                let timed_from = Stamp::start_of_day(recent, tz).utc().min(as_of + Duration::seconds(1));
                // An all-day one by its wall date in the offset it came with: whatever its time of
                // day and offset (under a day each), a start dated before `recent` is before this.
                let all_day_from = midnight(recent) + Duration::days(1);
                Some(LeadScope::Quiet {
                    timed_from: utc_text(timed_from),
                    all_day_from: utc_text(all_day_from),
                    as_of: utc_text(as_of),
                    closed_stages: rules.closed_stages.clone(),
                    // A stage change after every appointment (and before as_of) is progress.
                    drop_progressed: !progressed,
                    progressed_margin_secs: ALL_DAY_DRIFT_SECS,
                })
            }
            Need::Dated { from, to } => Some(LeadScope::Starting {
                // Either kind of appointment dated in the period starts at most a day before its
                // first day's midnight and two after its last's (time of day and offset).
                from: utc_text(midnight(from) - Duration::days(1)),
                until: utc_text(midnight(to) + Duration::days(2)),
            }),
        }
    }
}
