//! The engine's named values as clap values: `--status`, `--sort`, `--period` take the names
//! from the engine's own tables (`Status`, `SortKey`, `PeriodKind`) and parse with the engine's
//! own parser, so there is no second list of names here. Help, completions and clap's "invalid
//! value" error (with the valid ones and a similar one) all come from those names; other
//! spellings the engine accepts (`at-risk`, `DAYS_SINCE`) keep working.

use std::ffi::OsStr;
use std::marker::PhantomData;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use panopticon::rules::Status;
use panopticon::views::calendar::PeriodKind;
use panopticon::views::SortKey;

/// A value with names in the engine.
pub trait Named: Clone + Send + Sync + 'static {
    /// Every name, as help and errors list them.
    fn names() -> Vec<&'static str>;
    /// What a person typed, as the engine reads it (other spellings and any case included).
    fn parse(s: &str) -> Option<Self>;
}

impl Named for Status {
    fn names() -> Vec<&'static str> {
        Status::ALL.iter().map(|s| s.as_str()).collect()
    }
    fn parse(s: &str) -> Option<Status> {
        Status::parse(s)
    }
}

impl Named for SortKey {
    fn names() -> Vec<&'static str> {
        SortKey::NAMES.to_vec()
    }
    fn parse(s: &str) -> Option<SortKey> {
        SortKey::parse(s)
    }
}

impl Named for PeriodKind {
    fn names() -> Vec<&'static str> {
        PeriodKind::NAMED.iter().filter_map(|k| k.name()).collect()
    }
    fn parse(s: &str) -> Option<PeriodKind> {
        PeriodKind::parse(s)
    }
}

/// The value parser for a `Named` value: `#[arg(value_parser = values::of::<Status>())]`.
pub fn of<T: Named>() -> Engine<T> {
    Engine(PhantomData)
}

#[derive(Clone)]
pub struct Engine<T>(PhantomData<T>);

impl<T: Named> TypedValueParser for Engine<T> {
    type Value = T;

    fn parse_ref(&self, cmd: &clap::Command, arg: Option<&clap::Arg>, value: &OsStr) -> Result<T, clap::Error> {
        if let Some(v) = value.to_str().and_then(T::parse) {
            return Ok(v);
        }
        // Not a name: clap's own error, naming the valid ones and the closest.
        let names = PossibleValuesParser::new(T::names());
        match names.parse_ref(cmd, arg, value) {
            Err(e) => Err(e),
            // A listed name the engine refused would be a bug in its table; say so plainly.
            Ok(name) => Err(clap::Error::raw(
                clap::error::ErrorKind::InvalidValue,
                format!("'{name}' is listed but not understood\n"),
            )
            .with_cmd(cmd)),
        }
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(T::names().into_iter().map(PossibleValue::new)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse<T: Named>(s: &str) -> Result<T, String> {
        let mut cmd = clap::Command::new("report").arg(clap::Arg::new("v").long("v").value_name("V"));
        cmd.build();
        let parsed = of::<T>().parse_ref(&cmd, cmd.get_arguments().next(), OsStr::new(s));
        parsed.map_err(|e| e.to_string())
    }

    #[test]
    fn names_come_from_the_engine_and_its_spellings_still_work() {
        assert_eq!(parse::<Status>("at_risk"), Ok(Status::AtRisk));
        assert_eq!(parse::<Status>("At-Risk"), Ok(Status::AtRisk));
        assert_eq!(parse::<SortKey>("DAYS_SINCE"), Ok(SortKey::DaysSince));
        assert_eq!(parse::<PeriodKind>("today"), Ok(PeriodKind::Day));
        assert_eq!(
            <PeriodKind as Named>::names(),
            ["today", "week", "month"],
            "--period offers the named periods, not a range"
        );
    }

    #[test]
    fn a_wrong_value_is_clap_error_with_the_valid_ones_and_the_closest() {
        let e = parse::<Status>("stail").unwrap_err();
        assert!(e.contains("invalid value 'stail' for '--v <V>'"), "{e}");
        assert!(e.contains("[possible values: stale, at_risk, awaiting, progressed, upcoming, closed]"), "{e}");
        assert!(e.contains("a similar value exists: 'stale'"), "{e}");
        let e = parse::<SortKey>("dayz").unwrap_err();
        assert!(
            e.contains("[possible values: staleness, days-since, appointment, stage, locator, name, days-in-stage]"),
            "{e}"
        );
    }
}
