//! Threshold alerts on KPIs (`[[alerts.threshold]]`): posted once when a value crosses its line
//! and once when it recovers — never again while it stays on one side.

use serde::Serialize;

/// What a threshold watches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Stale leads, across the team.
    Stale,
    /// At-risk leads, across the team.
    AtRisk,
    /// Leads stuck in a green stage, across the team.
    StuckGreen,
    /// Stale leads of one locator (each locator crosses on their own).
    LocatorStale,
    /// This month's appointments (local month to date) whose lead reached a green stage after
    /// the appointment, in percent of those appointments.
    GreenConversionMonth,
}

impl Metric {
    pub const ALL: [Metric; 5] =
        [Metric::Stale, Metric::AtRisk, Metric::StuckGreen, Metric::LocatorStale, Metric::GreenConversionMonth];

    pub const fn as_str(self) -> &'static str {
        match self {
            Metric::Stale => "stale",
            Metric::AtRisk => "at_risk",
            Metric::StuckGreen => "stuck_green",
            Metric::LocatorStale => "locator_stale",
            Metric::GreenConversionMonth => "green_conversion_month",
        }
    }

    /// In a sentence: "stale leads", "Bo's stale leads".
    pub const fn label(self) -> &'static str {
        match self {
            Metric::Stale => "stale leads",
            Metric::AtRisk => "at-risk leads",
            Metric::StuckGreen => "leads stuck in green",
            Metric::LocatorStale => "stale leads",
            Metric::GreenConversionMonth => "conversion to green this month",
        }
    }

    pub const fn per_locator(self) -> bool {
        matches!(self, Metric::LocatorStale)
    }

    pub const fn is_percent(self) -> bool {
        matches!(self, Metric::GreenConversionMonth)
    }

    pub fn parse(s: &str) -> Option<Metric> {
        let norm = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Metric::ALL.into_iter().find(|m| m.as_str() == norm)
    }
}

/// Which side of the line is bad.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdOp {
    /// Crossed when the value is above the line.
    Above(f64),
    /// Crossed when the value is below the line.
    Below(f64),
}

/// One `[[alerts.threshold]]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Threshold {
    pub metric: Metric,
    pub op: ThresholdOp,
}

/// A change of side, to post.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ThresholdEvent {
    /// The state's key (`stale>20`, `locator_stale>5:Bo Diaz`).
    pub key: String,
    pub crossed: bool,
    pub value: f64,
    /// In words: "Stale leads are 23, above 20", "Bo Diaz's stale leads are back to 4 (line 5)".
    pub text: String,
}

impl Threshold {
    /// The stored state's key: the rule, and the locator for a per-locator rule.
    pub fn key(&self, locator: Option<&str>) -> String {
        let rule = match self.op {
            ThresholdOp::Above(v) => format!("{}>{}", self.metric.as_str(), v),
            ThresholdOp::Below(v) => format!("{}<{}", self.metric.as_str(), v),
        };
        match locator {
            Some(l) => format!("{rule}:{l}"),
            None => rule,
        }
    }

    pub fn crossed(&self, value: f64) -> bool {
        match self.op {
            ThresholdOp::Above(line) => value > line,
            ThresholdOp::Below(line) => value < line,
        }
    }

    /// The events for this rule's current `values` (one per locator for a per-locator rule, one
    /// with `None` otherwise), given each key's last recorded side (`None`: never evaluated).
    /// A value first seen on the good side is recorded quietly; one first seen on the bad side
    /// is news.
    pub fn evaluate(
        &self,
        values: &[(Option<String>, f64)],
        last: impl Fn(&str) -> Option<bool>,
    ) -> Vec<(ThresholdEvent, bool)> {
        values
            .iter()
            .map(|(locator, value)| {
                let key = self.key(locator.as_deref());
                let now = self.crossed(*value);
                // `post`: the side changed, or a first look finds it already crossed.
                let post = match last(&key) {
                    Some(before) => before != now,
                    None => now,
                };
                let text = self.describe(locator.as_deref(), *value, now);
                (ThresholdEvent { key, crossed: now, value: *value, text }, post)
            })
            .collect()
    }

    fn describe(&self, locator: Option<&str>, value: f64, crossed: bool) -> String {
        let show = |v: f64| {
            if self.metric.is_percent() {
                format!("{v:.1}%")
            } else {
                format!("{v:.0}")
            }
        };
        let whose = match locator {
            Some(l) => format!("{l}'s {}", self.metric.label()),
            None => {
                let mut s = self.metric.label().to_string();
                s[..1].make_ascii_uppercase();
                s
            }
        };
        let (side, line) = match self.op {
            ThresholdOp::Above(l) => ("above", l),
            ThresholdOp::Below(l) => ("below", l),
        };
        if crossed {
            format!("{whose}: {} — {side} the line of {}", show(value), show(line))
        } else {
            format!("{whose}: back to {} (line {})", show(value), show(line))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posted_once_when_crossed_and_once_when_recovered() {
        let t = Threshold { metric: Metric::Stale, op: ThresholdOp::Above(20.0) };
        let one = |v: f64, last: Option<bool>| t.evaluate(&[(None, v)], |_| last).remove(0);
        assert!(!one(20.0, None).1, "at the line is not above it; first look, fine: quiet");
        let (e, post) = one(21.0, None);
        assert!(post && e.crossed);
        assert_eq!(e.text, "Stale leads: 21 — above the line of 20");
        assert!(!one(25.0, Some(true)).1, "still crossed: quiet");
        let (e, post) = one(18.0, Some(true));
        assert!(post && !e.crossed);
        assert_eq!(e.text, "Stale leads: back to 18 (line 20)");
        assert!(!one(3.0, Some(false)).1);
    }

    #[test]
    fn per_locator_and_percent_rules() {
        let t = Threshold { metric: Metric::LocatorStale, op: ThresholdOp::Above(5.0) };
        let got = t.evaluate(&[(Some("Bo Diaz".into()), 6.0), (Some("Ann".into()), 2.0)], |_| None);
        assert_eq!(got[0].0.key, "locator_stale>5:Bo Diaz");
        assert_eq!(got[0].0.text, "Bo Diaz's stale leads: 6 — above the line of 5");
        assert!(got[0].1 && !got[1].1);
        let c = Threshold { metric: Metric::GreenConversionMonth, op: ThresholdOp::Below(25.0) };
        let (e, post) = c.evaluate(&[(None, 12.5)], |_| Some(false)).remove(0);
        assert!(post);
        assert_eq!(e.text, "Conversion to green this month: 12.5% — below the line of 25.0%");
        assert_eq!(Metric::parse("green-conversion-month"), Some(Metric::GreenConversionMonth));
    }
}
