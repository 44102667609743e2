//! Picking list entries for an override: one by position (`[0]`) or id (`[h20]`), or many
//! with a selector: every entry (`[*]`) or those whose field has a value
//! (`[origin=domestic]`, `[vendor=Huawei]`, `[platform=cann]`). A selector that matches
//! nothing is an error that lists the values the list has.

use super::path::Step;
use crate::scenario::load::closest;
use serde_yaml::Value;

fn entry_ids(list: &[Value]) -> Vec<String> {
    list.iter()
        .filter_map(|v| v.get("id").and_then(Value::as_str).map(str::to_string))
        .collect()
}

/// A scalar field as text, for matching a selector (`true`, `2025`, `Huawei`).
fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The positions in `list` (the list at `list_name`, of `what` entries) that `step` picks.
/// `fields` are the fields an entry may have, for selectors (`None`: any).
pub(super) fn pick(
    list: &[Value],
    step: &Step,
    list_name: &str,
    what: &str,
    fields: Option<&[String]>,
) -> Result<Vec<usize>, String> {
    match step {
        Step::Index(i) if *i < list.len() => Ok(vec![*i]),
        Step::Index(i) => Err(format!(
            "`{list_name}` has {} entries, so there is no `{list_name}[{i}]`",
            list.len()
        )),
        Step::Id(id) => {
            let matching: Vec<usize> = (0..list.len())
                .filter(|&i| list[i].get("id").and_then(Value::as_str) == Some(id))
                .collect();
            match matching.as_slice() {
                [one] => Ok(vec![*one]),
                [] => {
                    let ids = entry_ids(list);
                    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
                    let hint = match closest(id, &refs) {
                        Some(best) => format!(" (did you mean `{list_name}[{best}]`?)"),
                        None if refs.is_empty() => String::new(),
                        None => format!("; the ids are: {}", refs.join(", ")),
                    };
                    Err(format!("the scenario has no {what} with id `{id}`{hint}"))
                }
                many => Err(format!(
                    "`{list_name}` has {} entries with id `{id}`; pick one by position, e.g. `{list_name}[{}]`",
                    many.len(),
                    many[0]
                )),
            }
        }
        Step::All if list.is_empty() => Err(format!(
            "`{list_name}[*]` selects nothing: the list is empty"
        )),
        Step::All => Ok((0..list.len()).collect()),
        Step::Where(field, value) => {
            if let Some(fields) = fields
                && !fields.iter().any(|f| f == field)
            {
                let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
                let hint = match closest(field, &refs) {
                    Some(best) => format!(" (did you mean `[{best}={value}]`?)"),
                    None => format!("; the fields are: {}", fields.join(", ")),
                };
                return Err(format!(
                    "`{list_name}[{field}={value}]`: {what} entries have no field `{field}`{hint}"
                ));
            }
            let values: Vec<Option<String>> = list
                .iter()
                .map(|e| e.get(field.as_str()).and_then(text_of))
                .collect();
            let matching: Vec<usize> = (0..list.len())
                .filter(|&i| values[i].as_deref() == Some(value.as_str()))
                .collect();
            if !matching.is_empty() {
                return Ok(matching);
            }
            let mut seen: Vec<&str> = values.iter().flatten().map(String::as_str).collect();
            seen.sort_unstable();
            seen.dedup();
            let hint = match closest(value, &seen) {
                Some(best) => format!(" (did you mean `[{field}={best}]`?)"),
                None if seen.is_empty() => format!("; no {what} gives `{field}`"),
                None => format!("; the values of `{field}` are: {}", seen.join(", ")),
            };
            Err(format!(
                "`{list_name}[{field}={value}]` selects nothing: no {what} has {field} `{value}`{hint}"
            ))
        }
        Step::Key(_) => Err(format!("`{list_name}` is a list")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> Vec<Value> {
        serde_yaml::from_str(
            "[{id: a, origin: domestic, vendor: Huawei}, {id: b, origin: foreign, vendor: Nvidia}, {id: c, origin: domestic, vendor: Cambricon, max_units: 8}]",
        )
        .unwrap()
    }

    fn by(field: &str, value: &str) -> Step {
        Step::Where(field.into(), value.into())
    }

    #[test]
    fn selectors_pick_the_matching_entries() {
        let l = list();
        let fields: Vec<String> = ["id", "origin", "vendor", "max_units"]
            .map(String::from)
            .to_vec();
        let f = Some(fields.as_slice());
        let pick = |s: &Step| pick(&l, s, "accelerators", "accelerator", f);
        assert_eq!(pick(&by("origin", "domestic")), Ok(vec![0, 2]));
        assert_eq!(pick(&by("vendor", "Nvidia")), Ok(vec![1]));
        assert_eq!(pick(&by("max_units", "8")), Ok(vec![2]));
        assert_eq!(pick(&Step::All), Ok(vec![0, 1, 2]));
        assert_eq!(pick(&Step::Id("b".into())), Ok(vec![1]));
        let e = pick(&by("vendor", "huawei")).unwrap_err();
        assert!(e.contains("selects nothing"), "{e}");
        assert!(e.contains("did you mean `[vendor=Huawei]`"), "{e}");
        let e = pick(&by("orign", "domestic")).unwrap_err();
        assert!(e.contains("did you mean `[origin=domestic]`"), "{e}");
        let e = pick(&by("origin", "martian")).unwrap_err();
        assert!(
            e.contains("the values of `origin` are: domestic, foreign"),
            "{e}"
        );
    }
}
