//! The table `make bench` prints and writes to `docs/BENCHMARKS.md`.

use std::fmt::Write as _;

/// One line of the table: what was measured, our figure, what it is set against, and
/// the target with whether it holds.
pub struct Row {
    pub section: &'static str,
    pub measure: String,
    pub ours: String,
    pub beside: String,
    pub ratio: String,
    pub target: String,
    /// `None` where there is no target.
    pub met: Option<bool>,
}

#[derive(Default)]
pub struct Report {
    pub rows: Vec<Row>,
    pub notes: Vec<String>,
}

pub fn ms(value: f64) -> String {
    if value.is_nan() {
        "n/a".into()
    } else if value < 1.0 {
        format!("{value:.3} ms")
    } else {
        format!("{value:.2} ms")
    }
}

pub fn ratio(ours: f64, beside: f64) -> String {
    if ours.is_nan() || beside.is_nan() || beside == 0.0 {
        "n/a".into()
    } else {
        format!("{:.2}×", ours / beside)
    }
}

impl Report {
    pub fn add(&mut self, row: Row) {
        self.rows.push(row);
    }

    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// The table as Markdown, one part per section.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let mut section = "";
        for row in &self.rows {
            if row.section != section {
                section = row.section;
                let _ = write!(
                    out,
                    "\n### {section}\n\n| Measure | Ours | Beside it | Ratio | Target | Met |\n|---|---|---|---|---|---|\n"
                );
            }
            let met = match row.met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "",
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {met} |",
                row.measure, row.ours, row.beside, row.ratio, row.target
            );
        }
        if !self.notes.is_empty() {
            out.push_str("\n### Notes from this run\n\n");
            for note in &self.notes {
                let _ = writeln!(out, "- {note}");
            }
        }
        out
    }

    pub fn misses(&self) -> usize {
        self.rows.iter().filter(|r| r.met == Some(false)).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_and_sections() {
        assert_eq!(ms(0.4567), "0.457 ms");
        assert_eq!(ms(12.345), "12.35 ms");
        assert_eq!(ms(f64::NAN), "n/a");
        assert_eq!(ratio(1.0, 4.0), "0.25×");
        assert_eq!(ratio(1.0, 0.0), "n/a");
        let mut r = Report::default();
        let row = |section, measure: &str, ours: &str, met| Row {
            section,
            measure: measure.into(),
            ours: ours.into(),
            beside: "2".into(),
            ratio: "1.5×".into(),
            target: "≤ 1×".into(),
            met,
        };
        r.add(row("A", "x", "1", Some(true)));
        r.add(row("A", "y", "3", Some(false)));
        r.add(row("B", "z", "1", None));
        let md = r.markdown();
        assert_eq!(md.matches("### A").count(), 1);
        assert!(md.contains("| y | 3 | 2 | 1.5× | ≤ 1× | **no** |"));
        assert_eq!(r.misses(), 1);
    }
}
