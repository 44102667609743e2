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
//!
//! Then relative overrides (`*=`, `+=`, `-=`) and selectors of many entries
//! (`accelerators[origin=domestic]`, `sites[*]`), through the built binary: a scaled value
//! plans exactly like the same value written out (separate runs); a selector changes the
//! matched entries and nothing else (read back with `validate --resolved`, compared with
//! the sample file read here); each way of getting one wrong exits 2 naming the override.

use crate::support::random::config;
use crate::support::{chipmix, close, json, plan, run_owned, sample, units_of, with_sets};
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

// ---------------------------------------------------------------------------------------
// Relative and bulk overrides, through the binary
// ---------------------------------------------------------------------------------------

use serde_yaml::Value as Yaml;

/// A sample scenario file as parsed YAML.
fn sample_yaml(name: &str) -> Yaml {
    let text = std::fs::read_to_string(sample(name)).expect("the sample reads");
    serde_yaml::from_str(&text).expect("the sample parses")
}

/// The accelerator entry `id` of a parsed scenario.
fn entry<'a>(doc: &'a Yaml, list: &str, id: &str) -> &'a Yaml {
    doc[list]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|e| e["id"].as_str() == Some(id))
        .unwrap_or_else(|| panic!("no {list} entry `{id}`"))
}

/// `chipmix validate --resolved SCENARIO --set ...`: the resolved scenario, parsed, and
/// stderr (its warnings). Checked to exit 0.
fn resolved(scenario: &str, sets: &[&str]) -> (Yaml, String) {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let args = with_sets(
        vec!["validate".into(), "--resolved".into(), scenario.into()],
        &sets,
    );
    let r = run_owned(&args);
    assert_eq!(r.code, 0, "validate {sets:?}: {}", r.stderr);
    let doc = serde_yaml::from_str(&r.stdout).expect("resolved YAML parses");
    (doc, r.stderr)
}

/// A number or per-year map of numbers with `f` applied to every number.
fn map_numbers(v: &Yaml, f: &dyn Fn(f64) -> f64) -> Yaml {
    match v {
        Yaml::Mapping(m) => Yaml::Mapping(
            m.iter()
                .map(|(k, v)| (k.clone(), map_numbers(v, f)))
                .collect(),
        ),
        v => Yaml::from(f(v.as_f64().expect("a number"))),
    }
}

/// Whether two resolved values are the same numbers (within tolerance) or equal otherwise.
fn same(a: &Yaml, b: &Yaml) -> bool {
    match (a, b) {
        (Yaml::Mapping(x), Yaml::Mapping(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, v)| {
                    y.iter()
                        .find(|(l, _)| l.as_i64() == k.as_i64() && l.as_str() == k.as_str())
                        .is_some_and(|(_, w)| same(v, w))
                })
        }
        (Yaml::Sequence(x), Yaml::Sequence(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same(v, w))
        }
        _ => match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => close(x, y),
            _ => a == b,
        },
    }
}

/// A per-year map or number written as `--set` takes it.
fn flow(v: &Yaml) -> String {
    match v {
        Yaml::Mapping(m) => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}: {}", k.as_i64().unwrap(), v.as_f64().unwrap()))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        v => v.as_f64().unwrap().to_string(),
    }
}

#[test]
fn a_scaled_supply_cap_plans_like_the_cap_written_out() {
    let shanghai = sample("shanghai-2025.yaml");
    let file = sample_yaml("shanghai-2025.yaml");
    let cap = entry(&file, "accelerators", "ascend-910c")["max_units"]
        .as_f64()
        .unwrap();
    let half = (cap * 0.5).floor();
    let base = plan(&shanghai, &[]);
    let scaled = plan(
        &shanghai,
        &["accelerators[ascend-910c].max_units*=0.5".to_string()],
    );
    let explicit = plan(
        &shanghai,
        &[format!("accelerators[ascend-910c].max_units={half}")],
    );
    assert_eq!(scaled["status"], explicit["status"]);
    assert!(close(
        scaled["total_cost"].as_f64().unwrap(),
        explicit["total_cost"].as_f64().unwrap()
    ));
    for a in file["accelerators"].as_sequence().unwrap() {
        let id = a["id"].as_str().unwrap();
        assert_eq!(units_of(&scaled, id), units_of(&explicit, id), "{id}");
    }
    // The cap binds in the sample, so the override had an effect.
    assert!(units_of(&scaled, "ascend-910c") <= half);
    assert!(
        units_of(&base, "ascend-910c") > half,
        "the sample's plan changed"
    );
}

#[test]
fn relative_overrides_of_per_period_maps_change_every_period() {
    let national = sample("national-2025-2027.yaml");
    let file = sample_yaml("national-2025-2027.yaml");
    let ascend = entry(&file, "accelerators", "ascend-910c");
    let half_caps = map_numbers(&ascend["max_units"], &|v| (v * 0.5).floor());
    let dearer = map_numbers(&ascend["unit_price"], &|v| v * 1.1);
    assert!(
        half_caps.is_mapping() && dearer.is_mapping(),
        "the sample changed"
    );
    let site = &file["sites"][0];
    let id = site["id"].as_str().unwrap();
    let more_power = map_numbers(&site["power_kw"], &|v| v + 1500.0);
    let (relative, _) = resolved(
        &national,
        &[
            "accelerators[ascend-910c].max_units*=0.5",
            "accelerators[ascend-910c].unit_price*=1.1",
            &format!("sites[{id}].power_kw+=1500"),
        ],
    );
    let (written_out, _) = resolved(
        &national,
        &[
            &format!("accelerators[ascend-910c].max_units={}", flow(&half_caps)),
            &format!("accelerators[ascend-910c].unit_price={}", flow(&dearer)),
            &format!("sites[{id}].power_kw={}", flow(&more_power)),
        ],
    );
    assert!(
        same(&relative, &written_out),
        "{relative:?}\nvs\n{written_out:?}"
    );
    let got = entry(&relative, "accelerators", "ascend-910c");
    assert!(
        same(&got["max_units"], &half_caps),
        "{:?}",
        got["max_units"]
    );
    assert!(same(&got["unit_price"], &dearer), "{:?}", got["unit_price"]);
    let (minus, _) = resolved(&national, &[&format!("sites[{id}].power_kw-=1500")]);
    let less = map_numbers(&site["power_kw"], &|v| v - 1500.0);
    assert!(same(&entry(&minus, "sites", id)["power_kw"], &less));
}

/// Checks that `changed` is `base` with `field` of every entry of `list` that `matches`
/// replaced by `expect(old value)`, and nothing else changed. Returns how many changed.
fn only_matched_changed(
    base: &Yaml,
    changed: &Yaml,
    (list, field): (&str, &str),
    matches: &dyn Fn(&Yaml) -> bool,
    expect: &dyn Fn(&Yaml) -> Option<Yaml>,
) -> usize {
    let mut count = 0;
    for (key, value) in base.as_mapping().unwrap() {
        let other = &changed[key.as_str().unwrap()];
        if key.as_str() != Some(list) {
            assert!(same(value, other), "{key:?} changed");
            continue;
        }
        let (before, after) = (value.as_sequence().unwrap(), other.as_sequence().unwrap());
        assert_eq!(before.len(), after.len());
        for (b, a) in before.iter().zip(after) {
            let id = b["id"].as_str().unwrap();
            for (k, v) in b.as_mapping().unwrap() {
                let now = a.get(k).cloned().unwrap_or(Yaml::Null);
                let wanted = if k.as_str() == Some(field) && matches(b) {
                    expect(v)
                } else {
                    None
                };
                match wanted {
                    Some(w) => {
                        assert!(
                            same(&now, &w),
                            "{list}[{id}].{field}: {now:?}, expected {w:?}"
                        );
                        count += 1;
                    }
                    None => assert!(
                        same(v, &now),
                        "{list}[{id}].{k:?} changed: {v:?} -> {now:?}"
                    ),
                }
            }
            if matches(b) && b.get(field).is_none() {
                let now = a.get(field).cloned().unwrap_or(Yaml::Null);
                if let Some(w) = expect(&Yaml::Null) {
                    assert!(
                        same(&now, &w),
                        "{list}[{id}].{field}: {now:?}, expected {w:?}"
                    );
                    count += 1;
                } else {
                    assert!(now.is_null(), "{list}[{id}].{field} appeared: {now:?}");
                }
            }
        }
    }
    count
}

/// One selector case: sample, override, the (list, field) it changes, which entries it
/// should pick, and the value each should get from its old one (`None`: left alone).
type SelectorCase = (
    &'static str,
    &'static str,
    (&'static str, &'static str),
    fn(&Yaml) -> bool,
    fn(&Yaml) -> Option<Yaml>,
);

#[test]
fn selectors_change_exactly_the_matched_entries() {
    let halve = |v: &Yaml| (!v.is_null()).then(|| map_numbers(v, &|x| (x * 0.5).floor()));
    let dearer = |v: &Yaml| Some(map_numbers(v, &|x| x * 1.1));
    let cases: Vec<SelectorCase> = vec![
        (
            "shanghai-2025.yaml",
            "accelerators[origin=domestic].max_units*=0.5",
            ("accelerators", "max_units"),
            |e| e["origin"] == "domestic",
            halve,
        ),
        (
            "shanghai-2025.yaml",
            "accelerators[vendor=Huawei].unit_price=1000",
            ("accelerators", "unit_price"),
            |e| e["vendor"] == "Huawei",
            |_| Some(Yaml::from(1000.0)),
        ),
        (
            "shanghai-2025.yaml",
            "accelerators[platform=cann].available=false",
            ("accelerators", "available"),
            |e| e["platform"] == "cann",
            |_| Some(Yaml::from(false)),
        ),
        (
            "shanghai-2025.yaml",
            "accelerators[*].max_units=100",
            ("accelerators", "max_units"),
            |_| true,
            |_| Some(Yaml::from(100.0)),
        ),
        (
            "national-2025-2027.yaml",
            "accelerators[*].unit_price*=1.1",
            ("accelerators", "unit_price"),
            |_| true,
            dearer,
        ),
        (
            "national-2025-2027.yaml",
            "sites[*].pue*=1.1",
            ("sites", "pue"),
            |_| true,
            |v: &Yaml| (!v.is_null()).then(|| map_numbers(v, &|x| x * 1.1)),
        ),
        (
            "catalog-shanghai-2025.yaml",
            "accelerators[origin=foreign].power_w+=50",
            ("accelerators", "power_w"),
            |e| e["origin"] == "foreign",
            |v: &Yaml| Some(map_numbers(v, &|x| x + 50.0)),
        ),
    ];
    for (name, set, place, matches, expect) in &cases {
        let scenario = sample(name);
        let (base, _) = resolved(&scenario, &[]);
        let (changed, _) = resolved(&scenario, &[set]);
        let n = only_matched_changed(&base, &changed, *place, matches, expect);
        assert!(n > 0, "{name} --set {set} changed nothing");
    }
}

#[test]
fn a_selector_leaves_entries_without_the_field_alone_and_says_so() {
    let shanghai = sample("shanghai-2025.yaml");
    let (base, _) = resolved(&shanghai, &[]);
    let set = "accelerators[*].max_units*=0.5";
    let (changed, stderr) = resolved(&shanghai, &[set]);
    let uncapped: Vec<&str> = base["accelerators"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter(|e| e.get("max_units").is_none())
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert!(!uncapped.is_empty(), "the sample changed");
    for id in &uncapped {
        assert!(
            entry(&changed, "accelerators", id)
                .get("max_units")
                .is_none()
        );
        assert!(
            stderr.contains(&format!("accelerators[{id}].max_units")),
            "{stderr}"
        );
    }
    assert!(
        stderr.contains(&format!("--set {set}: warning:")),
        "{stderr}"
    );
    // A figure rounded down to whole units is said, with the arithmetic.
    let cap = entry(&base, "accelerators", "ascend-910c")["max_units"]
        .as_f64()
        .unwrap();
    let (changed, stderr) = resolved(&shanghai, &["accelerators[ascend-910c].max_units*=0.333"]);
    let got = entry(&changed, "accelerators", "ascend-910c")["max_units"]
        .as_f64()
        .unwrap();
    assert_eq!(got, (cap * 0.333).floor());
    assert!(stderr.contains("rounded down to"), "{stderr}");
}

#[test]
fn a_sweep_param_with_a_selector_sets_every_matched_entry() {
    let shanghai = sample("shanghai-2025.yaml");
    let file = sample_yaml("shanghai-2025.yaml");
    let domestic: Vec<String> = file["accelerators"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter(|a| a["origin"] == "domestic")
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    let r = chipmix(&[
        "sweep",
        &shanghai,
        "--param",
        "accelerators[origin=domestic].max_units*",
        "--values",
        "0.75,1.25",
        "--format",
        "csv",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut rows = csv::Reader::from_reader(r.stdout.as_bytes());
    let headers = rows.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let mut seen = 0;
    for row in rows.records() {
        let row = row.unwrap();
        let factor: f64 = row[0].parse().unwrap();
        let sets: Vec<String> = domestic
            .iter()
            .map(|id| {
                let cap = entry(&file, "accelerators", id)["max_units"]
                    .as_f64()
                    .unwrap();
                format!("accelerators[{id}].max_units={}", (cap * factor).floor())
            })
            .collect();
        let p = plan(&shanghai, &sets);
        assert_eq!(
            row[col("status")],
            *p["status"].as_str().unwrap(),
            "{factor}"
        );
        if p["status"] != "optimal" {
            seen += 1;
            continue;
        }
        let total: f64 = row[col("total_cost")].parse().unwrap();
        assert!(close(total, p["total_cost"].as_f64().unwrap()), "{factor}");
        for id in &domestic {
            let units: f64 = row[col(&format!("units.{id}"))].parse().unwrap();
            assert_eq!(units, units_of(&p, id), "{factor} {id}");
        }
        seen += 1;
    }
    assert_eq!(seen, 2);
}

#[test]
fn a_compare_variant_takes_a_selector() {
    let shanghai = sample("shanghai-2025.yaml");
    let r = chipmix(&[
        "compare",
        &shanghai,
        "--variant",
        "dear:accelerators[origin=domestic].unit_price*=1.2",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("dear"), "{}", r.stdout);
    let _ = json(&r.stdout);
}

#[test]
fn wrong_relative_and_bulk_overrides_exit_2_naming_the_override() {
    let shanghai = sample("shanghai-2025.yaml");
    let cases: &[(&str, &[&str])] = &[
        // Nothing to scale: the file gives no cap for h20.
        (
            "accelerators[h20].max_units*=0.5",
            &[
                "accelerators[h20].max_units",
                "nothing to scale",
                "accelerators[h20].max_units=VALUE",
            ],
        ),
        (
            "limits.budget+=1e6",
            &["limits.budget", "nothing to add to"],
        ),
        (
            "accelerators[vendor=huawei].max_units*=0.5",
            &["selects nothing", "did you mean `[vendor=Huawei]`"],
        ),
        (
            "accelerators[orign=domestic].max_units*=0.5",
            &["no field `orign`", "origin"],
        ),
        (
            "sites[*].pue*=2",
            &["gives no `sites`", "no `sites[*].pue` to scale"],
        ),
        ("accelerators[*].available*=2", &["not a number"]),
        ("accelerators[*].vendor*=2", &["not a number"]),
        ("limits*=2", &["section"]),
        ("accelerators[*]=3", &["a selector changes a field of each"]),
        ("accelerators[h20]*=3", &["whole entry"]),
        ("accelerators[*].unit_price*=abc", &["needs a factor"]),
        ("accelerators[*].unit_price*=.nan", &["needs a factor"]),
        (
            "accelerators[*].unit_price-=1e9",
            &["unit_price", "must be >= 0"],
        ),
        (
            "accelerators[origin=domestic].max_units*=-1",
            &["max_units", "whole number"],
        ),
    ];
    for (set, parts) in cases {
        let r = chipmix(&["validate", &shanghai, "--set", set]);
        assert_eq!(r.code, 2, "--set {set}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!("--set {set}")),
            "--set {set}: the message does not name the override: {}",
            r.stderr
        );
        for part in *parts {
            assert!(
                r.stderr.contains(part),
                "--set {set}: lacks `{part}`: {}",
                r.stderr
            );
        }
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    }
}
