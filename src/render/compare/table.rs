//! A comparison as aligned terminal columns.

use super::{binding, missing, sections};
use crate::compare::Comparison;
use crate::render::table::escape;

/// Renders `c` for the terminal.
pub fn render(c: &Comparison) -> String {
    let mut out = format!("{} plans compared\n", c.entries.len());
    for s in sections(c) {
        crate::render::table::section(&mut out, &s);
    }
    out.push_str("\nAt their limit\n");
    for b in binding(c) {
        out.push_str(&format!("  - {}\n", escape(&b)));
    }
    let why = missing(c);
    if !why.is_empty() {
        out.push_str("\nNo plan\n");
        for w in why {
            out.push_str(&format!("  - {}\n", escape(&w)));
        }
    }
    out
}
