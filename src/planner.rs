//! From scenario to checked plan: builds the model, runs the solver (two stages for
//! max_pflops), reads the purchases back, re-checks them with the independent checker,
//! falls back to a rounded LP plan when the exact search finds nothing in time, and asks
//! the conflict analysis why when the scenario is infeasible.

use crate::error::PlanError;
use crate::model::UNIT_CAP;
use crate::plan::{Plan, Status};
use crate::scenario::Objective;
use crate::scenario::national::National;
use crate::search::Timings;
pub use crate::search::{Options, Strategy};
use crate::solve::Budget;
pub use crate::solve::relative_gap;

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

/// Plans a scenario as loaded from its file: [`plan_timed`], with the plan's warnings
/// starting with those of loading it. `chipmix plan` and `chipmix serve` print this plan.
pub fn plan_loaded(
    loaded: &crate::scenario::load::Loaded,
    opts: &Options,
) -> Result<(Plan, Timings), PlanError> {
    let (mut plan, timings) = plan_timed(&loaded.scenario, opts)?;
    plan.warnings
        .splice(0..0, loaded.warnings.iter().map(|w| w.to_string()));
    Ok((plan, timings))
}

/// [`plan`], with the seconds spent building, solving and checking.
pub fn plan_timed(s: &National, opts: &Options) -> Result<(Plan, Timings), PlanError> {
    let capped;
    let s = match opts.cost_cap {
        Some(cap) => {
            capped = National {
                cost_cap: Some(s.cost_cap.map_or(cap, |c| c.min(cap))),
                ..s.clone()
            };
            &capped
        }
        None => s,
    };
    if s.futures.is_some() {
        let (plan, timings) = crate::hedge::plan(s, opts)?;
        return Ok((finite(plan), timings));
    }
    let (mut plan, timings) = crate::search::search(s, opts)?;
    if opts.cancel.is_set() {
        interrupted(&mut plan);
    }
    if plan.status.has_plan()
        && s.objective == Objective::MaxPflops
        && let Some(p) = unbounded_pflops(s, &plan)
    {
        plan = p;
    }
    if plan.status == Status::Infeasible
        && opts.conflicts
        && plan.conflicts.is_empty()
        && !opts.cancel.is_set()
    {
        let budget = Budget::start(
            opts.time_limit_s.unwrap_or(s.solver.time_limit_s),
            opts.mip_gap.unwrap_or(s.solver.mip_gap),
        );
        plan.conflicts = crate::conflicts::find(s, opts.backend, &budget)?;
    }
    Ok((finite(plan), timings))
}

/// A plan whose search was cancelled says so: a plan not proven optimal is the best found
/// so far; a plan of none says the search was interrupted before it found one (an
/// infeasible or unbounded verdict is proven, and kept).
fn interrupted(plan: &mut Plan) {
    match plan.status {
        Status::Feasible => plan.warnings.push(crate::search::INTERRUPTED.to_string()),
        Status::Error => {
            plan.message = Some(crate::search::INTERRUPTED_BEFORE_A_PLAN.to_string());
        }
        Status::Optimal | Status::Infeasible | Status::Unbounded => {}
    }
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
    let mut out = crate::plan::detail::without_purchases(s, Status::Unbounded, &plan.solver);
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
