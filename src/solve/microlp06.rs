//! The second opinion of the microlp backend: microlp 0.6 through good_lp's own adapter.
//!
//! [`super::microlp`] solves with microlp 0.7 first; where 0.7 ends a solve with an
//! internal error (its numerical policy fails loudly rather than answer what it cannot
//! verify, on some degenerate small models) or has not proven its plan within its share of
//! the time, the same model goes to 0.6, whose simplex and search are a different
//! implementation, from scratch. Each fails where the other does not.

use super::{Limits, Raw};
use crate::error::PlanError;
use crate::model::Built;
use good_lp::{
    ResolutionError, Solution, SolutionStatus, SolverModel, Variable, WithMipGap, WithTimeLimit,
};

/// Solves `built` with microlp 0.6 under `limits`.
pub(crate) fn run(built: Built, limits: Limits) -> Result<Raw, PlanError> {
    let all: Vec<Variable> = built
        .vars
        .iter_variables_with_def()
        .map(|(v, _)| v)
        .collect();
    let (unsolved, constraints, has_integers) = built.into_problem();
    let mut model = unsolved
        .using(good_lp::microlp)
        .with_time_limit(limits.time_limit_s)
        .with_mip_gap(limits.mip_gap as f32)
        .map_err(|e| PlanError::Solver(format!("mip gap: {e}")))?;
    for c in constraints {
        model.add_constraint(c);
    }
    match model.solve() {
        Ok(solution) => {
            let proven = matches!(
                solution.status(),
                SolutionStatus::Optimal | SolutionStatus::GapLimit
            );
            let values: Vec<f64> = all.iter().map(|&v| solution.value(v)).collect();
            let inner = solution.into_inner();
            let bound = if has_integers {
                inner.stats().best_bound
            } else {
                Some(inner.objective())
            };
            Ok(Raw::Solved {
                proven,
                values,
                bound,
                duals: None,
            })
        }
        Err(ResolutionError::Infeasible) => Ok(Raw::Infeasible),
        Err(ResolutionError::Unbounded) => Ok(Raw::Unbounded),
        Err(ResolutionError::Other(msg)) if msg.contains("Time limit") => Ok(Raw::NoSolution(
            "microlp reached the time limit before finding any plan".into(),
        )),
        Err(e) => Err(PlanError::Solver(format!("microlp: {e}"))),
    }
}
