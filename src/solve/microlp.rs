//! The microlp backend: pure Rust branch and bound, with time limit, MIP gap and bound.
//!
//! chipmix hands its model to microlp 0.7 directly rather than through good_lp's adapter,
//! which is written for microlp 0.6: 0.7 has presolve, bound-change branching with
//! pseudocosts, an objective lattice, and a numerical policy that ends in a proof or a loud
//! error, where 0.6 failed with `Singular matrix` on small feasible models of ours
//! (microlp issue 48) or searched some for minutes (chipmix issue 14 has the figures). The
//! model is read from good_lp's public expressions, so it stays the one model every backend
//! solves.
//!
//! Integrality is held to [`INT_TOL`], far tighter than microlp's default of 1e-6: the
//! model links purchases to binaries with big-M rows (`x <= M b`, M up to the unit cap of
//! 1e7), and at 1e-6 a binary at 3e-7 counts as 0 while it lets 3 units through.
//!
//! Two implementations share the time: 0.7 first, for 20,000 nodes or a third of it,
//! which proves small models at once (the 2,000 of the corpus in at most 14 ms each,
//! `bench/corpus.sh`); then, where 0.7 has not proven its answer or ended with an internal
//! error (tried again without presolve first), microlp 0.6 ([`super::microlp06`]) with the
//! rest. 0.6 proves some models 0.7 searches for minutes (a two-site, two-year model with
//! a national supply cap: 7 s against more than 60 s), and 0.7 some that 0.6 fails on
//! (`Singular matrix`).

use super::{Limits, Raw};
use crate::error::PlanError;
use crate::model::Built;
use ::microlp::{
    ComparisonOp, Error, LinearExpr, OptimizationDirection, Problem, SolutionStatus, SolveOptions,
    SolveOutcome, TerminationReason,
};
use good_lp::IntoAffineExpression;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The distance from an integer within which microlp may count a value as integral: a
/// binary at this value lets at most `1e7 * 1e-9 = 0.01` units through a big-M row.
pub const INT_TOL: f64 = 1e-9;

/// Share of a solve's time that microlp 0.7 gets before 0.6 takes over an unproven search.
pub const FIRST_SHARE: f64 = 1.0 / 3.0;

/// Branch-and-bound nodes microlp 0.7 may solve before 0.6 takes over (about a second in
/// a release build). A count, not a time, so which solver answers does not depend on the
/// machine's load: two runs of a plan give the same purchases, not two of several optima.
pub const FIRST_NODES: u64 = 20_000;

/// Solves `built` under `limits`: microlp 0.7 with presolve (without it after an internal
/// error) for [`FIRST_NODES`] nodes or [`FIRST_SHARE`] of the time; when that does not
/// prove an answer, microlp 0.6 with the rest of the time, from scratch. The better plan of
/// the two comes back (0.6's on a tie), with the better of their bounds (each is proven).
pub(crate) fn run(built: Built, limits: Limits) -> Result<Raw, PlanError> {
    let started = Instant::now();
    let (model, has_integers) = to_problem(&built)?;
    let mut first_limits = limits;
    // A continuous model has no branch and bound to stall in: 0.7's simplex gets the whole
    // time (a relaxation of 500 sites with energy discounts takes it 28 s).
    if has_integers {
        first_limits.time_limit_s = limits.time_limit_s * FIRST_SHARE;
    }
    let mut outcome = solve_once(&model, first_limits, true, Some(FIRST_NODES));
    if matches!(outcome, Err(Error::InternalError(_))) && !limits.expired() {
        let mut again = left(limits, started);
        again.time_limit_s = again.time_limit_s.min(first_limits.time_limit_s);
        outcome = solve_once(&model, again, false, Some(FIRST_NODES));
    }
    let first = match outcome {
        Err(Error::InternalError(e)) => Err(e),
        other => match read(other, &model, has_integers)? {
            Raw::Solved {
                proven: false,
                values,
                bound,
                ..
            } => Ok((values, bound)),
            Raw::NoSolution(_) if has_integers => Err(String::new()),
            done => return Ok(done),
        },
    };
    let rest = left(limits, started);
    if limits.expired() || rest.time_limit_s <= 0.0 {
        return match first {
            Ok((values, bound)) => Ok(Raw::Solved {
                proven: false,
                values,
                bound,
                duals: None,
            }),
            Err(e) if e.is_empty() => Ok(Raw::NoSolution(
                "microlp reached the time limit before finding any plan".into(),
            )),
            Err(e) => Err(PlanError::Solver(format!("microlp: {e}"))),
        };
    }
    // 0.6 starts afresh: given 0.7's plan as its first incumbent, it did not prove the
    // two-site model above in 37 s, which it proves in 7 s on its own.
    let second = super::microlp06::run(built, rest);
    match (first, second) {
        (
            Ok((values, bound)),
            Ok(Raw::Solved {
                proven,
                values: v2,
                bound: b2,
                ..
            }),
        ) => {
            let better = |a: Option<f64>, b: Option<f64>| match (a, b) {
                (Some(a), Some(b)) => Some(if model.maximise { a.min(b) } else { a.max(b) }),
                (a, b) => a.or(b),
            };
            // 0.6's plan unless 0.7's is better beyond rounding: a proven plan of 0.6 does
            // not depend on how far 0.7 got in its time.
            let (c1, c2) = (model.objective(&values), model.objective(&v2));
            let margin = 1e-9 * c1.abs().max(c2.abs()).max(1.0);
            let second_better = proven
                || if model.maximise {
                    c2 >= c1 - margin
                } else {
                    c2 <= c1 + margin
                };
            Ok(Raw::Solved {
                proven,
                values: if second_better { v2 } else { values },
                bound: better(bound, b2),
                duals: None,
            })
        }
        // 0.6 found nothing better (or contradicts 0.7's plan, which is kept).
        (Ok((values, bound)), _) => Ok(Raw::Solved {
            proven: false,
            values,
            bound,
            duals: None,
        }),
        (_, Ok(done)) => Ok(done),
        (Err(e), Err(e2)) if !e.is_empty() => Err(PlanError::Solver(format!(
            "microlp 0.7: {e}; microlp 0.6: {}",
            e2.to_string().trim_start_matches("solver failure: ")
        ))),
        (Err(_), Err(e2)) => Err(e2),
    }
}

/// `limits` with the time spent since `started` taken off.
fn left(limits: Limits, started: Instant) -> Limits {
    let mut l = limits;
    l.time_limit_s = (l.time_limit_s - started.elapsed().as_secs_f64()).max(0.0);
    l
}

/// The backend's answer from microlp's.
fn read(
    outcome: Result<SolveOutcome, Error>,
    model: &Model,
    has_integers: bool,
) -> Result<Raw, PlanError> {
    match outcome {
        Ok(SolveOutcome::Solution(solution)) => {
            let proven = matches!(solution.status(), SolutionStatus::Optimal)
                || matches!(solution.termination_reason(), TerminationReason::MipGap);
            let values: Vec<f64> = model.vars.iter().map(|&v| solution.var_value(v)).collect();
            let bound = if has_integers {
                solution.stats().best_bound
            } else {
                Some(solution.objective())
            };
            Ok(Raw::Solved {
                proven,
                values,
                bound,
                duals: None,
            })
        }
        Ok(SolveOutcome::Interrupted(_)) => Ok(Raw::NoSolution(
            "microlp reached the time limit before finding any plan".into(),
        )),
        Err(Error::Infeasible) => Ok(Raw::Infeasible),
        Err(Error::Unbounded) => Ok(Raw::Unbounded),
        Err(e) => Err(PlanError::Solver(format!("microlp: {e}"))),
    }
}

/// One call of the solver, with or without presolve, within at most `nodes` nodes.
fn solve_once(
    model: &Model,
    limits: Limits,
    presolve: bool,
    nodes: Option<u64>,
) -> Result<SolveOutcome, Error> {
    let mut options = SolveOptions::default();
    options.node_limit = nodes;
    options.time_limit = Some(Duration::from_secs_f64(limits.time_limit_s.clamp(0.0, 1e9)));
    options.mip_gap = limits.mip_gap.max(0.0);
    options.int_tol = INT_TOL;
    options.presolve = presolve;
    model.problem.solve_with(options)
}

/// A microlp problem and its variables, in good_lp's order, with the objective's
/// coefficients and direction (to compare plans of the two solvers).
struct Model {
    problem: Problem,
    vars: Vec<::microlp::Variable>,
    cost: Vec<f64>,
    maximise: bool,
}

impl Model {
    /// The objective's linear part at `values`.
    fn objective(&self, values: &[f64]) -> f64 {
        self.cost.iter().zip(values).map(|(c, v)| c * v).sum()
    }
}

/// The microlp problem of `built`, and whether it has integer variables.
fn to_problem(built: &Built) -> Result<(Model, bool), PlanError> {
    let mut problem = Problem::new(if built.maximise {
        OptimizationDirection::Maximize
    } else {
        OptimizationDirection::Minimize
    });
    let index: HashMap<good_lp::Variable, usize> = built
        .vars
        .iter_variables_with_def()
        .enumerate()
        .map(|(i, (v, _))| (v, i))
        .collect();
    let mut cost = vec![0.0; built.vars.len()];
    for (v, c) in (&built.objective).linear_coefficients() {
        cost[index[&v]] += c;
    }
    let mut vars = Vec::with_capacity(built.vars.len());
    let mut has_integers = false;
    for (i, (_, def)) in built.vars.iter_variables_with_def().enumerate() {
        let (min, max) = (def.get_min(), def.get_max());
        let var = if def.is_integer() {
            has_integers = true;
            problem.add_integer_var(cost[i], (int_bound(min.ceil())?, int_bound(max.floor())?))
        } else {
            problem.add_var(cost[i], (min, max))
        };
        vars.push(var);
    }
    for c in &built.constraints {
        let e = c.expression();
        let mut terms: Vec<(usize, f64)> = e
            .linear_coefficients()
            .filter(|&(_, k)| k != 0.0)
            .map(|(v, k)| (index[&v], k))
            .collect();
        terms.sort_unstable_by_key(|&(i, _)| i);
        let mut expr = LinearExpr::empty();
        for (i, k) in terms {
            expr.add(vars[i], k);
        }
        let op = if c.is_equality() {
            ComparisonOp::Eq
        } else {
            ComparisonOp::Le
        };
        problem.add_constraint(expr, op, -e.constant());
    }
    Ok((
        Model {
            problem,
            vars,
            cost,
            maximise: built.maximise,
        },
        has_integers,
    ))
}

/// An integer variable's bound as microlp takes it (`i32`; infinite is the type's end).
fn int_bound(b: f64) -> Result<i32, PlanError> {
    if b == f64::INFINITY {
        Ok(i32::MAX)
    } else if b == f64::NEG_INFINITY {
        Ok(i32::MIN)
    } else if (i32::MIN as f64..=i32::MAX as f64).contains(&b) {
        Ok(b as i32)
    } else {
        Err(PlanError::Solver(format!(
            "microlp: an integer bound of {b} is outside the range it takes"
        )))
    }
}
