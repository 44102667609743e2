//! `chipmix schema`: the committed schemas are what the command prints, and a real
//! draft 2020-12 validator (the `jsonschema` crate) accepts every sample scenario, the
//! catalog and every sample's plan with them, and refuses misspelt keys and wrong types,
//! as the loader does.

use crate::support::{chipmix, json, sample, sample_files, scenario_file};
use jsonschema::Validator;
use serde_json::Value;
use std::path::Path;

/// The committed schema `schema/KIND.schema.json`, as text.
fn committed(kind: &str) -> String {
    let path = format!("{}/schema/{kind}.schema.json", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A validator for the committed schema of `kind`, checked against the draft 2020-12
/// meta-schema first.
fn validator(kind: &str) -> Validator {
    let schema = json(&committed(kind));
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    jsonschema::meta::validate(&schema)
        .unwrap_or_else(|e| panic!("{kind}: not a valid JSON Schema: {e}"));
    jsonschema::draft202012::new(&schema).unwrap_or_else(|e| panic!("{kind}: {e}"))
}

/// The validator's complaints about `instance`, one per line (empty when it is valid).
fn problems(v: &Validator, instance: &Value) -> String {
    v.iter_errors(instance)
        .map(|e| format!("{}: {e}\n", e.instance_path()))
        .collect()
}

/// YAML text as the JSON data an editor's schema check sees: mapping keys as strings
/// (`2026:` is the key "2026").
fn yaml(text: &str) -> Value {
    fn convert(v: serde_yaml::Value) -> Value {
        match v {
            serde_yaml::Value::Mapping(m) => Value::Object(
                m.into_iter()
                    .map(|(k, v)| {
                        let key = match k {
                            serde_yaml::Value::String(s) => s,
                            other => serde_yaml::to_string(&other).unwrap().trim().to_string(),
                        };
                        (key, convert(v))
                    })
                    .collect(),
            ),
            serde_yaml::Value::Sequence(s) => Value::Array(s.into_iter().map(convert).collect()),
            other => serde_json::to_value(other).unwrap(),
        }
    }
    convert(serde_yaml::from_str(text).unwrap())
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn committed_schemas_are_what_chipmix_schema_prints() {
    for kind in ["scenario", "plan", "catalog"] {
        let r = chipmix(&["schema", kind]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(
            r.stdout == committed(kind),
            "schema/{kind}.schema.json is stale: regenerate it with \
             `cargo run -- schema {kind} -o schema/{kind}.schema.json` and commit it"
        );
    }
}

#[test]
fn schema_writes_to_the_output_file() {
    let out = scenario_file("plan-schema", "").with_extension("json");
    let r = chipmix(&["schema", "plan", "-o", out.to_str().unwrap()]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{}", r.stderr);
    assert_eq!(read(&out), committed("plan"));
    let r = chipmix(&["schema", "scenarios"]);
    assert_eq!(r.code, 2, "an unknown kind is a usage error");
}

#[test]
fn every_sample_names_the_schema_and_is_accepted_by_it() {
    let v = validator("scenario");
    for path in sample_files() {
        let text = read(&path);
        let first = text.lines().next().unwrap();
        assert_eq!(
            first,
            "# yaml-language-server: $schema=../schema/scenario.schema.json",
            "{}",
            path.display()
        );
        let bad = problems(&v, &yaml(&text));
        assert!(bad.is_empty(), "{}:\n{bad}", path.display());
    }
}

#[test]
fn the_catalog_is_accepted_by_the_catalog_schema() {
    let v = validator("catalog");
    let path = Path::new(&sample("catalog/accelerators-2025.yaml")).to_path_buf();
    let text = read(&path);
    let line = "# yaml-language-server: $schema=../../schema/catalog.schema.json";
    assert_eq!(text.lines().next(), Some(line));
    let target = path
        .parent()
        .unwrap()
        .join("../../schema/catalog.schema.json");
    assert!(target.is_file(), "{}", target.display());
    let doc = yaml(&text);
    assert!(problems(&v, &doc).is_empty(), "{}", problems(&v, &doc));
    // A scenario is not a catalog, and a catalog without cards is refused.
    assert!(!v.is_valid(&yaml(&read(Path::new(&sample("shanghai-2025.yaml"))))));
    assert!(!v.is_valid(&yaml("name: empty\n")));
}

#[test]
fn the_national_sample_with_sites_periods_and_per_year_maps_is_accepted() {
    let v = validator("scenario");
    let doc = yaml(&read(Path::new(&sample("national-2025-2027.yaml"))));
    // The sample uses what the test is about.
    assert!(doc["periods"].as_array().is_some_and(|p| p.len() >= 2));
    assert!(doc["sites"].as_array().is_some_and(|s| s.len() >= 2));
    let per_year = doc["policy"]["domestic_share"]["min"]
        .as_object()
        .expect("a per-year quota");
    assert!(per_year.keys().all(|k| k.parse::<i64>().is_ok()));
    assert!(v.is_valid(&doc), "{}", problems(&v, &doc));
    // A per-year map takes years as keys, and values of the field's type.
    let mut bad = doc.clone();
    bad["policy"]["domestic_share"]["min"] = serde_json::json!({"next": 0.5});
    assert!(!v.is_valid(&bad));
    bad["policy"]["domestic_share"]["min"] = serde_json::json!({"2026": "half"});
    assert!(!v.is_valid(&bad));
}

/// A small valid scenario, and variants of it with one mistake each: the schema and the
/// loader refuse every one.
#[test]
fn misspelt_keys_and_wrong_types_are_refused_like_the_loader_refuses_them() {
    let v = validator("scenario");
    let good = "name: t\n\
                accelerators:\n  - {id: a, vendor: V, origin: domestic, unit_price: 10, tflops: 500, max_units: 8}\n\
                demand: {pflops: 2}\n";
    assert!(v.is_valid(&yaml(good)), "{}", problems(&v, &yaml(good)));
    let r = chipmix(&["validate", scenario_file("good", good).to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let cases = [
        ("max-unit", "max_units: 8", "max_unit: 8", "/accelerators/0"),
        (
            "cheap",
            "unit_price: 10",
            "unit_price: \"cheap\"",
            "/accelerators/0/unit_price",
        ),
        ("top", "demand:", "demmand:", ""),
        (
            "origin",
            "origin: domestic",
            "origin: local",
            "/accelerators/0/origin",
        ),
    ];
    for (tag, from, to, place) in cases {
        let text = good.replace(from, to);
        assert_ne!(text, good);
        let errors: Vec<String> = v
            .iter_errors(&yaml(&text))
            .map(|e| e.instance_path().to_string())
            .collect();
        assert!(
            errors.iter().any(|p| p == place),
            "{tag}: expected an error at `{place}`, got {errors:?}"
        );
        let r = chipmix(&["validate", scenario_file(tag, &text).to_str().unwrap()]);
        assert_eq!(
            r.code, 2,
            "{tag}: the loader accepts what the schema refuses"
        );
    }
}

#[test]
fn every_sample_plan_is_accepted_by_the_plan_schema() {
    let v = validator("plan");
    let mut statuses = Vec::new();
    for path in sample_files() {
        let r = chipmix(&["plan", path.to_str().unwrap(), "--format", "json"]);
        assert!(r.code <= 1, "{}: {}", path.display(), r.stderr);
        let p = json(&r.stdout);
        let bad = problems(&v, &p);
        assert!(bad.is_empty(), "{}:\n{bad}", path.display());
        statuses.push(p["status"].as_str().unwrap().to_string());
    }
    // Both kinds of plan were checked: with purchases, and infeasible with conflicts.
    assert!(statuses.iter().any(|s| s == "optimal"), "{statuses:?}");
    assert!(statuses.iter().any(|s| s == "infeasible"), "{statuses:?}");
    // An unbounded plan (free cards, most PFLOPS) carries `message`.
    let unbounded = scenario_file(
        "unbounded",
        "name: u\nobjective: max_pflops\nlimits: {budget: 100}\naccelerators:\n  - {id: a, vendor: V, origin: domestic, unit_price: 0, tflops: 500}\n",
    );
    let r = chipmix(&["plan", unbounded.to_str().unwrap(), "--format", "json"]);
    let p = json(&r.stdout);
    assert_eq!(
        (r.code, p["status"].as_str()),
        (1, Some("unbounded")),
        "{}",
        r.stderr
    );
    assert!(p["message"].is_string());
    assert!(v.is_valid(&p), "{}", problems(&v, &p));
}

#[test]
fn the_plan_schema_refuses_what_is_not_a_plan() {
    let v = validator("plan");
    let r = chipmix(&["plan", &sample("shanghai-2025.yaml"), "--format", "json"]);
    let good = json(&r.stdout);
    assert!(v.is_valid(&good));
    let mut extra = good.clone();
    extra["total_costs"] = Value::from(1.0);
    let mut status = good.clone();
    status["status"] = Value::from("solved");
    let mut units = good.clone();
    units["purchases"][0]["units"] = Value::from("many");
    let mut missing = good;
    missing.as_object_mut().unwrap().remove("fleet");
    for (what, p) in [
        ("an unknown key", extra),
        ("an unknown status", status),
        ("text for units", units),
        ("no fleet", missing),
    ] {
        assert!(!v.is_valid(&p), "{what} is accepted");
    }
}
