//! The default terminal report: aligned columns, totals against the scenario's limits.

use super::rows::{self, Section};
use crate::plan::Plan;

/// Appends `s` as an aligned block (nothing when it has no rows).
pub(crate) fn section(out: &mut String, s: &Section) {
    if s.rows.is_empty() {
        return;
    }
    out.push_str(&format!("\n{}\n", s.title));
    let widths: Vec<usize> = (0..s.header.len())
        .map(|c| {
            s.rows
                .iter()
                .map(|r| r[c].chars().count())
                .chain([s.header[c].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| -> String {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(c, v)| {
                if s.numeric[c] {
                    format!("{v:>w$}", w = widths[c])
                } else {
                    format!("{v:<w$}", w = widths[c])
                }
            })
            .collect();
        format!("  {}\n", parts.join("  ").trim_end())
    };
    out.push_str(&line(&s.header));
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    out.push_str(&line(&rule));
    for r in &s.rows {
        out.push_str(&line(r));
    }
}

/// Renders `plan` as a terminal report.
pub fn render(plan: &Plan) -> String {
    let mut out = format!("{}\n{}\n", plan.scenario, rows::headline(plan));
    if plan.status.has_plan() {
        for s in rows::plan_sections(plan) {
            section(&mut out, &s);
        }
    }
    for (title, items) in rows::notes(plan) {
        out.push_str(&format!("\n{title}\n"));
        for i in items {
            out.push_str(&format!("  - {i}\n"));
        }
    }
    out
}
