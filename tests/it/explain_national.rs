//! `chipmix explain` on national scenarios (sites x periods, section 2 of the format): every
//! figure is checked against separate `chipmix plan --set ...` runs, never against the
//! explanation itself. The scenarios are small (2 sites x 2 periods) so that microlp proves
//! every re-solve optimal at once.

use crate::support::{
    chipmix, close as near, has_plan, json, optimal_plan as plan, run_owned as run, sample,
    scenario_file, units_of, with_sets,
};
use serde_json::Value;

/// Two sites, two years: site `a` has its own 60% quota, `b` inherits the policy's ramp,
/// the national supply of `d1` (whose price falls) is capped each year, and a national
/// share applies. `f2` is out of the plan (dearer than `f1`).
const TWO_BY_TWO: &str = r#"
name: two sites, two years
currency: USD
periods: [2025, 2026]
accelerators:
  - {id: f1, vendor: V1, origin: foreign, platform: cuda, unit_price: 100, tflops: 100, power_w: 500}
  - {id: d1, vendor: D1, origin: domestic, platform: cann, unit_price: {2025: 150, 2026: 140}, tflops: 100, power_w: 500, max_units: {2025: 40, 2026: 40}}
  - {id: d2, vendor: D2, origin: domestic, platform: cann, unit_price: 200, tflops: 100, power_w: 500}
  - {id: f2, vendor: V1, origin: foreign, platform: cuda, unit_price: 130, tflops: 100, power_w: 500}
sites:
  - id: a
    demand: {pflops: {2025: 10, 2026: 15}}
    domestic_share: {min: 0.6}
  - id: b
    demand: {pflops: {2025: 5, 2026: 8}}
policy:
  domestic_share: {min: {2025: 0.4, 2026: 0.5}, basis: units}
  national_domestic_share: {min: 0.55}
costs: {discount_rate: 0.1}
"#;

/// The prices of the accelerators of [`TWO_BY_TWO`] per year (2025, 2026).
const PRICES: &[(&str, [f64; 2])] = &[
    ("f1", [100.0, 100.0]),
    ("d1", [150.0, 140.0]),
    ("d2", [200.0, 200.0]),
    ("f2", [130.0, 130.0]),
];

fn write(tag: &str, text: &str) -> String {
    scenario_file(&format!("explain-national-{tag}"), text)
        .display()
        .to_string()
}

fn cost(p: &Value) -> f64 {
    assert!(has_plan(p), "no plan: {}", p["status"]);
    p["total_cost"].as_f64().expect("a total cost")
}

fn explain(scenario: &str, sets: &[String]) -> (crate::support::Run, Value) {
    let args = with_sets(
        vec![
            "explain".into(),
            scenario.into(),
            "--format".into(),
            "json".into(),
        ],
        sets,
    );
    let r = run(&args);
    assert!(r.code == 0 || r.code == 1, "explain: {}", r.stderr);
    let e = json(&r.stdout);
    for key in [
        "plan",
        "policy_cost",
        "shadow_prices",
        "price_thresholds",
        "fixes",
    ] {
        assert!(e.get(key).is_some(), "explanation lacks `{key}`");
    }
    (r, e)
}

/// Explains [`TWO_BY_TWO`]: exit 0, every re-solve proven (no note about re-solves), the
/// same total cost as a separate plan.
fn explained() -> (String, Value, f64) {
    let s = write("two-by-two", TWO_BY_TWO);
    let (r, e) = explain(&s, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for n in e["notes"].as_array().unwrap() {
        assert!(
            !n.as_str().unwrap().contains("re-solve"),
            "a re-solve was cut short: {n}"
        );
    }
    let c0 = cost(&plan(&s, &[]));
    assert!(near(e["plan"]["total_cost"].as_f64().unwrap(), c0));
    (s, e, c0)
}

#[test]
fn policy_cost_of_a_national_scenario_removes_every_share_rule() {
    let (s, e, c0) = explained();
    let without = plan(
        &s,
        &[
            "policy.domestic_share=null".into(),
            "policy.national_domestic_share=null".into(),
            "sites[a].domestic_share=null".into(),
        ],
    );
    let expected = c0 - cost(&without);
    let got = e["policy_cost"].as_f64().expect("a policy cost");
    assert!(expected > 1.0, "the share rules should cost something here");
    // Written to the cent, as the totals are.
    assert!(
        near(got, expected) || (got - expected).abs() <= 0.02,
        "explain {got}, plans {expected}"
    );
    // Removing only the policy's rule is not enough: site a keeps its own.
    let partial = c0 - cost(&plan(&s, &["policy.domestic_share=null".into()]));
    assert!(!near(got, partial), "site a's own rule was not removed");
}

#[test]
fn shadow_prices_are_per_site_and_period_and_match_re_solves() {
    let (s, e, c0) = explained();
    let prices = e["shadow_prices"].as_array().unwrap();
    // Every binding site rule of the plan has an entry for its site and period.
    for site in e["plan"]["sites"].as_array().unwrap() {
        for p in site["periods"].as_array().unwrap() {
            for family in p["binding"].as_array().unwrap() {
                let found = prices.iter().any(|x| {
                    x["constraint"] == *family
                        && x["site"] == site["id"]
                        && x["period"] == p["period"]
                });
                assert!(
                    found,
                    "no shadow price for {family} at {} {}",
                    site["id"], p["period"]
                );
            }
        }
    }
    // The national supply cap: site null, period filled.
    let supply: Vec<&Value> = prices
        .iter()
        .filter(|x| x["constraint"] == "supply:d1")
        .collect();
    assert!(!supply.is_empty(), "supply:d1 binds: {prices:?}");
    for x in &supply {
        assert!(x["site"].is_null() && x["period"].is_i64(), "{x}");
    }
    // Each value is the change of a separate plan with that limit tightened.
    for x in prices {
        let Some(v) = x["value"].as_f64() else {
            continue;
        };
        assert_eq!(x["method"], "resolve");
        let set = x["tightened"].as_str().unwrap().to_string();
        let c1 = cost(&plan(&s, std::slice::from_ref(&set)));
        // Both are written to the cent.
        assert!(
            near(v, c1 - c0) || (v - (c1 - c0)).abs() <= 0.02,
            "{set}: explain {v}, plans {}",
            c1 - c0
        );
    }
    // Site a's demand in 2026, tightened by hand: +1 PFLOPS in that year only.
    let by_hand = cost(&plan(
        &s,
        &["sites[a].demand.pflops={2025: 10, 2026: 16}".into()],
    )) - c0;
    let entry = prices
        .iter()
        .find(|x| x["constraint"] == "demand" && x["site"] == "a" && x["period"] == 2026)
        .expect("site a's 2026 demand binds");
    let v = entry["value"].as_f64().unwrap();
    assert!(
        near(v, by_hand) || (v - by_hand).abs() <= 0.02,
        "explain {v}, by hand {by_hand}"
    );
    assert!(v > 0.0);
}

/// `accelerators[ID].unit_price` with every year's price times `first / today's first`.
fn scaled_price(id: &str, first: f64) -> String {
    let today = PRICES.iter().find(|(i, _)| *i == id).unwrap().1;
    let f = first / today[0];
    format!(
        "accelerators[{id}].unit_price={{2025: {}, 2026: {}}}",
        today[0] * f,
        today[1] * f
    )
}

#[test]
fn price_thresholds_of_a_national_scenario_flip_the_plan() {
    let (s, e, _) = explained();
    let mut checked = 0;
    for t in e["price_thresholds"].as_array().unwrap() {
        let id = t["id"].as_str().unwrap();
        let today = PRICES.iter().find(|(i, _)| *i == id).unwrap().1;
        assert!(near(t["unit_price"].as_f64().unwrap(), today[0]), "{t}");
        let Some(th) = t["threshold"].as_f64() else {
            continue;
        };
        let in_plan = t["in_plan"].as_bool().unwrap();
        let below = units_of(&plan(&s, &[scaled_price(id, th * 0.99)]), id);
        let above = units_of(&plan(&s, &[scaled_price(id, th * 1.01)]), id);
        if in_plan {
            assert!(th > today[0], "{id}: {th}");
        } else {
            assert!(th < today[0], "{id}: {th}");
        }
        assert!(below > 0.0, "{id}: none bought 1% below the threshold {th}");
        assert_eq!(above, 0.0, "{id}: still bought 1% above the threshold {th}");
        checked += 1;
    }
    assert!(
        checked >= 3,
        "too few thresholds: {}",
        e["price_thresholds"]
    );
}

#[test]
fn every_fix_of_an_infeasible_national_scenario_makes_it_feasible() {
    // Site a may draw 30 kW: 60 cards of 500 W, short of the 100 (2025) and 150 (2026) its
    // demand needs.
    let text = TWO_BY_TWO.replace(
        "    domestic_share: {min: 0.6}\n",
        "    domestic_share: {min: 0.6}\n    power_kw: {2025: 30, 2026: 30}\n",
    );
    let s = write("infeasible", &text);
    assert!(!has_plan(&plan(&s, &[])));
    let (r, e) = explain(&s, &[]);
    assert_eq!(r.code, 1);
    let fixes = e["fixes"].as_array().unwrap();
    let paths: Vec<&str> = fixes.iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert!(paths.contains(&"sites[a].power_kw"), "{paths:?}");
    assert!(paths.contains(&"sites[a].demand.pflops"), "{paths:?}");
    for f in fixes {
        let set = match f.get("set").and_then(Value::as_str) {
            Some(set) => set.to_string(),
            None => format!("{}={}", f["path"].as_str().unwrap(), f["to"]),
        };
        assert!(
            has_plan(&plan(&s, std::slice::from_ref(&set))),
            "{set} does not fix it"
        );
    }
    // The power fix is the smallest to 1%: 2% less is not enough.
    let power = fixes
        .iter()
        .find(|f| f["path"] == "sites[a].power_kw")
        .unwrap();
    let kw = power["to"].as_f64().expect("one value for both years");
    assert!(
        (kw - 75.0).abs() <= 0.01 * 75.0,
        "150 cards of 500 W need 75 kW: {kw}"
    );
    let short = format!("sites[a].power_kw={}", kw * 0.98);
    assert!(!has_plan(&plan(&s, &[short])));
}

#[test]
#[ignore = "about 90 s in a debug build (101 re-solves of 6 sites x 3 years); run with --ignored"]
fn the_national_sample_is_explained_per_site_and_period() {
    let r = chipmix(&[
        "explain",
        &sample("national-2025-2027.yaml"),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let e = json(&r.stdout);
    assert!(
        e["policy_cost"].as_f64().is_some_and(|c| c > 0.0),
        "{}",
        e["policy_cost"]
    );
    let prices = e["shadow_prices"].as_array().unwrap();
    assert!(
        prices
            .iter()
            .any(|x| x["constraint"] == "demand" && x["site"].is_string() && x["period"].is_i64())
    );
    assert!(
        prices
            .iter()
            .any(|x| x["constraint"] == "domestic_share" && x["site"] == "beijing-yizhuang")
    );
    assert!(!e["price_thresholds"].as_array().unwrap().is_empty());
}
