//! When the exact search of a national programme finds nothing in time: solve the
//! continuous relaxation, round every purchase down to whole lots, and repair each site and
//! period in turn (earliest first, since purchases serve later periods too) by adding lots
//! of the cheapest accelerator that helps a broken floor, within the national supply caps.
//! The result is kept only if the checker accepts it; its bound is the relaxation's.

use super::check::evaluate_national;
use super::model::NationalRequest;
use super::{NationalVariant, Timings, detail, solve_national};
use crate::check::evaluate;
use crate::error::PlanError;
use crate::plan::{Plan, Status};
use crate::planner::{Budget, relative_gap, snap};
use crate::scenario::national::National;
use crate::scenario::{Objective, Origin};
use crate::solve::Backend;
use std::time::Instant;

/// Most lots the repair adds to one site and period.
const REPAIR_STEPS: usize = 100_000;

/// The fallback plan (status feasible), or a plan with status error saying why none.
pub fn plan(
    nat: &National,
    backend: Backend,
    budget: &Budget,
    why: String,
    timings: &mut Timings,
) -> Result<Plan, PlanError> {
    let mut req = NationalRequest::new(nat);
    req.lp_relaxation = true;
    let lp = match solve_national(&req, backend, budget.limits(5.0), timings)? {
        NationalVariant::Solved(sol) => sol,
        NationalVariant::Infeasible => {
            let mut p = detail::without_purchases(nat, Status::Infeasible, backend.as_str());
            p.conflicts = super::conflicts::find(nat, backend, budget)?;
            return Ok(p);
        }
        _ => return Ok(no_plan(nat, backend, why)),
    };
    let started = Instant::now();
    let Some(x) = round_and_repair(nat, &lp.x) else {
        return Ok(no_plan(nat, backend, why));
    };
    let e = evaluate_national(nat, &x);
    if !e.violations().is_empty() {
        return Ok(no_plan(nat, backend, why));
    }
    let mut plan = detail::from_evaluation(nat, &e, Status::Feasible, backend.as_str());
    let (value, bound) = match nat.objective {
        Objective::MinCost => (e.total_cost, lp.objective.min(e.total_cost)),
        Objective::MaxPflops => {
            let p = detail::final_pflops(&e);
            (p, lp.objective.max(p))
        }
    };
    plan.bound = Some(snap(value, bound));
    plan.gap = Some(relative_gap(value, bound));
    plan.warnings.push(format!(
        "{why}; this plan rounds the continuous relaxation to whole lots and repairs it, and the bound is the relaxation's"
    ));
    timings.check_s += started.elapsed().as_secs_f64();
    Ok(plan)
}

/// Rounds `x[s][t][a]` down to lots and repairs the floors of each site and period.
fn round_and_repair(nat: &National, lp: &[Vec<Vec<f64>>]) -> Option<Vec<Vec<Vec<f64>>>> {
    let (na, ns, nt) = (nat.accelerators.len(), nat.sites.len(), nat.periods());
    let lot = |a: usize| {
        if nat.solver.integer {
            nat.accelerators[a].lot_size as f64
        } else {
            1.0
        }
    };
    let mut x: Vec<Vec<Vec<f64>>> = lp
        .iter()
        .map(|per_t| {
            per_t
                .iter()
                .map(|row| {
                    row.iter()
                        .enumerate()
                        .map(|(a, &v)| {
                            if !nat.solver.integer {
                                return v;
                            }
                            let k = (v / lot(a) + 1e-9).floor() * lot(a);
                            match nat.accelerators[a].min_units {
                                Some(m) if k > 0.0 && k < m as f64 => 0.0,
                                _ => k,
                            }
                        })
                        .collect()
                })
                .collect()
        })
        .collect();
    // Supply left per accelerator and period.
    let mut room: Vec<Vec<f64>> = (0..na)
        .map(|a| {
            (0..nt)
                .map(|t| match nat.per_period[a].max_units[t] {
                    Some(m) => m as f64 - (0..ns).map(|s| x[s][t][a]).sum::<f64>(),
                    None => f64::INFINITY,
                })
                .collect()
        })
        .collect();
    for t in 0..nt {
        for s in 0..ns {
            for _ in 0..REPAIR_STEPS {
                let carried: Vec<f64> = (0..na)
                    .map(|a| {
                        nat.sites[s].existing_in(a, nat.years[t])
                            + (0..t)
                                .filter(|&b| nat.serves(a, b, t))
                                .map(|b| x[s][b][a])
                                .sum::<f64>()
                    })
                    .collect();
                let scenario = nat.site_period(s, t, &carried);
                let e = evaluate(&scenario, &x[s][t]);
                let Some(broken) = e.violations().first().map(|c| c.family.clone()) else {
                    break;
                };
                let accs = &scenario.accelerators;
                let helps = |a: usize| -> f64 {
                    let acc = &accs[a];
                    match broken.as_str() {
                        "demand" => acc.tflops,
                        "memory" => acc.memory_gb,
                        "domestic_share" if acc.origin == Origin::Domestic => 1.0,
                        v if v
                            .strip_prefix("vendor_share:")
                            .is_some_and(|name| name != acc.vendor) =>
                        {
                            1.0
                        }
                        _ => 0.0,
                    }
                };
                let step = |a: usize| {
                    let need = lot(a).max(nat.accelerators[a].min_units.unwrap_or(0) as f64);
                    if x[s][t][a] > 0.0 { lot(a) } else { need }
                };
                let pick = (0..na)
                    .filter(|&a| accs[a].available && room[a][t] >= step(a) && helps(a) > 0.0)
                    .min_by(|&i, &j| {
                        let ci = accs[i].unit_price / helps(i);
                        let cj = accs[j].unit_price / helps(j);
                        ci.total_cmp(&cj).then(i.cmp(&j))
                    })?;
                let add = step(pick);
                x[s][t][pick] += add;
                room[pick][t] -= add;
            }
        }
    }
    Some(x)
}

fn no_plan(nat: &National, backend: Backend, why: String) -> Plan {
    let mut p = detail::without_purchases(nat, Status::Error, backend.as_str());
    p.message = Some(format!(
        "{why}, and rounding the continuous relaxation gave no valid plan; raise solver.time_limit_s (or --time-limit) or try --solver highs"
    ));
    p
}
