//! A comparison as JSON: `{"reference": label, "plans": [{"label", "plan", "delta"}]}`,
//! each `plan` the full plan contract and `delta` its figures minus the reference's.

use crate::compare::Comparison;
use serde_json::{Map, Value, json};

/// Renders `c` as JSON.
pub fn render(c: &Comparison) -> String {
    let metrics = c.metrics();
    let plans: Vec<Value> = c
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let delta: Map<String, Value> = metrics
                .iter()
                .map(|m| {
                    let d = m
                        .delta(i)
                        .map(|d| super::tidy(&m.key, d))
                        .and_then(serde_json::Number::from_f64)
                        .map(Value::Number)
                        .unwrap_or(Value::Null);
                    (m.key.clone(), d)
                })
                .collect();
            json!({"label": e.label, "plan": e.plan, "delta": delta})
        })
        .collect();
    crate::render::json::to_text(&json!({
        "reference": c.entries[0].label,
        "plans": plans,
    }))
}
