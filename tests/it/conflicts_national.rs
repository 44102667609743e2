//! The conflict analysis of infeasible many-site / many-period scenarios, from the outside:
//! every figure in a message is worked out by hand (in the comments) and checked, with a
//! tolerance where rounding or bisection applies. One section-1 sample checks that the
//! 1 x 1 case keeps its words and figures.

use crate::support::{chipmix, sample, scenario_file};
use serde_json::Value;

/// `chipmix plan` of `text` as JSON: it must exit 1 (infeasible); returns the conflicts.
fn conflicts(tag: &str, text: &str) -> Vec<String> {
    let path = scenario_file(tag, text);
    let r = chipmix(&["plan", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(
        r.code, 1,
        "{tag}: exit {}: {}{}",
        r.code, r.stdout, r.stderr
    );
    let p: Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(p["status"], "infeasible", "{tag}: {p}");
    p["conflicts"]
        .as_array()
        .expect("conflicts")
        .iter()
        .map(|c| c.as_str().expect("a string").to_string())
        .collect()
}

/// The one line containing `needle`.
fn line<'a>(lines: &'a [String], needle: &str) -> &'a str {
    let found: Vec<&String> = lines.iter().filter(|l| l.contains(needle)).collect();
    assert_eq!(found.len(), 1, "one line with {needle:?} in {lines:#?}");
    found[0]
}

/// The number right after `before` in `text` (thousands separators allowed).
fn number_after(text: &str, before: &str) -> f64 {
    let at = text
        .find(before)
        .unwrap_or_else(|| panic!("{before:?} not in {text}"))
        + before.len();
    let digits: String = text[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
        .filter(|c| *c != ',')
        .collect();
    let digits = digits.trim_end_matches('.');
    digits
        .parse()
        .unwrap_or_else(|e| panic!("no number after {before:?} in {text}: {e}"))
}

fn near(got: f64, want: f64, tol: f64, what: &str) {
    assert!((got - want).abs() <= tol, "{what}: got {got}, want {want}");
}

/// Two sites, one period, one accelerator g (1 PFLOPS, 1 kW, national cap 5):
/// - site p needs 3 PFLOPS = 3 units = 3 kW, but its power_kw is 2: alone, it reaches at
///   most 2 PFLOPS (66.7% of its demand) and needs at least 3 kW;
/// - site q needs 6 PFLOPS = 6 units, but only 5 can be had: alone, it reaches at most 5
///   PFLOPS (83.3%) and the supply cap is short by one (6 g needed, max_units 5);
/// - together (p 2 units at most by power, q the rest of 5): the largest common fraction
///   of both demands is min(2/3, 5/9) = 0.5556, so at most 55.6% (q: 3.3 of 6 PFLOPS).
const TWO_SITES: &str = r#"
name: power and supply
accelerators:
  - {id: g, vendor: V, origin: foreign, unit_price: 10, tflops: 1000, power_w: 1000, max_units: 5}
sites:
  - id: p
    demand: {pflops: 3}
    power_kw: 2
    pue: 1
  - id: q
    demand: {pflops: 6}
"#;

#[test]
fn a_site_over_its_power_and_a_site_short_of_supply_say_by_how_much() {
    let c = conflicts("power-and-supply", TWO_SITES);

    let p = line(&c, "site p cannot meet its own rules even alone");
    assert!(p.contains("sites[p].power_kw of 2 kW is too low"), "{p}");
    near(
        number_after(p, "site p needs at least "),
        3.0,
        1e-6,
        "p's power",
    );
    near(number_after(p, "at most "), 66.7, 0.05, "p's demand %");
    assert!(
        p.contains("sites[p].demand.pflops of 3 PFLOPS: at most 2 PFLOPS"),
        "{p}"
    );

    let q = line(&c, "site q cannot meet its own rules even alone");
    near(number_after(q, "need at least "), 6.0, 1e-6, "q's g units");
    assert!(q.contains("(accelerators[g].max_units is 5)"), "{q}");
    near(number_after(q, "at most "), 83.3, 0.05, "q's demand %");

    // Together: the demand is the one rule whose removal alone gives a plan.
    let d = line(&c, "the demand (sites[*].demand.pflops) cannot be met");
    near(number_after(d, "at most "), 55.6, 0.05, "common demand %");
    near(
        number_after(d, "6 PFLOPS: at most "),
        3.3,
        0.05,
        "q's share",
    );
    assert!(
        !c.iter().any(|l| l.contains("ran out of time")),
        "cut short: {c:#?}"
    );
}

/// One site (no `sites`), two periods, g at 100 per unit, 1 PFLOPS, no power (no opex),
/// never retiring. Demand 2 PFLOPS in 2025, 5 in 2026; budgets 300 in 2025, 100 in 2026.
/// - 2025 buys at most 3 units, 2026 at most 1: 4 < 5, infeasible.
/// - 2025's budget alone (2026's kept: 1 unit then): 2025 must buy 4, spending 400 > 300.
/// - 2026's budget alone (2025's kept: 3 units): 2026 must buy 2, spending 200 > 100.
/// - the demand: the common fraction t has 2t <= 3 and 5t <= 4, so t = 0.8: at most
///   80.0% (4 of the 5 PFLOPS of 2026).
const BUDGETS: &str = r#"
name: budgets per period
periods: [2025, 2026]
currency: USD
accelerators:
  - {id: g, vendor: V, origin: foreign, unit_price: 100, tflops: 1000}
demand: {pflops: {2025: 2, 2026: 5}}
limits:
  budget: {2025: 300, 2026: 100}
"#;

#[test]
fn a_budget_per_period_too_small_says_what_the_period_needs() {
    let c = conflicts("budgets", BUDGETS);
    let b25 = line(&c, "limits.budget for 2025 of 300 USD is too small");
    near(
        number_after(b25, "2025 needs at least "),
        400.0,
        1e-6,
        "2025",
    );
    let b26 = line(&c, "limits.budget for 2026 of 100 USD is too small");
    near(
        number_after(b26, "2026 needs at least "),
        200.0,
        1e-6,
        "2026",
    );
    let d = line(&c, "the demand (demand.pflops) cannot be met");
    near(number_after(d, "at most "), 80.0, 0.05, "demand %");
    assert!(
        d.contains("demand.pflops for 2026 of 5 PFLOPS: at most 4 PFLOPS"),
        "{d}"
    );
    assert!(
        c.iter()
            .any(|l| l == "relaxing any one of these (2) is enough to make a plan possible"),
        "{c:#?}"
    );
}

/// Two sites of 5 PFLOPS each, one period; d (domestic, 1 PFLOPS, national cap 6) and f
/// (foreign, 1 PFLOPS, no cap). The national share must be >= 0.8 by units.
/// - 10 units are needed and at most 6 are domestic: the share reaches at most 0.6.
/// - the demand: with t of each site's demand, 10 t units with 8 t domestic <= 6: t =
///   0.75, at most 75.0% (3.75 of a site's 5 PFLOPS, printed 3.8).
/// - the supply cap: 8 d of 10 units would do (accelerators[d].max_units is 6).
/// - neither site fails alone (the national share binds the sites together).
const SHARE: &str = r#"
name: national share
accelerators:
  - {id: d, vendor: D, origin: domestic, unit_price: 10, tflops: 1000, max_units: 6}
  - {id: f, vendor: F, origin: foreign, unit_price: 5, tflops: 1000}
sites:
  - id: a
    demand: {pflops: 5}
  - id: b
    demand: {pflops: 5}
policy:
  national_domestic_share: {min: 0.8, basis: units}
"#;

#[test]
fn a_national_share_that_cannot_hold_says_the_highest_it_can_reach() {
    let c = conflicts("national-share", SHARE);
    let s = line(
        &c,
        "policy.national_domestic_share >= 0.8 by units cannot hold",
    );
    // Bisection to 0.8 / 2^14 = 0.00005 below the true 0.6.
    near(number_after(s, "is at most about "), 0.6, 0.001, "share");
    assert!(
        s.contains("(domestic units are capped at 6 new plus 0 installed)"),
        "{s}"
    );
    let d = line(&c, "the demand (sites[*].demand.pflops) cannot be met");
    near(number_after(d, "at most "), 75.0, 0.05, "demand %");
    let m = line(&c, "supply caps");
    near(number_after(m, "need at least "), 8.0, 1e-6, "d units");
    assert!(m.contains("(accelerators[d].max_units is 6)"), "{m}");
    assert!(
        !c.iter().any(|l| l.contains("even alone")),
        "no site fails alone: {c:#?}"
    );
}

/// The 1 x 1 case keeps the words and figures of section 1 (the README shows them).
#[test]
fn the_section_1_sample_keeps_its_lines() {
    let r = chipmix(&["plan", &sample("infeasible-quota.yaml"), "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let p: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let got: Vec<&str> = p["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(
        got,
        [
            "demand.pflops 1,500 cannot be met: with every other rule kept, the fleet reaches at most 522.6 PFLOPS (34.8% of the demand)",
            "domestic share >= 0.7 by units cannot hold with the other rules: the highest domestic share they allow is about 0.1337 (domestic units are capped at 1,176 new plus 0 installed)",
            "the max_units supply caps are too tight: the other rules need at least 1,416 ascend-910c (max_units 256)",
            "relaxing any one of these (3) is enough to make a plan possible",
        ]
    );
}
