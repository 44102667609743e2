//! Planning many sites over many periods (section 2 of the format): build the coupled
//! programme ([`model`]), solve it with the same backends as a single site, check the
//! purchases with the independent checker ([`check`]), and write the plan with its per-site
//! and per-period detail ([`detail`]). An infeasible scenario is explained by
//! [`conflicts`].
//!
//! A min-cost plan is searched in two steps: first a plan rounded from the continuous
//! relaxation ([`rounding`], at most a third of the time limit), which also gives a proven
//! bound; then the exact search, with the time left. The cheaper checked plan is kept, with
//! the better of the two bounds, so a valid plan with an honest gap comes back even when
//! the exact search cannot finish.

// Indices s (site), t (period) and a (accelerator) address several arrays at once
// (x[s][t][a], prices[a][t], ...): range loops say so more plainly than iterators.
#![allow(clippy::needless_range_loop)]

pub mod check;
pub mod conflicts;
pub mod detail;
pub mod model;
pub mod rounding;

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
    /// Rounding, repairing and trimming relaxations into plans (each candidate checked).
    pub round_s: f64,
    /// Checking the final plan and writing it.
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

/// What the continuous relaxation (every integrality dropped: lots, platform adoption and
/// minimum orders) says: a bound on the objective, not a plan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Relaxation {
    /// The relaxation's optimum: a lower bound on the cost (upper on PFLOPS for max_pflops).
    Bound(f64),
    /// The relaxation has no solution, so neither has the scenario.
    Infeasible,
    /// The relaxation is unbounded.
    Unbounded,
    /// The solver stopped before solving it.
    Stopped,
}

/// Solves the continuous relaxation of `nat`.
pub fn relaxation(
    nat: &National,
    opts: &Options,
    timings: &mut Timings,
) -> Result<Relaxation, PlanError> {
    let mut req = NationalRequest::new(nat);
    req.lp_relaxation = true;
    let limits = Limits {
        time_limit_s: opts.time_limit_s.unwrap_or(nat.solver.time_limit_s),
        mip_gap: 0.0,
    };
    Ok(match solve_national(&req, opts.backend, limits, timings)? {
        NationalVariant::Solved(s) if s.proven => Relaxation::Bound(s.objective),
        NationalVariant::Solved(_) | NationalVariant::NoSolution(_) => Relaxation::Stopped,
        NationalVariant::Infeasible => Relaxation::Infeasible,
        NationalVariant::Unbounded => Relaxation::Unbounded,
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
    if nat.objective == Objective::MinCost {
        return min_cost(nat, opts.backend, &budget, &mut timings).map(|p| (p, timings));
    }
    // max_pflops: the first stage is solved ten times tighter (see `planner::pflops_floor`).
    let mut limits = budget.limits(0.0);
    limits.mip_gap /= 10.0;
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
            match finish_max_pflops(nat, sol, opts.backend, &budget, &mut timings) {
                Err(PlanError::CheckFailed(broken)) => rounding::plan(
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
        NationalVariant::Infeasible => conflicts::infeasible_plan(nat, opts.backend, &budget)?,
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
            rounding::plan(nat, opts.backend, &budget, why, &mut timings)?
        }
    };
    Ok((plan, timings))
}

/// Share of the time limit the relaxation-based plan may use before the exact search.
const ROUNDING_SHARE: f64 = 1.0 / 3.0;

/// Most purchase decisions (sites x periods x accelerators) for which microlp's exact
/// search is run after the relaxation-based plan. Beyond it, microlp's branch and bound
/// finds no plan in minutes while its memory grows by gigabytes (measured: the national
/// sample's 162 decisions, no plan in 40 s, even with adoption fixed; 325 decisions, none
/// in 40 s, 0.9 GB; 3,250 decisions, 2.2 GB).
pub const MICROLP_EXACT_SLOTS: usize = 100;

/// A min-cost plan: the rounded relaxation (with its search over platform sets), then the
/// exact search with the time left, and the cheapest checked plan with the best bound.
///
/// When the platform sets were searched one by one, the exact search runs per set, the
/// most promising (least bound) first, with adoption fixed: a much smaller problem than
/// deciding adoption too. A set whose bound reaches the best plan (within the gap) needs no
/// search. The final bound is the least over all sets of each one's proven bound.
fn min_cost(
    nat: &National,
    backend: Backend,
    budget: &Budget,
    timings: &mut Timings,
) -> Result<Plan, PlanError> {
    let solver = backend.as_str();
    let slots = nat.sites.len() * nat.periods() * nat.accelerators.len();
    let exact_search = backend != Backend::Microlp || slots <= MICROLP_EXACT_SLOTS;
    let share = if exact_search { ROUNDING_SHARE } else { 1.0 };
    let rounded = rounding::heuristic(nat, backend, budget.seconds * share, timings)?;
    let (mut best, relaxation_bound, mut sets) = match rounded {
        rounding::Heuristic::Infeasible => return conflicts::infeasible_plan(nat, backend, budget),
        rounding::Heuristic::Found(e, b, sets) => (*e, b, sets),
    };
    let mut notes = Vec::new();
    let mut from_search = false;
    let mut searched_bound: Option<f64> = None;
    let mut proven_whole = false;
    let cost = |e: &Option<NationalEvaluation>| e.as_ref().map_or(f64::INFINITY, |e| e.total_cost);
    let within_gap = |bound: f64, value: f64| {
        value.is_finite() && crate::planner::relative_gap(value, bound.min(value)) <= budget.mip_gap
    };
    if !exact_search {
        notes.push(format!(
            "microlp's exact search is not run on models of more than {MICROLP_EXACT_SLOTS} purchase decisions (this one has {slots}): it cannot finish and its memory grows without bound; --solver highs searches them"
        ));
    } else if !sets.is_empty() {
        // Exact search per platform set, least bound first.
        sets.sort_by(|a, b| a.bound.total_cmp(&b.bound));
        for set in sets.iter_mut() {
            if within_gap(set.bound, cost(&best)) || set.bound >= cost(&best) {
                break;
            }
            if budget.left() < 0.5 {
                notes.push("the time limit stopped the exact search over platform sets".into());
                break;
            }
            let mut req = NationalRequest::new(nat);
            req.platforms = Some(set.platforms.clone());
            match exact(&req, backend, budget, timings, &mut notes)? {
                Exact::Plan(e, bound, _) => {
                    set.bound = set.bound.max(bound.min(e.total_cost));
                    if e.total_cost < cost(&best) {
                        best = Some(e);
                        from_search = true;
                    }
                }
                Exact::Infeasible => set.bound = f64::INFINITY,
                Exact::Nothing(Some(b)) => set.bound = set.bound.max(b),
                Exact::Nothing(None) => {}
            }
        }
        let least = sets.iter().map(|s| s.bound).fold(f64::INFINITY, f64::min);
        searched_bound = Some(least);
    } else {
        match exact(&NationalRequest::new(nat), backend, budget, timings, &mut notes)? {
            Exact::Plan(e, bound, proven) => {
                searched_bound = Some(bound);
                proven_whole = proven;
                if e.total_cost <= cost(&best) {
                    best = Some(e);
                    from_search = true;
                }
            }
            Exact::Infeasible if best.is_none() => {
                return conflicts::infeasible_plan(nat, backend, budget);
            }
            Exact::Infeasible => notes.push("the exact search called the scenario infeasible, but the rounded relaxation gives a plan that passes every check; that plan is shown".into()),
            Exact::Nothing(b) => searched_bound = b,
        }
    }
    let started = Instant::now();
    if best.is_none() && !sets.is_empty() && sets.iter().all(|s| s.bound == f64::INFINITY) {
        // No set of platforms admits a plan: the scenario is infeasible.
        return conflicts::infeasible_plan(nat, backend, budget);
    }
    let Some(e) = best else {
        let mut p = detail::without_purchases(nat, Status::Error, solver);
        p.message = Some(format!(
            "no plan was found within the time limit ({} s): {}; raise solver.time_limit_s (or --time-limit) or try --solver highs",
            budget.seconds,
            notes.join("; ")
        ));
        return Ok(p);
    };
    let bound = [searched_bound, relaxation_bound]
        .into_iter()
        .flatten()
        .filter(|b| b.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    let bound = if bound.is_finite() {
        bound.min(e.total_cost)
    } else {
        0.0
    };
    let gap = crate::planner::relative_gap(e.total_cost, bound);
    let optimal = (proven_whole && from_search) || gap <= budget.mip_gap + 1e-12;
    let status = if optimal {
        Status::Optimal
    } else {
        Status::Feasible
    };
    let mut plan = detail::from_evaluation(nat, &e, status, solver);
    plan.bound = Some(crate::planner::snap(e.total_cost, bound));
    plan.gap = Some(gap);
    if !from_search {
        notes.push("this plan rounds the continuous relaxation to whole lots and repairs it; the exact search found none as cheap within the time limit".into());
    }
    if !optimal {
        plan.warnings.extend(notes);
    }
    timings.check_s += started.elapsed().as_secs_f64();
    Ok(plan)
}

/// What one exact search gave.
enum Exact {
    /// A checked plan, the proven bound, and whether the search finished.
    Plan(NationalEvaluation, f64, bool),
    /// No plan exists.
    Infeasible,
    /// No plan found; the bound when the solver had one.
    Nothing(Option<f64>),
}

/// Runs the exact search of `req` with the time left.
fn exact(
    req: &NationalRequest,
    backend: Backend,
    budget: &Budget,
    timings: &mut Timings,
    notes: &mut Vec<String>,
) -> Result<Exact, PlanError> {
    let outcome = match solve_national(req, backend, budget.limits(0.5), timings) {
        Ok(v) => v,
        Err(PlanError::Solver(msg)) => NationalVariant::NoSolution(msg),
        Err(e) => return Err(e),
    };
    Ok(match outcome {
        NationalVariant::Solved(sol) => {
            let started = Instant::now();
            let checked = checked(req.nat, &sol.x);
            timings.check_s += started.elapsed().as_secs_f64();
            match checked {
                Ok(e) => {
                    let bound = sol
                        .bound
                        .unwrap_or(if sol.proven { e.total_cost } else { 0.0 });
                    Exact::Plan(e, bound, sol.proven)
                }
                Err(PlanError::CheckFailed(broken)) => {
                    notes.push(format!(
                        "the exact search's plan broke a rule of the scenario (a numerical slip) and was discarded:\n{broken}"
                    ));
                    Exact::Nothing(None)
                }
                Err(e) => return Err(e),
            }
        }
        NationalVariant::Infeasible => Exact::Infeasible,
        NationalVariant::Unbounded => Exact::Nothing(None),
        NationalVariant::NoSolution(why) => {
            notes.push(format!("the exact search found no plan: {why}"));
            Exact::Nothing(None)
        }
    })
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
    let (upper, floor) =
        crate::planner::pflops_floor(first.bound, first.proven, best, budget.mip_gap);
    let mut req = NationalRequest::new(nat);
    req.goal = Goal::MinCostWithPflops(floor);
    let second = match solve_national(&req, backend, budget.limits(1.0), timings)? {
        NationalVariant::Solved(second) => Some((checked(nat, &second.x), second.proven)),
        _ => None,
    };
    let (e, proven) = crate::planner::keep_cheaper(e1, first.proven, second, |e| e.total_cost);
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
