//! From scenario to checked plan: builds the model, runs the solver (two stages for
//! max_pflops), reads the purchases back, re-checks them with the independent checker,
//! falls back to a rounded LP plan when the exact search finds nothing in time, and asks
//! the conflict analysis why when the scenario is infeasible.

use crate::check::{Evaluation, evaluate};
use crate::error::PlanError;
use crate::explain::conflicts;
use crate::model::{Goal, Request, UNIT_CAP, build};
pub use crate::plan::relative_gap;
use crate::plan::{Plan, Status};
use crate::scenario::{Objective, Scenario};
use crate::solve::{Backend, Limits, Outcome, solve};
use std::time::{Duration, Instant};

/// How to solve.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Solver backend.
    pub backend: Backend,
    /// Overrides `solver.time_limit_s`.
    pub time_limit_s: Option<f64>,
    /// Overrides `solver.mip_gap`.
    pub mip_gap: Option<f64>,
    /// How a national (many-site) min-cost plan is searched.
    pub strategy: Strategy,
    /// Receives progress reports during long national searches (bound, best plan,
    /// elapsed time); `None`: quiet.
    pub progress: Option<crate::national::decompose::Reporter>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            backend: Backend::Microlp,
            time_limit_s: None,
            mip_gap: None,
            strategy: Strategy::Auto,
            progress: None,
        }
    }
}

/// How a national min-cost plan is searched (single-site plans are always solved
/// directly).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// Decomposition for min-cost national plans with whole lots, the direct model
    /// otherwise.
    #[default]
    Auto,
    /// The whole programme handed to the solver as one model.
    Direct,
    /// Search over the adopted-platform sets, Lagrangian decomposition by site of each
    /// promising set (for the bound and plans), then the exact search per set with the
    /// time left.
    Decompose,
}

impl Strategy {
    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Auto => "auto",
            Strategy::Direct => "direct",
            Strategy::Decompose => "decompose",
        }
    }
}

/// A wall-clock budget shared by the solves of one plan.
///
/// The plan must be ready within `seconds` plus a slack of 10% (at least one second):
/// searches aim at `seconds` (the soft end) and every step stops by [`Budget::end`] (the
/// soft end plus [`END_SHARE`] of the slack), so that the rest is left to check and write
/// the plan found, and to free what the search built.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    started: Instant,
    /// Total seconds.
    pub seconds: f64,
    /// Relative MIP gap.
    pub mip_gap: f64,
}

/// Share of the slack the search may use past the time limit (see [`Budget`]). Measured on
/// 1,000 accelerators x 1,000 sites (release): the plan is written 0.2 s after the search
/// stops, and the process has freed its 1.3 GB 0.2 s later.
pub const END_SHARE: f64 = 0.4;

/// Seconds a plan may take beyond its time limit of `seconds`: 10%, at least one second.
pub fn slack(seconds: f64) -> f64 {
    (seconds * 0.1).max(1.0)
}

impl Budget {
    /// Starts a budget now.
    pub fn start(seconds: f64, mip_gap: f64) -> Budget {
        Budget {
            started: Instant::now(),
            seconds,
            mip_gap,
        }
    }

    /// Seconds left.
    pub fn left(&self) -> f64 {
        (self.seconds - self.started.elapsed().as_secs_f64()).max(0.0)
    }

    /// The moment every step of the search must have stopped by: the time limit plus
    /// [`END_SHARE`] of its slack. `None` when that is too far to represent (a limit of
    /// centuries).
    pub fn end(&self) -> Option<Instant> {
        let s = self.seconds + slack(self.seconds) * END_SHARE;
        self.started
            .checked_add(Duration::try_from_secs_f64(s).ok()?)
    }

    /// Whether [`Budget::end`] has passed.
    pub fn expired(&self) -> bool {
        self.end().is_some_and(|e| Instant::now() >= e)
    }

    /// Limits for the next solve: what is left, at least `floor` seconds, and never
    /// past [`Budget::end`].
    pub fn limits(&self, floor: f64) -> Limits {
        Limits {
            time_limit_s: self.left().max(floor),
            mip_gap: self.mip_gap,
            deadline: self.end(),
        }
    }
}

/// A solved variant of the model, with its purchases read back.
#[derive(Debug, Clone)]
pub struct Solved {
    /// New units per accelerator.
    pub units: Vec<f64>,
    /// The goal's value, in its own unit (money, PFLOPS, kW, fraction, units).
    pub objective: f64,
    /// Proven bound on the goal, same unit.
    pub bound: Option<f64>,
    /// Whether the search finished (within the gap).
    pub proven: bool,
}

/// Result of one solve of a model variant.
#[derive(Debug, Clone)]
pub enum Variant {
    /// A solution.
    Solved(Solved),
    /// No solution exists.
    Infeasible,
    /// The objective is unbounded.
    Unbounded,
    /// The solver stopped before finding a solution.
    NoSolution(String),
}

/// Builds and solves one model variant.
pub fn solve_variant(
    req: &Request,
    backend: Backend,
    limits: Limits,
) -> Result<Variant, PlanError> {
    let built = build(req);
    let buy = built.buy.clone();
    let unit = built.objective_unit;
    let integer = req.scenario.solver.integer && !req.lp_relaxation;
    let (outcome, _) = solve(built, backend, limits)?;
    Ok(match outcome {
        Outcome::Solved {
            proven,
            values,
            objective,
            bound,
            ..
        } => {
            let units = buy
                .iter()
                .zip(&req.scenario.accelerators)
                .map(|(b, a)| match b {
                    None => 0.0,
                    Some((var, lot)) => {
                        let v = good_lp::Solution::value(&values, *var);
                        let x = if integer {
                            v.round().max(0.0) * lot
                        } else {
                            (v * lot).max(0.0)
                        };
                        let x = if x.abs() < 1e-9 { 0.0 } else { x };
                        match (integer, a.max_units) {
                            (false, Some(m)) => x.min(m as f64),
                            _ => x,
                        }
                    }
                })
                .collect();
            Variant::Solved(Solved {
                units,
                objective: objective * unit,
                bound: bound.map(|b| b * unit),
                proven,
            })
        }
        Outcome::Infeasible => Variant::Infeasible,
        Outcome::Unbounded => Variant::Unbounded,
        Outcome::NoSolution(why) => Variant::NoSolution(why),
    })
}

/// Plans a scenario of either kind (one site and period, or sites and periods).
pub fn plan_validated(v: &crate::scenario::Validated, opts: &Options) -> Result<Plan, PlanError> {
    match v {
        crate::scenario::Validated::Single(s) => plan(s, opts),
        crate::scenario::Validated::National(n) => crate::national::plan(n, opts),
    }
}

/// Plans `s`: the checked optimal (or best found) purchases, or why there are none.
pub fn plan(s: &Scenario, opts: &Options) -> Result<Plan, PlanError> {
    plan_inner(s, opts, true)
}

/// Plans `s` like [`plan`], but an infeasible scenario comes back without the conflict
/// analysis: for the many what-if solves of an explanation, which only need the status.
pub fn plan_quiet(s: &Scenario, opts: &Options) -> Result<Plan, PlanError> {
    plan_inner(s, opts, false)
}

fn plan_inner(s: &Scenario, opts: &Options, analyse: bool) -> Result<Plan, PlanError> {
    let budget = Budget::start(
        opts.time_limit_s.unwrap_or(s.solver.time_limit_s),
        opts.mip_gap.unwrap_or(s.solver.mip_gap),
    );
    let solver = opts.backend.as_str();
    let mut limits = budget.limits(0.0);
    if s.objective == Objective::MaxPflops {
        // The first stage is solved ten times tighter, so that the second stage's floor
        // (a fraction of the proven bound) leaves the final plan within the requested gap.
        limits.mip_gap /= 10.0;
    }
    let first = match solve_variant(&Request::new(s), opts.backend, limits) {
        Ok(v) => v,
        // A numerical failure of the exact search: the rounded relaxation may still serve.
        Err(PlanError::Solver(msg)) => Variant::NoSolution(msg),
        Err(e) => return Err(e),
    };
    let mut plan = match first {
        Variant::Solved(sol) => {
            let finished = match s.objective {
                Objective::MinCost => finish_min_cost(s, &sol, solver),
                Objective::MaxPflops => finish_max_pflops(s, sol, opts.backend, &budget),
            };
            match finished {
                // Never print a plan that breaks a rule; the repaired relaxation, checked
                // in turn, may still give a valid one.
                Err(PlanError::CheckFailed(broken)) => fallback(
                    s,
                    opts.backend,
                    &budget,
                    format!(
                        "the solver's plan broke a rule of the scenario (a numerical slip) and was discarded:\n{broken}\n"
                    ),
                )?,
                other => other?,
            }
        }
        Variant::Infeasible => {
            let mut p = Plan::without_purchases(s, Status::Infeasible, solver);
            if analyse {
                p.conflicts = conflicts::find(s, opts.backend, &budget)?;
            }
            p
        }
        Variant::Unbounded => {
            let mut p = Plan::without_purchases(s, Status::Unbounded, solver);
            p.message = Some("the objective can grow without end".into());
            p
        }
        Variant::NoSolution(why) => {
            let why = if why.contains("time limit") {
                format!("{why} (time limit {} s)", budget.seconds)
            } else {
                why
            };
            fallback(s, opts.backend, &budget, why)?
        }
    };
    if plan.status.has_plan()
        && s.objective == Objective::MaxPflops
        && let Some(p) = unbounded_pflops(s, &plan)
    {
        plan = p;
    }
    Ok(finite(plan))
}

/// The last step of every plan, single-site or national: a plan whose figures are not all
/// finite numbers (an overflow the validation did not foresee) is never returned as
/// optimal or feasible; it becomes an `error` plan that says which figure, without its
/// purchases.
pub fn finite(plan: Plan) -> Plan {
    if !plan.status.has_plan() {
        return plan;
    }
    let Some(figure) = plan.non_finite() else {
        return plan;
    };
    let mut out = Plan::blank(
        &plan.scenario,
        if plan.maximises_pflops() {
            Objective::MaxPflops
        } else {
            Objective::MinCost
        },
        &plan.currency,
        Status::Error,
        &plan.solver,
    );
    out.context = plan.context;
    out.warnings = plan.warnings;
    out.message = Some(format!(
        "the plan's {figure} is not a finite number: the scenario's figures are too large to compute with; keep every price, budget and product of them below {} (see the scenario format, \"Magnitudes\")",
        crate::scenario::validate::show(crate::scenario::magnitude::MAX_FIGURE)
    ));
    out
}

/// Evaluates purchases and refuses any that break a rule.
fn checked(s: &Scenario, units: &[f64]) -> Result<Evaluation, PlanError> {
    let e = evaluate(s, units);
    let broken: Vec<String> = e
        .violations()
        .iter()
        .map(|c| format!("- {}", c.message()))
        .collect();
    if broken.is_empty() {
        Ok(e)
    } else {
        Err(PlanError::CheckFailed(broken.join("\n")))
    }
}

/// A bound within rounding noise of the value is the value.
pub fn snap(value: f64, bound: f64) -> f64 {
    if relative_gap(value, bound) == 0.0 {
        value
    } else {
        bound
    }
}

fn finish_min_cost(s: &Scenario, sol: &Solved, solver: &str) -> Result<Plan, PlanError> {
    let e = checked(s, &sol.units)?;
    let status = if sol.proven {
        Status::Optimal
    } else {
        Status::Feasible
    };
    let mut plan = Plan::from_evaluation(s, &e, status, solver);
    let bound = sol
        .bound
        .unwrap_or(if sol.proven { e.total_cost } else { 0.0 })
        .min(e.total_cost);
    plan.bound = Some(snap(e.total_cost, bound));
    plan.gap = Some(relative_gap(e.total_cost, bound));
    Ok(plan)
}

fn finish_max_pflops(
    s: &Scenario,
    first: Solved,
    backend: Backend,
    budget: &Budget,
) -> Result<Plan, PlanError> {
    let e1 = checked(s, &first.units)?;
    let best = e1.pflops;
    let (upper, floor) = pflops_floor(first.bound, first.proven, best, budget.mip_gap);
    let mut req = Request::new(s);
    req.goal = Goal::MinCostWithPflops(floor);
    let second = match solve_variant(&req, backend, budget.limits(1.0))? {
        Variant::Solved(second) => Some((checked(s, &second.units), second.proven)),
        _ => None,
    };
    let (e, proven) = keep_cheaper(e1, first.proven, second, |e| e.total_cost);
    let status = if proven {
        Status::Optimal
    } else {
        Status::Feasible
    };
    let mut plan = Plan::from_evaluation(s, &e, status, backend.as_str());
    if upper.is_finite() {
        plan.bound = Some(snap(e.pflops, upper));
        plan.gap = Some(relative_gap(e.pflops, upper));
    }
    Ok(plan)
}

/// The max_pflops plan: the second stage's (checked evaluation, whether proven) is kept
/// unless it costs more than the first (beyond rounding): then the first is as cheap as
/// any, and just as proven. Without a valid second stage, the first is not proven cheapest.
pub fn keep_cheaper<E>(
    first: E,
    first_proven: bool,
    second: Option<(Result<E, PlanError>, bool)>,
    cost: impl Fn(&E) -> f64,
) -> (E, bool) {
    match second {
        Some((Ok(e2), proven)) => {
            let c1 = cost(&first);
            if cost(&e2) <= c1 + 1e-9 * c1.abs().max(1.0) {
                (e2, first_proven && proven)
            } else {
                (first, first_proven && proven)
            }
        }
        _ => (first, false),
    }
}

/// The first stage of max_pflops gave `best` PFLOPS with solver bound `bound`: the proven
/// upper bound (infinite when none), and the PFLOPS floor of the second stage, which seeks
/// the least cost among plans within the gap of that maximum (the first plan qualifies,
/// since it is within a tenth of the gap).
pub fn pflops_floor(bound: Option<f64>, proven: bool, best: f64, mip_gap: f64) -> (f64, f64) {
    let upper = bound
        .unwrap_or(if proven { best } else { f64::INFINITY })
        .max(best);
    let reference = if upper.is_finite() { upper } else { best };
    let floor = (reference * (1.0 - mip_gap)).min(best) - 1e-9 * best.max(1.0);
    (upper, floor)
}

/// max_pflops plans that reach the modelling cap of an accelerator that nothing else
/// limits are unbounded in truth.
fn unbounded_pflops(s: &Scenario, plan: &Plan) -> Option<Plan> {
    let hit = plan.purchases.iter().find(|p| {
        let a = &s.accelerators[s.index_of(&p.id).unwrap_or(0)];
        a.max_units.is_none() && p.units >= UNIT_CAP - a.lot_size as f64
    })?;
    let mut out = Plan::without_purchases(s, Status::Unbounded, &plan.solver);
    out.message = Some(format!(
        "PFLOPS can grow without end: nothing limits how many {} are bought (it costs nothing within the budgets); give it a unit_price, a max_units or a power limit",
        hit.id
    ));
    Some(out)
}

/// When the exact search found nothing in time: round the LP relaxation to whole lots and
/// keep the result if the checker accepts it, with the LP bound and an honest status.
fn fallback(
    s: &Scenario,
    backend: Backend,
    budget: &Budget,
    why: String,
) -> Result<Plan, PlanError> {
    let mut req = Request::new(s);
    req.lp_relaxation = true;
    let lp = match solve_variant(&req, backend, budget.limits(5.0))? {
        Variant::Solved(sol) => sol,
        Variant::Infeasible => {
            let mut p = Plan::without_purchases(s, Status::Infeasible, backend.as_str());
            p.conflicts = conflicts::find(s, backend, budget)?;
            return Ok(p);
        }
        _ => return Ok(no_plan(s, backend, why)),
    };
    let round = |up: bool| -> Vec<f64> {
        s.accelerators
            .iter()
            .zip(&lp.units)
            .map(|(a, &x)| {
                if !s.solver.integer {
                    return x;
                }
                let lot = a.lot_size as f64;
                let mut k = if up {
                    (x / lot - 1e-9).ceil()
                } else {
                    (x / lot + 1e-9).floor()
                };
                if let Some(min) = a.min_units
                    && k > 0.0
                    && k * lot < min as f64
                {
                    k = if up { (min as f64 / lot).ceil() } else { 0.0 };
                }
                if let Some(m) = a.max_units {
                    k = k.min((m as f64 / lot).floor());
                }
                k.max(0.0) * lot
            })
            .collect()
    };
    let candidates: Vec<Evaluation> = [true, false]
        .into_iter()
        .filter_map(|up| repair(s, round(up)))
        .collect();
    let better = |a: &Evaluation, b: &Evaluation| match s.objective {
        Objective::MinCost => a.total_cost.total_cmp(&b.total_cost),
        Objective::MaxPflops => b.pflops.total_cmp(&a.pflops),
    };
    let Some(e) = candidates.into_iter().min_by(better) else {
        return Ok(no_plan(s, backend, why));
    };
    let mut plan = Plan::from_evaluation(s, &e, Status::Feasible, backend.as_str());
    let (value, bound) = match s.objective {
        Objective::MinCost => (e.total_cost, lp.objective.min(e.total_cost)),
        Objective::MaxPflops => (e.pflops, lp.objective.max(e.pflops)),
    };
    plan.bound = Some(snap(value, bound));
    plan.gap = Some(relative_gap(value, bound));
    plan.warnings.push(format!(
        "{why}; this plan rounds the continuous relaxation to whole lots, and the bound is the relaxation's"
    ));
    Ok(plan)
}

/// Most lots the repair adds before giving up.
const REPAIR_STEPS: usize = 10_000;

/// Greedy repair of a rounded plan: while a floor (demand, memory, domestic share, vendor
/// share) is broken, add one lot of the cheapest accelerator that helps it. Ceilings
/// (budgets, power, caps) are never repaired: the attempt then fails. Returns the plan's
/// evaluation when it ends valid.
fn repair(s: &Scenario, mut x: Vec<f64>) -> Option<Evaluation> {
    let accs = &s.accelerators;
    let room = |x: &[f64], i: usize| {
        let a = &accs[i];
        a.available
            && a.max_units
                .is_none_or(|m| x[i] + a.lot_size as f64 <= m as f64)
    };
    for _ in 0..REPAIR_STEPS {
        let e = evaluate(s, &x);
        let Some(broken) = e.violations().first().map(|c| c.family.clone()) else {
            return Some(e);
        };
        // Which accelerators help, and how much each lot helps (per unit of price).
        let helps = |i: usize| -> f64 {
            let a = &accs[i];
            match broken.as_str() {
                "demand" => a.tflops,
                "memory" => a.memory_gb,
                "domestic_share" if a.origin == crate::scenario::Origin::Domestic => 1.0,
                v if v
                    .strip_prefix("vendor_share:")
                    .is_some_and(|name| name != a.vendor) =>
                {
                    1.0
                }
                _ => 0.0,
            }
        };
        let pick = (0..accs.len())
            .filter(|&i| room(&x, i) && helps(i) > 0.0)
            .min_by(|&i, &j| {
                let ci = accs[i].unit_price / helps(i);
                let cj = accs[j].unit_price / helps(j);
                ci.total_cmp(&cj).then(i.cmp(&j))
            })?;
        let lot = if s.solver.integer {
            accs[pick].lot_size as f64
        } else {
            1.0
        };
        x[pick] = (x[pick] + lot).max(accs[pick].min_units.unwrap_or(0) as f64);
        if s.solver.integer {
            x[pick] = (x[pick] / lot).ceil() * lot;
        }
    }
    None
}

fn no_plan(s: &Scenario, backend: Backend, why: String) -> Plan {
    let mut p = Plan::without_purchases(s, Status::Error, backend.as_str());
    p.message = Some(format!(
        "{why}, and rounding the continuous relaxation gave no valid plan; raise solver.time_limit_s (or --time-limit) or try --solver highs"
    ));
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn optimal_with(set: impl Fn(&mut Plan)) -> Plan {
        let mut p = Plan::blank("x", Objective::MinCost, "USD", Status::Optimal, "microlp");
        p.total_cost = Some(100.0);
        p.gap = Some(0.0);
        set(&mut p);
        p
    }

    /// Regression (issue 21): `unit_price: 1e308` gave `status optimal | gap NaN%` with a
    /// cost of `inf`. Validation now refuses such inputs; this is the backstop behind it.
    #[test]
    fn a_plan_with_a_non_finite_figure_is_never_optimal() {
        for (what, p) in [
            (
                "total_cost",
                optimal_with(|p| p.total_cost = Some(f64::INFINITY)),
            ),
            ("gap", optimal_with(|p| p.gap = Some(f64::NAN))),
            ("pflops", optimal_with(|p| p.pflops = Some(f64::NAN))),
        ] {
            let out = finite(p);
            assert_eq!(out.status, Status::Error, "{what}");
            assert_eq!(out.exit_code(), 1, "{what}");
            assert!(
                out.total_cost.is_none() && out.purchases.is_empty(),
                "{what}"
            );
            let message = out.message.unwrap_or_default();
            assert!(message.contains(what), "{what}: {message}");
        }
        let fine = finite(optimal_with(|_| {}));
        assert_eq!(fine.status, Status::Optimal);
    }
}
