//! The checklist `tenant check` prints: one line per check, and for each failure what to do.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    /// Works, but worth a look (e.g. a grant the product does not need).
    Warn,
    Fail,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub outcome: Outcome,
    /// What was checked and what was found.
    pub what: String,
    /// How to fix it (failures and warnings).
    pub fix: Option<String>,
}

#[derive(Debug, Default)]
pub struct Report {
    pub checks: Vec<Check>,
}

impl Report {
    pub fn pass(&mut self, what: impl Into<String>) {
        self.push(Outcome::Pass, what.into(), None);
    }

    pub fn warn(&mut self, what: impl Into<String>, fix: impl Into<String>) {
        self.push(Outcome::Warn, what.into(), Some(fix.into()));
    }

    pub fn fail(&mut self, what: impl Into<String>, fix: impl Into<String>) {
        self.push(Outcome::Fail, what.into(), Some(fix.into()));
    }

    /// Passes `what` when `ok`, else fails with `fix`.
    pub fn pass_if(&mut self, ok: bool, what: impl Into<String>, fix: impl Into<String>) {
        if ok {
            self.pass(what);
        } else {
            self.fail(what, fix);
        }
    }

    fn push(&mut self, outcome: Outcome, what: String, fix: Option<String>) {
        self.checks.push(Check { outcome, what, fix });
    }

    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.outcome == Outcome::Fail)
    }

    pub fn passed(&self) -> bool {
        self.failures().next().is_none()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for check in &self.checks {
            let mark = match check.outcome {
                Outcome::Pass => "ok  ",
                Outcome::Warn => "warn",
                Outcome::Fail => "FAIL",
            };
            writeln!(f, "[{mark}] {}", check.what)?;
            if let Some(fix) = &check.fix {
                writeln!(f, "       fix: {fix}")?;
            }
        }
        let failed = self.failures().count();
        if failed == 0 {
            writeln!(f, "\nEverything that can be checked from here is right.")
        } else {
            writeln!(f, "\n{failed} problem(s) to fix.")
        }
    }
}
