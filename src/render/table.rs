//! The default terminal report: aligned columns, totals against the scenario's limits.
//! Text from the scenario passes through [`escape`], so that it stays on its line.

use super::rows::{self, Section};
use crate::plan::Plan;
use unicode_width::UnicodeWidthStr;

/// How many terminal columns `s` takes: two for a Chinese, Japanese or Korean character (and
/// other wide ones), none for a combining mark, one for the rest.
pub(crate) fn width(s: &str) -> usize {
    s.width()
}

/// `s` padded with spaces to `w` terminal columns, on the right (`left`) or on the left.
pub(crate) fn pad(s: &str, w: usize, left: bool) -> String {
    let fill = " ".repeat(w.saturating_sub(width(s)));
    if left {
        format!("{s}{fill}")
    } else {
        format!("{fill}{s}")
    }
}

/// Text from the user (names, vendors, labels, notes that quote them) made safe for one
/// line of a terminal report: control characters, line separators and bidirectional
/// controls are shown as escapes (`\n`, `\t`, `\u{1b}`), so a name cannot start a new row,
/// move the cursor or reorder what follows. Everything else is kept as written.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match super::visible(c) {
            Some(v) => out.push_str(&v),
            None => out.push(c),
        }
    }
    out
}

/// Appends `s` as an aligned block (nothing when it has no rows).
pub(crate) fn section(out: &mut String, s: &Section) {
    if s.rows.is_empty() {
        return;
    }
    out.push_str(&format!("\n{}\n", escape(&s.title)));
    let header: Vec<String> = s.header.iter().map(|h| escape(h)).collect();
    let rows: Vec<Vec<String>> = s
        .rows
        .iter()
        .map(|r| r.iter().map(|c| escape(c)).collect())
        .collect();
    let widths: Vec<usize> = (0..s.header.len())
        .map(|c| {
            rows.iter()
                .map(|r| width(&r[c]))
                .chain([width(&header[c])])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| -> String {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(c, v)| pad(v, widths[c], !s.numeric[c]))
            .collect();
        format!("  {}\n", parts.join("  ").trim_end())
    };
    out.push_str(&line(&header));
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    out.push_str(&line(&rule));
    for r in &rows {
        out.push_str(&line(r));
    }
}

/// Renders `plan` as a terminal report.
pub fn render(plan: &Plan) -> String {
    let mut out = format!("{}\n{}\n", escape(&plan.scenario), rows::headline(plan));
    if plan.status.has_plan() {
        for s in rows::plan_sections(plan) {
            section(&mut out, &s);
        }
        section(&mut out, &super::allocation::allocation(plan));
    }
    for (title, items) in super::allocation::with_near(rows::notes(plan), plan) {
        out.push_str(&format!("\n{title}\n"));
        for i in items {
            out.push_str(&format!("  - {}\n", escape(&i)));
        }
    }
    out
}
