//! An engine value as a Discord choice: `Choice<Status>`, `Choice<SortKey>`,
//! `Choice<PeriodKind>`. The options carry the engine's own values, so no command keeps a
//! mirror enum to map back; Discord registers choices by position, so `all` keeps its order.

use std::borrow::Cow;

use panopticon::rules::Status;
use panopticon::views::calendar::PeriodKind;
use panopticon::views::SortKey;

/// A value offered as a choice, with the words Discord shows for it.
pub trait Choosable: Copy + PartialEq + Send + Sync + 'static {
    /// Every value offered, in the order Discord lists them (and numbers them).
    fn all() -> Vec<Self>;
    fn label(self) -> &'static str;
}

/// A slash option whose value is `T`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Choice<T>(pub T);

impl<T: Choosable> poise::ChoiceParameter for Choice<T> {
    fn list() -> Cow<'static, [poise::CommandParameterChoice]> {
        let choice = |t: T| poise::CommandParameterChoice {
            __non_exhaustive: (),
            name: Cow::Borrowed(t.label()),
            localizations: Cow::Borrowed(&[]),
        };
        Cow::Owned(T::all().into_iter().map(choice).collect())
    }

    fn from_index(index: usize) -> Option<Self> {
        T::all().get(index).copied().map(Choice)
    }

    fn from_name(name: &str) -> Option<Self> {
        T::all().into_iter().find(|t| t.label() == name).map(Choice)
    }

    fn name(&self) -> &'static str {
        self.0.label()
    }

    fn localized_name(&self, _locale: &str) -> Option<&'static str> {
        None
    }
}

/// Statuses by their word: "stale", "at risk"…
impl Choosable for Status {
    fn all() -> Vec<Status> {
        Status::ALL.to_vec()
    }
    fn label(self) -> &'static str {
        self.word()
    }
}

/// The named periods: "today", "this week", "this month".
impl Choosable for PeriodKind {
    fn all() -> Vec<PeriodKind> {
        PeriodKind::NAMED.to_vec()
    }
    fn label(self) -> &'static str {
        PeriodKind::label(self).unwrap_or("a range")
    }
}

/// /leads' orders, worded as what comes first. Most urgent first is the default, so it is not
/// offered.
impl Choosable for SortKey {
    fn all() -> Vec<SortKey> {
        vec![
            SortKey::DaysSince,
            SortKey::Appointment,
            SortKey::Stage,
            SortKey::Locator,
            SortKey::Name,
            SortKey::DaysInStage,
        ]
    }
    fn label(self) -> &'static str {
        match self {
            SortKey::Staleness => "most urgent first",
            SortKey::DaysSince => "most overdue first",
            SortKey::Appointment => "latest appointment first",
            SortKey::Stage => "stage",
            SortKey::Locator => "locator",
            SortKey::Name => "name",
            SortKey::DaysInStage => "longest in stage first",
        }
    }
}

#[cfg(test)]
mod tests {
    use poise::ChoiceParameter;

    use super::*;

    fn labels<T: Choosable>() -> Vec<String> {
        Choice::<T>::list().iter().map(|c| c.name.to_string()).collect()
    }

    #[test]
    fn choices_are_offered_in_their_order_with_their_words() {
        assert_eq!(labels::<Status>(), ["stale", "at risk", "awaiting", "progressed", "upcoming", "closed"]);
        assert_eq!(labels::<PeriodKind>(), ["today", "this week", "this month"]);
        assert_eq!(
            labels::<SortKey>(),
            ["most overdue first", "latest appointment first", "stage", "locator", "name", "longest in stage first"]
        );
        // Discord answers with the position.
        assert_eq!(Choice::<Status>::from_index(1), Some(Choice(Status::AtRisk)));
        assert_eq!(Choice::<PeriodKind>::from_index(2), Some(Choice(PeriodKind::Month)));
        assert_eq!(Choice::<SortKey>::from_index(6), None);
        assert_eq!(Choice::<SortKey>::from_name("name"), Some(Choice(SortKey::Name)));
    }
}
