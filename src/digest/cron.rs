//! A subscription's schedule: a 5-field cron expression or a friendly preset ("weekdays 08:00"),
//! read in the business time zone, and when its next sends are — correct across DST changes
//! and with a catch-up window for a send missed while the bot was down.
//!
//! The cron arithmetic is `croner`'s (it walks wall-clock time in a chrono-tz zone: a time
//! skipped by spring-forward runs at the first instant after the gap, a fixed time repeated by
//! fall-back runs once, at its first occurrence). Running and claiming stay ours: the bot's
//! loop asks `due` and claims each slot in SQLite, so a send goes out once across restarts.
//! Time is always passed in, never read here.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use chrono_tz::Tz;
use croner::parser::{CronParser, Seconds, Year};
use croner::Cron;

/// A missed slot is still sent this long after it; later, it is skipped (like the digest's
/// cut-off), and the next slot is waited for.
pub const CATCH_UP: Duration = Duration::hours(3);

/// The presets offered as choices, each with the cron expression it stands for (`{h}`/`{m}`
/// replaced by its time).
const DAYS: [(&str, &str); 9] = [
    ("daily", "*"),
    ("weekdays", "1-5"),
    ("mondays", "1"),
    ("tuesdays", "2"),
    ("wednesdays", "3"),
    ("thursdays", "4"),
    ("fridays", "5"),
    ("saturdays", "6"),
    ("sundays", "0"),
];

/// An example that always parses, shown with every error.
pub const EXAMPLE: &str = "\"weekdays 08:00\", \"mondays 09:00\" or the cron expression \"0 8 * * 1-5\"";

/// A schedule that parsed: once held, it has a next time.
#[derive(Clone, Debug)]
pub struct CronSchedule {
    /// As the person wrote it (trimmed): kept in the store and shown back.
    text: String,
    /// The 5-field expression it stands for.
    expr: String,
    cron: Cron,
    tz: Tz,
}

/// Why a schedule was not understood, in words, with an example that works.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduleError(pub String);

impl std::fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} Try {EXAMPLE}.", self.0)
    }
}

impl std::error::Error for ScheduleError {}

/// `"weekdays 08:00"` → `"0 8 * * 1-5"`; `None` when `text` is not a preset.
fn preset(text: &str) -> Option<Result<String, ScheduleError>> {
    let lower = text.to_lowercase();
    let (day, time) = lower.split_once(char::is_whitespace)?;
    let dow = DAYS.iter().find(|(name, _)| *name == day)?.1;
    let t = match NaiveTime::parse_from_str(time.trim(), "%H:%M") {
        Ok(t) => t,
        Err(_) => {
            return Some(Err(ScheduleError(format!(
                "\"{}\" is not a time of day: write it as HH:MM, from 00:00 to 23:59.",
                time.trim()
            ))))
        }
    };
    use chrono::Timelike;
    Some(Ok(format!("{} {} * * {dow}", t.minute(), t.hour())))
}

impl CronSchedule {
    /// Reads `text` (a preset or 5 cron fields: minute hour day-of-month month day-of-week) in
    /// `tz`.
    pub fn parse(text: &str, tz: Tz) -> Result<CronSchedule, ScheduleError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ScheduleError("The schedule is empty.".into()));
        }
        let expr = match preset(text) {
            Some(r) => r?,
            None => text.to_string(),
        };
        let fields = expr.split_whitespace().count();
        if fields != 5 {
            return Err(ScheduleError(format!(
                "\"{text}\" has {fields} field{}; a cron schedule has 5: minute hour day-of-month month day-of-week \
                 (a preset is a day word and a time: daily, weekdays, mondays … sundays).",
                if fields == 1 { "" } else { "s" }
            )));
        }
        // Five fields exactly (no seconds, no year), as crontab reads them.
        let parser = CronParser::builder().seconds(Seconds::Disallowed).year(Year::Disallowed).build();
        let cron = parser.parse(&expr).map_err(|e| ScheduleError(format!("\"{text}\" is not a schedule: {e}.")))?;
        let s = CronSchedule { text: text.to_string(), expr, cron, tz };
        // A pattern that never matches (30 February) is refused now, not found out at send time
        // (searched from a fixed instant: the clock is not read here).
        let start = DateTime::from_timestamp(1_767_225_600, 0).unwrap_or_default(); // 2026-01-01
        if s.next_after(start).is_none() {
            return Err(ScheduleError(format!("\"{text}\" never happens.")));
        }
        Ok(s)
    }

    /// As written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The cron expression it stands for.
    pub fn expr(&self) -> &str {
        &self.expr
    }

    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// The first slot strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron.find_next_occurrence(&after.with_timezone(&self.tz), false).ok().map(|t| t.with_timezone(&Utc))
    }

    /// The next `n` slots after `after`.
    pub fn upcoming(&self, after: DateTime<Utc>, n: usize) -> Vec<DateTime<Utc>> {
        std::iter::successors(self.next_after(after), |t| self.next_after(*t)).take(n).collect()
    }

    /// The slot to send at `now`, if any: the latest slot at or before `now` that is after both
    /// the subscription's creation and the last slot sent (or skipped), and no older than
    /// `CATCH_UP`. Slots missed before that are skipped, and only one slot is ever due at
    /// once — a bot down for a week sends one message, not seven.
    pub fn due(
        &self,
        created_at: DateTime<Utc>,
        last_slot: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let floor =
            [Some(created_at), last_slot, Some(now - CATCH_UP - Duration::seconds(1))].into_iter().flatten().max()?;
        // Forward from the floor only (croner's forward walk is the one that runs a repeated
        // fall-back time once); at most CATCH_UP's worth of slots.
        let mut slot = None;
        let mut t = floor;
        while let Some(next) = self.next_after(t).filter(|n| *n <= now) {
            slot = Some(next);
            t = next;
        }
        slot
    }
}

/// The preset names, for the slash command's choices.
pub fn preset_days() -> impl Iterator<Item = &'static str> {
    DAYS.iter().map(|(name, _)| *name)
}

#[cfg(test)]
mod tests;
