//! Explanations and alternatives as JSON.

use crate::explain::Explanation;
use crate::explain::alternatives::Alternative;
use crate::plan::Plan;

/// The explanation contract: `plan`, `policy_cost`, `shadow_prices`, `price_thresholds`,
/// `fixes` (and `policy_costs`, the cost of each rule).
pub fn explanation(e: &Explanation) -> String {
    crate::render::json::to_text(e)
}

/// `{"plan": ..., "within": 0.02, "alternatives": [{"name", "says", "overrides", "plan"}]}`.
pub fn alternatives(plan: &Plan, alts: &[Alternative], within: f64) -> String {
    crate::render::json::to_text(&serde_json::json!({
        "plan": plan,
        "within": within,
        "alternatives": alts,
    }))
}
