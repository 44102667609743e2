//! From scenario to checked plan: builds the model, runs the solver (two stages for
//! max_pflops), reads the purchases back, re-checks them with the independent checker,
//! falls back to a rounded LP plan when the exact search finds nothing in time, and asks
//! the conflict analysis why when the scenario is infeasible.

use crate::error::PlanError;
use crate::model::{Request, UNIT_CAP, build};
use crate::national::Timings;
pub use crate::plan::relative_gap;
use crate::plan::{Plan, Status};
use crate::scenario::Objective;
use crate::scenario::national::National;
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
    /// Whether an infeasible plan comes with the conflict analysis (default: yes).
    pub conflicts: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            backend: Backend::Microlp,
            time_limit_s: None,
            mip_gap: None,
            strategy: Strategy::Auto,
            progress: None,
            conflicts: true,
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

/// Plans `s`: the checked optimal (or best found) purchases, or why there are none (an
/// infeasible scenario comes with the conflict analysis unless `opts.conflicts` is off).
/// A single site in a single period is the 1 x 1 case of the same search.
pub fn plan(s: &National, opts: &Options) -> Result<Plan, PlanError> {
    plan_timed(s, opts).map(|(p, _)| p)
}

/// Plans `s` like [`plan`], but an infeasible scenario comes back without the conflict
/// analysis: for the many what-if solves of an explanation, which only need the status.
pub fn plan_quiet(s: &National, opts: &Options) -> Result<Plan, PlanError> {
    let mut quiet = *opts;
    quiet.conflicts = false;
    plan(s, &quiet)
}

/// [`plan`], with the seconds spent building, solving and checking.
pub fn plan_timed(s: &National, opts: &Options) -> Result<(Plan, Timings), PlanError> {
    let (mut plan, timings) = crate::national::search(s, opts)?;
    if plan.status.has_plan()
        && s.objective == Objective::MaxPflops
        && let Some(p) = unbounded_pflops(s, &plan)
    {
        plan = p;
    }
    if plan.status == Status::Infeasible && opts.conflicts && plan.conflicts.is_empty() {
        let budget = Budget::start(
            opts.time_limit_s.unwrap_or(s.solver.time_limit_s),
            opts.mip_gap.unwrap_or(s.solver.mip_gap),
        );
        plan.conflicts = crate::national::conflicts::find(s, opts.backend, &budget)?;
    }
    Ok((finite(plan), timings))
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

/// A bound within rounding noise of the value is the value.
pub fn snap(value: f64, bound: f64) -> f64 {
    if relative_gap(value, bound) == 0.0 {
        value
    } else {
        bound
    }
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
fn unbounded_pflops(s: &National, plan: &Plan) -> Option<Plan> {
    let (a, acc) = s.accelerators.iter().enumerate().find(|(a, acc)| {
        let units: f64 = plan
            .purchases
            .iter()
            .filter(|p| p.id == acc.id)
            .map(|p| p.units)
            .sum();
        s.per_period[*a].max_units.iter().all(Option::is_none)
            && units >= UNIT_CAP - acc.lot_size as f64
    })?;
    let _ = a;
    let mut out = crate::national::detail::without_purchases(s, Status::Unbounded, &plan.solver);
    out.message = Some(format!(
        "PFLOPS can grow without end: nothing limits how many {} are bought (it costs nothing within the budgets); give it a unit_price, a max_units or a power limit",
        acc.id
    ));
    Some(out)
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
