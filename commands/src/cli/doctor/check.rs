//! One line of `panopticon doctor`: what was checked, whether it passed, and a reason a person
//! can act on; and the verdict under them all.

/// How a check came out. `Skip`: it could not run because an earlier check failed. `Warn`:
/// it works, but not all of it (a write-back action whose scope is missing): said, not failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Warn,
    Fail,
    Skip,
}

#[derive(Clone, Debug)]
pub struct Check {
    pub name: &'static str,
    pub outcome: Outcome,
    pub detail: String,
}

impl Check {
    pub fn pass(name: &'static str, detail: impl Into<String>) -> Check {
        Check { name, outcome: Outcome::Pass, detail: detail.into() }
    }
    pub fn fail(name: &'static str, detail: impl Into<String>) -> Check {
        Check { name, outcome: Outcome::Fail, detail: detail.into() }
    }
    pub fn warn(name: &'static str, detail: impl Into<String>) -> Check {
        Check { name, outcome: Outcome::Warn, detail: detail.into() }
    }
    pub fn skip(name: &'static str, detail: impl Into<String>) -> Check {
        Check { name, outcome: Outcome::Skip, detail: detail.into() }
    }
    pub fn of(name: &'static str, result: Result<String, String>) -> Check {
        match result {
            Ok(d) => Check::pass(name, d),
            Err(d) => Check::fail(name, d),
        }
    }

    /// `✓ Zoho sign-in          accepted …`: a mark, the name in a column, the reason.
    pub fn line(&self) -> String {
        let mark = match self.outcome {
            Outcome::Pass => "✓ PASS",
            Outcome::Warn => "! WARN",
            Outcome::Fail => "✗ FAIL",
            Outcome::Skip => "- SKIP",
        };
        format!("{mark}  {:<20} {}", self.name, self.detail)
    }
}

/// The last line: all passed, or which failed.
pub fn verdict(checks: &[Check]) -> String {
    let failed: Vec<&str> = checks.iter().filter(|c| c.outcome == Outcome::Fail).map(|c| c.name).collect();
    let skipped = checks.iter().filter(|c| c.outcome == Outcome::Skip).count();
    let warned: Vec<&str> = checks.iter().filter(|c| c.outcome == Outcome::Warn).map(|c| c.name).collect();
    if failed.is_empty() && skipped == 0 {
        if warned.is_empty() {
            return format!("Verdict: all {} checks passed.", checks.len());
        }
        return format!(
            "Verdict: all {} checks passed, {} with a warning ({}): see the WARN lines above.",
            checks.len(),
            warned.len(),
            warned.join(", ")
        );
    }
    let skipped = if skipped == 0 { String::new() } else { format!(", {skipped} skipped") };
    let mut names: Vec<&str> = Vec::new();
    for n in failed.iter().copied() {
        if !names.contains(&n) {
            names.push(n);
        }
    }
    format!(
        "Verdict: {} of {} checks failed ({}){skipped}. Fix the FAIL lines above and run `panopticon doctor` again.",
        failed.len(),
        checks.len(),
        names.join(", ")
    )
}

/// The checks after a failed one, which cannot run without it.
pub fn skipped(names: &[&'static str], because: &str) -> Vec<Check> {
    names.iter().map(|n| Check::skip(n, format!("needs {because}"))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verdict_names_what_failed() {
        let all = [Check::pass("config", "ok"), Check::pass("database", "ok")];
        assert_eq!(verdict(&all), "Verdict: all 2 checks passed.");
        let some = [Check::pass("config", "ok"), Check::fail("Zoho sign-in", "no"), Check::skip("Zoho fields", "")];
        assert_eq!(
            verdict(&some),
            "Verdict: 1 of 3 checks failed (Zoho sign-in), 1 skipped. Fix the FAIL lines above and run \
             `panopticon doctor` again."
        );
        assert_eq!(Check::fail("Zoho fields", "gone").line(), "✗ FAIL  Zoho fields          gone");
        let warned = [Check::pass("config", "ok"), Check::warn("note", "scope missing"), Check::warn("task", "")];
        assert_eq!(
            verdict(&warned),
            "Verdict: all 3 checks passed, 2 with a warning (note, task): see the WARN lines above."
        );
        assert_eq!(Check::warn("note", "missing").line(), "! WARN  note                 missing");
    }
}
