//! Many sites and many periods (section 2 of the scenario format) from the outside: every
//! figure is checked against an optimum worked out by hand (in the comments), against a
//! brute force written here from the formulas of section 2, against the same scenario in
//! section-1 form, or against a separate `chipmix plan` run. Nothing here reads chipmix's
//! own model or checker.
//!
//! 1. Known optima: a two-site, two-period case and variants (lifetimes, retiring fleets,
//!    national supply caps, opex over period spans with per-site prices and PUE, platform
//!    adoption paid once, per-period budgets), plus `chipmix check` on saved plans.
//! 2. A brute-force reference over 300 random 2-site x 2-period x 2-accelerator scenarios.
//! 3. Section-1 samples rewritten with one site and `periods: [2025]` plan the same.
//! 4. Bad section-2 input exits 2 and names file:line:col and the field.
//! 5. A sweep over the quota of the two-site case agrees with separate plans.
//!
//! Findings while this file was written:
//! - The brute force (300 scenarios) and chipmix agree on every verdict and optimum.
//! - `periods: [2025, "x"]` reports `periods[1]: invalid type: string "x"` once and then
//!   `periods[1]: invalid type: unit value, expected a number` 49 more times, up to the
//!   50-problem cap (`a_bad_period_is_reported_once` fails until that is fixed).

// Indices s, t and a address several arrays at once in the reference model.
#![allow(clippy::needless_range_loop)]

use crate::support::random::{Basis, Draw, dec};
use crate::support::{Run, chipmix, chipmix_in, close, json, par_map, sample, scenario_file};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

fn path_str(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temp path")
}

/// `chipmix plan FILE --format json --set ...`: the plan, checked to exit 0 with a plan and
/// 1 with an infeasible one.
fn plan(path: &Path, sets: &[&str]) -> Value {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    crate::support::plan(path_str(path), &sets)
}

/// Plans `text` (written to a temp file named `tag`) and asserts it is optimal.
fn plan_optimal(tag: &str, text: &str, sets: &[&str]) -> Value {
    let path = scenario_file(tag, text);
    let p = plan(&path, sets);
    assert_eq!(p["status"], "optimal", "{tag} {sets:?}: {p}");
    p
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// Whether `got` is within 1e-6 relative of `want`, or within the cent a plan writes money
/// to.
fn to_the_cent(got: f64, want: f64) -> bool {
    close(got, want) || (got - want).abs() <= 0.01 + 1e-9
}

/// Asserts `got` is within 1e-6 relative of the hand-worked `want`, or within the cent a
/// plan writes money to (these scenarios have toy prices such as 100 / 1.1).
fn assert_close(got: f64, want: f64, what: &str) {
    assert!(to_the_cent(got, want), "{what}: got {got}, want {want}");
}

/// The plan's purchase rows as (id, site, period) -> units; site "" / period 0 when the row
/// carries none. Panics on a repeated row.
fn rows(p: &Value) -> BTreeMap<(String, String, i64), f64> {
    let mut m = BTreeMap::new();
    for r in p["purchases"].as_array().expect("purchases") {
        let key = (
            r["id"].as_str().unwrap().to_string(),
            r["site"].as_str().unwrap_or("").to_string(),
            r["period"].as_i64().unwrap_or(0),
        );
        let units = num(&r["units"]);
        assert!(units > 0.0, "a purchase row with {units} units: {r}");
        assert!(m.insert(key.clone(), units).is_none(), "row {key:?} twice");
    }
    m
}

/// Asserts the purchase rows are exactly `want` (id, site, period, units).
fn assert_rows(p: &Value, want: &[(&str, &str, i64, f64)]) {
    let want: BTreeMap<(String, String, i64), f64> = want
        .iter()
        .map(|&(id, s, t, u)| ((id.to_string(), s.to_string(), t), u))
        .collect();
    assert_eq!(rows(p), want, "purchase rows of {}", p["scenario"]);
}

/// Asserts `total_cost` is `want`, that capex + opex + adoption adds up to it, and that the
/// periods' discounted costs plus adoption add up to it too.
fn assert_total(p: &Value, want: f64) {
    let total = num(&p["total_cost"]);
    assert_close(total, want, "total_cost");
    let parts = num(&p["capex"]) + num(&p["opex"]) + num(&p["adoption"]);
    assert_close(parts, total, "capex + opex + adoption");
    let periods = p["periods"].as_array().expect("periods");
    let discounted: f64 = periods.iter().map(|q| num(&q["discounted_cost"])).sum();
    let adoption_in_periods: f64 = periods.iter().map(|q| num(&q["adoption"])).sum();
    assert_close(
        adoption_in_periods,
        num(&p["adoption"]),
        "adoption over periods",
    );
    // discounted_cost may or may not include the period's adoption; either way the sum with
    // adoption added at most once must be the total.
    assert!(
        close(discounted + num(&p["adoption"]), total) || close(discounted, total),
        "sum of discounted_cost {discounted} + adoption {} vs total {total}",
        p["adoption"]
    );
}

/// The per-period entry for `year`.
fn period(p: &Value, year: i64) -> &Value {
    p["periods"]
        .as_array()
        .expect("periods")
        .iter()
        .find(|q| q["period"] == year)
        .unwrap_or_else(|| panic!("no period {year} in {}", p["periods"]))
}

/// The entry of site `id` for `year`.
fn site_period<'a>(p: &'a Value, id: &str, year: i64) -> &'a Value {
    let site = p["sites"]
        .as_array()
        .expect("sites")
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no site {id}"));
    site["periods"]
        .as_array()
        .expect("site periods")
        .iter()
        .find(|q| q["period"] == year)
        .unwrap_or_else(|| panic!("no period {year} at site {id}"))
}

/// Units of `acc` in the fleet of site `id` in `year`: (units, existing, new).
fn site_fleet(p: &Value, id: &str, year: i64, acc: &str) -> (f64, f64, f64) {
    let sp = site_period(p, id, year);
    sp["fleet"]
        .as_array()
        .expect("fleet")
        .iter()
        .find(|f| f["id"] == acc)
        .map(|f| (num(&f["units"]), num(&f["existing"]), num(&f["new"])))
        .unwrap_or((0.0, 0.0, 0.0))
}

// ---------------------------------------------------------------------------------------
// 1. Known optima
// ---------------------------------------------------------------------------------------

/// Two sites, two periods, one quota per site.
///
/// Hand optimum (every fleet must be at least half domestic, by units; tflops 1000 so one
/// unit is one PFLOPS; nothing retires):
/// - site a needs 2 units in 2025 (>= 1 dom) and 4 in 2026 (>= 2 dom);
///   site b needs 2 units (>= 1 dom) in both years.
/// - dom supply: 2 in 2025, 1 in 2026 (national). In 2025 a and b each need one dom: the
///   whole 2025 cap. a's second dom can only come in 2026 (80, discounted 80 / 1.1).
/// - for costs 50 every year, so it is bought as late as possible: a 1 + b 1 in 2025, a 1
///   more in 2026 (discounted 50 / 1.1).
/// - 2025: a 100 + 50, b 100 + 50 = 300; 2026: a 80 + 50 = 130, / 1.1 = 118.1818...
/// - total 418.1818...; it is unique (a cannot take 2 dom in 2025: b needs the other).
const TWO_SITES: &str = r#"
name: two sites two periods
periods: [2025, 2026]
accelerators:
  - id: dom
    vendor: D
    origin: domestic
    unit_price: {2025: 100, 2026: 80}
    tflops: 1000
    max_units: {2025: 2, 2026: 1}
  - id: for
    vendor: F
    origin: foreign
    unit_price: 50
    tflops: 1000
sites:
  - id: a
    demand: {pflops: {2025: 2, 2026: 4}}
  - id: b
    demand: {pflops: 2}
policy:
  domestic_share: {min: 0.5}
costs:
  discount_rate: 0.1
"#;

const TWO_SITES_OPT: f64 = 300.0 + 130.0 / 1.1;

#[test]
fn two_sites_two_periods_known_optimum() {
    let p = plan_optimal("two-sites", TWO_SITES, &[]);
    assert_total(&p, TWO_SITES_OPT);
    assert_close(num(&p["capex"]), TWO_SITES_OPT, "capex");
    assert_close(num(&p["opex"]), 0.0, "opex");
    assert_close(num(&p["adoption"]), 0.0, "adoption");
    assert_rows(
        &p,
        &[
            ("dom", "a", 2025, 1.0),
            ("for", "a", 2025, 1.0),
            ("dom", "a", 2026, 1.0),
            ("for", "a", 2026, 1.0),
            ("dom", "b", 2025, 1.0),
            ("for", "b", 2025, 1.0),
        ],
    );

    // Per period: undiscounted capex, discount factors 1 and 1/1.1, discounted cost.
    let p25 = period(&p, 2025);
    let p26 = period(&p, 2026);
    assert_close(num(&p25["capex"]), 300.0, "capex 2025");
    assert_close(num(&p26["capex"]), 130.0, "capex 2026");
    assert_close(num(&p25["discount_factor"]), 1.0, "discount factor 2025");
    assert_close(
        num(&p26["discount_factor"]),
        1.0 / 1.1,
        "discount factor 2026",
    );
    assert_close(num(&p25["discounted_cost"]), 300.0, "discounted 2025");
    assert_close(num(&p26["discounted_cost"]), 130.0 / 1.1, "discounted 2026");
    // 2025 spans one year to 2026; the last period counts opex_years (default 0).
    assert_close(num(&p25["span_years"]), 1.0, "span 2025");
    assert_close(num(&p26["span_years"]), 0.0, "span 2026");
    assert_close(num(&p25["new_units"]), 4.0, "new units 2025");
    assert_close(num(&p26["new_units"]), 2.0, "new units 2026");
    assert_close(num(&p25["fleet_units"]), 4.0, "fleet 2025");
    assert_close(num(&p26["fleet_units"]), 6.0, "fleet 2026");
    assert_close(num(&p26["demand_pflops"]), 6.0, "national demand 2026");

    // Per site and period: capex, fleet, share.
    for (site, year, capex, fleet, dom) in [
        ("a", 2025, 150.0, 2.0, 1.0),
        ("a", 2026, 130.0, 4.0, 2.0),
        ("b", 2025, 150.0, 2.0, 1.0),
        ("b", 2026, 0.0, 2.0, 1.0),
    ] {
        let sp = site_period(&p, site, year);
        assert_close(num(&sp["capex"]), capex, &format!("capex {site} {year}"));
        assert_close(
            num(&sp["fleet_units"]),
            fleet,
            &format!("fleet {site} {year}"),
        );
        assert_close(num(&sp["pflops"]), fleet, &format!("pflops {site} {year}"));
        assert_close(
            num(&sp["domestic_share"]["value"]),
            dom / fleet,
            &format!("share {site} {year}"),
        );
        assert_close(num(&sp["domestic_share"]["min"]), 0.5, "site share min");
        assert_eq!(
            site_fleet(&p, site, year, "dom").0,
            dom,
            "dom fleet {site} {year}"
        );
    }
    // The 2026 fleet at a holds the 2025 purchase too (nothing retires).
    assert_eq!(site_fleet(&p, "a", 2026, "for"), (2.0, 0.0, 2.0));

    // validate counts the sites and periods.
    let path = scenario_file("two-sites-validate", TWO_SITES);
    let r = chipmix(&["validate", path_str(&path)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("ok (")
            && r.stdout.contains("2 site(s)")
            && r.stdout.contains("2 period(s)"),
        "{}",
        r.stdout
    );
}

/// `--set` on a site's per-year demand. With a at 1 PFLOPS in both years: a buys 1 dom in
/// 2025 (a one-unit fleet must be that unit domestic, 100), b as before 100 + 50: 250.
#[test]
fn site_demand_override() {
    let p = plan_optimal(
        "two-sites-set",
        TWO_SITES,
        &["sites[a].demand.pflops={2025: 1, 2026: 1}"],
    );
    assert_total(&p, 250.0);
    assert_rows(
        &p,
        &[
            ("dom", "a", 2025, 1.0),
            ("dom", "b", 2025, 1.0),
            ("for", "b", 2025, 1.0),
        ],
    );
}

#[test]
fn check_accepts_saved_plan_and_rejects_edits() {
    let scenario = scenario_file("two-sites-check", TWO_SITES);
    let r = chipmix(&["plan", path_str(&scenario), "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let good = json(&r.stdout);
    let dir = scenario.parent().unwrap();
    let write = |name: &str, v: &Value| -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, serde_json::to_string_pretty(v).unwrap()).unwrap();
        p
    };
    let check = |plan: &Path| -> Run { chipmix(&["check", path_str(&scenario), path_str(plan)]) };

    let saved = write("two-sites-good.json", &good);
    let r = check(&saved);
    assert_eq!(r.code, 0, "saved plan rejected: {}{}", r.stdout, r.stderr);

    // Edit one row: returns the edited plan.
    let edited = |id: &str, site: &str, year: i64, units: i64| -> Value {
        let mut p = good.clone();
        let mut found = false;
        for row in p["purchases"].as_array_mut().unwrap() {
            if row["id"] == id && row["site"] == site && row["period"] == year {
                row["units"] = units.into();
                found = true;
            }
        }
        assert!(found, "no row {id} {site} {year}");
        p
    };

    // One foreign unit fewer at a in 2026: a's 2026 fleet is 3 PFLOPS < 4.
    let fewer = write("two-sites-fewer.json", &edited("for", "a", 2026, 0));
    let r = check(&fewer);
    assert_eq!(
        r.code, 1,
        "one unit fewer accepted: {}{}",
        r.stdout, r.stderr
    );
    let text = format!("{}{}", r.stdout, r.stderr);
    assert!(
        text.lines()
            .any(|l| l.contains("site a") && l.contains("2026") && l.contains("demand")),
        "no line names site a, 2026 and the demand:\n{text}"
    );
    assert!(
        !text.lines().any(|l| l.contains("site b")),
        "site b is fine, but named:\n{text}"
    );

    // Removing the row altogether is the same plan.
    let mut removed = good.clone();
    removed["purchases"]
        .as_array_mut()
        .unwrap()
        .retain(|r| !(r["id"] == "for" && r["site"] == "a" && r["period"] == 2026));
    let removed = write("two-sites-removed.json", &removed);
    let r = check(&removed);
    assert_eq!(r.code, 1, "removed row accepted: {}{}", r.stdout, r.stderr);
    assert!(
        format!("{}{}", r.stdout, r.stderr).contains("site a"),
        "{}{}",
        r.stdout,
        r.stderr
    );

    // One dom more at a in 2026: the national 2026 cap of 1 is broken.
    let more = write("two-sites-more.json", &edited("dom", "a", 2026, 2));
    let r = check(&more);
    assert_eq!(r.code, 1, "over the cap accepted: {}{}", r.stdout, r.stderr);
    let text = format!("{}{}", r.stdout, r.stderr);
    assert!(
        text.lines()
            .any(|l| l.contains("2026") && l.contains("max_units")),
        "no line names 2026 and max_units:\n{text}"
    );

    // A unit moved from 2026 to 2025 at a (dom): 2025 dom at all sites 3 > 2.
    let mut moved = edited("dom", "a", 2025, 2);
    moved["purchases"]
        .as_array_mut()
        .unwrap()
        .retain(|r| !(r["id"] == "dom" && r["site"] == "a" && r["period"] == 2026));
    let moved = write("two-sites-moved.json", &moved);
    let r = check(&moved);
    assert_eq!(
        r.code, 1,
        "2025 over the cap accepted: {}{}",
        r.stdout, r.stderr
    );
    let text = format!("{}{}", r.stdout, r.stderr);
    assert!(
        text.lines()
            .any(|l| l.contains("2025") && l.contains("max_units")),
        "no line names 2025 and max_units:\n{text}"
    );
}

/// One site s needing 1 PFLOPS in 2025 and 2026, discount 10%. x lasts one year (bought in
/// 2025, gone in 2026 because 2026 - 2025 < 1 is false); y never retires.
/// - y at 15: y once in 2025 = 15; x twice = 10 + 10/1.1 = 19.0909; x then y = 10 + 15/1.1.
///   Optimum 15.
/// - y at 20: x twice 19.0909 < y once 20 < x then y 10 + 20/1.1 = 28.18. Optimum 19.0909.
/// - y at 20, x lifetime 2 (serves 2025 and 2026): x once, 10.
const LIFETIME: &str = r#"
name: lifetime
periods: [2025, 2026]
accelerators:
  - id: x
    vendor: X
    origin: domestic
    unit_price: 10
    tflops: 1000
    lifetime_years: 1
  - id: y
    vendor: Y
    origin: foreign
    unit_price: 15
    tflops: 1000
sites:
  - id: s
    demand: {pflops: 1}
costs:
  discount_rate: 0.1
"#;

#[test]
fn lifetime_forces_repurchase() {
    let p = plan_optimal("lifetime", LIFETIME, &[]);
    assert_total(&p, 15.0);
    assert_rows(&p, &[("y", "s", 2025, 1.0)]);

    let p = plan_optimal("lifetime", LIFETIME, &["accelerators[y].unit_price=20"]);
    assert_total(&p, 10.0 + 10.0 / 1.1);
    assert_rows(&p, &[("x", "s", 2025, 1.0), ("x", "s", 2026, 1.0)]);
    // The 2026 fleet holds only the 2026 unit.
    assert_eq!(site_fleet(&p, "s", 2026, "x").0, 1.0, "x fleet 2026");
    assert_close(
        num(&site_period(&p, "s", 2026)["fleet_units"]),
        1.0,
        "fleet 2026",
    );
    assert_close(
        num(&period(&p, 2026)["capex"]),
        10.0,
        "capex 2026 undiscounted",
    );

    let p = plan_optimal(
        "lifetime",
        LIFETIME,
        &[
            "accelerators[y].unit_price=20",
            "accelerators[x].lifetime_years=2",
        ],
    );
    assert_total(&p, 10.0);
    assert_rows(&p, &[("x", "s", 2025, 1.0)]);
    assert_eq!(site_fleet(&p, "s", 2026, "x").0, 1.0, "x fleet 2026");
}

/// An installed fleet that retires. Site s needs 2 PFLOPS in 2025 and 2026 and has 2 `old`
/// (foreign, no longer for sale) in service up to 2025. Discount 10%.
/// - Base: 2025 is covered by the old units; in 2026 they are gone (2026 <= 2025 is false),
///   so 2 `new` are bought in 2026: 60 / 1.1 = 54.5454...
/// - retire_year 2026: the old units serve both years; nothing is bought, 0.
/// - With a 50% domestic quota: the 2025 fleet (2 foreign) needs 2 domestic units in 2025,
///   which also cover 2026: 60, bought in 2025.
const RETIRE: &str = r#"
name: retiring fleet
periods: [2025, 2026]
accelerators:
  - id: old
    vendor: F
    origin: foreign
    unit_price: 999
    tflops: 1000
    available: false
  - id: new
    vendor: D
    origin: domestic
    unit_price: 30
    tflops: 1000
sites:
  - id: s
    demand: {pflops: 2}
    existing: [{id: old, units: 2, retire_year: 2025}]
costs:
  discount_rate: 0.1
"#;

#[test]
fn existing_fleet_retires() {
    let p = plan_optimal("retire", RETIRE, &[]);
    assert_total(&p, 60.0 / 1.1);
    assert_rows(&p, &[("new", "s", 2026, 2.0)]);
    assert_eq!(site_fleet(&p, "s", 2025, "old"), (2.0, 2.0, 0.0));
    assert_eq!(site_fleet(&p, "s", 2026, "old").0, 0.0, "old in 2026");
    assert_close(
        num(&site_period(&p, "s", 2026)["fleet_units"]),
        2.0,
        "fleet 2026",
    );

    let text = RETIRE.replace("retire_year: 2025", "retire_year: 2026");
    let p = plan_optimal("retire-2026", &text, &[]);
    assert_total(&p, 0.0);
    assert_rows(&p, &[]);
    assert_eq!(site_fleet(&p, "s", 2026, "old"), (2.0, 2.0, 0.0));

    let text = format!("{RETIRE}policy:\n  domestic_share: {{min: 0.5}}\n");
    let p = plan_optimal("retire-quota", &text, &[]);
    assert_total(&p, 60.0);
    assert_rows(&p, &[("new", "s", 2025, 2.0)]);
}

/// A national supply cap that moves a purchase. c costs 10 in 2025, 12 in 2026; no
/// discount. Site a needs 1 PFLOPS in both years, site b only in 2026.
/// - Cap 5 every year: both buy in 2025 (b early, 10 < 12): 20.
/// - Cap 1 in 2025 (national, both sites together): a takes it (a needs it in 2025), b's
///   unit moves to 2026: 10 + 12 = 22.
const SUPPLY: &str = r#"
name: national supply cap
periods: [2025, 2026]
accelerators:
  - id: c
    vendor: C
    origin: domestic
    unit_price: {2025: 10, 2026: 12}
    tflops: 1000
    max_units: {2025: 1, 2026: 5}
sites:
  - id: a
    demand: {pflops: 1}
  - id: b
    demand: {pflops: {2025: 0, 2026: 1}}
"#;

#[test]
fn national_supply_cap_moves_a_purchase() {
    let p = plan_optimal("supply", SUPPLY, &["accelerators[c].max_units=5"]);
    assert_total(&p, 20.0);
    assert_rows(&p, &[("c", "a", 2025, 1.0), ("c", "b", 2025, 1.0)]);

    let p = plan_optimal("supply", SUPPLY, &[]);
    assert_total(&p, 22.0);
    assert_rows(&p, &[("c", "a", 2025, 1.0), ("c", "b", 2026, 1.0)]);
    assert_close(num(&period(&p, 2025)["capex"]), 10.0, "capex 2025");
    assert_close(num(&period(&p, 2026)["capex"]), 12.0, "capex 2026");
    assert!(
        period(&p, 2025)["binding"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b == "supply:c"),
        "supply:c should bind in 2025: {}",
        period(&p, 2025)["binding"]
    );

    // Cap 0 in 2025: a cannot be served in 2025.
    let p = plan(
        &scenario_file("supply-zero", SUPPLY),
        &["accelerators[c].max_units={2025: 0, 2026: 5}"],
    );
    assert_eq!(p["status"], "infeasible");
}

/// Opex over period spans, with per-site energy prices and PUE.
/// periods [2025, 2027]: 2025 spans 2 years, 2027 (last) counts opex_years = 3.
/// g: 1,000 (every year), 1 PFLOPS, 1,000 W. utilization 0.5, discount 10%.
/// Site a: 1 PFLOPS both periods, energy 0.2, PUE 1.5 -> one g bought in 2025:
///   opex 2025 = 1.5 * 1 kW * 8760 * 0.5 * 0.2 * 2 = 2,628; opex 2027 = 1,314 * 3 = 3,942.
/// Site b: 0 PFLOPS in 2025, 2 in 2027, energy 0.1 / 0.05, PUE 1.0 (costs) -> two g bought
///   in 2027 (buying in 2025 costs more capex, undiscounted, plus 2025 opex):
///   opex 2027 = 1.0 * 2 kW * 8760 * 0.5 * 0.05 * 3 = 1,314.
/// Per period, undiscounted: 2025 capex 1,000 opex 2,628; 2027 capex 2,000 opex 5,256.
/// Discount factor of 2027: 1 / 1.1^2 = 1 / 1.21.
/// total = 3,628 + 7,256 / 1.21 = 9,624.6942...; opex = 2,628 + 5,256 / 1.21;
/// capex = 1,000 + 2,000 / 1.21.
const OPEX: &str = r#"
name: opex over spans
periods: [2025, 2027]
accelerators:
  - id: g
    vendor: G
    origin: domestic
    unit_price: 1000
    tflops: 1000
    power_w: 1000
sites:
  - id: a
    demand: {pflops: 1}
    energy_price_per_kwh: 0.2
    pue: 1.5
  - id: b
    demand: {pflops: {2025: 0, 2027: 2}}
    energy_price_per_kwh: {2025: 0.1, 2027: 0.05}
costs:
  energy_price_per_kwh: 0.1
  utilization: 0.5
  opex_years: 3
  discount_rate: 0.1
"#;

#[test]
fn opex_with_site_prices_pue_and_spans() {
    let p = plan_optimal("opex", OPEX, &[]);
    assert_total(&p, 3628.0 + 7256.0 / 1.21);
    assert_close(num(&p["opex"]), 2628.0 + 5256.0 / 1.21, "opex");
    assert_close(num(&p["capex"]), 1000.0 + 2000.0 / 1.21, "capex");
    assert_rows(&p, &[("g", "a", 2025, 1.0), ("g", "b", 2027, 2.0)]);

    let (p25, p27) = (period(&p, 2025), period(&p, 2027));
    assert_close(num(&p25["span_years"]), 2.0, "span 2025");
    assert_close(num(&p27["span_years"]), 3.0, "span 2027");
    assert_close(num(&p25["discount_factor"]), 1.0, "df 2025");
    assert_close(num(&p27["discount_factor"]), 1.0 / 1.21, "df 2027");
    assert_close(num(&p25["capex"]), 1000.0, "capex 2025");
    assert_close(num(&p25["opex"]), 2628.0, "opex 2025");
    assert_close(num(&p27["capex"]), 2000.0, "capex 2027");
    assert_close(num(&p27["opex"]), 5256.0, "opex 2027");
    assert_close(
        num(&p27["discounted_cost"]),
        7256.0 / 1.21,
        "discounted 2027",
    );

    for (site, year, opex, kw) in [
        ("a", 2025, 2628.0, 1.5),
        ("a", 2027, 3942.0, 1.5),
        ("b", 2025, 0.0, 0.0),
        ("b", 2027, 1314.0, 2.0),
    ] {
        let sp = site_period(&p, site, year);
        assert_close(num(&sp["opex"]), opex, &format!("opex {site} {year}"));
        assert_close(
            num(&sp["facility_kw"]),
            kw,
            &format!("facility_kw {site} {year}"),
        );
    }

    // Without the last period's opex years: 3,628 + 2,000 / 1.21.
    let p = plan_optimal("opex", OPEX, &["costs.opex_years=0"]);
    assert_total(&p, 3628.0 + 2000.0 / 1.21);
    assert_close(num(&period(&p, 2027)["span_years"]), 0.0, "span 2027");

    // Budgets bound the undiscounted capex_t + opex_t: 2025 needs exactly 3,628.
    let p = plan_optimal("opex", OPEX, &["limits.budget={2025: 3628, 2027: 7256}"]);
    assert_total(&p, 3628.0 + 7256.0 / 1.21);
    let p = plan(
        &scenario_file("opex-budget", OPEX),
        &["limits.budget={2025: 3627, 2027: 100000}"],
    );
    assert_eq!(p["status"], "infeasible", "2025 needs 3,628 undiscounted");
    assert!(!p["conflicts"].as_array().unwrap().is_empty(), "{p}");
}

/// Platform adoption, national and once. p (cann, 10) and q (cuda, 20), both 1 PFLOPS;
/// adopting cann costs 25 once, not discounted. Site a needs 1 in both years, site b 2 in
/// 2026 only; discount 10%.
/// - All p: 25 + 10 + 20 / 1.1 = 53.1818...
/// - All q: 20 + 40 / 1.1 = 56.3636...; p at a only: 35 + 40 / 1.1; p at b only:
///   20 + 25 + 20 / 1.1. Optimum: all p, 53.1818 (adoption paid per site would make it
///   10 + 25 + (20 + 25) / 1.1 = 75.9, and all q would win).
const ADOPTION: &str = r#"
name: adoption once
periods: [2025, 2026]
accelerators:
  - id: p
    vendor: D
    origin: domestic
    platform: cann
    unit_price: 10
    tflops: 1000
  - id: q
    vendor: F
    origin: foreign
    platform: cuda
    unit_price: 20
    tflops: 1000
sites:
  - id: a
    demand: {pflops: 1}
  - id: b
    demand: {pflops: {2025: 0, 2026: 2}}
costs:
  discount_rate: 0.1
  platform_adoption: {cann: 25}
"#;

const ADOPTION_OPT: f64 = 25.0 + 10.0 + 20.0 / 1.1;
const ALL_Q: f64 = 20.0 + 40.0 / 1.1;

#[test]
fn platform_adoption_paid_once_across_sites() {
    let p = plan_optimal("adoption", ADOPTION, &[]);
    assert_total(&p, ADOPTION_OPT);
    assert_close(num(&p["adoption"]), 25.0, "adoption");
    assert_close(num(&period(&p, 2025)["adoption"]), 25.0, "adoption in 2025");
    assert_close(num(&period(&p, 2026)["adoption"]), 0.0, "adoption in 2026");
    assert_rows(&p, &[("p", "a", 2025, 1.0), ("p", "b", 2026, 2.0)]);
}

/// As ADOPTION, with one p already installed at site b: cann is free everywhere, at a too.
/// a buys p in 2025 (10), b one more p in 2026 (10 / 1.1): 19.0909... (with adoption
/// charged, all q at 20 + 20 / 1.1 = 38.18 would beat 25 + 19.09).
#[test]
fn platform_free_when_any_site_has_it() {
    let text = ADOPTION.replace(
        "    demand: {pflops: {2025: 0, 2026: 2}}",
        "    demand: {pflops: {2025: 0, 2026: 2}}\n    existing: [{id: p, units: 1}]",
    );
    assert_ne!(text, ADOPTION);
    let p = plan_optimal("adoption-free", &text, &[]);
    assert_total(&p, 10.0 + 10.0 / 1.1);
    assert_close(num(&p["adoption"]), 0.0, "adoption");
    assert_rows(&p, &[("p", "a", 2025, 1.0), ("p", "b", 2026, 1.0)]);
    assert_eq!(site_fleet(&p, "b", 2026, "p"), (2.0, 1.0, 1.0));
}

/// Per-period budgets on ADOPTION: capex_t + opex_t, plus all adoption in the first period.
/// - {2025: 35, 2026: 100}: all p spends 10 + 25 = 35 in 2025: still optimal, 53.1818.
/// - {2025: 34, 2026: 100}: p anywhere puts its 25 into 2025 (10 + 25 or 20 + 25 > 34), so
///   all q: 56.3636, q at a in 2025 and 2 q at b in 2026.
/// - {2025: 100, 2026: 15}: b cannot buy 2 units in 2026 (p 20, q 40 > 15). Best: a p in
///   2025, b one p in 2025 and one in 2026: 25 + 10 + 10 + 10 / 1.1 = 54.0909 (b's two p in
///   2025 cost 55; all q needs b's 2 q in 2025: 60).
/// - {2025: 19, ...}: a's 2025 unit costs 20 (q) or 10 + 25 (p): infeasible.
/// - capex_budget {2025: 10}: adoption does not count, so all p (10) is fine: 53.1818.
/// - capex_budget {2025: 9}: nothing can be bought in 2025: infeasible.
#[test]
fn per_period_budgets() {
    let path = scenario_file("budgets", ADOPTION);

    let p = plan(&path, &["limits.budget={2025: 35, 2026: 100}"]);
    assert_eq!(p["status"], "optimal");
    assert_total(&p, ADOPTION_OPT);
    assert_close(num(&period(&p, 2025)["budget"]), 35.0, "budget 2025 echoed");

    let p = plan(&path, &["limits.budget={2025: 34, 2026: 100}"]);
    assert_eq!(p["status"], "optimal");
    assert_total(&p, ALL_Q);
    assert_close(num(&p["adoption"]), 0.0, "adoption");
    assert_rows(&p, &[("q", "a", 2025, 1.0), ("q", "b", 2026, 2.0)]);

    let p = plan(&path, &["limits.budget={2025: 100, 2026: 15}"]);
    assert_eq!(p["status"], "optimal");
    assert_total(&p, 45.0 + 10.0 / 1.1);
    assert_rows(
        &p,
        &[
            ("p", "a", 2025, 1.0),
            ("p", "b", 2025, 1.0),
            ("p", "b", 2026, 1.0),
        ],
    );

    for sets in [
        "limits.budget={2025: 19, 2026: 100}",
        "limits.capex_budget={2025: 9, 2026: 100}",
    ] {
        let r = chipmix(&["plan", path_str(&path), "--format", "json", "--set", sets]);
        assert_eq!(r.code, 1, "{sets}: {}{}", r.stdout, r.stderr);
        let p = json(&r.stdout);
        assert_eq!(p["status"], "infeasible", "{sets}");
        assert!(
            !p["conflicts"].as_array().expect("conflicts").is_empty(),
            "{sets}: no conflicts in {p}"
        );
    }

    let p = plan(&path, &["limits.capex_budget={2025: 10, 2026: 100}"]);
    assert_eq!(p["status"], "optimal");
    assert_total(&p, ADOPTION_OPT);
}

// ---------------------------------------------------------------------------------------
// 2. Brute-force reference
// ---------------------------------------------------------------------------------------
//
// Random scenarios with 2 sites, 2 periods and 2 accelerators (d: domestic, vendor D,
// platform cann; f: foreign, vendor F, platform cuda), lot size 1. Every generated number is
// an integer or a decimal with a fixed number of places, so every rule is checked exactly in
// integers:
// - shares in percent, PUE and utilisation in tenths, energy prices in hundredths, power
//   limits in thousandths of a kW, memory demand in tenths of a TB;
// - opex is held as an integer times OPEX_DEN = 10 (PUE) * 1000 (W per kW) * 10
//   (utilisation) * 100 (price), capex and budgets are scaled by the same factor when
//   compared with it.
// Every accelerator always has `max_units` (at most K = 4 in every period, national), so
// every x_ast is in 0..=K and the enumeration below covers every plan chipmix may choose.
//
// The enumeration: for each site, every x[t][a] in 0..=K is evaluated against the rules that
// concern one site (availability, minimum order, supply per site, demand, memory, site
// share, vendor share, power) and its costs; then every pair of site-feasible vectors is
// checked against the national rules (supply over sites, national share, budgets, capex
// budgets, adoption) and priced with the discounted total of section 2.

const K: i64 = 4;
const OPEX_DEN: i128 = 10 * 1000 * 10 * 100;
const HOURS: i128 = 8760;
const CASES: u64 = 300;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Draw for Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
}

#[derive(Debug, Clone)]
struct RAcc {
    id: &'static str,
    vendor: &'static str,
    domestic: bool,
    platform: &'static str,
    price: [i64; 2],
    tflops: i64,
    power_w: i64,
    memory_gb: i64,
    available: [bool; 2],
    /// National supply cap per period, each <= K.
    cap: [i64; 2],
    min_units: Option<i64>,
    lifetime: Option<i64>,
}

#[derive(Debug, Clone)]
struct RExisting {
    acc: usize,
    units: i64,
    retire_year: Option<i64>,
}

#[derive(Debug, Clone)]
struct RSite {
    id: &'static str,
    pflops: [i64; 2],
    memory_tb10: Option<[i64; 2]>,
    existing: Option<RExisting>,
    power_kw1000: Option<[i64; 2]>,
    energy100: Option<[i64; 2]>,
    pue10: Option<i64>,
    /// Site override of policy.domestic_share: min in percent per period, and maybe a basis.
    share: Option<([i64; 2], Option<Basis>)>,
}

#[derive(Debug, Clone)]
struct RScn {
    years: [i64; 2],
    accs: [RAcc; 2],
    sites: [RSite; 2],
    /// policy.domestic_share: min in percent per period, basis.
    share: Option<([i64; 2], Basis)>,
    national: Option<([i64; 2], Basis)>,
    vendor_max_pct: Option<i64>,
    discount_pct: i64,
    energy100: [i64; 2],
    pue10: i64,
    util10: i64,
    opex_years: i64,
    /// Adoption cost of cann (0: not written).
    adoption: i64,
    budget: Option<[i64; 2]>,
    capex_budget: Option<[i64; 2]>,
}

/// Purchases x[site][period][accelerator].
type X = [[[i64; 2]; 2]; 2];

fn gen_case(seed: u64) -> RScn {
    let mut r = Rng::new(seed);
    let years = if r.chance(70) {
        [2025, 2026]
    } else {
        [2025, 2027]
    };
    let pp = |r: &mut Rng, lo: i64, hi: i64| -> [i64; 2] {
        let a = r.range(lo, hi);
        if r.chance(40) {
            [a, a]
        } else {
            [a, r.range(lo, hi)]
        }
    };
    let acc = |r: &mut Rng, domestic: bool| -> RAcc {
        let price = pp(r, 1, 20);
        let cap = if r.chance(55) {
            [K, K]
        } else {
            [r.range(1, K), r.range(0, K).max(r.range(0, K))]
        };
        RAcc {
            id: if domestic { "d" } else { "f" },
            vendor: if domestic { "D" } else { "F" },
            domestic,
            platform: if domestic { "cann" } else { "cuda" },
            price,
            tflops: if domestic && r.chance(25) { 2000 } else { 1000 },
            power_w: r.pick(&[0, 1, 2, 5, 7]),
            memory_gb: r.pick(&[0, 40, 80]),
            available: if r.chance(85) {
                [true, true]
            } else {
                [r.chance(50), r.chance(50)]
            },
            cap,
            min_units: if r.chance(15) { Some(2) } else { None },
            lifetime: if r.chance(35) {
                Some(r.range(1, 3))
            } else {
                None
            },
        }
    };
    let accs = [acc(&mut r, true), acc(&mut r, false)];
    let site = |r: &mut Rng, id: &'static str| -> RSite {
        RSite {
            id,
            pflops: [r.range(0, 4), r.range(0, 4)],
            memory_tb10: if r.chance(15) {
                Some([r.range(0, 2), r.range(0, 2)])
            } else {
                None
            },
            existing: if r.chance(30) {
                Some(RExisting {
                    acc: r.range(0, 1) as usize,
                    units: r.range(1, 2),
                    retire_year: if r.chance(50) { Some(years[0]) } else { None },
                })
            } else {
                None
            },
            power_kw1000: if r.chance(25) {
                let a = r.range(8, 50);
                Some(if r.chance(50) {
                    [a, a]
                } else {
                    [a, r.range(8, 50)]
                })
            } else {
                None
            },
            energy100: if r.chance(25) {
                Some([r.pick(&[0, 5, 10, 20]), r.pick(&[0, 5, 10, 20])])
            } else {
                None
            },
            pue10: if r.chance(25) {
                Some(r.pick(&[10, 12, 15]))
            } else {
                None
            },
            share: if r.chance(30) {
                let m = [r.pick(&[0, 50]), r.pick(&[0, 50])];
                let basis = if r.chance(25) {
                    Some(r.pick(&[Basis::Units, Basis::Spend, Basis::Tflops]))
                } else {
                    None
                };
                Some((m, basis))
            } else {
                None
            },
        }
    };
    let sites = [site(&mut r, "s0"), site(&mut r, "s1")];
    let share = if r.chance(60) {
        let a = r.pick(&[0, 50]);
        let m = if r.chance(60) {
            [a, a]
        } else {
            [a, r.pick(&[0, 50])]
        };
        Some((
            m,
            r.pick(&[Basis::Units, Basis::Units, Basis::Tflops, Basis::Spend]),
        ))
    } else {
        None
    };
    let national = if r.chance(35) {
        let m = [r.pick(&[0, 50, 60, 75]), r.pick(&[0, 50, 60, 75])];
        Some((m, r.pick(&[Basis::Units, Basis::Tflops, Basis::Spend])))
    } else {
        None
    };
    let mut s = RScn {
        years,
        accs,
        sites,
        share,
        national,
        vendor_max_pct: if r.chance(15) { Some(75) } else { None },
        discount_pct: r.pick(&[0, 0, 10, 25]),
        energy100: [r.pick(&[0, 5, 10]), r.pick(&[0, 5, 10])],
        pue10: r.pick(&[10, 13]),
        util10: r.range(5, 10),
        opex_years: r.range(0, 3),
        adoption: if r.chance(45) {
            r.pick(&[5, 10, 20])
        } else {
            0
        },
        budget: if r.chance(20) {
            Some([r.range(30, 150), r.range(20, 150)])
        } else {
            None
        },
        capex_budget: if r.chance(15) {
            Some([r.range(20, 100), r.range(10, 100)])
        } else {
            None
        },
    };
    // Budgets drawn at random rarely land where they matter, so some are set around what
    // the cheapest plan without a budget spends in each period (adoption in the first):
    // a little below, at, or a little above it.
    if s.budget.is_none()
        && r.chance(30)
        && let Some((_, x)) = brute_force(&s)
    {
        let spend = period_spend(&s, &x);
        let mut b = [0i64; 2];
        for t in 0..2 {
            b[t] = (spend[t].round() as i64 + r.range(-3, 4)).max(0);
        }
        s.budget = Some(b);
    }
    s
}

/// A per-period value: a scalar when both periods agree (and the coin says so), else a map.
fn per_year(years: [i64; 2], v: [String; 2], scalar: bool) -> String {
    if scalar && v[0] == v[1] {
        v[0].clone()
    } else {
        format!("{{{}: {}, {}: {}}}", years[0], v[0], years[1], v[1])
    }
}

fn to_yaml(s: &RScn, seed: u64) -> String {
    // Whether a value equal in both periods is written as a scalar: alternates by seed.
    let sc = seed.is_multiple_of(2);
    let yy = |v: [i64; 2], den: i64| per_year(s.years, [dec(v[0], den), dec(v[1], den)], sc);
    let mut y = format!(
        "name: gen-{seed}\nperiods: [{}, {}]\nsolver: {{mip_gap: 0, time_limit_s: 30}}\naccelerators:\n",
        s.years[0], s.years[1]
    );
    for a in &s.accs {
        y += &format!("  - id: {}\n    vendor: {}\n", a.id, a.vendor);
        y += &format!(
            "    origin: {}\n    platform: {}\n",
            if a.domestic { "domestic" } else { "foreign" },
            a.platform
        );
        y += &format!("    unit_price: {}\n", yy(a.price, 1));
        y += &format!("    tflops: {}\n", a.tflops);
        y += &format!(
            "    power_w: {}\n    memory_gb: {}\n",
            a.power_w, a.memory_gb
        );
        if a.available != [true, true] {
            y += &format!(
                "    available: {}\n",
                per_year(
                    s.years,
                    [a.available[0].to_string(), a.available[1].to_string()],
                    sc
                )
            );
        }
        y += &format!("    max_units: {}\n", yy(a.cap, 1));
        if let Some(m) = a.min_units {
            y += &format!("    min_units: {m}\n");
        }
        if let Some(l) = a.lifetime {
            y += &format!("    lifetime_years: {l}\n");
        }
    }
    y += "sites:\n";
    for site in &s.sites {
        y += &format!(
            "  - id: {}\n    demand:\n      pflops: {}\n",
            site.id,
            yy(site.pflops, 1)
        );
        if let Some(m) = site.memory_tb10 {
            y += &format!("      memory_tb: {}\n", yy(m, 10));
        }
        if let Some(e) = &site.existing {
            y += &format!(
                "    existing:\n      - id: {}\n        units: {}\n",
                s.accs[e.acc].id, e.units
            );
            if let Some(ry) = e.retire_year {
                y += &format!("        retire_year: {ry}\n");
            }
        }
        if let Some(p) = site.power_kw1000 {
            y += &format!("    power_kw: {}\n", yy(p, 1000));
        }
        if let Some(e) = site.energy100 {
            y += &format!("    energy_price_per_kwh: {}\n", yy(e, 100));
        }
        if let Some(p) = site.pue10 {
            y += &format!("    pue: {}\n", dec(p, 10));
        }
        if let Some((m, basis)) = site.share {
            y += &format!("    domestic_share:\n      min: {}\n", yy(m, 100));
            if let Some(b) = basis {
                y += &format!("      basis: {}\n", b.name());
            }
        }
    }
    if s.share.is_some() || s.national.is_some() {
        y += "policy:\n";
        if let Some((m, b)) = s.share {
            y += &format!(
                "  domestic_share: {{min: {}, basis: {}}}\n",
                yy(m, 100),
                b.name()
            );
        }
        if let Some((m, b)) = s.national {
            y += &format!(
                "  national_domestic_share: {{min: {}, basis: {}}}\n",
                yy(m, 100),
                b.name()
            );
        }
    }
    if s.budget.is_some() || s.capex_budget.is_some() || s.vendor_max_pct.is_some() {
        y += "limits:\n";
        if let Some(b) = s.budget {
            y += &format!("  budget: {}\n", yy(b, 1));
        }
        if let Some(b) = s.capex_budget {
            y += &format!("  capex_budget: {}\n", yy(b, 1));
        }
        if let Some(v) = s.vendor_max_pct {
            y += &format!("  vendor_max_share: {}\n", dec(v, 100));
        }
    }
    y += "costs:\n";
    y += &format!("  discount_rate: {}\n", dec(s.discount_pct, 100));
    y += &format!("  energy_price_per_kwh: {}\n", yy(s.energy100, 100));
    y += &format!(
        "  pue: {}\n  utilization: {}\n",
        dec(s.pue10, 10),
        dec(s.util10, 10)
    );
    y += &format!("  opex_years: {}\n", s.opex_years);
    if s.adoption > 0 {
        y += &format!("  platform_adoption: {{cann: {}}}\n", s.adoption);
    }
    y
}

/// What one site's purchases give, when they meet every rule that concerns that site alone.
#[derive(Debug, Clone)]
struct SiteEval {
    x: [[i64; 2]; 2],
    /// Per period: capex, and opex times OPEX_DEN.
    capex: [i128; 2],
    opex: [i128; 2],
    /// Per period and accelerator: the fleet n_ast.
    fleet: [[i64; 2]; 2],
    /// sum_t (capex_t + opex_t) / (1 + r)^(year_t - year_0) of this site alone: a lower
    /// bound of what the site adds to any plan's total (adoption is never negative).
    discounted: f64,
}

/// The share rule `sum_D >= pct% * sum_all` over per-accelerator amounts.
fn share_ok(pct: i64, amounts: [i128; 2], accs: &[RAcc; 2]) -> bool {
    let dom: i128 = (0..2)
        .filter(|&a| accs[a].domestic)
        .map(|a| amounts[a])
        .sum();
    let all: i128 = amounts.iter().sum();
    100 * dom >= pct as i128 * all
}

/// Per-accelerator amounts on a basis, for fleet `n` and purchases `x` in period `t`.
fn basis_amounts(s: &RScn, basis: Basis, t: usize, n: [i64; 2], x: [i64; 2]) -> [i128; 2] {
    let mut v = [0i128; 2];
    for a in 0..2 {
        v[a] = match basis {
            Basis::Units => n[a] as i128,
            Basis::Tflops => (s.accs[a].tflops * n[a]) as i128,
            Basis::Spend => (s.accs[a].price[t] * x[a]) as i128,
        };
    }
    v
}

/// The site's share rule in period t, if any: (min percent, basis).
fn site_share(s: &RScn, site: &RSite, t: usize) -> Option<(i64, Basis)> {
    match (&site.share, &s.share) {
        (Some((m, b)), policy) => Some((m[t], b.or(policy.map(|p| p.1)).unwrap_or(Basis::Units))),
        (None, Some((m, b))) => Some((m[t], *b)),
        (None, None) => None,
    }
}

/// Evaluates one site's purchases against the rules of that site; `None` if one fails.
/// Supply is checked per site here (x_ast <= cap_at) and over sites in `national`.
fn eval_site(s: &RScn, si: usize, x: [[i64; 2]; 2]) -> Result<SiteEval, String> {
    let site = &s.sites[si];
    let mut fleet = [[0i64; 2]; 2];
    for t in 0..2 {
        for a in 0..2 {
            let acc = &s.accs[a];
            let xa = x[t][a];
            if xa < 0 {
                return Err(format!("negative purchase {xa}"));
            }
            if xa > 0 && !acc.available[t] {
                return Err(format!("{} not available in {}", acc.id, s.years[t]));
            }
            if xa > 0 && xa < acc.min_units.unwrap_or(0) {
                return Err(format!("{} below min_units", acc.id));
            }
            if xa > acc.cap[t] {
                return Err(format!("{} above max_units in {}", acc.id, s.years[t]));
            }
            // Fleet: existing in service (year_t <= retire_year) + purchases still alive.
            let mut n = 0;
            if let Some(e) = &site.existing
                && e.acc == a
                && e.retire_year.is_none_or(|ry| s.years[t] <= ry)
            {
                n += e.units;
            }
            for tp in 0..=t {
                if acc.lifetime.is_none_or(|l| s.years[t] - s.years[tp] < l) {
                    n += x[tp][a];
                }
            }
            fleet[t][a] = n;
        }
    }
    let pue10 = site.pue10.unwrap_or(s.pue10);
    let mut capex = [0i128; 2];
    let mut opex = [0i128; 2];
    for t in 0..2 {
        let n = fleet[t];
        let year = s.years[t];
        let tflops: i128 = (0..2).map(|a| (s.accs[a].tflops * n[a]) as i128).sum();
        if tflops < site.pflops[t] as i128 * 1000 {
            return Err(format!("site {} {year}: demand", site.id));
        }
        if let Some(m) = site.memory_tb10 {
            let gb: i128 = (0..2).map(|a| (s.accs[a].memory_gb * n[a]) as i128).sum();
            if gb * 10 < m[t] as i128 * 1000 {
                return Err(format!("site {} {year}: memory", site.id));
            }
        }
        if let Some((pct, basis)) = site_share(s, site, t)
            && !share_ok(pct, basis_amounts(s, basis, t, n, x[t]), &s.accs)
        {
            return Err(format!("site {} {year}: domestic share", site.id));
        }
        if let Some(v) = s.vendor_max_pct {
            let all: i64 = n.iter().sum();
            // One accelerator per vendor here.
            if (0..2).any(|a| 100 * n[a] > v * all) {
                return Err(format!("site {} {year}: vendor share", site.id));
            }
        }
        let watts: i128 = (0..2).map(|a| (s.accs[a].power_w * n[a]) as i128).sum();
        if let Some(p) = site.power_kw1000 {
            // pue/10 * watts/1000 <= p/1000  <=>  pue10 * watts <= p * 10
            if pue10 as i128 * watts > p[t] as i128 * 10 {
                return Err(format!("site {} {year}: power", site.id));
            }
        }
        capex[t] = (0..2).map(|a| (s.accs[a].price[t] * x[t][a]) as i128).sum();
        let span = if t == 0 {
            s.years[1] - s.years[0]
        } else {
            s.opex_years
        };
        let energy = site.energy100.unwrap_or(s.energy100)[t];
        // pue10/10 * watts/1000 * 8760 * util10/10 * energy100/100 * span, times OPEX_DEN.
        opex[t] = pue10 as i128 * watts * HOURS * s.util10 as i128 * energy as i128 * span as i128;
    }
    let discounted = (0..2)
        .map(|t| (capex[t] as f64 + opex[t] as f64 / OPEX_DEN as f64) / discount(s, t))
        .sum();
    Ok(SiteEval {
        x,
        capex,
        opex,
        fleet,
        discounted,
    })
}

/// (1 + discount_rate)^(year_t - year_0).
fn discount(s: &RScn, t: usize) -> f64 {
    (1.0 + s.discount_pct as f64 / 100.0).powi((s.years[t] - s.years[0]) as i32)
}

/// Adoption: cann (d's platform) costs `adoption` once when any d is bought at any site in
/// any period, unless an existing entry at any site holds an accelerator on cann.
fn adoption(s: &RScn, x: [&[[i64; 2]; 2]; 2]) -> i64 {
    let buys_d = x.iter().any(|xs| xs[0][0] + xs[1][0] > 0);
    let cann_installed = s.sites.iter().any(|site| {
        site.existing
            .as_ref()
            .is_some_and(|e| s.accs[e.acc].platform == "cann")
    });
    if buys_d && !cann_installed {
        s.adoption
    } else {
        0
    }
}

/// Undiscounted capex_t + opex_t of a plan, plus adoption in the first period (the amount
/// a budget bounds). The plan must meet the site rules.
fn period_spend(s: &RScn, x: &X) -> [f64; 2] {
    let e = [
        eval_site(s, 0, x[0]).unwrap(),
        eval_site(s, 1, x[1]).unwrap(),
    ];
    let mut spend = [0.0; 2];
    for t in 0..2 {
        let capex = (e[0].capex[t] + e[1].capex[t]) as f64;
        let opex = (e[0].opex[t] + e[1].opex[t]) as f64 / OPEX_DEN as f64;
        spend[t] = capex + opex;
    }
    spend[0] += adoption(s, [&x[0], &x[1]]) as f64;
    spend
}

/// The national rules over both sites and the discounted total cost.
fn national(s: &RScn, e: [&SiteEval; 2]) -> Result<f64, String> {
    for t in 0..2 {
        for a in 0..2 {
            if e[0].x[t][a] + e[1].x[t][a] > s.accs[a].cap[t] {
                return Err(format!("{} {}: national supply", s.accs[a].id, s.years[t]));
            }
        }
        if let Some((m, basis)) = s.national {
            let mut amounts = [0i128; 2];
            for ev in e {
                let v = basis_amounts(s, basis, t, ev.fleet[t], ev.x[t]);
                amounts[0] += v[0];
                amounts[1] += v[1];
            }
            if !share_ok(m[t], amounts, &s.accs) {
                return Err(format!("{}: national share", s.years[t]));
            }
        }
    }
    let adoption = adoption(s, [&e[0].x, &e[1].x]);
    let mut total = adoption as f64;
    for t in 0..2 {
        let capex = e[0].capex[t] + e[1].capex[t];
        let opex = e[0].opex[t] + e[1].opex[t];
        let first = if t == 0 { adoption as i128 } else { 0 };
        if let Some(b) = s.budget
            && (capex + first) * OPEX_DEN + opex > b[t] as i128 * OPEX_DEN
        {
            return Err(format!("{}: budget", s.years[t]));
        }
        if let Some(b) = s.capex_budget
            && capex > b[t] as i128
        {
            return Err(format!("{}: capex budget", s.years[t]));
        }
        let undiscounted = capex as f64 + opex as f64 / OPEX_DEN as f64;
        total += undiscounted / discount(s, t);
    }
    Ok(total)
}

/// Every x in the box: the cheapest feasible plan, or None.
fn brute_force(s: &RScn) -> Option<(f64, X)> {
    let mut per_site: [Vec<SiteEval>; 2] = [Vec::new(), Vec::new()];
    for (si, list) in per_site.iter_mut().enumerate() {
        for code in 0..(K + 1).pow(4) {
            let mut c = code;
            let mut x = [[0i64; 2]; 2];
            for t in 0..2 {
                for a in 0..2 {
                    x[t][a] = c % (K + 1);
                    c /= K + 1;
                }
            }
            if let Ok(ev) = eval_site(s, si, x) {
                list.push(ev);
            }
        }
    }
    // Every pair is a candidate; pairs whose lower bound (the two sites' own discounted
    // costs, adoption left out) is already above the best found cannot win and are skipped.
    for list in per_site.iter_mut() {
        list.sort_by(|a, b| a.discounted.total_cmp(&b.discounted));
    }
    let mut best: Option<(f64, X)> = None;
    let beaten = |bound: f64, best: &Option<(f64, X)>| {
        best.as_ref()
            .is_some_and(|b| bound > b.0 + 1e-9 * b.0.abs().max(1.0))
    };
    for e0 in &per_site[0] {
        if beaten(
            e0.discounted + per_site[1].first().map_or(0.0, |e| e.discounted),
            &best,
        ) {
            break;
        }
        for e1 in &per_site[1] {
            if beaten(e0.discounted + e1.discounted, &best) {
                break;
            }
            if let Ok(cost) = national(s, [e0, e1])
                && best.as_ref().is_none_or(|b| cost < b.0)
            {
                best = Some((cost, [e0.x, e1.x]));
            }
        }
    }
    best
}

/// chipmix's purchases as x[site][period][accelerator].
fn plan_x(s: &RScn, p: &Value) -> Result<X, String> {
    let mut x: X = [[[0; 2]; 2]; 2];
    for r in p["purchases"].as_array().ok_or("no purchases")? {
        let si = s
            .sites
            .iter()
            .position(|site| r["site"] == site.id)
            .ok_or(format!("row with unknown site: {r}"))?;
        let t = s
            .years
            .iter()
            .position(|&y| r["period"] == y)
            .ok_or(format!("row with unknown period: {r}"))?;
        let a = s
            .accs
            .iter()
            .position(|acc| r["id"] == acc.id)
            .ok_or(format!("row with unknown id: {r}"))?;
        let u = r["units"]
            .as_f64()
            .ok_or(format!("units not a number: {r}"))?;
        if u.fract() != 0.0 {
            return Err(format!("fractional units: {r}"));
        }
        x[si][t][a] += u as i64;
    }
    Ok(x)
}

/// The reference's verdict on chipmix's plan `x`: its cost, or the first broken rule.
fn evaluate(s: &RScn, x: &X) -> Result<f64, String> {
    let e0 = eval_site(s, 0, x[0])?;
    let e1 = eval_site(s, 1, x[1])?;
    national(s, [&e0, &e1])
}

#[test]
fn brute_force_reference() {
    let dir = std::env::temp_dir().join(format!("chipmix-national-ref-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let seeds: Vec<u64> = (1..=CASES).collect();
    let cases: Vec<(u64, RScn, PathBuf)> = seeds
        .iter()
        .map(|&seed| {
            let s = gen_case(seed);
            let path = dir.join(format!("case-{seed}.yaml"));
            std::fs::write(&path, to_yaml(&s, seed)).unwrap();
            (seed, s, path)
        })
        .collect();

    let started = std::time::Instant::now();
    let results: Vec<(bool, Vec<String>)> = par_map(&cases, 2, |(seed, s, path)| {
        let mut problems = Vec::new();
        let reference = brute_force(s);
        let r = chipmix(&["plan", path_str(path), "--format", "json"]);
        if r.code != 0 && r.code != 1 {
            let e = format!("seed {seed}: exit {}: {}", r.code, r.stderr);
            return (reference.is_some(), vec![e]);
        }
        let p = json(&r.stdout);
        let status = p["status"].as_str().unwrap_or("?").to_string();
        match (&reference, status.as_str()) {
            (None, "infeasible") => {
                if p["conflicts"].as_array().is_none_or(|c| c.is_empty()) {
                    problems.push(format!("seed {seed}: infeasible without conflicts"));
                }
                if r.code != 1 {
                    problems.push(format!("seed {seed}: infeasible, exit {}", r.code));
                }
            }
            (None, st) => problems.push(format!(
                "seed {seed}: reference infeasible, chipmix {st} at {} with {:?}",
                p["total_cost"],
                plan_x(s, &p).map(|x| (x, evaluate(s, &x)))
            )),
            (Some((cost, x)), "optimal") => {
                let total = num(&p["total_cost"]);
                if !to_the_cent(total, *cost) {
                    problems.push(format!(
                        "seed {seed}: total_cost {total}, reference {cost} with x {x:?}"
                    ));
                }
                // The proven bound (from the relaxations, the decomposition and the exact
                // search) never exceeds the optimum.
                let bound = num(&p["bound"]);
                if bound > cost + 1e-6 * cost.abs().max(1.0) + 0.01 {
                    problems.push(format!(
                        "seed {seed}: bound {bound} above the optimum {cost}"
                    ));
                }
                // Every fifth case also by the direct strategy: the same optimum.
                if seed % 5 == 0 {
                    let d = chipmix(&[
                        "plan",
                        path_str(path),
                        "--format",
                        "json",
                        "--strategy",
                        "direct",
                    ]);
                    let dp = json(&d.stdout);
                    if dp["status"] != "optimal" || !to_the_cent(num(&dp["total_cost"]), *cost) {
                        problems.push(format!(
                            "seed {seed}: --strategy direct gives {} at {}, reference {cost}",
                            dp["status"], dp["total_cost"]
                        ));
                    }
                }
                match plan_x(s, &p) {
                    Err(e) => problems.push(format!("seed {seed}: {e}")),
                    Ok(px) => match evaluate(s, &px) {
                        Err(e) => problems.push(format!(
                            "seed {seed}: chipmix's plan {px:?} breaks a rule: {e}"
                        )),
                        Ok(c) if !to_the_cent(c, total) => problems.push(format!(
                            "seed {seed}: chipmix's plan {px:?} costs {c} here, {total} in the plan"
                        )),
                        Ok(_) => {}
                    },
                }
                if r.code != 0 {
                    problems.push(format!("seed {seed}: optimal, exit {}", r.code));
                }
            }
            (Some((cost, x)), st) => problems.push(format!(
                "seed {seed}: reference {cost} with x {x:?}, chipmix {st}: {}",
                p["conflicts"]
            )),
        }
        (reference.is_some(), problems)
    });
    let feasible = results.iter().filter(|r| r.0).count();
    let failures: Vec<String> = results.into_iter().flat_map(|r| r.1).collect();
    eprintln!(
        "{CASES} cases, {feasible} feasible, {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // Both verdicts must be well represented, or the comparison says little.
    assert!(
        feasible >= CASES as usize / 3 && feasible <= CASES as usize * 4 / 5,
        "{feasible} of {CASES} feasible"
    );
    assert!(
        failures.is_empty(),
        "{} disagreement(s) (scenarios in {}):\n{}",
        failures.len(),
        dir.display(),
        failures.join("\n")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A site's override of `policy.domestic_share` replaces `min` only: the basis stays the
/// policy's. Policy: min 0 by spend; site a overrides min to 0.5. a has 2 foreign `for`
/// installed and needs 3 PFLOPS; one period.
/// - spend basis (the policy's): one more unit, domestic (10): the only spend is domestic.
/// - units basis (if the basis were not inherited): 2 foreign in the fleet need 2 domestic
///   beside them: 20.
///
/// Site b (1 PFLOPS, no override, min 0) buys the cheapest, `for` at 4.
/// Optimum 10 + 4 = 14.
const OVERRIDE_BASIS: &str = r#"
name: site override keeps the basis
periods: [2025]
accelerators:
  - id: dom
    vendor: D
    origin: domestic
    unit_price: 10
    tflops: 1000
  - id: for
    vendor: F
    origin: foreign
    unit_price: 4
    tflops: 1000
sites:
  - id: a
    demand: {pflops: 3}
    existing: [{id: for, units: 2}]
    domestic_share: {min: 0.5}
  - id: b
    demand: {pflops: 1}
policy:
  domestic_share: {min: 0, basis: spend}
"#;

#[test]
fn site_share_override_keeps_the_policy_basis() {
    let p = plan_optimal("override-basis", OVERRIDE_BASIS, &[]);
    assert_total(&p, 14.0);
    assert_rows(&p, &[("dom", "a", 2025, 1.0), ("for", "b", 2025, 1.0)]);
    // With the policy basis set to units, the override needs 2 dom at a: 20 + 4.
    let p = plan_optimal(
        "override-basis",
        OVERRIDE_BASIS,
        &["policy.domestic_share.basis=units"],
    );
    assert_total(&p, 24.0);
    assert_rows(&p, &[("dom", "a", 2025, 2.0), ("for", "b", 2025, 1.0)]);
}

// ---------------------------------------------------------------------------------------
// 3. Section-1 samples in section-2 form
// ---------------------------------------------------------------------------------------

/// Which section-2 keys the rewrite adds.
#[derive(Debug, Clone, Copy)]
enum Form {
    /// `periods: [2025]` and one site holding demand, existing and limits.power_kw.
    PeriodsAndSite,
    /// One site, no periods.
    SiteOnly,
    /// `periods: [2025]`, no sites.
    PeriodsOnly,
}

/// Rewrites a section-1 scenario: demand, existing and limits.power_kw move to one site
/// `main` (forms with a site), `periods: [2025]` is added (forms with periods); everything
/// else stays. A relative `catalog` path is made absolute (the rewrite lives elsewhere).
fn to_section_two(text: &str, form: Form, dir: &Path) -> String {
    use serde_yaml::{Mapping, Value as Y};
    let mut doc: Mapping = serde_yaml::from_str(text).expect("a YAML mapping");
    if let Some(Y::String(c)) = doc.get_mut("catalog") {
        *c = dir.join(&*c).to_str().unwrap().to_string();
    }
    let with_site = !matches!(form, Form::PeriodsOnly);
    let with_periods = !matches!(form, Form::SiteOnly);
    if with_site {
        let mut site = Mapping::new();
        site.insert("id".into(), "main".into());
        for key in ["demand", "existing"] {
            if let Some(v) = doc.remove(key) {
                site.insert(key.into(), v);
            }
        }
        let mut drop_limits = false;
        if let Some(Y::Mapping(limits)) = doc.get_mut("limits") {
            if let Some(p) = limits.remove("power_kw") {
                site.insert("power_kw".into(), p);
            }
            drop_limits = limits.is_empty();
        }
        if drop_limits {
            doc.remove("limits");
        }
        doc.insert("sites".into(), Y::Sequence(vec![Y::Mapping(site)]));
    }
    if with_periods {
        doc.insert("periods".into(), Y::Sequence(vec![2025.into()]));
    }
    serde_yaml::to_string(&doc).unwrap()
}

/// `chipmix plan --mip-gap 0`: (exit code, plan).
fn plan_exact(path: &str) -> (i32, Value) {
    let r = chipmix(&["plan", path, "--format", "json", "--mip-gap", "0"]);
    assert!(
        r.code == 0 || r.code == 1,
        "{path}: exit {}: {}",
        r.code,
        r.stderr
    );
    (r.code, json(&r.stdout))
}

#[test]
fn section_one_samples_plan_the_same_in_section_two_form() {
    let samples: &[(&str, &[Form])] = &[
        (
            "shanghai-2025.yaml",
            &[Form::PeriodsAndSite, Form::SiteOnly, Form::PeriodsOnly],
        ),
        (
            "h20-banned.yaml",
            &[Form::PeriodsAndSite, Form::SiteOnly, Form::PeriodsOnly],
        ),
        (
            "training-inference.yaml",
            &[Form::PeriodsAndSite, Form::SiteOnly, Form::PeriodsOnly],
        ),
        (
            "h800-fleet-porting.yaml",
            &[Form::PeriodsAndSite, Form::SiteOnly, Form::PeriodsOnly],
        ),
        (
            "strict-majority.yaml",
            &[Form::PeriodsAndSite, Form::SiteOnly, Form::PeriodsOnly],
        ),
        (
            "infeasible-quota.yaml",
            &[Form::PeriodsAndSite, Form::SiteOnly, Form::PeriodsOnly],
        ),
        ("catalog-shanghai-2025.yaml", &[Form::PeriodsAndSite]),
        (
            "fp8-inference-2026.yaml",
            &[Form::PeriodsAndSite, Form::SiteOnly, Form::PeriodsOnly],
        ),
        // max_pflops is not allowed with periods, but is with sites.
        ("max-pflops-budget.yaml", &[Form::SiteOnly]),
    ];
    let scenarios_dir = PathBuf::from(sample(""));
    let mut checked = 0;
    for &(name, forms) in samples {
        let original = sample(name);
        let (code, want) = plan_exact(&original);
        let text = std::fs::read_to_string(&original).unwrap();
        for &form in forms {
            let converted = to_section_two(&text, form, &scenarios_dir);
            let tag = format!("s2-{form:?}-{}", name.trim_end_matches(".yaml"));
            let path = scenario_file(&tag, &converted);
            let (got_code, got) = plan_exact(path_str(&path));
            let what = format!("{name} as {form:?}");
            assert_eq!(got["status"], want["status"], "{what}: status");
            assert_eq!(got_code, code, "{what}: exit code");
            if name == "infeasible-quota.yaml" {
                assert_eq!(got["status"], "infeasible", "{what}");
                assert!(
                    !got["conflicts"].as_array().unwrap().is_empty(),
                    "{what}: conflicts"
                );
            } else {
                assert_eq!(want["status"], "optimal", "{name}");
                for key in ["total_cost", "capex", "opex", "adoption", "pflops"] {
                    assert_close(num(&got[key]), num(&want[key]), &format!("{what}: {key}"));
                }
                if !matches!(form, Form::SiteOnly) {
                    let p = period(&got, 2025);
                    assert_close(num(&p["discount_factor"]), 1.0, &format!("{what}: df"));
                    assert_close(
                        num(&p["discounted_cost"]),
                        num(&want["total_cost"]),
                        &format!("{what}: discounted cost of the one period"),
                    );
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 23);
}

// ---------------------------------------------------------------------------------------
// 4. Bad section-2 input
// ---------------------------------------------------------------------------------------

/// One malformed variant of TWO_SITES.
struct Bad {
    tag: &'static str,
    /// (text, replacement) applied to TWO_SITES; each text must occur exactly once. An empty
    /// text appends the replacement at the end.
    edits: &'static [(&'static str, &'static str)],
    /// The reported line is the last line of the edited file containing this.
    line_has: &'static str,
    /// The column must be where one of these starts on that line.
    tokens: &'static [&'static str],
    /// The message must contain, for each group, one of its strings.
    says: &'static [&'static [&'static str]],
}

const BAD: &[Bad] = &[
    Bad {
        tag: "map-missing-period",
        edits: &[("    demand: {pflops: 2}", "    demand: {pflops: {2025: 2}}")],
        line_has: "{pflops: {2025: 2}}",
        tokens: &["pflops", "{2025"],
        says: &[&["sites[b].demand.pflops"], &["gives no value for 2026"]],
    },
    Bad {
        tag: "map-year-not-a-period",
        edits: &[(
            "    demand: {pflops: 2}",
            "    demand: {pflops: {2025: 2, 2026: 2, 2027: 3}}",
        )],
        line_has: "2027: 3",
        tokens: &["2027", "pflops", "{2025"],
        says: &[&["sites[b].demand.pflops"], &["2027"], &["period"]],
    },
    Bad {
        tag: "map-without-periods",
        edits: &[("periods: [2025, 2026]", "# no periods")],
        line_has: "unit_price: {2025: 100",
        tokens: &["unit_price", "{2025"],
        says: &[&["accelerators[dom].unit_price"], &["periods"]],
    },
    Bad {
        tag: "map-without-periods-site",
        edits: &[("periods: [2025, 2026]", "# no periods")],
        line_has: "demand: {pflops: {2025: 2, 2026: 4}}",
        tokens: &["pflops", "{2025"],
        says: &[&["sites[a].demand.pflops"], &["periods"]],
    },
    Bad {
        tag: "duplicate-site",
        edits: &[("  - id: b", "  - id: a")],
        line_has: "- id: a",
        tokens: &["id", "a"],
        says: &[
            &["sites"],
            &["`a`", "\"a\"", "'a'"],
            &["twice", "duplicate", "unique"],
        ],
    },
    Bad {
        tag: "unknown-site-key",
        edits: &[(
            "    demand: {pflops: 2}",
            "    demand: {pflops: 2}\n    pwer_kw: 5",
        )],
        line_has: "pwer_kw",
        tokens: &["pwer_kw"],
        says: &[
            &["sites[b]"],
            &["pwer_kw"],
            &["did you mean"],
            &["power_kw"],
        ],
    },
    Bad {
        tag: "top-level-demand",
        edits: &[("", "demand: {pflops: 3}\n")],
        line_has: "demand: {pflops: 3}",
        tokens: &["demand"],
        says: &[&["demand"], &["sites"]],
    },
    Bad {
        tag: "top-level-existing",
        edits: &[("", "existing: [{id: for, units: 1}]\n")],
        line_has: "existing: [{id: for",
        tokens: &["existing"],
        says: &[&["existing"], &["sites"]],
    },
    Bad {
        tag: "top-level-power",
        edits: &[("", "limits: {power_kw: 3}\n")],
        line_has: "limits: {power_kw: 3}",
        tokens: &["limits", "power_kw"],
        says: &[&["power_kw"], &["sites"]],
    },
    Bad {
        tag: "max-pflops-with-periods",
        edits: &[("", "objective: max_pflops\nlimits: {budget: 1000}\n")],
        line_has: "objective: max_pflops",
        tokens: &["objective", "max_pflops"],
        says: &[&["max_pflops"], &["periods"]],
    },
    Bad {
        tag: "retire-year-not-a-number",
        edits: &[(
            "    demand: {pflops: 2}",
            "    demand: {pflops: 2}\n    existing: [{id: for, units: 1, retire_year: soon}]",
        )],
        line_has: "retire_year: soon",
        tokens: &["retire_year", "soon"],
        says: &[&["sites[b].existing"], &["retire_year"]],
    },
    Bad {
        tag: "retire-year-fraction",
        edits: &[(
            "    demand: {pflops: 2}",
            "    demand: {pflops: 2}\n    existing: [{id: for, units: 1, retire_year: 2025.5}]",
        )],
        line_has: "retire_year: 2025.5",
        tokens: &["retire_year", "2025.5"],
        says: &[&["sites[b].existing"], &["retire_year"], &["2025.5"]],
    },
    Bad {
        tag: "existing-not-an-accelerator",
        edits: &[(
            "    demand: {pflops: 2}",
            "    demand: {pflops: 2}\n    existing: [{id: fro, units: 1}]",
        )],
        line_has: "existing: [{id: fro",
        tokens: &["id", "fro", "{id"],
        says: &[&["sites[b].existing"], &["fro"], &["`for`"]],
    },
    Bad {
        tag: "periods-not-increasing",
        edits: &[("periods: [2025, 2026]", "periods: [2026, 2025]")],
        line_has: "periods: [2026, 2025]",
        tokens: &["periods", "[2026", "2026", "2025]"],
        says: &[&["periods"], &["increasing"]],
    },
    Bad {
        tag: "site-share-out-of-range",
        edits: &[("  - id: b", "  - id: b\n    domestic_share: {min: 1.5}")],
        line_has: "domestic_share: {min: 1.5}",
        tokens: &["domestic_share", "min", "1.5"],
        says: &[&["sites[b].domestic_share.min"], &["1.5"]],
    },
    Bad {
        tag: "lifetime-zero",
        edits: &[(
            "    unit_price: 50",
            "    unit_price: 50\n    lifetime_years: 0",
        )],
        line_has: "lifetime_years: 0",
        tokens: &["lifetime_years", "0"],
        says: &[&["accelerators[for].lifetime_years"]],
    },
];

/// The edited text of `bad`.
fn apply(bad: &Bad) -> String {
    let mut text = TWO_SITES.to_string();
    for &(from, to) in bad.edits {
        if from.is_empty() {
            text.push_str(to);
        } else {
            assert_eq!(text.matches(from).count(), 1, "{}: `{from}`", bad.tag);
            text = text.replacen(from, to, 1);
        }
    }
    text
}

#[test]
fn bad_section_two_input_names_place_and_field() {
    let dir = std::env::temp_dir().join(format!("chipmix-national-bad-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut problems = Vec::new();
    for bad in BAD {
        let text = apply(bad);
        let file = format!("{}.yaml", bad.tag);
        std::fs::write(dir.join(&file), &text).unwrap();
        let (line_no, line) = text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.contains(bad.line_has))
            .last()
            .map(|(i, l)| (i + 1, l.to_string()))
            .unwrap_or_else(|| panic!("{}: no line has `{}`", bad.tag, bad.line_has));
        let columns: Vec<usize> = bad
            .tokens
            .iter()
            .flat_map(|t| {
                line.match_indices(t)
                    .map(|(i, _)| i + 1)
                    .collect::<Vec<_>>()
            })
            .collect();
        for cmd in ["plan", "validate"] {
            let r = chipmix_in(&dir, &[cmd, &file]);
            let what = format!("{} ({cmd})", bad.tag);
            if r.code != 2 {
                problems.push(format!("{what}: exit {} (want 2): {}", r.code, r.stderr));
                continue;
            }
            if r.stderr.contains("panicked") || r.stderr.contains("RUST_BACKTRACE") {
                problems.push(format!("{what}: a panic: {}", r.stderr));
            }
            // A line `FILE:LINE:COL: message` whose message says everything asked for.
            let found = r.stderr.lines().find_map(|l| {
                let rest = l.strip_prefix(&file)?.strip_prefix(':')?;
                let mut parts = rest.splitn(3, ':');
                let ln: usize = parts.next()?.parse().ok()?;
                let col: usize = parts.next()?.parse().ok()?;
                let msg = parts.next()?;
                bad.says
                    .iter()
                    .all(|group| group.iter().any(|s| msg.contains(s)))
                    .then_some((ln, col, l.to_string()))
            });
            match found {
                None => problems.push(format!(
                    "{what}: no `{file}:LINE:COL:` line says {:?}:\n{}",
                    bad.says, r.stderr
                )),
                Some((ln, col, l)) => {
                    if ln != line_no {
                        problems.push(format!("{what}: line {ln}, want {line_no} ({line:?}): {l}"));
                    } else if !columns.contains(&col) {
                        problems.push(format!(
                            "{what}: column {col}, want one of {columns:?} ({:?} in {line:?}): {l}",
                            bad.tokens
                        ));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------------------
// 5. Sweeps
// ---------------------------------------------------------------------------------------

/// A sweep of the two-site case: every row agrees with a separate `chipmix plan --set` run.
/// By hand (see TWO_SITES): min 0 buys only `for` (2025: 4 units, 200; 2026: a's 2 more,
/// 100 / 1.1): 290.909...; 0.25 needs one dom at a and at b in 2025 (200) and 4 `for`
/// (a 1 + b 1 in 2025: 100; a 2 in 2026: 100 / 1.1): 390.909...; 0.5 is 418.18...; 0.75 needs 2 dom at a
/// and 2 at b in 2025, above the cap of 2: infeasible.
#[test]
fn quota_sweep_matches_separate_plans() {
    let path = scenario_file("two-sites-sweep", TWO_SITES);
    let values = ["0", "0.25", "0.5", "0.6", "0.75", "1"];
    let joined = values.join(",");
    let r = chipmix(&[
        "sweep",
        path_str(&path),
        "--param",
        "policy.domestic_share.min",
        "--values",
        &joined,
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let sweep = json(&r.stdout);
    let sweep = sweep.as_array().expect("an array of rows");
    assert_eq!(sweep.len(), values.len());
    // 0.6 needs 2 dom of a's 2 units in 2025 (1.2 rounds up), and 2 of b's: infeasible too.
    let by_hand = [
        Some(200.0 + 100.0 / 1.1),
        Some(300.0 + 100.0 / 1.1),
        Some(TWO_SITES_OPT),
        None,
        None,
        None,
    ];
    for ((row, v), hand) in sweep.iter().zip(values).zip(by_hand) {
        let set = format!("policy.domestic_share.min={v}");
        let p = plan(&path, &[&set]);
        assert_eq!(row["status"], p["status"], "min {v}: status");
        assert_eq!(
            num(&row["policy.domestic_share.min"]),
            v.parse::<f64>().unwrap(),
            "min {v}: parameter column"
        );
        match hand {
            Some(cost) => {
                assert_eq!(p["status"], "optimal", "min {v}");
                assert_close(
                    num(&row["total_cost"]),
                    num(&p["total_cost"]),
                    &format!("min {v}"),
                );
                assert_close(num(&p["total_cost"]), cost, &format!("min {v} by hand"));
                for key in ["capex", "opex", "adoption"] {
                    assert_close(num(&row[key]), num(&p[key]), &format!("min {v}: {key}"));
                }
                for id in ["dom", "for"] {
                    let units: f64 = rows(&p)
                        .iter()
                        .filter(|(k, _)| k.0 == id)
                        .map(|(_, u)| u)
                        .sum();
                    assert_close(
                        num(&row[format!("units.{id}")]),
                        units,
                        &format!("min {v}: {id}"),
                    );
                }
            }
            None => {
                assert_eq!(p["status"], "infeasible", "min {v}");
                assert!(row["total_cost"].is_null(), "min {v}: {row}");
            }
        }
    }

    // A site's demand as the swept parameter (a scalar: the same in both years).
    let r = chipmix(&[
        "sweep",
        path_str(&path),
        "--param",
        "sites[a].demand.pflops",
        "--values",
        "1,2,3",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let sweep = json(&r.stdout);
    for (row, v) in sweep.as_array().unwrap().iter().zip(["1", "2", "3"]) {
        let set = format!("sites[a].demand.pflops={v}");
        let p = plan(&path, &[&set]);
        assert_eq!(row["status"], p["status"], "a at {v}");
        if p["status"] == "optimal" {
            assert_close(
                num(&row["total_cost"]),
                num(&p["total_cost"]),
                &format!("a at {v}"),
            );
        }
    }
}

/// A period that is not a number is one problem, reported once (the format's "every
/// problem at once" reports each value once; other fields must not re-report it).
#[test]
fn a_bad_period_is_reported_once() {
    let dir = std::env::temp_dir().join(format!("chipmix-national-period-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = TWO_SITES.replace("periods: [2025, 2026]", "periods: [2025, \"x\"]");
    std::fs::write(dir.join("bad-period.yaml"), &text).unwrap();
    let r = chipmix_in(&dir, &["validate", "bad-period.yaml"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let line = 1 + text
        .lines()
        .position(|l| l.starts_with("periods:"))
        .unwrap();
    let about_periods: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with(&format!("bad-period.yaml:{line}:")))
        .collect();
    assert!(
        about_periods
            .iter()
            .any(|l| l.contains("periods[1] must be a year") && l.contains("`x`")),
        "{}",
        r.stderr
    );
    assert_eq!(
        about_periods.len(),
        1,
        "periods[1] reported {} times:\n{}",
        about_periods.len(),
        r.stderr
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--format csv` of a national plan: one row per purchase, the same rows as the JSON.
#[test]
fn csv_lists_every_purchase_with_site_and_period() {
    let path = scenario_file("csv-two-sites", TWO_SITES);
    let p = plan(&path, &[]);
    let r = chipmix(&["plan", path_str(&path), "--format", "csv"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut lines = r.stdout.lines();
    assert_eq!(
        lines.next(),
        Some(
            "item,id,name,vendor,origin,site,period,units,cost,discount_factor,discounted_cost,pflops"
        )
    );
    // The purchase rows; the adoption and opex rows follow them.
    let rows: Vec<Vec<&str>> = lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|r| r[0] == "purchase")
        .collect();
    let purchases = p["purchases"].as_array().unwrap();
    assert_eq!(rows.len(), purchases.len());
    for (row, want) in rows.iter().zip(purchases) {
        assert_eq!(row[1], want["id"].as_str().unwrap());
        assert_eq!(row[5], want["site"].as_str().unwrap());
        assert_eq!(row[6], want["period"].as_i64().unwrap().to_string());
        assert!(close(
            row[7].parse().unwrap(),
            want["units"].as_f64().unwrap()
        ));
        assert!(close(
            row[8].parse().unwrap(),
            want["cost"].as_f64().unwrap()
        ));
    }
    // Undiscounted costs add up to the periods' capex.
    let capex: f64 = rows.iter().map(|r| r[8].parse::<f64>().unwrap()).sum();
    let periods: f64 = p["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["capex"].as_f64().unwrap())
        .sum();
    assert!(to_the_cent(capex, periods), "{capex} vs {periods}");
}

// ---------------------------------------------------------------------------------------
// Issue 21: nothing slips past `check` in a national plan
// ---------------------------------------------------------------------------------------

/// The national sample's plan as the binary writes it.
fn national_sample_plan() -> Value {
    let r = chipmix(&[
        "plan",
        &sample("national-2025-2027.yaml"),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    json(&r.stdout)
}

/// Edits the national sample's plan with `edit`, and asserts `check` exits with `code`
/// and names every needle.
fn assert_national_caught(tag: &str, edit: impl Fn(&mut Value), code: i32, needles: &[&str]) {
    let mut p = national_sample_plan();
    edit(&mut p);
    let dir = std::env::temp_dir().join(format!("chipmix-national-tamper-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let saved = dir.join(format!("{tag}.json"));
    std::fs::write(&saved, serde_json::to_string_pretty(&p).unwrap()).unwrap();
    let r = chipmix(&[
        "check",
        &sample("national-2025-2027.yaml"),
        path_str(&saved),
    ]);
    let text = format!("{}{}", r.stdout, r.stderr);
    assert_eq!(r.code, code, "{tag}: {text}");
    for n in needles {
        assert!(text.contains(n), "{tag}: no `{n}` in:\n{text}");
    }
}

#[test]
fn regression_national_check_passes_the_untampered_sample_plan() {
    assert_national_caught("untampered", |_| {}, 0, &["valid"]);
}

#[test]
fn regression_national_check_catches_edited_purchase_rows() {
    assert_national_caught(
        "row-cost",
        |p| p["purchases"][1]["cost"] = 5.into(),
        1,
        &["purchases[1].cost states 5, but"],
    );
    assert_national_caught(
        "row-pflops",
        |p| p["purchases"][0]["pflops"] = 0.into(),
        1,
        &["purchases[0].pflops states 0, but"],
    );
    assert_national_caught(
        "row-cost-type",
        |p| p["purchases"][0]["cost"] = serde_json::json!([1]),
        2,
        &["purchases[0].cost must be a number, got an array"],
    );
}

#[test]
fn regression_national_check_catches_edited_site_figures() {
    for key in ["new_units", "capex", "opex"] {
        assert_national_caught(
            &format!("site-{key}"),
            |p| p["sites"][0][key] = 12345.into(),
            1,
            &[&format!("sites[0].{key} states 12345, but")],
        );
    }
    for key in [
        "new_units",
        "fleet_units",
        "pflops",
        "demand_pflops",
        "memory_tb",
        "facility_kw",
        "power_kw",
        "capex",
        "opex",
    ] {
        assert_national_caught(
            &format!("site-period-{key}"),
            |p| p["sites"][1]["periods"][2][key] = 12345.into(),
            1,
            &[&format!("sites[1].periods[2].{key} states 12345, but")],
        );
    }
    assert_national_caught(
        "site-share",
        |p| p["sites"][0]["periods"][0]["domestic_share"]["value"] = 0.1.into(),
        1,
        &["sites[0].periods[0].domestic_share.value states 0.1"],
    );
    assert_national_caught(
        "site-fleet",
        |p| p["sites"][0]["periods"][1]["fleet"][0]["units"] = 3.into(),
        1,
        &["sites[0].periods[1].fleet[0].units states 3"],
    );
    assert_national_caught(
        "site-dropped",
        |p| {
            p["sites"].as_array_mut().unwrap().pop();
        },
        1,
        &["sites has no row for id"],
    );
    assert_national_caught(
        "site-capex-string",
        |p| p["sites"][0]["capex"] = "192469600".into(),
        2,
        &["sites[0].capex must be a number, got a string"],
    );
}

#[test]
fn regression_national_check_catches_edited_period_figures() {
    for key in [
        "span_years",
        "discount_factor",
        "new_units",
        "fleet_units",
        "pflops",
        "demand_pflops",
        "memory_tb",
        "facility_kw",
        "capex",
        "opex",
        "adoption",
        "discounted_cost",
        "capex_budget",
    ] {
        assert_national_caught(
            &format!("period-{key}"),
            |p| p["periods"][1][key] = 12345.into(),
            1,
            &[&format!("periods[1].{key} states 12345, but")],
        );
    }
    assert_national_caught(
        "period-share",
        |p| p["periods"][2]["domestic_share"]["value"] = 0.2.into(),
        1,
        &["periods[2].domestic_share.value states 0.2"],
    );
    assert_national_caught(
        "period-binding",
        |p| p["periods"][0]["binding"] = serde_json::json!([]),
        1,
        &["periods[0].binding states []"],
    );
    // The sample has no per-period budget: a stated one is a figure the scenario lacks.
    assert_national_caught(
        "period-budget",
        |p| p["periods"][0]["budget"] = 1.into(),
        1,
        &["periods[0].budget states 1, but there is none"],
    );
    assert_national_caught(
        "period-share-string",
        |p| p["periods"][1]["domestic_share"]["value"] = "0.5".into(),
        2,
        &["periods[1].domestic_share.value must be a number, got a string"],
    );
}

#[test]
fn regression_national_check_catches_edited_totals_fleet_share_and_status() {
    assert_national_caught(
        "total",
        |p| p["total_cost"] = 1.into(),
        1,
        &["total_cost states 1, but"],
    );
    assert_national_caught(
        "fleet",
        |p| p["fleet"][0]["new"] = 12345.into(),
        1,
        &["fleet[0].new states 12345, but"],
    );
    assert_national_caught(
        "share",
        |p| p["domestic_share"]["value"] = 1.into(),
        1,
        &["domestic_share.value states 1, but"],
    );
    assert_national_caught(
        "status",
        |p| {
            p["purchases"].as_array_mut().unwrap().remove(0);
        },
        1,
        &["but the purchases break"],
    );
    assert_national_caught(
        "status-unknown",
        |p| p["status"] = "proven".into(),
        1,
        &["status `proven` is not one of the contract's"],
    );
    assert_national_caught(
        "total-array",
        |p| p["capex"] = serde_json::json!([1, 2]),
        2,
        &["capex must be a number, got an array"],
    );
}
