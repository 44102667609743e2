//! The plan as YAML: the same fields as the JSON contract.

use crate::plan::Plan;

/// Renders `plan` as YAML.
pub fn render(plan: &Plan) -> String {
    serde_yaml::to_string(plan).unwrap_or_else(|e| format!("status: error\nmessage: {e:?}\n"))
}
