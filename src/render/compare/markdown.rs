//! A comparison as a Markdown table, to paste into a memo.

use super::{binding, missing, sections};
use crate::compare::Comparison;
use crate::render::markdown::line;

/// Renders `c` as Markdown.
pub fn render(c: &Comparison) -> String {
    let mut out = format!("# {} plans compared\n", c.entries.len());
    for s in sections(c) {
        crate::render::markdown::section(&mut out, &s);
    }
    out.push_str("\n## At their limit\n\n");
    for b in binding(c) {
        out.push_str(&format!("- {}\n", line(&b)));
    }
    let why = missing(c);
    if !why.is_empty() {
        out.push_str("\n## No plan\n\n");
        for w in why {
            out.push_str(&format!("- {}\n", line(&w)));
        }
    }
    out
}
