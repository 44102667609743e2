//! Relative overrides: `PATH*=FACTOR`, `PATH+=AMOUNT` and `PATH-=AMOUNT` change the value
//! the scenario gives (a number, or every period of a per-year map) instead of replacing it.
//! The result is written back as a plain value and validated like any other.
//!
//! Whole-number fields (`max_units`, `min_units`, `lot_size`, `units`, `lifetime_years`,
//! `retire_year`) scaled to a fraction are rounded down, with a warning that says so;
//! `+=` and `-=` never round. Results keep 12 significant digits, so `0.7 * 3` is `2.1`.

use crate::scenario::validate::show;
use serde_yaml::{Mapping, Value};

/// How an override changes its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Op {
    /// `PATH=VALUE`: the value replaces what the scenario gives.
    #[default]
    Set,
    /// `PATH*=FACTOR`: the scenario's value times the factor.
    Scale,
    /// `PATH+=AMOUNT`: the scenario's value plus the amount.
    Add,
    /// `PATH-=AMOUNT`: the scenario's value minus the amount.
    Subtract,
}

impl Op {
    /// The character written before `=` (`*`, `+`, `-`; nothing for a plain set).
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Set => "",
            Op::Scale => "*",
            Op::Add => "+",
            Op::Subtract => "-",
        }
    }

    /// Splits the operator off the end of a path (`limits.budget*` -> scale `limits.budget`).
    pub(super) fn split(path: &str) -> (Op, &str) {
        let op = match path.chars().last() {
            Some('*') => Op::Scale,
            Some('+') => Op::Add,
            Some('-') => Op::Subtract,
            _ => return (Op::Set, path),
        };
        (op, path[..path.len() - 1].trim_end())
    }

    fn what(self) -> &'static str {
        match self {
            Op::Scale => "a factor",
            _ => "an amount",
        }
    }

    fn doing(self) -> &'static str {
        match self {
            Op::Scale => "scale",
            Op::Add => "add to",
            _ => "subtract from",
        }
    }
}

/// Fields that hold a whole number: a scaled value is rounded down to one.
const WHOLE: &[&str] = &[
    "max_units",
    "min_units",
    "lot_size",
    "units",
    "lifetime_years",
    "retire_year",
];

/// Rounds away float noise: 12 significant digits.
fn tidy(v: f64) -> f64 {
    format!("{v:.11e}").parse().unwrap_or(v)
}

/// A number as YAML: whole numbers as integers, so the resolved scenario reads as written.
fn number(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        Value::from(v as i64)
    } else {
        Value::from(v)
    }
}

/// The factor or amount of a relative override: one finite number.
pub(super) fn operand(op: Op, text: &str) -> Result<f64, String> {
    let v = match serde_yaml::from_str::<Value>(text) {
        Ok(Value::Number(n)) => n.as_f64(),
        _ => None,
    };
    match v {
        Some(v) if v.is_finite() => Ok(v),
        _ => Err(format!(
            "`{}=` needs {} (one finite number), got `{text}`",
            op.symbol(),
            op.what()
        )),
    }
}

/// The message for a field the scenario does not give (`missing`: the field, or the
/// block on the way to `target`, the path the user wrote): there is nothing to change.
pub(super) fn nothing_to_change(op: Op, missing: &str, target: &str) -> String {
    if missing == target {
        format!(
            "the scenario gives no `{target}`, so there is nothing to {}; set it with `{target}=VALUE`",
            op.doing()
        )
    } else {
        format!(
            "the scenario gives no `{missing}`, so there is no `{target}` to {}; set it with `{target}=VALUE`",
            op.doing()
        )
    }
}

/// `current` (a number or a per-year map of numbers) changed by `op` with `operand`.
/// `field` is the field's name (whole-number fields are rounded down when scaled), `here`
/// its path for messages. Returns the new value and, when it was rounded, a note saying so.
pub(super) fn apply(
    op: Op,
    operand: f64,
    field: &str,
    here: &str,
    current: &Value,
) -> Result<(Value, Option<String>), String> {
    let whole = op == Op::Scale && WHOLE.contains(&field);
    let mut rounded = Vec::new();
    let mut one = |v: &Value, year: Option<&Value>| -> Result<Value, String> {
        let Some(old) = v.as_f64() else {
            let shown = serde_yaml::to_string(v).unwrap_or_default();
            let at = year
                .map(|y| {
                    format!(
                        " for {}",
                        serde_yaml::to_string(y).unwrap_or_default().trim()
                    )
                })
                .unwrap_or_default();
            return Err(format!(
                "`{here}` is `{}`{at}, not a number, so `{}=` cannot {} it",
                shown.trim(),
                op.symbol(),
                op.doing()
            ));
        };
        let new = tidy(match op {
            Op::Scale => old * operand,
            Op::Add => old + operand,
            Op::Subtract => old - operand,
            Op::Set => operand,
        });
        if whole && new >= 0.0 && new.fract() != 0.0 {
            let year = year
                .map(|y| format!(" ({})", serde_yaml::to_string(y).unwrap_or_default().trim()))
                .unwrap_or_default();
            rounded.push(format!(
                "{}{year} x {} = {} rounded down to {}",
                show(old),
                show(operand),
                show(new),
                show(new.floor())
            ));
            return Ok(number(new.floor()));
        }
        Ok(number(new))
    };
    let value = match current {
        Value::Mapping(map) => {
            let mut out = Mapping::new();
            for (year, v) in map {
                out.insert(year.clone(), one(v, Some(year))?);
            }
            Value::Mapping(out)
        }
        v => one(v, None)?,
    };
    let note = (!rounded.is_empty())
        .then(|| format!("{here}: {} (a whole number is needed)", rounded.join(", ")));
    Ok((value, note))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Value {
        serde_yaml::from_str(text).unwrap()
    }

    #[test]
    fn the_operator_is_read_off_the_path() {
        assert_eq!(Op::split("limits.budget*"), (Op::Scale, "limits.budget"));
        assert_eq!(Op::split("limits.budget +"), (Op::Add, "limits.budget"));
        assert_eq!(Op::split("limits.budget-"), (Op::Subtract, "limits.budget"));
        assert_eq!(Op::split("limits.budget"), (Op::Set, "limits.budget"));
    }

    #[test]
    fn scales_numbers_and_every_period() {
        let (v, note) = apply(Op::Scale, 0.7, "unit_price", "p", &yaml("3")).unwrap();
        assert_eq!(v, yaml("2.1"));
        assert!(note.is_none());
        let (v, _) = apply(
            Op::Scale,
            0.5,
            "max_units",
            "p",
            &yaml("{2025: 5000, 2026: 12000}"),
        )
        .unwrap();
        assert_eq!(v, yaml("{2025: 2500, 2026: 6000}"));
        let (v, _) = apply(Op::Add, 1e8, "budget", "p", &yaml("4e9")).unwrap();
        assert_eq!(v, yaml("4100000000"));
        let (v, _) = apply(Op::Subtract, 0.25, "min", "p", &yaml("0.75")).unwrap();
        assert_eq!(v, yaml("0.5"));
    }

    #[test]
    fn whole_fields_are_rounded_down_and_say_so() {
        let (v, note) = apply(Op::Scale, 0.5, "max_units", "a.max_units", &yaml("5")).unwrap();
        assert_eq!(v, yaml("2"));
        let note = note.unwrap();
        assert!(note.contains("5 x 0.5 = 2.5 rounded down to 2"), "{note}");
        // Money is not rounded, and neither is a whole field that `+=` makes fractional.
        let (v, _) = apply(Op::Scale, 0.5, "unit_price", "p", &yaml("5")).unwrap();
        assert_eq!(v, yaml("2.5"));
        let (v, note) = apply(Op::Add, 0.5, "max_units", "p", &yaml("5")).unwrap();
        assert_eq!((v, note), (yaml("5.5"), None));
    }

    #[test]
    fn only_numbers_change() {
        let e = apply(Op::Scale, 2.0, "available", "a.available", &yaml("true")).unwrap_err();
        assert!(e.contains("`a.available` is `true`, not a number"), "{e}");
        assert!(operand(Op::Scale, "abc").is_err());
        assert!(operand(Op::Scale, ".nan").is_err());
        assert_eq!(operand(Op::Add, "1e8"), Ok(1e8));
    }
}
