//! Shared accelerator catalogs: a scenario that says `catalog: FILE` takes every accelerator
//! of that file, and its own `accelerators` entries override catalog entries field by field
//! (matched by `id`) or add new ones.

use super::locate::Location;
use super::raw::CATALOG_KEYS;
use crate::error::{Diagnostic, ScenarioError};
use serde_yaml::Value;
use std::collections::BTreeSet;

/// A catalog file, read and checked for shape (its fields are validated with the scenario).
#[derive(Debug, Clone)]
pub struct Catalog {
    /// The file as messages name it.
    pub file: String,
    /// Its text, for locating problems.
    pub text: String,
    /// Path of the accelerator list inside the file (`accelerators`).
    entries: Vec<Value>,
}

/// Where one accelerator of the merged list came from.
#[derive(Debug, Clone, Default)]
pub struct EntryOrigin {
    /// Position in the scenario's own `accelerators` list, and the keys it wrote there.
    pub scenario: Option<(usize, BTreeSet<String>)>,
    /// Position in the catalog's `accelerators` list.
    pub catalog: Option<usize>,
}

fn problem(file: &str, location: Option<Location>, message: String) -> ScenarioError {
    ScenarioError::Invalid(vec![Diagnostic {
        file: file.to_string(),
        location,
        message,
    }])
}

impl Catalog {
    /// Reads the catalog at `path`; `shown` is how messages name it.
    pub fn read(path: &std::path::Path, shown: &str) -> Result<Catalog, ScenarioError> {
        let text = super::load::read_text(path, shown)?;
        Catalog::parse(text, shown)
    }

    /// Parses catalog text: a mapping with an `accelerators` list (and optionally `name`,
    /// `description`), each entry a mapping with a unique `id`.
    pub fn parse(text: String, file: &str) -> Result<Catalog, ScenarioError> {
        let value = super::load::parse_yaml(&text, file)?;
        let at = |path: &[&str]| {
            let segs: Vec<_> = path
                .iter()
                .map(|p| super::locate::Seg::Key(p.to_string()))
                .collect();
            super::locate::locate(&text, &segs)
        };
        let Value::Mapping(map) = &value else {
            return Err(problem(
                file,
                Some(Location { line: 1, column: 1 }),
                "a catalog must be a mapping with an `accelerators` list".into(),
            ));
        };
        for key in map.keys() {
            let k = key.as_str().unwrap_or("");
            if !CATALOG_KEYS.contains(&k) {
                let hint = match super::load::closest(k, &CATALOG_KEYS) {
                    Some(best) => format!(" (did you mean `{best}`?)"),
                    None => "; a catalog has `accelerators`, `name` and `description`".into(),
                };
                return Err(problem(
                    file,
                    at(&[k]),
                    format!("unknown key `{k}` in a catalog{hint}"),
                ));
            }
        }
        let entries = match map.get("accelerators") {
            Some(Value::Sequence(list)) => list.clone(),
            Some(_) => {
                return Err(problem(
                    file,
                    at(&["accelerators"]),
                    "accelerators must be a list of accelerator entries".into(),
                ));
            }
            None => {
                return Err(problem(
                    file,
                    None,
                    "a catalog needs an `accelerators` list".into(),
                ));
            }
        };
        let mut seen = BTreeSet::new();
        let mut problems = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            let place = super::locate::locate(
                &text,
                &[
                    super::locate::Seg::Key("accelerators".into()),
                    super::locate::Seg::Index(i),
                ],
            );
            match entry.get("id").and_then(Value::as_str) {
                _ if !entry.is_mapping() => problems.push(Diagnostic {
                    file: file.to_string(),
                    location: place,
                    message: format!("accelerators[{i}] must be a mapping of fields"),
                }),
                None => problems.push(Diagnostic {
                    file: file.to_string(),
                    location: place,
                    message: format!(
                        "accelerators[{i}].id is required in a catalog (scenarios match entries by id)"
                    ),
                }),
                Some(id) if !seen.insert(id.to_string()) => problems.push(Diagnostic {
                    file: file.to_string(),
                    location: place,
                    message: format!("accelerators[{id}]: the id `{id}` appears twice in the catalog"),
                }),
                Some(_) => {}
            }
        }
        if !problems.is_empty() {
            return Err(ScenarioError::Invalid(problems));
        }
        Ok(Catalog {
            file: file.to_string(),
            text,
            entries,
        })
    }

    /// Replaces the scenario's `accelerators` with the catalog's entries, each overridden
    /// field by field by the scenario entry of the same id, followed by the scenario's entries
    /// whose ids the catalog lacks. Returns where each merged entry came from.
    pub fn merge_into(&self, scenario: &mut Value) -> Vec<EntryOrigin> {
        let own: Vec<Value> = match scenario.get("accelerators") {
            Some(Value::Sequence(list)) => list.clone(),
            _ => Vec::new(),
        };
        let mut merged: Vec<Value> = self.entries.clone();
        let mut origins: Vec<EntryOrigin> = (0..merged.len())
            .map(|k| EntryOrigin {
                scenario: None,
                catalog: Some(k),
            })
            .collect();
        for (j, entry) in own.into_iter().enumerate() {
            let keys: BTreeSet<String> = entry
                .as_mapping()
                .map(|m| {
                    m.keys()
                        .filter_map(|k| k.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            let id = entry.get("id").and_then(Value::as_str).map(str::to_string);
            // Only the first scenario entry of an id merges: a second one stays separate so
            // that validation reports the duplicate.
            let target = id.as_deref().and_then(|id| {
                merged
                    .iter()
                    .zip(&origins)
                    .position(|(m, o)| {
                        o.scenario.is_none() && m.get("id").and_then(Value::as_str) == Some(id)
                    })
                    .filter(|&k| origins[k].catalog.is_some())
            });
            match (target, entry) {
                (Some(k), Value::Mapping(fields)) => {
                    if let Value::Mapping(base) = &mut merged[k] {
                        for (key, v) in fields {
                            base.insert(key, v);
                        }
                    }
                    origins[k].scenario = Some((j, keys));
                }
                (_, entry) => {
                    merged.push(entry);
                    origins.push(EntryOrigin {
                        scenario: Some((j, keys)),
                        catalog: None,
                    });
                }
            }
        }
        if let Value::Mapping(map) = scenario {
            map.insert(Value::from("accelerators"), Value::Sequence(merged));
        }
        origins
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATALOG: &str = "name: test catalog\naccelerators:\n  - {id: a, vendor: V, origin: domestic, unit_price: 10, tflops: 1}\n  - {id: b, vendor: W, origin: foreign, unit_price: 20, tflops: 2}\n";

    #[test]
    fn scenario_entries_override_field_by_field_and_add_new_ids() {
        let cat = Catalog::parse(CATALOG.into(), "cat.yaml").unwrap();
        let mut s: Value = serde_yaml::from_str(
            "name: s\naccelerators:\n  - {id: b, unit_price: 15}\n  - {id: c, vendor: X, origin: domestic, unit_price: 5, tflops: 1}\n",
        )
        .unwrap();
        let origins = cat.merge_into(&mut s);
        let list = s["accelerators"].as_sequence().unwrap();
        assert_eq!(list.len(), 3);
        assert_eq!(list[1]["unit_price"].as_f64(), Some(15.0));
        assert_eq!(list[1]["tflops"].as_f64(), Some(2.0));
        assert_eq!(list[1]["vendor"].as_str(), Some("W"));
        assert_eq!(list[2]["id"].as_str(), Some("c"));
        assert!(origins[0].scenario.is_none() && origins[0].catalog == Some(0));
        assert_eq!(origins[1].scenario.as_ref().unwrap().0, 0);
        assert!(
            origins[1]
                .scenario
                .as_ref()
                .unwrap()
                .1
                .contains("unit_price")
        );
        assert!(origins[2].catalog.is_none());
    }

    #[test]
    fn bad_catalogs_are_refused_with_their_place() {
        let e = Catalog::parse("accelerators:\n  - {vendor: V}\n".into(), "c.yaml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("c.yaml:2:5: accelerators[0].id is required"),
            "{e}"
        );
        let e = Catalog::parse("accelerators:\n  - {id: a}\n  - {id: a}\n".into(), "c.yaml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("appears twice"), "{e}");
        let e = Catalog::parse("acelerators: []\n".into(), "c.yaml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("did you mean `accelerators`"), "{e}");
    }
}
