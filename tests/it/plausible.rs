//! Load warnings. Plausibility: figures far outside public ranges (an energy price per MWh
//! written per kWh, power in kW, PFLOPS for TFLOPS, a price in thousands, a PUE of 130)
//! are warned about on stderr at `file:line:col`, and the scenario still plans (exit 0).
//! Realistic figures in USD, EUR or CNY, an 8-card server counted as a unit, and every
//! sample never warn. The other load warnings (a field that has no effect) are placed too.

use crate::support::{chipmix, json, place_of, sample, scenario_file};

/// One site, one period, figures on their own lines so each warning has its own place.
const SLIPS: &str = "\
name: unit slips
currency: USD
accelerators:
  - id: kw-card
    vendor: A
    origin: domestic
    unit_price: 28600
    tflops: 780
    power_w: 0.7
  - id: pflops-card
    vendor: B
    origin: foreign
    unit_price: 12000
    tflops: 0.148
    power_w: 400
  - id: thousands-card
    vendor: C
    origin: domestic
    unit_price: 16.7
    tflops: 320
    power_w: 400
demand: {pflops: 100}
costs:
  energy_price_per_kwh: 65
  pue: 130
  opex_years: 5
";

#[test]
fn implausible_figures_warn_at_their_place_and_still_plan() {
    let file = scenario_file("slips", SLIPS);
    let file = file.display().to_string();
    let expected = [
        ("power_w: 0.7", "accelerators[kw-card].power_w 0.7", "kW"),
        (
            "tflops: 0.148",
            "accelerators[pflops-card].tflops 0.148",
            "PFLOPS",
        ),
        (
            "unit_price: 16.7",
            "accelerators[thousands-card].unit_price 16.7",
            "thousands",
        ),
        (
            "energy_price_per_kwh: 65",
            "costs.energy_price_per_kwh 65",
            "per MWh",
        ),
        ("pue: 130", "costs.pue 130", "percentage"),
    ];
    let r = chipmix(&["validate", &file]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for (at, says, hint) in expected {
        let (line, col) = place_of(SLIPS, at);
        let want = format!("{file}:{line}:{col}: warning: {says}");
        let found = r.stderr.lines().find(|l| l.starts_with(&want));
        assert!(found.is_some(), "stderr lacks `{want}`: {}", r.stderr);
        assert!(found.unwrap().contains(hint), "{}", found.unwrap());
    }
    assert_eq!(
        r.stderr.lines().count(),
        expected.len(),
        "one warning per slip, and no other: {}",
        r.stderr
    );
    // The figures are used as given: the plan is made, and lists the warnings too.
    let r = chipmix(&["plan", &file, "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let warnings = json(&r.stdout)["warnings"].to_string();
    assert!(
        warnings.contains("costs.energy_price_per_kwh 65"),
        "{warnings}"
    );
}

/// Sites and periods: a per-year figure warns at its year, a site's own figure at the site.
const NATIONAL: &str = "\
name: national slips
periods: [2025, 2026]
accelerators:
  - id: card
    vendor: A
    origin: domestic
    unit_price:
      2025: 28600
      2026: 28.6
    tflops: 780
    power_w: 700
sites:
  - id: north
    demand: {pflops: 10}
    energy_price_per_kwh:
      2025: 0.08
      2026: 80
  - id: south
    demand: {pflops: 10}
    pue: 4.5
costs:
  energy_price_per_kwh: 0.09
  pue: 1.3
";

#[test]
fn per_period_and_site_figures_warn_at_the_year_and_the_site() {
    let file = scenario_file("national-slips", NATIONAL);
    let file = file.display().to_string();
    let r = chipmix(&["validate", &file]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for (at, says) in [
        ("2026: 28.6", "accelerators[card].unit_price (2026) 28.6"),
        ("2026: 80", "sites[north].energy_price_per_kwh (2026) 80"),
        ("pue: 4.5", "sites[south].pue 4.5"),
    ] {
        let (line, col) = place_of(NATIONAL, at);
        let want = format!("{file}:{line}:{col}: warning: {says}");
        assert!(
            r.stderr.contains(&want),
            "stderr lacks `{want}`: {}",
            r.stderr
        );
    }
    assert_eq!(r.stderr.lines().count(), 3, "{}", r.stderr);
}

#[test]
fn an_override_that_makes_a_figure_implausible_is_named() {
    let r = chipmix(&[
        "validate",
        &sample("shanghai-2025.yaml"),
        "--set",
        "costs.energy_price_per_kwh=65",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "--set costs.energy_price_per_kwh=65: warning: costs.energy_price_per_kwh 65"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn realistic_figures_in_usd_eur_and_cny_do_not_warn() {
    // (currency, price of a 780-TFLOPS card, of an 8-card server of 2,250-TFLOPS cards,
    // energy price per kWh, pue): public figures of 2024-2026 in each currency.
    let currencies = [
        ("USD", "28600", "400000", "0.0875", "1.25"),
        ("EUR", "26000", "370000", "0.25", "1.5"),
        ("CNY", "205000", "2900000", "1.2", "2.4"),
    ];
    for (currency, card, server, energy, pue) in currencies {
        let text = format!(
            "\
name: realistic in {currency}
currency: {currency}
accelerators:
  - {{id: card, vendor: A, origin: domestic, unit_price: {card}, tflops: 780, power_w: 700}}
  - {{id: server, vendor: B, origin: foreign, unit_price: {server}, tflops: 18000, power_w: 14300}}
  - {{id: inference, vendor: C, origin: foreign, unit_price: 0, tflops: 65, power_w: 70}}
demand: {{pflops: 100}}
costs: {{energy_price_per_kwh: {energy}, pue: {pue}, opex_years: 5}}
"
        );
        let file = scenario_file(&format!("realistic-{currency}"), &text);
        let r = chipmix(&["validate", &file.display().to_string()]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stderr.is_empty(), "{currency}: {}", r.stderr);
    }
}

#[test]
fn no_sample_warns() {
    for path in crate::support::sample_files() {
        let r = chipmix(&["validate", &path.display().to_string()]);
        assert_eq!(r.code, 0, "{}: {}", path.display(), r.stderr);
        assert!(r.stderr.is_empty(), "{}: {}", path.display(), r.stderr);
    }
}

/// Fields that have no effect, each on its own line.
const UNUSED: &str = "\
name: unused fields
accelerators:
  - id: card
    vendor: A
    origin: domestic
    unit_price: 28600
    tflops: 780
    lifetime_years: 5
    min_units: 16
    max_units: 8
    efficiency: {training: 0.5}
existing:
  - id: card
    units: 8
    retire_year: 2026
demand: {pflops: 1}
costs:
  discount_rate: 0.05
  platform_adoption: {cann: 5}
";

#[test]
fn fields_without_effect_warn_at_their_place() {
    let file = scenario_file("unused", UNUSED);
    let file = file.display().to_string();
    let r = chipmix(&["validate", &file]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for (at, says) in [
        (
            "lifetime_years: 5",
            "accelerators[card].lifetime_years is not used",
        ),
        (
            "min_units: 16",
            "accelerators[card]: min_units 16 is above what max_units 8",
        ),
        (
            "training: 0.5",
            "accelerators[card].efficiency.training is not used",
        ),
        ("retire_year: 2026", "existing[0].retire_year is not used"),
        ("discount_rate: 0.05", "costs.discount_rate is not used"),
        ("cann: 5", "costs.platform_adoption.cann is not used"),
    ] {
        let (line, col) = place_of(UNUSED, at);
        let want = format!("{file}:{line}:{col}: warning: {says}");
        assert!(
            r.stderr.contains(&want),
            "stderr lacks `{want}`: {}",
            r.stderr
        );
    }
    assert_eq!(r.stderr.lines().count(), 6, "{}", r.stderr);
}
