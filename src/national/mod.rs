//! Planning many sites over many periods (section 2 of the format): build the coupled
//! programme ([`model`]), solve it with the same backends as a single site, check the
//! purchases with the independent checker ([`check`]), and write the plan with its per-site
//! and per-period detail ([`detail`]). An infeasible scenario is explained by
//! [`conflicts`]; when the exact search finds nothing in time, a rounded and repaired
//! relaxation ([`fallback`]) gives a valid plan with the relaxation's bound.

pub mod check;
pub mod conflicts;
pub mod detail;
pub mod fallback;
pub mod model;

use crate::error::PlanError;
use crate::model::Goal;
use crate::plan::{Plan, Status};
use crate::planner::{Budget, Options};
use crate::scenario::Objective;
use crate::scenario::national::National;
use crate::solve::{Backend, Limits, Outcome, solve};
use check::{NationalEvaluation, evaluate_national};
use model::{NationalRequest, build, unflatten};
use std::time::Instant;

/// Seconds spent in each step of one plan (for the benchmarks' breakdown).
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    /// Building the programme(s).
    pub build_s: f64,
    /// Solving.
    pub solve_s: f64,
    /// Checking and writing the plan.
    pub check_s: f64,
}

/// A solution of the national programme, read back as purchases `x[s][t][a]`.
#[derive(Debug, Clone)]
pub struct NationalSolved {
    /// Purchases.
    pub x: Vec<Vec<Vec<f64>>>,
    /// The goal's value (money or PFLOPS).
    pub objective: f64,
    /// Proven bound on it.
    pub bound: Option<f64>,
    /// Whether the search finished within the gap.
    pub proven: bool,
}

/// Result of one solve.
#[derive(Debug, Clone)]
pub enum NationalVariant {
    /// A solution.
    Solved(NationalSolved),
    /// No solution exists.
    Infeasible,
    /// The objective is unbounded.
    Unbounded,
    /// The solver stopped before finding a solution.
    NoSolution(String),
}

/// Builds and solves one variant of the national programme.
pub fn solve_national(
    req: &NationalRequest,
    backend: Backend,
    limits: Limits,
    timings: &mut Timings,
) -> Result<NationalVariant, PlanError> {
    let started = Instant::now();
    let built = build(req);
    timings.build_s += started.elapsed().as_secs_f64();
    let buy = built.buy.clone();
    let unit = built.objective_unit;
    let integer = req.nat.solver.integer && !req.lp_relaxation;
    let (outcome, seconds) = solve(built, backend, limits)?;
    timings.solve_s += seconds;
    Ok(match outcome {
        Outcome::Solved {
            proven,
            values,
            objective,
            bound,
        } => {
            let flat: Vec<f64> = buy
                .iter()
                .map(|b| match b {
                    None => 0.0,
                    Some((var, lot)) => {
                        let v = good_lp::Solution::value(&values, *var);
                        let x = if integer {
                            v.round().max(0.0) * lot
                        } else {
                            (v * lot).max(0.0)
                        };
                        if x.abs() < 1e-9 { 0.0 } else { x }
                    }
                })
                .collect();
            NationalVariant::Solved(NationalSolved {
                x: unflatten(req.nat, &flat),
                objective: objective * unit,
                bound: bound.map(|b| b * unit),
                proven,
            })
        }
        Outcome::Infeasible => NationalVariant::Infeasible,
        Outcome::Unbounded => NationalVariant::Unbounded,
        Outcome::NoSolution(why) => NationalVariant::NoSolution(why),
    })
}

/// Evaluates purchases and refuses any that break a rule.
pub fn checked(nat: &National, x: &[Vec<Vec<f64>>]) -> Result<NationalEvaluation, PlanError> {
    let e = evaluate_national(nat, x);
    let broken: Vec<String> = e
        .violations()
        .iter()
        .take(20)
        .map(|c| format!("- {}", c.message()))
        .collect();
    if broken.is_empty() {
        Ok(e)
    } else {
        Err(PlanError::CheckFailed(broken.join("\n")))
    }
}

/// Plans a many-site / many-period scenario: the checked optimal (or best found)
/// purchases, or why there are none.
pub fn plan(nat: &National, opts: &Options) -> Result<Plan, PlanError> {
    plan_timed(nat, opts).map(|(p, _)| p)
}

/// [`plan`], with the seconds spent building, solving and checking.
pub fn plan_timed(nat: &National, opts: &Options) -> Result<(Plan, Timings), PlanError> {
    let mut timings = Timings::default();
    let budget = Budget::start(
        opts.time_limit_s.unwrap_or(nat.solver.time_limit_s),
        opts.mip_gap.unwrap_or(nat.solver.mip_gap),
    );
    let solver = opts.backend.as_str();
    let mut limits = budget.limits(0.0);
    if nat.objective == Objective::MaxPflops {
        limits.mip_gap /= 10.0;
    }
    let first = match solve_national(
        &NationalRequest::new(nat),
        opts.backend,
        limits,
        &mut timings,
    ) {
        Ok(v) => v,
        Err(PlanError::Solver(msg)) => NationalVariant::NoSolution(msg),
        Err(e) => return Err(e),
    };
    let plan = match first {
        NationalVariant::Solved(sol) => {
            let finished = match nat.objective {
                Objective::MinCost => finish_min_cost(nat, &sol, solver, &mut timings),
                Objective::MaxPflops => {
                    finish_max_pflops(nat, sol, opts.backend, &budget, &mut timings)
                }
            };
            match finished {
                Err(PlanError::CheckFailed(broken)) => fallback::plan(
                    nat,
                    opts.backend,
                    &budget,
                    format!(
                        "the solver's plan broke a rule of the scenario (a numerical slip) and was discarded:\n{broken}\n"
                    ),
                    &mut timings,
                )?,
                other => other?,
            }
        }
        NationalVariant::Infeasible => {
            let mut p = detail::without_purchases(nat, Status::Infeasible, solver);
            p.conflicts = conflicts::find(nat, opts.backend, &budget)?;
            p
        }
        NationalVariant::Unbounded => {
            let mut p = detail::without_purchases(nat, Status::Unbounded, solver);
            p.message = Some("the objective can grow without end".into());
            p
        }
        NationalVariant::NoSolution(why) => {
            let why = if why.contains("time limit") {
                format!("{why} (time limit {} s)", budget.seconds)
            } else {
                why
            };
            fallback::plan(nat, opts.backend, &budget, why, &mut timings)?
        }
    };
    Ok((plan, timings))
}

fn finish_min_cost(
    nat: &National,
    sol: &NationalSolved,
    solver: &str,
    timings: &mut Timings,
) -> Result<Plan, PlanError> {
    let started = Instant::now();
    let e = checked(nat, &sol.x)?;
    let status = if sol.proven {
        Status::Optimal
    } else {
        Status::Feasible
    };
    let mut plan = detail::from_evaluation(nat, &e, status, solver);
    let bound = sol
        .bound
        .unwrap_or(if sol.proven { e.total_cost } else { 0.0 })
        .min(e.total_cost);
    plan.bound = Some(crate::planner::snap(e.total_cost, bound));
    plan.gap = Some(crate::planner::relative_gap(e.total_cost, bound));
    timings.check_s += started.elapsed().as_secs_f64();
    Ok(plan)
}

fn finish_max_pflops(
    nat: &National,
    first: NationalSolved,
    backend: Backend,
    budget: &Budget,
    timings: &mut Timings,
) -> Result<Plan, PlanError> {
    let e1 = checked(nat, &first.x)?;
    let best = detail::final_pflops(&e1);
    let upper = first
        .bound
        .unwrap_or(if first.proven { best } else { f64::INFINITY })
        .max(best);
    let reference = if upper.is_finite() { upper } else { best };
    let floor = (reference * (1.0 - budget.mip_gap)).min(best) - 1e-9 * best.max(1.0);
    let mut req = NationalRequest::new(nat);
    req.goal = Goal::MinCostWithPflops(floor);
    let (e, proven) = match solve_national(&req, backend, budget.limits(1.0), timings)? {
        NationalVariant::Solved(second) => match checked(nat, &second.x) {
            Ok(e2) if e2.total_cost <= e1.total_cost + 1e-9 * e1.total_cost.abs().max(1.0) => {
                (e2, first.proven && second.proven)
            }
            Ok(_) => (e1, first.proven && second.proven),
            Err(_) => (e1, false),
        },
        _ => (e1, false),
    };
    let status = if proven {
        Status::Optimal
    } else {
        Status::Feasible
    };
    let mut plan = detail::from_evaluation(nat, &e, status, backend.as_str());
    let pflops = detail::final_pflops(&e);
    if upper.is_finite() {
        plan.bound = Some(crate::planner::snap(pflops, upper));
        plan.gap = Some(crate::planner::relative_gap(pflops, upper));
    }
    Ok(plan)
}
