//! The bench's figures and their two renderings: `report.json` for machines
//! and `report.md` for people. Every figure keeps its samples, so the median,
//! min and max printed are the ones measured, never recomputed elsewhere.

use std::path::Path;

use serde_json::{Value, json};

use crate::run::Error;

/// What a figure is held to.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// The median must not exceed this.
    AtMost(f64, String),
    /// The median must reach at least this.
    AtLeast(f64, String),
    /// Only reported.
    Reported,
}

/// One measured quantity over repeated runs.
#[derive(Debug, Clone)]
pub(crate) struct Figure {
    pub(crate) key: &'static str,
    pub(crate) unit: &'static str,
    pub(crate) samples: Vec<f64>,
    pub(crate) target: Target,
}

impl Figure {
    pub(crate) fn new(key: &'static str, unit: &'static str, samples: Vec<f64>) -> Self {
        Self {
            key,
            unit,
            samples,
            target: Target::Reported,
        }
    }

    pub(crate) fn at_most(mut self, limit: f64) -> Self {
        self.target = Target::AtMost(limit, format!("<= {}", fmt(limit)));
        self
    }

    pub(crate) fn at_least(mut self, limit: f64) -> Self {
        self.target = Target::AtLeast(limit, format!(">= {}", fmt(limit)));
        self
    }

    /// A target whose limit comes from another figure; `label` says which.
    pub(crate) fn at_most_labelled(mut self, limit: f64, label: String) -> Self {
        self.target = Target::AtMost(limit, format!("{label} (= {})", fmt(limit)));
        self
    }

    pub(crate) fn median(&self) -> f64 {
        let mut sorted = self.samples.clone();
        sorted.sort_by(f64::total_cmp);
        match sorted.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => sorted[n / 2],
            n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
        }
    }

    fn min(&self) -> f64 {
        self.samples.iter().copied().fold(f64::NAN, f64::min)
    }

    fn max(&self) -> f64 {
        self.samples.iter().copied().fold(f64::NAN, f64::max)
    }

    /// `Some(true)` met, `Some(false)` missed, `None` only reported.
    pub(crate) fn met(&self) -> Option<bool> {
        let m = self.median();
        match &self.target {
            Target::AtMost(limit, _) => Some(m <= *limit),
            Target::AtLeast(limit, _) => Some(m >= *limit),
            Target::Reported => None,
        }
    }

    fn target_label(&self) -> &str {
        match &self.target {
            Target::AtMost(_, label) | Target::AtLeast(_, label) => label,
            Target::Reported => "reported",
        }
    }
}

/// Every key the issue asks for, in the report's order.
pub(crate) const KEYS: &[&str] = &[
    "loader_br_bytes",
    "widget_br_bytes",
    "time_to_popup_ms",
    "host_long_task_ms_added",
    "cls_added",
    "opportunity_rps",
    "opportunity_p50_ms",
    "opportunity_p99_ms",
    "baseline_rps",
    "opportunity_vs_baseline",
    "telemetry_cpu_us",
    "opportunity_vs_quiet",
    "opportunity_rps_pg",
    "opportunity_pg_vs_sqlite",
    "accept_rps",
    "accept_p99_ms",
    "select_ns_10",
    "select_ns_1k",
    "select_ns_100k",
    "console_br_bytes",
    "console_first_paint_ms",
    "report_year_ms",
    "report_year_upseller_ms",
];

/// The whole run: figures, notes and the command that produced them.
#[derive(Debug, Default)]
pub(crate) struct Report {
    pub(crate) command: String,
    pub(crate) figures: Vec<Figure>,
    pub(crate) notes: Vec<String>,
    /// What each step of the widget build did to its bytes
    /// (`crate::widget::STEPS_FILE`), in order.
    pub(crate) steps: Vec<Value>,
}

impl Report {
    pub(crate) fn push(&mut self, figure: Figure) {
        self.figures.push(figure);
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Figure> {
        self.figures.iter().find(|f| f.key == key)
    }

    /// Keys missing or without a finite median.
    pub(crate) fn missing(&self) -> Vec<&'static str> {
        KEYS.iter()
            .copied()
            .filter(|k| self.get(k).is_none_or(|f| !f.median().is_finite()))
            .collect()
    }

    pub(crate) fn to_json(&self) -> Value {
        let figures: serde_json::Map<String, Value> = self
            .figures
            .iter()
            .map(|f| {
                let value = json!({
                    "median": f.median(), "min": f.min(), "max": f.max(),
                    "runs": f.samples.len(), "samples": f.samples, "unit": f.unit,
                    "target": f.target_label(), "met": f.met(),
                });
                (f.key.to_owned(), value)
            })
            .collect();
        json!({
            "command": self.command, "figures": figures, "notes": self.notes,
            "build_steps": self.steps,
        })
    }

    pub(crate) fn to_markdown(&self) -> String {
        let mut md = String::from("# postsale bench\n\n");
        md.push_str(&format!("Produced by `{}`.\n\n", self.command));
        md.push_str(
            "| key | median | min | max | runs | target | |\n|---|---:|---:|---:|---:|---|---|\n",
        );
        for f in &self.figures {
            let verdict = match f.met() {
                Some(true) => "met",
                Some(false) => "**missed**",
                None => "—",
            };
            md.push_str(&format!(
                "| `{}` | {} {} | {} | {} | {} | {} | {verdict} |\n",
                f.key,
                fmt(f.median()),
                f.unit,
                fmt(f.min()),
                fmt(f.max()),
                f.samples.len(),
                f.target_label(),
            ));
        }
        if !self.steps.is_empty() {
            md.push_str(
                "\n## What each build step did\n\nBrotli (quality 11) bytes of each build's wasm and glue after each step; `saved` is what the step took off both together.\n\n\
                 | build | step | wasm | glue | saved |\n|---|---|---:|---:|---:|\n",
            );
            for row in &self.steps {
                let text = |key: &str| match &row[key] {
                    Value::String(s) => s.clone(),
                    Value::Null => "—".into(),
                    other => other.to_string(),
                };
                md.push_str(&format!(
                    "| {} | {} | {} | {} | {} |\n",
                    text("build"),
                    text("step"),
                    text("wasm"),
                    text("glue"),
                    text("saved"),
                ));
            }
        }
        if !self.notes.is_empty() {
            md.push_str("\n## What was measured\n\n");
            for note in &self.notes {
                md.push_str(&format!("- {note}\n"));
            }
        }
        md
    }

    pub(crate) fn write(&self, dir: &Path) -> Result<(), Error> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let json = serde_json::to_string_pretty(&self.to_json())
            .map_err(|e| format!("cannot render the report: {e}"))?;
        for (name, text) in [("report.json", json), ("report.md", self.to_markdown())] {
            let path = dir.join(name);
            std::fs::write(&path, text)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        Ok(())
    }
}

/// A number as people read it: integers plainly, small values with 3 digits.
pub(crate) fn fmt(value: f64) -> String {
    if !value.is_finite() {
        "n/a".into()
    } else if value.abs() >= 100.0 || value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        let f = Figure::new("k", "ms", vec![4.0, 1.0, 3.0, 2.0]);
        assert_eq!(f.median(), 2.5);
        assert_eq!((f.min(), f.max()), (1.0, 4.0));
    }

    #[test]
    fn a_key_without_a_number_counts_as_missing() {
        let mut report = Report::default();
        report.push(Figure::new("loader_br_bytes", "B", vec![]));
        assert!(report.missing().contains(&"loader_br_bytes"));
        assert!(report.missing().contains(&"select_ns_100k"));
    }

    #[test]
    fn targets_are_met_or_missed_on_the_median() {
        let f = Figure::new("k", "ms", vec![5.0, 20.0, 6.0]).at_most(10.0);
        assert_eq!(f.met(), Some(true));
        let f = Figure::new("k", "", vec![0.4]).at_least(0.5);
        assert_eq!(f.met(), Some(false));
    }
}
