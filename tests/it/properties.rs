//! Metamorphic properties of the planner: relations between the answers to related
//! scenarios, which hold whatever the optimum is, so no reference solver is needed.
//!
//! Small random scenarios are written as YAML and read with `chipmix::scenario::load_str`
//! (the generator follows tests/reference_model.rs); a variant is then made by editing the
//! loaded `Scenario` directly. Every plan uses `mip_gap: 0`, so optimal values are exact
//! and compared with a tolerance of 1e-6 relative plus 1e-6 absolute.
//!
//! 1. Every optimal or feasible plan passes the independent checker, at the same cost.
//! 2. Raising the domestic-share minimum never makes a min_cost plan cheaper, and keeps an
//!    infeasible scenario infeasible.
//! 3. Raising `budget` or `capex_budget` never lowers the PFLOPS of a max_pflops plan, and
//!    keeps a feasible scenario feasible.
//! 4. Removing an accelerator that has no installed units never makes a min_cost plan
//!    cheaper (nor a max_pflops plan bigger), and keeps an infeasible scenario infeasible.
//! 5. Without domestic-share, vendor-share and power rules and with `opex_years: 0`, adding
//!    installed units never raises capex + adoption and keeps a feasible scenario feasible.
//!    (Not true in general: see the counterexample tests at the end.)
//! 6. The integer optimum is never better than the continuous one, and a scenario whose
//!    continuous relaxation is infeasible is infeasible.
//! 7. `resolved::to_yaml` reads back to a scenario that plans the same, and writes back
//!    byte-identical.
//! 8. Planning twice renders byte-identical JSON and table output (each built backend).
//! 9. With HiGHS built: microlp and HiGHS agree on the status and the optimal values.
//!
//! Seeds are random on each run (set `PROPTEST_RNG_SEED` to repeat one, `PROPTEST_CASES` to
//! change the number of cases); a failure prints the scenarios in resolved YAML.
//! `outcome_mix` (ignored) shows how often each property compares two different answers.
//!
//! Findings while this file was written (1 and 2 were fixed in src/planner.rs at the time
//! and are kept as regression tests at the end of the file):
//! 1. A proven max_pflops plan in continuous mode was labelled `feasible`: the tie-break
//!    stage's cost was compared with the first stage's exactly, and 2e-13 of rounding
//!    dropped the proof.
//! 2. An optimal plan of nothing (0 PFLOPS) had `gap` 1.0 against a `bound` of 1.1e-16.
//! 3. Continuous plans from HiGHS can break a rule by up to its feasibility tolerance
//!    (7.5e-7 units of a share rule, which the checker accepts), which makes them 3e-6
//!    cheaper than microlp's; property 9 allows ten times the tolerance in continuous mode.
//! 4. (Not reproduced.) Once, in a run of 3,000 cases of property 9, HiGHS spent over 20
//!    minutes inside its MIP presolve (`HPresolve::strengthenInequalities`) during a
//!    vendor-share probe of the conflict analysis, ignoring the time limit.

use crate::support::random::{Kind, WORKLOADS, close, config, tol};
use chipmix::plan::{Plan, Status};
use chipmix::planner::Options;
use chipmix::render::{Format, render};
use chipmix::scenario::national::National;
use chipmix::scenario::{Existing, Objective, Scenario, load_str};
use chipmix::solve::Backend;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestCaseError;

// ---------------------------------------------------------------------------------------
// Generator: small random scenarios as YAML text.
// ---------------------------------------------------------------------------------------

/// One accelerator of a generated scenario.
#[derive(Debug, Clone)]
struct GenAcc {
    /// Vendor `V0`..`V2`.
    vendor: usize,
    domestic: bool,
    /// Platform `p0`..`p2`.
    platform: Option<usize>,
    unit_price: u32,
    tflops: u32,
    power_w: u32,
    memory_gb: u32,
    available: bool,
    lot_size: u64,
    max_units: u64,
    min_units: Option<u64>,
    /// Efficiency per workload class, in tenths (`None`: not written, i.e. 1.0).
    efficiency: [Option<u32>; 2],
    /// Installed units (`Some(0)` writes an entry with 0 units).
    existing: Option<u64>,
}

impl GenAcc {
    /// Most new units the rules allow: the largest whole number of lots under the cap.
    fn most_new(&self) -> u64 {
        if self.available {
            self.max_units / self.lot_size * self.lot_size
        } else {
            0
        }
    }

    /// Most units in the fleet: installed plus the most new ones.
    fn most_fleet(&self) -> f64 {
        (self.existing.unwrap_or(0) + self.most_new()) as f64
    }
}

/// Demand, as percentages of what the largest fleet offers.
#[derive(Debug, Clone)]
enum GenDemand {
    None,
    Pflops(u32),
    Workloads(Option<u32>, Option<u32>),
}

/// A generated scenario: limits are percentages of what the largest fleet offers or costs,
/// so that they bind (or just fail to) often.
#[derive(Debug, Clone)]
struct Gen {
    accs: Vec<GenAcc>,
    max_pflops: bool,
    integer: bool,
    demand: GenDemand,
    memory_pct: Option<u32>,
    /// (min in 1/10,000, basis, strict).
    share: Option<(u32, &'static str, bool)>,
    budget_pct: Option<i32>,
    capex_pct: Option<i32>,
    power_pct: Option<u32>,
    vendor_max_pct: Option<u32>,
    /// (energy price in 1/100, pue in 1/10, utilization in 1/10, opex years in 1/10).
    costs: Option<(u32, u32, u32, u32)>,
    adoption: [Option<u32>; 3],
}

fn arb_acc() -> impl Strategy<Value = GenAcc> {
    (
        (
            0usize..3,
            any::<bool>(),
            prop::option::weighted(0.6, 0usize..3),
            0u32..=40,
            5u32..=100,
            prop::option::weighted(0.5, 1u32..=8),
            prop::option::weighted(0.5, 1u32..=8),
        ),
        (
            prop::bool::weighted(0.85),
            1u64..=4,
            0u64..=7,
            0u64..4,
            prop::option::weighted(0.2, 0u64..=12),
            [
                prop::option::weighted(0.6, 0u32..=10),
                prop::option::weighted(0.6, 0u32..=10),
            ],
            prop::option::weighted(0.3, 0u64..=8),
        ),
    )
        .prop_map(
            |(
                (vendor, domestic, platform, price, tflops, power, memory),
                (available, lot_size, lots, extra, min_units, efficiency, existing),
            )| GenAcc {
                vendor,
                domestic,
                platform,
                unit_price: price * 10,
                tflops: tflops * 10,
                power_w: power.map_or(0, |p| p * 100),
                memory_gb: memory.map_or(0, |m| m * 16),
                available,
                lot_size,
                max_units: lots * lot_size + extra % lot_size,
                min_units,
                efficiency,
                existing,
            },
        )
}

fn arb_share_min() -> impl Strategy<Value = u32> {
    prop_oneof![
        prop::sample::select(vec![0u32, 2500, 3000, 3333, 5000, 6000, 6667, 7500, 10_000]),
        (0u32..=80).prop_map(|p| p * 100),
    ]
}

fn arb_share() -> impl Strategy<Value = (u32, &'static str, bool)> {
    (
        arb_share_min(),
        prop::sample::select(vec!["units", "tflops", "spend"]),
        any::<bool>(),
    )
        // A strict share above a min of 1 is refused by the loader.
        .prop_map(|(min, basis, strict)| (min, basis, strict && basis == "units" && min < 10_000))
}

fn arb_gen(kind: Kind) -> impl Strategy<Value = Gen> {
    let demand = match kind {
        Kind::MinCostPflops => prop_oneof![
            1 => Just(GenDemand::None),
            3 => (0u32..=90).prop_map(GenDemand::Pflops),
        ]
        .boxed(),
        // With max_pflops the demand is a floor under what the budget buys.
        Kind::MaxPflops => prop_oneof![
            Just(GenDemand::None),
            (0u32..=40).prop_map(GenDemand::Pflops),
        ]
        .boxed(),
        Kind::MinCostWorkloads => prop_oneof![
            (0u32..=90).prop_map(|t| GenDemand::Workloads(Some(t), None)),
            (0u32..=90).prop_map(|i| GenDemand::Workloads(None, Some(i))),
            (0u32..=50, 0u32..=50).prop_map(|(t, i)| GenDemand::Workloads(Some(t), Some(i))),
        ]
        .boxed(),
    };
    let max_pflops = kind == Kind::MaxPflops;
    let (money, lowest) = if max_pflops { (0.6, -10) } else { (0.25, 10) };
    let adoption = || prop::option::weighted(0.35, (0u32..=30).prop_map(|c| c * 100));
    (
        (
            prop::collection::vec(arb_acc(), 2..=4),
            prop::bool::weighted(0.8),
            demand,
            prop::option::weighted(0.25, 0u32..=90),
            prop::option::weighted(0.5, arb_share()),
        ),
        (
            prop::option::weighted(money, lowest..=100),
            prop::option::weighted(money, lowest..=100),
            prop::option::weighted(0.25, 10u32..=110),
            prop::option::weighted(0.25, prop::sample::select(vec![40u32, 50, 60, 75, 100])),
            prop::option::weighted(
                0.4,
                (
                    prop::sample::select(vec![0u32, 5, 10, 15, 20]),
                    prop::sample::select(vec![10u32, 12, 13, 15]),
                    prop::sample::select(vec![5u32, 8, 10]),
                    prop::sample::select(vec![0u32, 10, 20, 25, 30]),
                ),
            ),
            [adoption(), adoption(), adoption()],
        ),
    )
        .prop_map(
            move |(
                (accs, integer, demand, memory_pct, share),
                (budget_pct, capex_pct, power_pct, vendor_max_pct, costs, adoption),
            )| {
                // max_pflops needs a budget or a capex budget.
                let capex_pct = if max_pflops && budget_pct.is_none() && capex_pct.is_none() {
                    Some(50)
                } else {
                    capex_pct
                };
                Gen {
                    accs,
                    max_pflops,
                    integer,
                    demand,
                    memory_pct,
                    share,
                    budget_pct,
                    capex_pct,
                    power_pct,
                    vendor_max_pct,
                    costs,
                    adoption,
                }
            },
        )
}

fn arb_min_cost() -> impl Strategy<Value = Gen> {
    prop_oneof![
        arb_gen(Kind::MinCostPflops),
        arb_gen(Kind::MinCostWorkloads)
    ]
}

fn arb_any() -> impl Strategy<Value = Gen> {
    prop_oneof![
        arb_gen(Kind::MinCostPflops),
        arb_gen(Kind::MinCostWorkloads),
        arb_gen(Kind::MaxPflops),
    ]
}

/// `pct` percent of `most`, rounded down to tenths.
fn tenths_of(most: f64, pct: u32) -> f64 {
    (most * pct as f64 / 10.0).floor() / 10.0
}

/// The scenario as a YAML file.
fn yaml(g: &Gen) -> String {
    let most =
        |f: &dyn Fn(&GenAcc) -> f64| -> f64 { g.accs.iter().map(|a| f(a) * a.most_fleet()).sum() };
    let (price100, pue10, util10, years10) = g.costs.unwrap_or((0, 10, 10, 0));
    let pue = pue10 as f64 / 10.0;

    let mut y = String::from("name: gen\n");
    if g.max_pflops {
        y.push_str("objective: max_pflops\n");
    }
    y.push_str("accelerators:\n");
    for (i, a) in g.accs.iter().enumerate() {
        let mut f = vec![
            format!("id: a{i}"),
            format!("vendor: V{}", a.vendor),
            format!(
                "origin: {}",
                if a.domestic { "domestic" } else { "foreign" }
            ),
            format!("unit_price: {}", a.unit_price),
            format!("tflops: {}", a.tflops),
            format!("power_w: {}", a.power_w),
            format!("memory_gb: {}", a.memory_gb),
            format!("available: {}", a.available),
            format!("max_units: {}", a.max_units),
            format!("lot_size: {}", a.lot_size),
        ];
        if let Some(p) = a.platform {
            f.push(format!("platform: p{p}"));
        }
        if let Some(m) = a.min_units {
            f.push(format!("min_units: {m}"));
        }
        let eff: Vec<String> = (0..2)
            .filter_map(|w| {
                a.efficiency[w].map(|e| format!("{}: {}", WORKLOADS[w], e as f64 / 10.0))
            })
            .collect();
        if !eff.is_empty() {
            f.push(format!("efficiency: {{{}}}", eff.join(", ")));
        }
        y.push_str(&format!("  - {{{}}}\n", f.join(", ")));
    }

    let mut demand = Vec::new();
    match g.demand {
        GenDemand::None => {}
        GenDemand::Pflops(pct) => {
            let p = tenths_of(most(&|a| a.tflops as f64 / 1000.0), pct);
            demand.push(format!("pflops: {p}"));
        }
        GenDemand::Workloads(t, i) => {
            let classes: Vec<String> = [t, i]
                .iter()
                .enumerate()
                .filter_map(|(w, pct)| {
                    let pct = (*pct)?;
                    let reach = most(&|a| {
                        a.tflops as f64 * a.efficiency[w].unwrap_or(10) as f64 / 10_000.0
                    });
                    Some(format!("{}: {}", WORKLOADS[w], tenths_of(reach, pct)))
                })
                .collect();
            demand.push(format!("workloads: {{{}}}", classes.join(", ")));
        }
    }
    if let Some(pct) = g.memory_pct {
        let m = tenths_of(most(&|a| a.memory_gb as f64 / 1000.0), pct);
        demand.push(format!("memory_tb: {m}"));
    }
    if !demand.is_empty() {
        y.push_str(&format!("demand: {{{}}}\n", demand.join(", ")));
    }

    let existing: Vec<String> = g
        .accs
        .iter()
        .enumerate()
        .filter_map(|(i, a)| a.existing.map(|u| format!("{{id: a{i}, units: {u}}}")))
        .collect();
    if !existing.is_empty() {
        y.push_str(&format!("existing: [{}]\n", existing.join(", ")));
    }

    if let Some((min, basis, strict)) = g.share {
        y.push_str(&format!(
            "policy: {{domestic_share: {{min: {}, basis: {basis}, strict: {strict}}}}}\n",
            min as f64 / 10_000.0
        ));
    }

    // Money: what the largest fleet would cost with every platform adopted.
    let capex_most: f64 = g
        .accs
        .iter()
        .map(|a| a.unit_price as f64 * a.most_new() as f64)
        .sum();
    let opex_most = pue * most(&|a| a.power_w as f64) / 1000.0
        * 8760.0
        * (util10 as f64 / 10.0)
        * (price100 as f64 / 100.0)
        * (years10 as f64 / 10.0);
    let adoption_most: f64 = g.adoption.iter().flatten().map(|&c| c as f64).sum();
    let money = |most: f64, pct: i32| (most * pct as f64 / 100.0).round().max(0.0);
    let mut limits = Vec::new();
    if let Some(pct) = g.budget_pct {
        let b = money(capex_most + adoption_most + opex_most, pct);
        limits.push(format!("budget: {b}"));
    }
    if let Some(pct) = g.capex_pct {
        limits.push(format!("capex_budget: {}", money(capex_most, pct)));
    }
    if let Some(pct) = g.power_pct {
        let kw = (pue * most(&|a| a.power_w as f64) / 1000.0 * pct as f64).floor() / 100.0;
        limits.push(format!("power_kw: {kw}"));
    }
    if let Some(pct) = g.vendor_max_pct {
        limits.push(format!("vendor_max_share: {}", pct as f64 / 100.0));
    }
    if !limits.is_empty() {
        y.push_str(&format!("limits: {{{}}}\n", limits.join(", ")));
    }

    let mut costs = Vec::new();
    if g.costs.is_some() {
        costs.push(format!("energy_price_per_kwh: {}", price100 as f64 / 100.0));
        costs.push(format!("pue: {pue}"));
        costs.push(format!("utilization: {}", util10 as f64 / 10.0));
        costs.push(format!("opex_years: {}", years10 as f64 / 10.0));
    }
    let adoption: Vec<String> = (0..3)
        .filter_map(|p| g.adoption[p].map(|c| format!("p{p}: {c}")))
        .collect();
    if !adoption.is_empty() {
        costs.push(format!("platform_adoption: {{{}}}", adoption.join(", ")));
    }
    if !costs.is_empty() {
        y.push_str(&format!("costs: {{{}}}\n", costs.join(", ")));
    }
    y.push_str(&format!("solver: {{integer: {}, mip_gap: 0}}\n", g.integer));
    y
}

/// The scenario in the file format, defaults written out.
fn to_yaml(s: &Scenario) -> String {
    chipmix::scenario::resolved::to_yaml(&National::from_single(s))
}

/// The generated scenario, loaded.
fn scenario(g: &Gen) -> Scenario {
    let text = yaml(g);
    match load_str(&text, "gen.yaml") {
        Ok(loaded) => loaded.scenario.as_single().expect("a section-1 scenario"),
        Err(e) => panic!("the generator wrote a file chipmix rejects:\n{text}\n{e:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// Planning and comparing.
// ---------------------------------------------------------------------------------------

/// Per plan. The scenarios are tiny: every optimum is proven in milliseconds, and the limit
/// only matters if the conflict analysis of an infeasible scenario gets stuck.
const TIME_LIMIT_S: f64 = 20.0;

fn options(backend: Backend) -> Options {
    Options {
        backend,
        time_limit_s: Some(TIME_LIMIT_S),
        mip_gap: Some(0.0),
        ..Default::default()
    }
}

fn plan_with(s: &Scenario, backend: Backend) -> Result<Plan, TestCaseError> {
    chipmix::planner::plan(&National::from_single(s), &options(backend)).map_err(|e| {
        TestCaseError::fail(format!(
            "plan() failed with {}: {e:?}\n{}",
            backend.as_str(),
            to_yaml(s)
        ))
    })
}

fn plan(s: &Scenario) -> Result<Plan, TestCaseError> {
    plan_with(s, Backend::Microlp)
}

/// The proven optimum of `s`, or `None` when it is infeasible. Any other status fails:
/// these scenarios are far too small to run out of time.
fn optimum_with(s: &Scenario, backend: Backend) -> Result<Option<Plan>, TestCaseError> {
    let p = plan_with(s, backend)?;
    match p.status {
        Status::Optimal => Ok(Some(p)),
        Status::Infeasible => Ok(None),
        other => Err(TestCaseError::fail(format!(
            "expected optimal or infeasible from {}, got {other:?} ({:?}) for\n{}",
            backend.as_str(),
            p.message,
            to_yaml(s)
        ))),
    }
}

fn optimum(s: &Scenario) -> Result<Option<Plan>, TestCaseError> {
    optimum_with(s, Backend::Microlp)
}

fn cost(p: &Plan) -> f64 {
    p.total_cost.unwrap_or(f64::NAN)
}

fn pflops(p: &Plan) -> f64 {
    p.pflops.unwrap_or(f64::NAN)
}

/// Whether `worse`'s objective is no better than `better`'s, to within the tolerance:
/// at least as dear for min_cost, at most as big for max_pflops.
fn no_better(objective: Objective, worse: &Plan, better: &Plan) -> bool {
    match objective {
        Objective::MinCost => cost(worse) >= cost(better) - tol(cost(worse), cost(better)),
        Objective::MaxPflops => {
            pflops(worse) <= pflops(better) + tol(pflops(worse), pflops(better))
        }
    }
}

fn summary(p: &Option<Plan>) -> String {
    match p {
        None => "infeasible".into(),
        Some(p) => format!(
            "total_cost {}, capex {:?}, adoption {:?}, pflops {}, purchases {:?}",
            cost(p),
            p.capex,
            p.adoption,
            pflops(p),
            p.purchases
                .iter()
                .map(|b| (b.id.as_str(), b.units))
                .collect::<Vec<_>>()
        ),
    }
}

/// Asserts that `restricted` (a scenario whose plans are all plans of `relaxed`) is no
/// better than `relaxed`, and infeasible whenever `relaxed` is.
fn assert_restriction(
    what: &str,
    restricted: &Scenario,
    relaxed: &Scenario,
) -> Result<(), TestCaseError> {
    let tight = optimum(restricted)?;
    let loose = optimum(relaxed)?;
    let ok = match (&tight, &loose) {
        (_, None) => tight.is_none(),
        (None, Some(_)) => true,
        (Some(t), Some(l)) => no_better(restricted.objective, t, l),
    };
    prop_assert!(
        ok,
        "{what}\n--- restricted scenario: {} ---\n{}--- relaxed scenario: {} ---\n{}",
        summary(&tight),
        to_yaml(restricted),
        summary(&loose),
        to_yaml(relaxed)
    );
    Ok(())
}

/// New units per accelerator, in scenario order, from a plan's purchases.
fn new_units(s: &Scenario, p: &Plan) -> Result<Vec<f64>, TestCaseError> {
    let mut x = vec![0.0; s.accelerators.len()];
    for b in &p.purchases {
        let i = s
            .index_of(&b.id)
            .ok_or_else(|| TestCaseError::fail(format!("purchase of unknown id {}", b.id)))?;
        x[i] += b.units;
    }
    Ok(x)
}

// ---------------------------------------------------------------------------------------
// The properties.
// ---------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(600))]

    /// 1. Every plan with purchases passes the checker; its figures are the checker's.
    #[test]
    fn plans_pass_the_checker(g in arb_any()) {
        let s = scenario(&g);
        let p = plan(&s)?;
        if matches!(p.status, Status::Optimal | Status::Feasible) {
            let x = new_units(&s, &p)?;
            let e = chipmix::check::evaluate(&s, &x);
            let broken: Vec<String> = e.violations().iter().map(|c| c.message()).collect();
            prop_assert!(
                broken.is_empty(),
                "plan {x:?} breaks {broken:?}\n{}",
                to_yaml(&s)
            );
            if p.status == Status::Optimal {
                // mip_gap is 0: an optimal plan's gap is 0, up to rounding.
                let gap = p.gap.unwrap_or(f64::NAN);
                prop_assert!(gap <= 1e-6, "optimal plan with gap {gap}\n{}", to_yaml(&s));
            }
            for (name, got, want) in [
                ("total_cost", p.total_cost, e.total_cost),
                ("capex", p.capex, e.capex),
                ("adoption", p.adoption, e.adoption),
                ("opex", p.opex, e.opex),
                ("pflops", p.pflops, e.pflops),
            ] {
                let got = got.unwrap_or(f64::NAN);
                prop_assert!(
                    close(got, want),
                    "plan {name} {got}, checker {want}, for {x:?}\n{}",
                    to_yaml(&s)
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(config(500))]

    /// 2. A higher domestic quota (same basis, not strict) is a restriction of a lower one.
    #[test]
    fn raising_the_domestic_quota_never_lowers_the_cost(
        g in arb_min_cost(),
        basis in prop::sample::select(vec!["units", "tflops", "spend"]),
        low in arb_share_min(),
        step in 1u32..=5000,
    ) {
        let high = (low + step).min(10_000);
        prop_assume!(high > low);
        let mut g = g;
        g.share = Some((low, basis, false));
        let lower = scenario(&g);
        g.share = Some((high, basis, false));
        let higher = scenario(&g);
        assert_restriction(
            &format!("domestic share min {} -> {}", low as f64 / 1e4, high as f64 / 1e4),
            &higher,
            &lower,
        )?;
    }
}

proptest! {
    #![proptest_config(config(500))]

    /// 3. A bigger budget (or capex budget) is a relaxation of a smaller one.
    #[test]
    fn raising_a_budget_never_lowers_the_pflops(
        g in arb_gen(Kind::MaxPflops),
        capex in any::<bool>(),
        step_pct in 1i32..=60,
    ) {
        let mut g = g;
        if capex {
            g.capex_pct = Some(g.capex_pct.unwrap_or(30));
        } else {
            g.budget_pct = Some(g.budget_pct.unwrap_or(30));
        }
        let lower = scenario(&g);
        if capex {
            g.capex_pct = g.capex_pct.map(|p| p + step_pct);
        } else {
            g.budget_pct = g.budget_pct.map(|p| p + step_pct);
        }
        let higher = scenario(&g);
        let limit = |s: &Scenario| if capex { s.limits.capex_budget } else { s.limits.budget };
        prop_assume!(limit(&higher) > limit(&lower));
        assert_restriction(
            &format!(
                "{} {:?} -> {:?}",
                if capex { "capex_budget" } else { "budget" },
                limit(&lower),
                limit(&higher)
            ),
            &lower,
            &higher,
        )?;
    }
}

proptest! {
    #![proptest_config(config(500))]

    /// 4. Removing an accelerator with nothing installed is the same as forbidding its
    /// purchase: a restriction. (Its vendor, platform and efficiencies only ever mattered
    /// through its units.)
    #[test]
    fn removing_an_accelerator_never_helps(g in arb_any(), pick in any::<Index>()) {
        let full = scenario(&g);
        let candidates: Vec<usize> = (0..full.accelerators.len())
            .filter(|&i| full.existing_units(i) == 0.0)
            .collect();
        if full.accelerators.len() < 2 || candidates.is_empty() {
            return Ok(());
        }
        let i = candidates[pick.index(candidates.len())];
        let mut fewer = full.clone();
        let gone = fewer.accelerators.remove(i).id;
        fewer.existing.retain(|e| e.id != gone);
        assert_restriction(&format!("without {gone}"), &fewer, &full)?;
    }
}

proptest! {
    #![proptest_config(config(400))]

    /// 5. With no domestic-share, vendor-share or power rule and no opex, installed units
    /// only help: every purchase that was allowed still is, meets the floors (capacity,
    /// workloads, memory) at least as well, and costs the same capex and at most the same
    /// adoption (an installed platform is free). See the tests at the end of the file for
    /// why none of the four conditions can be dropped.
    #[test]
    fn installed_units_never_raise_capex_plus_adoption(
        g in arb_min_cost(),
        pick in any::<Index>(),
        more in 1u64..=8,
    ) {
        let mut before = scenario(&g);
        before.domestic_share = None;
        before.limits.vendor_max_share = None;
        before.limits.power_kw = None;
        before.costs.opex_years = 0.0;
        let mut after = before.clone();
        let id = after.accelerators[pick.index(after.accelerators.len())].id.clone();
        match after.existing.iter_mut().find(|e| e.id == id) {
            Some(e) => e.units += more,
            None => after.existing.push(Existing { id: id.clone(), units: more }),
        }
        let old = optimum(&before)?;
        let new = optimum(&after)?;
        let spend = |p: &Plan| p.capex.unwrap_or(f64::NAN) + p.adoption.unwrap_or(f64::NAN);
        let ok = match (&old, &new) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(o), Some(n)) => spend(n) <= spend(o) + tol(spend(n), spend(o)),
        };
        prop_assert!(
            ok,
            "{more} more installed {id}\n--- before: {} ---\n{}--- after: {} ---\n{}",
            summary(&old),
            to_yaml(&before),
            summary(&new),
            to_yaml(&after)
        );
    }
}

proptest! {
    #![proptest_config(config(500))]

    /// 6. Every integer plan is a continuous plan (the continuous mode keeps minimum orders
    /// and adoption yes/no, and only drops whole lots).
    #[test]
    fn integer_optimum_is_never_better_than_the_continuous_one(g in arb_any()) {
        let mut integer = scenario(&g);
        integer.solver.integer = true;
        let mut continuous = integer.clone();
        continuous.solver.integer = false;
        assert_restriction("integer vs continuous", &integer, &continuous)?;
    }
}

proptest! {
    #![proptest_config(config(300))]

    /// 7. The resolved YAML reads back to a scenario that plans the same.
    #[test]
    fn resolved_yaml_round_trips(g in arb_any()) {
        let s = scenario(&g);
        let first = to_yaml(&s);
        let again = match load_str(&first, "resolved.yaml") {
            Ok(l) => l.scenario.as_single().expect("a section-1 scenario"),
            Err(e) => return Err(TestCaseError::fail(format!(
                "resolved YAML rejected: {e:?}\n{first}"
            ))),
        };
        let second = to_yaml(&again);
        prop_assert_eq!(&first, &second, "to_yaml is not stable");
        let (p1, p2) = (plan(&s)?, plan(&again)?);
        prop_assert_eq!(p1.status, p2.status, "status differs\n{}", first);
        if p1.status.has_plan() {
            prop_assert!(
                close(cost(&p1), cost(&p2)),
                "total_cost {} vs {}\n{}",
                cost(&p1),
                cost(&p2),
                first
            );
        }
        prop_assert_eq!(
            render(&p1, Format::Json),
            render(&p2, Format::Json),
            "JSON plans differ\n{}",
            first
        );
    }
}

proptest! {
    #![proptest_config(config(200))]

    /// 8. Same scenario, same output, byte for byte.
    #[test]
    fn planning_is_deterministic(g in arb_any()) {
        let s = scenario(&g);
        for backend in [Backend::Microlp, Backend::Highs] {
            if !backend.is_built() {
                continue;
            }
            let (p1, p2) = (plan_with(&s, backend)?, plan_with(&s, backend)?);
            for format in [Format::Json, Format::Table] {
                prop_assert_eq!(
                    render(&p1, format),
                    render(&p2, format),
                    "{} gives two different {:?} renderings of\n{}",
                    backend.as_str(),
                    format,
                    to_yaml(&s)
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(config(500))]

    /// 9. microlp and HiGHS find the same optimum (with mip_gap 0 the cheapest of the
    /// largest plans is unique in value, so max_pflops costs agree too).
    #[test]
    fn microlp_and_highs_agree(g in arb_any()) {
        if !Backend::Highs.is_built() {
            return Ok(());
        }
        let s = scenario(&g);
        let micro = optimum_with(&s, Backend::Microlp)?;
        let highs = optimum_with(&s, Backend::Highs)?;
        // Continuous plans are only as exact as the solvers' feasibility tolerances (about
        // 1e-6): HiGHS may return a point that breaks a share rule by 7.5e-7 units, which
        // the checker accepts and which costs 3e-6 (relative) less than the exact optimum.
        let scale = if s.solver.integer { 1.0 } else { 10.0 };
        let near = |a: f64, b: f64| (a - b).abs() <= scale * tol(a, b);
        let same = match (&micro, &highs) {
            (None, None) => true,
            (Some(m), Some(h)) => {
                near(cost(m), cost(h))
                    && (s.objective == Objective::MinCost || near(pflops(m), pflops(h)))
            }
            _ => false,
        };
        prop_assert!(
            same,
            "microlp: {}\nHiGHS: {}\n{}",
            summary(&micro),
            summary(&highs),
            to_yaml(&s)
        );
    }
}

// ---------------------------------------------------------------------------------------
// Why property 5 needs its conditions: "adding installed units never raises the new
// capex" is false. Installed units count toward the domestic share (units and tflops
// bases), vendor shares, facility power and opex, and they make their platform free:
//
// - a domestic quota by units: installed foreign cards must be matched by new domestic
//   ones (first test below); a vendor ceiling works the same way for a vendor's cards;
// - a power limit: installed cards draw power, so cheap power-hungry cards no longer fit
//   and dearer efficient ones must be bought, or nothing fits at all (second test);
// - opex covers the whole fleet, so installed cards raise total_cost by their electricity;
// - a platform made free by an installed card can switch the mix to cards with a higher
//   capex, which now skip the adoption cost (third test): capex rises, capex + adoption
//   does not. That is why property 5 bounds capex + adoption, not capex.
// ---------------------------------------------------------------------------------------

/// The optimal plan of a hand-written scenario (it must be feasible).
fn solved(text: &str) -> Plan {
    let s = load_str(text, "hand.yaml")
        .expect("valid scenario")
        .scenario;
    let p = chipmix::planner::plan(&s, &options(Backend::Microlp)).expect("a plan");
    assert_eq!(p.status, Status::Optimal, "{text}");
    p
}

fn with_existing(text: &str, existing: &str) -> String {
    format!("{text}existing: [{existing}]\n")
}

#[test]
fn installed_foreign_units_raise_domestic_capex_under_a_units_quota() {
    let base = "name: quota
accelerators:
  - {id: dom, vendor: D, origin: domestic, unit_price: 10, tflops: 100}
  - {id: fgn, vendor: F, origin: foreign, unit_price: 5, tflops: 100}
demand: {pflops: 0.2}
policy: {domestic_share: {min: 0.5, basis: units}}
solver: {mip_gap: 0}
";
    // Two cards, at least half domestic: one of each, capex 15.
    let before = solved(base);
    assert_eq!(before.capex, Some(15.0));
    // Four installed foreign cards already meet the demand, but the quota now needs
    // dom >= 0.5 * (dom + 4), i.e. four domestic cards: capex 40.
    let after = solved(&with_existing(base, "{id: fgn, units: 4}"));
    assert_eq!(after.capex, Some(40.0));
    assert_eq!(after.purchases.len(), 1);
    assert_eq!(after.purchases[0].id, "dom");
    assert_eq!(after.purchases[0].units, 4.0);
}

#[test]
fn installed_units_use_up_the_power_limit() {
    let base = "name: power
accelerators:
  - {id: hot, vendor: V, origin: foreign, unit_price: 10, tflops: 100, power_w: 1000}
  - {id: cool, vendor: V, origin: foreign, unit_price: 20, tflops: 100, power_w: 100}
  - {id: old, vendor: V, origin: foreign, unit_price: 10, tflops: 10, power_w: 1000, available: false}
demand: {pflops: 0.3}
limits: {power_kw: 3.5}
solver: {mip_gap: 0}
";
    // Three hot cards: 3 kW, capex 30.
    assert_eq!(solved(base).capex, Some(30.0));
    // One installed old card draws 1 kW and gives 10 TFLOPS; three more cards are still
    // needed, and three hot ones would draw 4 kW: two hot and one cool, capex 40.
    let after = solved(&with_existing(base, "{id: old, units: 1}"));
    assert_eq!(after.capex, Some(40.0));
}

#[test]
fn an_installed_platform_can_raise_capex_but_not_capex_plus_adoption() {
    let base = "name: platform
accelerators:
  - {id: q, vendor: Q, origin: foreign, platform: pq, unit_price: 100, tflops: 100}
  - {id: p, vendor: P, origin: domestic, platform: pp, unit_price: 120, tflops: 100}
demand: {pflops: 1}
costs: {platform_adoption: {pq: 500, pp: 1000}}
solver: {mip_gap: 0}
";
    // Ten q: 1000 + 500 adoption = 1500 (ten p would be 1200 + 1000).
    let before = solved(base);
    assert_eq!((before.capex, before.adoption), (Some(1000.0), Some(500.0)));
    // One installed p makes pp free: nine p cost 1080, nine q 900 + 500 = 1400. Capex goes
    // up from 1000 to 1080; capex + adoption goes down from 1500 to 1080.
    let after = solved(&with_existing(base, "{id: p, units: 1}"));
    assert_eq!((after.capex, after.adoption), (Some(1080.0), Some(0.0)));
}

/// Not a test of chipmix: how often each property compares two plans that differ.
/// `cargo test --test properties -- --ignored --nocapture outcome_mix`
#[test]
#[ignore]
fn outcome_mix() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut tally = std::collections::BTreeMap::<String, u32>::new();
    let mut count = |name: &str, a: &Option<Plan>, b: &Option<Plan>| {
        let key = match (a, b) {
            (None, None) => "both infeasible",
            (Some(_), None) | (None, Some(_)) => "one infeasible",
            (Some(x), Some(y)) if close(cost(x), cost(y)) && close(pflops(x), pflops(y)) => {
                "same optimum"
            }
            _ => "different optima",
        };
        *tally.entry(format!("{name}: {key}")).or_default() += 1;
    };
    let mut tree = |s: BoxedStrategy<Gen>| s.new_tree(&mut runner).unwrap().current();
    for _ in 0..200 {
        let g = tree(arb_min_cost().boxed());
        let mut low = g.clone();
        low.share = Some((3000, "units", false));
        let mut high = g.clone();
        high.share = Some((6000, "units", false));
        count(
            "2 quota",
            &optimum(&scenario(&low)).unwrap(),
            &optimum(&scenario(&high)).unwrap(),
        );
        let mut g = tree(arb_gen(Kind::MaxPflops).boxed());
        g.budget_pct = Some(g.budget_pct.unwrap_or(30));
        let lower = optimum(&scenario(&g)).unwrap();
        g.budget_pct = g.budget_pct.map(|p| p + 20);
        count("3 budget", &lower, &optimum(&scenario(&g)).unwrap());
        let full = scenario(&tree(arb_any().boxed()));
        if full.existing_units(0) == 0.0 {
            let mut fewer = full.clone();
            let gone = fewer.accelerators.remove(0).id;
            fewer.existing.retain(|e| e.id != gone);
            count(
                "4 remove",
                &optimum(&fewer).unwrap(),
                &optimum(&full).unwrap(),
            );
        }
        let mut before = scenario(&tree(arb_min_cost().boxed()));
        before.domestic_share = None;
        before.limits.vendor_max_share = None;
        before.limits.power_kw = None;
        before.costs.opex_years = 0.0;
        let mut after = before.clone();
        let id = after.accelerators[0].id.clone();
        after.existing.retain(|e| e.id != id);
        after.existing.push(Existing { id, units: 4 });
        count(
            "5 existing",
            &optimum(&before).unwrap(),
            &optimum(&after).unwrap(),
        );
        let mut int = scenario(&tree(arb_any().boxed()));
        int.solver.integer = true;
        let mut cont = int.clone();
        cont.solver.integer = false;
        count(
            "6 integer",
            &optimum(&int).unwrap(),
            &optimum(&cont).unwrap(),
        );
    }
    for (k, v) in tally {
        println!("{k}: {v}");
    }
}

// ---------------------------------------------------------------------------------------
// Regression tests: bugs found by the properties above, now fixed.
// ---------------------------------------------------------------------------------------

/// A scenario where nothing can be bought (two foreign cards, and a 1% domestic share by
/// TFLOPS): the only plan is the empty fleet, 0 PFLOPS, and microlp proves it. It used to
/// report `bound` 1.1e-16 and `gap` 1.0 for an `optimal` plan, against the format's "the gap
/// of an optimal plan is at most `mip_gap`" (0 here): the relative gap
/// |0 - 1.1e-16| / 1.1e-16 is 1 without an absolute floor. HiGHS reported bound 0, gap 0.
#[test]
fn optimal_plan_of_nothing_has_gap_zero() {
    let text = "name: gen
objective: max_pflops
accelerators:
- {id: a0, vendor: V0, origin: foreign, unit_price: 10, tflops: 260, max_units: 2, lot_size: 2}
- {id: a1, vendor: V0, origin: foreign, unit_price: 10, tflops: 550, max_units: 1}
policy: {domestic_share: {min: 0.01, basis: tflops}}
limits: {capex_budget: 100}
solver: {integer: false, mip_gap: 0}
";
    let s = load_str(text, "gen.yaml").expect("valid").scenario;
    for backend in [Backend::Microlp, Backend::Highs] {
        if !backend.is_built() {
            continue;
        }
        let p = chipmix::planner::plan(&s, &options(backend)).expect("a plan");
        assert_eq!(p.status, Status::Optimal);
        assert_eq!(p.pflops, Some(0.0));
        assert!(
            p.gap.is_some_and(|g| g <= 1e-9),
            "{}: optimal plan with gap {:?} (bound {:?})",
            backend.as_str(),
            p.gap,
            p.bound
        );
    }
}

/// A max_pflops plan in continuous mode, proven optimal (gap 0, found in milliseconds, far
/// from any time limit), used to come out as `feasible`, which the format reserves for a
/// search stopped by a limit before the proof. The second stage (least cost among the
/// largest plans) found a plan costing 1060.0000000000000, and the planner kept it only if
/// it cost no more than the first stage's 1059.9999999999998: an exact comparison, so
/// 2e-13 of rounding dropped the proof. HiGHS said `optimal` on the same file.
#[test]
fn proven_max_pflops_plan_is_labelled_optimal() {
    let text = "name: gen
objective: max_pflops
accelerators:
- {id: c, vendor: V, origin: foreign, unit_price: 160, tflops: 50}
- {id: a, vendor: V, origin: foreign, unit_price: 200, tflops: 830}
- {id: b, vendor: V, origin: foreign, platform: p, unit_price: 120, tflops: 500, max_units: 4}
limits: {capex_budget: 960}
costs: {platform_adoption: {p: 100}}
solver: {integer: false, mip_gap: 0}
";
    let s = load_str(text, "gen.yaml").expect("valid").scenario;
    for backend in [Backend::Microlp, Backend::Highs] {
        if !backend.is_built() {
            continue;
        }
        let p = chipmix::planner::plan(&s, &options(backend)).expect("a plan");
        // 2.4 a + 4 b: 960 capex + 100 adoption, 3.992 PFLOPS.
        assert!(close(pflops(&p), 3.992), "{}", summary(&Some(p.clone())));
        assert!(close(cost(&p), 1060.0), "{}", summary(&Some(p.clone())));
        assert_eq!(p.gap, Some(0.0));
        assert_eq!(
            p.status,
            Status::Optimal,
            "{}: a proven plan (gap 0) is labelled {:?}",
            backend.as_str(),
            p.status
        );
    }
}
