//! The microlp backend: pure Rust branch and bound, with time limit, MIP gap and bound.

use super::{Limits, Raw};
use crate::error::PlanError;
use crate::model::Built;
use good_lp::{
    ResolutionError, Solution, SolutionStatus, SolverModel, Variable, WithMipGap, WithTimeLimit,
};

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
