//! The HiGHS backend (Cargo feature `highs`): the model is built by good_lp, then solved
//! on the HiGHS model directly so that the proven dual bound can be read.

use super::{Limits, Raw};
use crate::error::PlanError;
use crate::model::Built;
use good_lp::SolverModel;
use highs::{HighsModelStatus, HighsSolutionStatus};

pub(crate) fn run(built: Built, limits: Limits) -> Result<Raw, PlanError> {
    let (unsolved, constraints, has_integers) = built.into_problem();
    let mut problem = unsolved.using(good_lp::highs);
    for c in constraints {
        problem.add_constraint(c);
    }
    let mut model = problem
        .try_into_inner()
        .map_err(|e| PlanError::Solver(format!("highs: {e}")))?;
    model.make_quiet();
    model.set_option("time_limit", limits.time_limit_s);
    model.set_option("mip_rel_gap", limits.mip_gap);
    model.set_option("threads", 1);
    let solved = model
        .try_solve()
        .map_err(|e| PlanError::Solver(format!("highs: {e:?}")))?;
    let proven = match solved.status() {
        HighsModelStatus::Optimal => true,
        HighsModelStatus::Infeasible | HighsModelStatus::UnboundedOrInfeasible => {
            return Ok(Raw::Infeasible);
        }
        HighsModelStatus::Unbounded => return Ok(Raw::Unbounded),
        HighsModelStatus::ReachedTimeLimit
        | HighsModelStatus::ReachedSolutionLimit
        | HighsModelStatus::ReachedInterrupt
        | HighsModelStatus::ReachedIterationLimit
        | HighsModelStatus::ReachedMemoryLimit => false,
        other => {
            return Err(PlanError::Solver(format!(
                "highs stopped with status {other:?}"
            )));
        }
    };
    if solved.primal_solution_status() != HighsSolutionStatus::Feasible {
        return Ok(Raw::NoSolution(
            "HiGHS reached the time limit before finding any plan".into(),
        ));
    }
    let values = solved.get_solution().columns().to_vec();
    let bound = if has_integers {
        solved.double_info_value(c"mip_dual_bound").ok()
    } else {
        Some(solved.objective_value())
    };
    Ok(Raw::Solved {
        proven,
        values,
        bound,
    })
}
