//! Binding rules, rules near their limit, shadow prices and the workload allocation agree
//! (issue 15): one set of rule names in `plan` and `explain`; every binding rule has a
//! shadow price or says why not; a rule within 0.1% of its limit is listed as near; with
//! `demand.workloads` the plan says which cards serve which class, and `chipmix check`
//! refuses an allocation that does not add up. Every figure is recomputed here from the
//! scenario file (TFLOPS, efficiencies, demands), never taken from the plan.

use crate::support::{chipmix, has_plan, json, optimal_plan, sample, scenario_file};
use serde_json::Value;
use std::collections::BTreeMap;

/// Two sites, two years, demand per workload class (maps by year and scalars), an
/// installed fleet at `a`, lots for `g`, and a quota: small enough for microlp to prove.
const NATIONAL_WORKLOADS: &str = r#"
name: two sites with workloads
currency: USD
periods: [2025, 2026]
accelerators:
  - {id: g, vendor: V1, origin: foreign, unit_price: 100, tflops: 100, power_w: 500, lot_size: 2, efficiency: {training: 1.0, inference: 1.0}}
  - {id: d, vendor: D1, origin: domestic, unit_price: 70, tflops: 100, power_w: 500, efficiency: {training: 0.5, inference: 0.9}}
sites:
  - id: a
    demand: {workloads: {training: {2025: 1, 2026: 2}, inference: {2025: 2, 2026: 3}}}
    existing: [{id: g, units: 3}]
  - id: b
    demand: {workloads: {training: 0.5, inference: {2025: 1, 2026: 1.5}}}
policy:
  domestic_share: {min: 0.4}
"#;

/// One site: 1 PFLOPS and 1 kW per card, demand 2,998 PFLOPS, so 2,998 kW of a 3,000 kW
/// limit (0.067% slack: near, not binding, as one card is 1 kW).
const POWER_NEAR: &str = r#"
name: power near its limit
accelerators:
  - {id: c, vendor: V, origin: foreign, unit_price: 10, tflops: 1000, power_w: 1000}
demand: {pflops: 2998}
limits: {power_kw: 3000}
"#;

/// [`POWER_NEAR`] as two sites: only `tight` is near its power limit.
const POWER_NEAR_SITES: &str = r#"
name: power near its limit at one site
accelerators:
  - {id: c, vendor: V, origin: foreign, unit_price: 10, tflops: 1000, power_w: 1000}
sites:
  - {id: tight, demand: {pflops: 2998}, power_kw: 3000}
  - {id: roomy, demand: {pflops: 100}, power_kw: 3000}
"#;

/// The scenario's YAML.
fn yaml(text: &str) -> serde_yaml::Value {
    serde_yaml::from_str(text).expect("the scenario is YAML")
}

/// A per-period field's value in `year`: the scalar, or the map's entry (`None` when the
/// field is absent).
fn at(v: &serde_yaml::Value, year: Option<i64>) -> Option<f64> {
    match (v, year) {
        (serde_yaml::Value::Mapping(m), Some(y)) => m
            .get(serde_yaml::Value::from(y))
            .and_then(serde_yaml::Value::as_f64),
        (v, _) => v.as_f64(),
    }
}

/// Effective TFLOPS of each accelerator for each class, from the scenario (efficiency 1.0
/// where none is given).
fn effective(doc: &serde_yaml::Value, class: &str) -> BTreeMap<String, f64> {
    doc["accelerators"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|a| {
            let eff = a["efficiency"][class].as_f64().unwrap_or(1.0);
            (
                a["id"].as_str().unwrap().to_string(),
                a["tflops"].as_f64().unwrap() * eff,
            )
        })
        .collect()
}

/// A `(site, period)` label of a plan.
type Place = (Option<String>, Option<i64>);

/// Units or PFLOPS by accelerator id or workload class.
type Figures = BTreeMap<String, f64>;

/// Units by accelerator id of a JSON `fleet` array.
fn units_by_id(fleet: &Value) -> Figures {
    fleet
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().into(),
                f["units"].as_f64().unwrap(),
            )
        })
        .collect()
}

/// The places of a plan: `(site, period)` labels, and for each the fleet per accelerator
/// and the scenario's workload demands there.
fn places(doc: &serde_yaml::Value, plan: &Value) -> Vec<(Place, Figures, Figures)> {
    let mut out = Vec::new();
    if let Some(sites) = plan["sites"].as_array().filter(|s| !s.is_empty()) {
        for site in sites {
            let id = site["id"].as_str().unwrap();
            let spec = doc["sites"]
                .as_sequence()
                .unwrap()
                .iter()
                .find(|s| s["id"].as_str() == Some(id))
                .unwrap();
            for p in site["periods"].as_array().unwrap() {
                let year = p["period"].as_i64();
                let fleet = units_by_id(&p["fleet"]);
                let demand = spec["demand"]["workloads"]
                    .as_mapping()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.as_str().unwrap().to_string(), at(v, year).unwrap()))
                    .collect();
                out.push(((Some(id.to_string()), year), fleet, demand));
            }
        }
    } else {
        let fleet = units_by_id(&plan["fleet"]);
        let demand = doc["demand"]["workloads"]
            .as_mapping()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.as_str().unwrap().to_string(), v.as_f64().unwrap()))
            .collect();
        out.push(((None, None), fleet, demand));
    }
    out
}

/// Checks the plan's allocation against the scenario at every site and period: whole
/// cards, never more than the fleet, every class served its demand with the scenario's
/// TFLOPS and efficiencies. Returns the number of rows.
fn check_allocation(text: &str, plan: &Value) -> usize {
    let doc = yaml(text);
    let rows = plan["allocation"].as_array().expect("an allocation list");
    let mut seen = 0;
    for ((site, year), fleet, demand) in places(&doc, plan) {
        let here: Vec<&Value> = rows
            .iter()
            .filter(|r| {
                r["site"].as_str().map(String::from) == site && r["period"].as_i64() == year
            })
            .collect();
        seen += here.len();
        for r in &here {
            let u = r["units"].as_f64().unwrap();
            assert!(
                u > 0.0 && u.fract() == 0.0,
                "{site:?} {year:?}: whole cards: {r}"
            );
        }
        for (id, n) in &fleet {
            let given: f64 = here
                .iter()
                .filter(|r| r["id"] == id.as_str())
                .map(|r| r["units"].as_f64().unwrap())
                .sum();
            assert!(
                given <= n + 1e-9,
                "{site:?} {year:?}: {given} of {n} {id} given"
            );
        }
        for r in &here {
            assert!(
                fleet.contains_key(r["id"].as_str().unwrap()),
                "{r}: not in the fleet"
            );
        }
        for (class, need) in &demand {
            let eff = effective(&doc, class);
            let got: f64 = here
                .iter()
                .filter(|r| r["workload"] == class.as_str())
                .map(|r| r["units"].as_f64().unwrap() * eff[r["id"].as_str().unwrap()] / 1000.0)
                .sum();
            assert!(
                got >= need * (1.0 - 1e-9),
                "{site:?} {year:?}: {class} gets {got} effective PFLOPS of {need}"
            );
        }
    }
    assert_eq!(
        seen,
        rows.len(),
        "every row is at a site and period of the plan"
    );
    seen
}

/// `chipmix explain --format json` of `scenario`, which must exit 0 with a plan.
fn explain(scenario: &str) -> Value {
    let r = chipmix(&["explain", scenario, "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let e = json(&r.stdout);
    assert!(has_plan(&e["plan"]), "{}", e["plan"]);
    e
}

/// Rules that bind the sum over sites: their shadow prices have no site.
fn national(name: &str) -> bool {
    name.starts_with("supply:")
        || name.starts_with("vendor_share:")
        || ["budget", "capex_budget", "national_domestic_share"].contains(&name)
}

/// Every binding rule of the explanation's plan (top level, and per site and period) has a
/// shadow price entry of the same name, at that site and period, with a value or a reason.
fn check_every_binding_rule_is_priced(e: &Value) {
    let plan = &e["plan"];
    let prices = e["shadow_prices"].as_array().unwrap();
    let priced = |name: &str, site: &Value, period: &Value| {
        prices.iter().any(|p| {
            p["constraint"] == name
                && (national(name) || (&p["site"] == site && &p["period"] == period))
        })
    };
    for p in prices {
        let why = p["why"].as_str().is_some_and(|w| !w.is_empty());
        assert!(
            p["value"].is_number() || why,
            "neither a value nor a reason: {p}"
        );
    }
    for b in plan["binding"].as_array().unwrap() {
        let name = b.as_str().unwrap();
        assert!(
            prices.iter().any(|p| p["constraint"] == name),
            "binding {name} has no shadow price: {prices:?}"
        );
    }
    for site in plan["sites"].as_array().unwrap() {
        for p in site["periods"].as_array().unwrap() {
            for b in p["binding"].as_array().unwrap() {
                let name = b.as_str().unwrap();
                assert!(
                    priced(name, &site["id"], &p["period"]),
                    "{name} binds at {} {}, but has no shadow price there",
                    site["id"],
                    p["period"]
                );
            }
        }
    }
}

#[test]
fn training_inference_allocation_meets_each_workload_in_whole_cards() {
    let text = std::fs::read_to_string(sample("training-inference.yaml")).unwrap();
    let p = optimal_plan(&sample("training-inference.yaml"), &[]);
    let rows = check_allocation(&text, &p);
    assert!(rows >= 2, "both classes are served: {}", p["allocation"]);
    // Binding names the classes, never a bare `demand`.
    let binding: Vec<&str> = p["binding"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_str().unwrap())
        .collect();
    assert!(!binding.contains(&"demand"), "{binding:?}");
    assert!(
        binding.iter().any(|b| b.starts_with("workload:")),
        "{binding:?}"
    );
}

#[test]
fn training_inference_allocation_in_csv_is_the_json_one() {
    let f = sample("training-inference.yaml");
    let p = optimal_plan(&f, &[]);
    let r = chipmix(&["plan", &f, "--format", "csv"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut rd = csv::Reader::from_reader(r.stdout.as_bytes());
    let header = rd.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (id, units, workload) = (col("id"), col("fleet"), col("workload"));
    let mut from_csv: Vec<(String, String, f64)> = rd
        .records()
        .map(|r| r.unwrap())
        .filter(|r| !r[workload].is_empty())
        .map(|r| {
            (
                r[id].to_string(),
                r[workload].to_string(),
                r[units].parse().unwrap(),
            )
        })
        .collect();
    let mut from_json: Vec<(String, String, f64)> = p["allocation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["workload"].as_str().unwrap().to_string(),
                r["units"].as_f64().unwrap(),
            )
        })
        .collect();
    from_csv.sort_by(|a, b| a.partial_cmp(b).unwrap());
    from_json.sort_by(|a, b| a.partial_cmp(b).unwrap());
    assert_eq!(from_csv, from_json);
    // The table and the Markdown show it too.
    for format in ["table", "markdown"] {
        let r = chipmix(&["plan", &f, "--format", format]);
        assert!(
            r.stdout.contains("Workload allocation"),
            "{format}:\n{}",
            r.stdout
        );
    }
}

#[test]
fn national_allocation_meets_each_workload_at_every_site_and_period() {
    let f = scenario_file("national-workloads", NATIONAL_WORKLOADS);
    let p = optimal_plan(f.to_str().unwrap(), &[]);
    let rows = check_allocation(NATIONAL_WORKLOADS, &p);
    assert!(
        rows >= 8,
        "two classes at two sites in two years: {}",
        p["allocation"]
    );
    for r in p["allocation"].as_array().unwrap() {
        assert!(r["site"].is_string() && r["period"].is_i64(), "{r}");
    }
    let r = chipmix(&["plan", f.to_str().unwrap(), "--format", "csv"]);
    let mut rd = csv::Reader::from_reader(r.stdout.as_bytes());
    let workload = rd
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "workload")
        .unwrap();
    let allocated = rd
        .records()
        .filter(|r| !r.as_ref().unwrap()[workload].is_empty())
        .count();
    assert_eq!(allocated, rows, "one CSV row per allocation row");
}

#[test]
fn every_binding_rule_of_training_inference_has_a_shadow_price_or_a_reason() {
    let e = explain(&sample("training-inference.yaml"));
    check_every_binding_rule_is_priced(&e);
}

#[test]
fn every_binding_rule_of_a_national_scenario_has_a_shadow_price_or_a_reason() {
    let f = scenario_file("national-shadow", NATIONAL_WORKLOADS);
    let e = explain(f.to_str().unwrap());
    check_every_binding_rule_is_priced(&e);
    let binding = e["plan"]["binding"].as_array().unwrap();
    assert!(
        binding
            .iter()
            .any(|b| b.as_str().unwrap().starts_with("workload:")),
        "a class binds: {binding:?}"
    );
}

#[test]
fn a_binding_rule_whose_one_unit_change_is_free_says_why() {
    // Lots of 8 cards of 1 PFLOPS: 10 PFLOPS needs 16 cards, so demand binds (6 PFLOPS of
    // slack, less than a lot) and one more PFLOPS costs nothing.
    let text = "name: lots\naccelerators:\n  - {id: c, vendor: V, origin: foreign, unit_price: 10, tflops: 1000, lot_size: 8}\ndemand: {pflops: 10}\n";
    let f = scenario_file("free-unit", text);
    let e = explain(f.to_str().unwrap());
    assert_eq!(e["plan"]["binding"], serde_json::json!(["demand"]));
    let demand = e["shadow_prices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["constraint"] == "demand")
        .expect("demand is priced");
    assert_eq!(demand["value"].as_f64(), Some(0.0), "{demand}");
    assert!(
        demand["why"].as_str().is_some_and(|w| w.contains("lot")),
        "{demand}"
    );
    // The re-solve it names agrees: the same cost with one PFLOPS more.
    let tighter = optimal_plan(f.to_str().unwrap(), &["demand.pflops=11".into()]);
    assert_eq!(tighter["total_cost"], e["plan"]["total_cost"]);
}

#[test]
fn power_within_a_tenth_of_a_percent_of_its_limit_is_near() {
    let f = scenario_file("power-near", POWER_NEAR);
    let p = optimal_plan(f.to_str().unwrap(), &[]);
    // Recomputed: 2,998 cards of 1 kW, PUE 1.
    assert_eq!(p["fleet"][0]["units"].as_f64(), Some(2998.0));
    let binding = p["binding"].as_array().unwrap();
    assert!(!binding.contains(&Value::from("power")), "{binding:?}");
    let near = p["near_limit"].as_array().unwrap();
    let power = near
        .iter()
        .find(|n| n["constraint"] == "power")
        .unwrap_or_else(|| panic!("power is near its limit: {near:?}"));
    assert_eq!(power["unit"], "kW");
    assert!(
        (power["value"].as_f64().unwrap() - 2998.0).abs() < 1e-6,
        "{power}"
    );
    assert!(
        (power["limit"].as_f64().unwrap() - 3000.0).abs() < 1e-9,
        "{power}"
    );
    assert!(
        (power["slack"].as_f64().unwrap() - 2.0).abs() < 1e-6,
        "{power}"
    );
    assert_eq!(power["site"], Value::Null);
    let r = chipmix(&["plan", f.to_str().unwrap()]);
    assert!(r.stdout.contains("Near their limit"), "{}", r.stdout);
    assert!(r.stdout.contains("power: 2,998 kW"), "{}", r.stdout);
    // 0.33% from the limit is not near.
    let p = optimal_plan(f.to_str().unwrap(), &["demand.pflops=2990".into()]);
    assert_eq!(
        p["near_limit"],
        serde_json::json!([]),
        "{}",
        p["near_limit"]
    );
}

#[test]
fn power_near_its_limit_at_one_site_is_listed_with_its_site() {
    let f = scenario_file("power-near-sites", POWER_NEAR_SITES);
    let p = optimal_plan(f.to_str().unwrap(), &[]);
    let near = p["near_limit"].as_array().unwrap();
    let power: Vec<&Value> = near.iter().filter(|n| n["constraint"] == "power").collect();
    assert_eq!(power.len(), 1, "{near:?}");
    assert_eq!(power[0]["site"], "tight");
    assert!(
        (power[0]["slack"].as_f64().unwrap() - 2.0).abs() < 1e-6,
        "{}",
        power[0]
    );
}

/// Writes `plan` to a file next to the scenario and runs `chipmix check` on it.
fn check(tag: &str, scenario: &str, plan: &Value) -> crate::support::Run {
    let f = scenario_file(tag, &serde_json::to_string_pretty(plan).unwrap());
    chipmix(&["check", scenario, f.to_str().unwrap()])
}

#[test]
fn check_refuses_an_allocation_that_does_not_add_up() {
    let f = sample("training-inference.yaml");
    let p = optimal_plan(&f, &[]);
    assert_eq!(check("as-planned", &f, &p).code, 0);
    let rows = p["allocation"].as_array().unwrap().clone();
    // One class's cards moved to the other: it is no longer served.
    let training = rows
        .iter()
        .position(|r| r["workload"] == "training")
        .unwrap();
    let mut moved = p.clone();
    moved["allocation"][training]["workload"] = "inference".into();
    let r = check("moved", &f, &moved);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("allocation: the units given to training"),
        "{}",
        r.stdout
    );
    // More cards than the fleet has.
    let mut more = p.clone();
    let n = more["allocation"][0]["units"].as_f64().unwrap();
    more["allocation"][0]["units"] = (n + 1000.0).into();
    let r = check("more", &f, &more);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("but the fleet has"), "{}", r.stdout);
    // A class the scenario does not have.
    let mut unknown = p.clone();
    unknown["allocation"][0]["workload"] = "rendering".into();
    let r = check("unknown", &f, &unknown);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("`rendering` is not a workload class"),
        "{}",
        r.stdout
    );
}

#[test]
fn check_refuses_a_national_allocation_short_at_one_site() {
    let f = scenario_file("check-national", NATIONAL_WORKLOADS);
    let f = f.to_str().unwrap();
    let p = optimal_plan(f, &[]);
    assert_eq!(check("national-as-planned", f, &p).code, 0);
    let mut short = p.clone();
    let rows = short["allocation"].as_array_mut().unwrap();
    let k = rows
        .iter()
        .position(|r| r["site"] == "a" && r["period"] == 2026 && r["workload"] == "inference")
        .unwrap();
    rows.remove(k);
    let r = check("national-short", f, &short);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("allocation at site a in 2026: the units given to inference"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_national_share_near_its_minimum_is_shown_as_a_share() {
    // 1 PFLOPS cards, 2,001 needed over two sites; the foreign card is cheaper, so the plan
    // buys as few domestic cards as the national 49.95% allows: 1,000 of 2,001 (49.975%,
    // 0.05% above the minimum; one card more would be 0.05 points, so it does not bind).
    let text = "name: national share near\naccelerators:\n  - {id: d, vendor: D, origin: domestic, unit_price: 100, tflops: 1000}\n  - {id: f, vendor: F, origin: foreign, unit_price: 50, tflops: 1000}\nsites:\n  - {id: a, demand: {pflops: 1999}}\n  - {id: b, demand: {pflops: 2}}\npolicy:\n  national_domestic_share: {min: 0.4995}\n";
    let f = scenario_file("national-share-near", text);
    let p = optimal_plan(f.to_str().unwrap(), &[]);
    let units = |id: &str| -> f64 {
        p["fleet"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["id"] == id)
            .map(|r| r["units"].as_f64().unwrap())
            .sum()
    };
    let share = units("d") / (units("d") + units("f"));
    assert!((0.4995..=0.4995 * 1.001).contains(&share), "{share}");
    let near = p["near_limit"].as_array().unwrap();
    let rule = near
        .iter()
        .find(|n| n["constraint"] == "national_domestic_share")
        .unwrap_or_else(|| panic!("the national share is near: {near:?}"));
    assert_eq!(rule["unit"], "share");
    assert_eq!(rule["site"], Value::Null);
    assert!(
        (rule["value"].as_f64().unwrap() - share).abs() < 1e-12,
        "{rule}"
    );
    assert!(
        (rule["limit"].as_f64().unwrap() - 0.4995).abs() < 1e-12,
        "{rule}"
    );
    assert!(
        (rule["slack"].as_f64().unwrap() - (share - 0.4995)).abs() < 1e-12,
        "{rule}"
    );
}
