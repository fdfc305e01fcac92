//! What a deal stage means: open, won or lost, its default probability and its order, from
//! the CRM's stage metadata (`SalesData::stage_meta`).
//!
//! A stage the metadata does not list (metadata not synced yet, or a stage renamed since) is
//! read from its name: a stage named "Closed Won" (or "Won") is won, one starting "Closed Lost"
//! (or "Lost") is lost, anything else open, with no default probability.

use std::collections::HashMap;

use super::super::{DealCategory, StageInfo};

/// The stage metadata, looked up by stage then pipeline; the org-wide mapping (`pipeline:
/// None`) answers for any pipeline that has no mapping of its own. Keyed by stage name alone so
/// a lookup borrows the names it is given (it runs once per deal per query).
#[derive(Clone, Debug, Default)]
pub struct Stages {
    by_stage: HashMap<String, Vec<StageInfo>>,
}

/// What one stage means, after the fallbacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StageMeaning {
    pub category: DealCategory,
    pub probability: Option<u8>,
    /// Order in the pipeline; stages the metadata does not list sort after those it does.
    pub sequence: u32,
}

impl Stages {
    pub fn new(meta: &[StageInfo]) -> Stages {
        let mut by_stage: HashMap<String, Vec<StageInfo>> = HashMap::new();
        for m in meta {
            by_stage.entry(m.stage.clone()).or_default().push(m.clone());
        }
        Stages { by_stage }
    }

    pub fn info(&self, pipeline: Option<&str>, stage: &str) -> Option<&StageInfo> {
        let all = self.by_stage.get(stage)?;
        pipeline
            .and_then(|p| all.iter().find(|m| m.pipeline.as_deref() == Some(p)))
            .or_else(|| all.iter().find(|m| m.pipeline.is_none()))
    }

    pub fn meaning(&self, pipeline: Option<&str>, stage: &str) -> StageMeaning {
        match self.info(pipeline, stage) {
            Some(i) => StageMeaning { category: i.category, probability: i.probability, sequence: i.sequence },
            None => StageMeaning { category: by_name(stage), probability: None, sequence: u32::MAX },
        }
    }

    pub fn category(&self, pipeline: Option<&str>, stage: &str) -> DealCategory {
        self.meaning(pipeline, stage).category
    }
}

/// The fallback when the metadata does not know a stage: read its name.
pub fn by_name(stage: &str) -> DealCategory {
    let s = stage.trim().to_lowercase();
    if s == "won" || s.starts_with("closed won") || s.starts_with("closed-won") || s.starts_with("closed/won") {
        DealCategory::Won
    } else if s == "lost"
        || s.starts_with("closed lost")
        || s.starts_with("closed-lost")
        || s.starts_with("closed/lost")
    {
        DealCategory::Lost
    } else {
        DealCategory::Open
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(pipeline: Option<&str>, stage: &str, category: DealCategory, probability: u8) -> StageInfo {
        StageInfo {
            pipeline: pipeline.map(str::to_string),
            stage: stage.into(),
            sequence: 1,
            probability: Some(probability),
            category,
            forecast_category: None,
        }
    }

    #[test]
    fn metadata_first_then_the_name() {
        let s = Stages::new(&[
            info(None, "Signed", DealCategory::Won, 100),
            info(Some("Renewals"), "Signed", DealCategory::Open, 95),
        ]);
        assert_eq!(s.category(None, "Signed"), DealCategory::Won);
        assert_eq!(s.category(Some("Standard"), "Signed"), DealCategory::Won);
        assert_eq!(s.category(Some("Renewals"), "Signed"), DealCategory::Open);
        assert_eq!(s.meaning(Some("Renewals"), "Signed").probability, Some(95));
        assert_eq!(s.category(None, "Closed Won"), DealCategory::Won);
        assert_eq!(s.category(None, "Closed Lost to Competition"), DealCategory::Lost);
        assert_eq!(s.category(None, "Negotiation"), DealCategory::Open);
        assert_eq!(s.meaning(None, "Negotiation").probability, None);
    }
}
