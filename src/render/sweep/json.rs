//! A sweep as JSON: an array of objects with the CSV's keys, `null` for empty cells.
//! Parameter values are numbers or booleans when they read as such, else strings.

use super::{
    energy_discount, has_energy_discount, has_removal, has_residual, header, national, numbers,
    proof, removal, residual,
};
use crate::sweep::SweepResult;
use serde_json::{Map, Value};

/// A parameter value as JSON: `0.7` a number, `false` a boolean, anything else a string.
fn value(text: &str) -> Value {
    match serde_yaml::from_str::<serde_json::Value>(text) {
        Ok(v @ (Value::Number(_) | Value::Bool(_))) => v,
        _ => Value::String(text.to_string()),
    }
}

/// Renders `r` as a JSON array.
pub fn render(r: &SweepResult) -> String {
    let keys = header(r);
    let rows: Vec<Value> = r
        .rows
        .iter()
        .map(|row| {
            let mut cells: Vec<Value> = row.values.iter().map(|v| value(v)).collect();
            cells.push(Value::String(row.status.clone()));
            let num = |v: Option<f64>| {
                v.and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
                    .unwrap_or(Value::Null)
            };
            cells.extend(numbers(row).into_iter().map(num));
            if r.national {
                let (margin, at, share) = national(row);
                cells.push(num(margin));
                cells.push(at.map(Value::String).unwrap_or(Value::Null));
                cells.push(num(share));
            }
            cells.extend(proof(r.max_pflops, row).into_iter().map(num));
            if has_residual(r) {
                cells.push(num(residual(row)));
            }
            if has_energy_discount(r) {
                cells.push(num(energy_discount(row)));
            }
            if has_removal(r) {
                cells.push(num(removal(row)));
            }
            Value::Object(keys.iter().cloned().zip(cells).collect::<Map<_, _>>())
        })
        .collect();
    crate::render::json::to_text(&rows)
}
