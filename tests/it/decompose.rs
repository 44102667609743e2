//! The decomposition strategy (`--strategy decompose`) on scenarios whose optimum is known:
//! its bound never exceeds the optimum, its plan never beats it, and the gap closes to the
//! requested tolerance. The optima come from a worked example (the Lagrangian bound itself,
//! through the library) and from the direct strategy proving generated scenarios small
//! enough to solve exactly.

#[allow(dead_code)]
#[path = "../../examples/generate.rs"]
pub mod generate;

use crate::support::{chipmix, scenario_file};
use chipmix::model::national::NationalRequest;
use chipmix::scenario::Document;
use chipmix::scenario::national::National;
use chipmix::search::decompose::{SetSearch, parts};
use chipmix::search::{NationalSolved, NationalVariant, Timings, solve_national};
use chipmix::solve::{Backend, Limits, Stop};
use serde_json::Value;
use std::collections::BTreeSet;

fn national(text: &str, file: &str) -> National {
    let doc = Document::parse(text.to_string(), file, None).expect("the scenario parses");
    doc.resolve(&[]).expect("the scenario is valid").scenario
}

/// The continuous relaxation of `nat` with exactly the platforms of `set` adopted, solved
/// by microlp, whatever its outcome.
fn relaxation_of(nat: &National, set: &BTreeSet<String>, timings: &mut Timings) -> NationalVariant {
    let mut req = NationalRequest::new(nat);
    req.lp_relaxation = true;
    req.platforms = Some(set.clone());
    let limits = Limits::new(60.0, 0.0);
    solve_national(&req, Backend::Microlp, limits, timings).expect("solves")
}

/// The continuous relaxation of `nat` with exactly the platforms of `set` adopted.
fn relaxation(nat: &National, set: &BTreeSet<String>, timings: &mut Timings) -> NationalSolved {
    match relaxation_of(nat, set, timings) {
        NationalVariant::Solved(lp) => lp,
        other => panic!("the relaxation has no solution: {other:?}"),
    }
}

/// Two sites each need 1 PFLOPS. `c` (10 per card) and `d` (15) give 1,000 TFLOPS per card
/// and come in lots of 8; only one lot of `c` exists nationally (`max_units: 8`).
/// - Optimum: one site buys a lot of `c` (80), the other a lot of `d` (120): 200.
/// - Continuous relaxation: each site buys one card of `c` (1/8 of a lot): 20.
/// - Lagrangian bound with price `m` on `c`'s cap: `2 min(80 + 8m, 120) - 8m`, largest at
///   `m = 5`: 200, the optimum. The decomposition closes the whole gap that rounding to
///   lots opens, which the relaxation cannot see.
const LOTS: &str = r#"
name: two sites, one lot of the cheap card
periods: [2025]
accelerators:
  - id: c
    vendor: C
    origin: domestic
    unit_price: 10
    tflops: 1000
    lot_size: 8
    max_units: 8
  - id: d
    vendor: D
    origin: domestic
    unit_price: 15
    tflops: 1000
    lot_size: 8
sites:
  - id: a
    demand: {pflops: 1}
  - id: b
    demand: {pflops: 1}
"#;

#[test]
fn lagrangian_bound_closes_the_lot_rounding_gap() {
    let nat = national(LOTS, "lots.yaml");
    let mut timings = Timings::default();
    let lp = relaxation(&nat, &BTreeSet::new(), &mut timings);
    assert!(
        (lp.objective - 20.0).abs() < 1e-6,
        "relaxation {}",
        lp.objective
    );

    let sites = parts(&nat);
    let mut search = SetSearch::new(&nat, &BTreeSet::new(), &lp, None, 0.0);
    let mut upper = f64::INFINITY;
    let mut rounds = 0;
    while !search.done && rounds < 200 {
        if let Some(plan) = search
            .round(
                &nat,
                &sites,
                upper,
                Backend::Microlp,
                60.0,
                Stop::default(),
                &mut timings,
            )
            .expect("a round solves")
        {
            assert!(
                plan.violations().is_empty(),
                "a repaired plan breaks a rule"
            );
            upper = upper.min(plan.total_cost);
        }
        rounds += 1;
        // A Lagrangian bound is a bound: never above the optimum.
        assert!(
            search.bound() <= 200.0 + 1e-6,
            "round {rounds}: bound {} above the optimum 200",
            search.bound()
        );
        if search.bound() >= 200.0 - 1e-6 {
            break;
        }
    }
    assert!(
        search.bound() >= 200.0 - 1e-6,
        "after {rounds} rounds the bound is {}, the optimum 200",
        search.bound()
    );
    assert!(
        (upper - 200.0).abs() < 1e-6,
        "the repaired site plans cost {upper}, the optimum 200"
    );
}

#[test]
fn the_cli_proves_the_lot_example_with_either_strategy() {
    let path = scenario_file("decompose-lots", LOTS);
    for strategy in ["decompose", "direct", "auto"] {
        let r = chipmix(&[
            "plan",
            path.to_str().unwrap(),
            "--format",
            "json",
            "--strategy",
            strategy,
        ]);
        assert_eq!(r.code, 0, "{strategy}: {}", r.stderr);
        let p: Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(p["status"], "optimal", "{strategy}: {p}");
        let cost = p["total_cost"].as_f64().unwrap();
        let bound = p["bound"].as_f64().unwrap();
        assert!((cost - 200.0).abs() < 1e-6, "{strategy}: cost {cost}");
        assert!(
            (200.0 * (1.0 - 1e-3)..=200.0 + 1e-6).contains(&bound),
            "{strategy}: bound {bound}"
        );
    }
}

#[test]
fn an_unknown_strategy_is_bad_input() {
    let path = scenario_file("decompose-bad-strategy", LOTS);
    let r = chipmix(&["plan", path.to_str().unwrap(), "--strategy", "lagrange"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("lagrange"), "{}", r.stderr);
}

#[test]
fn progress_is_quiet_when_stderr_is_not_a_terminal() {
    let path = scenario_file("decompose-quiet", LOTS);
    let r = chipmix(&["plan", path.to_str().unwrap(), "--strategy", "decompose"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        !r.stderr.contains("bound") && !r.stderr.contains("best plan"),
        "progress lines on a pipe: {}",
        r.stderr
    );
}

fn plan_json(path: &str, args: &[&str]) -> Value {
    let mut all = vec!["plan", path, "--format", "json"];
    all.extend_from_slice(args);
    let r = chipmix(&all);
    assert!(
        r.code == 0 || r.code == 1,
        "{all:?}: exit {}: {}",
        r.code,
        r.stderr
    );
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{all:?}: {e}: {}", r.stdout))
}

fn num(v: &Value, what: &str) -> f64 {
    v.as_f64()
        .unwrap_or_else(|| panic!("{what} is not a number: {v}"))
}

/// Generated national scenarios small enough for the direct strategy to prove (13
/// accelerators, lots of 8, binding national caps, quotas and adoption costs; 2 sites and
/// 1 period with microlp, whose exact search is slow beyond that, 3 sites and 2 periods
/// with HiGHS): the decomposition's bound is at most the optimum, its plan at least the
/// optimum, and, asked for a gap of 0.1%, it ends within it.
fn brackets_known_optima(backend: &str, sites: usize, periods: usize, seeds: u64) {
    brackets_known_optima_of(
        backend,
        sites,
        periods,
        &(1..=seeds).collect::<Vec<_>>(),
        false,
    );
}

/// [`brackets_known_optima`] for the given seeds, with the generator's section-6 rules
/// (`rules`: state-funded sites that take out or move their foreign cards, energy
/// discounts, an HBM pool) or without.
fn brackets_known_optima_of(
    backend: &str,
    sites: usize,
    periods: usize,
    seeds: &[u64],
    rules: bool,
) {
    let dir = std::env::temp_dir().join(format!(
        "chipmix-decompose-{}-{backend}-{rules}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let mut closed = 0usize;
    for &seed in seeds {
        let text = generate::render(&generate::Args {
            sites,
            periods,
            seed,
            first_year: 2025,
            rules,
        });
        let path = dir.join(format!("gen-{seed}.yaml"));
        std::fs::write(&path, text).unwrap();
        let path = path.to_str().unwrap();
        let exact = plan_json(
            path,
            &[
                "--solver",
                backend,
                "--strategy",
                "direct",
                "--mip-gap",
                "0",
                // The reference must be proven: seed 3 takes HiGHS 103 s of solving in a
                // debug build on an idle machine, and a CI run with tests in parallel
                // pushed it past an earlier limit of 120 s ("feasible", gap 2e-5).
                "--time-limit",
                "300",
            ],
        );
        assert_eq!(exact["status"], "optimal", "seed {seed}: direct: {exact}");
        let optimum = num(&exact["total_cost"], "direct total_cost");
        let p = plan_json(
            path,
            &[
                "--solver",
                backend,
                "--strategy",
                "decompose",
                "--mip-gap",
                "0.001",
                "--time-limit",
                "120",
            ],
        );
        let status = p["status"].as_str().unwrap_or("?");
        assert!(matches!(status, "optimal" | "feasible"), "seed {seed}: {p}");
        let cost = num(&p["total_cost"], "total_cost");
        let bound = num(&p["bound"], "bound");
        let gap = num(&p["gap"], "gap");
        let tol = 1e-6 * optimum.abs().max(1.0);
        assert!(
            bound <= optimum + tol,
            "seed {seed}: bound {bound} above the optimum {optimum}"
        );
        assert!(
            cost >= optimum - tol,
            "seed {seed}: plan {cost} below the optimum {optimum}"
        );
        assert!(
            bound <= cost + tol,
            "seed {seed}: bound {bound} above the plan {cost}"
        );
        assert!(
            (gap - (cost - bound) / cost).abs() < 1e-6,
            "seed {seed}: gap {gap} is not (cost - bound) / cost = {}",
            (cost - bound) / cost
        );
        if status == "optimal" {
            assert!(gap <= 0.001 + 1e-9, "seed {seed}: optimal with gap {gap}");
            assert!(
                cost <= optimum * 1.001 + tol,
                "seed {seed}: optimal at {cost}, optimum {optimum}"
            );
            closed += 1;
        }
    }
    // The gap closes to the tolerance on these small scenarios.
    assert_eq!(
        closed,
        seeds.len(),
        "only {closed} of {} scenarios closed to a 0.1% gap",
        seeds.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn decomposition_brackets_known_optima_microlp() {
    brackets_known_optima("microlp", 2, 1, 8);
}

/// Seeds whose first two sites include a state-funded one (quota 1 from the second year,
/// foreign cards that must go, by removal or by a move to the other site), over 3 years.
#[test]
fn decomposition_brackets_known_optima_with_removals() {
    let text = generate::render(&generate::Args {
        sites: 2,
        periods: 3,
        seed: 8,
        first_year: 2025,
        rules: true,
    });
    assert!(text.contains("removal:"), "seed 8 has a state-funded site");
    brackets_known_optima_of("microlp", 2, 3, &[8, 18], true);
}

#[cfg(feature = "highs")]
#[test]
fn decomposition_brackets_known_optima_highs() {
    brackets_known_optima("highs", 3, 2, 3);
}

/// On a generated scenario of 10 sites, the decomposition of a platform set (all costly
/// platforms adopted) raises the bound above that set's continuous relaxation, since its
/// site problems buy whole lots, and stays below the cost of every plan the repair builds
/// (each checked) and of the plan `chipmix::search::plan` returns.
#[test]
fn decomposition_raises_the_bound_above_the_relaxation() {
    let text = generate::render(&generate::Args {
        sites: 10,
        periods: 3,
        seed: 7,
        first_year: 2025,
        rules: false,
    });
    let nat = national(&text, "gen-10.yaml");
    let installed = nat.existing_platforms();
    let set: BTreeSet<String> = nat
        .platform_adoption
        .iter()
        .filter(|(p, c)| **c > 0.0 && !installed.contains(*p))
        .map(|(p, _)| p.clone())
        .collect();
    assert!(
        set.len() >= 3,
        "the generator adopts platforms at a cost: {set:?}"
    );
    let adoption: f64 = set.iter().map(|p| nat.platform_adoption[p]).sum();
    let mut timings = Timings::default();
    let lp = relaxation(&nat, &set, &mut timings);
    let sites = parts(&nat);
    let mut search = SetSearch::new(&nat, &set, &lp, None, 0.0);
    let mut upper = f64::INFINITY;
    let mut rounds = 0;
    while !search.done && rounds < 150 {
        if let Some(plan) = search
            .round(
                &nat,
                &sites,
                upper,
                Backend::Microlp,
                60.0,
                Stop::default(),
                &mut timings,
            )
            .expect("a round solves")
        {
            assert!(
                plan.violations().is_empty(),
                "a repaired plan breaks a rule"
            );
            // The bound covers plans adopting exactly the set. A repaired plan may leave a
            // platform of the set unused: with that adoption paid as well, it is one of them.
            upper = upper.min(plan.total_cost - plan.adoption + adoption);
        }
        rounds += 1;
        assert!(
            search.bound() <= upper + 1e-6 * upper.abs(),
            "round {rounds}: bound {} above a checked plan's cost {upper} (adopting the set)",
            search.bound()
        );
    }
    assert!(
        search.bound() > lp.objective * (1.0 + 1e-4),
        "after {rounds} rounds the bound {} is not above the relaxation's {}",
        search.bound(),
        lp.objective
    );
    let options = chipmix::planner::Options {
        time_limit_s: Some(5.0),
        ..Default::default()
    };
    let plan = chipmix::planner::plan(&nat, &options).expect("plans");
    let cost = plan.total_cost.expect("a plan has a cost");
    let paid: f64 = plan
        .adopted_platforms
        .iter()
        .filter(|p| set.contains(*p))
        .map(|p| nat.platform_adoption[p])
        .sum();
    let as_set = cost - paid + adoption;
    assert!(
        search.bound() <= as_set + 1e-6 * as_set,
        "bound {} above the plan's cost {cost} with the whole set adopted ({as_set})",
        search.bound()
    );
}

/// Regression (issue 21): `--time-limit 2` ended after 18 s at 10,000 sites and after 12 s
/// with 1,000 accelerators x 1,000 sites (release build), since neither building the
/// model nor microlp's set-up looked at the clock. On a generated 2,000-site scenario (a
/// model microlp cannot solve in seconds) the plan must now end within the limit plus its
/// slack of max(10%, 1 s), and any plan it prints must pass `chipmix check`.
///
/// The limit covers planning, not reading the file: the time `chipmix validate` takes on
/// the same file (start-up, reading, validating; 0.25 s in a debug build) is allowed on
/// top, twice over (see the test). Measured in a debug build: 2.8 s with the fix; the old code spent 3.7 s building
/// the model before its first solve even started.
#[test]
fn time_limit_holds_at_2000_sites() {
    let text = generate::render(&generate::Args {
        sites: 2000,
        periods: 5,
        seed: 1,
        first_year: 2025,
        rules: false,
    });
    let path = scenario_file("time-limit-2000-sites", &text);
    let path = path.to_str().unwrap();
    let started = std::time::Instant::now();
    let r = chipmix(&["validate", path]);
    let reading = started.elapsed().as_secs_f64();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let limit = 2.0;
    let started = std::time::Instant::now();
    let r = chipmix(&[
        "plan",
        path,
        "--format",
        "json",
        "--time-limit",
        &limit.to_string(),
    ]);
    let wall = started.elapsed().as_secs_f64();
    // Reading is allowed twice: the suite runs tests in parallel on two cores, and the
    // load can double between the validate run and the plan run (5.8 s against 5.0 s
    // allowed, reading 2.0 s, once the suite grew).
    let allowed = limit + f64::max(0.1 * limit, 1.0) + 2.0 * reading;
    assert!(
        wall <= allowed,
        "plan took {wall:.2} s with --time-limit {limit} (allowed {allowed:.2} s, of which \
         {reading:.2} s to read): {}",
        r.stderr
    );
    let p: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} {}", r.stdout, r.stderr));
    match p["status"].as_str() {
        Some("optimal" | "feasible") => {
            assert_eq!(r.code, 0, "{}", r.stderr);
            let saved = scenario_file("time-limit-2000-sites-plan", &r.stdout);
            let c = chipmix(&["check", path, saved.to_str().unwrap()]);
            assert_eq!(
                c.code, 0,
                "the plan fails the check: {}{}",
                c.stdout, c.stderr
            );
        }
        Some("error") => {
            assert_eq!(r.code, 1, "{}", r.stderr);
            let message = p["message"].as_str().unwrap_or_default();
            assert!(
                message.contains("time limit"),
                "an error plan must say the time limit stopped it: {p}"
            );
        }
        other => panic!("unexpected status {other:?}: {p}"),
    }
}

/// A generated scenario of six sites over two years (six costly platforms).
fn six_sites() -> String {
    generate::render(&generate::Args {
        sites: 6,
        periods: 2,
        seed: 4,
        first_year: 2025,
        rules: false,
    })
}

/// When the time for the relaxations ends with the first (a large scenario), the search
/// over platform sets still hands the decomposition every set: each bounded by the first
/// relaxation's value, which bounds them all (checked against their own relaxations), the
/// set of every platform carrying that relaxation for its first prices. Before, it handed
/// over no set, and a 10,000-site plan ended after 54 of its 300 s with none.
#[test]
fn platform_sets_without_time_for_their_relaxations_start_from_the_first() {
    use chipmix::search::rounding::{Heuristic, heuristic};
    let text = six_sites();
    let nat = national(&text, "generated.yaml");
    let mut timings = Timings::default();
    // No seconds: nothing beyond the first relaxation fits.
    let found = heuristic(&nat, Backend::Microlp, 0.0, Stop::default(), &mut timings)
        .unwrap_or_else(|e| panic!("{e}"));
    let Heuristic::Found(_, Some(l0), sets) = found else {
        panic!("the first relaxation is solved")
    };
    let costly: BTreeSet<String> = nat
        .platform_adoption
        .iter()
        .filter(|(_, c)| **c > 0.0)
        .map(|(p, _)| p.clone())
        .collect();
    assert!(
        costly.len() >= 2,
        "the generator adopts platforms: {costly:?}"
    );
    assert_eq!(sets.len(), 1 << costly.len(), "every set of platforms");
    let distinct: BTreeSet<&BTreeSet<String>> = sets.iter().map(|s| &s.platforms).collect();
    assert_eq!(distinct.len(), sets.len(), "each set once");
    for set in &sets {
        assert_eq!(set.bound, l0, "{:?}", set.platforms);
        assert_eq!(
            set.lp.is_some(),
            set.platforms == costly,
            "{:?}",
            set.platforms
        );
    }
    // L0 bounds each set: it is at most each set's own relaxation (a set whose relaxation
    // is infeasible has no plan to bound). The set of every platform has a plan.
    let mut solved = 0;
    for set in [BTreeSet::new(), costly.clone()] {
        match relaxation_of(&nat, &set, &mut timings) {
            NationalVariant::Solved(lp) => {
                let own = lp.objective;
                assert!(
                    l0 <= own + 1e-6 * own.abs(),
                    "L0 {l0} above the relaxation of {set:?}: {own}"
                );
                solved += 1;
            }
            NationalVariant::Infeasible => assert!(set != costly, "every platform: a plan"),
            other => panic!("{other:?}"),
        }
    }
    assert!(solved >= 1, "the set of every platform has a relaxation");
}

/// `--timings` gives the phases of a national search on a second line, in the words
/// `bench/phases.sh` reads.
#[test]
fn timings_name_the_phases_of_a_national_search() {
    let text = six_sites();
    let path = scenario_file("phases-6-sites", &text);
    let r = chipmix(&[
        "plan",
        path.to_str().unwrap(),
        "--timings",
        "--time-limit",
        "20",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let line = r
        .stderr
        .lines()
        .find(|l| l.starts_with("phases: "))
        .unwrap_or_else(|| panic!("no phases line: {}", r.stderr));
    let words: Vec<&str> = line.split_whitespace().collect();
    let number = |k: usize| {
        words[k]
            .trim_start_matches('(')
            .parse::<f64>()
            .unwrap_or_else(|e| panic!("{e}: word {k} of {line}"))
    };
    assert_eq!(
        words[..5],
        ["phases:", "relaxation", "and", "platform", "sets"],
        "{line}"
    );
    assert!(number(5) > 0.0, "the relaxation ran: {line}");
    assert_eq!(words[7], "decomposition", "{line}");
    let (decomposition, rounds) = (number(8), number(10));
    assert!(decomposition >= 0.0 && rounds >= 0.0, "{line}");
    assert_eq!(words[12..14], ["site-by-site", "improvement"], "{line}");
    assert!(number(14) >= 0.0, "{line}");
}
