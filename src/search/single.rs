//! One variant of the section-1 model (one site, one period) solved and read back: the
//! what-if solves of the conflict analysis, the shadow prices and the alternatives.

use crate::error::PlanError;
use crate::model::{Request, build};
use crate::solve::{Backend, Limits, Outcome, solve};

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
