//! The plan as YAML: the same fields as the JSON contract, numbers as cleaned there.

use crate::numfmt::clean;
use crate::plan::Plan;
use serde_yaml::Value;

/// Renders `plan` as YAML.
pub fn render(plan: &Plan) -> String {
    match serde_yaml::to_value(plan) {
        Ok(mut v) => {
            tidy(&mut v);
            serde_yaml::to_string(&v)
        }
        Err(e) => Err(e),
    }
    .unwrap_or_else(|e| format!("status: error\nmessage: {e:?}\n"))
}

/// Cleans every floating-point number of `v` (see [`clean`]).
fn tidy(v: &mut Value) {
    match v {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64() {
                *n = clean(f).into();
            }
        }
        Value::Sequence(items) => items.iter_mut().for_each(tidy),
        Value::Mapping(m) => m.iter_mut().for_each(|(_, v)| tidy(v)),
        Value::Tagged(t) => tidy(&mut t.value),
        _ => {}
    }
}
