//! Properties of `--set` overrides, through the library (`Document::resolve`), on random
//! paths and values built from the real paths of the Shanghai sample:
//!
//! 1. Resolving never panics, whatever the path and value.
//! 2. Every problem it reports names an override (`--set PATH=VALUE`) or the scenario file,
//!    and an override that is refused as a path names the path it was given.
//! 3. Setting a field to the value it already has changes nothing: the scenario resolves to
//!    the same resolved YAML as without the override.
//! 4. Setting a numeric field to a new valid value and reading the resolved scenario back
//!    shows the new value (the override is not silently dropped).

use crate::support::random::config;
use chipmix::error::ScenarioError;
use chipmix::scenario::resolved::to_yaml;
use chipmix::scenario::{Document, Override};
use proptest::prelude::*;

fn shanghai() -> Document {
    let path = format!(
        "{}/scenarios/shanghai-2025.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    Document::read(std::path::Path::new(&path)).expect("the sample reads")
}

/// Real paths of the sample, with the kind of value each takes.
const PATHS: &[(&str, &str)] = &[
    ("policy.domestic_share.min", "fraction"),
    ("policy.domestic_share.basis", "basis"),
    ("policy.domestic_share.strict", "bool"),
    ("limits.budget", "money"),
    ("limits.capex_budget", "money"),
    ("limits.power_kw", "money"),
    ("limits.vendor_max_share", "fraction"),
    ("demand.pflops", "money"),
    ("demand.memory_tb", "money"),
    ("costs.pue", "pue"),
    ("costs.opex_years", "money"),
    ("costs.platform_adoption.cann", "money"),
    ("accelerators[h20].unit_price", "money"),
    ("accelerators[h20].available", "bool"),
    ("accelerators[ascend-910c].max_units", "units"),
    ("accelerators[ascend-910c].lot_size", "units"),
    ("accelerators[l20].origin", "origin"),
    ("accelerators[1].tflops", "money"),
    ("solver.mip_gap", "fraction"),
    ("name", "text"),
];

/// Ways to spoil a path.
fn spoil(path: &str, how: u8, at: usize) -> String {
    let chars: Vec<char> = path.chars().collect();
    let i = at % chars.len().max(1);
    match how % 6 {
        0 => path.to_string(),
        1 => chars
            .iter()
            .enumerate()
            .filter(|(k, _)| *k != i)
            .map(|(_, c)| *c)
            .collect(),
        2 => path.replace(['[', ']'], ""),
        3 => format!("{path}.extra"),
        4 => path.replacen('.', "..", 1),
        _ => {
            let mut s: String = chars[..i].iter().collect();
            s.push('[');
            s.extend(&chars[i..]);
            s
        }
    }
}

fn value_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        (-1.0e3f64..1.0e10).prop_map(|v| v.to_string()),
        (0.0f64..1.0).prop_map(|v| format!("{v:.3}")),
        Just("true".to_string()),
        Just("false".to_string()),
        Just("null".to_string()),
        Just(String::new()),
        Just("domestic".to_string()),
        Just("{a: 1}".to_string()),
        Just("[1, 2".to_string()),
        Just(".nan".to_string()),
        Just("-.inf".to_string()),
        "[ -~]{0,12}",
    ]
}

proptest! {
    #![proptest_config(config(600))]

    /// Properties 1 and 2.
    #[test]
    fn any_override_resolves_or_is_refused_with_its_name(
        picks in proptest::collection::vec((0..PATHS.len(), 0u8..12, 0usize..64, value_strategy()), 1..4)
    ) {
        let doc = shanghai();
        let sets: Vec<Override> = picks
            .iter()
            .map(|(p, how, at, v)| Override::new(&spoil(PATHS[*p].0, *how, *at), v))
            .collect();
        let outcome = std::panic::catch_unwind(|| doc.resolve(&sets));
        let Ok(result) = outcome else {
            return Err(TestCaseError::fail(format!("panicked on {sets:?}")));
        };
        if let Err(ScenarioError::Invalid(problems)) = result {
            prop_assert!(!problems.is_empty());
            for d in &problems {
                let named = d.file.starts_with("--set ")
                    && sets.iter().any(|o| d.file == format!("--set {o}"));
                prop_assert!(
                    named || d.file.ends_with("shanghai-2025.yaml"),
                    "problem names neither an override nor the file: {d} (sets {sets:?})"
                );
                prop_assert!(!d.message.is_empty());
            }
        }
    }

    /// Property 3.
    #[test]
    fn setting_a_field_to_its_own_value_changes_nothing(p in 0..PATHS.len()) {
        let doc = shanghai();
        let base = to_yaml(&doc.resolve(&[]).unwrap().scenario);
        let (path, _) = PATHS[p];
        // The current value, read from the parsed file by walking the path by hand.
        let mut node = doc.value().clone();
        for part in path.split('.') {
            let (key, sel) = match part.split_once('[') {
                Some((k, rest)) => (k, Some(rest.trim_end_matches(']'))),
                None => (part, None),
            };
            node = node.get(key).cloned().unwrap_or(serde_yaml::Value::Null);
            if let Some(sel) = sel {
                node = match sel.parse::<usize>() {
                    Ok(i) => node.get(i).cloned(),
                    Err(_) => node
                        .as_sequence()
                        .and_then(|l| l.iter().find(|e| e.get("id").and_then(|v| v.as_str()) == Some(sel)))
                        .cloned(),
                }
                .unwrap_or(serde_yaml::Value::Null);
            }
        }
        prop_assume!(!node.is_null());
        let text = serde_yaml::to_string(&node).unwrap();
        let text = text.trim_end();
        prop_assume!(!text.contains('\n'));
        let again = to_yaml(&doc.resolve(&[Override::new(path, text)]).unwrap().scenario);
        prop_assert_eq!(base, again);
    }

    /// Property 4.
    #[test]
    fn a_new_valid_value_shows_in_the_resolved_scenario(v in 1.0f64..1.0e9, q in 0.0f64..1.0) {
        let doc = shanghai();
        let budget = format!("{v}");
        let share = format!("{q:.4}");
        let s = doc
            .resolve(&[
                Override::new("limits.budget", &budget),
                Override::new("policy.domestic_share.min", &share),
                Override::new("accelerators[h20].unit_price", &budget),
            ])
            .unwrap()
            .scenario
            .as_single()
            .expect("a section-1 scenario");
        prop_assert_eq!(s.limits.budget, Some(budget.parse::<f64>().unwrap()));
        prop_assert_eq!(s.domestic_share.as_ref().map(|d| d.min), Some(share.parse::<f64>().unwrap()));
        let h20 = s.accelerators.iter().find(|a| a.id == "h20").unwrap();
        prop_assert_eq!(h20.unit_price, budget.parse::<f64>().unwrap());
    }
}
