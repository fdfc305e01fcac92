//! What people type, parsed into values the views can trust — or an error that says what was
//! wrong and what would have worked. Shared by the CLI and the Discord commands.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::state::ViewKind;
use super::{Filter, SortKey, NO_LOCATOR};
use crate::rules::Status;

/// Bad input: the message is for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

/// The view named by `panopticon report <VIEW>`.
pub fn parse_view(s: &str) -> Result<ViewKind, InputError> {
    const NAMES: &[&str] = &["stale", "at-risk", "leads", "calendar", "pipeline", "locators", "lead"];
    Ok(match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
        "stale" => ViewKind::Stale,
        "at-risk" | "atrisk" => ViewKind::AtRisk,
        "leads" => ViewKind::Leads,
        "calendar" => ViewKind::Calendar,
        "pipeline" => ViewKind::Pipeline,
        "locators" => ViewKind::Locators,
        "lead" => ViewKind::Lead,
        _ => {
            let known: Vec<String> = NAMES.iter().map(|s| s.to_string()).collect();
            return Err(InputError(format!(
                "unknown view '{s}'{}. Views: {}",
                did_you_mean(s, &known),
                NAMES.join(", ")
            )));
        }
    })
}

/// Levenshtein distance over lowercase chars.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
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

fn did_you_mean(given: &str, known: &[String]) -> String {
    let c = closest(given, known);
    if c.is_empty() {
        String::new()
    } else {
        format!(" — did you mean {}?", c.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(" or "))
    }
}

/// Matches `given` against `known` case-insensitively; `what` names the kind ("stage").
pub fn resolve(what: &str, given: &str, known: &[String]) -> Result<String, InputError> {
    let g = given.trim();
    if let Some(k) = known.iter().find(|k| k.eq_ignore_ascii_case(g)) {
        return Ok(k.clone());
    }
    let list = if known.len() <= 12 { format!(" Known: {}.", known.join(", ")) } else { String::new() };
    Err(InputError(format!("unknown {what} '{g}'{}.{list}", did_you_mean(g, known))))
}

/// `--as-of`: RFC 3339 (`2026-11-16T08:00:00-05:00`), a local time (`2026-11-16T08:00`), a
/// date (`2026-11-16`: the end of that day, so the whole day has happened), or `now`.
pub fn parse_as_of(s: &str, tz: Tz, now: DateTime<Utc>) -> Result<DateTime<Utc>, InputError> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("now") {
        return Ok(now);
    }
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
        "--as-of '{t}' is not a time: use 2026-11-16, 2026-11-16T08:00 (in {}) or 2026-11-16T08:00:00-05:00",
        tz.name()
    )))
}

pub fn parse_date(flag: &str, s: &str) -> Result<NaiveDate, InputError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| InputError(format!("{flag} '{}' is not a date like 2026-11-16", s.trim())))
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
                    InputError(format!(
                        "unknown status '{s}'{}. Statuses: {}",
                        did_you_mean(s, &names),
                        names.join(", ")
                    ))
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

pub fn parse_sort(s: &str) -> Result<SortKey, InputError> {
    SortKey::parse(s).ok_or_else(|| {
        let names: Vec<String> = SortKey::NAMES.iter().map(|s| s.to_string()).collect();
        InputError(format!("unknown sort '{s}'{}. Sorts: {}", did_you_mean(s, &names), names.join(", ")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Vec<String> {
        ["Appt Set", "Follow Up", "Proposal", "Green - Approved", "Dead"].iter().map(|s| s.to_string()).collect()
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
}
