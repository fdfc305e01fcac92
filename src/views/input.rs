//! What people type, parsed into values the views can trust — or an error that says what was
//! wrong and what would have worked. Shared by the CLI and the Discord commands.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::state::ViewKind;
use super::text::ellipsize;
use super::{Filter, NO_LOCATOR};
use crate::rules::Status;

/// Bad input: the message is for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

/// A view named in free text: its name or an alias in any case, or an error naming the closest.
pub fn parse_view(s: &str) -> Result<ViewKind, InputError> {
    ViewKind::parse(s).ok_or_else(|| {
        let known: Vec<String> = ViewKind::ALL.iter().map(|v| v.name().to_string()).collect();
        unknown("view", "views", s, &known)
    })
}

/// Levenshtein distance over lowercase chars (strsim counts chars, not bytes, so "Lucía" is
/// one edit from "Lucia").
fn distance(a: &str, b: &str) -> usize {
    strsim::levenshtein(&a.to_lowercase(), &b.to_lowercase())
}

/// The closest known values: near in spelling, or containing what was typed.
pub fn closest<'a>(given: &str, known: &'a [String]) -> Vec<&'a str> {
    let g = given.trim().to_lowercase();
    let mut scored: Vec<(usize, &str)> = known
        .iter()
        .filter_map(|k| {
            let d = distance(&g, k);
            let contains = !g.is_empty() && k.to_lowercase().contains(&g);
            let limit = (k.chars().count().max(g.chars().count()) / 3).max(2);
            (contains || d <= limit).then_some((if contains { 0 } else { d }, k.as_str()))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, k)| k).collect()
}

/// How much of what someone typed an error repeats, in display columns.
const ECHO: usize = 60;
/// How many known values an error lists before "and N more".
const LISTED: usize = 10;

/// "unknown stage 'Folow Up' — did you mean 'Follow Up'? Known stages: Appt Set, Dead, …
/// and 14 more." One sentence per thought, at most `LISTED` names, each cut to 40 columns.
fn unknown(what: &str, plural: &str, given: &str, known: &[String]) -> InputError {
    let g = given.trim();
    let mut msg = format!("unknown {what} '{}'", ellipsize(g, ECHO));
    let near = closest(g, known);
    if near.is_empty() {
        msg.push('.');
    } else {
        let near: Vec<String> = near.iter().map(|s| format!("'{}'", ellipsize(s, 40))).collect();
        msg.push_str(&format!(" — did you mean {}?", near.join(" or ")));
    }
    if !known.is_empty() {
        let shown: Vec<String> = known.iter().take(LISTED).map(|k| ellipsize(k, 40)).collect();
        let more = known.len().saturating_sub(LISTED);
        let tail = if more > 0 { format!(" and {more} more") } else { String::new() };
        let label = plural[..1].to_uppercase() + &plural[1..];
        msg.push_str(&format!(" {label}: {}{tail}.", shown.join(", ")));
    }
    InputError(msg)
}

/// Matches `given` against `known` case-insensitively; `what` names the kind ("stage").
pub fn resolve(what: &str, given: &str, known: &[String]) -> Result<String, InputError> {
    let g = given.trim();
    if let Some(k) = known.iter().find(|k| k.eq_ignore_ascii_case(g)) {
        return Ok(k.clone());
    }
    Err(unknown(what, &format!("known {what}s"), g, known))
}

/// The longest `report lead` / `/lead` query: a Zoho id is 19 digits, a name or company a few
/// dozen characters. Anything longer is not a search (SQLite refuses huge LIKE patterns).
pub const MAX_QUERY_CHARS: usize = 200;

/// A lead query as typed: an id, or part of a name or company; trimmed, not empty, bounded.
pub fn lead_query(q: &str) -> Result<&str, InputError> {
    let q = q.trim();
    if q.is_empty() {
        return Err(InputError("give a lead's id, or part of its name or company".into()));
    }
    let n = q.chars().count();
    if n > MAX_QUERY_CHARS {
        return Err(InputError(format!(
            "a lead query is at most {MAX_QUERY_CHARS} characters (this one has {n}): give the lead's id, \
             or a part of its name or company"
        )));
    }
    Ok(q)
}

/// The longest calendar range: a year (a leap year's worth). Longer ranges are not a page anyone
/// reads, and a range of millennia would print hundreds of megabytes.
pub const MAX_CALENDAR_DAYS: i64 = 366;

/// The first and last day of a calendar asked for by `--from`/`--to`; one alone means the
/// week from (or until) it. At most `MAX_CALENDAR_DAYS` days.
pub fn calendar_dates(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    (from_name, to_name): (&str, &str),
) -> Result<Option<(NaiveDate, NaiveDate)>, InputError> {
    let week = chrono::Duration::days(6);
    let (f, t) = match (from, to) {
        (None, None) => return Ok(None),
        (Some(f), Some(t)) => (f, t),
        (Some(f), None) => (f, f.checked_add_signed(week).unwrap_or(f)),
        (None, Some(t)) => (t.checked_sub_signed(week).unwrap_or(t), t),
    };
    let days = (t - f).num_days() + 1;
    if days > MAX_CALENDAR_DAYS {
        let last = f + chrono::Duration::days(MAX_CALENDAR_DAYS - 1);
        return Err(InputError(format!(
            "a calendar shows at most {MAX_CALENDAR_DAYS} days, and {from_name} {f} {to_name} {t} is {days}: \
             try {from_name} {f} {to_name} {last}, or --period month"
        )));
    }
    Ok(Some((f, t)))
}

/// The years `--as-of` may name: CRM data starts after 1970, and no one asks about 2200.
pub const AS_OF_YEARS: std::ops::RangeInclusive<i32> = 1970..=2199;

/// `--as-of`: RFC 3339 (`2026-11-16T08:00:00-05:00`), a local time (`2026-11-16T08:00`), a
/// date (`2026-11-16`: the end of that day, so the whole day has happened), or `now`.
pub fn parse_as_of(s: &str, tz: Tz, now: DateTime<Utc>) -> Result<DateTime<Utc>, InputError> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("now") {
        return Ok(now);
    }
    let at = parse_moment(t, tz)?;
    if !AS_OF_YEARS.contains(&at.year()) {
        return Err(InputError(format!(
            "--as-of {} is out of range: give a moment between {} and {}, e.g. 2026-11-16",
            ellipsize(t, ECHO),
            AS_OF_YEARS.start(),
            AS_OF_YEARS.end()
        )));
    }
    Ok(at)
}

fn parse_moment(t: &str, tz: Tz) -> Result<DateTime<Utc>, InputError> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.with_timezone(&Utc));
    }
    let local = |naive: NaiveDateTime| {
        tz.from_local_datetime(&naive)
            .earliest()
            .map(|d| d.with_timezone(&Utc))
            .ok_or_else(|| InputError(format!("{t} does not exist in {} (a DST gap)", tz.name())))
    };
    for fmt in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(t, fmt) {
            return local(n);
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return local(d.and_time(NaiveTime::from_hms_opt(23, 59, 59).expect("valid")));
    }
    Err(InputError(format!(
        "--as-of '{}' is not a time: use 2026-11-16, 2026-11-16T08:00 (in {}) or 2026-11-16T08:00:00-05:00",
        ellipsize(t, ECHO),
        tz.name()
    )))
}

/// A date as `YYYY-MM-DD`, with a four-digit year (chrono alone would take `+262143-12-31`,
/// where a week later does not exist).
pub fn parse_date(flag: &str, s: &str) -> Result<NaiveDate, InputError> {
    let t = s.trim();
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .filter(|d| (1..=9999).contains(&d.year()) && t.len() == 10)
        .ok_or_else(|| InputError(format!("{flag} '{}' is not a date like 2026-11-16", ellipsize(t, ECHO))))
}

/// Raw filter input, as typed.
#[derive(Clone, Debug, Default)]
pub struct FilterInput {
    pub stages: Vec<String>,
    pub locators: Vec<String>,
    pub statuses: Vec<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

impl FilterInput {
    /// Checks every value against what the data knows (messages name the CLI's flags).
    pub fn parse(&self, known_stages: &[String], known_locators: &[String]) -> Result<Filter, InputError> {
        self.parse_named(known_stages, known_locators, ("--from", "--to"))
    }

    /// The same, naming the date options as the person typed them (`from`/`to` in Discord).
    pub fn parse_named(
        &self,
        known_stages: &[String],
        known_locators: &[String],
        (from_name, to_name): (&str, &str),
    ) -> Result<Filter, InputError> {
        let stages = self.stages.iter().map(|s| resolve("stage", s, known_stages)).collect::<Result<Vec<_>, _>>()?;
        let mut locs = known_locators.to_vec();
        locs.push(NO_LOCATOR.to_string());
        let locators = self.locators.iter().map(|l| resolve("locator", l, &locs)).collect::<Result<Vec<_>, _>>()?;
        let statuses = self
            .statuses
            .iter()
            .map(|s| {
                Status::parse(s).ok_or_else(|| {
                    let names: Vec<String> = Status::ALL.iter().map(|s| s.as_str().to_string()).collect();
                    unknown("status", "statuses", s, &names)
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let from = self.from.as_deref().map(|d| parse_date(from_name, d)).transpose()?;
        let to = self.to.as_deref().map(|d| parse_date(to_name, d)).transpose()?;
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                return Err(InputError(format!("{from_name} {f} is after {to_name} {t}")));
            }
        }
        Ok(Filter { stages, locators, statuses, from, to })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Vec<String> {
        ["Appt Set", "Follow Up", "Proposal", "Green - Approved", "Dead"].iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn distance_counts_letters_not_bytes_and_ignores_case() {
        // "í" is two bytes: a byte count would call it two edits and miss names near the limit.
        assert_eq!(distance("Lucía", "lucia"), 1);
        assert_eq!(distance("STALE", "stael"), 2);
        assert_eq!(distance("", "lead"), 4);
    }

    #[test]
    fn unknown_values_get_the_closest_matches() {
        let e = resolve("stage", "Folow Up", &known()).unwrap_err().0;
        assert!(e.contains("did you mean 'Follow Up'"), "{e}");
        let e = resolve("stage", "green", &known()).unwrap_err().0;
        assert!(e.contains("'Green - Approved'"), "{e}");
        assert_eq!(resolve("stage", "appt set", &known()).unwrap(), "Appt Set");
        let e = parse_view("stael").unwrap_err().0;
        assert!(e.contains("did you mean 'stale'") && e.contains("at-risk"), "{e}");
    }

    #[test]
    fn as_of_forms() {
        let tz = chrono_tz::America::New_York;
        let now = Utc::now();
        assert_eq!(parse_as_of("now", tz, now).unwrap(), now);
        assert_eq!(parse_as_of("2026-11-16", tz, now).unwrap().to_rfc3339(), "2026-11-17T04:59:59+00:00");
        assert_eq!(parse_as_of("2026-07-16T08:00", tz, now).unwrap().to_rfc3339(), "2026-07-16T12:00:00+00:00");
        assert_eq!(
            parse_as_of("2026-07-16T08:00:00+01:00", tz, now).unwrap().to_rfc3339(),
            "2026-07-16T07:00:00+00:00"
        );
        assert!(parse_as_of("yesterday", tz, now).unwrap_err().0.contains("--as-of"));
        // 02:30 on the spring-forward morning does not exist in New York.
        assert!(parse_as_of("2026-03-08T02:30", tz, now).unwrap_err().0.contains("DST gap"));
    }

    #[test]
    fn filters_check_dates_and_order() {
        let f = FilterInput { from: Some("2026-11-20".into()), to: Some("2026-11-01".into()), ..Default::default() };
        assert!(f.parse(&known(), &[]).unwrap_err().0.contains("is after --to"));
        let f = FilterInput { from: Some("20/11/2026".into()), ..Default::default() };
        assert!(f.parse(&known(), &[]).unwrap_err().0.contains("--from '20/11/2026'"));
        let f = FilterInput { statuses: vec!["stail".into()], ..Default::default() };
        assert!(f.parse(&known(), &[]).unwrap_err().0.contains("did you mean 'stale'"));
        let f = FilterInput {
            statuses: vec!["at-risk".into()],
            locators: vec!["(no locator)".into()],
            ..Default::default()
        };
        let p = f.parse(&known(), &["Ann Lee".into()]).unwrap();
        assert_eq!(p.statuses, vec![Status::AtRisk]);
    }

    #[test]
    fn suggestions_read_as_plain_sentences_with_a_bounded_list() {
        let locators: Vec<String> =
            (0..40).map(|i| format!("Locator {i:02}")).chain(["Dana Whitfield".into()]).collect();
        let e = resolve("locator", "Dana Whitfeld", &locators).unwrap_err().0;
        assert!(
            e.starts_with("unknown locator 'Dana Whitfeld' — did you mean 'Dana Whitfield'? Known locators: "),
            "{e}"
        );
        assert!(!e.contains("?."), "{e}");
        assert!(e.ends_with("Locator 09 and 31 more."), "{e}");
        let e = resolve("stage", "zzz", &known()).unwrap_err().0;
        assert_eq!(e, "unknown stage 'zzz'. Known stages: Appt Set, Follow Up, Proposal, Green - Approved, Dead.");
        let e = parse_view("stael").unwrap_err().0;
        assert_eq!(e, "unknown view 'stael' — did you mean 'stale'? Views: stale, at-risk, leads, calendar, pipeline, locators, lead.");
        // What was typed is echoed, but not ten thousand characters of it.
        let e = resolve("stage", &"x".repeat(10_000), &known()).unwrap_err().0;
        assert!(e.len() < 300, "{}", e.len());
    }

    #[test]
    fn queries_and_ranges_are_bounded_with_what_would_work() {
        assert_eq!(lead_query("  Riverside Gym ").unwrap(), "Riverside Gym");
        let e = lead_query(&"a".repeat(10_000)).unwrap_err().0;
        assert!(e.contains("at most 200 characters (this one has 10000)"), "{e}");
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let e = calendar_dates(Some(d("0001-01-01")), Some(d("9999-12-31")), ("--from", "--to")).unwrap_err().0;
        assert!(e.contains("at most 366 days") && e.contains("try --from 0001-01-01 --to 0002-01-01"), "{e}");
        assert_eq!(
            calendar_dates(Some(d("2026-01-01")), Some(d("2026-12-31")), ("--from", "--to")).unwrap(),
            Some((d("2026-01-01"), d("2026-12-31")))
        );
        assert_eq!(
            calendar_dates(None, Some(d("2026-11-20")), ("--from", "--to")).unwrap(),
            Some((d("2026-11-14"), d("2026-11-20")))
        );
        // Years chrono accepts but no calendar can page through.
        assert!(parse_date("--from", "+262143-12-31").is_err());
        assert!(parse_date("--from", "99999-01-01").is_err());
        let tz = chrono_tz::America::New_York;
        let e = parse_as_of("9999-12-31", tz, Utc::now()).unwrap_err().0;
        assert!(e.contains("between 1970 and 2199"), "{e}");
        assert!(parse_as_of("0001-01-01T00:00:00Z", tz, Utc::now()).is_err());
    }
}
