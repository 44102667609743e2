//! The HiGHS backend (Cargo feature `highs`): the model is built by good_lp, then solved
//! on the HiGHS model directly so that the proven dual bound can be read.
//!
//! HiGHS does not check its time limit everywhere: some MIP presolve steps can loop on
//! small integer models with no solution (seen here in `strengthenInequalities`). So the
//! solve runs on a worker thread under a watchdog; past the time limit plus a grace period
//! it is abandoned (the thread is left to finish on its own, or with the process) and the
//! call reports that no plan was found in time.

use super::{Limits, Raw};
use crate::error::PlanError;
use crate::model::Built;
use good_lp::SolverModel;
use highs::{HighsModelStatus, HighsSolutionStatus};

/// Extra seconds HiGHS gets past its time limit before the watchdog gives up on it.
const GRACE_S: f64 = 5.0;

pub(crate) fn run(built: Built, limits: Limits) -> Result<Raw, PlanError> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("chipmix-highs".into())
        .spawn(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                solve_watched(built, limits)
            }));
            let _ = tx.send(result);
        })
        .map_err(|e| PlanError::Solver(format!("highs: cannot start a solver thread: {e}")))?;
    let wait = std::time::Duration::from_secs_f64(limits.time_limit_s * 1.5 + GRACE_S);
    match rx.recv_timeout(wait) {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err(PlanError::Solver("highs stopped unexpectedly".into())),
        Err(_) => Ok(Raw::NoSolution(
            "HiGHS did not stop at its time limit (a known HiGHS presolve loop) and was abandoned"
                .into(),
        )),
    }
}

fn solve_watched(built: Built, limits: Limits) -> Result<Raw, PlanError> {
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
    let solution = solved.get_solution();
    let values = solution.columns().to_vec();
    let duals = (!has_integers).then(|| solution.dual_rows().to_vec());
    let bound = if has_integers {
        solved.double_info_value(c"mip_dual_bound").ok()
    } else {
        Some(solved.objective_value())
    };
    Ok(Raw::Solved {
        proven,
        values,
        bound,
        duals,
    })
}
