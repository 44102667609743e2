//! `chipmix explain` and `chipmix alternatives` end to end (section 5 of the format). Every
//! figure an explanation prints is checked against separate `chipmix plan --set ...
//! --mip-gap 0` runs (or `chipmix check`), never against the explanation itself.
//!
//! The expensive checks run on small scenarios written here, where microlp proves every
//! re-solve optimal at once (so `notes` must be empty); the infeasible sample is fast too.

use crate::support::{
    Run, chipmix, close, has_plan, json, optimal_plan as plan, run_owned, sample, scenario_file,
    units_of, with_sets,
};
use serde_json::Value;
use std::collections::BTreeMap;

/// min_cost; binds: demand, memory, the domestic share and the supply cap of d1. f2 is out
/// of the plan (above f1's price), f3 stays out even for free (its platform costs 100,000).
const QUOTA_BINDS: &str = r#"
name: small min-cost, quota binds
currency: USD
objective: min_cost
accelerators:
  - id: f1
    vendor: V1
    origin: foreign
    platform: cuda
    unit_price: 100
    tflops: 100
    memory_gb: 100
  - id: d1
    vendor: D1
    origin: domestic
    platform: cann
    unit_price: 150
    tflops: 100
    memory_gb: 100
    max_units: 60
  - id: d2
    vendor: D2
    origin: domestic
    platform: cann
    unit_price: 200
    tflops: 100
    memory_gb: 400
  - id: f2
    vendor: V1
    origin: foreign
    platform: cuda
    unit_price: 130
    tflops: 100
    memory_gb: 100
  - id: f3
    vendor: V3
    origin: foreign
    platform: rocm
    unit_price: 90
    tflops: 100
    memory_gb: 100
demand:
  pflops: 20
  memory_tb: 32
policy:
  domestic_share:
    min: 0.5
costs:
  platform_adoption:
    rocm: 100000
"#;

/// min_cost; binds: demand (one more PFLOPS has no plan), the domestic share, the vendor
/// share and power. Sets a budget and a capex budget that do not bind.
const POWER_AND_VENDOR: &str = r#"
name: small min-cost, power and vendor share bind
currency: USD
objective: min_cost
accelerators:
  - id: f1
    vendor: V1
    origin: foreign
    platform: cuda
    unit_price: 100
    tflops: 100
    power_w: 1000
  - id: f2
    vendor: V2
    origin: foreign
    platform: cuda
    unit_price: 120
    tflops: 100
    power_w: 1000
  - id: d1
    vendor: D1
    origin: domestic
    platform: cann
    unit_price: 150
    tflops: 100
    power_w: 2000
  - id: d2
    vendor: D2
    origin: domestic
    platform: cann
    unit_price: 200
    tflops: 100
    power_w: 1000
demand:
  pflops: 2
policy:
  domestic_share:
    min: 0.3
limits:
  power_kw: 25
  vendor_max_share: 0.4
  budget: 5000
  capex_budget: 4000
"#;

/// max_pflops; binds: the budget and the supply cap of d1.
const MAX_PFLOPS: &str = r#"
name: small max-pflops, budget binds
currency: USD
objective: max_pflops
accelerators:
  - id: f1
    vendor: V1
    origin: foreign
    platform: cuda
    unit_price: 100
    tflops: 100
  - id: d1
    vendor: D1
    origin: domestic
    platform: cann
    unit_price: 150
    tflops: 120
    max_units: 6
  - id: d2
    vendor: D2
    origin: domestic
    platform: cann
    unit_price: 230
    tflops: 110
policy:
  domestic_share:
    min: 0.5
limits:
  budget: 2950
"#;

/// min_cost with several vendors, platforms and power draws: room for alternatives.
const ALTERNATIVES: &str = r#"
name: small min-cost for alternatives
currency: USD
objective: min_cost
accelerators:
  - id: f1
    vendor: V1
    origin: foreign
    platform: cuda
    unit_price: 100
    tflops: 100
    power_w: 1000
  - id: f2
    vendor: V2
    origin: foreign
    platform: cuda
    unit_price: 104
    tflops: 100
    power_w: 600
  - id: d1
    vendor: D1
    origin: domestic
    platform: cann
    unit_price: 110
    tflops: 100
    power_w: 1200
    max_units: 8
  - id: d2
    vendor: D2
    origin: domestic
    platform: mlx
    unit_price: 112
    tflops: 100
    power_w: 700
demand:
  pflops: 2
policy:
  domestic_share:
    min: 0.3
limits:
  vendor_max_share: 0.5
costs:
  platform_adoption:
    cann: 20
    mlx: 30
"#;

/// Infeasible: the cheapest plan (10 f1, 6 d1, 4 d2) costs 2,700, the budget is 2,400.
/// Alone, each of these fixes it: a budget of 2,700; a quota of 0.35 (7 domestic units);
/// demand of 1.8 PFLOPS; making d3 available. Raising d1's cap does not (2,500 at best).
const BUDGET_TOO_SMALL: &str = r#"
name: small infeasible, budget too small
currency: USD
objective: min_cost
accelerators:
  - id: f1
    vendor: V1
    origin: foreign
    platform: cuda
    unit_price: 100
    tflops: 100
  - id: d1
    vendor: D1
    origin: domestic
    platform: cann
    unit_price: 150
    tflops: 100
    max_units: 6
  - id: d2
    vendor: D2
    origin: domestic
    platform: cann
    unit_price: 200
    tflops: 100
  - id: d3
    vendor: D3
    origin: domestic
    platform: cann
    unit_price: 120
    tflops: 100
    available: false
demand:
  pflops: 2
policy:
  domestic_share:
    min: 0.5
limits:
  budget: 2400
"#;

/// min_cost with demand per workload class; both classes bind.
const WORKLOADS: &str = r#"
name: small workloads
currency: USD
objective: min_cost
accelerators:
  - id: t1
    vendor: V1
    origin: foreign
    unit_price: 100
    tflops: 100
    efficiency:
      training: 1.0
      inference: 0.5
  - id: i1
    vendor: D1
    origin: domestic
    unit_price: 80
    tflops: 100
    efficiency:
      training: 0.3
      inference: 1.0
demand:
  workloads:
    training: 1
    inference: 1
"#;

const INFEASIBLE_SAMPLE: &str = "infeasible-quota.yaml";

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Writes a scenario under a name unique to the calling test and returns its path.
fn write(tag: &str, text: &str) -> String {
    scenario_file(&format!("explain-{tag}"), text)
        .display()
        .to_string()
}

/// Total cost of a plan, `None` without a plan.
fn cost(p: &Value) -> Option<f64> {
    if has_plan(p) {
        Some(p["total_cost"].as_f64().expect("a total cost"))
    } else {
        None
    }
}

fn num(v: &Value, what: &str) -> f64 {
    v.as_f64()
        .unwrap_or_else(|| panic!("{what} is not a number: {v}"))
}

/// A plan's purchases as id -> units (rows with units > 0).
fn mix(p: &Value) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for x in p["purchases"].as_array().expect("a purchases list") {
        let u = x["units"].as_f64().unwrap();
        if u > 0.0 {
            *out.entry(x["id"].as_str().unwrap().to_string())
                .or_insert(0.0) += u;
        }
    }
    out
}

fn same_mix(a: &BTreeMap<String, f64>, b: &BTreeMap<String, f64>) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|((i, u), (j, v))| i == j && (u - v).abs() < 1e-6)
}

/// `chipmix explain SCENARIO --format json`: the run and the parsed object, checked to have
/// every key of the contract.
fn explain(scenario: &str, sets: &[String]) -> (Run, Value) {
    let args = with_sets(
        vec![
            "explain".into(),
            scenario.into(),
            "--format".into(),
            "json".into(),
        ],
        sets,
    );
    let r = run_owned(&args);
    assert!(
        r.code == 0 || r.code == 1,
        "explain exited {}: {}",
        r.code,
        r.stderr
    );
    let e = json(&r.stdout);
    for key in [
        "plan",
        "policy_cost",
        "shadow_prices",
        "price_thresholds",
        "fixes",
    ] {
        assert!(e.get(key).is_some(), "explanation lacks `{key}`: {e}");
    }
    assert_eq!(
        r.code == 0,
        has_plan(&e["plan"]),
        "explain exit code vs status"
    );
    (r, e)
}

/// Explains a feasible scenario and checks the basics: exit 0, no note (every re-solve was
/// proven optimal), and the same plan as a separate `plan` run. Returns both.
fn explain_feasible(scenario: &str, sets: &[String]) -> (Value, Value) {
    let (r, e) = explain(scenario, sets);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        e["notes"],
        serde_json::json!([]),
        "a re-solve was cut short on a small scenario"
    );
    let base = plan(scenario, sets);
    assert!(close(
        num(&e["plan"]["total_cost"], "explain total_cost"),
        cost(&base).unwrap()
    ));
    assert!(
        same_mix(&mix(&e["plan"]), &mix(&base)),
        "explain's plan {:?} differs from plan's {:?}",
        mix(&e["plan"]),
        mix(&base)
    );
    (e, base)
}

/// A number of the YAML scenario at `path` (e.g. `["limits", "budget"]`).
fn yaml_num(text: &str, path: &[&str]) -> f64 {
    let doc: serde_yaml::Value = serde_yaml::from_str(text).unwrap();
    let mut v = &doc;
    for k in path {
        v = &v[*k];
    }
    v.as_f64()
        .unwrap_or_else(|| panic!("{path:?} is not a number in the scenario"))
}

/// The accelerator `id` of the YAML scenario.
fn yaml_acc(text: &str, id: &str) -> serde_yaml::Value {
    let doc: serde_yaml::Value = serde_yaml::from_str(text).unwrap();
    doc["accelerators"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|a| a["id"].as_str() == Some(id))
        .unwrap_or_else(|| panic!("no accelerator {id}"))
        .clone()
}

/// Ids of the accelerators that can be bought, in file order.
fn available_ids(text: &str) -> Vec<String> {
    let doc: serde_yaml::Value = serde_yaml::from_str(text).unwrap();
    doc["accelerators"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter(|a| a["available"].as_bool() != Some(false))
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------
// 1. Shadow prices
// ---------------------------------------------------------------------------------------

/// The value of the scenario field `dotted` (a `--set` path): from `sets` when one of them
/// sets it, else from the YAML text at `yaml`.
fn field(text: &str, sets: &[String], dotted: &str, yaml: &[&str]) -> f64 {
    for s in sets.iter().rev() {
        if let Some(v) = s.strip_prefix(&format!("{dotted}=")) {
            return v.parse().unwrap_or_else(|e| panic!("{s}: {e}"));
        }
    }
    yaml_num(text, yaml)
}

/// The unit of a family and the override that tightens it by one unit, worked out from the
/// scenario text and its `--set` overrides (not from the explanation).
fn tighten(text: &str, sets: &[String], family: &str) -> (&'static str, String) {
    let by = |dotted: &str, yaml: &[&str], step: f64| {
        format!("{dotted}={}", field(text, sets, dotted, yaml) + step)
    };
    match family {
        "demand" => (
            "per PFLOPS",
            by("demand.pflops", &["demand", "pflops"], 1.0),
        ),
        "memory" => (
            "per TB",
            by("demand.memory_tb", &["demand", "memory_tb"], 1.0),
        ),
        "domestic_share" => (
            "per percentage point",
            by(
                "policy.domestic_share.min",
                &["policy", "domestic_share", "min"],
                0.01,
            ),
        ),
        "power" => (
            "per kW",
            by("limits.power_kw", &["limits", "power_kw"], -1.0),
        ),
        "budget" => (
            "per unit of currency",
            by("limits.budget", &["limits", "budget"], -1.0),
        ),
        "capex_budget" => (
            "per unit of currency",
            by("limits.capex_budget", &["limits", "capex_budget"], -1.0),
        ),
        v if v.starts_with("vendor_share:") => (
            "per percentage point",
            by(
                "limits.vendor_max_share",
                &["limits", "vendor_max_share"],
                -0.01,
            ),
        ),
        w if w.starts_with("workload:") => {
            let name = &w["workload:".len()..];
            (
                "per PFLOPS",
                by(
                    &format!("demand.workloads.{name}"),
                    &["demand", "workloads", name],
                    1.0,
                ),
            )
        }
        s if s.starts_with("supply:") => {
            let id = &s["supply:".len()..];
            let dotted = format!("accelerators[{id}].max_units");
            let cap = match sets
                .iter()
                .rev()
                .find_map(|x| x.strip_prefix(&format!("{dotted}=")))
            {
                Some(v) => v.parse::<f64>().unwrap(),
                None => yaml_acc(text, id)["max_units"]
                    .as_f64()
                    .unwrap_or_else(|| panic!("{id} has no max_units")),
            };
            ("per accelerator", format!("{dotted}={}", cap as i64 - 1))
        }
        other => panic!("unexpected constraint family `{other}`"),
    }
}

/// Workload names of the YAML scenario (empty with `demand.pflops`).
fn workloads(text: &str) -> Vec<String> {
    let doc: serde_yaml::Value = serde_yaml::from_str(text).unwrap();
    doc["demand"]["workloads"]
        .as_mapping()
        .map(|m| m.keys().map(|k| k.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// Checks every shadow price of the scenario (with `sets` applied) against a re-solve with
/// the limit tightened by one unit, and that exactly the binding families are listed.
/// Returns constraint -> value.
fn check_shadow_prices(s: &str, text: &str, sets: &[String]) -> BTreeMap<String, Option<f64>> {
    let (e, base) = explain_feasible(s, sets);
    let base_cost = cost(&base).unwrap();

    // Exactly the binding families: one entry per binding vendor (the single vendor-share
    // limit, re-solved once), one per binding workload class.
    let mut want: Vec<String> = Vec::new();
    for b in base["binding"].as_array().unwrap() {
        let b = b.as_str().unwrap();
        if b == "demand" && !workloads(text).is_empty() {
            want.extend(workloads(text).iter().map(|w| format!("workload:{w}")));
        } else {
            want.push(b.to_string());
        }
    }
    let prices = e["shadow_prices"].as_array().unwrap();
    let mut got: Vec<String> = prices
        .iter()
        .map(|p| p["constraint"].as_str().unwrap().to_string())
        .collect();
    want.sort();
    got.sort();
    assert_eq!(got, want, "shadow prices vs the plan's binding list");

    let mut out = BTreeMap::new();
    for p in prices {
        let c = p["constraint"].as_str().unwrap();
        let (unit, set) = tighten(text, sets, c);
        assert_eq!(p["unit"], unit, "unit of {c}");
        assert_eq!(p["method"], "resolve", "method of {c}");
        assert_eq!(p["site"], Value::Null, "site of {c}");
        assert_eq!(p["period"], Value::Null, "period of {c}");
        // The override it reports is the one worked out here.
        let (path, to) = set.split_once('=').unwrap();
        let (got_path, got_to) = p["tightened"].as_str().unwrap().split_once('=').unwrap();
        assert_eq!(got_path, path, "{c} tightened");
        let got_to: f64 = got_to
            .parse()
            .unwrap_or_else(|e| panic!("{c}: {got_to}: {e}"));
        assert!(
            close(got_to, to.parse().unwrap()),
            "{c}: tightened to {got_to}, not {to}"
        );
        let mut all = sets.to_vec();
        all.push(set.clone());
        let tightened = plan(s, &all);
        let value = p["value"].as_f64();
        match cost(&tightened) {
            Some(c2) => {
                let v = value.unwrap_or_else(|| panic!("{c}: null, but {set} has a plan"));
                assert!(
                    close(v, c2 - base_cost),
                    "{c}: shadow price {v}, but --set {set} costs {c2} - {base_cost} = {}",
                    c2 - base_cost
                );
            }
            None => assert_eq!(
                value, None,
                "{c}: value {value:?}, but --set {set} has no plan"
            ),
        }
        out.insert(c.to_string(), value);
    }
    out
}

#[test]
fn shadow_price_of_the_quota_matches_a_one_point_change() {
    let got = check_shadow_prices(&write("shadow-quota", QUOTA_BINDS), QUOTA_BINDS, &[]);
    for family in ["domestic_share", "demand", "memory", "supply:d1"] {
        let v = got
            .get(family)
            .unwrap_or_else(|| panic!("no shadow price for {family}: {got:?}"));
        let v = v.unwrap_or_else(|| panic!("{family} should have a value"));
        assert!(v > 0.0, "tightening {family} should cost more, got {v}");
    }
}

#[test]
fn shadow_prices_of_power_and_vendor_share_match_re_solves() {
    let got = check_shadow_prices(
        &write("shadow-power", POWER_AND_VENDOR),
        POWER_AND_VENDOR,
        &[],
    );
    for family in ["power", "vendor_share:V1", "domestic_share"] {
        let v = got
            .get(family)
            .unwrap_or_else(|| panic!("no shadow price for {family}: {got:?}"));
        let v = v.unwrap_or_else(|| panic!("{family} should have a value"));
        assert!(v > 0.0, "tightening {family} should cost more, got {v}");
    }
    // One more PFLOPS cannot fit in 25 kW: binding, but no plan when tightened.
    assert_eq!(got.get("demand"), Some(&None), "{got:?}");
    assert!(!got.contains_key("budget") && !got.contains_key("capex_budget"));
}

#[test]
fn shadow_price_of_the_budget_of_a_max_pflops_scenario_matches_a_re_solve() {
    let got = check_shadow_prices(&write("shadow-maxpflops", MAX_PFLOPS), MAX_PFLOPS, &[]);
    for family in ["budget", "supply:d1"] {
        let v = got
            .get(family)
            .unwrap_or_else(|| panic!("no shadow price for {family}: {got:?}"));
        let v = v.unwrap_or_else(|| panic!("{family} should have a value"));
        assert!(v != 0.0, "tightening {family} should change the plan here");
    }
}

#[test]
fn shadow_prices_of_workload_classes_match_re_solves() {
    let got = check_shadow_prices(&write("shadow-workloads", WORKLOADS), WORKLOADS, &[]);
    for family in ["workload:training", "workload:inference"] {
        let v = got
            .get(family)
            .unwrap_or_else(|| panic!("no shadow price for {family}: {got:?}"));
        assert!(v.is_some_and(|v| v > 0.0), "{family}: {v:?}");
    }
}

#[test]
fn shadow_prices_follow_set_overrides() {
    // Explained with a higher quota, every figure is against that scenario, not the file's.
    let sets = ["policy.domestic_share.min=0.55".to_string()];
    let got = check_shadow_prices(&write("shadow-set", QUOTA_BINDS), QUOTA_BINDS, &sets);
    assert!(
        got.get("domestic_share").is_some_and(|v| v.is_some()),
        "{got:?}"
    );
}

#[test]
fn a_quota_of_100_percent_has_no_shadow_price() {
    // All domestic: the quota binds but cannot go up a point, so its value is null with a
    // reason (`why`), and the other families are still priced.
    let s = write("shadow-full-quota", QUOTA_BINDS);
    let sets = ["policy.domestic_share.min=1".to_string()];
    let (e, base) = explain_feasible(&s, &sets);
    assert!(
        base["binding"]
            .as_array()
            .unwrap()
            .contains(&Value::from("domestic_share"))
    );
    let quota = e["shadow_prices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["constraint"] == "domestic_share")
        .expect("an entry for the binding quota");
    assert_eq!(quota["value"], Value::Null);
    assert!(
        quota["why"].as_str().is_some_and(|n| !n.is_empty()),
        "{quota}"
    );
    let r = chipmix(&["plan", &s, "--set", "policy.domestic_share.min=1.01"]);
    assert_eq!(r.code, 2, "a quota above 100% is refused");
    let demand = e["shadow_prices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["constraint"] == "demand")
        .expect("demand binds");
    let mut more = sets.to_vec();
    more.push("demand.pflops=21".into());
    let want = cost(&plan(&s, &more)).unwrap() - cost(&base).unwrap();
    assert!(
        close(num(&demand["value"], "demand"), want),
        "{demand} vs {want}"
    );
}

// ---------------------------------------------------------------------------------------
// 2. The price of the policy
// ---------------------------------------------------------------------------------------

/// Checks `policy_cost` and each `policy_costs` entry against a plan with the rules removed.
fn check_policy_costs(s: &str, expected: &[(&str, &[&str])]) -> Value {
    let (e, base) = explain_feasible(s, &[]);
    let base_cost = cost(&base).unwrap();
    let costs = e["policy_costs"].as_array().expect("policy_costs");
    let names: Vec<&str> = costs
        .iter()
        .map(|c| c["without"].as_str().unwrap())
        .collect();
    let want: Vec<&str> = expected.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, want, "policy_costs entries");
    for (c, (name, sets)) in costs.iter().zip(expected) {
        let sets: Vec<String> = sets.iter().map(|x| format!("{x}=null")).collect();
        let args = with_sets(
            vec![
                "plan".into(),
                s.to_string(),
                "--mip-gap".into(),
                "0".into(),
                "--format".into(),
                "json".into(),
            ],
            &sets,
        );
        let r = run_owned(&args);
        assert!(
            r.code <= 2 && r.code >= 0,
            "without {name}: exit {}",
            r.code
        );
        let other = if r.code == 0 {
            let p = json(&r.stdout);
            assert_eq!(p["status"], "optimal", "without {name}");
            cost(&p)
        } else {
            None
        };
        match other {
            Some(o) => {
                assert!(
                    close(num(&c["total_cost"], "total_cost"), o),
                    "without {name}: {} vs plan {o}",
                    c["total_cost"]
                );
                assert!(
                    close(num(&c["cost"], "cost"), base_cost - o),
                    "cost of {name}: {} vs {base_cost} - {o}",
                    c["cost"]
                );
            }
            None => {
                assert_eq!(c["total_cost"], Value::Null, "without {name}: no plan");
                assert_eq!(c["cost"], Value::Null, "cost of {name}: no plan");
            }
        }
    }
    // policy_cost is the domestic-share rule's cost.
    let without = plan(s, &["policy.domestic_share=null".to_string()]);
    let want = base_cost - cost(&without).expect("a plan without the quota");
    assert!(
        close(num(&e["policy_cost"], "policy_cost"), want),
        "policy_cost {} vs {want}",
        e["policy_cost"]
    );
    e
}

#[test]
fn policy_cost_matches_the_plan_without_the_quota() {
    let e = check_policy_costs(
        &write("policy-quota", QUOTA_BINDS),
        &[("domestic_share", &["policy.domestic_share"])],
    );
    assert!(
        num(&e["policy_cost"], "policy_cost") > 0.0,
        "the quota binds"
    );

    let e = check_policy_costs(
        &write("policy-vendor", POWER_AND_VENDOR),
        &[
            ("domestic_share", &["policy.domestic_share"]),
            ("vendor_share", &["limits.vendor_max_share"]),
            ("budgets", &["limits.budget", "limits.capex_budget"]),
            (
                "domestic_share+vendor_share+budgets",
                &[
                    "policy.domestic_share",
                    "limits.vendor_max_share",
                    "limits.budget",
                    "limits.capex_budget",
                ],
            ),
        ],
    );
    assert!(num(&e["policy_costs"][1]["cost"], "vendor cost") > 0.0);

    // Without a quota the rule costs 0.
    let e = check_policy_costs(
        &write("policy-none", WORKLOADS),
        &[("domestic_share", &["policy.domestic_share"])],
    );
    assert_eq!(num(&e["policy_cost"], "policy_cost"), 0.0);

    // max_pflops needs a budget: without the budgets there is no plan to compare with.
    check_policy_costs(
        &write("policy-maxpflops", MAX_PFLOPS),
        &[
            ("domestic_share", &["policy.domestic_share"]),
            ("budgets", &["limits.budget", "limits.capex_budget"]),
            (
                "domestic_share+budgets",
                &[
                    "policy.domestic_share",
                    "limits.budget",
                    "limits.capex_budget",
                ],
            ),
        ],
    );
}

// ---------------------------------------------------------------------------------------
// 3. Price thresholds
// ---------------------------------------------------------------------------------------

fn price_set(id: &str, price: f64) -> String {
    format!("accelerators[{id}].unit_price={price}")
}

/// Checks each price threshold by re-planning at 1% either side of it (or at the stated
/// extreme when it is null). Returns how many entries have a threshold and how many not.
fn check_thresholds(s: &str, text: &str) -> (usize, usize) {
    let (e, base) = explain_feasible(s, &[]);
    let list = e["price_thresholds"].as_array().unwrap();
    let ids: Vec<&str> = list.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        available_ids(text),
        "one threshold per available accelerator"
    );
    let (mut with, mut without) = (0, 0);
    for t in list {
        let id = t["id"].as_str().unwrap();
        let today = yaml_acc(text, id)["unit_price"].as_f64().unwrap();
        assert!(close(num(&t["unit_price"], "unit_price"), today), "{id}");
        let in_plan = units_of(&base, id) > 0.0;
        assert_eq!(t["in_plan"].as_bool(), Some(in_plan), "{id} in_plan");
        // Some(whether the optimal plan at that price buys it), None without a plan (a
        // higher price can break a budget).
        let bought = |price: f64| {
            let p = plan(s, &[price_set(id, price)]);
            has_plan(&p).then(|| units_of(&p, id) > 0.0)
        };
        match t["threshold"].as_f64() {
            Some(th) => {
                with += 1;
                if in_plan {
                    assert!(th > today, "{id}: threshold {th} not above today's {today}");
                    let above = th * 1.01;
                    assert_eq!(bought(above), Some(false), "{id} at {above}");
                    let below = today.max(th * 0.99);
                    assert_eq!(bought(below), Some(true), "{id} at {below}");
                } else {
                    assert!(th < today, "{id}: threshold {th} not below today's {today}");
                    assert_eq!(bought(th * 0.99), Some(true), "{id} at {}", th * 0.99);
                    assert_eq!(bought(th * 1.01), Some(false), "{id} at {}", th * 1.01);
                }
            }
            None => {
                without += 1;
                assert!(t["threshold"].is_null(), "{id}: {}", t["threshold"]);
                if in_plan {
                    // Still bought at ten times the price, or no plan at all there because
                    // no plan can do without it (then no price makes the plan drop it).
                    match bought(10.0 * today) {
                        Some(b) => assert!(b, "{id} not bought at 10x its price"),
                        None => {
                            let off = format!("accelerators[{id}].available=false");
                            assert!(
                                !has_plan(&plan(s, &[off])),
                                "{id}: no plan at 10x its price, yet plans without it exist"
                            );
                        }
                    }
                } else {
                    assert_eq!(bought(0.0), Some(false), "{id} bought for free");
                }
            }
        }
    }
    (with, without)
}

#[test]
fn price_thresholds_flip_the_plan() {
    // Both kinds of entries, in and out of the plan, with and without a threshold.
    let (with, without) = check_thresholds(&write("thresholds-quota", QUOTA_BINDS), QUOTA_BINDS);
    assert_eq!((with, without), (3, 2), "f1, d1, f2 flip; d2, f3 do not");
    check_thresholds(
        &write("thresholds-power", POWER_AND_VENDOR),
        POWER_AND_VENDOR,
    );
    check_thresholds(&write("thresholds-maxpflops", MAX_PFLOPS), MAX_PFLOPS);
    check_thresholds(
        &write("thresholds-alternatives", ALTERNATIVES),
        ALTERNATIVES,
    );
}

#[test]
fn samples_with_lots_and_an_installed_fleet_explain_like_their_re_solves() {
    // Two samples microlp explains fast: an installed H800 fleet with a vendor limit, and a
    // strict majority with lots of 8. Same checks as on the small scenarios.
    let fleet = sample("h800-fleet-porting.yaml");
    let text = std::fs::read_to_string(&fleet).unwrap();
    let got = check_shadow_prices(&fleet, &text, &[]);
    assert!(
        got.get("domestic_share").is_some_and(|v| v.is_some()),
        "{got:?}"
    );
    check_policy_costs(
        &fleet,
        &[
            ("domestic_share", &["policy.domestic_share"]),
            ("vendor_share", &["limits.vendor_max_share"]),
            (
                "domestic_share+vendor_share",
                &["policy.domestic_share", "limits.vendor_max_share"],
            ),
        ],
    );
    check_thresholds(&fleet, &text);

    let strict = sample("strict-majority.yaml");
    let text = std::fs::read_to_string(&strict).unwrap();
    let got = check_shadow_prices(&strict, &text, &[]);
    assert!(got.get("demand").is_some_and(|v| v.is_some()), "{got:?}");
    check_policy_costs(&strict, &[("domestic_share", &["policy.domestic_share"])]);
    check_thresholds(&strict, &text);
}

// ---------------------------------------------------------------------------------------
// 4. Fixes of an infeasible scenario
// ---------------------------------------------------------------------------------------

/// The parameters the fixes may change, read from the scenario text: the path, its value
/// today, and the `--set` value that relaxes it as far as it goes (or removes it).
fn fix_candidates(text: &str) -> Vec<(String, Value, String)> {
    let doc: serde_yaml::Value = serde_yaml::from_str(text).unwrap();
    let mut out = Vec::new();
    let mut add = |path: String, v: &serde_yaml::Value, extreme: &str| {
        let today = match v {
            serde_yaml::Value::Bool(b) => Some(Value::Bool(*b)),
            v => v.as_f64().map(|x| serde_json::json!(x)),
        };
        if let Some(today) = today {
            out.push((path, today, extreme.to_string()));
        }
    };
    add(
        "policy.domestic_share.min".into(),
        &doc["policy"]["domestic_share"]["min"],
        "0",
    );
    add(
        "limits.vendor_max_share".into(),
        &doc["limits"]["vendor_max_share"],
        "1",
    );
    for l in ["budget", "capex_budget", "power_kw"] {
        add(format!("limits.{l}"), &doc["limits"][l], "null");
    }
    add("demand.pflops".into(), &doc["demand"]["pflops"], "0");
    add("demand.memory_tb".into(), &doc["demand"]["memory_tb"], "0");
    for w in workloads(text) {
        add(
            format!("demand.workloads.{w}"),
            &doc["demand"]["workloads"][w.as_str()],
            "0",
        );
    }
    for a in doc["accelerators"].as_sequence().unwrap() {
        let id = a["id"].as_str().unwrap();
        if a["available"].as_bool() == Some(false) {
            add(
                format!("accelerators[{id}].available"),
                &a["available"],
                "true",
            );
            continue;
        }
        add(
            format!("accelerators[{id}].max_units"),
            &a["max_units"],
            "null",
        );
        add(
            format!("accelerators[{id}].min_units"),
            &a["min_units"],
            "0",
        );
    }
    out
}

/// Explains an infeasible scenario and checks each fix: it alone gives a plan, and moving it
/// 2% back towards today's value does not (so it is the smallest within 1% of the new value).
/// Also: exactly the parameters that can make a plan possible on their own are listed.
/// Returns the fixed paths.
fn check_fixes(scenario: &str, text: &str) -> Vec<String> {
    let base = plan(scenario, &[]);
    assert_eq!(base["status"], "infeasible");
    let (r, e) = explain(scenario, &[]);
    assert_eq!(r.code, 1, "explain of an infeasible scenario exits 1");
    assert_eq!(e["plan"]["status"], "infeasible");
    assert!(
        !e["plan"]["conflicts"].as_array().unwrap().is_empty(),
        "no conflicts"
    );
    assert_eq!(e["policy_cost"], Value::Null);
    assert_eq!(e["shadow_prices"], serde_json::json!([]));
    assert_eq!(e["price_thresholds"], serde_json::json!([]));
    let fixes = e["fixes"].as_array().unwrap();
    assert!(!fixes.is_empty(), "no fixes");
    let candidates = fix_candidates(text);
    let mut paths = Vec::new();
    for f in fixes {
        let path = f["path"].as_str().unwrap();
        let says = f["says"].as_str().unwrap();
        paths.push(path.to_string());
        let (_, today, _) = candidates
            .iter()
            .find(|c| c.0 == path)
            .unwrap_or_else(|| panic!("{path} is not a parameter a fix may change"));
        let to = &f["to"];
        let p = plan(scenario, &[format!("{path}={to}")]);
        assert!(has_plan(&p), "--set {path}={to} gives no plan");
        if to.is_boolean() {
            assert_eq!(to, &Value::Bool(true), "{path}");
            assert_eq!(f["from"], Value::Bool(false), "{path}");
            assert_eq!(today, &Value::Bool(false), "{path}");
            continue;
        }
        let to = num(to, "to");
        let from = num(&f["from"], "from");
        assert!(
            close(from, num(today, "today")),
            "{path}: from {from}, file {today}"
        );
        let whole = f["to"].is_i64() || f["to"].is_u64();
        let back = if to < from {
            assert!(says.starts_with("lower"), "{says}");
            // A fix lowered to 0 has no 2% to go back: a share or demand just above 0.
            let b = if to > 0.0 { to * 1.02 } else { 0.02 * from };
            if whole { b.ceil() } else { b }
        } else {
            assert!(to > from, "{path}: to {to} = from {from}");
            assert!(
                says.starts_with("raise") || says.starts_with("allow"),
                "{says}"
            );
            let b = to * 0.98;
            if whole { b.floor() } else { b }
        };
        let back_plan = plan(scenario, &[format!("{path}={back}")]);
        assert!(
            !has_plan(&back_plan),
            "{path}={to} is not the smallest fix within 1%: {path}={back} has a plan too"
        );
    }
    for (path, _, extreme) in &candidates {
        let alone = has_plan(&plan(scenario, &[format!("{path}={extreme}")]));
        assert_eq!(
            paths.contains(path),
            alone,
            "{path}: listed as a fix {}, but --set {path}={extreme} {} a plan",
            paths.contains(path),
            if alone { "gives" } else { "gives no" }
        );
    }
    paths
}

#[test]
fn every_fix_makes_the_scenario_feasible() {
    let text = std::fs::read_to_string(sample(INFEASIBLE_SAMPLE)).unwrap();
    let paths = check_fixes(&sample(INFEASIBLE_SAMPLE), &text);
    for p in ["policy.domestic_share.min", "demand.pflops"] {
        assert!(paths.iter().any(|x| x == p), "no fix of {p}: {paths:?}");
    }
    // The sample says the budget alone is not the problem: no budget fix, and rightly so.
    assert!(!paths.iter().any(|x| x == "limits.budget"), "{paths:?}");
    assert!(!has_plan(&plan(
        &sample(INFEASIBLE_SAMPLE),
        &["limits.budget=null".into()]
    )));

    let s = write("fixes-budget", BUDGET_TOO_SMALL);
    let paths = check_fixes(&s, BUDGET_TOO_SMALL);
    for p in [
        "limits.budget",
        "policy.domestic_share.min",
        "demand.pflops",
        "accelerators[d3].available",
    ] {
        assert!(paths.iter().any(|x| x == p), "no fix of {p}: {paths:?}");
    }
    // No cap on d1 helps (10 f1 + 10 d1 cost 2,500), so it is no fix.
    assert!(
        !paths.iter().any(|x| x == "accelerators[d1].max_units"),
        "{paths:?}"
    );
    assert!(!has_plan(&plan(
        &s,
        &["accelerators[d1].max_units=null".into()]
    )));
}

// ---------------------------------------------------------------------------------------
// 5. Alternatives
// ---------------------------------------------------------------------------------------

fn vendors(p: &Value) -> usize {
    let mut v: Vec<&str> = p["purchases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["vendor"].as_str().unwrap())
        .collect();
    v.sort();
    v.dedup();
    v.len()
}

/// Runs `alternatives --within PCT% --format json` on the scenario and checks each
/// alternative: near the optimum (cost for min_cost, capacity for max_pflops), distinct from
/// the optimum and the others, valid against the original scenario by `chipmix check`,
/// reproduced by its overrides, and going the way its name says. Returns their names.
fn check_alternatives(tag: &str, text: &str, pct: f64) -> Vec<String> {
    let s = write(tag, text);
    let within = pct / 100.0;
    let r = chipmix(&[
        "alternatives",
        &s,
        "--within",
        &format!("{pct}%"),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = json(&r.stdout);
    assert!(close(num(&out["within"], "within"), within));
    let best = plan(&s, &[]);
    let max_pflops = best["objective"] == "max_pflops";
    let optimum = cost(&best).unwrap();
    let capacity = num(&best["pflops"], "pflops");
    assert!(close(num(&out["plan"]["total_cost"], "optimum"), optimum));
    assert!(same_mix(&mix(&out["plan"]), &mix(&best)));

    let alts = out["alternatives"].as_array().unwrap();
    let dir = std::env::temp_dir()
        .join(format!("chipmix-explain-{}", std::process::id()))
        .join(tag);
    std::fs::create_dir_all(&dir).unwrap();
    let mut seen: Vec<BTreeMap<String, f64>> = vec![mix(&best)];
    let mut names = Vec::new();
    for (k, a) in alts.iter().enumerate() {
        let name = a["name"].as_str().unwrap();
        names.push(name.to_string());
        assert!(
            [
                "most domestic",
                "least power",
                "least capex",
                "fewest new platforms",
                "fewest vendors"
            ]
            .contains(&name),
            "{name}"
        );
        assert!(!a["says"].as_str().unwrap().is_empty(), "{name}: says");
        let p = &a["plan"];
        if max_pflops {
            let got = num(&p["pflops"], "pflops");
            assert!(
                got >= capacity * (1.0 - within) - 1e-9,
                "{name}: {got} PFLOPS, more than {pct}% below {capacity}"
            );
        } else {
            let c = num(&p["total_cost"], "total_cost");
            assert!(
                c <= optimum * (1.0 + within) + 1e-6,
                "{name}: {c} more than {pct}% over {optimum}"
            );
        }
        // Distinct from the optimum and every earlier alternative.
        let m = mix(p);
        assert!(
            !seen.iter().any(|x| same_mix(x, &m)),
            "{name} repeats a plan: {m:?}"
        );
        seen.push(m.clone());

        // Valid against the original scenario, figures included.
        let saved = serde_json::json!({
            "purchases": p["purchases"],
            "total_cost": p["total_cost"],
            "capex": p["capex"],
            "pflops": p["pflops"],
            "facility_kw": p["facility_kw"],
        });
        let file = dir.join(format!("alternative-{k}.json"));
        std::fs::write(&file, saved.to_string()).unwrap();
        let r = chipmix(&["check", &s, file.to_str().unwrap()]);
        assert_eq!(
            r.code, 0,
            "{name} fails the check: {}{}",
            r.stdout, r.stderr
        );

        // Its overrides reproduce it.
        let overrides: Vec<String> = a["overrides"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.as_str().unwrap().to_string())
            .collect();
        let again = plan(&s, &overrides);
        assert!(has_plan(&again), "{name}: {overrides:?} gives no plan");
        assert!(
            same_mix(&mix(&again), &m),
            "{name}: {overrides:?} buys {:?}, not {m:?}",
            mix(&again)
        );

        // It goes the way its name says, at least as far as the optimum.
        let f = |p: &Value, k: &str| num(&p[k], k);
        match name {
            "most domestic" => {
                let d = |p: &Value| num(&p["domestic_share"]["value"], "domestic share");
                assert!(d(p) >= d(&best) - 1e-9, "{name}: {} < {}", d(p), d(&best));
            }
            "least power" => assert!(f(p, "facility_kw") <= f(&best, "facility_kw") + 1e-9),
            "least capex" => assert!(f(p, "capex") <= f(&best, "capex") + 1e-9),
            "fewest new platforms" => assert!(
                p["adopted_platforms"].as_array().map_or(0, Vec::len)
                    <= best["adopted_platforms"].as_array().map_or(0, Vec::len)
            ),
            _ => assert!(vendors(p) <= vendors(&best), "{name}"),
        }
    }
    names
}

#[test]
fn alternatives_are_near_optimal_distinct_and_valid() {
    let names = check_alternatives("alternatives", ALTERNATIVES, 5.0);
    assert!(names.len() >= 2, "expected several alternatives: {names:?}");
    assert!(names.iter().any(|n| n == "most domestic"), "{names:?}");

    let s = write("alternatives-bad", ALTERNATIVES);
    for bad in ["0", "150%"] {
        let r = chipmix(&["alternatives", &s, "--within", bad, "--format", "json"]);
        assert_eq!(r.code, 2, "--within {bad}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{}", r.stdout);
    }
}

#[test]
fn alternatives_of_a_max_pflops_scenario_keep_the_capacity() {
    let names = check_alternatives("alternatives-maxpflops", MAX_PFLOPS, 5.0);
    assert!(!names.is_empty(), "expected an alternative");
}

#[test]
/// Regression: "fewest new platforms" used to keep a dropped platform even when the plan
/// then adopted another one instead.
fn each_alternative_is_strictly_better_than_the_optimum_in_its_direction() {
    // The docs: each alternative is pushed "as far as it goes in one direction"; one that is
    // no better than the optimum that way is not an alternative in that direction.
    let s = write("alternatives-direction", ALTERNATIVES);
    let r = chipmix(&["alternatives", &s, "--within", "5%", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = json(&r.stdout);
    let best = plan(&s, &[]);
    let platforms = |p: &Value| p["adopted_platforms"].as_array().map_or(0, Vec::len);
    let f = |p: &Value, k: &str| num(&p[k], k);
    for a in out["alternatives"].as_array().unwrap() {
        let name = a["name"].as_str().unwrap();
        let p = &a["plan"];
        let better = match name {
            "most domestic" => {
                f(&p["domestic_share"], "value") > f(&best["domestic_share"], "value") + 1e-9
            }
            "least power" => f(p, "facility_kw") < f(&best, "facility_kw") - 1e-9,
            "least capex" => f(p, "capex") < f(&best, "capex") - 1e-9,
            "fewest new platforms" => platforms(p) < platforms(&best),
            _ => vendors(p) < vendors(&best),
        };
        assert!(
            better,
            "`{name}` is no better than the optimum in its direction: {} (optimum adopts {}, \
             buys from {} vendors; it adopts {}, buys from {})",
            a["says"],
            best["adopted_platforms"],
            vendors(&best),
            p["adopted_platforms"],
            vendors(p)
        );
    }
}

// ---------------------------------------------------------------------------------------
// 6. Human formats and help
// ---------------------------------------------------------------------------------------

const SECTIONS: [&str; 3] = ["Price of the policy", "Shadow prices", "Price thresholds"];
const FIXES: &str = "Smallest single changes that make it feasible";

#[test]
fn table_and_markdown_print_every_section() {
    let s = write("formats", QUOTA_BINDS);
    let (_, e) = explain(&s, &[]);
    let table = chipmix(&["explain", &s]);
    let md = chipmix(&["explain", &s, "--format", "markdown"]);
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert_eq!(md.code, 0, "{}", md.stderr);
    for title in SECTIONS {
        assert!(table.stdout.contains(title), "table lacks {title}");
        assert!(
            md.stdout.contains(&format!("## {title}")),
            "markdown lacks {title}"
        );
    }
    assert!(!table.stdout.contains(FIXES) && !md.stdout.contains(FIXES));
    for p in e["shadow_prices"].as_array().unwrap() {
        let c = p["constraint"].as_str().unwrap();
        let unit = p["unit"].as_str().unwrap();
        let tightened = p["tightened"].as_str().unwrap();
        assert!(table.stdout.contains(tightened), "table lacks {tightened}");
        assert!(
            md.stdout.contains(&format!("| {c} | {unit} |")),
            "markdown lacks the {c} row"
        );
    }
    for t in e["price_thresholds"].as_array().unwrap() {
        let id = t["id"].as_str().unwrap();
        assert!(
            md.stdout.contains(&format!("| {id} |")),
            "markdown lacks {id}"
        );
    }

    // `-o` writes the same JSON as stdout.
    let out = std::env::temp_dir().join(format!("chipmix-explain-{}-o.json", std::process::id()));
    let r = chipmix(&[
        "explain",
        &s,
        "--format",
        "json",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let written = json(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(written["shadow_prices"], e["shadow_prices"]);
    let _ = std::fs::remove_file(&out);

    // Infeasible: the fixes, each with its --set.
    let inf = sample(INFEASIBLE_SAMPLE);
    let (_, e) = explain(&inf, &[]);
    let table = chipmix(&["explain", &inf]);
    let md = chipmix(&["explain", &inf, "--format", "markdown"]);
    assert_eq!(table.code, 1);
    assert_eq!(md.code, 1);
    assert!(table.stdout.contains(FIXES), "table lacks the fixes");
    assert!(
        md.stdout.contains(&format!("## {FIXES}")),
        "markdown lacks the fixes"
    );
    for f in e["fixes"].as_array().unwrap() {
        let set = format!("--set {}={}", f["path"].as_str().unwrap(), f["to"]);
        assert!(table.stdout.contains(&set), "table lacks {set}");
        assert!(md.stdout.contains(&set), "markdown lacks {set}");
    }

    // Alternatives in both human formats.
    let a = write("formats-alternatives", ALTERNATIVES);
    let table = chipmix(&["alternatives", &a, "--within", "5%"]);
    let md = chipmix(&["alternatives", &a, "--within", "5%", "--format", "markdown"]);
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert_eq!(md.code, 0, "{}", md.stderr);
    assert!(
        table
            .stdout
            .contains("Alternatives within 5.0% of the optimum")
    );
    assert!(table.stdout.contains("most domestic") && table.stdout.contains("reproduce:"));
    assert!(
        md.stdout
            .contains("alternatives within 5.0% of the optimum")
    );
    assert!(md.stdout.contains("## most domestic"));
}

#[test]
fn explain_and_alternatives_help() {
    for cmd in ["explain", "alternatives"] {
        let r = chipmix(&[cmd, "--help"]);
        assert_eq!(r.code, 0, "{cmd} --help: {}", r.stderr);
        assert!(
            r.stdout.contains(&format!("Usage: chipmix {cmd}")),
            "{}",
            r.stdout
        );
        assert!(r.stdout.contains("--format"), "{}", r.stdout);
    }
    // And without a scenario it is a usage error.
    let r = chipmix(&["explain"]);
    assert_eq!(r.code, 2);
}

#[test]
fn the_report_carries_the_explanation_and_the_alternatives() {
    let s = sample("strict-majority.yaml");
    let dir = std::env::temp_dir().join(format!("chipmix-explain-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("report.html");
    let page_s = page.display().to_string();
    let r = chipmix(&[
        "report",
        &s,
        "--explain",
        "--alternatives",
        "5%",
        "-o",
        &page_s,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let html = std::fs::read_to_string(&page).unwrap();
    for section in [
        "Price of the policy",
        "Shadow prices",
        "Price thresholds",
        "Alternatives within 5.0% of the optimum",
    ] {
        assert!(html.contains(section), "no `{section}` in the report");
    }
    // The same figures as `chipmix explain`, computed independently by that command.
    let e = json(&chipmix(&["explain", &s, "--format", "json"]).stdout);
    let policy = e["policy_cost"].as_f64().unwrap();
    let shown = chipmix::numfmt::money(policy);
    assert!(
        html.contains(&shown),
        "policy cost {shown} not in the report"
    );
    let total = e["plan"]["total_cost"].as_f64().unwrap();
    let shown = chipmix::numfmt::money(total);
    assert!(html.contains(&shown), "total {shown} not in the report");
    // Every alternative `chipmix alternatives` finds is listed.
    let a = json(&chipmix(&["alternatives", &s, "--within", "5%", "--format", "json"]).stdout);
    for alt in a["alternatives"].as_array().unwrap() {
        let name = alt["name"].as_str().unwrap();
        assert!(html.contains(&format!("<strong>{name}</strong>")), "{name}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// With HiGHS every re-solve of every sample is proven, so the explanations of all the
/// samples (the Shanghai ones included, which microlp cannot prove in time) are checked
/// against separate HiGHS plans: shadow prices, thresholds and fixes.
#[cfg(feature = "highs")]
#[test]
fn every_sample_explains_like_its_highs_re_solves() {
    let dir = format!("{}/scenarios", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        // National explanations (samples with sites or periods) are checked by
        // tests/explain_national.rs.
        .filter(|n| {
            let text = std::fs::read_to_string(format!("{dir}/{n}")).unwrap_or_default();
            !text.contains("\nsites:") && !text.contains("\nperiods:")
        })
        // The 2026 catalog's twenty cards make 136 re-solves, a few of which pass the 2 s
        // limit per re-solve when the tests load both cores, so its figures cannot be held
        // to HiGHS's here: left out (its plan is checked by the precision and cli tests).
        .filter(|n| n != "fp8-inference-2026.yaml")
        .collect();
    names.sort();
    let highs_plan = |s: &str, sets: &[String]| -> Value {
        let mut args = vec![
            "plan".to_string(),
            s.to_string(),
            "--solver".into(),
            "highs".into(),
            "--mip-gap".into(),
            "0".into(),
            "--format".into(),
            "json".into(),
        ];
        args = with_sets(args, sets);
        let r = run_owned(&args);
        json(&r.stdout)
    };
    let bought = |p: &Value, id: &str| units_of(p, id) > 0.0;
    for name in names {
        let s = sample(&name);
        let r = chipmix(&["explain", &s, "--solver", "highs", "--format", "json"]);
        let e = json(&r.stdout);
        assert_eq!(
            e["notes"].as_array().map_or(0, Vec::len),
            0,
            "{name}: {}",
            e["notes"]
        );
        let base = highs_plan(&s, &[]);
        if !has_plan(&base) {
            assert_eq!(r.code, 1, "{name}");
            let fixes = e["fixes"].as_array().unwrap();
            assert!(!fixes.is_empty(), "{name}: no fix");
            for f in fixes {
                let set = format!("{}={}", f["path"].as_str().unwrap(), f["to"]);
                assert!(
                    has_plan(&highs_plan(&s, std::slice::from_ref(&set))),
                    "{name}: {set}"
                );
            }
            continue;
        }
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        let c0 = cost(&base).unwrap();
        assert!(close(num(&e["plan"]["total_cost"], "total"), c0), "{name}");
        for sp in e["shadow_prices"].as_array().unwrap() {
            let Some(v) = sp["value"].as_f64() else {
                continue;
            };
            let set = sp["tightened"].as_str().unwrap().to_string();
            let c1 = cost(&highs_plan(&s, std::slice::from_ref(&set))).unwrap();
            assert!(
                (v - (c1 - c0)).abs() <= 1e-6 * c0.abs().max(1.0),
                "{name}: {set}: explain says {v}, re-solve {}",
                c1 - c0
            );
        }
        for t in e["price_thresholds"].as_array().unwrap() {
            let (Some(th), id) = (t["threshold"].as_f64(), t["id"].as_str().unwrap()) else {
                continue;
            };
            let today = t["unit_price"].as_f64().unwrap();
            let above = highs_plan(&s, &[price_set(id, th * 1.01)]);
            let below = highs_plan(&s, &[price_set(id, (th * 0.99).max(0.0))]);
            if t["in_plan"].as_bool().unwrap() {
                assert!(!bought(&above, id), "{name}: {id} still bought above {th}");
                let below = if th * 0.99 < today {
                    highs_plan(&s, &[price_set(id, today)])
                } else {
                    below
                };
                assert!(bought(&below, id), "{name}: {id} not bought below {th}");
            } else {
                assert!(bought(&below, id), "{name}: {id} not bought below {th}");
                assert!(!bought(&above, id), "{name}: {id} bought above {th}");
            }
        }
    }
}

/// Two cards, one with a display name (with CJK characters) and one without.
const NAMED: &str = r#"
name: thresholds with names
currency: USD
accelerators:
  - {id: d1, name: "Acme 昇腾 D1", vendor: A, origin: domestic, unit_price: 100, tflops: 1000}
  - {id: f1, vendor: F, origin: foreign, unit_price: 90, tflops: 1000}
demand: {pflops: 10}
policy:
  domestic_share: {min: 0.5}
"#;

#[test]
fn price_thresholds_carry_the_display_name_where_there_is_one() {
    let path = write("thresholds-named", NAMED);
    let r = chipmix(&["explain", &path, "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let e = json(&r.stdout);
    // The names as the file gives them, read from the YAML itself.
    let yaml: serde_yaml::Value = serde_yaml::from_str(NAMED).unwrap();
    let names: BTreeMap<String, Option<String>> = yaml["accelerators"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap().to_string(),
                a["name"].as_str().map(String::from),
            )
        })
        .collect();
    let list = e["price_thresholds"].as_array().unwrap();
    assert_eq!(list.len(), names.len(), "{list:?}");
    for t in list {
        let id = t["id"].as_str().unwrap();
        // Section 5's fields are all still there.
        for key in ["id", "in_plan", "threshold"] {
            assert!(t.get(key).is_some(), "{key} missing from {t}");
        }
        match &names[id] {
            Some(name) => assert_eq!(t["name"].as_str(), Some(name.as_str()), "{t}"),
            None => assert!(t.get("name").is_none(), "{id} has no name: {t}"),
        }
    }
    // The table shows the name beside the id.
    let r = chipmix(&["explain", &path]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("d1 (Acme 昇腾 D1)"), "{}", r.stdout);
}
