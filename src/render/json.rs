//! The plan's JSON contract: one object, keys in contract order, pretty-printed.

use crate::plan::Plan;

/// Renders `plan` as JSON (with a trailing newline).
pub fn render(plan: &Plan) -> String {
    let mut out = serde_json::to_string_pretty(plan)
        .unwrap_or_else(|e| format!("{{\"status\": \"error\", \"message\": \"{e}\"}}"));
    out.push('\n');
    out
}
