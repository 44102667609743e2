//! The plan as Markdown, to paste into a memo.

use super::rows::{self, Section};
use crate::plan::Plan;

fn escape(s: &str) -> String {
    s.replace('|', "\\|")
}

/// Appends `s` as a Markdown table under a heading (nothing when it has no rows).
pub(crate) fn section(out: &mut String, s: &Section) {
    if s.rows.is_empty() {
        return;
    }
    out.push_str(&format!("\n## {}\n\n", s.title));
    out.push_str(&format!(
        "| {} |\n",
        s.header
            .iter()
            .map(|h| escape(h))
            .collect::<Vec<_>>()
            .join(" | ")
    ));
    let align: Vec<&str> = s
        .numeric
        .iter()
        .map(|&n| if n { "---:" } else { "---" })
        .collect();
    out.push_str(&format!("| {} |\n", align.join(" | ")));
    for r in &s.rows {
        out.push_str(&format!(
            "| {} |\n",
            r.iter()
                .map(|c| escape(c.trim()))
                .collect::<Vec<_>>()
                .join(" | ")
        ));
    }
}

/// Renders `plan` as Markdown.
pub fn render(plan: &Plan) -> String {
    let mut out = format!("# {}\n\n{}\n", escape(&plan.scenario), rows::headline(plan));
    if plan.status.has_plan() {
        for s in rows::plan_sections(plan) {
            section(&mut out, &s);
        }
    }
    for (title, items) in rows::notes(plan) {
        out.push_str(&format!("\n## {title}\n\n"));
        for i in items {
            out.push_str(&format!("- {}\n", escape(&i)));
        }
    }
    out
}
